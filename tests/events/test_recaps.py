"""Recaps after an event, and commitments followed up in public."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.events.conftest import local, published
from trustbridge.core.errors import ServiceError, ServiceErrors
from trustbridge.events import checkin, questions, recaps, services
from trustbridge.events.models import CommitmentStatus

BEFORE = local(2030, 3, 1, 12)
AFTER = local(2030, 3, 5, 9)


@pytest.fixture
def town_hall(officer, organization):
    return published(officer, organization, kind="town_hall")


def test_a_recap_counts_who_came_and_what_was_answered(officer, town_hall):
    occurrence = town_hall.occurrences.get()
    rsvp = services.sign_up(
        occurrence, user=factories.UserFactory(email="a@example.org"), now=BEFORE
    ).rsvp
    checkin.check_in_by_name(officer, rsvp, now=local(2030, 3, 4, 18, 55))
    checkin.add_walk_ins(officer, occurrence, 6)
    asked = questions.approve(officer, questions.ask(town_hall, "Lights?", now=BEFORE), now=BEFORE)
    questions.answer(officer, asked, "Yes.", now=local(2030, 3, 4, 19, 30), live=True)

    recap = recaps.publish_recap(
        officer,
        town_hall,
        texts={"en": {"summary": "Forty minutes on traffic, then lights."}},
        commitments=[("Add two street lights on Mill Road", dt.date(2030, 6, 1))],
        now=AFTER,
    )
    assert (recap.attended, recap.questions_answered) == (7, 1)
    [commitment] = recaps.open_commitments(town_hall.organization)
    assert commitment.text == "Add two street lights on Mill Road"


def test_a_recap_waits_for_the_end_and_comes_once(officer, town_hall):
    with pytest.raises(ServiceErrors) as early:
        recaps.publish_recap(officer, town_hall, texts={"en": {"summary": "Soon"}}, now=BEFORE)
    assert [e.field for e in early.value.errors] == ["event"]
    recaps.publish_recap(officer, town_hall, texts={"en": {"summary": "Done"}}, now=AFTER)
    with pytest.raises(ServiceErrors):
        recaps.publish_recap(officer, town_hall, texts={"en": {"summary": "Again"}}, now=AFTER)


def test_a_commitment_is_followed_up_and_dropping_one_needs_a_reason(officer, town_hall):
    recap = recaps.publish_recap(
        officer,
        town_hall,
        texts={"en": {"summary": "Done"}},
        commitments=[("Monthly walkabouts", None)],
        now=AFTER,
    )
    commitment = recap.commitments.get()
    with pytest.raises(ServiceError) as refused:
        recaps.follow_up(officer, commitment, status="dropped", update="", now=AFTER)
    assert refused.value.field == "update"
    recaps.follow_up(officer, commitment, status="open", update="First walk held", now=AFTER)
    done = recaps.follow_up(officer, commitment, status="done", update="", now=AFTER)
    assert (done.status, done.update, done.closed_at) == (
        CommitmentStatus.DONE,
        "First walk held",
        AFTER,
    )
    assert list(recaps.open_commitments(town_hall.organization)) == []


def test_a_recap_needs_a_summary(officer, town_hall):
    with pytest.raises(ServiceErrors) as refused:
        recaps.publish_recap(
            officer,
            town_hall,
            texts={"en": {"summary": " "}},
            commitments=[("", None)],
            now=AFTER,
        )
    assert {e.field for e in refused.value.errors} == {"texts", "commitment_0"}
