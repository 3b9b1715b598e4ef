"""Open data files: generalised incidents and published counts, streamed and formula-safe."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.utils import timezone
from django.utils.http import http_date

from tests.transparency.builders import incidents, local, roll_up, town
from trustbridge.transparency import privacy
from trustbridge.transparency.models import ImportRun, ImportStatus, Incident

INCIDENT_HEADER = [
    "public_id",
    "date",
    "category_code",
    "category_name",
    "crime_against",
    "area_slug",
    "area_name",
    "hundred_block",
    "h3_cell",
    "latitude",
    "longitude",
]
COUNT_HEADER = [
    "month",
    "area_slug",
    "area_name",
    "category_code",
    "category_name",
    "sensitive",
    "count",
    "note",
]


@pytest.fixture
def data(organization):
    """March 2025: 4 thefts in Riverside (published), 2 thefts in Old Mill (a small group),
    3 sexual offences in Riverside (sensitive), and 3 assaults in Harbour of which one was
    marked sensitive by a mapping rule (its cell is left out of every individual view)."""
    t = town(organization)
    incidents(t, 4, category="theft", area="riverside", at=local(organization, 2025, 3, 3, 22))
    incidents(t, 2, category="theft", area="old-mill", at=local(organization, 2025, 3, 4, 10))
    incidents(
        t, 3, category="sexual-offences", area="riverside", at=local(organization, 2025, 3, 5, 1)
    )
    incidents(t, 2, category="assault", area="harbour", at=local(organization, 2025, 3, 6, 13))
    incidents(
        t,
        1,
        category="assault",
        area="harbour",
        at=local(organization, 2025, 3, 7, 2),
        sensitive=True,
    )
    roll_up(t)
    return t


def rows_of(response):
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_incidents_csv_lists_only_generalised_incidents_of_published_non_sensitive_cells(
    client, data, organization
):
    response = client.get("/o/riverside/transparency/data/incidents.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="riverside-incidents.csv"'
    rows = rows_of(response)
    assert rows[0] == INCIDENT_HEADER
    theft = Incident.objects.filter(category__code="theft", area__slug="riverside")
    lat, lon = privacy.cell_centroid(theft[0].cell)
    expected = sorted(
        [
            privacy.public_id(organization, i.source_id),
            "2025-03-03",
            "theft",
            "Theft",
            "property",
            "riverside",
            "Riverside",
            "12XX MAIN ST",
            i.cell,
            str(round(lat, 5)),
            str(round(lon, 5)),
        ]
        for i in theft
    )
    assert sorted(rows[1:]) == expected


def test_no_file_shows_source_ids_free_text_status_or_times(client, data):
    sources = list(Incident.objects.values_list("source_id", flat=True))
    for name in ("incidents.csv", "incidents.geojson", "counts.csv"):
        response = client.get(f"/o/riverside/transparency/data/{name}")
        text = b"".join(response.streaming_content).decode()
        assert [
            s for s in sources if f'"{s}"' in text or f",{s}," in text or f"{s}\r" in text
        ] == []
        assert "SECRET NARRATIVE" not in text
        assert "ARRESTED" not in text
        assert "22:00" not in text


def test_geojson_points_are_hexagon_centres_of_the_same_incidents(client, data):
    response = client.get("/o/riverside/transparency/data/incidents.geojson")

    assert response.streaming
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Disposition"] == 'attachment; filename="riverside-incidents.geojson"'
    collection = json.loads(b"".join(response.streaming_content))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 4
    feature = collection["features"][0]
    lat, lon = privacy.cell_centroid(feature["properties"]["h3_cell"])
    assert feature["geometry"] == {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}
    assert sorted(feature["properties"]) == sorted(INCIDENT_HEADER[:-2])
    assert {f["properties"]["category_code"] for f in collection["features"]} == {"theft"}


def test_counts_csv_publishes_base_cells_with_small_groups_as_fewer_than_k(client, data):
    response = client.get("/o/riverside/transparency/data/counts.csv")

    assert response["Content-Disposition"] == 'attachment; filename="riverside-counts.csv"'
    rows = rows_of(response)
    assert rows[0] == COUNT_HEADER
    body = sorted(rows[1:-1])
    assert body == sorted(
        [
            ["2025-03", "riverside", "Riverside", "theft", "Theft", "no", "4", ""],
            ["2025-03", "old-mill", "Old Mill", "theft", "Theft", "no", "", "fewer than 3"],
            [
                "2025-03",
                "riverside",
                "Riverside",
                "sexual-offences",
                "Sexual offences",
                "yes",
                "3",
                "",
            ],
            ["2025-03", "harbour", "Harbour", "assault", "Assault", "no", "3", ""],
        ]
    )
    assert rows[-1] == [
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "1 small groups of fewer than 3 incidents are shown without their number and left "
        "out of every total.",
    ]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(client, organization):
    t = town(organization, areas=[("formula", '=HYPERLINK("http://evil")', None)])
    created = incidents(t, 3, category="theft", area="formula", at=local(organization, 2025, 3, 1))
    Incident.objects.filter(pk__in=[i.pk for i in created]).update(block="@SUM(A1:A9)")
    roll_up(t)

    rows = rows_of(client.get("/o/riverside/transparency/data/incidents.csv"))
    counts = rows_of(client.get("/o/riverside/transparency/data/counts.csv"))

    assert {(r[6], r[7]) for r in rows[1:]} == {('\'=HYPERLINK("http://evil")', "'@SUM(A1:A9)")}
    assert counts[1][2] == '\'=HYPERLINK("http://evil")'


def test_downloads_can_be_narrowed_like_the_dashboard(client, data):
    rows = rows_of(client.get("/o/riverside/transparency/data/incidents.csv?area=old-mill"))
    assert rows == [INCIDENT_HEADER]
    rows = rows_of(
        client.get("/o/riverside/transparency/data/incidents.csv?from=2025-04&to=2025-05")
    )
    assert rows == [INCIDENT_HEADER]
    rows = rows_of(
        client.get("/o/riverside/transparency/data/incidents.csv?from=2025-03&to=2025-03")
    )
    assert len(rows) == 5


def test_downloads_are_revalidated_with_the_last_import_time(client, data, organization):
    finished = timezone.now().replace(microsecond=0)
    ImportRun.objects.create(
        organization=organization,
        source_name="x.csv",
        status=ImportStatus.SUCCEEDED,
        finished_at=finished,
    )
    response = client.get("/o/riverside/transparency/data/counts.csv")
    assert response["Last-Modified"] == http_date(finished.timestamp())
    assert response["Cache-Control"] == "public, max-age=60"

    again = client.get(
        "/o/riverside/transparency/data/counts.csv",
        HTTP_IF_MODIFIED_SINCE=response["Last-Modified"],
    )
    assert again.status_code == 304


def test_the_landing_page_describes_every_column_the_licence_and_the_threshold(
    client, data, organization
):
    response = client.get("/o/riverside/transparency/data/")

    assert response.status_code == 200
    text = response.content.decode()
    for name in INCIDENT_HEADER + COUNT_HEADER:
        assert f"<code>{name}</code>" in text
    assert 'href="https://opendatacommons.org/licenses/odbl/1-0/" rel="license"' in text
    assert "Open Data Commons ODbL 1.0" in text
    assert "fewer than 3" in text
    assert 'href="/o/riverside/transparency/data/incidents.csv"' in text
    assert 'href="/o/riverside/transparency/data/counts.csv"' in text


def test_an_unknown_organisation_has_no_open_data(client, db):
    for name in ("", "incidents.csv", "incidents.geojson", "counts.csv"):
        assert client.get(f"/o/nowhere/transparency/data/{name}").status_code == 404
