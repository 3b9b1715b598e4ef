"""Open311 GeoReport v2 at /open311/v2/, held to the spec: every resource in XML and JSON,
the Spark convention (bare arrays), the error bodies and statuses, jurisdiction_id required,
the 90-day window, and public answers that carry nothing private."""

from __future__ import annotations

import datetime as dt
import json
import re
import time

import jsonschema
import pytest
import xmltodict
from django.test import Client
from django.utils import timezone

from tests.feedback.builders_open311 import (
    PRIVATE_MARKERS,
    SECRET_EMAIL,
    SECRET_NAME,
    SECRET_PHONE,
    make_item,
    move,
    note,
    publish,
    reply,
)
from trustbridge.core import geo
from trustbridge.feedback import client_keys
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import (
    Category,
    CloseReason,
    Event,
    EventKind,
    FeedbackSettings,
    Item,
    Kind,
    Source,
    Status,
)

BASE = "/open311/v2"
FORMATS = ["xml", "json"]
DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")

# The response shapes the spec gives (field tables and the JSON Schemas of
# open311/schema-validation), written out here for the fields we send.
NULLABLE_STRING = {"type": ["string", "null"]}
W3C_STRING = {"type": "string", "pattern": W3C.pattern}
SERVICE_SCHEMA = {
    "type": "object",
    "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {
        "service_code": {"type": "string"},
        "service_name": {"type": "string"},
        "description": NULLABLE_STRING,
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": NULLABLE_STRING,
        "group": NULLABLE_STRING,
    },
    "additionalProperties": False,
}
DEFINITION_SCHEMA = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "order"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string"},
                    "datatype": {
                        "enum": [
                            "string",
                            "number",
                            "datetime",
                            "text",
                            "singlevaluelist",
                            "multivaluelist",
                        ]
                    },
                    "required": {"type": "boolean"},
                    "datatype_description": NULLABLE_STRING,
                    "order": {"type": "integer", "minimum": 1},
                    "description": NULLABLE_STRING,
                    "values": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["key", "name"],
                            "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
                            "additionalProperties": False,
                        },
                    },
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
REQUEST_SCHEMA = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": {"type": "string"},
        "status": {"enum": ["open", "closed"]},
        "status_notes": NULLABLE_STRING,
        "service_name": NULLABLE_STRING,
        "service_code": {"type": "string"},
        "description": {"type": ["string", "null"], "maxLength": 4000},
        "agency_responsible": NULLABLE_STRING,
        "service_notice": NULLABLE_STRING,
        "requested_datetime": W3C_STRING,
        "updated_datetime": {"anyOf": [W3C_STRING, {"type": "null"}]},
        "expected_datetime": {"anyOf": [W3C_STRING, {"type": "null"}]},
        "address": NULLABLE_STRING,
        "address_id": NULLABLE_STRING,
        "zipcode": NULLABLE_STRING,
        "lat": {"type": ["number", "null"]},
        "long": {"type": ["number", "null"]},
        "media_url": NULLABLE_STRING,
    },
    "additionalProperties": False,
}
ERRORS_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "additionalProperties": False,
    },
}


def get(client: Client, path: str, fmt: str, **params: str):
    return client.get(f"{BASE}/{path}.{fmt}", params)


def body_of(response, fmt: str, status: int = 200):
    """The answer as data: JSON as is, XML through xmltodict (as the georeport client reads
    it). Checks the status, the content type and, for XML, the declaration."""
    assert response.status_code == status, response.content
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return response.json()
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(DECLARATION)
    assert b"xmlns" not in response.content
    return xmltodict.parse(response.content)


def xml_list(document: dict, root: str, child: str) -> list:
    """The repeated children of an XML list, as a list whatever their number."""
    inner = document[root]
    if inner is None:
        return []
    found = inner[child]
    return found if isinstance(found, list) else [found]


def errors_of(response, fmt: str, status: int) -> list[dict]:
    """The spec's error body, checked, as [{"code", "description"}] with the code as int."""
    body = body_of(response, fmt, status)
    if fmt == "json":
        jsonschema.validate(body, ERRORS_SCHEMA)
        return body
    errors = xml_list(body, "errors", "error")
    assert errors
    return [{"code": int(e["code"]), "description": e["description"]} for e in errors]


def requests_of(response, fmt: str) -> list[dict]:
    """GET requests as JSON data, whatever the format (XML values come back as strings)."""
    body = body_of(response, fmt)
    if fmt == "json":
        assert isinstance(body, list)
        for request in body:
            jsonschema.validate(request, REQUEST_SCHEMA)
        return body
    return xml_list(body, "service_requests", "request")


def assert_private_details_absent(response) -> None:
    text = response.content.decode()
    assert [m for m in PRIVATE_MARKERS if m in text] == []


@pytest.fixture
def categories(organization):
    return ensure_feedback_setup(organization)


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


# Discovery ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_endpoint_its_formats_and_how_to_get_a_key(
    client, organization, fmt, settings
):
    settings.TRUSTBRIDGE_BASE_URL = "https://trust.example.org"

    body = body_of(client.get(f"{BASE}/discovery.{fmt}"), fmt)

    if fmt == "xml":
        body = body["discovery"]
        endpoints = body["endpoints"]["endpoint"]
        endpoint = endpoints if isinstance(endpoints, dict) else endpoints[0]
        formats = endpoint["formats"]["format"]
    else:
        assert len(body["endpoints"]) == 1
        endpoint = body["endpoints"][0]
        formats = endpoint["formats"]
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    assert all(body[k] for k in ("changeset", "contact", "key_service"))
    assert W3C.match(body["changeset"])
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "https://trust.example.org/open311/v2"
    assert endpoint["type"] == "production"
    assert endpoint["changeset"] == body["changeset"]
    assert formats == ["text/xml", "application/json"]


def test_discovery_for_a_jurisdiction_gives_its_public_contact(client, organization):
    organization.contact_email = "desk@riverside.example"
    organization.save()

    body = body_of(client.get(f"{BASE}/discovery.json", {"jurisdiction_id": "riverside"}), "json")

    assert body["contact"] == "Riverside Police desk@riverside.example"
    assert "Riverside Police" in body["key_service"]


def test_discovery_changeset_moves_when_a_category_changes(client, organization, admin):
    from trustbridge.core.models import Organization
    from trustbridge.feedback import workflow

    Organization.objects.filter(pk=organization.pk).update(
        created_at=timezone.now() - dt.timedelta(days=30)
    )
    ensure_feedback_setup(organization)
    url = f"{BASE}/discovery.json"
    before = body_of(client.get(url, {"jurisdiction_id": "riverside"}), "json")["changeset"]

    workflow.create_category(
        admin, organization, code="graffiti", name="Graffiti", acknowledge_hours=8, resolve_hours=40
    )

    after = body_of(client.get(url, {"jurisdiction_id": "riverside"}), "json")["changeset"]
    assert after > before


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_of_an_unknown_jurisdiction_is_not_found(client, fmt, db):
    errors = errors_of(
        client.get(f"{BASE}/discovery.{fmt}", {"jurisdiction_id": "nowhere"}), fmt, 404
    )
    assert errors[0]["code"] == 404


# Jurisdiction ------------------------------------------------------------------------------

RESOURCES = ["services", "services/safety", "requests", "requests/OP000001", "tokens/abc"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", RESOURCES)
def test_every_resource_needs_a_jurisdiction(client, organization, path, fmt):
    errors = errors_of(get(client, path, fmt), fmt, 400)

    assert errors == [
        {
            "code": 400,
            "description": "jurisdiction_id was not provided: this server hosts several "
            "organisations; give the short name of the one you mean.",
        }
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", RESOURCES)
def test_an_unknown_jurisdiction_is_not_found(client, organization, path, fmt):
    errors = errors_of(get(client, path, fmt, jurisdiction_id="atlantis"), fmt, 404)

    assert errors == [{"code": 404, "description": "jurisdiction_id “atlantis” was not found."}]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_jurisdiction_counts_as_missing(client, organization, fmt):
    errors_of(get(client, "services", fmt, jurisdiction_id=""), fmt, 400)


def test_an_unknown_format_is_not_served(client, organization):
    assert client.get(f"{BASE}/services.html", {"jurisdiction_id": "riverside"}).status_code == 404


# Services ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_organisations_active_categories(
    client, organization, other_organization, categories, fmt
):
    Category.objects.filter(organization=organization, code="traffic").update(active=False)
    Category.objects.create(
        organization=other_organization,
        code="elsewhere-only",
        name="Elsewhere only",
        acknowledge_hours=1,
        resolve_hours=2,
    )

    body = body_of(get(client, "services", fmt, jurisdiction_id="riverside"), fmt)

    services = body if fmt == "json" else xml_list(body, "services", "service")
    codes = [s["service_code"] for s in services]
    assert codes == ["safety", "nuisance", "question", "suggestion", "compliment", "conduct"]
    safety = services[0]
    if fmt == "json":
        assert isinstance(body, list)  # a bare array: the Spark convention
        for service in services:
            jsonschema.validate(service, SERVICE_SCHEMA)
        assert safety["metadata"] is True
    else:
        assert safety["metadata"] == "true"
    assert safety["service_name"] == "Safety concern"
    assert safety["description"] == "Something that makes you or others feel unsafe."
    assert safety["type"] == "realtime"
    assert safety["keywords"] == "Concern, Question, Suggestion, Compliment"
    assert services[4]["group"] == "Compliment"


def test_an_organisation_starts_with_the_default_services_and_reading_writes_nothing(
    client, organization
):
    body = body_of(get(client, "services", "json", jurisdiction_id="riverside"), "json")
    definition = get(client, "services/safety", "json", jurisdiction_id="riverside")

    assert [s["service_code"] for s in body] == [
        "safety",
        "nuisance",
        "traffic",
        "question",
        "suggestion",
        "compliment",
        "conduct",
    ]
    assert definition.status_code == 200
    assert Category.objects.count() == 0
    assert FeedbackSettings.objects.count() == 0


# Service definitions -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_definition_offers_the_forms_choices_as_single_value_lists(
    client, organization, categories, area, fmt
):
    body = body_of(get(client, "services/safety", fmt, jurisdiction_id="riverside"), fmt)

    if fmt == "xml":
        definition = body["service_definition"]
        attributes = xml_list(body["service_definition"], "attributes", "attribute")
        for attribute in attributes:
            attribute["values"] = xml_list(attribute, "values", "value")
    else:
        jsonschema.validate(body, DEFINITION_SCHEMA)
        definition, attributes = body, body["attributes"]
    assert definition["service_code"] == "safety"
    by_code = {a["code"]: a for a in attributes}
    assert list(by_code) == ["kind", "anonymous", "public", "area"]
    assert [a["datatype"] for a in attributes] == ["singlevaluelist"] * 4
    assert [str(a["order"]) for a in attributes] == ["1", "2", "3", "4"]
    assert [a["required"] for a in attributes] == ["false" if fmt == "xml" else False] * 4
    assert [a["variable"] for a in attributes] == ["true" if fmt == "xml" else True] * 4
    assert [v["key"] for v in by_code["kind"]["values"]] == [
        "concern",
        "question",
        "suggestion",
        "compliment",
    ]
    assert [v["key"] for v in by_code["anonymous"]["values"]] == ["true", "false"]
    assert [(v["key"], v["name"]) for v in by_code["area"]["values"]] == [("old-mill", "Old Mill")]


def test_a_category_of_one_kind_asks_no_kind(client, organization, categories):
    body = body_of(get(client, "services/compliment", "json", jurisdiction_id="riverside"), "json")

    assert [a["code"] for a in body["attributes"]] == ["anonymous", "public"]


def test_anonymity_is_not_offered_where_the_organisation_does_not_allow_it(
    client, organization, categories
):
    FeedbackSettings.objects.filter(organization=organization).update(allow_anonymous=False)

    body = body_of(get(client, "services/safety", "json", jurisdiction_id="riverside"), "json")

    assert [a["code"] for a in body["attributes"]] == ["kind", "public"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["pothole", "traffic"])  # unknown; inactive
def test_an_unknown_or_inactive_service_code_is_not_found(
    client, organization, categories, code, fmt
):
    Category.objects.filter(organization=organization, code="traffic").update(active=False)

    errors = errors_of(get(client, f"services/{code}", fmt, jurisdiction_id="riverside"), fmt, 404)

    assert errors == [{"code": 404, "description": f"service_code “{code}” was not found."}]


def test_another_organisations_service_is_not_found(client, organization, other_organization):
    ensure_feedback_setup(organization)
    Category.objects.create(
        organization=other_organization,
        code="elsewhere-only",
        name="Elsewhere only",
        acknowledge_hours=1,
        resolve_hours=2,
    )

    response = get(client, "services/elsewhere-only", "json", jurisdiction_id="riverside")

    errors_of(response, "json", 404)


# GET requests: what is shown ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_shows_only_public_facts(client, organization, categories, area, now, fmt):
    item = make_item(organization, "safety", now - dt.timedelta(days=3), area=area)
    note(item, now - dt.timedelta(days=2), f"Called {SECRET_NAME} back.")

    requests = requests_of(get(client, "requests", fmt, jurisdiction_id="riverside"), fmt)

    assert len(requests) == 1
    request = requests[0]
    lon, lat = geo.centroid(area.geometry)
    expected = {
        "service_request_id": item.reference,
        "status": "open",
        "status_notes": "New",
        "service_name": "Safety concern",
        "service_code": "safety",
        "description": None,
        "agency_responsible": "Riverside Police",
        "service_notice": None,
        "requested_datetime": _w3c(item.submitted_at),
        "updated_datetime": _w3c(item.submitted_at),
        "expected_datetime": _w3c(item.resolve_due),
        "address": "Old Mill",
        "lat": round(lat, 4),
        "long": round(lon, 4),
        "media_url": None,
    }
    if fmt == "xml":  # XML carries text, and an empty element for nothing
        expected = {k: None if v is None else str(v) for k, v in expected.items()}
    assert request == expected


def _w3c(value: dt.datetime) -> str:
    """As sent: in the organisation's time zone (Toronto in the tests), with its offset."""
    import zoneinfo

    return value.astimezone(zoneinfo.ZoneInfo("America/Toronto")).replace(microsecond=0).isoformat()


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_private_detail_ever_leaves_through_get_requests(
    client, organization, categories, area, now, fmt
):
    item = make_item(organization, "safety", now - dt.timedelta(days=3), area=area, anonymous=True)
    note(item, now, f"{SECRET_NAME} {SECRET_EMAIL} {SECRET_PHONE}")
    reply(item, now, f"Dear {SECRET_NAME}, we are on it.")
    item.wants_public = True
    item.save()

    for path in ("requests", f"requests/{item.reference}"):
        response = get(client, path, fmt, jurisdiction_id="riverside")
        assert response.status_code == 200
        assert_private_details_absent(response)


def test_an_approved_item_shows_its_moderated_text_and_latest_reply(
    client, organization, categories, now
):
    item = make_item(organization, "nuisance", now - dt.timedelta(days=5))
    move(item, Status.ACKNOWLEDGED, now - dt.timedelta(days=4))
    reply(item, now - dt.timedelta(days=4), "We will patrol on Friday night.")
    reply(item, now - dt.timedelta(days=1), "Patrolled; it was quiet.")
    publish(item, "Loud music every Friday night near the park.")

    request = requests_of(get(client, "requests", "json", jurisdiction_id="riverside"), "json")[0]

    assert request["description"] == "Loud music every Friday night near the park."
    assert request["status_notes"] == "Patrolled; it was quiet."
    assert request["updated_datetime"] == _w3c(now - dt.timedelta(days=1))


def test_personal_details_in_a_reply_are_removed_from_status_notes(
    client, organization, categories, now
):
    item = make_item(organization, "nuisance", now - dt.timedelta(days=5))
    reply(item, now - dt.timedelta(days=1), f"Call Sgt Miller on {SECRET_PHONE} or {SECRET_EMAIL}.")
    publish(item, "Loud music near the park.")

    response = get(client, "requests", "json", jurisdiction_id="riverside")

    assert requests_of(response, "json")[0]["status_notes"] == (
        "Call Sgt [removed] on [removed] or [removed]."
    )
    assert_private_details_absent(response)


def test_an_item_not_approved_shows_its_status_in_words_never_its_replies(
    client, organization, categories, now
):
    item = make_item(organization, "nuisance", now - dt.timedelta(days=5), wants_public=True)
    move(item, Status.IN_PROGRESS, now - dt.timedelta(days=4))
    reply(item, now - dt.timedelta(days=3), "Dear resident, we are on it.")

    request = requests_of(get(client, "requests", "json", jurisdiction_id="riverside"), "json")[0]

    assert request["description"] is None
    assert request["status_notes"] == "In progress"
    assert "Dear resident" not in json.dumps(request)
    assert "Reason written for the resident only." not in json.dumps(request)


def test_a_closed_request_says_why_and_when(client, organization, categories, now):
    item = make_item(organization, "traffic", now - dt.timedelta(days=5))
    closed_at = now - dt.timedelta(days=2)
    move(item, Status.CLOSED, closed_at, close_reason=CloseReason.REFERRED)

    request = requests_of(get(client, "requests", "json", jurisdiction_id="riverside"), "json")[0]

    assert request["status"] == "closed"
    assert request["status_notes"] == "Closed: Referred elsewhere"
    assert request["updated_datetime"] == _w3c(closed_at)
    assert request["expected_datetime"] is None


@pytest.mark.parametrize("status", [Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING])
def test_every_unfinished_status_is_open_and_resolved_is_closed(
    client, organization, categories, now, status
):
    unfinished = make_item(organization, "safety", now - dt.timedelta(days=5))
    move(unfinished, status, now - dt.timedelta(days=4))
    resolved = make_item(organization, "safety", now - dt.timedelta(days=3))
    move(resolved, Status.RESOLVED, now - dt.timedelta(days=2))

    requests = requests_of(get(client, "requests", "json", jurisdiction_id="riverside"), "json")

    assert {r["service_request_id"]: r["status"] for r in requests} == {
        unfinished.reference: "open",
        resolved.reference: "closed",
    }


def test_an_item_without_area_has_no_place(client, organization, categories, now):
    make_item(organization, "safety", now - dt.timedelta(days=1))

    request = requests_of(get(client, "requests", "json", jurisdiction_id="riverside"), "json")[0]

    assert (request["address"], request["lat"], request["long"]) == (None, None, None)


@pytest.mark.parametrize("fmt", FORMATS)
def test_conduct_complaints_never_appear(client, organization, categories, member, now, fmt):
    officer = member("officer")
    conduct = make_item(organization, "conduct", now - dt.timedelta(days=1), subject=officer)
    ordinary = make_item(organization, "safety", now - dt.timedelta(days=1))
    publish(conduct, "Rude at the front desk.")

    listed = requests_of(get(client, "requests", fmt, jurisdiction_id="riverside"), fmt)
    by_id = requests_of(
        get(
            client,
            "requests",
            fmt,
            jurisdiction_id="riverside",
            service_request_id=f"{conduct.reference},{ordinary.reference}",
        ),
        fmt,
    )
    by_code = get(client, "requests", fmt, jurisdiction_id="riverside", service_code="conduct")
    one = get(client, f"requests/{conduct.reference}", fmt, jurisdiction_id="riverside")

    assert [r["service_request_id"] for r in listed] == [ordinary.reference]
    assert [r["service_request_id"] for r in by_id] == [ordinary.reference]
    assert requests_of(by_code, fmt) == []
    errors_of(one, fmt, 404)
    for response in (by_code, one):
        assert "Rude" not in response.content.decode()


def test_another_organisations_requests_are_never_listed(
    client, organization, other_organization, categories, now
):
    theirs = make_item(other_organization, "safety", now - dt.timedelta(days=1))
    ours = make_item(organization, "safety", now - dt.timedelta(days=1))

    listed = requests_of(get(client, "requests", "json", jurisdiction_id="riverside"), "json")
    by_id = requests_of(
        get(
            client,
            "requests",
            "json",
            jurisdiction_id="riverside",
            service_request_id=theirs.reference,
        ),
        "json",
    )
    one = get(client, f"requests/{theirs.reference}", "json", jurisdiction_id="riverside")

    assert [r["service_request_id"] for r in listed] == [ours.reference]
    assert by_id == []
    errors_of(one, "json", 404)


# GET requests: filters ---------------------------------------------------------------------


def test_by_default_the_last_90_days_are_listed_newest_first(client, organization, categories, now):
    old = make_item(organization, "safety", now - dt.timedelta(days=91))
    recent = make_item(organization, "safety", now - dt.timedelta(days=89))
    newest = make_item(organization, "nuisance", now - dt.timedelta(hours=1))

    requests = requests_of(get(client, "requests", "json", jurisdiction_id="riverside"), "json")

    assert [r["service_request_id"] for r in requests] == [newest.reference, recent.reference]
    assert old.reference not in json.dumps(requests)


def test_start_and_end_dates_choose_the_span(client, organization, categories, now):
    before = make_item(organization, "safety", now - dt.timedelta(days=200))
    inside = make_item(organization, "safety", now - dt.timedelta(days=150))
    after = make_item(organization, "safety", now - dt.timedelta(days=100))
    start = (now - dt.timedelta(days=160)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - dt.timedelta(days=120)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    requests = requests_of(
        get(
            client, "requests", "json", jurisdiction_id="riverside", start_date=start, end_date=end
        ),
        "json",
    )

    assert [r["service_request_id"] for r in requests] == [inside.reference]
    assert before.reference not in json.dumps(requests)
    assert after.reference not in json.dumps(requests)


def test_a_start_date_alone_reaches_90_days_after_it(client, organization, categories, now):
    inside = make_item(organization, "safety", now - dt.timedelta(days=150))
    beyond = make_item(organization, "safety", now - dt.timedelta(days=50))
    start = (now - dt.timedelta(days=160)).isoformat()

    requests = requests_of(
        get(client, "requests", "json", jurisdiction_id="riverside", start_date=start), "json"
    )

    assert [r["service_request_id"] for r in requests] == [inside.reference]
    assert beyond.reference not in json.dumps(requests)


def test_an_end_date_alone_reaches_90_days_before_it(client, organization, categories, now):
    too_old = make_item(organization, "safety", now - dt.timedelta(days=250))
    inside = make_item(organization, "safety", now - dt.timedelta(days=150))
    end = (now - dt.timedelta(days=100)).isoformat()

    requests = requests_of(
        get(client, "requests", "json", jurisdiction_id="riverside", end_date=end), "json"
    )

    assert [r["service_request_id"] for r in requests] == [inside.reference]
    assert too_old.reference not in json.dumps(requests)


def test_an_unencoded_plus_in_a_zone_is_understood(client, organization, categories, now):
    inside = make_item(organization, "safety", now - dt.timedelta(days=10))
    start = (now - dt.timedelta(days=20)).astimezone(dt.timezone(dt.timedelta(hours=5)))
    raw = start.replace(microsecond=0).isoformat()  # "…+05:00"
    # As a careless client sends it: the "+" not escaped, so the server reads a space.
    response = client.get(f"{BASE}/requests.json?jurisdiction_id=riverside&start_date={raw}")

    assert [r["service_request_id"] for r in requests_of(response, "json")] == [inside.reference]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "params,message",
    [
        (
            {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-04-01T00:00:01Z"},
            "start_date and end_date may not span more than 90 days.",
        ),
        (
            {"start_date": "2025-02-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"},
            "end_date is before start_date.",
        ),
        (
            {"start_date": "2025-01-01T00:00:00"},
            "start_date must be a W3C date and time with its time zone, e.g. 2025-01-31T00:00:00Z.",
        ),
        (
            {"end_date": "2025-01-01"},
            "end_date must be a W3C date and time with its time zone, e.g. 2025-01-31T00:00:00Z.",
        ),
        (
            {"end_date": "yesterday"},
            "end_date must be a W3C date and time with its time zone, e.g. 2025-01-31T00:00:00Z.",
        ),
        (
            {"status": "open,pending"},
            "status must be open or closed (or both, comma separated), not “pending”.",
        ),
        ({"page": "0"}, "page must be a whole number from 1."),
        ({"page_size": "1001"}, "page_size must be a whole number from 1 to 1000."),
        ({"page_size": "many"}, "page_size must be a whole number from 1 to 1000."),
    ],
)
def test_bad_filters_are_refused_with_the_reason(client, organization, params, message, fmt):
    errors = errors_of(
        get(client, "requests", fmt, jurisdiction_id="riverside", **params), fmt, 400
    )

    assert errors == [{"code": 400, "description": message}]


def test_exactly_90_days_is_allowed(client, organization, categories):
    response = get(
        client,
        "requests",
        "json",
        jurisdiction_id="riverside",
        start_date="2025-01-01T00:00:00Z",
        end_date="2025-04-01T00:00:00Z",
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "wanted,expected",
    [("open", ["open"]), ("closed", ["closed"]), ("open,closed", ["open", "closed"])],
)
def test_status_filters_open_and_closed(client, organization, categories, now, wanted, expected):
    closed = make_item(organization, "safety", now - dt.timedelta(days=3))
    move(closed, Status.RESOLVED, now - dt.timedelta(days=2))
    make_item(organization, "safety", now - dt.timedelta(days=1))

    requests = requests_of(
        get(client, "requests", "json", jurisdiction_id="riverside", status=wanted), "json"
    )

    assert [r["status"] for r in requests] == expected


def test_service_codes_filter_as_a_comma_list(client, organization, categories, now):
    safety = make_item(organization, "safety", now - dt.timedelta(days=3))
    make_item(organization, "nuisance", now - dt.timedelta(days=2))
    traffic = make_item(organization, "traffic", now - dt.timedelta(days=1))

    requests = requests_of(
        get(client, "requests", "json", jurisdiction_id="riverside", service_code="safety,traffic"),
        "json",
    )

    assert [r["service_request_id"] for r in requests] == [traffic.reference, safety.reference]


def test_service_request_ids_override_every_other_argument(client, organization, categories, now):
    old = make_item(organization, "safety", now - dt.timedelta(days=400))
    move(old, Status.RESOLVED, now - dt.timedelta(days=399))
    recent = make_item(organization, "nuisance", now - dt.timedelta(days=1))

    requests = requests_of(
        get(
            client,
            "requests",
            "json",
            jurisdiction_id="riverside",
            service_request_id=f"{old.reference}, {recent.reference},UNKNOWN",
            service_code="traffic",
            status="open",
            start_date="not even a date",
        ),
        "json",
    )

    assert [r["service_request_id"] for r in requests] == [recent.reference, old.reference]


def test_empty_arguments_behave_as_absent(client, organization, categories, now):
    item = make_item(organization, "safety", now - dt.timedelta(days=1))
    empty = dict.fromkeys(
        ("service_request_id", "service_code", "start_date", "end_date", "status", "page"), ""
    )

    requests = requests_of(
        get(client, "requests", "json", jurisdiction_id="riverside", page_size="", **empty), "json"
    )

    assert [r["service_request_id"] for r in requests] == [item.reference]


def test_pages_split_the_list_in_a_stable_order(client, organization, categories, now):
    items = [make_item(organization, "safety", now - dt.timedelta(hours=h)) for h in range(1, 6)]
    newest_first = [i.reference for i in items]

    pages = [
        [
            r["service_request_id"]
            for r in requests_of(
                get(
                    client,
                    "requests",
                    "json",
                    jurisdiction_id="riverside",
                    page=str(page),
                    page_size="2",
                ),
                "json",
            )
        ]
        for page in (1, 2, 3, 4)
    ]

    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5], []]


def test_at_most_1000_requests_come_in_one_answer(client, organization, categories, now):
    category = categories["safety"]
    Item.objects.bulk_create(
        Item(
            organization=organization,
            reference=f"BULK{n:05d}",
            secret_digest="0" * 64,
            kind=Kind.CONCERN,
            category=category,
            description="d",
            submitted_at=now - dt.timedelta(minutes=n),
        )
        for n in range(1, 1003)
    )

    first = requests_of(get(client, "requests", "json", jurisdiction_id="riverside"), "json")
    second = requests_of(
        get(client, "requests", "json", jurisdiction_id="riverside", page="2"), "json"
    )

    assert len(first) == 1000
    assert [r["service_request_id"] for r in second] == ["BULK01001", "BULK01002"]


@pytest.mark.parametrize("count", [1, 6])
def test_listing_requests_costs_a_fixed_number_of_queries(
    client, organization, categories, area, now, django_assert_num_queries, count
):
    for n in range(count):
        item = make_item(organization, "safety", now - dt.timedelta(hours=n + 1), area=area)
        reply(item, now, "r")
    # organisation, then the items with their category, area, latest reply and update
    with django_assert_num_queries(2):
        response = get(client, "requests", "json", jurisdiction_id="riverside")
    assert len(response.json()) == count


# GET one request ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request_comes_as_a_list_of_one(client, organization, categories, now, fmt):
    item = make_item(organization, "safety", now - dt.timedelta(days=1))
    make_item(organization, "safety", now - dt.timedelta(days=1))

    requests = requests_of(
        get(client, f"requests/{item.reference}", fmt, jurisdiction_id="riverside"), fmt
    )

    assert [r["service_request_id"] for r in requests] == [item.reference]


def test_one_request_is_found_whatever_its_age(client, organization, categories, now):
    item = make_item(organization, "safety", now - dt.timedelta(days=800))

    response = get(client, f"requests/{item.reference}", "json", jurisdiction_id="riverside")

    assert requests_of(response, "json")[0]["service_request_id"] == item.reference


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_request_is_not_found(client, organization, fmt):
    errors = errors_of(get(client, "requests/NOPE42", fmt, jurisdiction_id="riverside"), fmt, 404)

    assert errors == [{"code": 404, "description": "service_request_id “NOPE42” was not found."}]


# Tokens ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_token_is_ever_found_because_none_is_issued(client, organization, fmt):
    errors = errors_of(get(client, "tokens/12345", fmt, jurisdiction_id="riverside"), fmt, 404)

    assert errors[0]["code"] == 404
    assert "issues no tokens" in errors[0]["description"]


# Formats -----------------------------------------------------------------------------------


def test_xml_drops_characters_xml_cannot_carry(client, organization, categories, now):
    item = make_item(organization, "safety", now - dt.timedelta(days=1))
    publish(item, "Bell\x07 rang\x0c twice & <loudly>")

    response = get(client, "requests", "xml", jurisdiction_id="riverside")

    request = requests_of(response, "xml")[0]
    assert request["description"] == "Bell rang twice & <loudly>"


def test_json_and_xml_answers_say_the_same(client, organization, categories, area, now):
    item = make_item(organization, "safety", now - dt.timedelta(days=2), area=area)
    publish(item, "Broken light.")

    as_json = requests_of(get(client, "requests", "json", jurisdiction_id="riverside"), "json")
    as_xml = requests_of(get(client, "requests", "xml", jurisdiction_id="riverside"), "xml")

    assert as_xml == [{k: None if v is None else str(v) for k, v in r.items()} for r in as_json]


def test_public_answers_may_be_cached(client, organization, categories):
    response = get(client, "services", "json", jurisdiction_id="riverside")

    assert "public" in response["Cache-Control"]
    assert response["ETag"]
    assert "Accept-Language" in response["Vary"]  # service names are translated


@pytest.mark.parametrize("path", ["discovery", "services", "requests/X1", "tokens/t"])
def test_read_only_resources_refuse_writes(client, organization, path):
    response = client.post(f"{BASE}/{path}.json", {"jurisdiction_id": "riverside"})

    assert response.status_code == 405


# POST requests -----------------------------------------------------------------------------


@pytest.fixture
def api_key(organization, admin):
    _key, secret = client_keys.issue_key(admin, organization, "Civic app")
    return secret


def post(client: Client, fmt: str, **fields: str):
    return client.post(f"{BASE}/requests.{fmt}", fields)


def created_of(response, fmt: str) -> dict:
    """The answer to POST requests: a list of exactly one request."""
    body = body_of(response, fmt)
    created = body if fmt == "json" else xml_list(body, "service_requests", "request")
    assert len(created) == 1
    assert set(created[0]) == {"service_request_id", "service_notice"}
    return created[0]


def tracking_path_in(notice: str, settings) -> str:
    match = re.search(re.escape(settings.TRUSTBRIDGE_BASE_URL) + r"(/o/\S+/)", notice)
    assert match, notice
    return match.group(1)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_client_creates_a_request_and_the_resident_gets_a_private_link(
    client, organization, categories, area, api_key, fmt, settings
):
    response = post(
        client,
        fmt,
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="safety",
        lat="43.605",
        long="-79.395",
        address_string="Corner of Mill and Main",
        email="ada@example.org",
        first_name="Ada",
        last_name="Lovelace",
        phone="+1 416 555 0100",
        description="The underpass light has been out for a week.",
        device_id="phone-1",
        account_id="ignored",
    )

    created = created_of(response, fmt)
    item = Item.objects.get()
    assert created["service_request_id"] == item.reference
    assert item.reference in created["service_notice"]
    assert (item.source, item.kind, item.category.code) == (Source.OPEN311, "concern", "safety")
    assert (item.latitude, item.longitude, item.area) == (43.605, -79.395, area)
    assert item.address == "Corner of Mill and Main"
    assert (item.contact_name, item.contact_email, item.contact_phone) == (
        "Ada Lovelace",
        "ada@example.org",
        "+1 416 555 0100",
    )
    assert item.description == "The underpass light has been out for a week."
    assert (item.anonymous, item.wants_public) == (False, False)
    tracking = client.get(tracking_path_in(created["service_notice"], settings))
    assert tracking.status_code == 200
    assert item.reference in tracking.content.decode()


def test_a_request_needs_no_location_where_the_form_needs_none(
    client, organization, categories, api_key
):
    response = post(
        client,
        "json",
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="question",
        description="When is the next community meeting?",
    )

    created = created_of(response, "json")
    item = Item.objects.get(reference=created["service_request_id"])
    assert (item.kind, item.area, item.latitude, item.address) == ("question", None, None, "")


def test_the_csrf_check_does_not_apply_the_api_key_does(organization, categories, api_key):
    browserless = Client(enforce_csrf_checks=True)

    response = post(
        browserless,
        "json",
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="safety",
        description="Broken fence by the school.",
    )

    assert response.status_code == 200
    assert Item.objects.count() == 1


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("which", ["missing", "wrong", "revoked", "another-organisations"])
def test_a_missing_wrong_or_revoked_key_is_refused_with_403(
    client, organization, other_organization, categories, admin, member, fmt, which
):
    key, secret = client_keys.issue_key(admin, organization, "Civic app")
    if which == "revoked":
        client_keys.revoke_key(admin, key)
    elif which == "another-organisations":
        from tests.conftest import make_member

        elsewhere_admin = make_member(other_organization, "admin", email="a@elsewhere.example")
        _theirs, secret = client_keys.issue_key(elsewhere_admin, other_organization, "Theirs")
    given = {
        "missing": "",
        "wrong": secret[:-2] + "xx",
        "revoked": secret,
        "another-organisations": secret,
    }[which]

    response = post(
        client,
        fmt,
        api_key=given,
        jurisdiction_id="riverside",
        service_code="safety",
        description="Something is wrong.",
    )

    errors = errors_of(response, fmt, 403)
    assert errors == [
        {"code": 403, "description": "Invalid api_key received: the request was not created."}
    ]
    assert Item.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_post_without_jurisdiction_is_refused_before_its_key_is_read(client, api_key, fmt):
    response = post(client, fmt, api_key=api_key, service_code="safety", description="d")

    assert errors_of(response, fmt, 400)[0]["description"].startswith("jurisdiction_id")
    assert Item.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "code,status,message",
    [
        ("", 400, "service_code was not provided."),
        ("pothole", 404, "service_code “pothole” was not found."),
        ("traffic", 404, "service_code “traffic” was not found."),  # made inactive below
    ],
)
def test_the_service_code_must_be_an_active_service(
    client, organization, categories, api_key, code, status, message, fmt
):
    Category.objects.filter(organization=organization, code="traffic").update(active=False)

    response = post(
        client,
        fmt,
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code=code,
        description="Cars speeding past the school.",
    )

    assert errors_of(response, fmt, status) == [{"code": status, "description": message}]
    assert Item.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_field_refused_by_open311s_own_checks_is_named_in_one_answer(
    client, organization, categories, api_key, fmt
):
    response = post(
        client,
        fmt,
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="safety",
        description="",
        lat="43.6",
        email="not-an-address",
        media_url="javascript:alert(1)",
        address_id="545483",
        **{"attribute[kind]": "rant", "attribute[public]": "maybe"},
    )

    errors = errors_of(response, fmt, 400)
    fields = sorted(e["description"].split(":")[0] for e in errors)
    assert fields == ["address_id", "attribute[kind]", "attribute[public]", "long", "media_url"]
    assert Item.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_forms_own_checks_answer_with_the_clients_field_names(
    client, organization, categories, api_key, fmt
):
    response = post(
        client,
        fmt,
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="safety",
        description="",
        email="not-an-address",
        phone="call me",
    )

    errors = errors_of(response, fmt, 400)
    assert {e["code"] for e in errors} == {400}
    assert sorted(e["description"].split(":")[0] for e in errors) == [
        "description",
        "email",
        "phone",
    ]
    assert Item.objects.count() == 0


def test_a_point_outside_every_area_is_refused(client, organization, categories, area, api_key):
    response = post(
        client,
        "json",
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="safety",
        description="Far away.",
        lat="10.0",
        long="10.0",
    )

    errors = errors_of(response, "json", 400)
    assert [e["description"].split(":")[0] for e in errors] == ["lat"]
    assert Item.objects.count() == 0


def test_attributes_answer_the_forms_questions(client, organization, categories, area, api_key):
    response = post(
        client,
        "json",
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="nuisance",
        description="An idea: more lights along the river path.",
        first_name="Sam",
        email="sam@example.org",
        **{
            "attribute[kind]": "suggestion",
            "attribute[anonymous]": "true",
            "attribute[public]": "true",
            "attribute[area]": "old-mill",
            # A client's own attributes, as FixMyStreet sends them, are ignored.
            "attribute[fixmystreet_id]": "1234",
        },
    )

    item = Item.objects.get(reference=created_of(response, "json")["service_request_id"])
    assert (item.kind, item.anonymous, item.wants_public, item.area) == (
        "suggestion",
        True,
        True,
        area,
    )
    assert item.moderation == "pending"
    assert item.contact_name == ""  # anonymous: only the address is kept, for updates
    assert item.contact_email == "sam@example.org"


def test_anonymity_is_refused_where_the_organisation_does_not_offer_it(
    client, organization, categories, api_key
):
    FeedbackSettings.objects.filter(organization=organization).update(allow_anonymous=False)

    response = post(
        client,
        "json",
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="safety",
        description="Broken glass on the path.",
        **{"attribute[anonymous]": "true"},
    )

    errors = errors_of(response, "json", 400)
    assert [e["description"].split(":")[0] for e in errors] == ["attribute[anonymous]"]
    assert Item.objects.count() == 0


def test_a_kind_the_category_does_not_take_is_refused(client, organization, categories, api_key):
    response = post(
        client,
        "json",
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="compliment",
        description="Thanks!",
        **{"attribute[kind]": "concern"},
    )

    assert errors_of(response, "json", 400) == [
        {"code": 400, "description": "attribute[kind]: Choose one of: compliment."}
    ]


def test_a_media_url_is_kept_for_staff_and_never_fetched(client, organization, categories, api_key):
    import http.server
    import threading

    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/photo.jpg"
    try:
        response = post(
            client,
            "json",
            api_key=api_key,
            jurisdiction_id="riverside",
            service_code="safety",
            description="Graffiti on the bridge.",
            media_url=url,
        )
    finally:
        server.shutdown()
        server.server_close()

    item = Item.objects.get(reference=created_of(response, "json")["service_request_id"])
    notes = list(Event.objects.filter(item=item, kind=EventKind.NOTE).values_list("text", "public"))
    assert notes == [(f"Media address given by the application (not fetched): {url}", False)]
    assert hits == []
    listed = get(client, f"requests/{item.reference}", "json", jurisdiction_id="riverside")
    assert url not in listed.content.decode()
    assert requests_of(listed, "json")[0]["media_url"] is None


def test_a_conduct_complaint_can_be_sent_and_is_never_shown(
    client, organization, categories, api_key
):
    response = post(
        client,
        "json",
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="conduct",
        description="The officer at the desk was rude to me.",
    )

    reference = created_of(response, "json")["service_request_id"]
    assert Item.objects.get(reference=reference).kind == Kind.CONDUCT
    errors_of(
        get(client, f"requests/{reference}", "json", jurisdiction_id="riverside"), "json", 404
    )
    assert requests_of(get(client, "requests", "json", jurisdiction_id="riverside"), "json") == []


def test_a_new_request_is_listed_with_its_public_facts_only(
    client, organization, categories, area, api_key
):
    response = post(
        client,
        "xml",
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="safety",
        description=f"Light out near {SECRET_NAME}'s house.",
        first_name=SECRET_NAME,
        email=SECRET_EMAIL,
        phone=SECRET_PHONE,
        lat="43.60512",
        long="-79.39488",
    )
    reference = created_of(response, "xml")["service_request_id"]

    for fmt in FORMATS:
        listed = get(client, "requests", fmt, jurisdiction_id="riverside")
        assert [r["service_request_id"] for r in requests_of(listed, fmt)] == [reference]
        assert_private_details_absent(listed)


def test_the_same_words_from_two_residents_of_one_application_are_both_kept(
    client, organization, categories, api_key
):
    words = "The street light at the bus stop is out."
    first = post(
        client,
        "json",
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="safety",
        description=words,
        device_id="phone-a",
    )
    second = post(
        client,
        "json",
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="safety",
        description=words,
        device_id="phone-b",
    )
    again = post(
        client,
        "json",
        api_key=api_key,
        jurisdiction_id="riverside",
        service_code="safety",
        description=words,
        device_id="phone-a",
    )

    assert (first.status_code, second.status_code) == (200, 200)
    errors = errors_of(again, "json", 400)
    assert created_of(first, "json")["service_request_id"] in errors[0]["description"]
    assert Item.objects.count() == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_key_over_its_rate_is_told_politely_when_to_come_back(
    client, organization, categories, api_key, settings, fmt
):
    settings.TRUSTBRIDGE_OPEN311_POSTS_PER_MINUTE = 2
    seconds = time.time() % 60
    if seconds > 55:  # the limit counts per clock minute: start the three posts in one
        time.sleep(60.5 - seconds)
    fields = {"api_key": api_key, "jurisdiction_id": "riverside", "service_code": "safety"}

    answers = [
        post(client, fmt, description=f"Report number {n}.", device_id=str(n), **fields)
        for n in range(3)
    ]

    assert [a.status_code for a in answers] == [200, 200, 429]
    errors = errors_of(answers[2], fmt, 429)
    assert errors[0]["code"] == 429
    assert "Too many requests from this api_key" in errors[0]["description"]
    assert 1 <= int(answers[2]["Retry-After"]) <= 60
    assert Item.objects.count() == 2


def test_a_key_records_when_it_was_last_used(client, organization, categories, admin):
    key, secret = client_keys.issue_key(admin, organization, "Civic app")

    post(
        client,
        "json",
        api_key=secret,
        jurisdiction_id="riverside",
        service_code="safety",
        description="Someone left a bicycle chained to the bus shelter for weeks.",
    )

    key.refresh_from_db()
    assert key.last_used_at is not None
