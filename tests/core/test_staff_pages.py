"""Staff pages of an organisation: who may open each, what the forms refuse, the audit
export, and what each page costs in queries."""

from __future__ import annotations

import csv
import html
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import make_member
from tests.factories import AreaFactory, UserFactory, square
from tests.state import core_state
from trustbridge.core import audit
from trustbridge.core.models import (
    Area,
    AuditAction,
    AuditEvent,
    Invitation,
    Membership,
)

pytestmark = pytest.mark.django_db

BOW_TIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
ALL_STAFF = {"admin", "supervisor", "officer", "moderator"}
MANAGERS = {"admin", "supervisor"}
PAGES = {
    "staff/": ALL_STAFF,
    "staff/settings/": {"admin"},
    "staff/areas/": MANAGERS,
    "staff/areas/new/": MANAGERS,
    "staff/areas/old-mill/edit/": MANAGERS,
    "staff/areas/old-mill/delete/": MANAGERS,
    "staff/members/": MANAGERS,
    "staff/audit/": {"admin"},
    "staff/audit.csv": {"admin"},
}


def text_of(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def mill(organization):
    return AreaFactory(organization=organization, slug="old-mill", name="Old Mill")


@pytest.fixture
def as_admin(admin, client_for):
    return client_for(admin)


def url(organization, page):
    return f"/o/{organization.slug}/{page}"


# Who may open each page ------------------------------------------------------------------


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("role", sorted(ALL_STAFF))
def test_staff_get_200_for_pages_their_role_allows_and_403_otherwise(
    organization, mill, member, client_for, page, role
):
    response = client_for(member(role)).get(url(organization, page))
    assert response.status_code == (200 if role in PAGES[page] else 403)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_partners_residents_and_other_organizations_staff_get_404(
    organization, other_organization, mill, member, client_for, page
):
    visitors = [
        member("partner"),
        UserFactory(email="resident@example.org"),
        make_member(other_organization, "admin"),
    ]
    assert [client_for(v).get(url(organization, page)).status_code for v in visitors] == [
        404,
        404,
        404,
    ]


@pytest.mark.parametrize("page", sorted(PAGES))
def test_another_organizations_staff_cannot_reach_this_organizations_area(
    organization, other_organization, page, client_for
):
    AreaFactory(organization=organization, slug="old-mill")
    theirs = make_member(other_organization, "admin")
    # their own organisation's pages, with this organisation's area in the address
    response = client_for(theirs).get(url(other_organization, page))
    expected = 404 if "old-mill" in page else 200
    assert response.status_code == expected


@pytest.mark.parametrize("page", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_sign_in(client, organization, mill, page):
    response = client.get(url(organization, page))
    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=" + url(organization, page)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_staff_without_totp_are_sent_to_enrol_first(organization, mill, member, client_for, page):
    response = client_for(member("admin", mfa=False)).get(url(organization, page))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp") + "?next=" + url(organization, page)


def test_an_unknown_organization_has_no_staff_pages(client_for, admin):
    assert client_for(admin).get("/o/nobody/staff/").status_code == 404


@pytest.mark.parametrize(
    "page",
    ["staff/members/1/role/", "staff/members/1/remove/", "staff/invitations/1/revoke/"],
)
def test_member_actions_answer_post_only(as_admin, organization, page):
    assert as_admin.get(url(organization, page)).status_code == 405


# Areas through the forms -------------------------------------------------------------------


def area_form(**changes):
    data = {
        "name": "Harbour Front",
        "slug": "",
        "kind": "neighbourhood",
        "population": "",
        "description": "",
        "geometry": json.dumps(square()),
    }
    data.update(changes)
    return data


def test_an_area_is_created_through_the_form(as_admin, organization):
    response = as_admin.post(url(organization, "staff/areas/new/"), area_form(population="40"))
    assert response.status_code == 302
    assert response.url == url(organization, "staff/areas/")
    area = Area.objects.get()
    assert (area.organization, area.slug, area.population, area.geometry) == (
        organization,
        "harbour-front",
        40,
        square(),
    )


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"geometry": json.dumps(BOW_TIE)}, "The boundary is not a valid shape: Self-intersection"),
        ({"geometry": "{not json"}, "This is not valid JSON."),
        ({"geometry": '{"type": "Point", "coordinates": [0, 0]}'}, "must be a GeoJSON Polygon"),
        ({"geometry": ""}, "This field is required."),
        ({"name": ""}, "This field is required."),
        ({"slug": "has spaces"}, "Enter a valid “slug”"),
        ({"kind": "castle"}, "Select a valid choice."),
        ({"population": "-3"}, "Ensure this value is greater than or equal to 0."),
        ({"population": str(2**40)}, "Ensure this value is less than or equal to 2147483647."),
        ({"slug": "old-mill"}, "An area with this short name already exists."),
    ],
    ids=[
        "bow-tie",
        "not-json",
        "point",
        "no-geometry",
        "no-name",
        "bad-slug",
        "bad-kind",
        "negative-population",
        "huge-population",
        "duplicate-slug",
    ],
)
def test_a_bad_new_area_shows_the_error_and_changes_nothing(
    as_admin, organization, mill, changes, message
):
    before = core_state(ignoring_views=True)
    response = as_admin.post(url(organization, "staff/areas/new/"), area_form(**changes))
    assert response.status_code == 200
    assert message in text_of(response)
    assert 'class="errorlist"' in response.content.decode()
    assert core_state(ignoring_views=True) == before


def test_an_area_is_changed_through_the_form(as_admin, organization, mill):
    response = as_admin.post(
        url(organization, "staff/areas/old-mill/edit/"),
        area_form(name="Mill Quarter", slug=""),
    )
    assert response.status_code == 302
    mill.refresh_from_db()
    assert (mill.name, mill.slug) == ("Mill Quarter", "old-mill")


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"geometry": json.dumps(BOW_TIE)}, "Self-intersection"),
        ({"geometry": "[1, 2"}, "This is not valid JSON."),
        ({"name": ""}, "This field is required."),
        ({"slug": "taken"}, "An area with this short name already exists."),
    ],
)
def test_a_bad_change_to_an_area_shows_the_error_and_changes_nothing(
    as_admin, organization, mill, changes, message
):
    AreaFactory(organization=organization, slug="taken")
    before = core_state(ignoring_views=True)
    response = as_admin.post(
        url(organization, "staff/areas/old-mill/edit/"), area_form(**{"name": "Renamed", **changes})
    )
    assert response.status_code == 200
    assert message in text_of(response)
    assert core_state(ignoring_views=True) == before


def test_the_edit_form_starts_from_the_area(as_admin, organization, mill):
    response = as_admin.get(url(organization, "staff/areas/old-mill/edit/"))
    assert response.context["form"].initial["name"] == "Old Mill"
    assert json.loads(response.context["form"].initial["geometry"]) == mill.geometry


def test_deleting_an_area_asks_first_then_deletes_on_post(as_admin, organization, mill):
    page = url(organization, "staff/areas/old-mill/delete/")
    assert as_admin.get(page).status_code == 200
    assert Area.objects.filter(pk=mill.pk).exists()
    response = as_admin.post(page)
    assert (response.status_code, response.url) == (302, url(organization, "staff/areas/"))
    assert not Area.objects.filter(pk=mill.pk).exists()


def test_an_officer_cannot_delete_an_area(organization, mill, member, client_for):
    officer = client_for(member("officer"))
    before = core_state(ignoring_views=True)
    response = officer.post(url(organization, "staff/areas/old-mill/delete/"))
    assert response.status_code == 403
    assert core_state(ignoring_views=True) == before


def test_another_organizations_admin_cannot_delete_an_area(
    organization, other_organization, mill, client_for
):
    theirs = client_for(make_member(other_organization, "admin"))
    before = core_state(ignoring_views=True)
    assert theirs.post(url(organization, "staff/areas/old-mill/delete/")).status_code == 404
    assert theirs.post(url(other_organization, "staff/areas/old-mill/delete/")).status_code == 404
    assert core_state(ignoring_views=True) == before


def upload(content, name="areas.geojson"):
    return SimpleUploadedFile(name, content, content_type="application/geo+json")


def test_an_import_shows_what_it_created_and_each_refused_feature(as_admin, organization):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "North"}, "geometry": square()},
            {"type": "Feature", "properties": {"name": "Twisted"}, "geometry": BOW_TIE},
            {"type": "Feature", "properties": {}, "geometry": square()},
        ],
    }
    response = as_admin.post(
        url(organization, "staff/areas/"), {"file": upload(json.dumps(collection).encode())}
    )
    assert response.status_code == 200
    body = text_of(response)
    assert "1 created, 0 updated, 2 refused." in body
    assert (
        "<td>2</td><td>The boundary is not a valid shape: Self-intersection[0.5 0.5]</td>" in body
    )
    assert "<td>3</td><td>The feature has no “name” property.</td>" in body
    assert list(Area.objects.values_list("slug", flat=True)) == ["north"]


@pytest.mark.parametrize(
    "content,message",
    [
        (json.dumps(square()).encode(), "The file must be a GeoJSON FeatureCollection."),
        (b"\x89PNG\r\n\x1a\n", "The file is not valid JSON."),
        (b"", "The submitted file is empty."),
    ],
)
def test_a_bad_import_file_shows_the_error_and_changes_nothing(
    as_admin, organization, mill, content, message
):
    before = core_state(ignoring_views=True)
    response = as_admin.post(url(organization, "staff/areas/"), {"file": upload(content)})
    assert response.status_code == 200
    assert message in text_of(response)
    assert core_state(ignoring_views=True) == before


def test_an_import_without_a_file_is_refused(as_admin, organization):
    before = core_state(ignoring_views=True)
    response = as_admin.post(url(organization, "staff/areas/"), {"file": ""})
    assert response.status_code == 200
    assert "This field is required." in text_of(response)
    assert core_state(ignoring_views=True) == before


# Settings and members ----------------------------------------------------------------------


def settings_form(organization, **changes):
    data = {
        "name": organization.name,
        "description": "",
        "timezone": organization.timezone,
        "languages": organization.languages,
        "contact_email": "",
        "contact_phone": "",
        "website": "",
        "address": "",
        "brand_colour": organization.brand_colour,
    }
    data.update(changes)
    return data


def test_settings_are_saved_through_the_form(as_admin, organization):
    response = as_admin.post(
        url(organization, "staff/settings/"), settings_form(organization, timezone="Europe/Paris")
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.timezone == "Europe/Paris"
    assert AuditEvent.objects.get(action=AuditAction.UPDATE).changes == ["timezone"]


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"timezone": "Mars/Olympus"}, "“Mars/Olympus” is not a known time zone."),
        ({"brand_colour": "red"}, "Enter a colour as #RRGGBB."),
        ({"languages": ["xx"]}, "Select a valid choice."),
        ({"name": ""}, "This field is required."),
        (
            {"logo": SimpleUploadedFile("logo.png", b"plain text", content_type="image/png")},
            "Upload a valid image.",
        ),
    ],
)
def test_bad_settings_show_the_error_and_change_nothing(as_admin, organization, changes, message):
    before = core_state(ignoring_views=True)
    response = as_admin.post(
        url(organization, "staff/settings/"), settings_form(organization, **changes)
    )
    assert response.status_code == 200
    assert message in text_of(response)
    assert core_state(ignoring_views=True) == before


def test_an_invitation_is_sent_from_the_members_page(
    as_admin, organization, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(
            url(organization, "staff/members/"), {"email": "new@example.org", "role": "officer"}
        )
    assert response.status_code == 302
    assert Invitation.objects.get().email == "new@example.org"
    assert len(mailbox.to("new@example.org")) == 1


@pytest.mark.parametrize(
    "data,message",
    [
        ({"email": "not-an-address", "role": "officer"}, "Enter a valid email address."),
        ({"email": "a@example.org", "role": "chief"}, "Select a valid choice."),
        ({"email": "admin@riverside.example", "role": "officer"}, "already a member"),
    ],
)
def test_a_bad_invitation_shows_the_error_and_changes_nothing(
    as_admin, organization, data, message
):
    before = core_state(ignoring_views=True)
    response = as_admin.post(url(organization, "staff/members/"), data)
    assert response.status_code == 200
    assert message in text_of(response)
    assert core_state(ignoring_views=True) == before


def test_a_supervisor_sees_members_but_cannot_invite(organization, member, client_for):
    client = client_for(member("supervisor"))
    assert client.get(url(organization, "staff/members/")).status_code == 200
    before = core_state(ignoring_views=True)
    response = client.post(
        url(organization, "staff/members/"), {"email": "x@example.org", "role": "admin"}
    )
    assert response.status_code == 403
    assert core_state(ignoring_views=True) == before


def test_viewing_the_members_page_is_audited(as_admin, admin, organization):
    as_admin.get(url(organization, "staff/members/"))
    event = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert (event.actor, event.organization) == (admin, organization)


def test_the_last_admin_cannot_be_demoted_through_the_page(as_admin, admin, organization):
    membership = Membership.objects.get(user=admin)
    before = core_state(ignoring_views=True)
    response = as_admin.post(
        url(organization, f"staff/members/{membership.pk}/role/"), {"role": "officer"}, follow=True
    )
    assert response.status_code == 200
    assert "An organisation must keep at least one administrator." in text_of(response)
    assert core_state(ignoring_views=True) == before


def test_the_last_admin_cannot_be_removed_through_the_page(as_admin, admin, organization):
    membership = Membership.objects.get(user=admin)
    before = core_state(ignoring_views=True)
    response = as_admin.post(
        url(organization, f"staff/members/{membership.pk}/remove/"), follow=True
    )
    assert "An organisation must keep at least one administrator." in text_of(response)
    assert core_state(ignoring_views=True) == before


def test_a_membership_of_another_organization_cannot_be_changed(
    as_admin, organization, other_organization
):
    theirs = Membership.objects.get(user=make_member(other_organization, "officer"))
    before = core_state(ignoring_views=True)
    page = f"staff/members/{theirs.pk}/role/"
    assert as_admin.post(url(organization, page), {"role": "admin"}).status_code == 404
    page = f"staff/members/{theirs.pk}/remove/"
    assert as_admin.post(url(organization, page)).status_code == 404
    assert core_state(ignoring_views=True) == before


# The audit log ---------------------------------------------------------------------------


def test_the_audit_log_can_be_filtered_by_action(as_admin, admin, organization):
    audit.record(actor=admin, action=AuditAction.CREATE, organization=organization, summary="made")
    audit.record(actor=admin, action=AuditAction.DELETE, organization=organization, summary="gone")
    response = as_admin.get(url(organization, "staff/audit/"), {"action": "delete"})
    assert [e.summary for e in response.context["page"]] == ["gone"]


def test_the_audit_export_streams_formula_safe_csv(as_admin, admin, organization):
    audit.record(
        actor=admin,
        action=AuditAction.UPDATE,
        organization=organization,
        summary='=HYPERLINK("http://evil.example","click")',
    )
    audit.record(actor=admin, action=AuditAction.UPDATE, organization=organization, summary="+1")
    response = as_admin.get(url(organization, "staff/audit.csv"))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="riverside-audit.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "summary",
        "changes",
        "ip_address",
    ]
    summaries = [row[5] for row in rows[1:] if row[2] != AuditAction.SIGN_IN]
    assert summaries == ["audit log", "'+1", '\'=HYPERLINK("http://evil.example","click")']
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, actor=admin).count() == 1


def test_the_audit_export_holds_only_this_organizations_events(
    as_admin, admin, organization, other_organization
):
    audit.record(
        actor=None, action=AuditAction.CREATE, organization=other_organization, summary="x"
    )
    response = as_admin.get(url(organization, "staff/audit.csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row[2], row[5]) for row in rows[1:]] == [
        (AuditAction.EXPORT, "audit log"),
        (AuditAction.SIGN_IN, ""),  # the admin's own sign-in, recorded in their organisation
    ]


# Query budgets -----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("page,queries", [("", 2), ("areas/", 2)])
def test_public_pages_cost_a_fixed_number_of_queries(
    client, organization, django_assert_num_queries, rows, page, queries
):
    for number in range(rows):
        AreaFactory(organization=organization, slug=f"area-{number}", name=f"Area {number}")
    with django_assert_num_queries(queries):  # organisation, areas
        response = client.get(url(organization, page))
    assert response.status_code == 200
    assert len(response.context["areas"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_the_members_page_costs_a_fixed_number_of_queries(
    as_admin, organization, django_assert_num_queries, rows
):
    for number in range(rows):
        make_member(organization, "officer", mfa=False, email=f"officer{number}@example.org")
        Invitation.objects.create(
            organization=organization,
            email=f"invited{number}@example.org",
            role="officer",
            digest=f"{number:064}",
            expires_at="2999-01-01T00:00:00Z",
        )
    as_admin.get(url(organization, "staff/members/"))  # warm the session
    with django_assert_num_queries(8):
        response = as_admin.get(url(organization, "staff/members/"))
    assert len(response.context["members"]) == rows + 1


@pytest.mark.parametrize("rows", [3, 30])
def test_the_audit_log_page_costs_a_fixed_number_of_queries(
    as_admin, admin, organization, django_assert_num_queries, rows
):
    for number in range(rows):
        actor = UserFactory(email=f"actor{number}@example.org")
        audit.record(actor=actor, action=AuditAction.UPDATE, organization=organization)
    as_admin.get(url(organization, "staff/audit/"))
    with django_assert_num_queries(7):
        response = as_admin.get(url(organization, "staff/audit/"))
    assert len(response.context["page"]) == rows + 1  # and the admin's own sign-in
