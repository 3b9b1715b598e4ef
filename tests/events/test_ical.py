"""Calendar feeds, read back with the ``icalendar`` parser: valid, stable, and updated the
way calendar apps expect (same UID, higher SEQUENCE, STATUS:CANCELLED)."""

from __future__ import annotations

import icalendar
from django.conf import settings
from django.test import Client

from tests import factories
from tests.events.conftest import local, new_event, published
from trustbridge.events import services


def feed(path):
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"\r\n" in response.content
    return icalendar.Calendar.from_ical(response.content)


def vevents(calendar):
    return list(calendar.walk("VEVENT"))


def organization_feed(organization):
    return feed(f"/o/{organization.slug}/events.ics")


def test_the_feed_carries_what_rfc_5545_requires(officer, organization):
    event = published(officer, organization)
    calendar = organization_feed(organization)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Trustbridge//Events//EN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    [vevent] = vevents(calendar)
    host = settings.TRUSTBRIDGE_BASE_URL.split("//")[1].split(":")[0]
    assert str(vevent["UID"]) == f"event-{event.pk}@{host}"
    assert vevent["DTSTAMP"].dt.utcoffset().total_seconds() == 0
    assert vevent["DTSTART"].dt == local(2030, 3, 4, 19)
    assert vevent["DTSTART"].params["TZID"] == "America/Toronto"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Toronto"]
    assert str(vevent["SUMMARY"]) == "Old Mill watch meeting"
    assert str(vevent["LOCATION"]) == "Old Mill library"
    assert str(vevent["STATUS"]) == "CONFIRMED"


def test_the_same_feed_twice_is_the_same_bytes_with_the_same_uids(officer, organization):
    published(officer, organization)
    first = Client().get(f"/o/{organization.slug}/events.ics").content
    assert Client().get(f"/o/{organization.slug}/events.ics").content == first


def test_a_change_keeps_the_uid_and_raises_the_sequence(officer, organization):
    event = published(officer, organization)
    [before] = vevents(organization_feed(organization))
    services.update_event(
        officer, event, starts_at=local(2030, 3, 5, 19), ends_at=local(2030, 3, 5, 20)
    )
    [after] = vevents(organization_feed(organization))
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after["DTSTART"].dt == local(2030, 3, 5, 19)


def test_a_cancelled_event_stays_in_the_feed_as_cancelled(officer, organization):
    event = published(officer, organization)
    services.cancel_event(officer, event)
    [vevent] = vevents(organization_feed(organization))
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_a_series_round_trips_with_its_cancelled_and_moved_dates(officer, organization):
    event = published(officer, organization, recurrence_rule="FREQ=WEEKLY;COUNT=4")
    _first, second, third, _fourth = event.occurrences.order_by("starts_at")
    services.cancel_occurrence(officer, second)
    services.move_occurrence(
        officer, third, starts_at=local(2030, 3, 19, 18), ends_at=local(2030, 3, 19, 19, 30)
    )
    master, override = vevents(organization_feed(organization))
    rule = master["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["COUNT"] == [4]
    assert [d.dt for d in master["EXDATE"].dts] == [local(2030, 3, 11, 19)]
    assert override["UID"] == master["UID"]
    assert override["RECURRENCE-ID"].dt == local(2030, 3, 18, 19)
    assert override["DTSTART"].dt == local(2030, 3, 19, 18)


def test_drafts_and_other_organisations_events_are_never_in_the_feed(
    officer, organization, other_organization
):
    new_event(officer, organization)
    theirs = factories.AreaFactory(organization=other_organization, slug="north", name="North")
    assert vevents(organization_feed(organization)) == []
    assert Client().get(f"/o/{organization.slug}/areas/{theirs.slug}/events.ics").status_code == 404


def test_an_area_feed_holds_that_areas_events_only(officer, organization, area):
    published(officer, organization, areas=[area])
    published(officer, organization, texts={"en": {"title": "Elsewhere"}})
    [vevent] = vevents(feed(f"/o/{organization.slug}/areas/{area.slug}/events.ics"))
    assert str(vevent["SUMMARY"]) == "Old Mill watch meeting"


def test_one_event_can_be_added_to_a_calendar_and_a_draft_cannot(officer, organization):
    event = published(officer, organization)
    draft = new_event(officer, organization)
    [vevent] = vevents(feed(f"/o/{organization.slug}/events/{event.pk}.ics"))
    assert str(vevent["UID"]).startswith(f"event-{event.pk}@")
    assert Client().get(f"/o/{organization.slug}/events/{draft.pk}.ics").status_code == 404
