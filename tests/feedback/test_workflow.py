"""The staff workflow services: status, replies, notes, assignment, merging, bulk actions,
moderation and the configuration of categories, teams, canned replies and the calendar.

A refused action is proven to have changed nothing: the item, its history and the audit log
are compared before and after.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import OrganizationFactory
from tests.feedback import conftest_staff
from tests.feedback.conftest_staff import make_item
from trustbridge.core.errors import ServiceError, ServiceErrors
from trustbridge.core.models import AuditAction, AuditEvent
from trustbridge.feedback import inbox, workflow
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import (
    CannedReply,
    Category,
    CloseReason,
    Event,
    EventKind,
    FeedbackSettings,
    Holiday,
    Item,
    Kind,
    Moderation,
    Status,
    Survey,
    Team,
)
from trustbridge.feedback.targets import Calendar

pytestmark = pytest.mark.django_db

# The staff side's shared fixtures (see conftest_staff.py).
staff, item, complaint = conftest_staff.staff, conftest_staff.item, conftest_staff.complaint

WORKERS = ["admin", "supervisor", "officer", "moderator"]


def state(item):
    """Everything a refused action must leave as it was."""
    row = Item.objects.filter(pk=item.pk).values().get()
    row.pop("updated_at")
    events = list(Event.objects.filter(item=item).values_list("kind", "status", "text", "public"))
    return row, events, AuditEvent.objects.count(), Survey.objects.count()


def kinds(item, public=None):
    events = Event.objects.filter(item=item).order_by("at", "id")
    if public is not None:
        events = events.filter(public=public)
    return list(events.values_list("kind", "status"))


# The status workflow ---------------------------------------------------------------------


def test_an_item_goes_from_new_to_resolved_with_a_public_event_for_each_status(staff, item):
    officer = staff["officer"]

    workflow.change_status(officer, item, Status.ACKNOWLEDGED)
    workflow.change_status(officer, item, Status.IN_PROGRESS)
    workflow.change_status(officer, item, Status.RESOLVED, reason="The light was fixed.")

    item.refresh_from_db()
    assert item.status == Status.RESOLVED
    assert kinds(item, public=True) == [
        ("submitted", "new"),
        ("status", "acknowledged"),
        ("status", "in_progress"),
        ("status", "resolved"),
    ]
    assert Event.objects.filter(item=item, status=Status.RESOLVED).get().text == (
        "The light was fixed."
    )
    assert item.acknowledged_at is not None
    assert item.resolved_at is not None
    assert item.resolve_hours is not None
    assert (item.next_due, item.next_warning) == (None, None)


def test_every_change_of_status_moves_the_clocks(organization, staff):
    # Submitted on a Monday at 09:00 in Toronto; the safety target is 8 business hours to
    # acknowledge, 80 to resolve.
    monday = dt.datetime(2025, 3, 3, 9, 0, tzinfo=Calendar.of(organization).tz)
    item = make_item(organization, submitted_at=monday)
    officer = staff["officer"]
    assert item.next_due == monday.replace(hour=17).astimezone(dt.UTC)

    workflow.change_status(officer, item, Status.WAITING)
    item.refresh_from_db()
    assert item.paused_since is not None
    assert (item.next_due, item.next_warning) == (None, None)  # paused: nothing runs

    workflow.change_status(officer, item, Status.IN_PROGRESS)
    item.refresh_from_db()
    assert item.paused_since is None
    assert item.next_due == item.resolve_due
    assert item.next_due is not None


def test_asking_for_the_status_an_item_already_has_changes_nothing(staff, item):
    workflow.change_status(staff["officer"], item, Status.ACKNOWLEDGED)
    before = state(item)

    workflow.change_status(staff["officer"], item, Status.ACKNOWLEDGED)

    assert state(item) == before


@pytest.mark.parametrize(
    "status,close_reason,reason,field",
    [
        (Status.CLOSED, "", "Not ours.", "close_reason"),
        (Status.CLOSED, CloseReason.REFERRED, "", "reason"),
        (Status.CLOSED, CloseReason.DUPLICATE, "Same as another.", "close_reason"),
        (Status.CLOSED, "lost", "Lost.", "close_reason"),
        ("finished", "", "", "status"),
    ],
)
def test_a_closing_needs_a_close_reason_and_words_for_the_resident(
    staff, item, status, close_reason, reason, field
):
    before = state(item)

    with pytest.raises(ServiceError) as refused:
        workflow.change_status(
            staff["officer"], item, status, reason=reason, close_reason=close_reason
        )

    assert refused.value.field == field
    assert state(item) == before


def test_nothing_goes_back_to_new(staff, item):
    workflow.change_status(staff["officer"], item, Status.IN_PROGRESS)
    before = state(item)
    with pytest.raises(ServiceError) as refused:
        workflow.change_status(staff["officer"], item, Status.NEW)
    assert refused.value.field == "status"
    assert state(item) == before


def test_an_item_is_closed_as_referred_with_its_reason(staff, item):
    workflow.change_status(
        staff["officer"],
        item,
        Status.CLOSED,
        reason="The city's roads department handles street lights.",
        close_reason=CloseReason.REFERRED,
    )
    item.refresh_from_db()
    assert (item.status, item.close_reason) == (Status.CLOSED, CloseReason.REFERRED)
    assert item.resolved_at is not None


def test_a_finished_item_is_reopened_with_a_reason_and_its_clock_runs_again(staff, item):
    officer = staff["officer"]
    workflow.change_status(officer, item, Status.RESOLVED)
    before = state(item)

    with pytest.raises(ServiceError) as refused:
        workflow.change_status(officer, item, Status.IN_PROGRESS)
    assert refused.value.field == "reason"
    assert state(item) == before
    with pytest.raises(ServiceError):  # resolved to closed only through a reopening
        workflow.change_status(
            officer, item, Status.CLOSED, reason="x", close_reason=CloseReason.REFERRED
        )
    assert state(item) == before

    workflow.change_status(officer, item, Status.IN_PROGRESS, reason="The light is out again.")
    item.refresh_from_db()
    assert (item.status, item.resolved_at, item.resolve_hours) == (Status.IN_PROGRESS, None, None)
    assert item.next_due == item.resolve_due


def test_reopening_a_merged_duplicate_unlinks_it(staff, organization, item):
    original = make_item(organization)
    workflow.merge(staff["officer"], item, original)

    workflow.change_status(staff["officer"], item, Status.IN_PROGRESS, reason="Not the same.")

    item.refresh_from_db()
    assert (item.status, item.close_reason, item.duplicate_of) == (Status.IN_PROGRESS, "", None)


def test_resolving_asks_the_resident_the_survey_questions_once(
    staff, item, mailbox, django_capture_on_commit_callbacks
):
    officer = staff["officer"]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.change_status(officer, item, Status.RESOLVED)
    assert Survey.objects.filter(item=item).count() == 1
    subjects = sorted(m["Subject"] for m in mailbox.to("rosa@example.org"))
    assert len(subjects) == 2  # the status update and the survey invitation

    workflow.change_status(officer, item, Status.IN_PROGRESS, reason="Again.")
    workflow.change_status(officer, item, Status.RESOLVED)
    assert Survey.objects.filter(item=item).count() == 1


@pytest.mark.parametrize("role", [*WORKERS, "standards", "partner"])
def test_ordinary_feedback_is_worked_by_admins_supervisors_officers_and_moderators(
    staff, item, role
):
    actor = staff[role]
    if role in WORKERS:
        workflow.change_status(actor, item, Status.ACKNOWLEDGED)
        item.refresh_from_db()
        assert item.status == Status.ACKNOWLEDGED
    else:
        before = state(item)
        with pytest.raises(PermissionDenied):
            workflow.change_status(actor, item, Status.ACKNOWLEDGED)
        assert state(item) == before


def test_staff_of_another_organisation_cannot_touch_an_item(item):
    from tests.conftest import make_member

    outsider = make_member(OrganizationFactory(slug="elsewhere"), "admin")
    before = state(item)
    for action in (
        lambda: workflow.change_status(outsider, item, Status.ACKNOWLEDGED),
        lambda: workflow.reply(outsider, item, "Hello"),
        lambda: workflow.add_note(outsider, item, "Hello"),
        lambda: workflow.assign(outsider, item, user=outsider),
    ):
        with pytest.raises(PermissionDenied):
            action()
    assert state(item) == before


# Replies and notes -----------------------------------------------------------------------


def test_a_reply_is_public_and_e_mailed_to_the_resident(
    staff, item, mailbox, django_capture_on_commit_callbacks
):
    workflow.change_status(staff["officer"], item, Status.ACKNOWLEDGED)
    with django_capture_on_commit_callbacks(execute=True):
        event = workflow.reply(staff["officer"], item, "  We have asked the city to fix it.  ")

    assert (event.kind, event.public, event.text) == (
        "reply",
        True,
        "We have asked the city to fix it.",
    )
    [message] = mailbox.to("rosa@example.org")
    assert message["Subject"] == f"Riverside Police replied about {item.reference}"
    text = mailbox.text_of(message)
    assert "We have asked the city to fix it." in text
    assert f"Your tracking code: {item.reference}" in text
    assert "Officer Person" not in text  # the reply comes from the organisation
    assert "We have asked the city to fix it." in mailbox.html_of(message)


def test_the_update_mail_links_to_the_residents_tracking_page(
    client, staff, item, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(staff["officer"], item, "We have asked the city to fix it.")
    [message] = mailbox.to("rosa@example.org")
    link = re.search(
        r"http://127\.0\.0\.1:8000(/o/riverside/feedback/track/\S+)", mailbox.text_of(message)
    )
    assert link is not None
    assert f'href="http://127.0.0.1:8000{link.group(1)}"' in mailbox.html_of(message).replace(
        "&amp;", "&"
    )

    page = client.get(link.group(1))

    assert page.status_code == 200
    assert "We have asked the city to fix it." in page.content.decode()


def test_a_first_reply_acknowledges_a_new_item_and_sends_one_mail(
    staff, item, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(staff["officer"], item, "Thank you, we are on it.")

    item.refresh_from_db()
    assert item.status == Status.ACKNOWLEDGED
    assert item.acknowledged_at is not None
    assert kinds(item, public=True)[1:] == [("status", "acknowledged"), ("reply", "")]
    [message] = mailbox.to("rosa@example.org")
    assert "Status now: Acknowledged" in mailbox.text_of(message)


def test_an_anonymous_resident_still_receives_replies_by_e_mail(
    organization, staff, mailbox, django_capture_on_commit_callbacks
):
    anonymous = make_item(organization, contact_email="hidden@example.org", anonymous=True)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(staff["officer"], anonymous, "We read you.")
    assert len(mailbox.to("hidden@example.org")) == 1


def test_a_reply_to_a_resident_without_an_address_sends_no_mail(
    organization, staff, mailbox, django_capture_on_commit_callbacks
):
    quiet = make_item(organization)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(staff["officer"], quiet, "We read you.")
    assert mailbox.messages == []
    assert Event.objects.filter(item=quiet, kind=EventKind.REPLY, public=True).count() == 1


def test_html_in_a_reply_is_e_mailed_as_text(
    staff, item, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(staff["officer"], item, "<script>alert(1)</script> & <b>done</b>")
    [message] = mailbox.to("rosa@example.org")
    assert "<script>alert(1)</script> & <b>done</b>" in mailbox.text_of(message)
    html = mailbox.html_of(message)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;done&lt;/b&gt;" in html


def test_a_change_of_status_is_e_mailed_with_its_reason(
    staff, item, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.change_status(
            staff["officer"],
            item,
            Status.CLOSED,
            reason="Street lights are the city's.",
            close_reason=CloseReason.REFERRED,
        )
    [message] = mailbox.to("rosa@example.org")
    assert message["Subject"] == f"{item.reference} is now: Closed"
    text = mailbox.text_of(message)
    assert "Closed as: Referred elsewhere." in text
    assert "Street lights are the city's." in text


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_an_empty_or_too_long_reply_or_note_is_refused_and_nothing_is_written(staff, item, text):
    before = state(item)
    for action in (workflow.reply, workflow.add_note):
        with pytest.raises(ServiceError) as refused:
            action(staff["officer"], item, text)
        assert refused.value.field == "text"
    assert state(item) == before


def test_a_note_is_internal_and_e_mails_nobody(
    staff, item, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note = workflow.add_note(staff["officer"], item, "Her neighbour called too.")
    assert (note.kind, note.public) == ("note", False)
    assert mailbox.messages == []
    item.refresh_from_db()
    assert item.status == Status.NEW


def test_the_audit_log_records_field_names_never_what_was_written(staff, item):
    workflow.reply(staff["officer"], item, "Secret words for Rosa at rosa@example.org")
    workflow.add_note(staff["officer"], item, "Private words")

    rows = list(AuditEvent.objects.filter(target_id=str(item.pk)).values_list("summary", "changes"))
    assert rows == [("feedback note", ["events"]), ("feedback reply", ["events", "status"])]
    dump = str(list(AuditEvent.objects.values()))
    assert "Secret words" not in dump
    assert "rosa@example.org" not in dump
    assert "Private words" not in dump


# Assignment ------------------------------------------------------------------------------


def test_an_item_is_given_to_a_person_and_a_team_and_the_history_says_so(organization, staff, item):
    team = workflow.create_team(staff["supervisor"], organization, name="Night shift")

    workflow.assign(staff["supervisor"], item, user=staff["officer"], team=team)

    item.refresh_from_db()
    assert (item.assignee, item.team) == (staff["officer"], team)
    summaries = [e.summary for e in inbox.history(staff["supervisor"], item)]
    assert summaries[-1] == "Assigned to Officer Person, team Night shift"
    workflow.assign(staff["supervisor"], item)
    assert [e.summary for e in inbox.history(staff["supervisor"], item)][-1] == "Unassigned"


def test_an_item_cannot_go_to_someone_who_may_not_work_it(organization, staff, item, complaint):
    foreign_team = Team.objects.create(organization=OrganizationFactory(slug="other"), name="X")
    before = state(item)
    with pytest.raises(ServiceError) as refused:
        workflow.assign(staff["officer"], item, user=staff["partner"])
    assert refused.value.field == "user"
    with pytest.raises(ServiceError) as refused:
        workflow.assign(staff["officer"], item, team=foreign_team)
    assert refused.value.field == "team"
    assert state(item) == before

    # A complaint about conduct goes to professional standards only.
    with pytest.raises(ServiceError):
        workflow.assign(staff["standards"], complaint, user=staff["officer"])
    workflow.assign(staff["standards"], complaint, user=staff["admin"])
    assert Item.objects.get(pk=complaint.pk).assignee == staff["admin"]


# Merging ---------------------------------------------------------------------------------


def test_merging_closes_the_duplicate_links_it_and_copies_nothing_personal(
    organization, staff, item, mailbox, django_capture_on_commit_callbacks
):
    original = make_item(organization, description="Mill Road light out.")
    original_before = Item.objects.filter(pk=original.pk).values(
        "description", "contact_name", "contact_email", "contact_phone", "status"
    )[0]

    with django_capture_on_commit_callbacks(execute=True):
        workflow.merge(
            staff["officer"], item, original, reason="Another resident told us; we handle it."
        )

    item.refresh_from_db()
    assert (item.status, item.close_reason, item.duplicate_of) == (
        Status.CLOSED,
        CloseReason.DUPLICATE,
        original,
    )
    assert (
        Item.objects.filter(pk=original.pk).values(
            "description", "contact_name", "contact_email", "contact_phone", "status"
        )[0]
        == original_before
    )
    assert [e.summary for e in inbox.history(staff["officer"], original)][-1] == (
        f"{item.reference} was merged into this item"
    )
    [message] = mailbox.to("rosa@example.org")
    assert original.reference not in mailbox.text_of(message)
    assert "Closed as: Duplicate." in mailbox.text_of(message)
    public_texts = Event.objects.filter(item=item, public=True).values_list("text", flat=True)
    assert not any(original.reference in text for text in public_texts)


def test_an_item_cannot_be_merged_into_itself_a_duplicate_or_across_queues(
    organization, staff, item, complaint
):
    first, second = make_item(organization), make_item(organization)
    workflow.merge(staff["admin"], first, second)
    before = state(item)

    for original in (item, first, complaint):
        with pytest.raises(ServiceError) as refused:
            workflow.merge(staff["admin"], item, original)
        assert refused.value.field == "original"
    assert state(item) == before


# Bulk ------------------------------------------------------------------------------------


def test_bulk_assign_gives_every_selected_item(organization, staff):
    items = [make_item(organization) for _ in range(3)]

    changed = workflow.bulk(staff["supervisor"], items, "assign", user=staff["officer"])

    assert changed == 3
    assert set(Item.objects.values_list("assignee", flat=True)) == {staff["officer"].pk}


def test_bulk_close_as_not_actionable_is_all_or_nothing(
    organization, staff, mailbox, django_capture_on_commit_callbacks
):
    items = [make_item(organization, contact_email=f"r{n}@example.org") for n in range(3)]
    workflow.change_status(staff["officer"], items[1], Status.RESOLVED)
    before = [state(i) for i in items]
    mailbox.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ServiceError) as refused:
        workflow.bulk(staff["officer"], items, "not_actionable", reason="Spam.")

    assert refused.value.message.startswith(f"Nothing was changed. {items[1].reference}: ")
    assert [state(i) for i in items] == before
    assert mailbox.messages == []

    with django_capture_on_commit_callbacks(execute=True):
        workflow.bulk(staff["officer"], [items[0], items[2]], "not_actionable", reason="Spam.")
    assert list(Item.objects.order_by("pk").values_list("status", "close_reason")) == [
        ("closed", "not_actionable"),
        ("resolved", ""),
        ("closed", "not_actionable"),
    ]
    assert len(mailbox.messages) == 2


def test_bulk_refuses_everything_when_one_item_is_not_the_actors(organization, staff, complaint):
    items = [make_item(organization), complaint]
    before = [state(i) for i in items]

    with pytest.raises(PermissionDenied):
        workflow.bulk(staff["officer"], items, "status", status=Status.ACKNOWLEDGED)

    assert [state(i) for i in items] == before


def test_bulk_refuses_an_empty_selection_an_unknown_action_and_too_many_items(organization, staff):
    item = make_item(organization)
    with pytest.raises(ServiceError):
        workflow.bulk(staff["officer"], [], "assign")
    with pytest.raises(ServiceError):
        workflow.bulk(staff["officer"], [item], "delete")
    with pytest.raises(ServiceError):
        workflow.bulk(staff["officer"], [item] * (workflow.MAX_BULK + 1), "assign")


# Moderation ------------------------------------------------------------------------------


def test_a_moderator_publishes_words_without_personal_details(organization, staff):
    item = make_item(
        organization,
        description="Call me on 555-010-2030, the light is out.",
        wants_public=True,
    )
    before = state(item)
    with pytest.raises(ServiceError) as refused:
        workflow.moderate(staff["moderator"], item, approve=True, public_text=item.description)
    assert refused.value.field == "public_text"
    assert state(item) == before

    workflow.moderate(
        staff["moderator"],
        item,
        approve=True,
        public_text="Call me on [removed], the light is out.",
    )
    item.refresh_from_db()
    assert (item.moderation, item.public_text) == (
        Moderation.APPROVED,
        "Call me on [removed], the light is out.",
    )
    assert kinds(item)[-1] == ("moderated", "")
    assert Event.objects.filter(item=item, kind=EventKind.MODERATED, public=False).count() == 1

    workflow.moderate(staff["moderator"], item, approve=False)
    item.refresh_from_db()
    assert (item.moderation, item.public_text) == (Moderation.REJECTED, "")


def test_moderation_is_refused_to_officers_for_unasked_items_and_for_conduct(
    organization, staff, item
):
    public = make_item(organization, wants_public=True)
    conduct = make_item(organization, kind=Kind.CONDUCT, wants_public=True)
    with pytest.raises(PermissionDenied):
        workflow.moderate(staff["officer"], public, approve=True, public_text="Fine words.")
    with pytest.raises(ServiceError):
        workflow.moderate(staff["moderator"], item, approve=True, public_text="Fine words.")
    with pytest.raises(ServiceError):
        workflow.moderate(staff["admin"], conduct, approve=True, public_text="Fine words.")
    assert Item.objects.filter(moderation=Moderation.APPROVED).count() == 0


# Configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "moderator", "standards"])
def test_only_admins_and_supervisors_configure_feedback(organization, staff, role):
    actor = staff[role]
    category = Category.objects.filter(organization=organization).first()
    for action in (
        lambda: workflow.create_canned_reply(actor, organization, title="T", text_en="Hi"),
        lambda: workflow.create_category(
            actor, organization, code="x", name="X", acknowledge_hours=1, resolve_hours=2
        ),
        lambda: workflow.update_category(actor, category, acknowledge_hours=1),
        lambda: workflow.create_team(actor, organization, name="T"),
        lambda: workflow.update_calendar(actor, organization, warn_at_share=50),
        lambda: workflow.add_holiday(actor, organization, day=dt.date(2025, 7, 1), name="H"),
    ):
        with pytest.raises(PermissionDenied):
            action()
    assert CannedReply.objects.count() == Team.objects.count() == Holiday.objects.count() == 0


def test_canned_replies_are_kept_in_three_languages_and_read_in_the_items(organization, staff):
    admin = staff["admin"]
    canned = workflow.create_canned_reply(
        admin,
        organization,
        title="Received",
        text_en="Thank you, we received it.",
        text_fr="Merci, nous l'avons reçu.",
    )
    assert inbox.canned_text(canned, "fr") == "Merci, nous l'avons reçu."
    assert inbox.canned_text(canned, "es") == "Thank you, we received it."  # no Spanish yet

    workflow.update_canned_reply(admin, canned, text_es="Gracias, lo recibimos.")
    assert inbox.canned_text(CannedReply.objects.get(), "es") == "Gracias, lo recibimos."
    with pytest.raises(ServiceErrors):
        workflow.update_canned_reply(admin, canned, title="")
    assert CannedReply.objects.get().title == "Received"

    workflow.delete_canned_reply(admin, canned)
    assert CannedReply.objects.count() == 0
    assert list(
        AuditEvent.objects.filter(target_type="feedback.cannedreply").values_list(
            "action", flat=True
        )
    ) == [AuditAction.DELETE, AuditAction.UPDATE, AuditAction.CREATE]


def test_a_category_is_added_with_business_hour_targets_and_new_items_use_them(organization, staff):
    category = workflow.create_category(
        staff["supervisor"],
        organization,
        code=" Graffiti ",
        name="Graffiti",
        acknowledge_hours=4,
        resolve_hours=40,
    )
    assert (category.code, category.active, category.kind) == ("graffiti", True, "")
    monday = dt.datetime(2025, 3, 3, 9, 0, tzinfo=Calendar.of(organization).tz)
    item = make_item(organization, category="graffiti", submitted_at=monday)
    assert item.acknowledge_due == monday.replace(hour=13).astimezone(dt.UTC)


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"code": "safety"}, "code"),
        ({"acknowledge_hours": 10, "resolve_hours": 5}, "resolve_hours"),
        ({"acknowledge_hours": 0}, "acknowledge_hours"),
        ({"name": ""}, "name"),
        ({"kind": "gossip"}, "kind"),
    ],
)
def test_a_category_with_bad_targets_or_a_taken_code_is_refused(
    organization, staff, changes, field
):
    ensure_feedback_setup(organization)
    fields = {"code": "new", "name": "New", "acknowledge_hours": 4, "resolve_hours": 40, **changes}
    count = Category.objects.count()

    with pytest.raises((ServiceError, ServiceErrors)) as refused:
        workflow.create_category(staff["admin"], organization, **fields)

    errors = getattr(refused.value, "errors", [refused.value])
    assert field in [e.field for e in errors]
    assert Category.objects.count() == count


def test_a_categorys_kind_cannot_change_once_items_use_it(organization, staff, item):
    safety = item.category
    with pytest.raises(ServiceError) as refused:
        workflow.update_category(staff["admin"], safety, kind=Kind.QUESTION)
    assert refused.value.field == "kind"
    assert Category.objects.get(pk=safety.pk).kind == ""

    workflow.update_category(staff["admin"], safety, acknowledge_hours=2, active=False)
    safety.refresh_from_db()
    assert (safety.acknowledge_hours, safety.active) == (2, False)


def test_only_a_category_no_item_uses_can_be_removed(organization, staff, item):
    unused = workflow.create_category(
        staff["admin"],
        organization,
        code="graffiti",
        name="Graffiti",
        acknowledge_hours=4,
        resolve_hours=40,
    )
    with pytest.raises(ServiceError) as refused:
        workflow.delete_category(staff["admin"], item.category)
    assert refused.value.field == "active"
    with pytest.raises(PermissionDenied):
        workflow.delete_category(staff["officer"], unused)

    workflow.delete_category(staff["admin"], unused)

    assert not Category.objects.filter(code="graffiti").exists()
    assert Category.objects.filter(pk=item.category_id).exists()


def test_teams_have_staff_members_only_and_unique_names(organization, staff, resident):
    admin = staff["admin"]
    team = workflow.create_team(admin, organization, name="Days", members=[staff["officer"]])
    assert list(team.members.all()) == [staff["officer"]]
    with pytest.raises(ServiceError) as refused:
        workflow.create_team(admin, organization, name="Days")
    assert refused.value.field == "name"
    with pytest.raises(ServiceError) as refused:
        workflow.update_team(admin, team, members=[resident])
    assert refused.value.field == "members"

    workflow.update_team(admin, team, name="Day shift", members=[staff["supervisor"]])
    team.refresh_from_db()
    assert (team.name, list(team.members.all())) == ("Day shift", [staff["supervisor"]])


def test_removing_a_team_keeps_its_items(organization, staff, item):
    team = workflow.create_team(staff["admin"], organization, name="Days")
    workflow.assign(staff["admin"], item, team=team)

    workflow.delete_team(staff["admin"], team)

    item.refresh_from_db()
    assert item.team is None
    assert [e.summary for e in inbox.history(staff["admin"], item)][-1] == (
        "Assigned to a team that was removed"
    )


def test_the_working_calendar_and_holidays_shape_the_targets(organization, staff):
    admin = staff["admin"]
    workflow.update_calendar(
        admin,
        organization,
        work_start=dt.time(8, 0),
        work_end=dt.time(16, 0),
        work_days=[0, 1, 2, 3],
        warn_at_share=50,
    )
    workflow.add_holiday(admin, organization, day=dt.date(2025, 3, 4), name="Town day")
    calendar = Calendar.of(organization)
    assert (calendar.start, calendar.end, calendar.days, calendar.warn_share) == (
        dt.time(8, 0),
        dt.time(16, 0),
        frozenset({0, 1, 2, 3}),
        50,
    )
    assert calendar.holidays == frozenset({dt.date(2025, 3, 4)})
    # Monday 15:00 + 8 hours: 1 on Monday, Tuesday is a holiday, 7 on Wednesday.
    monday = dt.datetime(2025, 3, 3, 15, 0, tzinfo=calendar.tz)
    assert calendar.add_hours(monday, 8) == dt.datetime(2025, 3, 5, 15, 0, tzinfo=calendar.tz)

    with pytest.raises(ServiceError) as refused:
        workflow.add_holiday(admin, organization, day=dt.date(2025, 3, 4), name="Again")
    assert refused.value.field == "day"
    workflow.remove_holiday(admin, Holiday.objects.get())
    assert Holiday.objects.count() == 0


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"work_start": dt.time(17, 0), "work_end": dt.time(9, 0)}, "work_end"),
        ({"work_days": []}, "work_days"),
        ({"work_days": [7]}, "work_days"),
        ({"warn_at_share": 0}, "warn_at_share"),
    ],
)
def test_a_calendar_without_working_time_is_refused(organization, staff, changes, field):
    ensure_feedback_setup(organization)
    before = FeedbackSettings.objects.filter(organization=organization).values().get()

    with pytest.raises(ServiceError) as refused:
        workflow.update_calendar(staff["admin"], organization, **changes)

    assert refused.value.field == field
    assert FeedbackSettings.objects.filter(organization=organization).values().get() == before


def test_contact_details_are_revealed_to_staff_only_when_not_anonymous_and_the_read_is_audited(
    organization, staff, item
):
    hidden = make_item(organization, contact_email="hidden@example.org", anonymous=True)

    assert workflow.reveal_contact(staff["officer"], item) is True
    assert workflow.reveal_contact(staff["officer"], hidden) is False
    reads = AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL)
    assert list(reads.values_list("target_id", "changes")) == [
        (str(item.pk), ["contact_email", "contact_name", "contact_phone"])
    ]
    with pytest.raises(PermissionDenied):
        workflow.reveal_contact(staff["partner"], item)
