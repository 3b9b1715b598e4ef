"""Mapping files: what a valid one gives the importer, and the messages for broken ones."""

from __future__ import annotations

import pytest

from trustbridge.transparency.mapping import (
    FlagRule,
    MappingError,
    find_mapping,
    load_mapping,
    shipped_mappings,
)

MINIMAL = """
[columns]
source_id = "id"
occurred_at = "when"
offence_code = "code"

[offence]
scheme = "nibrs"
"""


def test_the_shipped_chicago_mapping_reads_the_chicago_layout():
    mapping = find_mapping("chicago")

    assert (mapping.format, mapping.encoding, mapping.delimiter) == ("csv", "auto", ",")
    assert mapping.date_formats == ("%m/%d/%Y %I:%M:%S %p",)
    assert mapping.timezone == "America/Chicago"
    assert mapping.scheme == "ucr_summary"
    assert mapping.epsg == 3435
    assert mapping.columns == {
        "source_id": "ID",
        "occurred_at": "Date",
        "offence_code": "FBI Code",
        "offence_description": "Primary Type",
        "block": "Block",
        "latitude": "Latitude",
        "longitude": "Longitude",
        "x": "X Coordinate",
        "y": "Y Coordinate",
    }
    assert mapping.flags == {
        "domestic": FlagRule("Domestic", frozenset({"true"})),
        "arrest": FlagRule("Arrest", frozenset({"true"})),
    }
    assert mapping.sensitive_flags == ("domestic",)
    assert mapping.sensitive_values == {
        "Primary Type": frozenset(
            {
                "OFFENSE INVOLVING CHILDREN",
                "CRIMINAL SEXUAL ASSAULT",
                "SEX OFFENSE",
                "HUMAN TRAFFICKING",
            }
        )
    }


def test_shipped_mappings_are_listed_by_name_and_all_valid():
    names = shipped_mappings()
    assert {"chicago", "example"} <= set(names)
    assert names == sorted(names)
    assert [find_mapping(name).format in ("csv", "json", "geojson") for name in names] == [
        True
    ] * len(names)
    assert find_mapping("example").format == "geojson"


def test_a_minimal_mapping_has_sensible_defaults():
    mapping = load_mapping(MINIMAL)

    assert (mapping.format, mapping.encoding, mapping.date_formats, mapping.timezone) == (
        "csv",
        "auto",
        ("iso",),
        None,
    )
    assert mapping.source_columns() == ["id", "when", "code"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            MINIMAL + "\n[extra]\nx = 1\n",
            "Unknown key “extra” in the mapping. Known keys: source, columns, coordinates, "
            "offence, offences, flags, sensitive.",
        ),
        (
            MINIMAL.replace('code = "code"', 'code = "code"\nweather = "w"'),
            "Unknown key “weather” in [columns]. Known keys: source_id, occurred_at, "
            "occurred_from, occurred_to, reported_at, offence_code, offence_description, block, "
            "latitude, longitude, x, y, area, status.",
        ),
        (
            MINIMAL.replace('source_id = "id"\n', ""),
            "[columns] must map source_id (the source's unique id).",
        ),
        (
            MINIMAL.replace('occurred_at = "when"\n', ""),
            "[columns] must map occurred_at (or occurred_from).",
        ),
        (MINIMAL.replace('offence_code = "code"\n', ""), "[columns] must map offence_code."),
        (
            MINIMAL + "\n[coordinates]\nepsg = 999999\n",
            "EPSG:999999 is not a known coordinate reference system.",
        ),
        (
            MINIMAL.replace('code = "code"', 'code = "code"\nx = "X"\ny = "Y"'),
            "[coordinates] epsg is required when x and y are mapped.",
        ),
        (
            MINIMAL.replace('code = "code"', 'code = "code"\nlatitude = "lat"'),
            "[columns] must map both latitude and longitude, or neither.",
        ),
        (
            MINIMAL.replace('"nibrs"', '"local"'),
            "A local offence scheme needs an [offences] table.",
        ),
        (
            MINIMAL.replace('"nibrs"', '"fbi"'),
            "[offence] scheme must be one of nibrs, ucr_summary, ucr2, local, not “fbi”.",
        ),
        (
            MINIMAL + '\n[offences]\n"X1" = "piracy"\n',
            "[offences] “X1” maps to an unknown category “piracy”.",
        ),
        (
            MINIMAL + '\n[sensitive]\nflags = ["domestic"]\n',
            "[sensitive] flags names “domestic”, which is not defined in [flags].",
        ),
        (
            '[source]\nformat = "xlsx"\n' + MINIMAL,
            "[source] format must be one of csv, json, geojson, not “xlsx”.",
        ),
        (
            '[source]\ntimezone = "Mars/Olympus"\n' + MINIMAL,
            "[source] timezone “Mars/Olympus” is not a known time zone.",
        ),
        (
            '[source]\ndelimiter = ";;"\n' + MINIMAL,
            "[source] delimiter must be exactly one character.",
        ),
    ],
    ids=[
        "unknown-section",
        "unknown-column-field",
        "no-source-id",
        "no-occurred-at",
        "no-offence-code",
        "bad-epsg",
        "xy-without-epsg",
        "half-a-coordinate-pair",
        "local-without-table",
        "unknown-scheme",
        "unknown-category",
        "undefined-flag",
        "unknown-format",
        "unknown-timezone",
        "long-delimiter",
    ],
)
def test_a_broken_mapping_is_refused_with_a_message_that_says_what_to_fix(text, message):
    with pytest.raises(MappingError) as refused:
        load_mapping(text)

    assert str(refused.value) == message


def test_a_mapping_that_is_not_toml_is_refused():
    with pytest.raises(MappingError) as refused:
        load_mapping("[columns\nsource_id = ")

    assert str(refused.value).startswith("The mapping is not valid TOML: ")


def test_an_unknown_mapping_name_lists_the_shipped_ones(tmp_path):
    with pytest.raises(MappingError) as refused:
        find_mapping(str(tmp_path / "nothing.toml"))

    assert str(refused.value) == (
        f"No mapping “{tmp_path / 'nothing.toml'}”: give a file or one of "
        + ", ".join(shipped_mappings())
        + "."
    )
