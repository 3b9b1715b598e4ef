"""The escalation timer follows up town-hall questions: once an event has ended, its
approved questions still unanswered are due a written answer 14 days after its end; once
that date has passed, supervisors and administrators each get one e-mail listing them, and
no question is flagged twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import make_member
from tests.events.conftest import TORONTO, published
from trustbridge.core.models import AuditEvent, Role
from trustbridge.events import question_tasks, questions, services
from trustbridge.events.models import Question
from trustbridge.feedback import tasks as feedback_tasks

NOW = timezone.now()
TODAY = NOW.astimezone(TORONTO).date()


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=TORONTO)


def days_ago(n: int) -> dt.datetime:
    return noon(TODAY - dt.timedelta(days=n))


def hall(officer, organization, starts_at, **changes):
    fields = {
        "kind": "town_hall",
        "texts": {"en": {"title": "Old Mill town hall", "description": "Questions."}},
        "starts_at": starts_at,
        "ends_at": starts_at + dt.timedelta(hours=2),
    }
    fields.update(changes)
    return published(officer, organization, **fields)


def approved(officer, event, text):
    asked = questions.ask(event, text, now=event.starts_at - dt.timedelta(days=1))
    return questions.approve(officer, asked, now=event.starts_at)


@pytest.fixture
def staff(organization):
    return {
        "admin": make_member(organization, Role.ADMIN),
        "supervisor": make_member(organization, Role.SUPERVISOR),
        "officer": make_member(organization, Role.OFFICER),
        "moderator": make_member(organization, Role.MODERATOR),
    }


def run(organization, now, capture):
    with capture(execute=True):
        return questions.follow_up(organization, now)


def recipients(mailbox):
    return sorted(str(m["To"]) for m in mailbox.messages)


# Answer dates ------------------------------------------------------------------------------


def test_when_an_event_ends_its_unanswered_questions_are_due_14_days_after_its_end(
    organization, staff, django_capture_on_commit_callbacks
):
    officer = staff["officer"]
    event = hall(officer, organization, days_ago(3))
    waiting = approved(officer, event, "Unanswered")
    answered = approved(officer, event, "Answered live")
    questions.answer(officer, answered, "Yes.", now=event.ends_at, live=True)
    pending = questions.ask(event, "Never approved", now=event.starts_at)

    first = run(organization, NOW, django_capture_on_commit_callbacks)
    again = run(organization, NOW + dt.timedelta(days=2), django_capture_on_commit_callbacks)

    assert (first.events_ended, again.events_ended) == (1, 0)
    due = {q.text: q.answer_due for q in Question.objects.filter(event=event)}
    assert due == {
        waiting.text: TODAY - dt.timedelta(days=3) + dt.timedelta(days=14),
        answered.text: None,
        pending.text: None,
    }


def test_an_event_not_over_yet_gives_no_answer_date(
    organization, staff, django_capture_on_commit_callbacks
):
    officer = staff["officer"]
    event = hall(officer, organization, NOW - dt.timedelta(hours=1))  # ends in an hour
    question = approved(officer, event, "Asked during the event")

    assert run(organization, NOW, django_capture_on_commit_callbacks).events_ended == 0
    question.refresh_from_db()
    assert question.answer_due is None


def test_a_series_is_over_only_after_its_last_date(
    organization, staff, django_capture_on_commit_callbacks
):
    officer = staff["officer"]
    forum = hall(
        officer,
        organization,
        days_ago(8),
        kind="forum",
        recurrence_rule="FREQ=WEEKLY;COUNT=3",  # 8 days ago, yesterday, in 6 days
    )
    question = approved(officer, forum, "Asked at the first forum")

    run(organization, NOW, django_capture_on_commit_callbacks)
    question.refresh_from_db()
    assert question.answer_due is None

    last_end = forum.occurrences.order_by("-ends_at").first().ends_at
    run(organization, last_end + dt.timedelta(minutes=1), django_capture_on_commit_callbacks)
    question.refresh_from_db()
    assert question.answer_due == last_end.astimezone(TORONTO).date() + dt.timedelta(days=14)


def test_a_question_approved_after_the_event_gets_the_same_date_at_the_next_run(
    organization, staff, django_capture_on_commit_callbacks
):
    officer = staff["officer"]
    event = hall(officer, organization, days_ago(2))
    first = approved(officer, event, "Approved before the end")
    late = questions.ask(event, "Asked just before the end", now=event.ends_at)
    run(organization, NOW, django_capture_on_commit_callbacks)

    questions.approve(officer, late, now=NOW)
    run(organization, NOW + dt.timedelta(hours=1), django_capture_on_commit_callbacks)

    first.refresh_from_db()
    late.refresh_from_db()
    assert late.answer_due == first.answer_due == TODAY - dt.timedelta(days=2 - 14)


def test_draft_and_cancelled_events_give_no_answer_date(
    organization, staff, django_capture_on_commit_callbacks
):
    officer = staff["officer"]
    event = hall(officer, organization, days_ago(3))
    question = approved(officer, event, "Asked before the cancellation")
    services.cancel_event(officer, event)

    assert run(organization, NOW, django_capture_on_commit_callbacks).events_ended == 0
    question.refresh_from_db()
    assert question.answer_due is None


# Flagging overdue questions ------------------------------------------------------------------


def overdue_questions(organization, officer):
    """Two questions of an event that ended 20 days ago: due 6 days ago."""
    event = hall(officer, organization, days_ago(20), texts={"en": {"title": "Mill hall"}})
    made = [approved(officer, event, "Why is the lane dark?"), approved(officer, event, "Bins?")]
    questions.set_answer_due(event, now=event.ends_at)
    return event, made


def test_overdue_questions_reach_each_supervisor_and_administrator_in_one_email_once(
    organization, staff, mailbox, django_capture_on_commit_callbacks
):
    event, made = overdue_questions(organization, staff["officer"])

    first = run(organization, NOW, django_capture_on_commit_callbacks)

    assert (first.flagged, first.mails) == (2, 2)
    assert recipients(mailbox) == ["admin@riverside.example", "supervisor@riverside.example"]
    message = mailbox.to("supervisor@riverside.example")[0]
    assert str(message["Subject"]) == (
        "Riverside Police: 2 town-hall questions are past their answer date"
    )
    text = mailbox.text_of(message)
    assert "Why is the lane dark?" in text and "Bins?" in text
    assert "Mill hall" in text
    assert "overdue by 6 days" in text
    assert f"/o/riverside/staff/events/{event.pk}/questions/#question-{made[0].pk}" in text
    assert "/o/riverside/staff/events/questions/overdue/" in text
    assert {q.escalated_on for q in Question.objects.all()} == {TODAY}
    assert AuditEvent.objects.filter(summary="overdue town-hall question flagged").count() == 2

    mailbox.clear()
    again = run(organization, NOW + dt.timedelta(days=1), django_capture_on_commit_callbacks)
    assert (again.flagged, again.mails, mailbox.messages) == (0, 0, [])


def test_the_email_never_says_who_asked(
    organization, staff, resident, mailbox, django_capture_on_commit_callbacks
):
    officer = staff["officer"]
    event = hall(officer, organization, days_ago(20))
    asked = questions.ask(event, "Named?", now=event.starts_at, user=resident)
    questions.approve(officer, asked, now=event.starts_at)
    questions.set_answer_due(event, now=event.ends_at)

    run(organization, NOW, django_capture_on_commit_callbacks)

    for message in mailbox.messages:
        assert resident.email not in mailbox.text_of(message) + mailbox.html_of(message)


def test_a_question_answered_before_its_email_goes_is_left_out_of_it(organization, staff, mailbox):
    officer = staff["officer"]
    _event, made = overdue_questions(organization, officer)
    questions.flag_overdue(organization, NOW)  # the e-mails wait for a commit never reached
    questions.answer(officer, made[0], "Lights in May.", now=NOW, live=False)
    questions.answer(officer, made[1], "Weekly.", now=NOW, live=False)

    question_tasks.send_overdue_questions.enqueue(
        organization_id=organization.pk,
        user_id=staff["supervisor"].pk,
        question_ids=[q.pk for q in made],
    )

    assert mailbox.messages == []


def test_only_the_organisation_the_run_is_for_is_touched(
    organization, other_organization, staff, django_capture_on_commit_callbacks
):
    theirs_officer = make_member(other_organization, Role.OFFICER)
    _event, theirs = overdue_questions(other_organization, theirs_officer)

    assert run(organization, NOW, django_capture_on_commit_callbacks).flagged == 0
    assert {q.escalated_on for q in Question.objects.filter(pk__in=[q.pk for q in theirs])} == {
        None
    }


def test_the_feedback_escalation_command_follows_up_questions_everywhere_once(
    organization, other_organization, staff, mailbox, capsys, django_capture_on_commit_callbacks
):
    event = hall(staff["officer"], organization, days_ago(20))
    question = approved(staff["officer"], event, "Ended, never given a date")
    theirs_officer = make_member(other_organization, Role.OFFICER)
    make_member(other_organization, Role.SUPERVISOR)
    overdue_questions(other_organization, theirs_officer)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("feedback-escalate")

    output = capsys.readouterr().out
    assert "riverside: 1 overdue questions flagged, 2 e-mails." in output
    assert "elsewhere: 2 overdue questions flagged, 1 e-mails." in output
    question.refresh_from_db()
    assert (question.answer_due, question.escalated_on) == (
        TODAY - dt.timedelta(days=20 - 14),
        TODAY,
    )
    assert len(mailbox.messages) == 3

    with django_capture_on_commit_callbacks(execute=True):
        call_command("feedback-escalate", org="riverside")
    assert "overdue questions flagged" not in capsys.readouterr().out
    assert len(mailbox.messages) == 3


def test_the_background_task_follows_up_questions_too(
    organization, staff, mailbox, django_capture_on_commit_callbacks
):
    _event, made = overdue_questions(organization, staff["officer"])

    with django_capture_on_commit_callbacks(execute=True):
        feedback_tasks.escalate_everywhere.enqueue()

    assert {q.escalated_on for q in Question.objects.filter(pk__in=[q.pk for q in made])} == {TODAY}
    assert recipients(mailbox) == ["admin@riverside.example", "supervisor@riverside.example"]
