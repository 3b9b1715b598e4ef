"""Reads of the public events pages (events.queries): what is listed, places counted in bulk,
waiting-list positions, the month grid, past events and a resident's own sign-ups."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.http import Http404

from tests import factories
from tests.conftest import make_member
from tests.events.conftest import TORONTO, local, new_event, published
from trustbridge.core.models import Role
from trustbridge.events import checkin, queries, recaps, services
from trustbridge.events.models import RsvpStatus

NOW = local(2030, 3, 1, 12)


def people(n, prefix="p"):
    return [factories.UserFactory(email=f"{prefix}{i}@example.org") for i in range(n)]


def titles(dates):
    return [o.event.title("en") for o in dates]


# Dates to come -------------------------------------------------------------------------------


def test_upcoming_dates_are_published_not_cancelled_not_over_and_of_this_organisation(
    officer, organization, other_organization
):
    published(officer, organization, texts={"en": {"title": "Listed"}})
    # Under way at NOW: still takes sign-ups, so still listed.
    published(
        officer,
        organization,
        texts={"en": {"title": "Under way"}},
        starts_at=NOW - dt.timedelta(hours=1),
        ends_at=NOW + dt.timedelta(hours=1),
    )
    published(
        officer,
        organization,
        texts={"en": {"title": "Over"}},
        starts_at=NOW - dt.timedelta(hours=2),
        ends_at=NOW,
    )
    new_event(officer, organization, texts={"en": {"title": "Draft"}})
    services.cancel_event(officer, published(officer, organization, texts={"en": {"title": "X"}}))
    series = published(
        officer,
        organization,
        texts={"en": {"title": "Series"}},
        recurrence_rule="FREQ=WEEKLY;COUNT=3",
    )
    services.cancel_occurrence(officer, series.occurrences.order_by("starts_at")[1])
    published(make_member(other_organization, Role.OFFICER), other_organization)

    dates = queries.upcoming_dates(organization, now=NOW)

    assert titles(dates) == ["Under way", "Listed", "Series", "Series"]


def test_upcoming_dates_filter_by_area_and_by_kind(officer, organization, area):
    harbour = factories.AreaFactory(organization=organization, slug="harbour")
    published(officer, organization, texts={"en": {"title": "A"}}, areas=[area, harbour])
    published(officer, organization, kind="forum", texts={"en": {"title": "B"}}, areas=[area])
    published(officer, organization, texts={"en": {"title": "C"}}, areas=[harbour])

    assert titles(queries.upcoming_dates(organization, now=NOW, area=area)) == ["A", "B"]
    assert titles(queries.upcoming_dates(organization, now=NOW, kind="forum")) == ["B"]
    assert titles(queries.upcoming_dates(organization, now=NOW, area=harbour, kind="forum")) == []


# Places --------------------------------------------------------------------------------------


def test_places_of_every_date_come_from_one_grouped_query(
    officer, organization, django_assert_num_queries
):
    small = published(officer, organization, capacity=2)
    open_ = published(officer, organization)
    occurrence = small.occurrences.get()
    for person in people(3):
        services.sign_up(occurrence, user=person, now=NOW)
    services.sign_up(occurrence, name="Pending guest", email="g@example.org", now=NOW)
    services.cancel_sign_up(
        services.sign_up(open_.occurrences.get(), user=people(1, "c")[0], now=NOW).rsvp, now=NOW
    )
    dates = list(queries.upcoming_dates(organization, now=NOW))

    with django_assert_num_queries(1):
        counted = queries.places(organization, dates)

    full, unlimited = counted[dates[0].pk], counted[dates[1].pk]
    assert (full.taken, full.waiting, full.left, full.full) == (2, 1, 0, True)
    assert (unlimited.taken, unlimited.waiting, unlimited.left, unlimited.full) == (
        0,
        0,
        None,
        False,
    )


def test_date_rows_cost_the_same_queries_for_two_dates_or_twenty(
    officer, organization, django_assert_num_queries
):
    resident = factories.UserFactory(email="me@example.org")

    def rows_cost(count):
        for n in range(count):
            event = published(officer, organization, capacity=1)
            services.sign_up(event.occurrences.get(), user=people(1, f"x{count}{n}")[0], now=NOW)
            services.sign_up(event.occurrences.get(), user=resident, now=NOW)  # waits
        dates = list(queries.upcoming_dates(organization, now=NOW))
        with django_assert_num_queries(3):  # places, my sign-ups, my positions
            rows = queries.date_rows(organization, dates, language="fr", user=resident)
        return rows

    assert {row.position for row in rows_cost(2)} == {1}
    assert len(rows_cost(18)) == 20


# Waiting list --------------------------------------------------------------------------------


def test_waiting_positions_follow_the_order_of_arrival_per_date(officer, organization):
    event = published(officer, organization, capacity=1, recurrence_rule="FREQ=WEEKLY;COUNT=2")
    first, second = event.occurrences.order_by("starts_at")
    someone, a, b, c = people(4)
    services.sign_up(first, user=someone, now=NOW)
    waiting = [
        services.sign_up(first, user=a, now=NOW).rsvp,
        services.sign_up(first, user=b, now=NOW).rsvp,  # same instant: the id decides
        services.sign_up(first, user=c, now=NOW + dt.timedelta(minutes=1)).rsvp,
    ]
    services.sign_up(second, user=c, now=NOW)  # a place at the other date
    elsewhere = services.sign_up(second, user=b, now=NOW).rsvp  # waits at the other date

    positions = queries.waiting_positions(organization, [*waiting, elsewhere])

    assert [positions[r.pk] for r in waiting] == [1, 2, 3]
    assert positions[elsewhere.pk] == 1
    services.cancel_sign_up(waiting[0], now=NOW)
    assert queries.waiting_position(waiting[1]) == 1
    assert queries.waiting_position(waiting[0]) is None


# The month -----------------------------------------------------------------------------------


def test_month_dates_follow_the_organisations_clock(officer, organization):
    # 22:00 on 31 March in Toronto is 1 April in UTC: it belongs to March.
    published(
        officer,
        organization,
        texts={"en": {"title": "Late March"}},
        starts_at=local(2030, 3, 31, 22),
        ends_at=local(2030, 3, 31, 23),
    )
    published(
        officer,
        organization,
        texts={"en": {"title": "April fool"}},
        starts_at=local(2030, 4, 1, 0, 30),
        ends_at=local(2030, 4, 1, 1),
    )

    march = list(queries.month_dates(organization, dt.date(2030, 3, 1)))
    april = list(queries.month_dates(organization, dt.date(2030, 4, 1)))

    assert titles(march) == ["Late March"]
    assert titles(april) == ["April fool"]
    rows = queries.date_rows(organization, march, language="en")
    assert [day.day for day in queries.by_day(rows, TORONTO)] == [dt.date(2030, 3, 31)]


@pytest.mark.parametrize("first_weekday,first_row", [(0, 4), (6, 5)])
def test_the_month_grid_starts_the_week_on_the_given_day(first_weekday, first_row):
    # 1 March 2030 is a Friday.
    grid = queries.month_grid(
        dt.date(2030, 3, 1), [], first_weekday=first_weekday, today=dt.date(2030, 3, 15)
    )

    first_week = grid.weeks[0]
    assert first_week.index(next(d for d in first_week if d)) == first_row
    assert grid.weekdays[0] == first_weekday
    assert sum(1 for week in grid.weeks for d in week if d) == 31
    assert (grid.previous, grid.next) == (dt.date(2030, 2, 1), dt.date(2030, 4, 1))


def test_the_month_grid_counts_dates_per_day_and_stops_at_its_bounds(officer, organization):
    event = published(officer, organization, recurrence_rule="FREQ=DAILY;COUNT=2")
    published(officer, organization)
    rows = queries.date_rows(
        organization, list(queries.month_dates(organization, dt.date(2030, 3, 1))), language="en"
    )
    today = dt.date(2030, 3, 15)
    first, last = queries.month_bounds(today)

    grid = queries.month_grid(
        dt.date(2030, 3, 1), queries.by_day(rows, TORONTO), first_weekday=0, today=today
    )

    counts = {d.day: d.count for week in grid.weeks for d in week if d and d.count}
    assert counts == {dt.date(2030, 3, 4): 2, dt.date(2030, 3, 5): 1}
    assert (first, last) == (dt.date(2020, 3, 1), dt.date(2040, 3, 1))
    assert queries.month_grid(last, [], first_weekday=0, today=today).next is None
    assert queries.month_grid(first, [], first_weekday=0, today=today).previous is None
    assert event.occurrences.count() == 2


# Past events ---------------------------------------------------------------------------------


def test_past_events_are_the_most_recent_first_with_their_recaps(officer, organization):
    older = published(
        officer,
        organization,
        texts={"en": {"title": "Older"}},
        starts_at=local(2029, 1, 5, 19),
        ends_at=local(2029, 1, 5, 20),
    )
    series = published(
        officer,
        organization,
        texts={"en": {"title": "Series"}},
        starts_at=local(2029, 2, 1, 19),
        ends_at=local(2029, 2, 1, 20),
        recurrence_rule="FREQ=WEEKLY;COUNT=3",
    )
    last = series.occurrences.order_by("starts_at").last()
    services.cancel_occurrence(officer, last)  # its last date did not take place
    recaps.publish_recap(
        officer,
        older,
        texts={"en": {"summary": "Good turnout."}, "fr": {"summary": "Belle affluence."}},
        now=NOW,
    )
    services.cancel_event(
        officer,
        published(officer, organization, starts_at=local(2029, 3, 1), ends_at=local(2029, 3, 2)),
    )
    published(officer, organization)  # still to come

    rows = queries.past_rows(queries.past_events(organization, now=NOW), language="fr")

    assert [r.title for r in rows] == ["Series", "Older"]
    assert rows[0].last_date == local(2029, 2, 8, 19)
    assert rows[0].recap is None and rows[0].summary == ""
    assert rows[1].summary == "Belle affluence."


# One event -----------------------------------------------------------------------------------


def test_an_event_is_reached_only_when_published_or_cancelled(
    officer, organization, other_organization
):
    draft = new_event(officer, organization)
    shown = published(officer, organization)
    cancelled = services.cancel_event(officer, published(officer, organization))
    elsewhere = published(make_member(other_organization, Role.OFFICER), other_organization)

    assert queries.access_public_event(organization, shown.pk) == shown
    assert queries.access_public_event(organization, cancelled.pk) == cancelled
    for missing in (draft.pk, elsewhere.pk, 999_999):
        with pytest.raises(Http404):
            queries.access_public_event(organization, missing)


def test_hosts_are_named_only_by_the_name_they_chose(officer, organization):
    named = make_member(organization, Role.OFFICER, email="named@riverside.example")
    named.display_name = "Sgt. Okafor"
    named.save()
    anonymous = make_member(organization, Role.SUPERVISOR, email="quiet@riverside.example")
    anonymous.display_name = ""
    anonymous.save()
    event = published(officer, organization, hosts=[named, anonymous])

    assert queries.host_names(event) == ["Sgt. Okafor"]


# Sign-ups ------------------------------------------------------------------------------------


def test_a_guest_sign_up_is_reached_only_with_its_secret(officer, organization):
    occurrence = published(officer, organization).occurrences.get()
    signed = services.sign_up(occurrence, name="Sam", email="sam@example.org", now=NOW)

    assert queries.access_guest_sign_up(organization, signed.rsvp.pk, signed.secret) == signed.rsvp
    with pytest.raises(Http404):
        queries.access_guest_sign_up(organization, signed.rsvp.pk, "wrong")
    other = factories.OrganizationFactory(slug="elsewhere")
    with pytest.raises(Http404):
        queries.access_guest_sign_up(other, signed.rsvp.pk, signed.secret)


def test_my_sign_ups_are_my_active_places_to_come_and_the_dates_i_attended(officer, organization):
    me, other = people(2, "m")
    coming = published(officer, organization, capacity=1, texts={"en": {"title": "Coming"}})
    services.sign_up(coming.occurrences.get(), user=other, now=NOW)
    waiting = services.sign_up(coming.occurrences.get(), user=me, now=NOW).rsvp
    dropped = published(officer, organization, texts={"en": {"title": "Dropped"}})
    services.cancel_sign_up(
        services.sign_up(dropped.occurrences.get(), user=me, now=NOW).rsvp, now=NOW
    )
    went = published(
        officer,
        organization,
        texts={"en": {"title": "Went"}},
        starts_at=local(2029, 6, 1, 19),
        ends_at=local(2029, 6, 1, 20),
    )
    rsvp = services.sign_up(went.occurrences.get(), user=me, now=local(2029, 5, 1)).rsvp
    checkin.check_in_by_name(officer, rsvp, now=local(2029, 6, 1, 19))
    skipped = published(
        officer,
        organization,
        texts={"en": {"title": "Skipped"}},
        starts_at=local(2029, 7, 1, 19),
        ends_at=local(2029, 7, 1, 20),
    )
    services.sign_up(skipped.occurrences.get(), user=me, now=local(2029, 6, 2))

    upcoming, attended = queries.my_sign_ups(me, organization, now=NOW, language="en")

    assert [(s.title, s.rsvp.status, s.position) for s in upcoming] == [
        ("Coming", RsvpStatus.WAITLISTED, 1)
    ]
    assert upcoming[0].rsvp == waiting
    assert [s.title for s in attended] == ["Went"]


def test_only_my_own_active_place_to_come_can_be_cancelled(officer, organization):
    me, other = people(2, "k")
    occurrence = published(officer, organization).occurrences.get()
    mine = services.sign_up(occurrence, user=me, now=NOW).rsvp
    theirs = services.sign_up(occurrence, user=other, now=NOW).rsvp

    assert queries.access_my_sign_up(me, organization, mine.pk, now=NOW) == mine
    with pytest.raises(Http404):
        queries.access_my_sign_up(me, organization, theirs.pk, now=NOW)
    with pytest.raises(Http404):  # the date is over
        queries.access_my_sign_up(me, organization, mine.pk, now=local(2030, 3, 5))
    services.cancel_sign_up(mine, now=NOW)
    with pytest.raises(Http404):
        queries.access_my_sign_up(me, organization, mine.pk, now=NOW)


def test_days_are_the_organisations_days(officer, organization):
    published(officer, organization, starts_at=local(2030, 3, 4, 23), ends_at=local(2030, 3, 5, 1))
    rows = queries.date_rows(
        organization, list(queries.upcoming_dates(organization, now=NOW)), language="en"
    )

    assert [d.day for d in queries.by_day(rows, TORONTO)] == [dt.date(2030, 3, 4)]
    assert [d.day for d in queries.by_day(rows, zoneinfo.ZoneInfo("UTC"))] == [dt.date(2030, 3, 5)]
