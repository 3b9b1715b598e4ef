"""The incident importer: real Chicago data, idempotency, amended extracts, bad input,
encodings, interrupted imports, and another city's layout through a mapping file alone."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from tests import factories
from trustbridge.core.models import Area, AuditEvent
from trustbridge.transparency import rollups, services
from trustbridge.transparency.mapping import find_mapping, load_mapping
from trustbridge.transparency.models import (
    ImportRun,
    ImportStatus,
    Incident,
    MonthlyCount,
    OffenceCategory,
)
from trustbridge.transparency.taxonomy import DEFAULT_CATEGORIES, UCR_SUMMARY

CHICAGO = Path("/work/shared/data/chicago-crimes-2024-sample/Crimes_-_2001_to_Present.csv")
CHICAGO_SENSITIVE_TYPES = {
    "OFFENSE INVOLVING CHILDREN",
    "CRIMINAL SEXUAL ASSAULT",
    "SEX OFFENSE",
    "HUMAN TRAFFICKING",
}


def rectangle(west, south, east, north):
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def make_chicago():
    """An organisation whose four areas cover Chicago (41.64-42.03 N, 87.52-87.94 W)."""
    org = factories.OrganizationFactory(slug="chicago", name="Chicago", timezone="America/Chicago")
    for slug, box in {
        "north-west": (-87.94, 41.84, -87.73, 42.03),
        "north-east": (-87.73, 41.84, -87.52, 42.03),
        "south-west": (-87.94, 41.64, -87.73, 41.84),
        "south-east": (-87.73, 41.64, -87.52, 41.84),
    }.items():
        factories.AreaFactory(
            organization=org, slug=slug, name=slug.title(), geometry=rectangle(*box)
        )
    return org


@pytest.fixture
def chicago(db):
    return make_chicago()


# A small town: one area, "Old Mill", 43.60-43.61 N, 79.40-79.39 W (Toronto time).
TOWN_MAPPING = """
[source]
date_formats = ["%Y-%m-%d %H:%M"]

[columns]
source_id = "id"
occurred_at = "when"
offence_code = "code"
block = "address"
latitude = "lat"
longitude = "lon"
area = "area"

[offence]
scheme = "nibrs"

[flags.family]
column = "family"
true_values = ["yes"]

[sensitive]
flags = ["family"]
"""
HEADER = "id,when,code,address,lat,lon,area,family\n"
INSIDE = "43.605,-79.395"


@pytest.fixture
def town(organization, area):
    return organization


def town_import(org, text, *, encoding="utf-8", mapping=TOWN_MAPPING, **kwargs):
    source = io.BytesIO(text.encode(encoding) if isinstance(text, str) else text)
    return services.import_incidents(
        actor=None,
        organization=org,
        source=source,
        mapping=load_mapping(mapping),
        source_name="town.csv",
        **kwargs,
    )


def days_of(cell):
    """A roll-up cell's incidents by day of the month, where there are any."""
    days = rollups.vector(cell.days, rollups.DAYS)
    return {day + 1: int(n) for day, n in enumerate(days) if n}


def hours_of(cell):
    """A roll-up cell's non-sensitive incidents by (weekday, hour), where there are any."""
    hours = rollups.vector(cell.hours, rollups.HOURS)
    return {divmod(slot, 24): int(n) for slot, n in enumerate(hours) if n}


def rollup_rows(org):
    return sorted(
        (
            c.month,
            c.area_key,
            c.category_id,
            c.count,
            c.timed,
            sorted(days_of(c).items()),
            sorted(hours_of(c).items()),
            sorted(c.places.items()),
        )
        for c in MonthlyCount.objects.filter(organization=org, count__gt=0)
    )


def assert_rollups_match_a_rebuild(org):
    incremental = rollup_rows(org)
    rollups.rebuild(org)
    assert incremental == rollup_rows(org)


def totals(run):
    return {
        "status": run.status,
        "rows_read": run.rows_read,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "rejected": run.rejected,
    }


def problems_of(run):
    return [(p.line, p.field) for p in run.problems.all()]


# The real Chicago file ----------------------------------------------------------------------


def chicago_rows():
    with CHICAGO.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def import_chicago(org, **kwargs):
    return services.import_incidents(
        actor=None,
        organization=org,
        source=CHICAGO,
        mapping=find_mapping("chicago"),
        source_name=CHICAGO.name,
        **kwargs,
    )


def test_the_real_chicago_file_imports_every_row_with_sensitive_rows_unlocated(chicago):
    rows = chicago_rows()
    sensitive_categories = {c.code for c in DEFAULT_CATEGORIES if c.sensitive}
    expected_sensitive = {
        r["ID"]
        for r in rows
        if UCR_SUMMARY[r["FBI Code"]] in sensitive_categories
        or r["Domestic"] == "true"
        or r["Primary Type"] in CHICAGO_SENSITIVE_TYPES
    }
    without_coordinates = {r["ID"] for r in rows if not r["Latitude"] and not r["X Coordinate"]}

    run = import_chicago(chicago)

    assert totals(run) == {
        "status": ImportStatus.SUCCEEDED,
        "rows_read": 10_000,
        "created": 10_000,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert run.mapping["source"]["encoding"] == "utf-8-sig"
    incidents = Incident.objects.filter(organization=chicago)
    assert incidents.count() == 10_000
    assert len(without_coordinates) == 270
    assert set(incidents.filter(sensitive=True).values_list("source_id", flat=True)) == (
        expected_sensitive
    )
    assert incidents.filter(sensitive=True).exclude(block="", cell="").count() == 0
    # Rows without coordinates have no cell and (no area column) no area; every other row
    # lies in one of the four areas.
    assert set(incidents.filter(area=None).values_list("source_id", flat=True)) == (
        without_coordinates
    )
    located_public = incidents.filter(sensitive=False).exclude(source_id__in=without_coordinates)
    assert located_public.filter(cell="").count() == 0
    assert (
        incidents.exclude(source_id__in=located_public.values("source_id")).exclude(cell="").count()
        == 0
    )
    assert {len(c) for c in located_public.values_list("cell", flat=True)} == {15}
    # Every stored block is a hundred block, except the file's one block without a number.
    blocks = incidents.filter(sensitive=False).values_list("block", flat=True)
    numbered = [r["ID"] for r in rows if re.match(r"\d+X+ ", r["Block"])]
    assert len(rows) - len(numbered) == 1
    assert [b for b in blocks if not re.fullmatch(r"\d+XX [A-Z0-9 .'/&-]+", b)] == ["XX S"]
    first = incidents.get(source_id="13364090")  # 02/10/2024 12:44:00 AM, Chicago time
    assert first.occurred_at == datetime(2024, 2, 10, 6, 44, tzinfo=UTC)
    assert first.block == "2XX W 47TH ST"
    assert first.category.code == "assault"
    assert first.flags == {"arrest": True, "domestic": False}
    assert (
        sum(MonthlyCount.objects.filter(organization=chicago).values_list("count", flat=True))
        == 10_000
    )
    cells = MonthlyCount.objects.filter(organization=chicago)
    assert sum(c.timed for c in cells) == 10_000 - len(expected_sensitive)
    assert sum(sum(hours_of(c).values()) for c in cells) == 10_000 - len(expected_sensitive)
    assert sum(sum(days_of(c).values()) for c in cells) == 10_000
    assert_rollups_match_a_rebuild(chicago)


def test_no_precise_coordinate_of_the_chicago_file_is_stored_anywhere_in_an_incident(chicago):
    rows = chicago_rows()
    import_chicago(chicago)

    stored = " ".join(
        " ".join(str(v) for v in values)
        for values in Incident.objects.filter(organization=chicago).values_list(
            "source_id", "offence_code", "offence_description", "block", "cell", "status", "flags"
        )
    )
    assert re.findall(r"\d+\.\d{3,}", stored) == []
    numbers = set(re.findall(r"\d+", stored))
    projected = {r[c] for r in rows for c in ("X Coordinate", "Y Coordinate") if r[c]}
    assert numbers & projected == set()


def test_re_importing_the_same_file_changes_nothing(chicago):
    import_chicago(chicago)
    before = rollup_rows(chicago)
    stamps = dict(Incident.objects.values_list("source_id", "updated_at"))

    run = import_chicago(chicago)

    assert totals(run) == {
        "status": ImportStatus.SUCCEEDED,
        "rows_read": 10_000,
        "created": 0,
        "updated": 0,
        "unchanged": 10_000,
        "rejected": 0,
    }
    assert Incident.objects.count() == 10_000
    assert dict(Incident.objects.values_list("source_id", "updated_at")) == stamps
    assert rollup_rows(chicago) == before


def test_an_import_is_audited_with_counts_only(chicago):
    run = import_chicago(chicago)

    event = AuditEvent.objects.get(target_type="transparency.importrun", target_id=str(run.pk))
    assert event.organization == chicago
    assert event.summary == (
        "incident import succeeded: 10000 rows, 10000 created, 0 updated, 0 unchanged, 0 refused"
    )


# Amended extracts ---------------------------------------------------------------------------


def town_rows(count, *, code="23H", month="01"):
    return "".join(
        f"T{i},2024-{month}-{1 + i % 28:02d} {i % 24:02d}:15,{code},{100 + i} Main St,{INSIDE},,no\n"
        for i in range(count)
    )


def test_an_amended_extract_updates_changed_rows_and_moves_their_roll_up_counts(town):
    town_import(town, HEADER + town_rows(100))
    lines = town_rows(100).splitlines(keepends=True)
    amended = (
        [line.replace(",23H,", ",220,") for line in lines[:10]]  # reclassified: theft → break-in
        + [line.replace("2024-01-", "2024-02-") for line in lines[10:20]]  # corrected date
        + lines[20:]
        + [f"N{i},2024-03-05 10:00,23H,1 Main St,{INSIDE},,no\n" for i in range(5)]
    )

    run = town_import(town, HEADER + "".join(amended))

    assert totals(run) == {
        "status": ImportStatus.SUCCEEDED,
        "rows_read": 105,
        "created": 5,
        "updated": 20,
        "unchanged": 80,
        "rejected": 0,
    }
    assert Incident.objects.filter(organization=town).count() == 105
    categories = {c.code: c.pk for c in OffenceCategory.objects.filter(organization=town)}
    monthly = {
        (m.month.month, m.category_id): m.count
        for m in MonthlyCount.objects.filter(organization=town, count__gt=0)
    }
    assert monthly == {
        (1, categories["theft"]): 80,
        (1, categories["burglary"]): 10,
        (2, categories["theft"]): 10,
        (3, categories["theft"]): 5,
    }
    assert_rollups_match_a_rebuild(town)


# Bad input ----------------------------------------------------------------------------------


BAD_ROWS = (
    HEADER
    + f"A1,2024-01-02 10:00,23H,1234 Main St,{INSIDE},,no\n"  # 2: good
    + f"B1,yesterday,23H,1 Main St,{INSIDE},,no\n"  # 3: unparseable date
    + f"C1,2999-01-01 10:00,23H,1 Main St,{INSIDE},,no\n"  # 4: in the future
    + f"D1,2024-01-02 10:00,ZZZ,1 Main St,{INSIDE},,no\n"  # 5: unknown offence code
    + "E1,2024-01-02 10:00,23H,1 Main St,45.0,-75.0,,no\n"  # 6: far outside
    + "F1,2024-01-02 10:00,23H,1 Main St,0,0,,no\n"  # 7: 0,0
    + f"A1,2024-01-03 10:00,23H,1 Main St,{INSIDE},,no\n"  # 8: duplicate of line 2
    + f",2024-01-02 10:00,23H,1 Main St,{INSIDE},,no\n"  # 9: no source id
    + "G1,2024-01-02 10:00,23H,5 Main St,,,,no\n"  # 10: no location: kept, no area
    + "G2,2024-01-02 10:00,23H,5 Main St,,,old-mill,no\n"  # 11: area from its column
    + "G3,2024-01-02 10:00,23H,5 Main St,43.615,-79.395,,no\n"  # 12: near, in no area
    + "G4,2024-01-02 10:00,23H,5 Main St,north,west,,no\n"  # 13: not numbers
    + ",,,,,,,\n"  # 14: nothing at all
    + "H1,2024-01-0"  # 15: truncated
)


def test_every_bad_row_is_refused_with_its_line_and_reason_and_good_rows_are_kept(town, area):
    run = town_import(town, BAD_ROWS)

    assert totals(run) == {
        "status": ImportStatus.SUCCEEDED,
        "rows_read": 14,
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "rejected": 10,
    }
    assert problems_of(run) == [
        (3, "occurred_at"),
        (4, "occurred_at"),
        (5, "offence_code"),
        (6, "latitude"),
        (7, "latitude"),
        (8, "source_id"),
        (9, "source_id"),
        (13, "latitude"),
        (14, "source_id"),
        (15, ""),
    ]
    reasons = {p.line: p.reason for p in run.problems.all()}
    assert reasons[3] == "“yesterday” is not a time in the expected format (%Y-%m-%d %H:%M)."
    assert reasons[4] == "The time is in the future."
    assert reasons[5] == "Unknown offence code “ZZZ” (nibrs)."
    assert reasons[6] == (
        "The location is outside every area and outside the organisation's region."
    )
    assert reasons[7] == "The coordinates are 0,0, which is a placeholder, not a place."
    assert reasons[8] == "Source id “A1” already appeared on line 2."
    assert reasons[15] == (
        "The file ends in the middle of this row (2 of 8 values): is it truncated?"
    )
    kept = {i.source_id: i for i in Incident.objects.filter(organization=town)}
    assert sorted(kept) == ["A1", "G1", "G2", "G3"]
    assert kept["A1"].occurred_at == datetime(2024, 1, 2, 15, 0, tzinfo=UTC)  # Toronto time
    assert kept["A1"].block == "12XX MAIN ST"
    assert kept["A1"].area == area
    assert (kept["G1"].area, kept["G1"].cell) == (None, "")
    assert (kept["G2"].area, kept["G2"].cell) == (area, "")
    assert kept["G3"].area is None
    assert kept["G3"].cell != ""
    assert_rollups_match_a_rebuild(town)


def imported_state(org, run):
    incidents = sorted(
        Incident.objects.filter(organization=org).values_list(
            "source_id", "occurred_at", "category_id", "area_id", "block", "cell", "sensitive"
        )
    )
    problems = [(p.line, p.field, p.reason) for p in run.problems.all()]
    return totals(run), problems, incidents, rollup_rows(org)


@pytest.mark.parametrize("batch_size", [3, 10_000])
def test_a_file_read_in_a_second_process_imports_exactly_as_in_one(
    town, area, monkeypatch, batch_size
):
    monkeypatch.setattr(services, "PARALLEL_MIN_BYTES", 0)
    in_two = imported_state(town, town_import(town, BAD_ROWS, batch_size=batch_size))
    Incident.objects.filter(organization=town).delete()
    MonthlyCount.objects.filter(organization=town).delete()

    monkeypatch.setattr(services, "PARALLEL_MIN_BYTES", 1 << 40)
    in_one = imported_state(town, town_import(town, BAD_ROWS, batch_size=batch_size))

    assert in_two == in_one
    assert in_two[0]["created"] == 4


def test_a_file_refused_by_the_reader_process_fails_with_its_reason(town, monkeypatch):
    monkeypatch.setattr(services, "PARALLEL_MIN_BYTES", 0)

    run = town_import(town, HEADER.replace(",family", ",kin") + "A1,2024-01-02 10:00,23H,,,,,no\n")

    assert run.status == ImportStatus.FAILED
    problem = run.problems.get()
    assert (problem.line, problem.field) == (0, "family")
    assert problem.reason.startswith("The file has no column “family”, which the mapping uses.")
    assert Incident.objects.filter(organization=town).count() == 0


def test_a_duplicate_in_a_later_batch_is_refused_and_the_first_occurrence_kept(town):
    text = (
        HEADER
        + f"A1,2024-01-02 10:00,23H,1 Main St,{INSIDE},,no\n"
        + f"B1,2024-01-02 10:00,23H,1 Main St,{INSIDE},,no\n"
        + f"A1,2024-02-02 10:00,220,1 Main St,{INSIDE},,no\n"
    )

    run = town_import(town, text, batch_size=2)

    assert (run.created, run.rejected, problems_of(run)) == (2, 1, [(4, "source_id")])
    assert run.problems.get().reason == "Source id “A1” already appeared earlier in this file."
    kept = Incident.objects.get(organization=town, source_id="A1")
    assert (kept.occurred_at.month, kept.category.code) == (1, "theft")


def test_a_sensitive_row_by_flag_keeps_no_block_and_no_cell_and_no_hourly_pattern(town):
    run = town_import(town, HEADER + f"S1,2024-01-02 10:00,23H,1234 Main St,{INSIDE},,yes\n")

    assert run.created == 1
    incident = Incident.objects.get(organization=town)
    assert (incident.sensitive, incident.block, incident.cell) == (True, "", "")
    assert incident.flags == {"family": True}
    cell = MonthlyCount.objects.get(organization=town)
    assert (cell.count, cell.timed, days_of(cell), hours_of(cell)) == (1, 0, {2: 1}, {})


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("latin-1", "cp1252"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")],
)
def test_files_in_latin_1_or_utf_8_with_a_bom_are_read_and_the_encoding_is_said(
    town, encoding, expected
):
    text = HEADER + f"É1,2024-01-02 10:00,23H,12 Rue Sainte-Thérèse,{INSIDE},,no\n"

    run = town_import(town, text, encoding=encoding)

    assert (run.status, run.created, run.rejected) == (ImportStatus.SUCCEEDED, 1, 0)
    assert run.mapping["source"]["encoding"] == expected
    incident = Incident.objects.get(organization=town)
    assert (incident.source_id, incident.block) == ("É1", "0XX RUE SAINTE-THÉRÈSE")


def test_a_latin_1_file_with_bytes_windows_1252_leaves_undefined_is_read_as_latin_1(town):
    text = (HEADER + f"X\x811,2024-01-02 10:00,23H,1 Main St,{INSIDE},,no\n").encode("latin-1")

    run = town_import(town, text)

    assert (run.created, run.mapping["source"]["encoding"]) == (1, "latin-1")
    assert Incident.objects.get(organization=town).source_id == "X\x811"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "The file is empty."),
        (
            "id,when,address\n1,2024-01-01 10:00,x\n",
            "The file has no column “code”, which the mapping uses. "
            "Its columns are: id, when, address.",
        ),
    ],
    ids=["empty", "missing-column"],
)
def test_a_file_that_cannot_be_imported_fails_with_one_problem_and_writes_nothing(
    town, content, reason
):
    run = town_import(town, content)

    assert (run.status, run.error, run.rows_read, run.created) == (
        ImportStatus.FAILED,
        reason,
        0,
        0,
    )
    assert [(p.line, p.reason) for p in run.problems.all()] == [(0, reason)]
    assert Incident.objects.filter(organization=town).count() == 0
    assert MonthlyCount.objects.filter(organization=town).count() == 0


def test_a_file_with_only_its_header_succeeds_with_nothing_imported(town):
    run = town_import(town, HEADER)

    assert totals(run) == {
        "status": ImportStatus.SUCCEEDED,
        "rows_read": 0,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }


def test_a_file_cut_inside_a_quoted_value_reports_its_last_row_as_truncated(town):
    text = (
        HEADER
        + f"A1,2024-01-02 10:00,23H,1 Main St,{INSIDE},,no\n"
        + 'B1,2024-01-02 10:00,23H,"1 Ma'
    )

    run = town_import(town, text)

    assert (run.created, run.rejected) == (1, 1)
    assert [(p.line, p.reason) for p in run.problems.all()] == [
        (3, "The file ends in the middle of this row: is it truncated?")
    ]


class BrokenStream(io.BytesIO):
    """A file whose reading fails part-way, as when a disk or a process dies."""

    def __init__(self, data, fail_after):
        super().__init__(data)
        self.fail_after = fail_after

    def _check(self):
        if self.tell() > self.fail_after:
            raise OSError("device went away")

    def read(self, size=-1):
        self._check()
        return super().read(size)

    def read1(self, size=-1):
        self._check()
        return super().read1(size)

    def readinto(self, buffer):
        self._check()
        return super().readinto(buffer)


def test_an_import_interrupted_half_way_keeps_whole_batches_and_can_simply_be_run_again(town):
    mapping = TOWN_MAPPING.replace("[source]", '[source]\nencoding = "utf-8"')
    text = (HEADER + town_rows(1000)).encode()

    broken = services.import_incidents(
        actor=None,
        organization=town,
        source=BrokenStream(text, fail_after=len(text) // 2),
        mapping=load_mapping(mapping),
        source_name="town.csv",
        batch_size=50,
    )

    kept = Incident.objects.filter(organization=town).count()
    assert broken.status == ImportStatus.FAILED
    assert broken.error == "The file could not be read to the end: device went away"
    assert 0 < kept < 1000
    assert kept % 50 == 0
    assert (broken.created, broken.rows_read) == (kept, kept)
    assert_rollups_match_a_rebuild(town)

    again = town_import(town, text, mapping=mapping, batch_size=50)

    assert totals(again) == {
        "status": ImportStatus.SUCCEEDED,
        "rows_read": 1000,
        "created": 1000 - kept,
        "updated": 0,
        "unchanged": kept,
        "rejected": 0,
    }
    assert Incident.objects.filter(organization=town).count() == 1000
    assert (
        sum(MonthlyCount.objects.filter(organization=town).values_list("count", flat=True)) == 1000
    )
    assert_rollups_match_a_rebuild(town)


# Another city's layout, by a mapping file alone -------------------------------------------

ELSEWHERE_MAPPING = """
[source]
format = "{format}"
date_formats = ["iso", "%d.%m.%Y %H:%M"]
timezone = "Europe/Paris"

[columns]
source_id = "Nummer"
occurred_from = "Beginn"
occurred_to = "Ende"
reported_at = "Gemeldet"
offence_code = "Delikt"
offence_description = "Text"
block = "Adresse"
status = "Stand"
x = "Rechts"
y = "Hoch"

[coordinates]
epsg = "EPSG:32617"

[offence]
scheme = "local"

[offences]
"DIEB" = "theft"
"EINBR" = "burglary"
"SEXD" = "sexual-offences"
"""


def utm17(lon, lat):
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:32617", always_xy=True).transform(lon, lat)


def elsewhere_records():
    x, y = utm17(-79.395, 43.605)  # inside Old Mill
    return [
        {
            "Nummer": 501,
            "Beginn": "2024-03-10T23:30:00-04:00",
            "Ende": "2024-03-11T01:00:00-04:00",
            "Gemeldet": "11.03.2024 09:00",
            "Delikt": "DIEB",
            "Text": "Fahrrad",
            "Adresse": "1234 Main St Apt 5",
            "Stand": "open",
            "Rechts": x,
            "Hoch": y,
        },
        {
            "Nummer": 502,
            "Beginn": "2024-03-12T08:00:00Z",
            "Ende": None,
            "Gemeldet": None,
            "Delikt": "SEXD",
            "Text": "",
            "Adresse": "77 Main St",
            "Stand": "",
            "Rechts": x,
            "Hoch": y,
        },
        {
            "Nummer": 503,
            "Beginn": "2024-03-12T08:00:00Z",
            "Delikt": "MORD?",
            "Rechts": x,
            "Hoch": y,
        },
    ]


def check_elsewhere(run, org, area):
    assert (run.status, run.created, run.rejected) == (ImportStatus.SUCCEEDED, 2, 1)
    assert [(p.field, p.reason) for p in run.problems.all()] == [
        ("offence_code", "Unknown offence code “MORD?” (local).")
    ]
    theft = Incident.objects.get(organization=org, source_id="501")
    assert theft.occurred_at == datetime(2024, 3, 11, 3, 30, tzinfo=UTC)
    assert theft.occurred_until == datetime(2024, 3, 11, 5, 0, tzinfo=UTC)
    assert theft.reported_at == datetime(2024, 3, 11, 8, 0, tzinfo=UTC)  # Paris time
    assert (theft.category.code, theft.block, theft.status, theft.area) == (
        "theft",
        "12XX MAIN ST",
        "open",
        area,
    )
    assert theft.cell != ""
    assault = Incident.objects.get(organization=org, source_id="502")
    assert (assault.sensitive, assault.block, assault.cell, assault.area) == (True, "", "", area)
    assert_rollups_match_a_rebuild(org)


def test_another_citys_json_array_imports_with_a_new_mapping_file_alone(town, area):
    mapping = ELSEWHERE_MAPPING.format(format="json")
    data = json.dumps(elsewhere_records(), indent=2)

    run = town_import(town, data, mapping=mapping)

    check_elsewhere(run, town, area)
    assert run.problems.get().line == 26  # the line the third record starts on


def test_another_citys_line_delimited_json_imports_with_a_new_mapping_file_alone(town, area):
    mapping = ELSEWHERE_MAPPING.format(format="json")
    data = "".join(json.dumps(r) + "\n" for r in elsewhere_records())

    run = town_import(town, data, mapping=mapping)

    check_elsewhere(run, town, area)
    assert run.problems.get().line == 3


def test_another_citys_geojson_with_projected_points_imports_with_a_new_mapping_file_alone(
    town, area
):
    mapping = ELSEWHERE_MAPPING.format(format="geojson").replace('x = "Rechts"\ny = "Hoch"\n', "")
    features = []
    for record in elsewhere_records():
        x, y = record.pop("Rechts"), record.pop("Hoch")
        features.append(
            {
                "type": "Feature",
                "properties": record,
                "geometry": {"type": "Point", "coordinates": [x, y]},
            }
        )
    data = json.dumps({"type": "FeatureCollection", "name": "Delikte", "features": features})

    run = town_import(town, data, mapping=mapping)

    check_elsewhere(run, town, area)


def test_the_shipped_example_mapping_reads_a_geojson_export(town, area):
    x, y = utm17(-79.395, 43.605)
    feature = {
        "type": "Feature",
        "properties": {
            "incident_number": "X-1",
            "start_time": "2024-05-01T22:10:00-04:00",
            "end_time": None,
            "reported": "2024-05-02T08:00:00-04:00",
            "offence": "B&E",
            "offence_text": "Garage",
            "address": "455 Mill Rd",
            "neighbourhood": "",
            "clearance": "open",
            "family_violence": "N",
        },
        "geometry": {"type": "Point", "coordinates": [x, y]},
    }
    data = json.dumps({"type": "FeatureCollection", "features": [feature]})

    run = services.import_incidents(
        actor=None,
        organization=town,
        source=io.BytesIO(data.encode()),
        mapping=find_mapping("example"),
        source_name="export.geojson",
    )

    assert (run.status, run.created, run.rejected) == (ImportStatus.SUCCEEDED, 1, 0)
    incident = Incident.objects.get(organization=town)
    assert (incident.category.code, incident.block, incident.area) == (
        "burglary",
        "4XX MILL RD",
        area,
    )


def test_a_truncated_json_file_keeps_its_complete_records(town, area):
    mapping = ELSEWHERE_MAPPING.format(format="json")
    data = json.dumps(elsewhere_records()[:2], indent=2)[:-40]

    run = town_import(town, data, mapping=mapping)

    assert (run.status, run.created, run.rejected) == (ImportStatus.SUCCEEDED, 1, 1)
    assert [(p.line, p.reason) for p in run.problems.all()] == [
        (14, "The file ends in the middle of this record: is it truncated?")
    ]


# The command line ---------------------------------------------------------------------------


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import-incidents", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_the_command_imports_the_chicago_file_by_the_shipped_mapping_name(chicago):
    code, out, err = run_command(str(CHICAGO), "--org", "chicago", "--mapping", "chicago")

    assert (code, err) == (0, "")
    assert out == "10000 rows read (utf-8-sig): 10000 created, 0 updated, 0 unchanged, 0 refused.\n"


def test_the_command_lists_refused_rows_with_their_lines_and_exits_1(town, tmp_path):
    (tmp_path / "town.toml").write_text(TOWN_MAPPING)
    (tmp_path / "town.csv").write_text(
        HEADER
        + f"A1,2024-01-02 10:00,23H,1 Main St,{INSIDE},,no\n"
        + f"B1,2024-01-02 10:00,ZZZ,1 Main St,{INSIDE},,no\n"
    )

    code, out, err = run_command(
        str(tmp_path / "town.csv"), "--org", town.slug, "--mapping", str(tmp_path / "town.toml")
    )

    assert code == 1
    assert out == "2 rows read (utf-8): 1 created, 0 updated, 0 unchanged, 1 refused.\n"
    assert err == "line 3 [offence_code]: Unknown offence code “ZZZ” (nibrs).\n"


def test_the_command_refuses_a_bad_mapping_with_exit_2_and_imports_nothing(town, tmp_path):
    (tmp_path / "bad.toml").write_text(TOWN_MAPPING.replace("[offence]", "[offense]"))
    (tmp_path / "town.csv").write_text(HEADER)

    code, out, err = run_command(
        str(tmp_path / "town.csv"), "--org", town.slug, "--mapping", str(tmp_path / "bad.toml")
    )

    assert (code, out) == (2, "")
    assert err.startswith("The mapping was refused: Unknown key “offense” in the mapping.")
    assert ImportRun.objects.count() == 0


def test_the_command_refuses_an_empty_file_with_exit_2(town, tmp_path):
    (tmp_path / "town.toml").write_text(TOWN_MAPPING)
    (tmp_path / "empty.csv").write_bytes(b"")

    code, _out, err = run_command(
        str(tmp_path / "empty.csv"), "--org", town.slug, "--mapping", str(tmp_path / "town.toml")
    )

    assert code == 2
    assert err == "file: The file is empty.\nThe import failed: The file is empty.\n"
    assert ImportRun.objects.get().status == ImportStatus.FAILED


def test_areas_of_another_organisation_are_never_used(town, other_organization):
    factories.AreaFactory(organization=other_organization, slug="far", name="Far")
    run = town_import(town, HEADER + f"A1,2024-01-02 10:00,23H,1 Main St,{INSIDE},far,no\n")

    incident = Incident.objects.get(organization=town)
    assert run.created == 1
    assert incident.area.organization == town
    assert Area.objects.filter(organization=other_organization).count() == 1


def test_counts_by_category_of_the_chicago_file_match_the_fbi_codes(chicago):
    rows = chicago_rows()
    import_chicago(chicago)

    expected = Counter(UCR_SUMMARY[r["FBI Code"]] for r in rows)
    stored = Counter(
        Incident.objects.filter(organization=chicago).values_list("category__code", flat=True)
    )
    assert stored == expected
