"""Checking in at the door: by code or by name, once, at the right event; counts only."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.events.conftest import local, published
from trustbridge.core.errors import ServiceError
from trustbridge.events import checkin, services
from trustbridge.events.models import RsvpStatus

BEFORE = local(2030, 3, 1, 12)
DOOR = local(2030, 3, 4, 18, 55)


@pytest.fixture
def meeting(officer, organization):
    return published(officer, organization, capacity=3).occurrences.get()


def confirmed(occurrence, email):
    user = factories.UserFactory(email=email)
    return services.sign_up(occurrence, user=user, now=BEFORE).rsvp


def test_a_code_checks_its_holder_in_once(officer, meeting):
    rsvp = confirmed(meeting, "a@example.org")
    code = checkin.issue_code(rsvp)
    checked = checkin.check_in_by_code(officer, meeting, code, now=DOOR)
    assert checked.checked_in_at == DOOR
    with pytest.raises(ServiceError) as again:
        checkin.check_in_by_code(officer, meeting, code, now=DOOR + dt.timedelta(minutes=3))
    assert again.value.code == "already_used"
    assert "18:55" in again.value.message or "6:55" in again.value.message


def test_a_code_of_another_event_or_an_old_code_is_refused(officer, organization, meeting):
    other = published(officer, organization, texts={"en": {"title": "Other"}}).occurrences.get()
    rsvp = confirmed(other, "b@example.org")
    code = checkin.issue_code(rsvp)
    with pytest.raises(ServiceError) as wrong:
        checkin.check_in_by_code(officer, meeting, code, now=DOOR)
    assert "another event" in wrong.value.message
    checkin.issue_code(rsvp)  # a new code voids the old one
    with pytest.raises(ServiceError) as old:
        checkin.check_in_by_code(officer, other, code, now=DOOR)
    assert old.value.code == "not_found"


def test_waitlisted_people_have_no_code(officer, meeting):
    for n in range(3):
        confirmed(meeting, f"c{n}@example.org")
    waiting = confirmed(meeting, "w@example.org")
    assert waiting.status == RsvpStatus.WAITLISTED
    with pytest.raises(ServiceError):
        checkin.issue_code(waiting)


def test_attendance_counts_check_ins_walk_ins_first_timers_and_no_shows(
    officer, organization, meeting
):
    regular = factories.UserFactory(email="regular@example.org")
    earlier = published(officer, organization, texts={"en": {"title": "Earlier"}}).occurrences.get()
    first_visit = services.sign_up(earlier, user=regular, now=BEFORE).rsvp
    checkin.check_in_by_name(officer, first_visit, now=DOOR)

    again = services.sign_up(meeting, user=regular, now=BEFORE).rsvp
    newcomer = confirmed(meeting, "new@example.org")
    confirmed(meeting, "absent@example.org")
    assert checkin.check_in_by_name(officer, again, now=DOOR).first_time is False
    assert checkin.check_in_by_name(officer, newcomer, now=DOOR).first_time is True
    checkin.add_walk_ins(officer, meeting, 4)
    checkin.add_walk_ins(officer, meeting, -1)
    with pytest.raises(ServiceError):
        checkin.add_walk_ins(officer, meeting, -10)

    meeting.refresh_from_db()
    figures = checkin.attendance(meeting)
    assert (figures.places, figures.checked_in, figures.walk_ins, figures.first_time) == (
        3,
        2,
        3,
        1,
    )
    assert (figures.attended, figures.no_shows) == (5, 1)
    assert figures.no_show_rate == pytest.approx(100 / 3)
