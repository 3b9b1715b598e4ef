"""RFC 5545 calendar feeds of published events (``icalendar`` writes the text).

Each event is one VEVENT with a UID that never changes (``event-<id>@<host>``), a SEQUENCE
raised on every change of time, place or status, and DTSTAMP/LAST-MODIFIED at its last
change, so that polling the feed gives the same bytes until something changes. Times carry
the organisation's time zone (TZID, with its VTIMEZONE). A series is one VEVENT with its
RRULE; a cancelled date is an EXDATE, a moved date an override VEVENT with RECURRENCE-ID.
Cancelled events stay in the feed as STATUS:CANCELLED for ``KEEP_CANCELLED`` so that
subscribed calendars remove them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from trustbridge.core.models import Area, Organization
from trustbridge.events.models import Event, EventStatus, Occurrence

PRODID = "-//Trustbridge//Events//EN"
KEEP_CANCELLED = dt.timedelta(days=60)
PAST = dt.timedelta(days=180)  # past events kept in a feed


def feed_events(
    organization: Organization, *, area: Area | None = None, now: dt.datetime | None = None
) -> QuerySet[Event]:
    """Published events of the last months and to come, and recently cancelled ones; never
    drafts."""
    now = now or timezone.now()
    events = (
        Event.objects.filter(organization=organization)
        .filter(
            Q(status=EventStatus.PUBLISHED, occurrences__ends_at__gte=now - PAST)
            | Q(status=EventStatus.CANCELLED, updated_at__gte=now - KEEP_CANCELLED)
        )
        .distinct()
        .prefetch_related("occurrences")
        .order_by("starts_at", "id")
    )
    if area is not None:
        events = events.filter(areas=area)
    return events


def calendar(organization: Organization, events: Iterable[Event], *, name: str) -> bytes:
    """The feed: CRLF line endings, folded lines, escaped text (``icalendar`` does these)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    zone = zoneinfo.ZoneInfo(organization.timezone)
    language = (organization.languages or [settings.LANGUAGE_CODE])[0]
    for event in events:
        for component in _components(event, zone, language):
            cal.add_component(component)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def uid(event: Event) -> str:
    return f"event-{event.pk}@{_host()}"


def _host() -> str:
    return urlsplit(settings.TRUSTBRIDGE_BASE_URL).hostname or "trustbridge.invalid"


def _components(event: Event, zone: zoneinfo.ZoneInfo, language: str) -> list[icalendar.Event]:
    occurrences = sorted(event.occurrences.all(), key=lambda o: o.original_start)
    if not occurrences:
        return []
    first = occurrences[0]
    master = _vevent(event, first, zone, language)
    if event.recurrence:
        master.add("rrule", icalendar.vRecur.from_ical(event.recurrence))
        cancelled = [o.original_start.astimezone(zone) for o in occurrences if o.cancelled]
        if cancelled:
            master.add("exdate", cancelled)
    components = [master]
    if event.recurrence:
        for occurrence in occurrences:
            if occurrence.moved and not occurrence.cancelled:
                override = _vevent(event, occurrence, zone, language)
                override.add("recurrence-id", occurrence.original_start.astimezone(zone))
                components.append(override)
    return components


def _vevent(
    event: Event, occurrence: Occurrence, zone: zoneinfo.ZoneInfo, language: str
) -> icalendar.Event:
    """One VEVENT: the series' first date (its DTSTART as planned) or a moved date."""
    vevent = icalendar.Event()
    vevent.add("uid", uid(event))
    vevent.add("dtstamp", event.updated_at.astimezone(dt.UTC))
    vevent.add("last-modified", event.updated_at.astimezone(dt.UTC))
    vevent.add("created", event.created_at.astimezone(dt.UTC))
    vevent.add("sequence", event.sequence)
    is_master = not occurrence.moved or not event.recurrence
    start = occurrence.original_start if is_master and event.recurrence else occurrence.starts_at
    length = occurrence.ends_at - occurrence.starts_at
    vevent.add("dtstart", start.astimezone(zone))
    vevent.add("dtend", (start + length).astimezone(zone))
    vevent.add("summary", event.title(language))
    description = event.text(language, "description")
    if event.online_url:
        description = f"{description}\n\n{event.online_url}".strip()
    if description:
        vevent.add("description", description)
    location = ", ".join(part for part in (event.venue, event.address) if part)
    if location or event.online_url:
        vevent.add("location", location or event.online_url)
    cancelled = event.status == EventStatus.CANCELLED or (
        not event.recurrence and occurrence.cancelled
    )
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return vevent
