"""Reads for the public events pages: dates to come, the month grid, past events with their
recaps, and a resident's own sign-ups.

Only published events are ever read here (a cancelled event only on its own page, to say so),
always through ``scoped``. Counting is done in bulk: the places taken at every date of a page
come from one grouped query, and waiting-list positions from one query, so a page costs the
same number of queries whether it lists two dates or two hundred. Nothing here reads who
signed up for what, except a resident's own sign-ups and a guest's own, by their secret.
"""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from trustbridge.accounts.models import User
from trustbridge.core.digests import digest_of
from trustbridge.core.models import Area, Organization
from trustbridge.core.tenancy import scoped
from trustbridge.events.models import (
    Event,
    EventStatus,
    Occurrence,
    Recap,
    RecapPhoto,
    Rsvp,
    RsvpStatus,
)

PAGE_SIZE = 20  # dates (or past events) per page
MONTHS_AROUND = 120  # the calendar goes this many months either side of today
ACTIVE = (RsvpStatus.PENDING, RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED)
VISIBLE = (EventStatus.PUBLISHED, EventStatus.CANCELLED)  # an event's own page


# Places ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Places:
    """How full one date is: ``capacity`` None means no limit."""

    capacity: int | None
    taken: int
    waiting: int

    @property
    def left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.taken)

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity


def places(organization: Organization, occurrences: Sequence[Occurrence]) -> dict[int, Places]:
    """The places of each date (its event loaded), from ONE grouped query."""
    if not occurrences:
        return {}
    rows = (
        scoped(Rsvp, organization)
        .filter(occurrence_id__in=[o.pk for o in occurrences])
        .values("occurrence_id")
        .annotate(
            taken=Count("id", filter=Q(status=RsvpStatus.CONFIRMED)),
            waiting=Count("id", filter=Q(status=RsvpStatus.WAITLISTED)),
        )
        .order_by()
    )
    counts = {row["occurrence_id"]: (row["taken"], row["waiting"]) for row in rows}
    return {o.pk: Places(o.event.capacity, *counts.get(o.pk, (0, 0))) for o in occurrences}


# Dates to come, by day ---------------------------------------------------------------------


def _filtered(dates: QuerySet[Occurrence], area: Area | None, kind: str) -> QuerySet[Occurrence]:
    if area is not None:
        dates = dates.filter(event__areas=area)  # one area: no date twice
    if kind:
        dates = dates.filter(event__kind=kind)
    return dates


def _listed(dates: QuerySet[Occurrence]) -> QuerySet[Occurrence]:
    """Published, not cancelled, with what the rows show loaded along."""
    return (
        dates.filter(event__status=EventStatus.PUBLISHED, cancelled=False)
        .select_related("event")
        .prefetch_related("event__areas")
        .order_by("starts_at", "id")
    )


def upcoming_dates(
    organization: Organization, *, now: dt.datetime, area: Area | None = None, kind: str = ""
) -> QuerySet[Occurrence]:
    """Dates not over yet (one under way still takes sign-ups), soonest first."""
    dates = scoped(Occurrence, organization).filter(ends_at__gt=now)
    return _listed(_filtered(dates, area, kind))


def month_dates(
    organization: Organization, month: dt.date, *, area: Area | None = None, kind: str = ""
) -> QuerySet[Occurrence]:
    """Dates starting in ``month`` as the organisation's clock reads it."""
    zone = zoneinfo.ZoneInfo(organization.timezone)
    start = dt.datetime(month.year, month.month, 1, tzinfo=zone)
    end = dt.datetime(*_next_month(month).timetuple()[:3], tzinfo=zone)
    dates = scoped(Occurrence, organization).filter(starts_at__gte=start, starts_at__lt=end)
    return _listed(_filtered(dates, area, kind))


@dataclass(frozen=True)
class DateRow:
    """One date as a list shows it: the event's title in the visitor's language, its
    places, and the visitor's own sign-up if they have one."""

    occurrence: Occurrence
    title: str
    places: Places
    mine: Rsvp | None = None
    position: int | None = None  # on the waiting list, when ``mine`` waits

    @property
    def event(self) -> Event:
        return self.occurrence.event


@dataclass(frozen=True)
class Day:
    day: dt.date
    rows: list[DateRow]


def date_rows(
    organization: Organization,
    occurrences: Sequence[Occurrence],
    *,
    language: str,
    user: User | None = None,
) -> list[DateRow]:
    """Rows for dates already loaded: places in one query, the visitor's own sign-ups and
    their waiting-list positions in two more (signed-in visitors only)."""
    counted = places(organization, occurrences)
    mine = my_sign_ups_at(user, organization, occurrences) if user is not None else {}
    positions = waiting_positions(organization, mine.values())
    return [
        DateRow(
            occurrence=o,
            title=o.event.title(language),
            places=counted[o.pk],
            mine=mine.get(o.pk),
            position=positions.get(mine[o.pk].pk) if o.pk in mine else None,
        )
        for o in occurrences
    ]


def by_day(rows: Iterable[DateRow], zone: zoneinfo.ZoneInfo) -> list[Day]:
    """Rows grouped under the local day they start on, in the order given."""
    days: dict[dt.date, list[DateRow]] = {}
    for row in rows:
        days.setdefault(row.occurrence.starts_at.astimezone(zone).date(), []).append(row)
    return [Day(day, day_rows) for day, day_rows in days.items()]


# The month grid ----------------------------------------------------------------------------


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _previous_month(month: dt.date) -> dt.date:
    return dt.date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and the last month the calendar shows: ``MONTHS_AROUND`` either side of
    today's, so that following "next month" links never goes on for ever."""
    first = last = today.replace(day=1)
    for _step in range(MONTHS_AROUND):
        first, last = _previous_month(first), _next_month(last)
    return first, last


@dataclass(frozen=True)
class GridDay:
    day: dt.date
    count: int  # dates listed that day


@dataclass(frozen=True)
class MonthGrid:
    month: dt.date
    weeks: list[list[GridDay | None]]  # None: a day of the month before or after
    weekdays: list[int]  # column order, 0 = Monday
    previous: dt.date | None  # None at the bounds
    next: dt.date | None


def month_grid(
    month: dt.date, days: Iterable[Day], *, first_weekday: int, today: dt.date
) -> MonthGrid:
    """The weeks of ``month`` (``first_weekday``: 0 = Monday), each day with how many dates
    it has, and the neighbouring months within the bounds."""
    counts = {day.day: len(day.rows) for day in days}
    weeks = [
        [GridDay(d, counts.get(d, 0)) if d.month == month.month else None for d in week]
        for week in calendar.Calendar(first_weekday).monthdatescalendar(month.year, month.month)
    ]
    first, last = month_bounds(today)
    previous, following = _previous_month(month), _next_month(month)
    return MonthGrid(
        month=month,
        weeks=weeks,
        weekdays=[(first_weekday + i) % 7 for i in range(7)],
        previous=previous if previous >= first else None,
        next=following if following <= last else None,
    )


# One event ---------------------------------------------------------------------------------


def access_public_event(organization: Organization, event_id: int) -> Event:
    """A published or cancelled event of the organisation; a draft, another organisation's
    or a missing one are all the same 404."""
    event = scoped(Event, organization).filter(pk=event_id, status__in=VISIBLE).first()
    if event is None:
        raise Http404
    return event


def access_occurrence(event: Event, occurrence_id: int) -> Occurrence:
    """A date of ``event`` (with the event attached), else 404."""
    occurrence = event.occurrences.filter(pk=occurrence_id).first()
    if occurrence is None:
        raise Http404
    occurrence.event = event
    return occurrence


def event_dates(event: Event, *, now: dt.datetime) -> list[Occurrence]:
    """The event's dates not over yet, cancelled ones included (the page marks them)."""
    dates = list(event.occurrences.filter(ends_at__gt=now).order_by("starts_at", "id"))
    for occurrence in dates:
        occurrence.event = event  # already loaded: no query per date
    return dates


def past_date_count(event: Event, *, now: dt.datetime) -> int:
    return event.occurrences.filter(ends_at__lte=now, cancelled=False).count()


def area_names(event: Event) -> list[str]:
    return list(event.areas.order_by("name", "id").values_list("name", flat=True))


def host_names(event: Event) -> list[str]:
    """Hosts by the name they chose to show; a host without one is not named (never by
    e-mail address)."""
    names = event.hosts.filter(erased_at=None).exclude(display_name="")
    return list(names.order_by("display_name", "id").values_list("display_name", flat=True))


def published_recap(event: Event) -> Recap | None:
    """The recap of a published event, with its photos and commitments."""
    if event.status != EventStatus.PUBLISHED:
        return None
    return (
        Recap.objects.filter(event=event, organization_id=event.organization_id)
        .prefetch_related("photos", "commitments")
        .first()
    )


def summary(texts: Mapping[str, Mapping[str, str]], language: str) -> str:
    """The recap's summary in ``language``, else in the first language that has one."""
    chosen = texts.get(language) or next(iter(texts.values()), {})
    return str(chosen.get("summary", ""))


def access_recap_photo(organization: Organization, event_id: int, photo_id: int) -> RecapPhoto:
    """A photo of the recap of a published event; anything else is the same 404."""
    photo = (
        scoped(RecapPhoto, organization)
        .filter(
            pk=photo_id,
            recap__event_id=event_id,
            recap__event__status=EventStatus.PUBLISHED,
        )
        .first()
    )
    if photo is None:
        raise Http404
    return photo


# Past events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastEvent:
    event: Event
    title: str
    last_date: dt.datetime
    recap: Recap | None
    summary: str


def past_events(organization: Organization, *, now: dt.datetime) -> QuerySet[Event]:
    """Published events that took place (a date not cancelled is over), the most recent
    first, each with its last such date (``last_date``) and its recap, if any, loaded."""
    last = (
        Occurrence.objects.filter(event=OuterRef("pk"), cancelled=False, ends_at__lte=now)
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    return (
        scoped(Event, organization)
        .filter(status=EventStatus.PUBLISHED)
        .annotate(last_date=Subquery(last))
        .filter(last_date__isnull=False)
        .select_related("recap")
        .order_by("-last_date", "-id")
    )


def past_rows(events: Iterable[Event], *, language: str) -> list[PastEvent]:
    rows = []
    for event in events:
        # A missing reverse one-to-one raises an AttributeError, which hasattr catches.
        recap = event.recap if hasattr(event, "recap") else None
        rows.append(
            PastEvent(
                event=event,
                title=event.title(language),
                last_date=event.last_date,  # type: ignore[attr-defined]
                recap=recap,
                summary=summary(recap.texts, language) if recap is not None else "",
            )
        )
    return rows


# Sign-ups ----------------------------------------------------------------------------------


def waiting_positions(organization: Organization, rsvps: Iterable[Rsvp]) -> dict[int, int]:
    """The place in its date's waiting list (1 = next to get a place) of each sign-up that
    waits, in one query."""
    waiting = [r.pk for r in rsvps if r.status == RsvpStatus.WAITLISTED]
    if not waiting:
        return {}
    ahead = (
        Rsvp.objects.filter(occurrence=OuterRef("occurrence"), status=RsvpStatus.WAITLISTED)
        .filter(
            Q(queued_at__lt=OuterRef("queued_at"))
            | Q(queued_at=OuterRef("queued_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("occurrence")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        scoped(Rsvp, organization)
        .filter(pk__in=waiting, status=RsvpStatus.WAITLISTED)  # still waiting
        .annotate(ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)))
        .values_list("pk", "ahead")
    )
    return {pk: ahead + 1 for pk, ahead in rows}


def waiting_position(rsvp: Rsvp) -> int | None:
    if rsvp.status != RsvpStatus.WAITLISTED:
        return None
    return waiting_positions(rsvp.organization, [rsvp]).get(rsvp.pk)


def my_sign_ups_at(
    user: User, organization: Organization, occurrences: Sequence[Occurrence]
) -> dict[int, Rsvp]:
    """The resident's active sign-up at each of these dates, by date."""
    if not occurrences:
        return {}
    found = scoped(Rsvp, organization).filter(
        user=user, status__in=ACTIVE, occurrence_id__in=[o.pk for o in occurrences]
    )
    return {rsvp.occurrence_id: rsvp for rsvp in found}


@dataclass(frozen=True)
class MySignUp:
    rsvp: Rsvp
    title: str
    position: int | None

    @property
    def occurrence(self) -> Occurrence:
        return self.rsvp.occurrence

    @property
    def called_off(self) -> bool:
        """The organisers cancelled the date or the whole event."""
        return self.occurrence.cancelled or self.occurrence.event.status == EventStatus.CANCELLED


def my_sign_ups(
    user: User, organization: Organization, *, now: dt.datetime, language: str
) -> tuple[list[MySignUp], list[MySignUp]]:
    """The resident's active sign-ups for dates to come (soonest first), and the past dates
    they attended (checked in at the door; most recent first)."""
    mine = scoped(Rsvp, organization).filter(user=user).select_related("occurrence__event")
    upcoming = list(
        mine.filter(status__in=ACTIVE, occurrence__ends_at__gt=now).order_by(
            "occurrence__starts_at", "id"
        )
    )
    attended = list(
        mine.filter(occurrence__ends_at__lte=now, checked_in_at__isnull=False).order_by(
            "-occurrence__starts_at", "-id"
        )
    )
    positions = waiting_positions(organization, upcoming)

    def row(rsvp: Rsvp) -> MySignUp:
        return MySignUp(rsvp, rsvp.occurrence.event.title(language), positions.get(rsvp.pk))

    return [row(r) for r in upcoming], [row(r) for r in attended]


def access_my_sign_up(
    user: User, organization: Organization, rsvp_id: int, *, now: dt.datetime
) -> Rsvp:
    """The resident's own active sign-up for a date to come; anyone else's, a past one or a
    cancelled one are the same 404."""
    rsvp = (
        scoped(Rsvp, organization)
        .filter(pk=rsvp_id, user=user, status__in=ACTIVE, occurrence__ends_at__gt=now)
        .first()
    )
    if rsvp is None:
        raise Http404
    return rsvp


def access_guest_sign_up(organization: Organization, rsvp_id: int, secret: str) -> Rsvp:
    """A sign-up reached by the link in its e-mail: a wrong secret, another organisation's
    or a missing one are the same 404."""
    rsvp = (
        scoped(Rsvp, organization)
        .filter(pk=rsvp_id, occurrence__event__status__in=VISIBLE)
        .select_related("occurrence__event")
        .first()
    )
    if rsvp is None or not secrets.compare_digest(rsvp.secret_digest, digest_of(secret)):
        raise Http404
    return rsvp


def can_cancel(rsvp: Rsvp, *, now: dt.datetime) -> bool:
    """A sign-up is given back while it is active and its date is not over."""
    return rsvp.status in ACTIVE and rsvp.occurrence.ends_at > now
