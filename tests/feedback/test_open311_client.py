"""An Open311 client written by others, the ``georeport`` package (Apache-2.0), talking to a
live server over real HTTP, in both of its output formats: it must read our service list,
a service definition, requests by filters and one request, as it reads any city's."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
import xmltodict
from georeport import GeoReport

from tests.feedback.builders_open311 import PRIVATE_MARKERS, make_item, move, publish
from trustbridge.feedback import client_keys
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import Item, Status

FORMATS = ["json", "xml"]


@pytest.fixture
def town(organization, area):
    """Three requests of the last days (one approved for the public page, one closed), an
    old one beyond the 90-day window, and a conduct complaint."""
    ensure_feedback_setup(organization)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    light = make_item(organization, "safety", now - dt.timedelta(days=3), area=area)
    publish(light, "The underpass light is out.")
    noise = make_item(organization, "nuisance", now - dt.timedelta(days=2))
    move(noise, Status.RESOLVED, now - dt.timedelta(days=1))
    question = make_item(organization, "question", now - dt.timedelta(hours=5))
    old = make_item(organization, "safety", now - dt.timedelta(days=120))
    conduct = make_item(organization, "conduct", now - dt.timedelta(hours=1))
    return {
        "light": light,
        "noise": noise,
        "question": question,
        "old": old,
        "conduct": conduct,
        "now": now,
    }


def client_for(live_server, fmt: str) -> GeoReport:
    return GeoReport(f"{live_server.url}/open311/v2", jurisdiction="riverside", output_format=fmt)


def as_list(value) -> list:
    """georeport hands over what the format gives: XML's single child is not a list."""
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_client_reads_the_service_list(live_server, organization, fmt):
    ensure_feedback_setup(organization)

    services = as_list(client_for(live_server, fmt).get_service_list())

    assert [s["service_code"] for s in services] == [
        "safety",
        "nuisance",
        "traffic",
        "question",
        "suggestion",
        "compliment",
        "conduct",
    ]
    assert services[0]["service_name"] == "Safety concern"
    assert str(services[0]["metadata"]).lower() == "true"
    assert {s["type"] for s in services} == {"realtime"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_client_reads_a_service_definition(live_server, organization, area, fmt):
    ensure_feedback_setup(organization)

    definition = client_for(live_server, fmt).get_service_definition("safety")

    assert definition["service_code"] == "safety"
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = as_list(attributes["attribute"])
    assert [a["code"] for a in attributes] == ["kind", "anonymous", "public", "area"]
    assert {a["datatype"] for a in attributes} == {"singlevaluelist"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_client_reads_requests_of_the_last_90_days_without_private_details(
    live_server, town, fmt
):
    found = as_list(client_for(live_server, fmt).get_service_requests())

    assert [r["service_request_id"] for r in found] == [
        town["question"].reference,
        town["noise"].reference,
        town["light"].reference,
    ]
    light = found[2]
    assert light["status"] == "open"
    assert light["description"] == "The underpass light is out."
    assert light["address"] == "Old Mill"
    text = repr(found)
    assert [m for m in PRIVATE_MARKERS if m in text] == []
    assert town["conduct"].reference not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_client_filters_requests(live_server, town, fmt):
    client = client_for(live_server, fmt)
    start = (town["now"] - dt.timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (town["now"] - dt.timedelta(days=110)).strftime("%Y-%m-%dT%H:%M:%SZ")

    closed = as_list(client.get_service_requests(status="closed"))
    by_code = as_list(client.get_service_requests(service_code="safety,question"))
    old = as_list(client.get_service_requests(start_date=start, end_date=end))
    by_id = as_list(
        client.get_service_requests(
            service_request_id=f"{town['old'].reference},{town['light'].reference}"
        )
    )

    assert [r["service_request_id"] for r in closed] == [town["noise"].reference]
    assert closed[0]["status"] == "closed"
    assert [r["service_request_id"] for r in by_code] == [
        town["question"].reference,
        town["light"].reference,
    ]
    assert [r["service_request_id"] for r in old] == [town["old"].reference]
    assert [r["service_request_id"] for r in by_id] == [
        town["light"].reference,
        town["old"].reference,
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_client_reads_one_request(live_server, town, fmt):
    request = client_for(live_server, fmt).get_service_request(town["noise"].reference)

    assert request["service_request_id"] == town["noise"].reference
    assert request["status"] == "closed"
    assert request["service_code"] == "nuisance"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_client_gets_an_http_error_for_a_conduct_complaint_or_an_unknown_code(
    live_server, town, fmt
):
    client = client_for(live_server, fmt)

    statuses = []
    for call, argument in [
        (client.get_service_request, town["conduct"].reference),
        (client.get_service_definition, "pothole"),
    ]:
        with pytest.raises(requests.HTTPError) as refused:
            call(argument)
        statuses.append(refused.value.response.status_code)
        # The error keeps its response, and the response its connection to the live server,
        # whose thread would hold a database session open until the end of the run.
        refused.value.response.close()

    assert statuses == [404, 404]


def test_a_form_encoded_post_over_http_creates_a_request(live_server, organization, admin):
    """georeport does not post; this is the spec's example request, sent by ``requests``."""
    ensure_feedback_setup(organization)
    _key, secret = client_keys.issue_key(admin, organization, "Civic app")

    response = requests.post(
        f"{live_server.url}/open311/v2/requests.xml",
        data={
            "api_key": secret,
            "jurisdiction_id": "riverside",
            "service_code": "safety",
            "address_string": "1234 5th street",
            "email": "smit333@example.edu",
            "device_id": "tt222111",
            "account_id": "123456",
            "first_name": "john",
            "last_name": "smith",
            "phone": "111111111",
            "description": "A large sinkhole is destroying the street",
            "attribute[WHISPAWN]": "123456",
        },
        timeout=10,
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    created = xmltodict.parse(response.content)["service_requests"]["request"]
    item = Item.objects.get(reference=created["service_request_id"])
    assert item.contact_name == "john smith"
    assert item.address == "1234 5th street"

    refused = requests.post(
        f"{live_server.url}/open311/v2/requests.json",
        data={"api_key": "forged", "jurisdiction_id": "riverside", "service_code": "safety"},
        timeout=10,
    )
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403
