"""Every change to organisations, areas, members and invitations: what is written, what is
refused, and that a refusal changes nothing."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.conftest import make_member
from tests.factories import AreaFactory, UserFactory, square
from tests.state import core_state
from trustbridge.core import services
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.models import (
    Area,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    Role,
)

pytestmark = pytest.mark.django_db


BOW_TIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
UNCLOSED = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0.5]]]}
TOO_SHORT = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}
OUT_OF_RANGE = {"type": "Polygon", "coordinates": [[[0, 0], [181, 0], [1, 1], [0, 0]]]}
LATITUDE_OUT_OF_RANGE = {"type": "Polygon", "coordinates": [[[0, 0], [1, -91], [1, 1], [0, 0]]]}
POINT = {"type": "Point", "coordinates": [0, 0]}

BAD_GEOMETRIES = [
    (
        UNCLOSED,
        "Polygon, ring 1: the ring is not closed (its last position must repeat its first).",
    ),
    (BOW_TIE, "The boundary is not a valid shape: Self-intersection[0.5 0.5]"),
    (TOO_SHORT, "Polygon, ring 1: a ring needs at least four positions."),
    (OUT_OF_RANGE, "Polygon, ring 1: [181, 0] is not a longitude/latitude in WGS 84."),
    (LATITUDE_OUT_OF_RANGE, "Polygon, ring 1: [1, -91] is not a longitude/latitude in WGS 84."),
    (POINT, "The boundary must be a GeoJSON Polygon or MultiPolygon."),
    ("{not json", "This is not valid JSON: Expecting property name enclosed in double quotes"),
]
BAD_GEOMETRY_IDS = [
    "unclosed",
    "bow-tie",
    "three-positions",
    "longitude",
    "latitude",
    "wrong-type",
    "not-json",
]


def audit_rows():
    return list(
        AuditEvent.objects.order_by("id").values_list(
            "actor__email", "action", "target_type", "changes"
        )
    )


# Areas -------------------------------------------------------------------------------------


def test_admin_creates_an_area_with_a_slug_from_its_name(admin, organization):
    area = services.create_area(
        actor=admin, organization=organization, name=" Old Mill ", geometry=square(), population=9
    )
    assert (area.organization, area.slug, area.name, area.population) == (
        organization,
        "old-mill",
        "Old Mill",
        9,
    )
    assert area.geometry == square()
    assert audit_rows() == [(admin.email, "create", "core.area", [])]


def test_an_area_geometry_may_be_given_as_json_text(admin, organization):
    area = services.create_area(
        actor=admin, organization=organization, name="Mill", geometry=json.dumps(square())
    )
    assert Area.objects.get(pk=area.pk).geometry == square()


@pytest.mark.parametrize("geometry,message", BAD_GEOMETRIES, ids=BAD_GEOMETRY_IDS)
def test_creating_an_area_with_a_bad_boundary_is_refused_and_writes_nothing(
    admin, organization, geometry, message
):
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.create_area(actor=admin, organization=organization, name="X", geometry=geometry)
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        ErrorCode.INVALID,
        "geometry",
        message,
    )
    assert core_state() == before


@pytest.mark.parametrize("geometry,message", BAD_GEOMETRIES, ids=BAD_GEOMETRY_IDS)
def test_updating_an_area_with_a_bad_boundary_is_refused_and_writes_nothing(
    admin, area, geometry, message
):
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.update_area(actor=admin, area=area, geometry=geometry, name="Renamed")
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        ErrorCode.INVALID,
        "geometry",
        message,
    )
    assert core_state() == before


def test_invalid_fields_of_a_new_area_are_each_named(admin, organization):
    before = core_state()
    with pytest.raises(ServiceErrors) as refused:
        services.create_area(
            actor=admin,
            organization=organization,
            name="",
            slug="not a slug!",
            kind="castle",
            geometry=square(),
        )
    assert sorted(e.field for e in refused.value.errors) == ["kind", "name", "slug"]
    assert {e.code for e in refused.value.errors} == {ErrorCode.INVALID}
    assert core_state() == before


def test_a_duplicate_area_slug_is_refused(admin, organization, area):
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.create_area(
            actor=admin,
            organization=organization,
            name="Another",
            slug="old-mill",
            geometry=square(),
        )
    assert (refused.value.code, refused.value.field) == (ErrorCode.DUPLICATE, "slug")
    assert refused.value.message == "An area with this short name already exists."
    assert core_state() == before


def test_the_same_area_slug_may_be_used_by_another_organization(admin, organization, area):
    other = Organization.objects.create(slug="other", name="Other", kind="police", languages=["en"])
    created = services.create_area(
        actor=None, organization=other, name="Old Mill", geometry=square()
    )
    assert (created.organization, created.slug) == (other, "old-mill")


def test_updating_an_area_records_the_changed_field_names_only(admin, area):
    services.update_area(actor=admin, area=area, name="New Mill", population=12, kind=area.kind)
    area.refresh_from_db()
    assert (area.name, area.population) == ("New Mill", 12)
    assert audit_rows() == [(admin.email, "update", "core.area", ["name", "population"])]


def test_an_update_that_changes_nothing_writes_nothing(admin, area):
    before = core_state()
    services.update_area(actor=admin, area=area, name=area.name, geometry=area.geometry)
    assert core_state() == before


def test_renaming_an_area_to_a_taken_slug_is_refused(admin, organization, area):
    AreaFactory(organization=organization, slug="taken")
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.update_area(actor=admin, area=area, slug="taken")
    assert (refused.value.code, refused.value.field) == (ErrorCode.DUPLICATE, "slug")
    assert core_state() == before


def test_an_area_field_that_may_not_change_is_refused(admin, area, other_organization):
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.update_area(actor=admin, area=area, organization=other_organization)
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID, "organization")
    assert core_state() == before


def test_deleting_an_area_removes_it_and_is_audited(admin, area):
    pk = area.pk
    services.delete_area(actor=admin, area=area)
    assert not Area.objects.filter(pk=pk).exists()
    assert list(AuditEvent.objects.values_list("action", "target_type", "target_id")) == [
        ("delete", "core.area", str(pk))
    ]


# Area import ---------------------------------------------------------------------------


def feature(name=None, geometry=None, **properties):
    if name is not None:
        properties["name"] = name
    return {"type": "Feature", "properties": properties, "geometry": geometry or square()}


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


MIXED_FILE = collection(
    feature("North End", square(-79.40, 43.60), population=1200),
    {"type": "Point", "coordinates": [0, 0]},
    feature(None, square()),
    feature("Bow Tie", BOW_TIE),
    feature("South End", square(-79.38, 43.60)),
    feature("North End", square()),
    feature("Counted", square(), population="many"),
    feature("Negative", square(), population=-1),
    feature("Huge", square(), population=2**40),
    feature("Unclosed", UNCLOSED),
)


def test_an_import_keeps_good_features_and_reports_each_bad_one(admin, organization):
    report = services.import_areas(actor=admin, organization=organization, collection=MIXED_FILE)
    assert report.created == ["north-end", "south-end"]
    assert report.updated == []
    assert [(p.number, p.message) for p in report.problems] == [
        (2, "This is not a GeoJSON Feature."),
        (3, "The feature has no “name” property."),
        (4, "The boundary is not a valid shape: Self-intersection[0.5 0.5]"),
        (6, "Another feature in this file has the same name."),
        (7, "“population” must be a whole number."),
        (8, "“population” must not be negative."),
        (9, "Ensure this value is less than or equal to 2147483647."),
        (
            10,
            "Polygon, ring 1: the ring is not closed (its last position must repeat its first).",
        ),
    ]
    areas = list(Area.objects.order_by("slug").values_list("slug", "name", "population"))
    assert areas == [("north-end", "North End", 1200), ("south-end", "South End", None)]
    assert audit_rows() == [
        (admin.email, "create", "core.area", []),
        (admin.email, "create", "core.area", []),
        (admin.email, "update", "", []),
    ]
    assert AuditEvent.objects.latest("id").summary == (
        "area import: 2 created, 0 updated, 8 refused"
    )


def test_importing_again_updates_the_areas_instead_of_duplicating_them(admin, organization):
    services.import_areas(actor=admin, organization=organization, collection=MIXED_FILE)
    again = collection(
        feature("North End", square(-79.0, 43.0), population=1300), feature("South End")
    )
    report = services.import_areas(actor=admin, organization=organization, collection=again)
    assert (report.created, report.updated, report.problems) == (
        [],
        ["north-end", "south-end"],
        [],
    )
    areas = list(Area.objects.order_by("slug").values_list("slug", "population", "geometry"))
    assert areas == [
        ("north-end", 1300, square(-79.0, 43.0)),
        ("south-end", None, square()),
    ]
    assert audit_rows()[-3:] == [
        (admin.email, "update", "core.area", ["geometry", "population"]),
        (admin.email, "update", "core.area", ["geometry"]),
        (admin.email, "update", "", []),
    ]


def test_importing_the_same_file_twice_changes_nothing_the_second_time(admin, organization):
    services.import_areas(actor=admin, organization=organization, collection=MIXED_FILE)
    areas_before = list(Area.objects.order_by("pk").values())
    report = services.import_areas(actor=admin, organization=organization, collection=MIXED_FILE)
    assert (report.created, report.updated) == ([], ["north-end", "south-end"])
    assert list(Area.objects.order_by("pk").values()) == areas_before
    assert audit_rows()[3:] == [(admin.email, "update", "", [])]


def test_a_slug_property_decides_which_area_a_feature_updates(admin, organization, area):
    report = services.import_areas(
        actor=admin,
        organization=organization,
        collection=collection(feature("The Old Mill Quarter", slug="old-mill")),
    )
    assert (report.created, report.updated) == ([], ["old-mill"])
    area.refresh_from_db()
    assert area.name == "The Old Mill Quarter"


@pytest.mark.parametrize(
    "text,message",
    [
        (json.dumps(square()), "The file must be a GeoJSON FeatureCollection."),
        (json.dumps(feature("Alone")), "The file must be a GeoJSON FeatureCollection."),
        ("{broken", "The file is not valid JSON."),
        (b"\x89PNG\r\n", "The file is not valid JSON."),
    ],
)
def test_a_file_that_is_not_a_feature_collection_changes_nothing(
    admin, organization, area, text, message
):
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.import_areas(actor=admin, organization=organization, collection=text)
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        ErrorCode.INVALID,
        "file",
        message,
    )
    assert core_state() == before


# Who may do what -----------------------------------------------------------------------

ACTORS = ["admin", "supervisor", "officer", "moderator", "partner", "resident", "other-org admin"]


@pytest.fixture
def actor_named(organization, other_organization):
    def make(name):
        if name == "resident":
            return UserFactory(email="resident@example.org")
        if name == "other-org admin":
            return make_member(other_organization, "admin")
        return make_member(organization, name)

    return make


@pytest.fixture
def world(organization, area):
    """A second admin, an officer and a pending invitation to act upon."""
    make_member(organization, "admin", email="first-admin@riverside.example")
    officer = make_member(organization, "officer", email="constable@riverside.example")
    invitation, _secret = services.invite(
        actor=Membership.objects.get(user__email="first-admin@riverside.example").user,
        organization=organization,
        email="newcomer@example.org",
        role="officer",
    )
    return {
        "organization": organization,
        "area": area,
        "officer_membership": Membership.objects.get(user=officer),
        "invitation": invitation,
    }


ACTIONS = {
    "create_area": (
        {"admin", "supervisor"},
        lambda actor, w: services.create_area(
            actor=actor, organization=w["organization"], name="New", geometry=square()
        ),
    ),
    "update_area": (
        {"admin", "supervisor"},
        lambda actor, w: services.update_area(actor=actor, area=w["area"], name="Renamed"),
    ),
    "delete_area": (
        {"admin", "supervisor"},
        lambda actor, w: services.delete_area(actor=actor, area=w["area"]),
    ),
    "import_areas": (
        {"admin", "supervisor"},
        lambda actor, w: services.import_areas(
            actor=actor, organization=w["organization"], collection=collection(feature("New"))
        ),
    ),
    "update_organization": (
        {"admin"},
        lambda actor, w: services.update_organization(
            actor=actor, organization=w["organization"], name="Renamed"
        ),
    ),
    "invite": (
        {"admin"},
        lambda actor, w: services.invite(
            actor=actor, organization=w["organization"], email="x@example.org", role="officer"
        ),
    ),
    "revoke_invitation": (
        {"admin"},
        lambda actor, w: services.revoke_invitation(actor=actor, invitation=w["invitation"]),
    ),
    "change_role": (
        {"admin"},
        lambda actor, w: services.change_role(
            actor=actor, membership=w["officer_membership"], role="supervisor"
        ),
    ),
    "remove_member": (
        {"admin"},
        lambda actor, w: services.remove_member(actor=actor, membership=w["officer_membership"]),
    ),
    "create_organization": (
        set(),
        lambda actor, w: services.create_organization(
            actor=actor, slug="new-org", name="New", kind="police"
        ),
    ),
    "add_member": (
        set(),
        lambda actor, w: services.add_member(
            actor=actor,
            organization=w["organization"],
            user=UserFactory(email="added@example.org"),
            role="admin",
        ),
    ),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("actor_name", ACTORS)
def test_each_action_is_allowed_only_to_its_roles(actor_named, world, action, actor_name):
    allowed, perform = ACTIONS[action]
    actor = actor_named(actor_name)
    before = core_state()
    if actor_name in allowed:
        perform(actor, world)
        assert core_state()["audit"] > before["audit"]
    else:
        with pytest.raises(PermissionDenied):
            perform(actor, world)
        assert core_state() == before


def test_a_superuser_may_create_organizations_and_add_members(organization):
    operator = UserFactory(email="operator@example.org", is_superuser=True)
    created = services.create_organization(actor=operator, slug="n", name="N", kind="transit")
    person = UserFactory(email="chief@example.org")
    membership = services.add_member(
        actor=operator, organization=created, user=person, role="admin"
    )
    assert (created.languages, membership.role) == (["en"], "admin")


def test_a_duplicate_organization_slug_is_refused(organization):
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.create_organization(actor=None, slug=organization.slug, name="X", kind="police")
    assert (refused.value.code, refused.value.field) == (ErrorCode.DUPLICATE, "slug")
    assert core_state() == before


# Organisation settings -----------------------------------------------------------------


def test_admin_changes_organization_settings_and_only_field_names_are_audited(admin, organization):
    services.update_organization(
        actor=admin,
        organization=organization,
        name="Riverside Police Service",
        timezone="Europe/Paris",
        contact_email="desk@riverside.example",
    )
    organization.refresh_from_db()
    assert (organization.name, organization.timezone, organization.contact_email) == (
        "Riverside Police Service",
        "Europe/Paris",
        "desk@riverside.example",
    )
    event = AuditEvent.objects.get()
    assert event.changes == ["contact_email", "name", "timezone"]
    assert "desk@riverside.example" not in json.dumps([event.summary, event.changes])


def test_an_organization_field_that_may_not_change_is_refused(admin, organization):
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.update_organization(actor=admin, organization=organization, slug="taken-over")
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID, "slug")
    assert core_state() == before


def test_bad_settings_are_refused_each_with_its_field_and_the_object_is_left_as_it_was(
    admin, organization
):
    before = core_state()
    with pytest.raises(ServiceErrors) as refused:
        services.update_organization(
            actor=admin,
            organization=organization,
            timezone="Mars/Olympus",
            languages=["en", "xx"],
            brand_colour="red",
        )
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("timezone", "“Mars/Olympus” is not a known time zone."),
        ("languages", "Choose one or more of the supported languages: en, es, fr."),
        ("brand_colour", "Enter a colour as #RRGGBB."),
    ]
    assert core_state() == before
    assert (organization.timezone, organization.languages, organization.brand_colour) == (
        "America/Toronto",
        ["en", "fr", "es"],
        "#1d4e89",
    )


@pytest.mark.parametrize("languages", [[], "en", ["en", 1]])
def test_languages_must_be_a_list_of_supported_codes(admin, organization, languages):
    with pytest.raises(ServiceErrors) as refused:
        services.update_organization(actor=admin, organization=organization, languages=languages)
    assert [e.field for e in refused.value.errors] == ["languages"]


def jpeg_with_gps():
    image = Image.new("RGB", (800, 400), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (43.0, 39.0, 12.0)
    gps[3] = "W"
    gps[4] = (79.0, 23.0, 1.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_a_logo_is_stored_without_its_exif_and_gps_data(admin, organization):
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(0x8825)[1] == "N"  # the upload did carry GPS
    upload = SimpleUploadedFile("badge photo.jpeg", original, content_type="image/jpeg")
    services.update_organization(actor=admin, organization=organization, logo=upload)
    organization.refresh_from_db()
    assert organization.logo.name == "logos/badge_photo.jpg"
    with organization.logo.open("rb") as stored, Image.open(stored) as saved:
        assert saved.format == "JPEG"
        assert saved.size == (512, 256)
        assert dict(saved.getexif()) == {}
        assert "exif" not in saved.info
    assert AuditEvent.objects.get().changes == ["logo"]


def test_a_text_file_named_like_a_png_is_not_accepted_as_a_logo(admin, organization):
    before = core_state()
    upload = SimpleUploadedFile("logo.png", b"just some text\n", content_type="image/png")
    with pytest.raises(ServiceError) as refused:
        services.update_organization(actor=admin, organization=organization, logo=upload)
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        ErrorCode.INVALID,
        "logo",
        "This file is not an image we can read.",
    )
    assert core_state() == before


# Invitations -------------------------------------------------------------------------


def test_an_invitation_is_mailed_with_a_link_holding_its_secret(
    admin, organization, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, secret = services.invite(
            actor=admin, organization=organization, email=" New.Person@Example.org ", role="officer"
        )
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "new.person@example.org",
        "officer",
        admin,
    )
    assert invitation.digest != secret
    assert secret not in json.dumps(list(Invitation.objects.values_list("digest", "email")))
    [message] = mailbox.to("new.person@example.org")
    assert f"/invitations/{secret}/" in mailbox.text_of(message)
    assert audit_rows() == [(admin.email, "create", "core.invitation", [])]


def test_an_invitation_with_an_unknown_role_is_refused(admin, organization):
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.invite(actor=admin, organization=organization, email="a@example.org", role="chief")
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID, "role")
    assert core_state() == before


def test_an_invitation_with_a_bad_address_is_refused(admin, organization):
    before = core_state()
    with pytest.raises(ServiceErrors) as refused:
        services.invite(
            actor=admin, organization=organization, email="not-an-address", role="officer"
        )
    assert [(e.code, e.field) for e in refused.value.errors] == [(ErrorCode.INVALID, "email")]
    assert core_state() == before


def test_inviting_someone_who_is_already_a_member_is_refused(admin, organization, member):
    member("officer", email="constable@riverside.example")
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.invite(
            actor=admin,
            organization=organization,
            email="Constable@Riverside.example",
            role="admin",
        )
    assert (refused.value.code, refused.value.field) == (ErrorCode.DUPLICATE, "email")
    assert core_state() == before


@pytest.fixture
def invitation(admin, organization):
    return services.invite(
        actor=admin, organization=organization, email="newcomer@example.org", role="supervisor"
    )


def test_the_invited_person_accepts_and_becomes_a_member(invitation, organization):
    pending, secret = invitation
    newcomer = UserFactory(email="Newcomer@Example.org")
    membership = services.accept_invitation(actor=newcomer, secret=secret)
    assert (membership.organization, membership.user, membership.role) == (
        organization,
        newcomer,
        Role.SUPERVISOR,
    )
    pending.refresh_from_db()
    assert pending.accepted_at is not None
    assert audit_rows()[-1] == ("Newcomer@Example.org", "create", "core.membership", [])


def accept_refused(actor, secret):
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.accept_invitation(actor=actor, secret=secret)
    assert refused.value.field is None
    assert core_state() == before
    return refused.value.code


def test_an_invitation_cannot_be_accepted_by_another_account(invitation):
    _pending, secret = invitation
    assert accept_refused(UserFactory(email="someone@example.org"), secret) == (
        ErrorCode.WRONG_ACCOUNT
    )


def test_an_expired_invitation_cannot_be_accepted(invitation):
    pending, secret = invitation
    Invitation.objects.filter(pk=pending.pk).update(expires_at=timezone.now() - timedelta(1))
    assert accept_refused(UserFactory(email="newcomer@example.org"), secret) == ErrorCode.EXPIRED


def test_a_revoked_invitation_cannot_be_accepted(admin, invitation):
    pending, secret = invitation
    services.revoke_invitation(actor=admin, invitation=pending)
    assert accept_refused(UserFactory(email="newcomer@example.org"), secret) == ErrorCode.REVOKED


def test_an_invitation_cannot_be_used_twice(invitation):
    _pending, secret = invitation
    newcomer = UserFactory(email="newcomer@example.org")
    services.accept_invitation(actor=newcomer, secret=secret)
    assert accept_refused(newcomer, secret) == ErrorCode.ALREADY_USED


@pytest.mark.parametrize("tamper", [lambda s: s[:-1], lambda s: s + "x", lambda s: s.upper(), str])
def test_a_tampered_invitation_link_finds_nothing(invitation, tamper):
    _pending, secret = invitation
    tampered = tamper(secret) if tamper is not str else ""
    assert accept_refused(UserFactory(email="newcomer@example.org"), tampered) == (
        ErrorCode.NOT_FOUND
    )


def test_revoking_an_invitation_is_audited_once(admin, invitation):
    pending, _secret = invitation
    services.revoke_invitation(actor=admin, invitation=pending)
    services.revoke_invitation(actor=admin, invitation=pending)
    assert Invitation.objects.get().revoked_at is not None
    assert audit_rows()[1:] == [(admin.email, "update", "core.invitation", ["revoked_at"])]


def test_accepting_an_invitation_cannot_demote_the_last_admin(admin, organization):
    _pending, secret = services.invite(
        actor=admin,
        organization=organization,
        email="later@riverside.example",
        role="officer",
    )
    # the invited person became the only admin by other means before accepting
    later = make_member(organization, "admin", email="later@riverside.example")
    Membership.objects.filter(user=admin).delete()
    assert accept_refused(later, secret) == ErrorCode.LAST_ADMIN


# Roles and removal -----------------------------------------------------------------------


def test_the_last_admin_cannot_be_demoted(admin, organization):
    membership = Membership.objects.get(user=admin)
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.change_role(actor=admin, membership=membership, role="officer")
    assert (refused.value.code, refused.value.field) == (ErrorCode.LAST_ADMIN, "role")
    assert core_state() == before


def test_the_last_admin_cannot_be_removed(admin, organization):
    membership = Membership.objects.get(user=admin)
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.remove_member(actor=admin, membership=membership)
    assert refused.value.code == ErrorCode.LAST_ADMIN
    assert core_state() == before


def test_an_admin_may_step_down_when_another_admin_remains(admin, member):
    member("admin", email="second@riverside.example")
    membership = Membership.objects.get(user=admin)
    services.change_role(actor=admin, membership=membership, role="officer")
    assert Membership.objects.get(user=admin).role == "officer"
    assert audit_rows()[-1] == (admin.email, "update", "core.membership", ["role"])


def test_changing_to_an_unknown_role_is_refused(admin, member):
    officer = Membership.objects.get(user=member("officer"))
    before = core_state()
    with pytest.raises(ServiceError) as refused:
        services.change_role(actor=admin, membership=officer, role="chief")
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID, "role")
    assert core_state() == before


def test_removing_a_member_deletes_the_membership_and_is_audited(admin, member):
    officer = Membership.objects.get(user=member("officer"))
    pk = officer.pk
    services.remove_member(actor=admin, membership=officer)
    assert not Membership.objects.filter(pk=pk).exists()
    assert audit_rows()[-1] == (admin.email, "delete", "core.membership", [])


def test_removing_a_member_revokes_their_api_tokens_in_that_organisation(
    organization, other_organization, member
):
    from trustbridge.accounts.models import ApiToken
    from trustbridge.accounts.services import create_api_token

    admin = member("admin")
    officer = member("officer", email="leaver@example.org")
    Membership.objects.create(organization=other_organization, user=officer, role="officer")
    here, _ = create_api_token(actor=officer, organization=organization, name="here", scope="read")
    there, _ = create_api_token(
        actor=officer, organization=other_organization, name="there", scope="read"
    )
    membership = Membership.objects.get(organization=organization, user=officer)

    services.remove_member(actor=admin, membership=membership)

    assert ApiToken.objects.get(pk=here.pk).revoked_at is not None
    assert ApiToken.objects.get(pk=there.pk).revoked_at is None
