"""The organisers' pages of events: planning an event and its series through the form, every
refused input changing nothing, editing, publishing, cancelling, cancelling and moving one
date, the attendee list and its safe CSV, messages to attendees, and who may open them."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.conftest import make_member, signed_in
from tests.events.conftest import TORONTO, local, new_event, published
from trustbridge.core.models import AuditAction, AuditEvent, Role
from trustbridge.events import services
from trustbridge.events.models import Event, EventStatus, Occurrence, Rsvp, RsvpStatus
from trustbridge.events.staff_forms import build_rule, read_rule

pytestmark = pytest.mark.django_db

BASE = "/o/riverside/staff/events/"


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def field_errors(response, field: str) -> str:
    """The error list shown under one field of the form ('' when it has none)."""
    found = re.search(
        rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', text_of(response), re.S
    )
    return found.group(1) if found else ""


def form_data(**changes):
    """A valid event form: a watch meeting on Monday 4 March 2030, 19:00 to 20:30, Toronto."""
    data = {
        "kind": "watch_meeting",
        "title_en": "Old Mill watch meeting",
        "description_en": "Tea and news.",
        "title_fr": "",
        "description_fr": "",
        "title_es": "",
        "description_es": "",
        "starts_at": "2030-03-04T19:00",
        "ends_at": "2030-03-04T20:30",
        "repeat": "",
        "count": "",
        "until": "",
        "recurrence": "",
        "venue": "Old Mill library",
        "address": "",
        "online_url": "",
        "interpretation": "",
        "accessibility_notes": "",
        "capacity": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def client(officer):
    return signed_in(officer)


def residents(n):
    return [factories.UserFactory(email=f"neighbour{i}@example.org") for i in range(n)]


# Planning an event -------------------------------------------------------------------------


def test_an_officer_plans_a_one_off_event_on_the_organisations_clock(
    client, officer, organization, area
):
    response = client.post(
        BASE + "new/",
        form_data(
            title_fr="Réunion de veille",
            areas=[str(area.pk)],
            hosts=[str(officer.pk)],
            capacity="40",
            step_free="on",
            hearing_loop="on",
            interpretation="Spanish",
        ),
    )

    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}{event.pk}/"
    assert event.status == EventStatus.DRAFT
    assert event.organization == organization
    assert event.texts == {
        "en": {"title": "Old Mill watch meeting", "description": "Tea and news."},
        "fr": {"title": "Réunion de veille", "description": ""},
    }
    # Typed as 19:00 on the organisation's wall clock (Toronto), not the server's (UTC).
    assert event.starts_at == local(2030, 3, 4, 19)
    assert event.ends_at == local(2030, 3, 4, 20, 30)
    assert event.recurrence == ""
    assert (event.capacity, event.step_free, event.hearing_loop, event.childcare) == (
        40,
        True,
        True,
        False,
    )
    assert event.interpretation == "Spanish"
    assert list(event.areas.all()) == [area]
    assert list(event.hosts.all()) == [officer]
    assert [o.starts_at for o in event.occurrences.all()] == [local(2030, 3, 4, 19)]


def test_a_weekly_series_from_the_repeat_helper_keeps_its_local_time_across_daylight_saving(
    client,
):
    # Toronto moves its clocks on Sunday 10 March 2030.
    response = client.post(
        BASE + "new/",
        form_data(
            starts_at="2030-03-05T19:00",
            ends_at="2030-03-05T20:30",
            repeat="weekly",
            weekdays=["TU", "TH"],
            count="4",
        ),
    )

    assert response.status_code == 302
    event = Event.objects.get()
    assert event.recurrence == "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4"
    starts = [o.starts_at.astimezone(TORONTO) for o in event.occurrences.all()]
    assert [(s.day, s.hour) for s in starts] == [(5, 19), (7, 19), (12, 19), (14, 19)]


def test_every_two_weeks_until_a_date_includes_that_last_date(client):
    response = client.post(
        BASE + "new/",
        form_data(repeat="fortnightly", until="2030-04-01"),
    )

    assert response.status_code == 302
    event = Event.objects.get()
    assert event.recurrence == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=20300401T235959"
    days = [o.starts_at.astimezone(TORONTO).date() for o in event.occurrences.all()]
    assert days == [dt.date(2030, 3, 4), dt.date(2030, 3, 18), dt.date(2030, 4, 1)]


def test_a_monthly_series_keeps_the_weekday_and_its_place_in_the_month(client):
    # Tuesday 12 March 2030 is the second Tuesday of March.
    response = client.post(
        BASE + "new/",
        form_data(
            starts_at="2030-03-12T18:00", ends_at="2030-03-12T19:00", repeat="monthly", count="3"
        ),
    )

    assert response.status_code == 302
    event = Event.objects.get()
    assert event.recurrence == "FREQ=MONTHLY;BYDAY=2TU;COUNT=3"
    days = [o.starts_at.astimezone(TORONTO).date() for o in event.occurrences.all()]
    assert days == [dt.date(2030, 3, 12), dt.date(2030, 4, 9), dt.date(2030, 5, 14)]


def test_a_fifth_weekday_repeats_as_the_last_of_each_month():
    start = dt.datetime(2030, 3, 29, 18, tzinfo=TORONTO)  # the fifth Friday of March
    assert (
        build_rule("monthly", start=start, weekdays=[], count=3, until=None)
        == "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3"
    )


def test_an_expert_rule_replaces_the_helpers_choices(client):
    response = client.post(
        BASE + "new/",
        form_data(repeat="weekly", count="9", recurrence="RRULE:FREQ=DAILY;COUNT=3"),
    )

    assert response.status_code == 302
    event = Event.objects.get()
    assert event.recurrence == "FREQ=DAILY;COUNT=3"
    assert event.occurrences.count() == 3


REFUSALS = [
    pytest.param(
        {"ends_at": "2030-03-04T18:00"}, "ends_at", "The end must be after the start.", id="end"
    ),
    pytest.param(
        {"recurrence": "FREQ=WEEKLY;BYDAY=MO"},
        "recurrence",
        "A series must end",
        id="rule-without-end",
    ),
    pytest.param(
        {"repeat": "weekly"},
        "count",
        "Say when the series ends",
        id="helper-without-end",
    ),
    pytest.param(
        {"repeat": "weekly", "count": "500"},
        "repeat",
        "A series has at most 200 dates over 3 years.",
        id="too-many-dates",
    ),
    pytest.param(
        {"repeat": "weekly", "count": "4", "until": "2030-05-01"},
        "until",
        "not both",
        id="two-ends",
    ),
    pytest.param(
        {"title_en": "", "description_en": ""}, "title_en", "Give the event a title.", id="title"
    ),
    pytest.param(
        {"title_en": "", "description_en": "Tea."},
        "title_en",
        "Give a title in this language too.",
        id="description-without-title",
    ),
    pytest.param({"capacity": "0"}, "capacity", "Give at least one place", id="no-places"),
    pytest.param(
        {"venue": ""},
        "venue",
        "Say where it takes place",
        id="nowhere",
    ),
    pytest.param(
        {"online_url": "javascript:alert(1)"},
        "online_url",
        "Give a web address starting with https://.",
        id="link",
    ),
    pytest.param(
        {"starts_at": "next Tuesday"}, "starts_at", "Enter a valid date/time.", id="unreadable"
    ),
    pytest.param(
        # 02:30 on 10 March 2030 does not exist in Toronto (clocks jump from 02:00 to 03:00).
        {"starts_at": "2030-03-10T02:30", "ends_at": "2030-03-10T04:00"},
        "starts_at",
        "may be ambiguous or it may not exist",
        id="time-that-does-not-exist",
    ),
]


@pytest.mark.parametrize("changes,field,message", REFUSALS)
def test_refused_input_is_shown_on_its_field_and_nothing_is_saved(client, changes, field, message):
    response = client.post(BASE + "new/", form_data(**changes))

    assert response.status_code == 400
    assert message in field_errors(response, field)
    assert "Nothing was saved." in text_of(response)
    assert Event.objects.count() == 0
    assert Occurrence.objects.count() == 0


def test_a_host_who_is_not_a_member_is_refused(client, other_organization):
    stranger = make_member(other_organization, Role.OFFICER)

    response = client.post(BASE + "new/", form_data(hosts=[str(stranger.pk)]))

    assert response.status_code == 400
    assert f"Select a valid choice. {stranger.pk} is not one of the available choices." in (
        field_errors(response, "hosts")
    )
    assert Event.objects.count() == 0


def test_the_form_offers_the_organisations_languages_areas_and_members_only(
    client, officer, organization, other_organization, area
):
    organization.languages = ["en", "es"]
    organization.save(update_fields=["languages"])
    factories.AreaFactory(organization=other_organization, name="Faraway Heights")
    stranger = make_member(other_organization, Role.OFFICER)
    stranger.display_name = "Faraway Officer"
    stranger.save(update_fields=["display_name"])

    page = text_of(client.get(BASE + "new/"))

    assert 'name="title_en"' in page and 'name="title_es"' in page
    assert 'name="title_fr"' not in page
    assert "Old Mill" in page and "Faraway Heights" not in page
    assert officer.display_name in page and "Faraway Officer" not in page


# Editing -------------------------------------------------------------------------------------


def test_the_edit_form_shows_the_event_as_saved(client, officer, organization):
    event = new_event(officer, organization, recurrence_rule="FREQ=WEEKLY;BYDAY=MO;COUNT=6")

    page = text_of(client.get(f"{BASE}{event.pk}/"))

    assert 'name="starts_at" value="2030-03-04T19:00"' in page  # local time, not UTC
    assert 'value="Old Mill watch meeting"' in page
    assert '<option value="weekly" selected>' in page
    assert 'name="count" value="6"' in page
    assert 'name="recurrence" value=""' not in page and 'name="recurrence"' in page


def test_saving_a_series_unchanged_moves_nothing(client, officer, organization):
    event = published(officer, organization, recurrence_rule="FREQ=WEEKLY;BYDAY=MO;COUNT=6")
    services.sign_up(event.occurrences.first(), user=residents(1)[0])

    response = client.post(
        f"{BASE}{event.pk}/", form_data(repeat="weekly", weekdays=["MO"], count="6")
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.recurrence, event.sequence) == ("FREQ=WEEKLY;BYDAY=MO;COUNT=6", 0)
    assert event.occurrences.count() == 6


def test_a_rule_the_helper_cannot_show_stays_in_the_advanced_field():
    start = dt.datetime(2030, 3, 4, 19, tzinfo=TORONTO)
    assert read_rule("FREQ=DAILY;COUNT=5", start) is None
    assert read_rule("FREQ=WEEKLY;BYDAY=MO;COUNT=5;BYSETPOS=1", start) is None
    assert read_rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;UNTIL=20300601T235959", start) == {
        "repeat": "fortnightly",
        "weekdays": ["MO", "FR"],
        "count": None,
        "until": dt.date(2030, 6, 1),
    }


def test_an_edit_saves_the_changes_and_raises_the_sequence_when_the_time_moves(
    client, officer, organization
):
    event = new_event(officer, organization)

    response = client.post(
        f"{BASE}{event.pk}/",
        form_data(
            title_en="Old Mill watch meeting (spring)",
            starts_at="2030-03-04T18:30",
            ends_at="2030-03-04T20:00",
            capacity="25",
        ),
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title("en") == "Old Mill watch meeting (spring)"
    assert event.starts_at == local(2030, 3, 4, 18, 30)
    assert event.capacity == 25
    assert event.sequence == 1
    assert event.occurrences.get().starts_at == local(2030, 3, 4, 18, 30)


def test_the_edit_form_warns_that_attendees_are_told_of_changes(client, officer, organization):
    event = published(officer, organization)
    services.sign_up(event.occurrences.get(), user=residents(1)[0])
    services.sign_up(event.occurrences.get(), name="Guest", email="guest@example.org")
    quiet = published(officer, organization)

    assert "2 people have signed up. If you change the time or the place, they will be told" in (
        text_of(client.get(f"{BASE}{event.pk}/"))
    )
    assert "have signed up" not in text_of(client.get(f"{BASE}{quiet.pk}/"))


def test_capacity_below_the_places_taken_is_refused_and_nothing_changes(
    client, officer, organization
):
    event = published(officer, organization, capacity=5)
    for person in residents(3):
        services.sign_up(event.occurrences.get(), user=person)

    response = client.post(
        f"{BASE}{event.pk}/", form_data(capacity="2", title_en="Renamed", venue="Town hall")
    )

    assert response.status_code == 400
    assert "Places already taken: 3. The capacity cannot be lower." in field_errors(
        response, "capacity"
    )
    event.refresh_from_db()
    assert (event.capacity, event.title("en"), event.venue) == (
        5,
        "Old Mill watch meeting",
        "Old Mill library",
    )


def test_an_event_of_another_organisation_is_not_found(client, other_organization):
    stranger = make_member(other_organization, Role.OFFICER)
    theirs = new_event(stranger, other_organization)

    for path in ("", "dates/", "cancel/", "message/"):
        assert client.get(f"{BASE}{theirs.pk}/{path}").status_code == 404
    occurrence = theirs.occurrences.get()
    assert client.get(f"{BASE}{theirs.pk}/dates/{occurrence.pk}/attendees/").status_code == 404
    assert client.post(f"{BASE}{theirs.pk}/publish/").status_code == 404
    assert Event.objects.get(pk=theirs.pk).status == EventStatus.DRAFT


def test_a_date_of_another_event_is_not_found(client, officer, organization):
    event = new_event(officer, organization)
    other = new_event(officer, organization).occurrences.get()

    response = client.get(f"{BASE}{event.pk}/dates/{other.pk}/attendees/")

    assert response.status_code == 404


# Publishing and cancelling ---------------------------------------------------------------------


def test_publishing_a_draft_makes_it_public_once(client, officer, organization):
    event = new_event(officer, organization)

    first = client.post(f"{BASE}{event.pk}/publish/", follow=True)
    second = client.post(f"{BASE}{event.pk}/publish/", follow=True)

    assert "Event published." in text_of(first)
    assert "Only a draft can be published." in text_of(second)
    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED


def test_publishing_is_a_post(client, officer, organization):
    event = new_event(officer, organization)

    assert client.get(f"{BASE}{event.pk}/publish/").status_code == 405
    assert Event.objects.get(pk=event.pk).status == EventStatus.DRAFT


def test_cancelling_asks_for_confirmation_first(client, officer, organization):
    event = published(officer, organization)
    services.sign_up(event.occurrences.get(), user=residents(1)[0])

    page = client.get(f"{BASE}{event.pk}/cancel/")
    unconfirmed = client.post(f"{BASE}{event.pk}/cancel/", {})

    assert "1 person signed up will be told by e-mail." in text_of(page)
    assert unconfirmed.status_code == 400
    assert "This field is required." in field_errors(unconfirmed, "confirm")
    assert Event.objects.get(pk=event.pk).status == EventStatus.PUBLISHED


def test_a_confirmed_cancellation_cancels_the_event_and_tells_attendees(
    client, officer, organization, mailbox, django_capture_on_commit_callbacks
):
    event = published(officer, organization)
    attendee = residents(1)[0]
    services.sign_up(event.occurrences.get(), user=attendee)
    mailbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}{event.pk}/cancel/", {"confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == f"{BASE}{event.pk}/"
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    assert len(mailbox.to(attendee.email)) == 1


# Dates ---------------------------------------------------------------------------------------


def test_the_dates_page_counts_places_waiting_list_and_pending_guests(
    client, officer, organization
):
    event = published(officer, organization, capacity=1, recurrence_rule="FREQ=WEEKLY;COUNT=2")
    first, second = event.occurrences.all()
    one, two = residents(2)
    services.sign_up(first, user=one)
    services.sign_up(first, user=two)  # waiting list
    services.sign_up(first, name="Guest", email="guest@example.org")  # not confirmed yet
    services.cancel_occurrence(officer, second)

    page = text_of(client.get(f"{BASE}{event.pk}/dates/"))

    rows = re.findall(r"<tr(?: class=\"date-cancelled\")?>(.*?)</tr>", page, re.S)[1:]
    cells = [re.findall(r'<td class="num">(.*?)</td>', row) for row in rows]
    assert cells == [["1 of 1", "1", "1", "0"], ["0 of 1", "0", "0", "0"]]
    assert "Cancelled" in rows[1] and "Cancelled" not in rows[0]
    assert f"{BASE}{event.pk}/dates/{first.pk}/cancel/" in rows[0]
    assert f"{BASE}{event.pk}/dates/{second.pk}/cancel/" not in rows[1]


def queries_of(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_dates_page_costs_the_same_queries_for_2_or_12_dates(client, officer, organization):
    short = published(officer, organization, recurrence_rule="FREQ=WEEKLY;COUNT=2")
    long = published(officer, organization, recurrence_rule="FREQ=WEEKLY;COUNT=12")
    for occurrence in long.occurrences.all()[:6]:
        services.sign_up(occurrence, user=factories.UserFactory())
    queries_of(client, f"{BASE}{short.pk}/dates/")  # warm the session

    assert queries_of(client, f"{BASE}{short.pk}/dates/") == queries_of(
        client, f"{BASE}{long.pk}/dates/"
    )


def test_the_list_costs_the_same_queries_for_2_or_8_events(client, officer, organization):
    for _ in range(2):
        published(officer, organization)
    queries_of(client, BASE)
    few = queries_of(client, BASE)
    for _ in range(6):
        event = published(officer, organization, capacity=3)
        services.sign_up(event.occurrences.get(), user=factories.UserFactory())

    assert queries_of(client, BASE) == few


def test_the_list_shows_events_to_come_first_then_past_ones(client, officer, organization):
    past = new_event(
        officer,
        organization,
        texts={"en": {"title": "Last year's barbecue"}},
        starts_at=local(2020, 6, 1, 12),
        ends_at=local(2020, 6, 1, 15),
    )
    later = published(
        officer,
        organization,
        texts={"en": {"title": "Autumn forum"}},
        capacity=30,
        starts_at=local(2030, 10, 1, 19),
        ends_at=local(2030, 10, 1, 21),
    )
    sooner = new_event(officer, organization, texts={"en": {"title": "Spring meeting"}})
    services.sign_up(later.occurrences.get(), user=residents(1)[0])
    cancelled = published(
        officer,
        organization,
        texts={"en": {"title": "Called-off fair"}},
        starts_at=local(2030, 3, 5, 12),
        ends_at=local(2030, 3, 5, 15),
    )
    services.cancel_event(officer, cancelled)

    page = text_of(client.get(BASE))

    order = [page.index(t) for t in ("Spring meeting", "Called-off fair", "Autumn forum")]
    assert order == sorted(order)
    assert page.index("Autumn forum") < page.index("Last year's barbecue")
    assert "1 of 30" in page
    assert "Draft" in page and "Published" in page and "Cancelled" in page
    assert f"{BASE}{past.pk}/" in page and f"{BASE}{sooner.pk}/" in page


def test_cancelling_one_date_leaves_the_others(client, officer, organization):
    event = published(officer, organization, recurrence_rule="FREQ=WEEKLY;COUNT=3")
    second = event.occurrences.all()[1]
    path = f"{BASE}{event.pk}/dates/{second.pk}/cancel/"

    assert client.get(path).status_code == 200
    assert client.post(path, {}).status_code == 400
    assert not Occurrence.objects.get(pk=second.pk).cancelled
    response = client.post(path, {"confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == f"{BASE}{event.pk}/dates/"
    assert [o.cancelled for o in event.occurrences.order_by("starts_at")] == [False, True, False]
    again = client.post(path, {"confirm": "on"})
    assert again.status_code == 400
    assert "This date is already cancelled." in text_of(again)


def test_moving_a_date_keeps_its_sign_ups(client, officer, organization):
    event = published(officer, organization, recurrence_rule="FREQ=WEEKLY;COUNT=2")
    first, second = event.occurrences.all()
    rsvp = services.sign_up(second, user=residents(1)[0]).rsvp
    path = f"{BASE}{event.pk}/dates/{second.pk}/move/"

    form = text_of(client.get(path))
    response = client.post(path, {"starts_at": "2030-03-12T18:00", "ends_at": "2030-03-12T19:30"})

    assert 'name="starts_at" value="2030-03-11T19:00"' in form
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.starts_at, second.ends_at, second.moved) == (
        local(2030, 3, 12, 18),
        local(2030, 3, 12, 19, 30),
        True,
    )
    assert Rsvp.objects.get(pk=rsvp.pk).occurrence_id == second.pk
    assert Occurrence.objects.get(pk=first.pk).starts_at == local(2030, 3, 4, 19)
    dates = text_of(client.get(f"{BASE}{event.pk}/dates/"))
    assert "Moved" in dates and "(was 03/11/2030 7 p.m.)" in dates


def test_a_move_that_ends_before_it_starts_changes_nothing(client, officer, organization):
    event = published(officer, organization)
    occurrence = event.occurrences.get()

    response = client.post(
        f"{BASE}{event.pk}/dates/{occurrence.pk}/move/",
        {"starts_at": "2030-03-05T19:00", "ends_at": "2030-03-05T18:00"},
    )

    assert response.status_code == 400
    assert "The end must be after the start." in field_errors(response, "ends_at")
    occurrence.refresh_from_db()
    assert (occurrence.starts_at, occurrence.moved) == (local(2030, 3, 4, 19), False)


# Attendees -----------------------------------------------------------------------------------


@pytest.fixture
def full_date(officer, organization):
    """A one-place date: a confirmed resident, two on the waiting list in order, a pending
    guest and a cancellation."""
    event = published(officer, organization, capacity=1)
    occurrence = event.occurrences.get()
    first = factories.UserFactory(email="ada@example.org", display_name="Ada Lovelace")
    second = factories.UserFactory(email="bo@example.org", display_name="Bo Diddley")
    third = factories.UserFactory(email="cy@example.org", display_name="Cy Twombly")
    gone = factories.UserFactory(email="dee@example.org", display_name="Dee Dee")
    for person in (first, gone, second):
        services.sign_up(occurrence, user=person)
    services.cancel_sign_up(Rsvp.objects.get(user=gone))  # left the queue: nobody moves up
    services.sign_up(occurrence, user=third)
    services.sign_up(occurrence, name='=HYPERLINK("http://x.example")', email="eve@example.org")
    return event, occurrence


def test_the_attendee_list_shows_each_group_in_its_order(client, full_date):
    event, occurrence = full_date

    response = client.get(f"{BASE}{event.pk}/dates/{occurrence.pk}/attendees/")

    page = text_of(response)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Confirmed: 1 place (of 1)" in page
    assert "Waiting list: 2 people" in page
    assert "Waiting for e-mail confirmation: 1 guest" in page
    assert "Cancelled: 1 sign-up" in page
    for text in ("Ada Lovelace", "ada@example.org", "eve@example.org", "dee@example.org"):
        assert text in page
    waiting = page[page.index("Waiting list:") : page.index("Waiting for e-mail confirmation:")]
    assert re.findall(r'<td class="num">(\d+)</td>\s*<th scope="row">(\w+)', waiting) == [
        ("1", "Bo"),
        ("2", "Cy"),
    ]


def test_the_csv_is_a_safe_download_and_is_audited(client, officer, organization, full_date):
    event, occurrence = full_date

    response = client.get(f"{BASE}{event.pk}/dates/{occurrence.pk}/attendees.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="riverside-event-{event.pk}-2030-03-04.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["status", "waiting_list_position", "name", "email", "account"]
    assert [row[:5] for row in rows[1:]] == [
        ["confirmed", "", "Ada Lovelace", "ada@example.org", "yes"],
        ["waitlisted", "1", "Bo Diddley", "bo@example.org", "yes"],
        ["waitlisted", "2", "Cy Twombly", "cy@example.org", "yes"],
        ["pending", "", '\'=HYPERLINK("http://x.example")', "eve@example.org", "no"],
        ["cancelled", "", "Dee Dee", "dee@example.org", "yes"],
    ]
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (export.actor, export.organization, export.target_id) == (
        officer,
        organization,
        str(occurrence.pk),
    )
    assert export.summary == "attendee list"


# Messages ------------------------------------------------------------------------------------


def test_a_message_goes_to_the_people_with_a_place(
    client, full_date, mailbox, django_capture_on_commit_callbacks
):
    event, occurrence = full_date
    mailbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{BASE}{event.pk}/message/",
            {"occurrence": str(occurrence.pk), "subject": "Parking", "body": "Use the rear lot."},
            follow=True,
        )

    assert "Message sent to 1 person." in text_of(response)
    assert [str(m["To"]) for m in mailbox.messages] == ["ada@example.org"]


def test_a_message_can_include_the_waiting_list(
    client, full_date, mailbox, django_capture_on_commit_callbacks
):
    event, _occurrence = full_date
    mailbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{BASE}{event.pk}/message/",
            {"occurrence": "", "include_waitlist": "on", "subject": "Hi", "body": "See you."},
            follow=True,
        )

    assert "Message sent to 3 people." in text_of(response)
    assert sorted(str(m["To"]) for m in mailbox.messages) == [
        "ada@example.org",
        "bo@example.org",
        "cy@example.org",
    ]


def test_a_message_without_a_subject_or_anyone_to_receive_it_is_refused(
    client, officer, organization, mailbox
):
    event = published(officer, organization)
    mailbox.clear()

    empty = client.post(f"{BASE}{event.pk}/message/", {"subject": "", "body": "Hello"})
    nobody = client.post(f"{BASE}{event.pk}/message/", {"subject": "Hi", "body": "Hello"})

    assert empty.status_code == 400
    assert "This field is required." in field_errors(empty, "subject")
    assert nobody.status_code == 400
    assert "Nobody is signed up to receive it: nothing was sent." in text_of(nobody)
    assert mailbox.messages == []


# Who may open these pages --------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [
        ("admin", 200),
        ("supervisor", 200),
        ("officer", 200),
        ("moderator", 403),
        ("standards", 403),
        ("partner", 404),
    ],
)
def test_organisers_open_the_pages_and_other_roles_are_refused(organization, officer, role, status):
    event = new_event(officer, organization)
    occurrence = event.occurrences.get()
    person = officer if role == "officer" else make_member(organization, role)
    client = signed_in(person)
    date = f"{BASE}{event.pk}/dates/{occurrence.pk}/"

    for path in (
        BASE,
        BASE + "new/",
        f"{BASE}{event.pk}/",
        f"{BASE}{event.pk}/cancel/",
        f"{BASE}{event.pk}/dates/",
        date + "cancel/",
        date + "move/",
        date + "attendees/",
        date + "attendees.csv",
        f"{BASE}{event.pk}/message/",
    ):
        assert client.get(path).status_code == status, path
    if status != 200:
        assert client.post(f"{BASE}{event.pk}/publish/").status_code == status
        assert client.post(BASE + "new/", form_data()).status_code == status
        assert Event.objects.get().status == EventStatus.DRAFT
        assert Event.objects.count() == 1


def test_visitors_are_sent_to_sign_in_and_residents_find_nothing(organization, officer, resident):
    event = new_event(officer, organization)

    anonymous = Client().get(f"{BASE}{event.pk}/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/?next=")
    assert signed_in(resident).get(f"{BASE}{event.pk}/").status_code == 404
    assert (
        signed_in(resident).post(f"{BASE}{event.pk}/cancel/", {"confirm": "on"}).status_code == 404
    )
    assert Event.objects.get().status == EventStatus.DRAFT


def test_a_cancelled_sign_up_is_listed_apart(client, officer, organization):
    event = published(officer, organization)
    rsvp = services.sign_up(event.occurrences.get(), user=residents(1)[0]).rsvp
    services.cancel_sign_up(rsvp)

    page = text_of(client.get(f"{BASE}{event.pk}/dates/{rsvp.occurrence_id}/attendees/"))

    assert "Confirmed: 0 places" in page
    assert "Cancelled: 1 sign-up" in page
    assert Rsvp.objects.get().status == RsvpStatus.CANCELLED


@pytest.mark.parametrize(
    ("role", "link"),
    [
        (Role.OFFICER, "events/"),
        (Role.SUPERVISOR, "events/"),
        (Role.MODERATOR, "events/questions/"),
        (Role.STANDARDS, None),
    ],
)
def test_the_staff_navigation_leads_each_role_to_the_events_pages_it_may_open(
    organization, role, link
):
    member = make_member(organization, role)
    staff = f"/o/{organization.slug}/staff/"

    dashboard = signed_in(member).get(staff)

    assert dashboard.status_code == 200
    shown = re.findall(rf'href="{staff}(events/[^"]*)"', dashboard.content.decode())
    assert shown == ([link] if link else [])
