"""Mapping files: how the columns of one source's incident export become our fields.

A mapping is a small TOML file, so that a new city's layout needs a new file and no code::

    [source]
    format = "csv"                  # csv | json | geojson
    encoding = "auto"               # auto: UTF-8 (with or without BOM), else Windows-1252/Latin-1
    delimiter = ","
    date_formats = ["%m/%d/%Y %I:%M:%S %p"]   # or "iso"
    timezone = "America/Chicago"    # of times without an offset; default: the organisation's

    [columns]                       # field = source column (or JSON/GeoJSON property)
    source_id = "ID"
    occurred_at = "Date"            # or occurred_from / occurred_to
    offence_code = "FBI Code"
    latitude = "Latitude"
    longitude = "Longitude"
    x = "X Coordinate"              # projected, with [coordinates] epsg
    y = "Y Coordinate"

    [coordinates]
    epsg = 3435

    [offence]
    scheme = "ucr_summary"          # nibrs | ucr_summary | ucr2 | local

    [offences]                      # local code = category code (overrides the scheme)
    "26" = "other"

    [flags.domestic]
    column = "Domestic"
    true_values = ["true"]

    [sensitive]                     # rows that are published only as monthly counts per area
    flags = ["domestic"]
    [sensitive.values]
    "Primary Type" = ["SEX OFFENSE"]
"""

from __future__ import annotations

import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from trustbridge.transparency.taxonomy import DEFAULT_CATEGORIES

FORMATS = ("csv", "json", "geojson")
SCHEME_NAMES = ("nibrs", "ucr_summary", "ucr2", "local")
FIELDS = (
    "source_id",
    "occurred_at",
    "occurred_from",
    "occurred_to",
    "reported_at",
    "offence_code",
    "offence_description",
    "block",
    "latitude",
    "longitude",
    "x",
    "y",
    "area",
    "status",
)
SECTIONS = ("source", "columns", "coordinates", "offence", "offences", "flags", "sensitive")
SOURCE_KEYS = ("format", "encoding", "delimiter", "date_formats", "timezone", "name")
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp1252", "latin-1")
SHIPPED_DIR = Path(__file__).resolve().parent / "mappings"


class MappingError(ValueError):
    """A mapping file that cannot be used, with a message that says what to fix."""


@dataclass(frozen=True)
class FlagRule:
    column: str
    true_values: frozenset[str]


@dataclass(frozen=True)
class Mapping:
    """A validated mapping. ``raw`` is the parsed TOML, kept with each import run."""

    format: str
    encoding: str
    delimiter: str
    date_formats: tuple[str, ...]
    timezone: str | None
    columns: dict[str, str]
    epsg: int | None
    scheme: str
    offences: dict[str, str]
    flags: dict[str, FlagRule]
    sensitive_flags: tuple[str, ...]
    sensitive_values: dict[str, frozenset[str]]
    raw: dict[str, Any] = field(compare=False, repr=False)

    @property
    def name(self) -> str:
        return str(self.raw.get("source", {}).get("name", ""))

    def source_columns(self) -> list[str]:
        """Every source column the mapping reads, in a stable order, without repeats."""
        wanted = list(self.columns.values())
        wanted += [rule.column for rule in self.flags.values()]
        wanted += list(self.sensitive_values)
        return list(dict.fromkeys(wanted))


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise MappingError(_("[%(section)s] must be a table.") % {"section": key})
    return value


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MappingError(_("%(where)s must be a non-empty text.") % {"where": where})
    return value


def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise MappingError(_("%(where)s must be a list of texts.") % {"where": where})
    return list(value)


def _unknown(keys: Any, known: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(keys) - set(known))
    if unknown:
        raise MappingError(
            _("Unknown key “%(key)s” in %(where)s. Known keys: %(known)s.")
            % {"key": unknown[0], "where": where, "known": ", ".join(known)}
        )


def check_epsg(code: Any) -> int:
    """The EPSG code as an int, or MappingError if pyproj does not know it."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    if isinstance(code, str) and code.upper().startswith("EPSG:"):
        code = code[5:]
    try:
        number = int(code)
        CRS.from_epsg(number)
    except (TypeError, ValueError, CRSError) as exc:
        raise MappingError(
            _("EPSG:%(code)s is not a known coordinate reference system.") % {"code": code}
        ) from exc
    return number


def mapping_from_dict(data: dict[str, Any]) -> Mapping:
    """Validate a parsed mapping (TOML or the copy kept with an import run)."""
    _unknown(data, SECTIONS, _("the mapping"))
    source = _table(data, "source")
    _unknown(source, SOURCE_KEYS, "[source]")
    fmt = source.get("format", "csv")
    if fmt not in FORMATS:
        raise MappingError(
            _("[source] format must be one of %(formats)s, not “%(value)s”.")
            % {"formats": ", ".join(FORMATS), "value": fmt}
        )
    encoding = str(source.get("encoding", "auto")).lower()
    if encoding not in ENCODINGS:
        raise MappingError(
            _("[source] encoding must be one of %(encodings)s, not “%(value)s”.")
            % {"encodings": ", ".join(ENCODINGS), "value": encoding}
        )
    delimiter = source.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise MappingError(_("[source] delimiter must be exactly one character."))
    date_formats = tuple(_strings(source.get("date_formats", ["iso"]), "[source] date_formats"))
    timezone = source.get("timezone")
    if timezone is not None and (
        not isinstance(timezone, str) or timezone not in zoneinfo.available_timezones()
    ):
        raise MappingError(
            _("[source] timezone “%(value)s” is not a known time zone.") % {"value": timezone}
        )

    columns_table = _table(data, "columns")
    _unknown(columns_table, FIELDS, "[columns]")
    columns = {name: _string(v, f"[columns] {name}") for name, v in columns_table.items()}
    if "source_id" not in columns:
        raise MappingError(_("[columns] must map source_id (the source's unique id)."))
    if "occurred_at" not in columns and "occurred_from" not in columns:
        raise MappingError(_("[columns] must map occurred_at (or occurred_from)."))
    if "occurred_at" in columns and "occurred_from" in columns:
        raise MappingError(_("[columns] maps occurred_at or occurred_from, not both."))
    if "offence_code" not in columns:
        raise MappingError(_("[columns] must map offence_code."))
    for first, second in (("latitude", "longitude"), ("x", "y")):
        if (first in columns) != (second in columns):
            raise MappingError(
                _("[columns] must map both %(a)s and %(b)s, or neither.")
                % {"a": first, "b": second}
            )

    coordinates = _table(data, "coordinates")
    _unknown(coordinates, ("epsg",), "[coordinates]")
    epsg = check_epsg(coordinates["epsg"]) if "epsg" in coordinates else None
    if "x" in columns and epsg is None:
        raise MappingError(_("[coordinates] epsg is required when x and y are mapped."))

    offence = _table(data, "offence")
    _unknown(offence, ("scheme",), "[offence]")
    scheme = offence.get("scheme", "local")
    if scheme not in SCHEME_NAMES:
        raise MappingError(
            _("[offence] scheme must be one of %(schemes)s, not “%(value)s”.")
            % {"schemes": ", ".join(SCHEME_NAMES), "value": scheme}
        )
    known_categories = {c.code for c in DEFAULT_CATEGORIES}
    offences: dict[str, str] = {}
    for code, category in _table(data, "offences").items():
        category = _string(category, f"[offences] {code}")
        if category not in known_categories:
            raise MappingError(
                _("[offences] “%(code)s” maps to an unknown category “%(category)s”.")
                % {"code": code, "category": category}
            )
        offences[str(code)] = category
    if scheme == "local" and not offences:
        raise MappingError(_("A local offence scheme needs an [offences] table."))

    flags: dict[str, FlagRule] = {}
    for name, rule in _table(data, "flags").items():
        if not isinstance(rule, dict):
            raise MappingError(_("[flags.%(name)s] must be a table.") % {"name": name})
        _unknown(rule, ("column", "true_values"), f"[flags.{name}]")
        if "column" not in rule:
            raise MappingError(_("[flags.%(name)s] needs a column.") % {"name": name})
        flags[name] = FlagRule(
            column=_string(rule["column"], f"[flags.{name}] column"),
            true_values=frozenset(
                v.strip().lower()
                for v in _strings(rule.get("true_values", ["true"]), f"[flags.{name}] true_values")
            ),
        )

    sensitive = _table(data, "sensitive")
    _unknown(sensitive, ("flags", "values"), "[sensitive]")
    sensitive_flags = (
        tuple(_strings(sensitive["flags"], "[sensitive] flags")) if ("flags" in sensitive) else ()
    )
    for name in sensitive_flags:
        if name not in flags:
            raise MappingError(
                _("[sensitive] flags names “%(name)s”, which is not defined in [flags].")
                % {"name": name}
            )
    values_table = sensitive.get("values", {})
    if not isinstance(values_table, dict):
        raise MappingError(_("[sensitive.values] must be a table."))
    sensitive_values = {
        column: frozenset(
            v.strip().upper() for v in _strings(values, f"[sensitive.values] {column}")
        )
        for column, values in values_table.items()
    }
    return Mapping(
        format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        date_formats=date_formats,
        timezone=timezone,
        columns=columns,
        epsg=epsg,
        scheme=scheme,
        offences=offences,
        flags=flags,
        sensitive_flags=sensitive_flags,
        sensitive_values=sensitive_values,
        raw=data,
    )


def load_mapping(text: str) -> Mapping:
    """Parse and validate a TOML mapping, or raise MappingError saying what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(_("The mapping is not valid TOML: %(error)s") % {"error": exc}) from exc
    return mapping_from_dict(data)


def shipped_mappings() -> list[str]:
    """Names of the mappings shipped with Trustbridge (``chicago`` …)."""
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.toml"))


def find_mapping(name_or_path: str) -> Mapping:
    """A shipped mapping by name ("chicago"), or a mapping file by path."""
    if name_or_path in shipped_mappings():
        return load_mapping((SHIPPED_DIR / f"{name_or_path}.toml").read_text(encoding="utf-8"))
    path = Path(name_or_path)
    if not path.is_file():
        raise MappingError(
            _("No mapping “%(name)s”: give a file or one of %(names)s.")
            % {"name": name_or_path, "names": ", ".join(shipped_mappings())}
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(
            _("Cannot read the mapping %(name)s: %(error)s") % {"name": name_or_path, "error": exc}
        ) from exc
    return load_mapping(text)
