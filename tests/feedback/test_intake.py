"""Feedback coming in (feedback.intake): checked whole, stored whole, never half-stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone

from tests.factories import AreaFactory, OrganizationFactory
from tests.feedback.conftest_resident import (
    HARBOUR_POINT,
    OLD_MILL_POINT,
    OUTSIDE_POINT,
    SENDER,
    concern,
    executable_named_jpg,
    jpeg_with_gps,
    png,
    submit,
    two_areas,
)
from trustbridge.core.context import client_ip
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.models import AuditEvent, Organization
from trustbridge.feedback import abuse, clock, intake, intake_sql
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import (
    Category,
    Event,
    EventKind,
    FeedbackSettings,
    Item,
    Moderation,
    Photo,
    Source,
    Status,
)
from trustbridge.feedback.resident_tasks import seal, unseal
from trustbridge.feedback.targets import Calendar, record_transition

REFERENCE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTWXYZ]{4}$")


def refused_fields(excinfo) -> dict[str, str]:
    error = excinfo.value
    errors = error.errors if isinstance(error, ServiceErrors) else [error]
    return {e.field: e.message for e in errors}


# Submitting --------------------------------------------------------------------------------------


def test_a_concern_is_stored_with_a_tracking_code_its_clocks_and_a_public_received_event(
    organization,
):
    before = timezone.now()

    submitted = submit(organization, description="  The light is out.\r\nAgain.  ")

    item = Item.objects.get()
    assert submitted.item == item
    assert REFERENCE.match(item.reference)
    assert (item.kind, item.category.code, item.description) == (
        "concern",
        "safety",
        "The light is out.\nAgain.",
    )
    assert (item.status, item.source, item.language, item.moderation) == (
        Status.NEW,
        Source.WEB,
        "en",
        Moderation.NOT_ASKED,
    )
    assert before <= item.submitted_at <= timezone.now()
    assert item.acknowledge_due is not None and item.resolve_due > item.acknowledge_due
    assert item.next_due == item.acknowledge_due
    assert item.fingerprint == abuse.fingerprint("The light is out. Again.")
    assert item.sender_digest == abuse.sender_digest(SENDER)
    [event] = Event.objects.filter(item=item)
    assert (event.kind, event.status, event.public, event.at) == (
        EventKind.SUBMITTED,
        Status.NEW,
        True,
        item.submitted_at,
    )


def test_the_private_link_secret_is_kept_only_as_its_digest(organization):
    submitted = submit(organization)

    item = Item.objects.get()
    assert len(submitted.secret) >= 32
    assert item.secret_digest == hashlib.sha256(submitted.secret.encode()).hexdigest()
    stored = [str(v) for v in Item.objects.values_list().get()]
    assert not [v for v in stored if submitted.secret in v]
    assert submitted.tracking_path == (
        f"/o/riverside/feedback/track/{item.reference}/{submitted.secret}/"
    )


def test_the_first_submission_writes_the_default_categories_and_settings(organization):
    assert Category.objects.filter(organization=organization).count() == 0

    submit(organization)

    assert Category.objects.filter(organization=organization).count() == 7
    assert FeedbackSettings.objects.filter(organization=organization).count() == 1


def test_tracking_codes_are_unique(organization):
    references = {
        submit(
            organization, description=f"Street light number {n} is out.", sender=""
        ).item.reference
        for n in range(40)
    }
    assert len(references) == 40


def test_asking_to_be_public_waits_for_a_moderator(organization):
    submit(organization, wants_public=True)

    item = Item.objects.get()
    assert (item.wants_public, item.moderation, item.public_text) == (
        True,
        Moderation.PENDING,
        "",
    )


def test_a_signed_in_resident_is_recorded_as_the_submitter(organization, resident):
    submit(organization, actor=resident, contact_name="Pat Doe")

    item = Item.objects.get()
    assert (item.submitter, item.contact_name) == (resident, "Pat Doe")


def test_an_anonymous_resident_keeps_only_their_email_and_no_link_to_their_account(
    organization, resident
):
    submit(
        organization,
        actor=resident,
        anonymous=True,
        contact_name="Pat Doe",
        contact_email="pat@example.org",
        contact_phone="416 555 0199",
    )

    item = Item.objects.get()
    assert (item.anonymous, item.submitter, item.contact_name, item.contact_phone) == (
        True,
        None,
        "",
        "",
    )
    assert item.contact_email == "pat@example.org"
    assert Event.objects.get().actor is None


def test_anonymity_is_refused_where_the_organisation_does_not_offer_it(organization):
    ensure_feedback_setup(organization)
    FeedbackSettings.objects.filter(organization=organization).update(allow_anonymous=False)

    with pytest.raises(ServiceErrors) as refused:
        submit(organization, anonymous=True)

    assert list(refused_fields(refused)) == ["anonymous"]
    assert Item.objects.count() == 0


def test_the_audit_log_never_holds_the_residents_address(organization):
    reset = client_ip.set("203.0.113.99")
    try:
        submitted = submit(organization)
    finally:
        client_ip.reset(reset)

    event = AuditEvent.objects.get(target_type="feedback.item")
    assert (event.target_id, event.ip_address, event.actor) == (
        str(submitted.item.pk),
        None,
        None,
    )
    assert event.summary == "feedback received (web)"


def test_nul_characters_are_removed_so_every_database_accepts_the_text(organization):
    submit(organization, description="Broken\x00 glass", address="Main\x00 St")

    item = Item.objects.get()
    assert (item.description, item.address) == ("Broken glass", "Main St")


def test_html_and_script_are_kept_as_the_text_the_resident_wrote(organization):
    text = '<script>alert("x")</script><b>bold</b>'
    submit(organization, description=text)

    assert Item.objects.get().description == text


@pytest.mark.parametrize(
    "language,stored", [("fr", "fr"), ("es-MX", "es"), ("xx", "en"), ("", "en")]
)
def test_the_item_keeps_a_supported_language_of_the_resident(organization, language, stored):
    submit(organization, language=language)

    assert Item.objects.get().language == stored


# Refused input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    ["", "   \n  ", "x" * 4001, "y" * 1_000_000],
    ids=["empty", "blank", "4001-characters", "1-MB"],
)
def test_an_empty_or_oversized_description_is_refused_and_nothing_is_stored(
    organization, description
):
    with pytest.raises(ServiceErrors) as refused:
        submit(organization, description=description)

    assert list(refused_fields(refused)) == ["description"]
    assert (Item.objects.count(), Event.objects.count(), AuditEvent.objects.count()) == (0, 0, 0)


def test_a_description_of_exactly_4000_characters_is_accepted(organization):
    submit(organization, description="z" * 4000)

    assert len(Item.objects.get().description) == 4000


def test_every_refused_field_is_named_at_once(organization):
    with pytest.raises(ServiceErrors) as refused:
        submit(
            organization,
            kind="rant",
            category="made-up",
            description="",
            area="atlantis",
            address="a" * 256,
            contact_name="n" * 121,
            contact_email="not-an-address",
            contact_phone="call me maybe",
        )

    assert sorted(refused_fields(refused)) == [
        "address",
        "area",
        "category",
        "contact_email",
        "contact_name",
        "contact_phone",
        "description",
        "kind",
    ]
    assert Item.objects.count() == 0


@pytest.mark.parametrize("code", ["made-up", "traffic"], ids=["unknown", "inactive"])
def test_an_unknown_or_inactive_category_is_refused(organization, code):
    ensure_feedback_setup(organization)
    Category.objects.filter(organization=organization, code="traffic").update(active=False)

    with pytest.raises(ServiceErrors) as refused:
        submit(organization, category=code)

    assert refused_fields(refused) == {"category": "Choose a category from the list."}


def test_another_organisations_category_is_unknown_here(organization, other_organization):
    ensure_feedback_setup(other_organization)
    Category.objects.create(
        organization=other_organization,
        code="graffiti",
        name="Graffiti",
        acknowledge_hours=8,
        resolve_hours=40,
    )

    with pytest.raises(ServiceErrors) as refused:
        submit(organization, category="graffiti")

    assert list(refused_fields(refused)) == ["category"]


@pytest.mark.parametrize(
    "kind,category,accepted",
    [
        ("concern", "nuisance", True),
        ("question", "traffic", True),  # a category for any kind serves questions too
        ("question", "question", True),
        ("compliment", "compliment", True),
        ("conduct", "conduct", True),
        ("concern", "compliment", False),  # made for another kind
        ("compliment", "question", False),
        ("conduct", "safety", False),  # conduct complaints go to the restricted queue only
        ("concern", "conduct", False),
    ],
)
def test_a_category_serves_only_the_kinds_it_is_made_for(organization, kind, category, accepted):
    if accepted:
        submit(organization, kind=kind, category=category)
        assert Item.objects.get().category.code == category
    else:
        with pytest.raises(ServiceErrors) as refused:
            submit(organization, kind=kind, category=category)
        assert refused_fields(refused) == {
            "category": "This category is not for this kind of feedback. Choose another."
        }


@pytest.mark.parametrize(
    "kind,category",
    [
        ("compliment", "compliment"),
        ("question", "question"),
        ("suggestion", "suggestion"),
        ("conduct", "conduct"),
        ("concern", None),  # three general categories fit, none is made for concerns
    ],
)
def test_a_kind_with_a_category_of_its_own_needs_no_category(organization, kind, category):
    if category is None:
        with pytest.raises(ServiceErrors) as refused:
            submit(organization, kind=kind, category="")
        assert refused_fields(refused) == {"category": "Choose a category."}
    else:
        submit(organization, kind=kind, category="")
        assert Item.objects.get().category.code == category


# Places ------------------------------------------------------------------------------------------


def test_a_chosen_area_is_kept(organization):
    harbour, _old_mill = two_areas(organization)

    submit(organization, area="harbour", address="12 Quay Street")

    item = Item.objects.get()
    assert (item.area, item.address, item.latitude) == (harbour, "12 Quay Street", None)


def test_a_point_gives_the_item_the_area_it_lies_in(organization):
    _harbour, old_mill = two_areas(organization)

    submit(organization, **OLD_MILL_POINT)

    item = Item.objects.get()
    assert (item.area, item.latitude, item.longitude) == (old_mill, 43.605, -79.375)


def test_a_point_outside_every_area_is_refused(organization):
    two_areas(organization)

    with pytest.raises(ServiceErrors) as refused:
        submit(organization, **OUTSIDE_POINT)

    assert refused_fields(refused) == {
        "latitude": (
            "This point is outside every area we serve. Choose an area or type an address instead."
        )
    }
    assert Item.objects.count() == 0


def test_a_point_in_another_area_than_the_one_chosen_is_refused(organization):
    two_areas(organization)

    with pytest.raises(ServiceErrors) as refused:
        submit(organization, area="old-mill", **HARBOUR_POINT)

    assert refused_fields(refused) == {
        "area": "The point you gave is in Harbour, not in the area you chose."
    }


@pytest.mark.parametrize(
    "point,field",
    [
        ({"latitude": 43.6}, "longitude"),
        ({"longitude": -79.39}, "latitude"),
        ({"latitude": 91, "longitude": -79.39}, "latitude"),
        ({"latitude": 43.6, "longitude": -181}, "longitude"),
        ({"latitude": float("nan"), "longitude": -79.39}, "latitude"),
        ({"latitude": "north", "longitude": -79.39}, "latitude"),
    ],
)
def test_half_a_point_or_one_off_the_globe_is_refused(organization, point, field):
    two_areas(organization)

    with pytest.raises(ServiceErrors) as refused:
        submit(organization, **point)

    assert list(refused_fields(refused)) == [field]


def test_another_organisations_area_is_unknown_here(organization, other_organization):
    two_areas(other_organization)

    with pytest.raises(ServiceErrors) as refused:
        submit(organization, area="harbour")

    assert refused_fields(refused) == {"area": "Choose an area from the list."}


# Photos ------------------------------------------------------------------------------------------


def test_photos_are_re_encoded_without_their_metadata_under_a_random_name(organization):
    submitted = intake.submit_item(
        actor=None,
        organization=organization,
        submission=concern(),
        photos=[jpeg_with_gps(), png()],
        sender=SENDER,
    )

    photos = list(Photo.objects.filter(item=submitted.item).order_by("pk"))
    assert [(p.width, p.height, p.organization) for p in photos] == [
        (40, 30, organization),
        (20, 20, organization),
    ]
    with photos[0].image.open("rb") as stored:
        content = stored.read()
    assert content.startswith(b"\xff\xd8") and b"SpyCam" not in content
    assert "john" not in photos[0].image.name
    assert photos[0].image.name.endswith(".jpg") and photos[1].image.name.endswith(".png")


def test_an_executable_named_like_a_photo_is_refused_and_nothing_is_stored(organization):
    with pytest.raises(ServiceErrors) as refused:
        intake.submit_item(
            actor=None,
            organization=organization,
            submission=concern(),
            photos=[png(), executable_named_jpg()],
            sender=SENDER,
        )

    assert refused_fields(refused) == {"photos": "This file is not an image we can read."}
    assert (Item.objects.count(), Photo.objects.count()) == (0, 0)


def test_a_photo_over_10_mb_is_refused(organization):
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"\x00" * (10 * 1024 * 1024), "image/jpeg")

    with pytest.raises(ServiceErrors) as refused:
        intake.submit_item(
            actor=None, organization=organization, submission=concern(), photos=[big]
        )

    assert refused_fields(refused) == {"photos": "The image is larger than 10 MB."}


def test_more_than_three_photos_are_refused(organization):
    with pytest.raises(ServiceErrors) as refused:
        intake.submit_item(
            actor=None,
            organization=organization,
            submission=concern(),
            photos=[png(), png(), png(), png()],
        )

    assert refused_fields(refused) == {"photos": "Attach 3 photos at most."}
    assert Photo.objects.count() == 0


# Repeats and floods ------------------------------------------------------------------------------


def test_the_same_sender_sending_the_same_text_again_is_told_the_earlier_tracking_code(
    organization,
):
    first = submit(organization, description="The light at the bus stop is out.")

    with pytest.raises(abuse.DuplicateSubmission) as repeated:
        submit(organization, description="the light at the bus stop is OUT!!")

    assert repeated.value.earlier == first.item
    assert repeated.value.code == ErrorCode.DUPLICATE
    assert first.item.reference in repeated.value.message
    assert Item.objects.count() == 1


def test_the_same_text_from_someone_else_is_stored_with_the_same_fingerprint(organization):
    first = submit(organization, sender="addr:203.0.113.5 device:aaaaaaaaaaaaaaaaaaaa")
    second = submit(organization, sender="addr:203.0.113.5 device:bbbbbbbbbbbbbbbbbbbb")

    assert first.item.fingerprint == second.item.fingerprint != ""
    assert first.item.sender_digest != second.item.sender_digest


def test_the_same_text_a_day_later_is_stored(organization):
    first = submit(organization)
    Item.objects.filter(pk=first.item.pk).update(
        submitted_at=timezone.now() - dt.timedelta(hours=25)
    )

    submit(organization)

    assert Item.objects.count() == 2


def test_a_flood_from_one_address_is_stopped_after_five_and_none_accepted_is_lost(organization):
    accepted = [
        submit(organization, description=f"Flood message number {n}", sender="addr:203.0.113.5")
        for n in range(5)
    ]

    with pytest.raises(abuse.TooManySubmissions):
        submit(organization, description="Flood message number 6", sender="addr:203.0.113.5")

    assert sorted(Item.objects.values_list("reference", flat=True)) == sorted(
        s.item.reference for s in accepted
    )
    submit(organization, description="From elsewhere", sender="addr:192.0.2.1")
    assert Item.objects.count() == 6


def test_refused_submissions_do_not_use_up_the_senders_limit(organization):
    for _ in range(6):
        with pytest.raises(ServiceErrors):
            submit(organization, description="", sender="addr:203.0.113.5")

    for n in range(5):
        submit(organization, description=f"Valid number {n}", sender="addr:203.0.113.5")
    assert Item.objects.count() == 5


def test_open311_clients_are_not_limited_per_sender_here(organization):
    for n in range(7):
        submit(
            organization,
            description=f"Relayed number {n}",
            source=Source.OPEN311,
            sender="open311-key:1 addr:203.0.113.5",
        )

    assert Item.objects.count() == 7


# Receipt -----------------------------------------------------------------------------------------


def test_a_resident_with_an_address_receives_the_receipt_with_the_private_link(
    organization, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted = submit(organization, contact_email="pat@example.org", language="fr")

    [receipt] = mailbox.to("pat@example.org")
    link = "http://127.0.0.1:8000" + submitted.tracking_path
    assert submitted.item.reference in receipt["Subject"]
    assert link in mailbox.text_of(receipt)
    assert f'href="{link}"' in mailbox.html_of(receipt)
    assert '<html lang="fr">' in mailbox.html_of(receipt)


def test_an_anonymous_resident_is_reminded_that_staff_do_not_see_their_address(
    organization, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(organization, contact_email="pat@example.org", anonymous=True)

    [receipt] = mailbox.to("pat@example.org")
    assert "our staff do not see your name" in mailbox.text_of(receipt)


def test_no_receipt_is_sent_without_an_address(
    organization, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submit(organization)

    assert (callbacks, mailbox.messages) == ([], [])


def test_the_secret_travels_to_the_mail_task_sealed():
    sealed = seal("my-tracking-secret")

    assert "my-tracking-secret" not in sealed
    assert unseal(sealed) == "my-tracking-secret"


# Messages from the resident ----------------------------------------------------------------------


def waiting(item: Item) -> Item:
    calendar = Calendar.of(item.organization)
    record_transition(item, Status.ACKNOWLEDGED, timezone.now(), calendar)
    record_transition(item, Status.WAITING, timezone.now(), calendar)
    item.save()
    return item


def test_a_message_to_an_item_waiting_for_the_resident_starts_its_clock_again(organization):
    item = waiting(submit(organization).item)
    assert (item.paused_since is not None, item.next_due) == (True, None)

    event = intake.add_resident_message(actor=None, item=item, text="  It is still broken. ")

    item.refresh_from_db()
    assert (item.status, item.paused_since, item.next_due is not None) == (
        Status.IN_PROGRESS,
        None,
        True,
    )
    assert (event.kind, event.text, event.public) == (
        EventKind.RESIDENT,
        "It is still broken.",
        False,
    )
    status = Event.objects.get(item=item, kind=EventKind.STATUS)
    assert (status.status, status.public) == (Status.IN_PROGRESS, True)


def test_a_message_to_an_item_in_progress_leaves_its_status(organization):
    item = submit(organization).item

    intake.add_resident_message(actor=None, item=item, text="More details: it flickers.")

    item.refresh_from_db()
    assert item.status == Status.NEW
    assert list(Event.objects.filter(item=item).values_list("kind", flat=True)) == [
        EventKind.SUBMITTED,
        EventKind.RESIDENT,
    ]


@pytest.mark.parametrize("text", ["", "  ", "m" * 4001])
def test_an_empty_or_oversized_message_is_refused(organization, text):
    item = submit(organization).item

    with pytest.raises(ServiceError) as refused:
        intake.add_resident_message(actor=None, item=item, text=text)

    assert refused.value.field == "message"
    assert Event.objects.filter(kind=EventKind.RESIDENT).count() == 0


def test_a_message_to_a_finished_item_is_refused(organization):
    item = submit(organization).item
    record_transition(item, Status.RESOLVED, timezone.now(), Calendar.of(organization))
    item.save()

    with pytest.raises(ServiceError) as refused:
        intake.add_resident_message(actor=None, item=item, text="Thanks!")

    assert refused.value.message == (
        "This item is closed. If something is still wrong, send us new feedback."
    )


def test_messages_are_rate_limited_per_sender(organization, settings):
    settings.TRUSTBRIDGE_FEEDBACK_MESSAGE_LIMITS = [(2, 600)]
    item = submit(organization).item
    for n in range(2):
        intake.add_resident_message(actor=None, item=item, text=f"Note {n}", sender=SENDER)

    with pytest.raises(abuse.TooManySubmissions):
        intake.add_resident_message(actor=None, item=item, text="Note 3", sender=SENDER)
    assert Event.objects.filter(kind=EventKind.RESIDENT).count() == 2


def test_submissions_in_two_organisations_stay_in_their_own(organization):
    elsewhere = OrganizationFactory(slug="far-away")

    submit(organization)
    submit(elsewhere, sender="addr:192.0.2.9")

    assert sorted(
        Item.objects.values_list("organization__slug", "category__organization__slug")
    ) == [
        ("far-away", "far-away"),
        ("riverside", "riverside"),
    ]


def test_a_submission_costs_a_fixed_number_of_queries(organization, django_assert_num_queries):
    submit(organization, description="The first one sets the organisation up.")

    # The same sender's repeat; then, in one transaction (a savepoint here, inside the
    # test's own), the item, its event and the audit row. On PostgreSQL all four are one
    # prepared statement, run through psycopg and so not counted here: the savepoint and
    # its release are. Categories, areas and calendar come from the process's cache while
    # the organisation's configuration is unchanged.
    organization.refresh_from_db()  # as each request reads it: the setup changed it
    submit(organization, description="The second one reads the configuration once more.")
    with django_assert_num_queries(2 if intake_sql.supported() else 6):
        submit(organization, description="The third one costs the usual.")


def test_a_category_and_an_area_added_after_a_submission_are_offered_at_once(organization):
    submit(organization, description="The first one reads the configuration.")
    workflow_category = Category.objects.create(
        organization=organization,
        code="snow",
        name="Snow clearing",
        kind="concern",
        acknowledge_hours=8,
        resolve_hours=40,
    )
    AreaFactory(organization=organization, slug="pier", name="Pier")
    submitted = submit(
        Organization.objects.get(pk=organization.pk),  # as the next request reads it
        description="Snow on the pier path.",
        category="snow",
        area="pier",
    )
    assert submitted.item.category == workflow_category
    assert submitted.item.area.slug == "pier"


def test_a_tracking_code_already_taken_is_drawn_again(organization, monkeypatch):
    first = submit(organization, description="The first one takes a code.")
    draws = iter([first.item.reference, "ZZZZ2222"])
    monkeypatch.setattr(intake, "new_reference", lambda: next(draws))

    second = submit(organization, description="The second one draws that code first.")

    assert second.item.reference == "ZZZZ2222"
    assert Item.objects.filter(reference="ZZZZ2222").count() == 1
    assert Event.objects.filter(item=second.item).count() == 1
    assert AuditEvent.objects.filter(target_id=str(second.item.pk)).count() == 1


def test_when_every_draw_is_taken_nothing_is_stored_and_the_limit_is_given_back(
    organization, monkeypatch
):
    first = submit(organization, description="The first one takes a code.")
    monkeypatch.setattr(intake, "new_reference", lambda: first.item.reference)
    before = (Item.objects.count(), Event.objects.count(), AuditEvent.objects.count())
    released = []
    real_reserve = abuse.reserve

    def reserve(*args, **kwargs):
        reservation = real_reserve(*args, **kwargs)
        real_release = reservation.release
        reservation.release = lambda: (released.append(True), real_release())
        return reservation

    monkeypatch.setattr(abuse, "reserve", reserve)
    with pytest.raises(IntegrityError):
        submit(organization, description="Every code this one draws is taken.")
    assert (Item.objects.count(), Event.objects.count(), AuditEvent.objects.count()) == before
    assert released == [True]


def _rows(item):
    """The rows a submission wrote, without their generated keys and times."""
    skip = {"id", "item_id", "target_id", "at", "updated_at", "reference", "secret_digest"}

    def values(instance):
        return {
            f.attname: getattr(instance, f.attname)
            for f in instance._meta.concrete_fields
            if f.attname not in skip
        }

    [event] = Event.objects.filter(item=item)
    [audited] = AuditEvent.objects.filter(target_type="feedback.item", target_id=str(item.pk))
    return values(Item.objects.get(pk=item.pk)), values(event), values(audited)


@pytest.mark.skipif(not intake_sql.supported(), reason="the one-statement path is PostgreSQL's")
def test_the_one_statement_path_writes_what_the_orm_path_writes(organization, monkeypatch):
    at = timezone.now()
    monkeypatch.setattr(clock, "now", lambda: at)
    one_statement = submit(
        organization, description="A broken light on Main Street.", contact_email="a@x.org"
    )
    monkeypatch.setattr(intake_sql, "supported", lambda: False)
    orm = submit(organization, description="A broken light on Elm Street.", contact_email="b@x.org")

    per_submission = {"description", "fingerprint", "contact_email"}
    for written, expected in zip(_rows(one_statement.item), _rows(orm.item), strict=True):
        assert {k for k in written if written[k] != expected[k]} <= per_submission
    assert Event.objects.get(item=one_statement.item).kind == EventKind.SUBMITTED


@pytest.mark.skipif(not intake_sql.supported(), reason="the one-statement path is PostgreSQL's")
def test_the_one_statement_path_refuses_a_repeat_and_writes_nothing(organization):
    first = submit(organization, description="The same text twice.")
    before = (Item.objects.count(), Event.objects.count(), AuditEvent.objects.count())
    with pytest.raises(abuse.DuplicateSubmission) as refused:
        submit(organization, description="The same text twice.")
    assert first.item.reference in refused.value.message
    assert (Item.objects.count(), Event.objects.count(), AuditEvent.objects.count()) == before
