"""The JSON API at /api/v1/: public reads, token-scoped writes, one error format, caching,
rate limits, query budgets and the committed OpenAPI schema."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from tests.conftest import make_member
from tests.factories import AreaFactory, OrganizationFactory, square
from trustbridge.accounts.services import create_api_token, revoke_api_token
from trustbridge.core.models import Area, AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

API = "/api/v1"
SNAPSHOT = Path(__file__).with_name("openapi_snapshot.json")
BOW_TIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def error_of(response, status):
    """The body of a 4xx answer, which always has exactly ``detail`` and ``errors``."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "errors"}
    return body


def fields_of(body):
    return [error["field"] for error in body["errors"]]


def areas_state():
    return list(Area.objects.order_by("pk").values()), AuditEvent.objects.count()


@pytest.fixture
def token(admin, organization):
    """A write token of the organisation's admin."""
    return create_api_token(actor=admin, organization=organization, name="GIS", scope="write")[1]


@pytest.fixture
def read_token(admin, organization):
    return create_api_token(actor=admin, organization=organization, name="BI", scope="read")[1]


@pytest.fixture
def mill(organization):
    return AreaFactory(organization=organization, slug="old-mill", name="Old Mill", population=1200)


def area_json(area):
    return {
        "slug": area.slug,
        "name": area.name,
        "kind": area.kind,
        "description": area.description,
        "population": area.population,
        "geometry": area.geometry,
    }


# Public reads ------------------------------------------------------------------------------


def test_organizations_are_listed_in_a_stable_order_with_a_count(client):
    for slug, name in [("c", "Campus"), ("a2", "Alpha"), ("b", "Beta"), ("a1", "Alpha")]:
        OrganizationFactory(slug=slug, name=name)
    pages = [
        client.get(f"{API}/organizations", {"page": page, "page_size": 3}).json() for page in (1, 2)
    ]
    assert [page["count"] for page in pages] == [4, 4]
    slugs = [org["slug"] for page in pages for org in page["items"]]
    assert slugs == ["a2", "a1", "b", "c"]  # by name, then by creation


def test_an_organization_is_described_publicly(client, organization):
    response = client.get(f"{API}/organizations/{organization.slug}")
    assert response.status_code == 200
    assert response.json() == {
        "slug": "riverside",
        "name": "Riverside Police",
        "kind": "police",
        "description": "",
        "timezone": "America/Toronto",
        "languages": ["en", "fr", "es"],
        "website": "",
        "contact_email": "",
        "contact_phone": "",
        "brand_colour": "#1d4e89",
        "url": "/o/riverside/",
    }


def test_areas_are_listed_by_name(client, organization, mill):
    first = AreaFactory(organization=organization, slug="aa", name="Abbey")
    AreaFactory(slug="elsewhere")  # another organisation's
    response = client.get(f"{API}/organizations/{organization.slug}/areas")
    assert response.status_code == 200
    assert response.json() == {"items": [area_json(first), area_json(mill)], "count": 2}


def test_a_page_size_above_the_maximum_of_200_is_capped(client, organization):
    Area.objects.bulk_create(
        Area(organization=organization, slug=f"a{n:03}", name=f"A{n:03}", geometry=square())
        for n in range(201)
    )
    response = client.get(f"{API}/organizations/{organization.slug}/areas", {"page_size": 9999})
    body = response.json()
    assert (response.status_code, body["count"], len(body["items"])) == (200, 201, 200)
    assert body["items"][-1]["slug"] == "a199"


def test_areas_as_geojson_are_a_feature_collection(client, organization, mill):
    response = client.get(f"{API}/organizations/{organization.slug}/areas.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert response.json() == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "old-mill",
                "geometry": square(),
                "properties": {
                    "slug": "old-mill",
                    "name": "Old Mill",
                    "kind": "neighbourhood",
                    "population": 1200,
                },
            }
        ],
    }


def test_one_area_is_described_publicly(client, organization, mill):
    response = client.get(f"{API}/organizations/{organization.slug}/areas/old-mill")
    assert (response.status_code, response.json()) == (200, area_json(mill))


@pytest.mark.parametrize(
    "path",
    [
        "/organizations/nobody",
        "/organizations/nobody/areas",
        "/organizations/nobody/areas.geojson",
        "/organizations/nobody/areas/old-mill",
        "/organizations/riverside/areas/no-such-area",
        "/organizations/riverside/areas/theirs",
    ],
)
def test_unknown_organizations_and_areas_answer_404_in_the_error_format(
    client, organization, other_organization, path
):
    AreaFactory(organization=other_organization, slug="theirs")
    body = error_of(client.get(API + path), 404)
    assert body == {"detail": "Not found.", "errors": []}


@pytest.mark.parametrize("query", [{"page": 0}, {"page": "x"}, {"page_size": 0}])
def test_bad_pagination_parameters_answer_422(client, organization, query):
    body = error_of(client.get(f"{API}/organizations/{organization.slug}/areas", query), 422)
    assert fields_of(body) == [next(iter(query))]


# Caching -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/organizations", "/organizations/riverside", "/organizations/riverside/areas.geojson"]
)
def test_public_answers_carry_an_etag_and_answer_304_when_unchanged(client, organization, path):
    first = client.get(API + path)
    assert first["Cache-Control"] == "public, max-age=60"
    assert first["ETag"].startswith('"')
    again = client.get(API + path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content) == (304, b"")
    changed = client.get(API + path, HTTP_IF_NONE_MATCH='"something-else"')
    assert changed.status_code == 200


def test_a_public_answer_changes_its_etag_when_the_data_changes(client, organization, mill):
    path = f"{API}/organizations/{organization.slug}/areas"
    first = client.get(path)["ETag"]
    Area.objects.filter(pk=mill.pk).update(name="New Mill")
    assert client.get(path, HTTP_IF_NONE_MATCH=first).status_code == 200


def test_an_authenticated_answer_is_private(client, organization, token):
    response = client.get(f"{API}/organizations/{organization.slug}/areas", **bearer(token))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    assert not response.has_header("ETag")


def test_an_error_is_not_cached(client):
    response = client.get(f"{API}/organizations/nobody")
    assert not response.has_header("ETag")
    assert "public" not in response.get("Cache-Control", "")


# Token writes ------------------------------------------------------------------------------

NEW_AREA = {"name": "Harbour Front", "population": 300, "geometry": square(-79.3, 43.6)}


def test_a_write_token_creates_an_area(client, organization, admin, token):
    response = client.post(
        f"{API}/organizations/{organization.slug}/areas",
        NEW_AREA,
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 201
    area = Area.objects.get(organization=organization, slug="harbour-front")
    assert response.json() == area_json(area)
    event = AuditEvent.objects.get(target_type="core.area")
    assert (event.actor, event.action, event.target_id) == (admin, "create", str(area.pk))


def test_a_write_token_changes_only_the_fields_given(client, organization, mill, token):
    response = client.patch(
        f"{API}/organizations/{organization.slug}/areas/old-mill",
        {"name": "Mill Quarter", "population": None},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 200
    mill.refresh_from_db()
    assert (mill.name, mill.population, mill.slug) == ("Mill Quarter", None, "old-mill")
    assert response.json() == area_json(mill)
    assert AuditEvent.objects.get(target_type="core.area").changes == ["name", "population"]


def test_a_write_token_deletes_an_area(client, organization, mill, token):
    response = client.delete(
        f"{API}/organizations/{organization.slug}/areas/old-mill", **bearer(token)
    )
    assert (response.status_code, response.content) == (204, b"")
    assert not Area.objects.filter(pk=mill.pk).exists()


def write_requests(slug):
    return [
        ("post", f"{API}/organizations/{slug}/areas", NEW_AREA),
        ("patch", f"{API}/organizations/{slug}/areas/old-mill", {"name": "Renamed"}),
        ("delete", f"{API}/organizations/{slug}/areas/old-mill", None),
    ]


def send(client, method, path, payload, headers):
    if payload is None:
        return getattr(client, method)(path, **headers)
    return getattr(client, method)(path, payload, content_type="application/json", **headers)


@pytest.mark.parametrize("number", [0, 1, 2], ids=["create", "change", "delete"])
def test_a_read_token_may_not_write(client, organization, mill, read_token, number):
    method, path, payload = write_requests(organization.slug)[number]
    before = areas_state()
    body = error_of(send(client, method, path, payload, bearer(read_token)), 403)
    assert body == {"detail": "This token may only read.", "errors": []}
    assert areas_state() == before


@pytest.mark.parametrize("number", [0, 1, 2], ids=["create", "change", "delete"])
def test_a_token_of_another_organization_finds_nothing(
    client, organization, other_organization, mill, number
):
    outsider = make_member(other_organization, "admin")
    secret = create_api_token(
        actor=outsider, organization=other_organization, name="x", scope="write"
    )[1]
    method, path, payload = write_requests(organization.slug)[number]
    before = areas_state()
    body = error_of(send(client, method, path, payload, bearer(secret)), 404)
    assert body == {"detail": "Not found.", "errors": []}
    assert areas_state() == before


@pytest.mark.parametrize("number", [0, 1, 2], ids=["create", "change", "delete"])
def test_an_officer_token_may_not_manage_areas(client, organization, mill, member, number):
    officer = member("officer")
    secret = create_api_token(actor=officer, organization=organization, name="x", scope="write")[1]
    method, path, payload = write_requests(organization.slug)[number]
    before = areas_state()
    body = error_of(send(client, method, path, payload, bearer(secret)), 403)
    assert body == {"detail": "You may not do this.", "errors": []}
    assert areas_state() == before


def tampered(secret):
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


@pytest.mark.parametrize(
    "headers",
    [
        lambda secret: {},
        lambda secret: bearer(tampered(secret)),
        lambda secret: bearer(""),
        lambda secret: {"HTTP_AUTHORIZATION": f"Basic {secret}"},
        lambda secret: {"HTTP_AUTHORIZATION": secret},
    ],
    ids=["missing", "tampered", "empty", "basic", "no-scheme"],
)
def test_without_a_valid_token_writes_answer_401(client, organization, mill, token, headers):
    before = areas_state()
    for method, path, payload in write_requests(organization.slug):
        response = send(client, method, path, payload, headers(token))
        body = error_of(response, 401)
        assert body == {"detail": "A valid API token is required.", "errors": []}
        assert response["WWW-Authenticate"] == "Bearer"
    assert areas_state() == before


def test_a_revoked_token_answers_401(client, organization, admin, mill):
    api_token, secret = create_api_token(
        actor=admin, organization=organization, name="x", scope="write"
    )
    revoke_api_token(actor=admin, token=api_token)
    before = areas_state()
    for method, path, payload in write_requests(organization.slug):
        response = send(client, method, path, payload, bearer(secret))
        assert error_of(response, 401)["detail"] == "A valid API token is required."
        assert response["WWW-Authenticate"] == "Bearer"
    assert areas_state() == before


def test_a_token_of_an_erased_account_answers_401(client, organization, admin, token):
    from trustbridge.accounts.services import erase_account

    erase_account(actor=admin)
    assert error_of(client.get(f"{API}/me", **bearer(token)), 401)


@pytest.mark.parametrize(
    "payload,fields",
    [
        ({**NEW_AREA, "name": ""}, ["name"]),
        ({key: v for key, v in NEW_AREA.items() if key != "name"}, ["name"]),
        ({key: v for key, v in NEW_AREA.items() if key != "geometry"}, ["geometry"]),
        ({**NEW_AREA, "geometry": "not an object"}, ["geometry"]),
        ({**NEW_AREA, "population": -1}, ["population"]),
        ({**NEW_AREA, "population": 2**31}, ["population"]),
        ({**NEW_AREA, "population": "many"}, ["population"]),
        ({**NEW_AREA, "slug": "has spaces"}, ["slug"]),
        ({**NEW_AREA, "kind": "castle"}, ["kind"]),
        ({**NEW_AREA, "name": "x" * 161}, ["name"]),
        ({"name": "", "population": -5}, ["name", "population", "geometry"]),
    ],
    ids=[
        "empty-name",
        "no-name",
        "no-geometry",
        "geometry-not-object",
        "negative-population",
        "population-too-large",
        "population-not-number",
        "bad-slug",
        "unknown-kind",
        "long-name",
        "several",
    ],
)
def test_a_bad_new_area_answers_422_naming_each_field(client, organization, token, payload, fields):
    before = areas_state()
    response = client.post(
        f"{API}/organizations/{organization.slug}/areas",
        payload,
        content_type="application/json",
        **bearer(token),
    )
    body = error_of(response, 422)
    assert body["detail"] == "The request has invalid fields."
    assert fields_of(body) == fields
    assert all(error["message"] for error in body["errors"])
    assert areas_state() == before


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"name": None}, "name"),
        ({"slug": None}, "slug"),
        ({"kind": None}, "kind"),
        ({"geometry": None}, "geometry"),
        ({"description": None}, "description"),
        ({"population": -1}, "population"),
        ({"slug": "bad slug"}, "slug"),
    ],
)
def test_a_bad_change_answers_422_naming_the_field(
    client, organization, mill, token, payload, field
):
    before = areas_state()
    response = client.patch(
        f"{API}/organizations/{organization.slug}/areas/old-mill",
        payload,
        content_type="application/json",
        **bearer(token),
    )
    assert fields_of(error_of(response, 422)) == [field]
    assert areas_state() == before


@pytest.mark.parametrize("method", ["post", "patch"])
def test_an_invalid_boundary_answers_400_naming_geometry(client, organization, mill, token, method):
    path = f"{API}/organizations/{organization.slug}/areas"
    if method == "patch":
        path += "/old-mill"
    before = areas_state()
    response = send(client, method, path, {**NEW_AREA, "geometry": BOW_TIE}, bearer(token))
    body = error_of(response, 400)
    message = "The boundary is not a valid shape: Self-intersection[0.5 0.5]"
    assert body == {"detail": message, "errors": [{"field": "geometry", "message": message}]}
    assert areas_state() == before


def test_a_body_that_is_not_json_answers_400(client, organization, token):
    before = areas_state()
    response = client.post(
        f"{API}/organizations/{organization.slug}/areas",
        "{not json",
        content_type="application/json",
        **bearer(token),
    )
    assert error_of(response, 400)["errors"] == []
    assert areas_state() == before


def test_a_duplicate_slug_answers_409(client, organization, mill, token):
    before = areas_state()
    response = client.post(
        f"{API}/organizations/{organization.slug}/areas",
        {**NEW_AREA, "slug": "old-mill"},
        content_type="application/json",
        **bearer(token),
    )
    message = "An area with this short name already exists."
    assert error_of(response, 409) == {
        "detail": message,
        "errors": [{"field": "slug", "message": message}],
    }
    assert areas_state() == before


def test_renaming_to_a_taken_slug_answers_409(client, organization, mill, token):
    AreaFactory(organization=organization, slug="taken")
    response = client.patch(
        f"{API}/organizations/{organization.slug}/areas/old-mill",
        {"slug": "taken"},
        content_type="application/json",
        **bearer(token),
    )
    assert fields_of(error_of(response, 409)) == ["slug"]


def test_an_oversized_body_answers_413_and_changes_nothing(client, organization, token, settings):
    settings.TRUSTBRIDGE_MAX_REQUEST_BYTES = 200
    payload = {**NEW_AREA, "description": "x" * 300}
    before = areas_state()
    response = client.post(
        f"{API}/organizations/{organization.slug}/areas",
        payload,
        content_type="application/json",
        **bearer(token),
    )
    assert error_of(response, 413) == {"detail": "The request is too large.", "errors": []}
    assert areas_state() == before


# Who the token is, and the staff list ------------------------------------------------------


def test_a_token_tells_whom_it_acts_for(client, organization, admin, read_token):
    response = client.get(f"{API}/me", **bearer(read_token))
    assert (response.status_code, response.json()) == (
        200,
        {"email": admin.email, "organization": "riverside", "role": "admin", "scope": "read"},
    )


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_admins_and_supervisors_list_the_staff_and_the_view_is_audited(
    client, organization, member, role
):
    viewer = member(role)
    member("officer")
    secret = create_api_token(actor=viewer, organization=organization, name="x", scope="read")[1]
    response = client.get(f"{API}/organizations/{organization.slug}/members", **bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert sorted(item["email"] for item in body["items"]) == sorted(
        [viewer.email, "officer@riverside.example"]
    )
    event = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert (event.actor, event.organization, event.summary) == (
        viewer,
        organization,
        "member list (API)",
    )


@pytest.mark.parametrize("role", ["officer", "moderator"])
def test_other_staff_may_not_list_the_staff(client, organization, member, role):
    viewer = member(role)
    secret = create_api_token(actor=viewer, organization=organization, name="x", scope="read")[1]
    response = client.get(f"{API}/organizations/{organization.slug}/members", **bearer(secret))
    assert error_of(response, 403) == {"detail": "You may not do this.", "errors": []}
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()


def test_the_staff_list_needs_a_token(client, organization):
    response = client.get(f"{API}/organizations/{organization.slug}/members")
    assert error_of(response, 401)["detail"] == "A valid API token is required."


def test_the_staff_list_of_another_organization_is_not_found(
    client, organization, other_organization, token
):
    response = client.get(f"{API}/organizations/{other_organization.slug}/members", **bearer(token))
    assert error_of(response, 404)["detail"] == "Not found."
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()


# Rate limits -------------------------------------------------------------------------------


def test_anonymous_requests_beyond_the_rate_answer_429(client, organization, settings):
    settings.TRUSTBRIDGE_API_ANON_RATE_LIMIT = "2/m"
    path = f"{API}/organizations/{organization.slug}"
    assert [client.get(path).status_code for _ in range(2)] == [200, 200]
    response = client.get(path)
    assert error_of(response, 429) == {"detail": "Too many requests. Slow down.", "errors": []}
    assert 0 < int(response["Retry-After"]) <= 60
    other_address = client.get(path, REMOTE_ADDR="198.51.100.7")
    assert other_address.status_code == 200


def test_token_requests_beyond_the_rate_answer_429(client, organization, token, settings):
    settings.TRUSTBRIDGE_API_RATE_LIMIT = "3/h"
    responses = [client.get(f"{API}/me", **bearer(token)) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert error_of(responses[-1], 429)["detail"] == "Too many requests. Slow down."


# Query budgets -----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_the_organization_list_costs_two_queries(client, django_assert_num_queries, rows):
    for number in range(rows):
        OrganizationFactory(slug=f"org-{number}", name=f"Org {number}")
    with django_assert_num_queries(2):  # count, page
        assert len(client.get(f"{API}/organizations").json()["items"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("suffix,queries", [("areas", 3), ("areas.geojson", 2)])
def test_the_area_lists_cost_a_fixed_number_of_queries(
    client, organization, django_assert_num_queries, rows, suffix, queries
):
    for number in range(rows):
        AreaFactory(organization=organization, slug=f"area-{number}")
    with django_assert_num_queries(queries):  # organisation, (count,) areas
        response = client.get(f"{API}/organizations/{organization.slug}/{suffix}")
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_the_staff_list_costs_a_fixed_number_of_queries(
    client, organization, admin, token, django_assert_num_queries, rows
):
    for number in range(rows):
        make_member(organization, "officer", mfa=False, email=f"officer{number}@example.org")
    path = f"{API}/organizations/{organization.slug}/members"
    client.get(path, **bearer(token))  # the token's first use records it
    # token, memberships of the viewer, audit event, count, page
    with django_assert_num_queries(5):
        response = client.get(path, **bearer(token))
    assert response.json()["count"] == rows + 1


# OpenAPI -----------------------------------------------------------------------------------


def test_the_schema_is_valid_openapi_3_1(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1.")
    validate(schema, cls=OpenAPIV31SpecValidator)


def test_the_schema_matches_the_committed_snapshot(client):
    """A change to the API must update the snapshot on purpose."""
    schema = client.get(f"{API}/openapi.json").json()
    if os.environ.get("TRUSTBRIDGE_UPDATE_OPENAPI_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
    committed = json.loads(SNAPSHOT.read_text())
    assert schema == committed, (
        "The API schema differs from tests/core/openapi_snapshot.json. If the change is "
        "intended, regenerate the snapshot with:\n"
        "  TRUSTBRIDGE_UPDATE_OPENAPI_SNAPSHOT=1 .venv/bin/pytest tests/core/test_api.py "
        "-k snapshot\nand commit it."
    )


def test_a_token_stops_working_when_its_owner_leaves_the_organisation(organization, member, client):
    from trustbridge.accounts.services import create_api_token
    from trustbridge.core.models import Membership

    officer = member("officer")
    _token, secret = create_api_token(
        actor=officer, organization=organization, name="t", scope="read"
    )
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    Membership.objects.filter(user=officer).delete()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 401
