"""Response targets in business hours: the calendar and the clocks of an item."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.feedback.builders_public import local, make_item, move
from trustbridge.feedback import targets
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import FeedbackSettings, Holiday, Status
from trustbridge.feedback.targets import Calendar, Flag

TORONTO = zoneinfo.ZoneInfo("America/Toronto")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
SINCE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def office(tz: zoneinfo.ZoneInfo = TORONTO, holidays: frozenset[dt.date] = frozenset()) -> Calendar:
    """Monday to Friday, 09:00 to 17:00."""
    return Calendar(tz, dt.time(9), dt.time(17), WEEKDAYS, holidays)


def at(*args: int, tz: zoneinfo.ZoneInfo = TORONTO) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)  # type: ignore[misc]


def utc(instant: dt.datetime | None) -> dt.datetime | None:
    return None if instant is None else instant.astimezone(dt.UTC)


# The calendar -----------------------------------------------------------------------------


def test_business_hours_count_only_working_hours_of_working_days():
    # Friday 16:00 to Monday 10:00: one hour on Friday, one on Monday, none at the weekend.
    assert office().hours_between(at(2025, 6, 6, 16), at(2025, 6, 9, 10)) == 2.0


def test_business_hours_within_one_working_day_are_its_elapsed_hours():
    assert office().hours_between(at(2025, 6, 10, 9, 30), at(2025, 6, 10, 11)) == 1.5


def test_no_business_hours_pass_at_night_or_backwards():
    calendar = office()
    assert calendar.hours_between(at(2025, 6, 10, 18), at(2025, 6, 11, 8)) == 0.0
    assert calendar.hours_between(at(2025, 6, 11, 10), at(2025, 6, 10, 10)) == 0.0


def test_a_holiday_counts_no_business_hours():
    calendar = office(holidays=frozenset({dt.date(2025, 7, 1)}))  # a Tuesday
    assert calendar.hours_between(at(2025, 6, 30, 9), at(2025, 7, 2, 17)) == 16.0
    assert calendar.add_hours(at(2025, 6, 30, 17), 1) == utc(at(2025, 7, 2, 10))


def test_adding_hours_carries_over_the_weekend():
    # Friday 15:00 plus 4 business hours: 2 on Friday, 2 on Monday morning.
    assert office().add_hours(at(2025, 6, 6, 15), 4) == utc(at(2025, 6, 9, 11))


def test_adding_hours_from_outside_working_hours_starts_at_the_next_opening():
    calendar = office()
    assert calendar.add_hours(at(2025, 6, 7, 12), 8) == utc(at(2025, 6, 9, 17))  # a Saturday
    assert calendar.add_hours(at(2025, 6, 10, 6), 1) == utc(at(2025, 6, 10, 10))


def test_a_target_that_fills_the_working_day_ends_at_closing_time():
    assert office().add_hours(at(2025, 6, 10, 9), 8) == utc(at(2025, 6, 10, 17))


def test_working_hours_are_those_of_the_organisations_time_zone():
    calendar = office(tz=PARIS)
    # 09:00 in Paris (summer) is 07:00 UTC, 03:00 in Toronto.
    opening = at(2025, 6, 10, 7, tz=dt.UTC)
    assert calendar.hours_between(at(2025, 6, 10, 3), at(2025, 6, 10, 5)) == 2.0
    assert calendar.add_hours(opening - dt.timedelta(hours=1), 0.5) == opening + dt.timedelta(
        minutes=30
    )


def test_office_hours_are_eight_hours_on_both_sides_of_a_change_of_clocks():
    calendar = office()
    # Clocks went forward on Sunday 9 March 2025 in Toronto; Friday EST, Monday EDT.
    assert calendar.hours_between(at(2025, 3, 7, 9), at(2025, 3, 10, 17)) == 16.0
    assert calendar.add_hours(at(2025, 3, 7, 9), 16) == utc(at(2025, 3, 10, 17))
    # They went back on Sunday 2 November 2025.
    assert calendar.hours_between(at(2025, 10, 31, 9), at(2025, 11, 3, 17)) == 16.0
    assert calendar.add_hours(at(2025, 10, 31, 13), 8) == utc(at(2025, 11, 3, 13))


def test_a_round_the_clock_day_counts_the_hours_it_really_had_when_clocks_change():
    always = Calendar(TORONTO, dt.time(0), dt.time(0), EVERY_DAY, frozenset())
    assert always.hours_between(at(2025, 3, 9, 0), at(2025, 3, 10, 0)) == 23.0
    assert always.hours_between(at(2025, 11, 2, 0), at(2025, 11, 3, 0)) == 25.0
    # 22 real hours after midnight on the short day is 23:00 local time.
    assert always.add_hours(at(2025, 3, 9, 0), 22) == utc(at(2025, 3, 9, 23))
    assert always.add_hours(at(2025, 11, 2, 0), 24) == utc(at(2025, 11, 2, 23))


def test_a_day_that_ends_before_it_starts_is_a_night_shift():
    night = Calendar(TORONTO, dt.time(22), dt.time(6), WEEKDAYS, frozenset())
    # Monday 21:00 to Tuesday 07:00 covers the whole Monday night shift.
    assert night.hours_between(at(2025, 6, 9, 21), at(2025, 6, 10, 7)) == 8.0
    # Saturday 02:00 is still Friday's shift; Saturday night is not worked.
    assert night.hours_between(at(2025, 6, 14, 2), at(2025, 6, 15, 12)) == 4.0
    # Friday 05:00 is the end of Thursday's shift; two more hours run into Friday night.
    assert night.add_hours(at(2025, 6, 13, 5), 3) == utc(at(2025, 6, 14, 0))


def test_a_calendar_without_working_days_never_reaches_a_target():
    closed = Calendar(TORONTO, dt.time(9), dt.time(17), frozenset(), frozenset())
    assert closed.add_hours(at(2025, 6, 10, 9), 1) is None
    assert closed.hours_between(at(2025, 6, 10, 9), at(2025, 6, 20, 9)) == 0.0


@settings(max_examples=200, deadline=None)
@given(
    start=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=3 * 365)),
    hours=st.floats(min_value=0, max_value=400, allow_nan=False),
    round_the_clock=st.booleans(),
)
def test_counting_the_hours_up_to_a_due_instant_gives_back_the_target(
    start, hours, round_the_clock
):
    calendar = (
        Calendar(TORONTO, dt.time(0), dt.time(0), EVERY_DAY, frozenset())
        if round_the_clock
        else office(holidays=frozenset({dt.date(2025, 12, 25), dt.date(2025, 12, 26)}))
    )
    begin = SINCE + start
    due = calendar.add_hours(begin, hours)
    assert due is not None
    assert calendar.hours_between(begin, due) == pytest.approx(hours, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(
    a=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=365)),
    gaps=st.lists(
        st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=20)),
        min_size=2,
        max_size=2,
    ),
)
def test_business_hours_add_up_over_consecutive_spans(a, gaps):
    calendar = office()
    first = SINCE + a
    second, third = first + gaps[0], first + gaps[0] + gaps[1]
    whole = calendar.hours_between(first, third)
    parts = calendar.hours_between(first, second) + calendar.hours_between(second, third)
    assert whole == pytest.approx(parts, abs=1e-9)


def test_an_organisations_calendar_comes_from_its_settings_and_holidays(organization):
    FeedbackSettings.objects.create(
        organization=organization,
        work_start=dt.time(8, 30),
        work_end=dt.time(16),
        work_days="0,1,2,3,4,5",
        warn_at_share=50,
    )
    Holiday.objects.create(organization=organization, day=dt.date(2025, 7, 1), name="Canada Day")
    calendar = Calendar.of(organization)
    assert calendar == Calendar(
        TORONTO,
        dt.time(8, 30),
        dt.time(16),
        frozenset(range(6)),
        frozenset({dt.date(2025, 7, 1)}),
        50,
    )


def test_reading_the_calendar_of_an_organisation_without_settings_writes_nothing(
    organization, other_organization
):
    Holiday.objects.create(organization=other_organization, day=dt.date(2025, 7, 1), name="Other")
    calendar = Calendar.of(organization)
    assert calendar == Calendar(TORONTO, dt.time(9), dt.time(17), WEEKDAYS, frozenset(), 75)
    assert FeedbackSettings.objects.count() == 0


# The clocks of an item --------------------------------------------------------------------


@pytest.fixture
def safety(organization):
    """Acknowledge within 8 business hours, resolve within 80 (warned at 75 %)."""
    return ensure_feedback_setup(organization)["safety"]


def test_a_new_item_is_due_for_acknowledgement_and_warned_at_three_quarters(organization, safety):
    item = make_item(organization, safety, local(organization, 2025, 6, 9, 9))  # Monday 09:00
    assert utc(item.acknowledge_due) == utc(local(organization, 2025, 6, 9, 17))
    assert utc(item.resolve_due) == utc(local(organization, 2025, 6, 20, 17))  # 10 days later
    assert utc(item.next_due) == utc(item.acknowledge_due)
    assert utc(item.next_warning) == utc(local(organization, 2025, 6, 9, 15))
    assert (item.acknowledged_at, item.acknowledge_hours, item.paused_hours) == (None, None, 0)


def test_an_item_received_on_friday_evening_is_due_on_monday(organization, safety):
    item = make_item(organization, safety, local(organization, 2025, 6, 6, 19, 45))
    assert utc(item.acknowledge_due) == utc(local(organization, 2025, 6, 9, 17))


def test_acknowledging_stops_the_first_clock_and_starts_the_second(organization, safety):
    item = make_item(organization, safety, local(organization, 2025, 6, 6, 16))  # Friday
    item.escalated_at = local(organization, 2025, 6, 9, 9)
    move(item, Status.ACKNOWLEDGED, local(organization, 2025, 6, 9, 11))
    item.refresh_from_db()
    assert item.acknowledge_hours == 3.0  # Friday 16-17, Monday 9-11
    assert item.acknowledged_at == local(organization, 2025, 6, 9, 11)
    assert item.next_due == item.resolve_due
    assert utc(item.next_warning) == utc(local(organization, 2025, 6, 18, 12))  # 60 h in
    assert item.escalated_at is None  # the resolution clock was never escalated


def test_waiting_for_the_resident_pauses_both_clocks(organization, safety):
    item = make_item(organization, safety, local(organization, 2025, 6, 9, 9))
    due_before = item.resolve_due
    move(item, Status.WAITING, local(organization, 2025, 6, 9, 10))
    assert item.paused_since == local(organization, 2025, 6, 9, 10)
    assert (item.next_due, item.next_warning) == (None, None)
    assert targets.flag(item, local(organization, 2026, 1, 1, 0)) == Flag.NONE

    move(item, Status.IN_PROGRESS, local(organization, 2025, 6, 11, 10))  # 16 h later
    item.refresh_from_db()
    assert item.paused_since is None
    assert item.paused_hours == 16.0
    assert utc(item.resolve_due) == utc(local(organization, 2025, 6, 24, 17))
    assert item.resolve_due > due_before
    assert item.next_due == item.resolve_due

    move(item, Status.RESOLVED, local(organization, 2025, 6, 12, 12))
    assert item.resolve_hours == 3 * 8 + 3 - 16.0  # time taken, less the pause


def test_an_item_resolved_while_waiting_does_not_count_the_wait(organization, safety):
    item = make_item(organization, safety, local(organization, 2025, 6, 9, 9))
    move(item, Status.ACKNOWLEDGED, local(organization, 2025, 6, 9, 10))
    move(item, Status.WAITING, local(organization, 2025, 6, 9, 12))
    move(item, Status.CLOSED, local(organization, 2025, 6, 16, 12))
    assert (item.paused_since, item.paused_hours) == (None, 40.0)
    assert item.resolve_hours == 3.0
    assert item.acknowledge_hours == 1.0


def test_resolving_stops_the_clocks_and_clears_the_flags(organization, safety):
    item = make_item(organization, safety, local(organization, 2025, 6, 9, 9))
    move(item, Status.RESOLVED, local(organization, 2025, 6, 10, 9))
    assert item.acknowledge_hours == item.resolve_hours == 8.0
    assert item.resolved_at == local(organization, 2025, 6, 10, 9)
    assert (item.next_due, item.next_warning) == (None, None)
    assert targets.flag(item, local(organization, 2026, 1, 1, 0)) == Flag.NONE


def test_closing_a_resolved_item_keeps_the_time_it_was_resolved(organization, safety):
    item = make_item(organization, safety, local(organization, 2025, 6, 9, 9))
    move(item, Status.RESOLVED, local(organization, 2025, 6, 9, 13))
    move(item, Status.CLOSED, local(organization, 2025, 6, 20, 9))
    assert item.resolved_at == local(organization, 2025, 6, 9, 13)
    assert item.resolve_hours == 4.0


def test_a_reopened_item_starts_again_from_where_its_clock_stopped(organization, safety):
    item = make_item(organization, safety, local(organization, 2025, 6, 9, 9))
    move(item, Status.ACKNOWLEDGED, local(organization, 2025, 6, 9, 10))
    move(item, Status.RESOLVED, local(organization, 2025, 6, 10, 9))  # after 8 h
    item.escalated_at = local(organization, 2025, 6, 9, 12)
    due_before = item.resolve_due

    move(item, Status.IN_PROGRESS, local(organization, 2025, 6, 17, 9))  # a week later
    item.refresh_from_db()
    assert (item.resolved_at, item.resolve_hours, item.escalated_at) == (None, None, None)
    assert item.paused_hours == 40.0  # the week it stood resolved
    assert utc(item.resolve_due) == utc(due_before + dt.timedelta(days=7))
    assert item.next_due == item.resolve_due
    assert targets.flag(item, local(organization, 2025, 6, 17, 10)) == Flag.NONE
    assert item.acknowledge_hours == 1.0  # acknowledgement is history

    move(item, Status.RESOLVED, local(organization, 2025, 6, 17, 11))
    assert item.resolve_hours == 10.0  # 8 h before resolution, 2 h after reopening


def test_reopening_into_waiting_pauses_at_once(organization, safety):
    item = make_item(organization, safety, local(organization, 2025, 6, 9, 9))
    move(item, Status.RESOLVED, local(organization, 2025, 6, 9, 17))
    move(item, Status.WAITING, local(organization, 2025, 6, 10, 17))
    assert (item.paused_hours, item.paused_since) == (8.0, local(organization, 2025, 6, 10, 17))
    assert item.next_due is None
    move(item, Status.RESOLVED, local(organization, 2025, 6, 11, 17))
    assert (item.paused_hours, item.resolve_hours) == (16.0, 8.0)


def test_the_flag_says_when_the_running_target_approaches_and_when_it_passed(organization, safety):
    item = make_item(organization, safety, local(organization, 2025, 6, 9, 9))
    assert targets.flag(item, local(organization, 2025, 6, 9, 14, 59)) == Flag.NONE
    assert targets.flag(item, local(organization, 2025, 6, 9, 15)) == Flag.APPROACHING
    assert targets.flag(item, local(organization, 2025, 6, 9, 16, 59)) == Flag.APPROACHING
    assert targets.flag(item, local(organization, 2025, 6, 9, 17)) == Flag.OVERDUE
    move(item, Status.ACKNOWLEDGED, local(organization, 2025, 6, 10, 9))  # late, but done
    assert targets.flag(item, local(organization, 2025, 6, 10, 9)) == Flag.NONE
    assert item.acknowledge_hours == 8.0


def test_the_warning_share_comes_from_the_organisations_settings(organization, safety):
    FeedbackSettings.objects.filter(organization=organization).update(warn_at_share=50)
    item = make_item(organization, safety, local(organization, 2025, 6, 9, 9))
    assert utc(item.next_warning) == utc(local(organization, 2025, 6, 9, 13))


def test_a_holiday_moves_the_due_instant(organization, safety):
    Holiday.objects.create(organization=organization, day=dt.date(2025, 6, 24), name="Fête")
    item = make_item(organization, safety, local(organization, 2025, 6, 23, 13))
    assert utc(item.acknowledge_due) == utc(local(organization, 2025, 6, 25, 13))


@pytest.mark.parametrize(
    "hours,target,expected", [(None, 8, None), (7.9, 8, True), (8.0, 8, True), (8.01, 8, False)]
)
def test_a_stopped_clock_is_within_target_up_to_and_including_the_target(hours, target, expected):
    assert targets.within_target(hours, target) is expected
