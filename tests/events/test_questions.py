"""Town-hall questions: anyone asks, one vote per person or device, moderation in a public
log, and a written answer within the target for what the event left unanswered."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied

from tests import factories
from tests.conftest import make_member
from tests.events.conftest import TORONTO, local, published
from trustbridge.core.errors import ServiceError
from trustbridge.core.models import Role
from trustbridge.events import questions
from trustbridge.events.models import ModerationEntry, Question, QuestionStatus
from trustbridge.feedback.abuse import TooManySubmissions

BEFORE = local(2030, 3, 1, 12)
DURING = local(2030, 3, 4, 19, 30)


@pytest.fixture
def town_hall(officer, organization):
    return published(officer, organization, kind="town_hall")


@pytest.fixture
def moderator(organization):
    return make_member(organization, Role.MODERATOR)


def approved(officer, town_hall, text, now=BEFORE):
    return questions.approve(officer, questions.ask(town_hall, text, now=now), now=now)


def test_anyone_asks_and_nothing_shows_before_a_moderator_approves(town_hall, moderator):
    asked = questions.ask(town_hall, "  Will the bus shelter get a light?  ", now=BEFORE)
    assert (asked.status, asked.text, asked.asker) == (
        QuestionStatus.PENDING,
        "Will the bus shelter get a light?",
        None,
    )
    assert list(questions.board(town_hall)) == []
    questions.approve(moderator, asked, now=BEFORE)
    assert list(questions.board(town_hall)) == [asked]


def test_a_signed_in_resident_may_stay_anonymous(town_hall):
    resident = factories.UserFactory(email="ask@example.org")
    named = questions.ask(town_hall, "Named?", now=BEFORE, user=resident)
    hidden = questions.ask(town_hall, "Anonymous?", now=BEFORE, user=resident, anonymous=True)
    assert (named.asker, hidden.asker) == (resident, None)


def test_script_in_a_question_is_kept_as_text(town_hall):
    asked = questions.ask(town_hall, "<script>alert(1)</script> why?", now=BEFORE)
    assert Question.objects.get(pk=asked.pk).text == "<script>alert(1)</script> why?"


@pytest.mark.parametrize(("text", "field"), [("", "text"), ("x" * 501, "text")])
def test_an_empty_or_overlong_question_is_refused(town_hall, text, field):
    with pytest.raises(ServiceError) as refused:
        questions.ask(town_hall, text, now=BEFORE)
    assert refused.value.field == field


def test_only_town_halls_and_forums_take_questions_until_soon_after_the_end(
    officer, organization, town_hall
):
    meeting = published(officer, organization, kind="watch_meeting")
    with pytest.raises(ServiceError):
        questions.ask(meeting, "Why?", now=BEFORE)
    with pytest.raises(ServiceError) as closed:
        questions.ask(town_hall, "Late?", now=local(2030, 3, 4, 23))
    assert closed.value.code == "expired"


def test_a_flood_of_questions_from_one_device_is_limited(town_hall):
    for n in range(5):
        questions.ask(town_hall, f"Question {n}", now=BEFORE, sender="device:abc")
    with pytest.raises(TooManySubmissions):
        questions.ask(town_hall, "One more", now=BEFORE, sender="device:abc")
    assert questions.ask(town_hall, "Someone else", now=BEFORE, sender="device:xyz")


def test_one_vote_per_person_or_device_and_the_board_orders_by_votes(officer, town_hall):
    first = approved(officer, town_hall, "Speed bumps on Mill Road?")
    second = approved(officer, town_hall, "More foot patrols at night?")
    resident = factories.UserFactory(email="voter@example.org")
    assert questions.vote(second, questions.voter_key(user=resident)) == 1
    assert questions.vote(second, questions.voter_key(device="phone-1")) == 2
    with pytest.raises(ServiceError) as again:
        questions.vote(second, questions.voter_key(device="phone-1"))
    assert again.value.code == "duplicate"
    assert list(questions.board(town_hall)) == [second, first]


def test_pending_questions_take_no_votes(town_hall):
    asked = questions.ask(town_hall, "Pending?", now=BEFORE)
    with pytest.raises(ServiceError):
        questions.vote(asked, questions.voter_key(device="phone-1"))


def test_hiding_needs_a_public_reason_and_every_action_is_logged(moderator, town_hall):
    asked = questions.ask(town_hall, "Off topic", now=BEFORE)
    with pytest.raises(ServiceError) as refused:
        questions.hide(moderator, asked, "  ", now=BEFORE)
    assert refused.value.field == "reason"
    questions.hide(moderator, asked, "Not about this town hall", now=BEFORE)
    [entry] = ModerationEntry.objects.filter(question=asked)
    assert (entry.action, entry.reason, entry.moderator) == (
        "hidden",
        "Not about this town hall",
        moderator,
    )


def test_merging_moves_the_votes_without_counting_anyone_twice(officer, town_hall):
    kept = approved(officer, town_hall, "Speed bumps?")
    repeat = approved(officer, town_hall, "Speed bumps please")
    questions.vote(kept, questions.voter_key(device="a"))
    questions.vote(repeat, questions.voter_key(device="a"))  # voted for both
    questions.vote(repeat, questions.voter_key(device="b"))
    questions.merge(officer, repeat, kept, now=DURING)
    kept.refresh_from_db()
    repeat.refresh_from_db()
    assert kept.votes == 2
    assert (repeat.status, repeat.merged_into) == (QuestionStatus.MERGED, kept)
    assert list(questions.board(town_hall)) == [kept]


def test_answers_at_the_event_and_in_writing_later(officer, town_hall):
    live = approved(officer, town_hall, "Answered live?")
    later = approved(officer, town_hall, "Answered later?")
    questions.answer(officer, live, "Yes, tonight.", now=DURING, live=True)
    end = local(2030, 3, 4, 20, 30)
    assert questions.set_answer_due(town_hall, now=end) == 1
    later.refresh_from_db()
    assert later.answer_due == dt.date(2030, 3, 18)
    assert list(questions.overdue(town_hall.organization_id, dt.date(2030, 3, 18))) == []
    assert list(questions.overdue(town_hall.organization_id, dt.date(2030, 3, 19))) == [later]
    questions.answer(officer, later, "In writing.", now=end.astimezone(TORONTO), live=False)
    assert list(questions.overdue(town_hall.organization_id, dt.date(2030, 3, 19))) == []


def test_only_moderating_staff_approve_hide_merge_or_answer(organization, town_hall):
    partner = make_member(organization, Role.PARTNER)
    asked = questions.ask(town_hall, "Who decides?", now=BEFORE)
    with pytest.raises(PermissionDenied):
        questions.approve(partner, asked, now=BEFORE)


def test_a_voter_key_is_keyed_so_a_device_cannot_be_guessed_back():
    key = questions.voter_key(device="phone-1")
    plain = hashlib.sha256(b"device:phone-1").hexdigest()
    assert len(key) == 64 and key != plain
    assert key == questions.voter_key(device="phone-1") != questions.voter_key(device="phone-2")


def test_an_action_on_a_question_another_moderator_changed_meanwhile_is_refused(
    officer, moderator, town_hall
):
    asked = questions.ask(town_hall, "Approved twice?", now=BEFORE)
    stale = Question.objects.get(pk=asked.pk)  # the second moderator's page, still pending
    questions.approve(officer, asked, now=BEFORE)
    questions.answer(officer, asked, "Yes.", now=DURING, live=True)

    with pytest.raises(ServiceError) as refused:
        questions.approve(moderator, stale, now=DURING)

    assert "Answered" in refused.value.message
    assert Question.objects.get(pk=asked.pk).status == QuestionStatus.ANSWERED
    assert list(ModerationEntry.objects.values_list("action", flat=True)) == [
        "approved",
        "answered",
    ]


@pytest.mark.parametrize(
    ("status", "action"),
    [("answered", "approve"), ("merged", "approve"), ("merged", "hide"), ("hidden", "merge")],
)
def test_moderation_starts_only_from_the_states_it_fits(officer, town_hall, status, action):
    kept = approved(officer, town_hall, "Kept")
    asked = approved(officer, town_hall, "Changed")
    if status == "answered":
        questions.answer(officer, asked, "Yes.", now=DURING, live=True)
    elif status == "merged":
        questions.merge(officer, asked, kept, now=DURING)
    else:
        questions.hide(officer, asked, "Off topic", now=DURING)
    entries = ModerationEntry.objects.count()

    with pytest.raises(ServiceError):
        if action == "approve":
            questions.approve(officer, asked, now=DURING)
        elif action == "hide":
            questions.hide(officer, asked, "Again", now=DURING)
        else:
            questions.merge(officer, asked, kept, now=DURING)

    asked.refresh_from_db()
    assert (asked.status, ModerationEntry.objects.count()) == (status, entries)


def test_a_hidden_question_can_be_put_back(officer, town_hall):
    asked = questions.ask(town_hall, "Hidden by mistake", now=BEFORE)
    questions.hide(officer, asked, "Looked off topic", now=BEFORE)
    questions.approve(officer, asked, now=DURING)
    assert list(questions.board(town_hall)) == [asked]


def test_votes_are_limited_per_voter_and_loosely_per_address(officer, town_hall, monkeypatch):
    question = approved(officer, town_hall, "Flooded?")
    monkeypatch.setattr(questions, "VOTE_ADDRESS_LIMITS", [(3, 600)])
    for n in range(3):
        questions.vote(question, questions.voter_key(device=f"d{n}"), sender="addr:192.0.2.1")

    with pytest.raises(TooManySubmissions):
        questions.vote(question, questions.voter_key(device="d9"), sender="addr:192.0.2.1")
    assert questions.vote(question, questions.voter_key(device="d9"), sender="addr:192.0.2.2")
    question.refresh_from_db()
    assert question.votes == 4
