"""Reads for the organisers' pages under /o/<slug>/staff/events/.

Every read is scoped to the organisation; an event or a date of another organisation is a
404, like a missing one. Counts of sign-ups are taken for many dates in one grouped query,
never one query per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from trustbridge.accounts.models import User
from trustbridge.core.models import Area, Membership, Organization
from trustbridge.core.tenancy import get_scoped_or_404, scoped
from trustbridge.events.models import Event, Occurrence, Rsvp, RsvpStatus

CONFIRMED = Q(rsvps__status=RsvpStatus.CONFIRMED)
WAITLISTED = Q(rsvps__status=RsvpStatus.WAITLISTED)
PENDING = Q(rsvps__status=RsvpStatus.PENDING)
CHECKED_IN = Q(rsvps__status=RsvpStatus.CONFIRMED, rsvps__checked_in_at__isnull=False)


def access_event(organization: Organization, event_id: int) -> Event:
    """One event of the organisation, whatever its state; 404 alike when missing or
    another organisation's."""
    return get_scoped_or_404(
        Event.objects.select_related("organization"), organization, pk=event_id
    )


def access_occurrence(event: Event, occurrence_id: int) -> Occurrence:
    """One date of ``event``; 404 for a date of another event."""
    try:
        occurrence = scoped(Occurrence, event.organization).get(pk=occurrence_id, event=event)
    except Occurrence.DoesNotExist:
        raise Http404 from None
    occurrence.event = event
    return occurrence


# The list of events --------------------------------------------------------------------------


def events_of(organization: Organization, now: dt.datetime) -> QuerySet[Event]:
    """Every event of the organisation (drafts, published, cancelled): those with a date
    still to come first, soonest first, then the others, latest first.

    Each carries ``next_id``/``next_start`` (its next date not cancelled, or none),
    ``last_start`` and ``date_count``; places at the next date come from ``places_at``.
    """
    upcoming = Occurrence.objects.filter(
        event=OuterRef("pk"), ends_at__gt=now, cancelled=False
    ).order_by("starts_at", "id")
    dates = Occurrence.objects.filter(event=OuterRef("pk"))
    return (
        scoped(Event, organization)
        .annotate(
            next_id=Subquery(upcoming.values("pk")[:1]),
            next_start=Subquery(upcoming.values("starts_at")[:1]),
            last_start=Subquery(dates.order_by("-starts_at").values("starts_at")[:1]),
            date_count=Coalesce(
                Subquery(
                    dates.order_by().values("event").annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
        )
        .order_by(
            F("next_start").asc(nulls_last=True), F("last_start").desc(nulls_last=True), "-id"
        )
    )


@dataclass(frozen=True)
class Places:
    """Sign-ups at one date."""

    confirmed: int = 0
    waitlisted: int = 0
    pending: int = 0
    checked_in: int = 0


def places_at(organization: Organization, occurrence_ids: list[int | None]) -> dict[int, Places]:
    """Sign-ups at each of these dates of the organisation, in one grouped query."""
    ids = [pk for pk in occurrence_ids if pk is not None]
    if not ids:
        return {}
    rows = _with_counts(scoped(Occurrence, organization).filter(pk__in=ids))
    return {
        row.pk: Places(row.confirmed, row.waitlisted, row.pending, row.checked_in)
        for row in rows.only("pk")
    }


def _with_counts(occurrences: QuerySet[Occurrence]) -> QuerySet[Any]:
    """Dates with their sign-up counts: ``confirmed``, ``waitlisted``, ``pending`` and
    ``checked_in`` (grouped in the same query)."""
    return occurrences.annotate(
        confirmed=Count("rsvps", filter=CONFIRMED),
        waitlisted=Count("rsvps", filter=WAITLISTED),
        pending=Count("rsvps", filter=PENDING),
        checked_in=Count("rsvps", filter=CHECKED_IN),
    )


# One event -------------------------------------------------------------------------------


def dates_of(event: Event) -> list[Occurrence]:
    """Every date of the event, in order, each annotated with its sign-up counts
    (``confirmed``, ``waitlisted``, ``pending``, ``checked_in``) in one query."""
    dates = scoped(Occurrence, event.organization).filter(event=event)
    return list(_with_counts(dates).order_by("starts_at", "id"))


def sign_up_count(event: Event) -> int:
    """How many people hold a place, a place in the queue or a pending sign-up at any date
    of the event: they are told when its time or place changes."""
    return (
        scoped(Rsvp, event.organization)
        .filter(occurrence__event=event)
        .exclude(status=RsvpStatus.CANCELLED)
        .count()
    )


# Attendees -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attendee:
    """One sign-up as organisers see it: a name and an address (never shown publicly)."""

    rsvp: Rsvp
    name: str
    email: str
    has_account: bool
    position: int | None = None  # on the waiting list, from 1

    @property
    def checked_in(self) -> bool:
        return self.rsvp.checked_in_at is not None


@dataclass(frozen=True)
class Attendees:
    confirmed: list[Attendee]
    waitlisted: list[Attendee]
    pending: list[Attendee]
    cancelled: list[Attendee]

    @property
    def everyone(self) -> list[Attendee]:
        return [*self.confirmed, *self.waitlisted, *self.pending, *self.cancelled]


def attendees_of(occurrence: Occurrence) -> Attendees:
    """The sign-ups of one date in one query: confirmed in order of confirmation, the
    waiting list in its order (with positions), pending guests, then cancellations."""
    rows = list(
        scoped(Rsvp, occurrence.organization)
        .filter(occurrence=occurrence)
        .select_related("user")
        .order_by("created_at", "id")
    )
    by_status: dict[str, list[Rsvp]] = {status: [] for status in RsvpStatus.values}
    for rsvp in rows:
        by_status[rsvp.status].append(rsvp)
    confirmed = sorted(
        by_status[RsvpStatus.CONFIRMED], key=lambda r: (r.confirmed_at or r.created_at, r.pk)
    )
    queue = sorted(
        by_status[RsvpStatus.WAITLISTED], key=lambda r: (r.queued_at or r.created_at, r.pk)
    )
    cancelled = sorted(
        by_status[RsvpStatus.CANCELLED], key=lambda r: (r.cancelled_at or r.created_at, r.pk)
    )
    return Attendees(
        confirmed=[_attendee(r) for r in confirmed],
        waitlisted=[_attendee(r, position) for position, r in enumerate(queue, start=1)],
        pending=[_attendee(r) for r in by_status[RsvpStatus.PENDING]],
        cancelled=[_attendee(r) for r in cancelled],
    )


def _attendee(rsvp: Rsvp, position: int | None = None) -> Attendee:
    user = rsvp.user
    if user is None:
        return Attendee(rsvp, rsvp.name, rsvp.email, has_account=False, position=position)
    name = str(user.public_name) if user.erased_at else user.display_name
    email = "" if user.erased_at else user.email
    return Attendee(rsvp, name, email, has_account=True, position=position)


# Choices for the forms -------------------------------------------------------------------


def areas_of(organization: Organization) -> QuerySet[Area]:
    return scoped(Area, organization).order_by("name", "id")


def members_of(organization: Organization) -> list[User]:
    """People who may host: members of the organisation, by name."""
    memberships = scoped(Membership, organization).select_related("user")
    return sorted((m.user for m in memberships), key=lambda u: (host_name(u).casefold(), u.pk))


def host_name(user: User) -> str:
    """A host as colleagues know them: their display name, never their e-mail address (as
    staff are named elsewhere in the staff pages)."""
    return user.display_name or _("Staff member %(number)s") % {"number": user.pk}
