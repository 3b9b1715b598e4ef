"""The public transparency API: generalised incidents, statistics and published initiatives."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.transparency.builders import incidents, local, roll_up, town
from trustbridge.transparency import initiatives as services
from trustbridge.transparency import privacy
from trustbridge.transparency.models import Incident

API = "/api/v1/organizations/riverside"


@pytest.fixture
def data(organization):
    t = town(organization)
    incidents(t, 3, category="theft", area="riverside", at=local(organization, 2025, 3, 3, 22))
    incidents(t, 4, category="assault", area="old-mill", at=local(organization, 2025, 4, 4, 10))
    incidents(t, 2, category="theft", area="harbour", at=local(organization, 2025, 4, 5, 10))
    incidents(
        t, 5, category="sexual-offences", area="riverside", at=local(organization, 2025, 3, 5, 1)
    )
    roll_up(t)
    return t


def error_of(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert sorted(body) == ["detail", "errors"]
    return body


def test_incidents_are_paginated_generalised_and_never_sensitive(client, data, organization):
    first = client.get(f"{API}/incidents?page_size=5")
    second = client.get(f"{API}/incidents?page_size=5&page=2")

    assert first.status_code == 200
    assert first.json()["count"] == 7
    assert len(first.json()["items"]) == 5
    assert len(second.json()["items"]) == 2
    items = first.json()["items"] + second.json()["items"]
    assert {i["category_code"] for i in items} == {"theft", "assault"}
    assert [i["date"] for i in items] == ["2025-04-04"] * 4 + ["2025-03-03"] * 3
    theft = Incident.objects.filter(category__code="theft", area__slug="riverside").first()
    lat, lon = privacy.cell_centroid(theft.cell)
    assert items[-1] == {
        "public_id": items[-1]["public_id"],
        "date": "2025-03-03",
        "category_code": "theft",
        "category_name": "Theft",
        "crime_against": "property",
        "area_slug": "riverside",
        "area_name": "Riverside",
        "hundred_block": "12XX MAIN ST",
        "h3_cell": theft.cell,
        "latitude": round(lat, 5),
        "longitude": round(lon, 5),
    }
    public_ids = {
        privacy.public_id(organization, s)
        for s in Incident.objects.values_list("source_id", flat=True)
    }
    assert {i["public_id"] for i in items} <= public_ids
    text = first.content.decode() + second.content.decode()
    assert [
        s for s in Incident.objects.values_list("source_id", flat=True) if f'"{s}"' in text
    ] == []


@pytest.mark.parametrize("size", [2, 7])
def test_incident_list_pages_cost_a_fixed_number_of_queries(
    client, data, django_assert_num_queries, size
):
    # organisation, categories, areas, first month, settings, cells, count, page
    with django_assert_num_queries(8):
        client.get(f"{API}/incidents?page_size={size}")


@pytest.mark.parametrize(
    "query,expected",
    [
        ("area=old-mill", 4),
        ("category=theft", 3),
        ("area=riverside&area=old-mill", 7),
        ("from=2025-03&to=2025-03", 3),
        ("from=2025-04&to=2025-04&category=theft", 0),
    ],
)
def test_incidents_are_filtered_like_the_dashboard(client, data, query, expected):
    response = client.get(f"{API}/incidents?{query}")
    assert response.json()["count"] == expected


@pytest.mark.parametrize(
    "query,field",
    [
        ("area=atlantis", "area"),
        ("category=piracy", "category"),
        ("from=March", "from"),
        ("from=2025-05&to=2025-01", "from"),
    ],
)
def test_bad_filters_are_refused_in_the_api_error_format(client, data, query, field):
    body = error_of(client.get(f"{API}/incidents?{query}"), 422)
    assert body["detail"] == "The request has invalid fields."
    assert [e["field"] for e in body["errors"]] == [field]


def test_statistics_are_the_published_figures_of_the_filter(client, data):
    response = client.get(f"{API}/statistics?from=2025-03&to=2025-04")

    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"], body["unit"], body["k"]) == (
        "2025-03-01",
        "2025-05-01",
        "month",
        3,
    )
    assert body["total"] == {
        "value": 12,
        "text": "12",
        "suppressed_cells": 1,
        "note": "not counting 1 small group of fewer than 3 incidents",
    }
    assert [(p["start"], p["figure"]["value"]) for p in body["series"]] == [
        ("2025-03-01", 8),
        ("2025-04-01", 4),
    ]
    assert [
        (a["area_slug"], a["figure"]["value"], a["figure"]["suppressed_cells"])
        for a in body["by_area"]
    ] == [
        ("harbour", 0, 1),
        ("old-mill", 4, 0),
        ("riverside", 8, 0),
    ]
    by_category = {c["category_code"]: c for c in body["by_category"]}
    assert by_category["sexual-offences"]["figure"]["value"] == 5
    assert by_category["sexual-offences"]["sensitive"] is True
    assert by_category["theft"]["figure"] == {
        "value": 3,
        "text": "3",
        "suppressed_cells": 1,
        "note": "not counting 1 small group of fewer than 3 incidents",
    }


def test_public_answers_carry_an_etag(client, data):
    response = client.get(f"{API}/statistics")
    assert response["ETag"].startswith('"')
    again = client.get(f"{API}/statistics", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_an_unknown_organisation_is_not_found(client, db):
    for path in ("incidents", "statistics", "initiatives", "initiatives/anything"):
        body = error_of(client.get(f"/api/v1/organizations/nowhere/{path}"), 404)
        assert body == {"detail": "Not found.", "errors": []}


def test_only_published_initiatives_are_listed_and_found(client, organization, admin, data):
    shown = services.create_initiative(
        actor=admin,
        organization=organization,
        title="Foot patrols",
        summary="After dark.",
        goal="Fewer thefts.",
        areas=[data.areas["riverside"]],
        categories=[data.categories["theft"]],
        started_on=dt.date(2025, 3, 1),
        ended_on=dt.date(2025, 3, 31),
    )
    services.set_initiative_published(actor=admin, initiative=shown, published=True)
    services.add_milestone(
        actor=admin, initiative=shown, title="Recruit", due_on=dt.date(2025, 3, 9)
    )
    services.post_update(actor=admin, initiative=shown, title="Week 1", body="Done.")
    services.create_story(
        actor=admin, organization=organization, title="A safer walk", body="…", initiative=shown
    )
    services.create_initiative(
        actor=admin, organization=organization, title="Secret plan", summary="s", goal="g"
    )

    listed = client.get(f"{API}/initiatives").json()
    detail = client.get(f"{API}/initiatives/foot-patrols").json()

    assert listed["count"] == 1
    assert listed["items"][0] == {
        "slug": "foot-patrols",
        "title": "Foot patrols",
        "summary": "After dark.",
        "status": "planned",
        "started_on": "2025-03-01",
        "ended_on": "2025-03-31",
        "areas": ["riverside"],
        "categories": ["theft"],
        "url": "/o/riverside/initiatives/foot-patrols/",
    }
    assert detail["goal"] == "Fewer thefts."
    assert detail["milestones"] == [{"title": "Recruit", "due_on": "2025-03-09", "done_on": None}]
    assert [(u["title"], u["body"], u["photo_url"]) for u in detail["updates"]] == [
        ("Week 1", "Done.", None)
    ]
    assert [s["slug"] for s in detail["stories"]] == ["a-safer-walk"]
    assert detail["before_after"]["months"] == 1
    assert detail["before_after"]["before"]["start"] == "2025-02-01"
    assert detail["before_after"]["after"]["figure"]["value"] == 3
    assert detail["before_after"]["before"]["figure"]["value"] == 0
    error_of(client.get(f"{API}/initiatives/secret-plan"), 404)
