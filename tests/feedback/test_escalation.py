"""Escalation: items nearing or past their targets reach supervisors (or, for complaints about
conduct, professional standards) in one digest each, once per target."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests.feedback.builders_public import local, make_item, move
from trustbridge.core.models import AuditEvent, Role
from trustbridge.feedback import escalation, tasks
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import Event, EventKind, Item, Kind, Status


@pytest.fixture
def categories(organization):
    return ensure_feedback_setup(organization)


@pytest.fixture
def staff(member):
    return {
        "supervisor": member(Role.SUPERVISOR),
        "second_supervisor": member(Role.SUPERVISOR, email="deputy@riverside.example"),
        "admin": member(Role.ADMIN),
        "officer": member(Role.OFFICER),
        "moderator": member(Role.MODERATOR),
        "standards": member(Role.STANDARDS),
        "accused": member(Role.STANDARDS, email="accused@riverside.example"),
    }


MONDAY_9 = (2025, 6, 9, 9)  # safety: acknowledge within 8 h (warned at 15:00), resolve within 80 h


def escalate(organization, *at, capture):
    with capture(execute=True):
        return escalation.escalate_due(organization, local(organization, *at))


def recipients(mailbox):
    return sorted(str(m["To"]) for m in mailbox.messages)


def test_an_item_past_its_warning_is_escalated_once_with_a_private_event(
    organization, categories, staff, mailbox, django_capture_on_commit_callbacks
):
    item = make_item(organization, categories["safety"], local(organization, *MONDAY_9))

    early = escalate(organization, 2025, 6, 9, 14, 59, capture=django_capture_on_commit_callbacks)
    assert (early.items, mailbox.messages) == (0, [])

    run = escalate(organization, 2025, 6, 9, 15, capture=django_capture_on_commit_callbacks)
    item.refresh_from_db()
    assert (run.items, run.digests) == (1, 2)
    assert item.escalated_at == local(organization, 2025, 6, 9, 15)
    event = Event.objects.get(item=item, kind=EventKind.ESCALATED)
    assert (event.public, event.text, event.actor, event.status) == (
        False,
        "acknowledge",
        None,
        Status.NEW,
    )
    audit = AuditEvent.objects.get(target_id=str(item.pk))
    assert (audit.summary, audit.changes, audit.actor) == (
        "feedback item escalated",
        ["escalated_at"],
        None,
    )

    mailbox.clear()
    again = escalate(organization, 2025, 6, 9, 16, capture=django_capture_on_commit_callbacks)
    assert (again.items, mailbox.messages) == (0, [])
    assert Event.objects.filter(kind=EventKind.ESCALATED).count() == 1


def test_ordinary_items_go_to_every_supervisor_in_one_digest_each(
    organization, categories, staff, mailbox, django_capture_on_commit_callbacks
):
    first = make_item(organization, categories["safety"], local(organization, *MONDAY_9))
    second = make_item(organization, categories["question"], local(organization, *MONDAY_9))
    escalate(organization, 2025, 6, 9, 17, 30, capture=django_capture_on_commit_callbacks)

    assert recipients(mailbox) == ["deputy@riverside.example", "supervisor@riverside.example"]
    message = mailbox.to("supervisor@riverside.example")[0]
    text = mailbox.text_of(message)
    assert first.reference in text and second.reference in text
    assert "Past its target for acknowledgement since" in text
    link = django_settings.TRUSTBRIDGE_BASE_URL + reverse(
        "feedback:staff_item", kwargs={"org_slug": "riverside", "reference": first.reference}
    )
    assert link in text
    assert message["Subject"] == (
        "Riverside Police: 2 feedback items need attention, some past their target"
    )
    html = mailbox.html_of(message)
    assert f">{first.reference}</a>" in html


def test_the_digest_tells_nothing_about_the_resident_or_their_words(
    organization, categories, staff, mailbox, django_capture_on_commit_callbacks
):
    make_item(
        organization,
        categories["nuisance"],
        local(organization, *MONDAY_9),
        description="Loud party at 12 Elm Street every night",
        contact_name="Jane Resident",
        contact_email="jane@example.org",
        contact_phone="+1 416 555 0101",
        address="12 Elm Street",
    )
    # nuisance: acknowledge within 16 h, warned at 12 h (Tuesday 13:00)
    escalate(organization, 2025, 6, 10, 14, capture=django_capture_on_commit_callbacks)
    message = mailbox.to("supervisor@riverside.example")[0]
    everything = str(message["Subject"]) + mailbox.text_of(message) + mailbox.html_of(message)
    for private in ("Elm Street", "Jane", "jane@example.org", "555 0101", "Loud party"):
        assert private not in everything
    assert "Noise or nuisance" in everything


def test_conduct_complaints_go_to_admins_and_standards_but_never_to_the_staff_member_concerned(
    organization, categories, staff, mailbox, django_capture_on_commit_callbacks
):
    make_item(
        organization,
        categories["conduct"],
        local(organization, *MONDAY_9),
        kind=Kind.CONDUCT,
        subject=staff["accused"],
    )
    run = escalate(organization, 2025, 6, 9, 16, capture=django_capture_on_commit_callbacks)
    assert run.digests == 2
    assert recipients(mailbox) == ["admin@riverside.example", "standards@riverside.example"]


def test_an_ordinary_item_never_reaches_the_staff_member_it_is_about(
    organization, categories, staff, mailbox, django_capture_on_commit_callbacks
):
    make_item(
        organization,
        categories["safety"],
        local(organization, *MONDAY_9),
        subject=staff["second_supervisor"],
    )
    escalate(organization, 2025, 6, 9, 16, capture=django_capture_on_commit_callbacks)
    assert recipients(mailbox) == ["supervisor@riverside.example"]


def test_without_supervisors_ordinary_items_go_to_the_administrators(
    organization, categories, member, mailbox, django_capture_on_commit_callbacks
):
    member(Role.ADMIN)
    member(Role.OFFICER)
    make_item(organization, categories["safety"], local(organization, *MONDAY_9))
    escalate(organization, 2025, 6, 9, 16, capture=django_capture_on_commit_callbacks)
    assert recipients(mailbox) == ["admin@riverside.example"]


def test_an_inactive_supervisor_gets_nothing(
    organization, categories, staff, mailbox, django_capture_on_commit_callbacks
):
    staff["second_supervisor"].is_active = False
    staff["second_supervisor"].save(update_fields=["is_active"])
    make_item(organization, categories["safety"], local(organization, *MONDAY_9))
    escalate(organization, 2025, 6, 9, 16, capture=django_capture_on_commit_callbacks)
    assert recipients(mailbox) == ["supervisor@riverside.example"]


def test_an_item_escalated_for_acknowledgement_is_escalated_again_for_resolution(
    organization, categories, staff, mailbox, django_capture_on_commit_callbacks
):
    item = make_item(organization, categories["question"], local(organization, *MONDAY_9))
    escalate(organization, 2025, 6, 9, 16, capture=django_capture_on_commit_callbacks)
    move(item, Status.ACKNOWLEDGED, local(organization, 2025, 6, 10, 9))
    mailbox.clear()

    # question: resolve within 40 h, warned at 30 h: Thursday 15:00.
    early = escalate(organization, 2025, 6, 12, 14, 59, capture=django_capture_on_commit_callbacks)
    assert early.items == 0
    run = escalate(organization, 2025, 6, 12, 15, capture=django_capture_on_commit_callbacks)
    assert run.items == 1
    texts = list(
        Event.objects.filter(item=item, kind=EventKind.ESCALATED).values_list("text", flat=True)
    )
    assert texts == ["acknowledge", "resolve"]
    body = mailbox.text_of(mailbox.to("supervisor@riverside.example")[0])
    assert "Target for resolution:" in body


def test_an_escalation_older_than_the_acknowledgement_does_not_count_for_resolution(
    organization, categories, staff, django_capture_on_commit_callbacks
):
    """Even when a service saves the new clock without clearing ``escalated_at``."""
    item = make_item(organization, categories["question"], local(organization, *MONDAY_9))
    escalate(organization, 2025, 6, 9, 16, capture=django_capture_on_commit_callbacks)
    escalated_at = Item.objects.get(pk=item.pk).escalated_at
    move(item, Status.ACKNOWLEDGED, local(organization, 2025, 6, 10, 9), save=False)
    item.escalated_at = escalated_at
    item.save()
    run = escalate(organization, 2025, 6, 16, 15, capture=django_capture_on_commit_callbacks)
    assert run.items == 1


def test_a_reopened_item_can_be_escalated_again(
    organization, categories, staff, django_capture_on_commit_callbacks
):
    item = make_item(organization, categories["question"], local(organization, *MONDAY_9))
    move(item, Status.ACKNOWLEDGED, local(organization, 2025, 6, 9, 10))
    assert (
        escalate(organization, 2025, 6, 16, 9, capture=django_capture_on_commit_callbacks).items
        == 1
    )
    move(item, Status.RESOLVED, local(organization, 2025, 6, 16, 10))
    move(item, Status.IN_PROGRESS, local(organization, 2025, 7, 1, 9))
    # 41 of its 40 hours had passed when it was resolved: reopened, it is past its warning.
    run = escalate(organization, 2025, 7, 1, 9, 1, capture=django_capture_on_commit_callbacks)
    assert run.items == 1


def test_items_waiting_for_the_resident_or_finished_are_not_escalated(
    organization, categories, staff, django_capture_on_commit_callbacks
):
    waiting = make_item(organization, categories["safety"], local(organization, *MONDAY_9))
    move(waiting, Status.WAITING, local(organization, 2025, 6, 9, 10))
    done = make_item(organization, categories["safety"], local(organization, *MONDAY_9))
    move(done, Status.RESOLVED, local(organization, 2025, 6, 9, 11))
    run = escalate(organization, 2025, 8, 1, 9, capture=django_capture_on_commit_callbacks)
    assert run.items == 0
    assert Item.objects.filter(escalated_at__isnull=False).count() == 0


def test_an_item_resolved_before_its_digest_is_sent_is_left_out_of_it(
    organization, categories, staff, mailbox
):
    item = make_item(organization, categories["safety"], local(organization, *MONDAY_9))
    run = escalation.escalate_due(organization, local(organization, 2025, 6, 9, 16))
    assert run.items == 1  # the digest waits for the commit, which this test never reaches
    move(item, Status.RESOLVED, local(organization, 2025, 6, 9, 16, 5))
    tasks.send_escalation_digest.enqueue(
        organization_id=organization.pk,
        user_id=staff["supervisor"].pk,
        item_ids=[item.pk],
        at=local(organization, 2025, 6, 9, 16).isoformat(),
    )
    assert mailbox.messages == []


def test_escalation_touches_only_the_organisation_it_runs_for(
    organization, other_organization, categories, staff, django_capture_on_commit_callbacks
):
    theirs = make_item(
        other_organization,
        ensure_feedback_setup(other_organization)["safety"],
        local(organization, *MONDAY_9),
    )
    escalate(organization, 2025, 6, 10, 9, capture=django_capture_on_commit_callbacks)
    theirs.refresh_from_db()
    assert theirs.escalated_at is None


def test_the_digest_is_in_the_recipients_language_and_local_time(
    organization, categories, staff, mailbox, django_capture_on_commit_callbacks
):
    supervisor = staff["supervisor"]
    supervisor.preferred_language = "fr"
    supervisor.save(update_fields=["preferred_language"])
    make_item(organization, categories["safety"], local(organization, *MONDAY_9))
    escalate(organization, 2025, 6, 9, 16, capture=django_capture_on_commit_callbacks)
    french = mailbox.html_of(mailbox.to("supervisor@riverside.example")[0])
    english = mailbox.html_of(mailbox.to("deputy@riverside.example")[0])
    assert '<html lang="fr">' in french
    assert "9 juin 2025 17:00" in french  # the due instant, Toronto time
    assert "America/Toronto" in english
    assert "June 9, 2025, 5 p.m." in english


def test_the_command_escalates_every_organisation_once(
    organization, other_organization, categories, staff, capsys
):
    long_ago = timezone.now() - dt.timedelta(days=30)
    ours = make_item(organization, categories["safety"], long_ago)
    theirs = make_item(
        other_organization, ensure_feedback_setup(other_organization)["safety"], long_ago
    )

    call_command("feedback-escalate")
    output = capsys.readouterr().out
    assert "riverside: 1 items escalated, 2 digests." in output
    assert "2 items escalated in 2 organisations." in output
    assert Item.objects.filter(pk__in=[ours.pk, theirs.pk], escalated_at__isnull=False).count() == 2

    call_command("feedback-escalate", org="riverside")
    assert "0 items escalated in 1 organisations." in capsys.readouterr().out


def test_the_command_refuses_an_unknown_organisation(db):
    with pytest.raises(CommandError, match="No organisation with the short name 'nowhere'"):
        call_command("feedback-escalate", org="nowhere")


def test_the_background_task_escalates_every_organisation(
    organization, other_organization, categories, staff
):
    long_ago = timezone.now() - dt.timedelta(days=30)
    make_item(organization, categories["safety"], long_ago)
    make_item(other_organization, ensure_feedback_setup(other_organization)["safety"], long_ago)
    result = tasks.escalate_everywhere.enqueue()
    assert result.return_value == {"riverside": 1, "elsewhere": 1}
