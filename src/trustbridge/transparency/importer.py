"""The incident importer: read a file as a stream, check and generalise each row, write batches.

Memory stays constant whatever the file size: rows are read one at a time and written in
batches, each batch in one transaction with its roll-up deltas and the run's counters, so an
interrupted import leaves consistent data behind and can simply be run again (rows upsert on
``(organization, source_id)``).

Precise locations live only in the batch being processed: they give the area (point in
polygon, vectorised with shapely) and the public H3 cell, and are then dropped.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import multiprocessing
import os
import pickle
import re
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from queue import Empty, Full
from typing import Any, BinaryIO, TextIO

import numpy as np
import shapely
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from trustbridge.core.models import Area, Organization
from trustbridge.transparency import rollups
from trustbridge.transparency.mapping import Mapping
from trustbridge.transparency.models import (
    ImportProblem,
    ImportRun,
    Incident,
    TransparencySettings,
)
from trustbridge.transparency.privacy import hundred_block, public_cell
from trustbridge.transparency.taxonomy import ensure_taxonomy, resolver

BATCH_SIZE = 10_000
CHUNK = 1 << 20
MAX_RECORD = 1 << 20  # a JSON record larger than this is refused rather than buffered
SMALL_AREA_COUNT = 64
BBOX_MARGIN_DEGREES = 0.05  # about 5 km: points this far outside all areas are refused
CP1252_UNDEFINED = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
FIELD_LIMITS = {"source_id": 100, "offence_code": 40}


class FileRefused(Exception):
    """The whole file cannot be imported (empty, wrong columns, unreadable): nothing written."""

    def __init__(self, reason: str, field: str = "") -> None:
        super().__init__(reason, field)
        self.reason = reason
        self.field = field

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    reason: str


@dataclass
class Totals:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


# Reading -----------------------------------------------------------------------------------


def detect_encoding(stream: BinaryIO, requested: str) -> str:
    """UTF-8 (with or without BOM) if every byte decodes as UTF-8, else Windows-1252, else
    Latin-1. Reads the stream once (in chunks) and rewinds it."""
    start = stream.tell()
    head = stream.read(3)
    if requested != "auto":
        stream.seek(start)
        if requested in ("utf-8", "utf-8-sig") and head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        return requested
    decoder = codecs.getincrementaldecoder("utf-8")()
    cp1252 = True
    utf8 = True
    chunk = head
    while chunk:
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        if not utf8 and any(b in chunk for b in CP1252_UNDEFINED):
            cp1252 = False
            break
        if not utf8:  # keep looking only for bytes Windows-1252 leaves undefined
            cp1252 = cp1252 and not any(b in chunk for b in CP1252_UNDEFINED)
        chunk = stream.read(CHUNK)
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    stream.seek(start)
    if utf8:
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    return "cp1252" if cp1252 else "latin-1"


Record = tuple[int, list[str] | Problem, tuple[float, float] | None]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value if isinstance(value, str) else str(value)


def csv_records(text: TextIO, mapping: Mapping) -> Iterator[Record]:
    """(line, values in ``mapping.source_columns()`` order, None) for every data row."""
    reader = csv.reader(text, delimiter=mapping.delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused(_("The file is empty.")) from None
    except csv.Error as exc:
        raise FileRefused(_("The header line cannot be read: %(error)s") % {"error": exc}) from exc
    header = [h.strip() for h in header]
    if not any(header):
        raise FileRefused(_("The file has no header line."))
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(name, index)
    indexes = []
    for column in mapping.source_columns():
        if column not in positions:
            raise FileRefused(
                _(
                    "The file has no column “%(column)s”, which the mapping uses. Its columns are: %(columns)s."
                )
                % {"column": column, "columns": ", ".join(h for h in header if h)},
                field=column,
            )
        indexes.append(positions[column])
    width = len(header)
    previous_end = reader.line_num
    pending: tuple[int, list[str]] | None = None

    def emit(start: int, row: list[str], last: bool) -> Record:
        if len(row) != width:
            if last and len(row) < width:
                reason = _(
                    "The file ends in the middle of this row (%(got)d of %(want)d values): "
                    "is it truncated?"
                ) % {"got": len(row), "want": width}
            else:
                reason = _("This row has %(got)d values; the header has %(want)d.") % {
                    "got": len(row),
                    "want": width,
                }
            return start, Problem(start, "", reason), None
        return start, [row[i] for i in indexes], None

    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            start, previous_end = previous_end + 1, reader.line_num
            if pending is not None:
                yield emit(*pending, last=False)
                pending = None
            if "end of data" in str(exc):
                reason = _("The file ends in the middle of this row: is it truncated?")
            else:
                reason = _("This row cannot be read: %(error)s") % {"error": exc}
            yield start, Problem(start, "", reason), None
            continue
        start, previous_end = previous_end + 1, reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line
        if pending is not None:
            yield emit(*pending, last=False)
        pending = (start, row)
    if pending is not None:
        yield emit(*pending, last=True)


_WS = re.compile(r"[ \t\r\n]*")


class _Broken(Exception):
    def __init__(self, line: int, truncated: bool) -> None:
        super().__init__(line)
        self.line = line
        self.truncated = truncated


class JsonStream:
    """Just enough of an incremental JSON reader to stream the items of a (nested) array."""

    def __init__(self, text: TextIO) -> None:
        self.text = text
        self.buf = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        self.decoder = json.JSONDecoder()

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.text.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def _advance(self, end: int) -> None:
        self.line += self.buf.count("\n", self.pos, end)
        self.pos = end

    def peek(self) -> str:
        while True:
            match = _WS.match(self.buf, self.pos)
            self._advance(match.end() if match else self.pos)
            if self.pos < len(self.buf) or not self._more():
                return self.buf[self.pos] if self.pos < len(self.buf) else ""

    def expect(self, chars: str) -> str:
        char = self.peek()
        if not char or char not in chars:
            raise _Broken(self.line, truncated=not char)
        self._advance(self.pos + 1)
        return char

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError:
                if len(self.buf) - self.pos < MAX_RECORD and self._more():
                    continue
                raise _Broken(self.line, truncated=self.eof) from None
            if end == len(self.buf) and self._more():  # a number may go on in the next chunk
                continue
            self._advance(end)
            return obj

    def items(self) -> Iterator[tuple[int, Any]]:
        """The items of the array that starts here, with the line each starts on."""
        self.expect("[")
        if self.peek() == "]":
            self._advance(self.pos + 1)
            return
        while True:
            self.peek()
            line = self.line
            yield line, self.value()
            if self.expect(",]") == "]":
                return


def _broken_problem(broken: _Broken) -> Problem:
    if broken.truncated:
        return Problem(
            broken.line, "", _("The file ends in the middle of this record: is it truncated?")
        )
    return Problem(
        broken.line,
        "",
        _("This record is not valid JSON; the rest of the file could not be read."),
    )


def _values_of(obj: Any, columns: list[str]) -> list[str] | None:
    if not isinstance(obj, dict):
        return None
    return [_text(obj.get(column)) for column in columns]


def json_records(text: TextIO, mapping: Mapping) -> Iterator[Record]:
    """Records of a JSON array of objects, or of line-delimited JSON (one object a line)."""
    stream = JsonStream(text)
    columns = mapping.source_columns()
    first = stream.peek()
    if not first:
        raise FileRefused(_("The file is empty."))
    not_object = _("This record is not a JSON object.")
    if first == "[":
        try:
            for line, obj in stream.items():
                values = _values_of(obj, columns)
                yield line, values if values is not None else Problem(line, "", not_object), None
        except _Broken as broken:
            problem = _broken_problem(broken)
            yield problem.line, problem, None
        return
    if first != "{":
        raise FileRefused(_("The file is neither a JSON array nor line-delimited JSON."))
    line = stream.line
    rest = stream.buf[stream.pos :]
    lines = _lines_from(rest, text)
    for number, raw in enumerate(lines, start=line):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            reason = (
                _("The file ends in the middle of this record: is it truncated?")
                if not raw.endswith("\n")
                else _("This line is not valid JSON.")
            )
            yield number, Problem(number, "", reason), None
            continue
        values = _values_of(obj, columns)
        yield number, values if values is not None else Problem(number, "", not_object), None


def _lines_from(already: str, text: TextIO) -> Iterator[str]:
    buffer = io.StringIO(already)
    yield from buffer
    yield from text


def geojson_records(text: TextIO, mapping: Mapping) -> Iterator[Record]:
    """Records of a GeoJSON FeatureCollection: properties as columns, a Point as location."""
    stream = JsonStream(text)
    columns = mapping.source_columns()
    first = stream.peek()
    if not first:
        raise FileRefused(_("The file is empty."))
    not_feature = _("This record is not a GeoJSON Feature.")
    try:
        stream.expect("{")
        while True:
            if stream.peek() == "}":
                raise FileRefused(_("The FeatureCollection has no list of features."))
            key = stream.value()
            stream.expect(":")
            if key != "features":
                stream.value()
                stream.expect(",}")
                continue
            for line, feature in stream.items():
                if not isinstance(feature, dict) or not isinstance(
                    feature.get("properties") or {}, dict
                ):
                    yield line, Problem(line, "", not_feature), None
                    continue
                values = _values_of(feature.get("properties") or {}, columns) or []
                yield line, values, _point_of(feature.get("geometry"))
            return
    except _Broken as broken:
        if stream.line <= 1 and not broken.truncated:
            raise FileRefused(_("The file is not a GeoJSON FeatureCollection.")) from None
        problem = _broken_problem(broken)
        yield problem.line, problem, None


def _point_of(geometry: Any) -> tuple[float, float] | None:
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    coordinates = geometry.get("coordinates")
    if (
        isinstance(coordinates, list)
        and len(coordinates) >= 2
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates[:2])
    ):
        return float(coordinates[0]), float(coordinates[1])
    return None


READERS: dict[str, Callable[[TextIO, Mapping], Iterator[Record]]] = {
    "csv": csv_records,
    "json": json_records,
    "geojson": geojson_records,
}


# Dates -------------------------------------------------------------------------------------

_DIRECTIVES = {
    "Y": r"(?P<Y>\d{4})",
    "y": r"(?P<y>\d{2})",
    "m": r"(?P<m>\d{1,2})",
    "d": r"(?P<d>\d{1,2})",
    "H": r"(?P<H>\d{1,2})",
    "I": r"(?P<I>\d{1,2})",
    "M": r"(?P<M>\d{1,2})",
    "S": r"(?P<S>\d{1,2})",
    "f": r"(?P<f>\d{1,6})",
    "p": r"(?P<p>[AaPp][Mm])",
    "z": r"(?P<z>Z|[+-]\d{2}:?\d{2})",
}


def _compile(fmt: str) -> Callable[[str], datetime | None]:
    """A fast parser for a strptime format made of numeric directives; strptime otherwise."""
    parts = []
    order: list[str] = []
    i = 0
    while i < len(fmt):
        char = fmt[i]
        if char == "%" and i + 1 < len(fmt):
            directive = fmt[i + 1]
            if directive == "%":
                parts.append("%")
            elif directive in _DIRECTIVES and directive not in order:
                parts.append(_DIRECTIVES[directive])
                order.append(directive)
            else:
                return _strptime(fmt)
            i += 2
            continue
        parts.append(r"\s+" if char == " " else re.escape(char))
        i += 1
    if "Y" not in order and "y" not in order:
        return _strptime(fmt)
    pattern = re.compile("^" + "".join(parts) + "$")
    at = {name: position for position, name in enumerate(order)}
    y4, y2, mo, d = at.get("Y"), at.get("y"), at.get("m"), at.get("d")
    h24, h12, ampm = at.get("H"), at.get("I"), at.get("p")
    mi, se, fr, zo = at.get("M"), at.get("S"), at.get("f"), at.get("z")

    def parse(text: str) -> datetime | None:
        match = pattern.match(text)
        if match is None:
            return None
        g = match.groups()
        try:
            if h24 is not None:
                hour = int(g[h24])
            elif h12 is not None:
                hour = int(g[h12]) % 12
                if ampm is not None and g[ampm] in ("PM", "pm", "Pm", "pM"):
                    hour += 12
            else:
                hour = 0
            tz = None
            if zo is not None:
                z = g[zo]
                if z == "Z":
                    tz = UTC
                else:
                    sign = -1 if z[0] == "-" else 1
                    z = z[1:].replace(":", "")
                    tz = timezone.get_fixed_timezone(sign * (int(z[:2]) * 60 + int(z[2:])))
            return datetime(
                int(g[y4]) if y4 is not None else 2000 + int(g[y2]),  # type: ignore[index]
                int(g[mo]) if mo is not None else 1,
                int(g[d]) if d is not None else 1,
                hour,
                int(g[mi]) if mi is not None else 0,
                int(g[se]) if se is not None else 0,
                int(g[fr].ljust(6, "0")) if fr is not None else 0,
                tz,
            )
        except ValueError:
            return None

    return parse


def _strptime(fmt: str) -> Callable[[str], datetime | None]:
    def parse(text: str) -> datetime | None:
        try:
            return datetime.strptime(text, fmt)  # noqa: DTZ007 - the zone is applied after
        except ValueError:
            return None

    return parse


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


class DateParser:
    """Source text → (UTC, organisation-local) naive datetimes, or None if unparseable."""

    def __init__(
        self, formats: tuple[str, ...], source_tz: zoneinfo.ZoneInfo, org_tz: zoneinfo.ZoneInfo
    ) -> None:
        self.parsers = [_iso if f.lower() == "iso" else _compile(f) for f in formats]
        self.source_tz = source_tz
        self.org_tz = org_tz
        self.same_zone = source_tz == org_tz
        self.cache: dict[str, tuple[datetime, datetime] | None] = {}
        # Offsets change only on the hour: (naive hour) → (to UTC, to organisation time).
        self.shifts: dict[tuple[Any, ...], tuple[timedelta, timedelta]] = {}

    def __call__(self, text: str) -> tuple[datetime, datetime] | None:
        found = self.cache.get(text, False)
        if found is not False:
            return found  # type: ignore[return-value]
        result = None
        for parser in self.parsers:
            moment = parser(text)
            if moment is None:
                continue
            if moment.tzinfo is None:
                key = (moment.year, moment.month, moment.day, moment.hour) + (
                    () if self.same_zone else (moment.minute,)
                )
                shift = self.shifts.get(key)
                if shift is None:
                    aware = moment.replace(tzinfo=self.source_tz)
                    utc = aware.astimezone(UTC).replace(tzinfo=None)
                    local = aware.astimezone(self.org_tz).replace(tzinfo=None)
                    shift = self.shifts[key] = (utc - moment, local - moment)
                result = (moment + shift[0], moment + shift[1])
            else:
                result = (
                    moment.astimezone(UTC).replace(tzinfo=None),
                    moment.astimezone(self.org_tz).replace(tzinfo=None),
                )
            break
        if len(self.cache) > 200_000:
            self.cache.clear()
            self.shifts.clear()
        self.cache[text] = result
        return result


# Places ------------------------------------------------------------------------------------


class Places:
    """The organisation's areas for vectorised point-in-polygon, and its region's bounds."""

    def __init__(self, organization: Organization) -> None:
        areas = list(Area.objects.filter(organization=organization).order_by("pk"))
        self.ids = np.array([a.pk for a in areas], dtype=np.int64)
        self.geometries = [shapely.geometry.shape(a.geometry) for a in areas]
        for geometry in self.geometries:
            shapely.prepare(geometry)
        self.tree = shapely.STRtree(self.geometries) if areas else None
        self.by_name: dict[str, int] = {}
        for area in areas:
            self.by_name.setdefault(area.slug.lower(), area.pk)
            self.by_name.setdefault(area.name.strip().lower(), area.pk)
        if areas:
            west, south, east, north = shapely.total_bounds(self.geometries)
            self.bounds = (
                west - BBOX_MARGIN_DEGREES,
                south - BBOX_MARGIN_DEGREES,
                east + BBOX_MARGIN_DEGREES,
                north + BBOX_MARGIN_DEGREES,
            )
        else:
            self.bounds = (-180.0, -90.0, 180.0, 90.0)

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(area id or 0, inside the region) for each point."""
        area = np.zeros(len(lon), dtype=np.int64)
        if self.tree is not None and len(lon) and len(self.geometries) <= SMALL_AREA_COUNT:
            # Few areas: test each (prepared) against every point still without an area.
            for pk, geometry in zip(self.ids, self.geometries, strict=True):
                west, south, east, north = geometry.bounds
                todo = (area == 0) & (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
                if todo.any():
                    hit = shapely.contains_xy(geometry, lon[todo], lat[todo])
                    area[np.flatnonzero(todo)[hit]] = pk
        elif self.tree is not None and len(lon):
            points = shapely.points(lon, lat)
            inputs, found = self.tree.query(points, predicate="intersects")
            # The first area (lowest id) wins where areas overlap.
            area[inputs[::-1]] = self.ids[found[::-1]]
        west, south, east, north = self.bounds
        inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        return area, inside | (area > 0)


# Writing -----------------------------------------------------------------------------------

COLUMNS = (
    "source_id",
    "occurred_at",
    "occurred_until",
    "reported_at",
    "offence_code",
    "offence_description",
    "category_id",
    "area_id",
    "block",
    "cell",
    "status",
    "flags",
    "sensitive",
)
TABLE = Incident._meta.db_table
PLANNER_SETTINGS = ("enable_hashjoin", "enable_mergejoin", "enable_bitmapscan", "enable_seqscan")


@dataclass
class Existing:
    pk: int
    values: tuple[Any, ...]  # as COLUMNS[1:], normalised like a new row
    run_id: int | None


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


_FLAG_TEXTS: dict[str, str] = {}


def _flags_text(value: Any) -> str:
    """Flags as the importer writes them (sorted keys, no spaces), to compare rows."""
    raw = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    found = _FLAG_TEXTS.get(raw)
    if found is None:
        if len(_FLAG_TEXTS) > 10_000:
            _FLAG_TEXTS.clear()
        parsed = json.loads(raw)
        found = _FLAG_TEXTS[raw] = json.dumps(parsed, sort_keys=True, separators=(",", ":"))
    return found


class Writer:
    """Database-specific bulk reads and writes of incident rows."""

    def __init__(self) -> None:
        self.sqlite = connection.vendor == "sqlite"

    def fetch(self, organization_id: int, source_ids: list[str]) -> dict[str, Existing]:
        select = ", ".join(("id", *COLUMNS, "import_run_id"))
        select_t = ", ".join(f"t.{c}" for c in ("id", *COLUMNS, "import_run_id"))
        if self.sqlite:
            sql = (
                f"SELECT {select} FROM {TABLE} WHERE organization_id = %s "  # noqa: S608
                "AND source_id IN (SELECT value FROM json_each(%s))"
            )
            params: list[Any] = [organization_id, json.dumps(source_ids)]
        else:
            sql = (
                f"SELECT {select_t} FROM unnest(%s::text[]) AS s(sid) "  # noqa: S608
                f"CROSS JOIN LATERAL (SELECT * FROM {TABLE} i WHERE i.organization_id = %s "
                "AND i.source_id = s.sid LIMIT 1) AS t"
            )
            params = [source_ids, organization_id]
        found: dict[str, Existing] = {}
        with connection.cursor() as cursor, self.index_lookups(cursor):
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                (
                    pk,
                    sid,
                    occurred,
                    until,
                    reported,
                    code,
                    desc,
                    cat,
                    area,
                    block,
                    cell,
                    status,
                    flags,
                    sensitive,
                    run_id,
                ) = row
                values = (
                    _naive_utc(occurred),
                    _naive_utc(until),
                    _naive_utc(reported),
                    code,
                    desc,
                    cat,
                    area,
                    block,
                    cell,
                    status,
                    _flags_text(flags),
                    bool(sensitive),
                )
                found[sid] = Existing(pk, values, run_id)
        return found

    def upsert(
        self, organization_id: int, run_id: int, rows: list[tuple[Any, ...]], created: int
    ) -> None:
        """Insert or update ``rows`` (source_id + values, as COLUMNS), the first ``created``
        of them new."""
        if not rows:
            return
        now = timezone.now()
        columns = ("organization_id", *COLUMNS, "import_run_id", "updated_at")
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[2:])
        if self.sqlite:
            stamp = str(now.replace(tzinfo=None))
            sql = (
                f"INSERT INTO {TABLE} ({', '.join(columns)}) "  # noqa: S608
                f"VALUES ({', '.join(['%s'] * len(columns))}) "
                f"ON CONFLICT (organization_id, source_id) DO UPDATE SET {updates}"
            )
            params = [
                (
                    organization_id,
                    sid,
                    str(occ),
                    str(until) if until else None,
                    str(rep) if rep else None,
                    *rest,
                    run_id,
                    stamp,
                )
                for sid, occ, until, rep, *rest in rows
            ]
            with connection.cursor() as cursor:
                cursor.executemany(sql, params)
            return
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor
            if created:
                # New rows go straight in: the batch holds the organisation's import lock,
                # so no other import can have added them since ``fetch``. Naive times are
                # UTC, the session's time zone.
                with cursor.copy(f"COPY {TABLE} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows[:created]:
                        copy.write_row((organization_id, *row, run_id, now))
            if created == len(rows):
                return
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS tb_incident_stage ("
                "source_id text, occurred_at timestamp, occurred_until timestamp, "
                "reported_at timestamp, offence_code text, offence_description text, "
                "category_id bigint, area_id bigint, block text, cell text, status text, "
                "flags jsonb, sensitive boolean) ON COMMIT DELETE ROWS"
            )
            with cursor.copy(f"COPY tb_incident_stage ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows[created:]:
                    copy.write_row(row)
            selected = ", ".join(
                f"{c} AT TIME ZONE 'UTC'"
                if c in ("occurred_at", "occurred_until", "reported_at")
                else c
                for c in COLUMNS
            )
            cursor.execute(
                f"INSERT INTO {TABLE} ({', '.join(columns)}) "  # noqa: S608
                f"SELECT %s, {selected}, %s, %s FROM tb_incident_stage "
                f"ON CONFLICT (organization_id, source_id) DO UPDATE SET {updates}",
                [organization_id, run_id, now],
            )
            cursor.execute("DELETE FROM tb_incident_stage")

    def touch(self, run_id: int, pks: list[int]) -> None:
        """Mark unchanged rows as seen by this run (so a later duplicate is recognised)."""
        if not pks:
            return
        if self.sqlite:
            sql = f"UPDATE {TABLE} SET import_run_id = %s WHERE id IN (SELECT value FROM json_each(%s))"  # noqa: S608
            params: list[Any] = [run_id, json.dumps(pks)]
        else:
            sql = f"UPDATE {TABLE} SET import_run_id = %s WHERE id = ANY(%s)"  # noqa: S608
            params = [run_id, pks]
        with connection.cursor() as cursor, self.index_lookups(cursor):
            cursor.execute(sql, params)

    def begin_batch(self, organization_id: int) -> None:
        """PostgreSQL: batches of one organisation's imports take turns (SQLite has one
        writer at a time anyway). A batch need not wait for its commit to reach the disk:
        after a server crash the last few batches may be missing, never half there, as the
        run's counters commit with them, and re-running the import completes it."""
        if not self.sqlite:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtext('trustbridge.import'), %s)",
                    [organization_id],
                )
                cursor.execute("SET LOCAL synchronous_commit = off")

    @contextmanager
    def index_lookups(self, cursor: Any) -> Iterator[None]:
        """PostgreSQL: look each row up by its unique index. While a large import runs, the
        table's statistics lag behind its size, and the planner would otherwise scan every
        row of the organisation for each batch (quadratic time). The lateral ``LIMIT 1``
        keeps the batch's ids as the outer side of the join."""
        if self.sqlite:
            yield
            return
        for setting in PLANNER_SETTINGS:
            cursor.execute(f"SET LOCAL {setting} = off")
        yield
        for setting in PLANNER_SETTINGS:
            cursor.execute(f"SET LOCAL {setting} TO DEFAULT")


# The import --------------------------------------------------------------------------------


@dataclass
class Importer:
    organization: Organization
    mapping: Mapping
    run: ImportRun
    batch_size: int = BATCH_SIZE
    totals: Totals = field(default_factory=Totals)

    def __post_init__(self) -> None:
        org = self.organization
        ensure_taxonomy(org)
        settings = TransparencySettings.objects.get(organization=org)
        self.resolution = settings.hex_resolution
        self.org_tz = zoneinfo.ZoneInfo(org.timezone)
        source_tz = (
            zoneinfo.ZoneInfo(self.mapping.timezone) if self.mapping.timezone else self.org_tz
        )
        self.dates = DateParser(self.mapping.date_formats, source_tz, self.org_tz)
        self.resolve = resolver(org, self.mapping.scheme, self.mapping.offences)
        self.places = Places(org)
        self.writer = Writer()
        columns = self.mapping.source_columns()
        self.index = {name: columns.index(col) for name, col in self.mapping.columns.items()}
        self.flag_rules = [
            (name, columns.index(rule.column), rule.true_values)
            for name, rule in self.mapping.flags.items()
        ]
        self.sensitive_flags = set(self.mapping.sensitive_flags)
        self.flag_texts: dict[tuple[bool, ...], str] = {}
        self.sensitive_values = [
            (columns.index(col), values) for col, values in self.mapping.sensitive_values.items()
        ]
        self.transformer = None
        if self.mapping.epsg is not None:
            from pyproj import Transformer

            self.transformer = Transformer.from_crs(
                f"EPSG:{self.mapping.epsg}", "EPSG:4326", always_xy=True
            )
        self.projected_geometry = (
            self.mapping.format == "geojson"
            and "x" not in self.index
            and (self.mapping.epsg is not None)
        )

    # one row ---------------------------------------------------------------------------

    def _date(
        self,
        values: list[str],
        name: str,
        line: int,
        problems: list[Problem],
        now: datetime,
        required: bool,
    ) -> tuple[datetime, datetime] | bool | None:
        """The parsed (UTC, local) time; None if blank and optional; False after a problem."""
        position = self.index.get(name)
        text = values[position].strip() if position is not None else ""
        if not text:
            if required:
                problems.append(Problem(line, name, _("The time is missing.")))
                return False
            return None
        parsed = self.dates(text)
        if parsed is None:
            problems.append(
                Problem(
                    line,
                    name,
                    _("“%(value)s” is not a time in the expected format (%(formats)s).")
                    % {"value": text[:40], "formats": " or ".join(self.mapping.date_formats)},
                )
            )
            return False
        if parsed[0] > now:
            problems.append(Problem(line, name, _("The time is in the future.")))
            return False
        return parsed

    def _check_point(
        self, a: float, b: float, projected: bool, line: int, problems: list[Problem]
    ) -> tuple[float, float, bool] | None:
        name = "y" if projected else "latitude"
        if not (math.isfinite(a) and math.isfinite(b)):
            problems.append(Problem(line, name, _("The coordinates are not numbers.")))
            return None
        if a == 0 and b == 0:
            problems.append(
                Problem(
                    line, name, _("The coordinates are 0,0, which is a placeholder, not a place.")
                )
            )
            return None
        if not projected and not (-180 <= a <= 180 and -90 <= b <= 90):
            problems.append(
                Problem(line, name, _("The coordinates are not a latitude and longitude."))
            )
            return None
        return a, b, projected

    def prepare(
        self, records: list[Record], now: datetime
    ) -> tuple[list[list[Any]], list[Problem]]:
        """Check and convert each row. A prepared row is
        [line, source_id, (utc, local), until, reported, code, description, category_id,
         area_id, public block, status, flags_json, sensitive, point]."""
        problems: list[Problem] = []
        prepared: list[list[Any]] = []
        index = self.index
        i_sid, i_code = index["source_id"], index["offence_code"]
        occurred_name = "occurred_at" if "occurred_at" in index else "occurred_from"
        i_occ = index[occurred_name]
        optional_times = "occurred_to" in index or "reported_at" in index
        i_desc, i_block = index.get("offence_description"), index.get("block")
        i_area, i_status = index.get("area"), index.get("status")
        i_lon, i_lat = index.get("longitude"), index.get("latitude")
        i_x, i_y = index.get("x"), index.get("y")
        dates, resolve, flag_rules = self.dates, self.resolve, self.flag_rules
        sensitive_flags = [
            position
            for position, (name, _i, _t) in enumerate(flag_rules)
            if name in self.sensitive_flags
        ]
        sensitive_values = self.sensitive_values
        flag_texts = self.flag_texts
        for line, values, point in records:
            if isinstance(values, Problem):
                problems.append(values)
                continue
            source_id = values[i_sid].strip()
            if not source_id:
                problems.append(Problem(line, "source_id", _("The source id is missing.")))
                continue
            if len(source_id) > FIELD_LIMITS["source_id"]:
                problems.append(Problem(line, "source_id", _("The source id is too long.")))
                continue
            before = len(problems)
            text = values[i_occ].strip()
            occurred = dates(text) if text else None
            if occurred is None or occurred[0] > now:
                self._date(values, occurred_name, line, problems, now, required=True)
            until = reported = None
            if optional_times:
                until = self._date(values, "occurred_to", line, problems, now, required=False)
                reported = self._date(values, "reported_at", line, problems, now, required=False)
            code = values[i_code].strip()
            category = resolve(code) if code else None
            if category is None or len(code) > FIELD_LIMITS["offence_code"]:
                problems.append(
                    Problem(
                        line,
                        "offence_code",
                        _("Unknown offence code “%(code)s” (%(scheme)s).")
                        % {"code": code[:40], "scheme": self.mapping.scheme}
                        if code
                        else _("The offence code is missing."),
                    )
                )
            location: Any = None
            if i_lat is not None and (values[i_lat].strip() or values[i_lon].strip()):  # type: ignore[index]
                location = self._point(values[i_lon], values[i_lat], False, line, problems)  # type: ignore[index]
            elif i_x is not None and (values[i_x].strip() or values[i_y].strip()):  # type: ignore[index]
                location = self._point(values[i_x], values[i_y], True, line, problems)  # type: ignore[index]
            elif point is not None:
                location = self._check_point(
                    point[0], point[1], self.projected_geometry, line, problems
                )
            if len(problems) > before or occurred is None or category is None:
                continue
            if isinstance(until, tuple) and until[0] < occurred[0]:
                problems.append(
                    Problem(line, "occurred_to", _("The incident ends before it starts."))
                )
                continue
            flags = tuple(values[i].strip().lower() in truth for _n, i, truth in flag_rules)
            sensitive = category.sensitive
            if not sensitive:
                for p in sensitive_flags:
                    if flags[p]:
                        sensitive = True
                        break
                else:
                    for i, wanted in sensitive_values:
                        if values[i].strip().upper() in wanted:
                            sensitive = True
                            break
            flags_json = flag_texts.get(flags)
            if flags_json is None:
                flags_json = flag_texts[flags] = json.dumps(
                    {name: flag for (name, _i, _t), flag in zip(flag_rules, flags, strict=True)},
                    sort_keys=True,
                    separators=(",", ":"),
                )
            area_id = 0
            if i_area is not None:
                area_id = self.places.by_name.get(values[i_area].strip().lower(), 0)
            prepared.append(
                [
                    line,
                    source_id,
                    occurred,
                    until[0] if isinstance(until, tuple) else None,
                    reported[0] if isinstance(reported, tuple) else None,
                    code,
                    values[i_desc].strip()[:255] if i_desc is not None else "",
                    category.pk,
                    area_id,
                    hundred_block(values[i_block]) if i_block is not None and not sensitive else "",
                    values[i_status].strip()[:80] if i_status is not None else "",
                    flags_json,
                    sensitive,
                    location,
                ]
            )
        return prepared, problems

    def _point(
        self, first: str, second: str, projected: bool, line: int, problems: list[Problem]
    ) -> tuple[float, float, bool] | None:
        try:
            a, b = float(first), float(second)
        except ValueError:
            problems.append(
                Problem(
                    line, "y" if projected else "latitude", _("The coordinates are not numbers.")
                )
            )
            return None
        return self._check_point(a, b, projected, line, problems)

    def place(self, prepared: list[list[Any]], problems: list[Problem]) -> list[list[Any]]:
        """Areas and cells for the batch, computed on arrays; the points are then dropped."""
        located = [row for row in prepared if row[13] is not None]
        refused: set[int] = set()
        if located:
            a = np.fromiter((row[13][0] for row in located), dtype=np.float64, count=len(located))
            b = np.fromiter((row[13][1] for row in located), dtype=np.float64, count=len(located))
            projected = np.fromiter((row[13][2] for row in located), dtype=bool, count=len(located))
            lon, lat = a.copy(), b.copy()
            if projected.any() and self.transformer is not None:
                lon[projected], lat[projected] = self.transformer.transform(
                    a[projected], b[projected]
                )
            areas, inside = self.places.locate(lon, lat)
            resolution = self.resolution
            for i, row in enumerate(located):
                if not inside[i] or not (math.isfinite(lon[i]) and math.isfinite(lat[i])):
                    problems.append(
                        Problem(
                            row[0],
                            "y" if row[13][2] else "latitude",
                            _(
                                "The location is outside every area and outside the organisation's region."
                            ),
                        )
                    )
                    refused.add(id(row))
                    continue
                if not row[8]:
                    row[8] = int(areas[i])
                row[13] = None if row[12] else public_cell(float(lat[i]), float(lon[i]), resolution)
        if refused:
            prepared = [row for row in prepared if id(row) not in refused]
        return prepared

    def write(
        self, ready: list[Ready], problems: list[Problem], rows_read: int, bytes_read: int
    ) -> None:
        """One transaction: incidents, roll-up deltas, problems and the run's counters."""
        org_id = self.organization.pk
        run_id = self.run.pk
        # Second occurrences of a source id inside the batch are refused.
        first_line: dict[str, int] = {}
        unique: list[Ready] = []
        for row in ready:
            if row[1] in first_line:
                problems.append(
                    Problem(
                        row[0],
                        "source_id",
                        _("Source id “%(id)s” already appeared on line %(line)d.")
                        % {"id": row[1], "line": first_line[row[1]]},
                    )
                )
                continue
            first_line[row[1]] = row[0]
            unique.append(row)
        delta: rollups.Delta = Counter()
        new_rows: list[tuple[Any, ...]] = []
        changed_rows: list[tuple[Any, ...]] = []
        untouched: list[int] = []
        with transaction.atomic():
            self.writer.begin_batch(org_id)
            existing = self.writer.fetch(org_id, list(first_line))
            for line, sid, local, values in unique:
                old = existing.get(sid)
                if old is not None and old.run_id == run_id:
                    problems.append(
                        Problem(
                            line,
                            "source_id",
                            _("Source id “%(id)s” already appeared earlier in this file.")
                            % {"id": sid},
                        )
                    )
                    continue
                if old is not None and old.values == values:
                    untouched.append(old.pk)
                    continue
                delta[
                    local.date(), local.hour, values[6] or 0, values[5], values[11], values[8]
                ] += 1
                if old is None:
                    new_rows.append((sid, *values))
                    continue
                changed_rows.append((sid, *values))
                old_local = rollups.local_time(old.values[0].replace(tzinfo=UTC), self.org_tz)
                delta[
                    old_local.date(),
                    old_local.hour,
                    old.values[6] or 0,
                    old.values[5],
                    old.values[11],
                    old.values[8],
                ] -= 1
            created, updated = len(new_rows), len(changed_rows)
            self.writer.upsert(org_id, run_id, new_rows + changed_rows, created)
            self.writer.touch(run_id, untouched)
            rollups.apply_delta(org_id, delta)
            ImportProblem.objects.bulk_create(
                ImportProblem(
                    run_id=run_id, line=p.line, field=p.field[:100], reason=p.reason[:500]
                )
                for p in problems
            )
            ImportRun.objects.filter(pk=run_id).update(
                rows_read=F("rows_read") + rows_read,
                created=F("created") + created,
                updated=F("updated") + updated,
                unchanged=F("unchanged") + len(untouched),
                rejected=F("rejected") + len(problems),
                bytes_read=bytes_read,
            )
        self.totals.rows_read += rows_read
        self.totals.created += created
        self.totals.updated += updated
        self.totals.unchanged += len(untouched)
        self.totals.rejected += len(problems)

    def run_batches(
        self, records: Iterator[Record], position: Callable[[], int], parallel: bool = False
    ) -> None:
        """Write every batch. With ``parallel``, batches are read and prepared in a forked
        process while this one writes the previous batch: on two cores, parsing and the
        database then no longer wait for each other."""
        batches = self.prepared_batches(records, position)
        if parallel:
            batches = in_child_process(batches)
        for prepared, problems, rows_read, bytes_read in batches:
            self.write(prepared, problems, rows_read, bytes_read)

    def prepared_batches(
        self, records: Iterator[Record], position: Callable[[], int]
    ) -> Iterator[PreparedBatch]:
        """Checked, placed batches, the last one possibly empty (it still moves the counters).
        Touches no database, so it can run in another process."""
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            if len(batch) >= self.batch_size:
                yield self._prepare_batch(batch, position())
                batch = []
        yield self._prepare_batch(batch, position())

    def _prepare_batch(self, batch: list[Record], bytes_read: int) -> PreparedBatch:
        now = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=1)
        prepared, problems = self.prepare(batch, now)
        ready = ready_rows(self.place(prepared, problems))
        problems.sort(key=lambda p: p.line)
        return ready, problems, len(batch), bytes_read


# (line, source id, local time, values as COLUMNS[1:]): a row as ``write`` takes it
Ready = tuple[int, str, datetime, tuple[Any, ...]]
# (ready rows, problems, rows read, bytes read so far)
PreparedBatch = tuple[list[Ready], list[Problem], int, int]


def ready_rows(prepared: list[list[Any]]) -> list[Ready]:
    """Placed rows in the shape they are compared and stored in (done in the reader process,
    to leave the writer as little as possible)."""
    return [
        (
            line,
            sid,
            occurred[1],
            (
                occurred[0],
                until,
                reported,
                code,
                desc,
                category_id,
                area_id or None,
                block,
                cell or "",
                status,
                flags,
                sensitive,
            ),
        )
        for (
            line,
            sid,
            occurred,
            until,
            reported,
            code,
            desc,
            category_id,
            area_id,
            block,
            status,
            flags,
            sensitive,
            cell,
        ) in prepared
    ]


QUEUED_BATCHES = 2  # memory stays constant: the reader waits while two batches are unwritten


def in_child_process(items: Iterator[PreparedBatch]) -> Iterator[PreparedBatch]:
    """Produce ``items`` in a forked process and yield them here, in order.

    The child inherits everything it needs (mapping, taxonomy, areas, the open file) and
    never touches the database. An exception in the child is raised here; the child stops
    when this generator is closed or when this process dies.
    """
    context = multiprocessing.get_context("fork")
    queue: Any = context.Queue(maxsize=QUEUED_BATCHES)
    child = context.Process(target=_produce, args=(items, queue, os.getpid()), daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, payload = queue.get(timeout=1)
            except Empty:
                if not child.is_alive():
                    raise RuntimeError("the import's reader process stopped") from None
                continue
            if kind == "done":
                return
            if kind == "error":
                raise payload
            yield payload
    finally:
        if child.is_alive():
            child.kill()
        child.join()


def _produce(items: Iterator[PreparedBatch], queue: Any, parent: int) -> None:
    try:
        for item in items:
            _put(queue, ("item", item), parent)
        _put(queue, ("done", None), parent)
    except BaseException as exc:  # every failure is the parent's to report
        try:
            pickle.dumps(exc)
        except Exception:
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        _put(queue, ("error", exc), parent)


def _put(queue: Any, message: tuple[str, Any], parent: int) -> None:
    """Wait for room in the queue, giving up if the parent has gone (killed mid-import)."""
    while True:
        try:
            queue.put(message, timeout=1)
            return
        except Full:
            if os.getppid() != parent:
                os._exit(1)


def open_text(stream: BinaryIO, encoding: str) -> TextIO:
    return io.TextIOWrapper(stream, encoding=encoding, newline="")
