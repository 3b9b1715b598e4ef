"""Reads for the door (check-in), recap, commitment and engagement pages.

Every row is reached through the organisation (``scoped``): an id of another organisation's
event, date, commitment or photo is not found, exactly like a missing one. Nothing here
changes state; ``checkin``, ``recaps`` and ``engagement`` do.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Case, CharField, F, Q, QuerySet, When
from django.db.models.functions import Lower
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from trustbridge.accounts.models import User
from trustbridge.core.digests import digest_of
from trustbridge.core.models import Organization
from trustbridge.core.tenancy import get_scoped_or_404, scoped
from trustbridge.events import checkin
from trustbridge.events.engagement import AreaEngagement
from trustbridge.events.models import (
    Commitment,
    CommitmentStatus,
    Event,
    EventStatus,
    InformalContact,
    Occurrence,
    Recap,
    RecapPhoto,
    Rsvp,
    RsvpStatus,
)

DOOR_LIST_LIMIT = 50
RECENT_CONTACTS = 20
RECENTLY_CLOSED_DAYS = 90


def local_today(organization: Organization, now: dt.datetime) -> dt.date:
    return now.astimezone(zoneinfo.ZoneInfo(organization.timezone)).date()


def local_time(organization: Organization, moment: dt.datetime) -> str:
    zone = zoneinfo.ZoneInfo(organization.timezone)
    return formats.time_format(moment.astimezone(zone), "TIME_FORMAT")


def local_datetime(organization: Organization, moment: dt.datetime) -> str:
    zone = zoneinfo.ZoneInfo(organization.timezone)
    return formats.date_format(moment.astimezone(zone), "DATETIME_FORMAT")


# Events and dates -------------------------------------------------------------------------


def access_event(organization: Organization, event_id: int) -> Event:
    return get_scoped_or_404(
        Event.objects.select_related("organization"), organization, pk=event_id
    )


def access_occurrence(event: Event, occurrence_id: int) -> Occurrence:
    """A date of ``event`` (of the same organisation), else 404."""
    return get_scoped_or_404(
        Occurrence.objects.filter(event=event).select_related("event", "organization"),
        event.organization,
        pk=occurrence_id,
    )


def title_of(event: Event) -> str:
    return event.title(get_language() or "en")


# The door ---------------------------------------------------------------------------------


def attendee_name(rsvp: Rsvp) -> str:
    """The name staff read out at the door: a guest's given name, else the account's."""
    if rsvp.user is None:
        return rsvp.name
    return rsvp.user.display_name or rsvp.user.email


@dataclass(frozen=True)
class CodeLookup:
    """Who a scanned code belongs to, or why it cannot check anyone in here. ``rsvp`` is
    given only for a sign-up on this date's list."""

    rsvp: Rsvp | None
    name: str
    problem: str
    checked_in_at: str = ""

    @property
    def can_check_in(self) -> bool:
        return self.rsvp is not None and not self.problem


def look_up_code(occurrence: Occurrence, code: str) -> CodeLookup:
    """Read what checking this code in would do, without doing it (a GET from the QR code
    changes nothing). ``checkin.check_in_by_code`` decides again on the POST."""
    code = checkin.normalize_code(code)
    found = (
        scoped(Rsvp.objects.select_related("user"), occurrence.organization)
        .filter(checkin_digest=digest_of(code))
        .first()
        if code
        else None
    )
    if found is None:
        return CodeLookup(None, "", _("This code is not on any list."))
    if found.occurrence_id != occurrence.pk:
        return CodeLookup(None, "", _("This code is for another event or date."))
    name = attendee_name(found)
    if found.status != RsvpStatus.CONFIRMED:
        return CodeLookup(found, name, _("This person has no confirmed place."))
    if found.checked_in_at is not None:
        time = local_time(occurrence.organization, found.checked_in_at)
        return CodeLookup(found, name, _("Already checked in at %(time)s.") % {"time": time}, time)
    return CodeLookup(found, name, "")


@dataclass(frozen=True)
class DoorRow:
    rsvp: Rsvp
    name: str
    checked_in_at: str  # local time, or "" if not yet


def _shown_name() -> Case:
    return Case(
        When(user__isnull=True, then=F("name")),
        When(~Q(user__display_name=""), then=F("user__display_name")),
        default=F("user__email"),
        output_field=CharField(),
    )


def door_list(occurrence: Occurrence, query: str) -> tuple[list[DoorRow], bool]:
    """Confirmed attendees of the date by name (those matching ``query``, if given), at most
    ``DOOR_LIST_LIMIT``; the flag says whether more matched."""
    rows = (
        Rsvp.objects.filter(
            organization=occurrence.organization_id,
            occurrence=occurrence,
            status=RsvpStatus.CONFIRMED,
        )
        .select_related("user")
        .annotate(shown=_shown_name())
    )
    query = " ".join(query.split())
    if query:
        rows = rows.filter(
            Q(shown__icontains=query) | Q(email__icontains=query) | Q(user__email__icontains=query)
        )
    found = list(rows.order_by(Lower("shown"), "id")[: DOOR_LIST_LIMIT + 1])
    organization = occurrence.organization
    listed = [
        DoorRow(
            rsvp,
            attendee_name(rsvp),
            local_time(organization, rsvp.checked_in_at) if rsvp.checked_in_at else "",
        )
        for rsvp in found[:DOOR_LIST_LIMIT]
    ]
    return listed, len(found) > DOOR_LIST_LIMIT


def access_confirmed_rsvp(occurrence: Occurrence, rsvp_id: int) -> Rsvp:
    """A sign-up on this date's list; anything else (another date, another organisation's)
    is not found."""
    return get_scoped_or_404(
        Rsvp.objects.filter(occurrence=occurrence).select_related("user", "organization"),
        occurrence.organization,
        pk=rsvp_id,
    )


# Recaps -----------------------------------------------------------------------------------


def recap_of(event: Event) -> Recap | None:
    recap = scoped(Recap, event.organization).filter(event=event).first()
    if recap is not None:  # the same rows, already read: no second query for them
        recap.event, recap.organization = event, event.organization
    return recap


def photos_of(recap: Recap) -> list[RecapPhoto]:
    return list(scoped(RecapPhoto, recap.organization).filter(recap=recap))


def commitments_of(recap: Recap) -> list[Commitment]:
    return list(scoped(Commitment, recap.organization).filter(recap=recap).order_by("id"))


def access_photo(recap: Recap, photo_id: int) -> RecapPhoto:
    return get_scoped_or_404(
        RecapPhoto.objects.filter(recap=recap).select_related("organization"),
        recap.organization,
        pk=photo_id,
    )


def event_is_over(event: Event, now: dt.datetime) -> bool:
    """Whether every date of the event has ended (as ``recaps.publish_recap`` asks)."""
    ends = [o.ends_at for o in event.occurrences.all()]
    return max(ends, default=event.ends_at) <= now


# Commitments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentRow:
    commitment: Commitment
    event: Event
    title: str
    overdue: bool
    event_public: bool  # the event's public page exists (published)
    closed_on: dt.date | None  # in the organisation's time zone


@dataclass(frozen=True)
class CommitmentBoard:
    open: list[CommitmentRow]
    closed: list[CommitmentRow]  # done or dropped within the period asked, latest first


def _followed_up(organization: Organization) -> QuerySet[Commitment]:
    return scoped(Commitment, organization).select_related("recap__event")


def commitment_board(
    organization: Organization, now: dt.datetime, *, closed_days: int = RECENTLY_CLOSED_DAYS
) -> CommitmentBoard:
    """Commitments still open (soonest due first, undated last) and those closed in the last
    ``closed_days``: one query, for the staff list and the public accountability page."""
    since = now - dt.timedelta(days=closed_days)
    rows = _followed_up(organization).filter(
        Q(status=CommitmentStatus.OPEN) | Q(closed_at__gte=since)
    )
    today = local_today(organization, now)
    language = get_language() or "en"
    open_rows: list[CommitmentRow] = []
    closed_rows: list[CommitmentRow] = []
    for commitment in rows:
        event = commitment.recap.event
        row = CommitmentRow(
            commitment,
            event,
            event.title(language),
            commitment.status == CommitmentStatus.OPEN
            and commitment.due_on is not None
            and commitment.due_on < today,
            event.status == EventStatus.PUBLISHED,
            local_today(organization, commitment.closed_at) if commitment.closed_at else None,
        )
        (open_rows if commitment.status == CommitmentStatus.OPEN else closed_rows).append(row)
    open_rows.sort(
        key=lambda r: (r.commitment.due_on is None, r.commitment.due_on, r.commitment.pk)
    )
    closed_rows.sort(key=lambda r: (r.commitment.closed_at, r.commitment.pk), reverse=True)
    return CommitmentBoard(open_rows, closed_rows)


def access_commitment(organization: Organization, commitment_id: int) -> Commitment:
    return get_scoped_or_404(
        Commitment.objects.select_related("recap__event", "organization"),
        organization,
        pk=commitment_id,
    )


# The engagement log -----------------------------------------------------------------------


def recent_contacts(officer: User, organization: Organization) -> list[InformalContact]:
    """The officer's own latest entries (nobody else's)."""
    return list(
        scoped(InformalContact, organization)
        .filter(officer=officer)
        .select_related("area")[:RECENT_CONTACTS]
    )


@dataclass(frozen=True)
class ChartRow:
    y: float
    text_y: float  # where the area's name and the value sit, level with the bar
    label: str  # shortened to fit; the table beside the chart has the full name
    width: float
    value: str
    value_x: float


@dataclass(frozen=True)
class HorizontalChart:
    width: int
    height: int
    left: float
    bar_height: float
    rows: list[ChartRow]
    ticks: list[tuple[float, str]]
    baseline: float


def _step(maximum: int) -> int:
    """A round step giving about four gridlines up to ``maximum``."""
    if maximum <= 4:
        return 1
    raw = maximum / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(int(f * magnitude) for f in (1, 2, 5, 10) if raw <= f * magnitude)


def _short(label: str, size: int = 22) -> str:
    return label if len(label) <= size else label[: size - 1].rstrip() + "…"


def area_label(row: AreaEngagement) -> str:
    return row.area.name if row.area is not None else _("No particular area")


def contacts_chart(
    rows: Sequence[AreaEngagement], *, width: int = 640, row_height: int = 28
) -> HorizontalChart:
    """One horizontal bar per area (the number of contacts), on an axis from zero: area
    names read on a phone where vertical bars' labels would not fit."""
    left, right, top, bottom = 170.0, 48.0, 8.0, 24.0
    plot_w = width - left - right
    maximum = max([r.contacts for r in rows] + [1])
    step = _step(maximum)
    top_value = max(step, math.ceil(maximum / step) * step)
    bar_height = row_height * 0.64
    chart_rows = []
    for i, row in enumerate(rows):
        bar_w = round(plot_w * row.contacts / top_value, 1)
        y = top + i * row_height + (row_height - bar_height) / 2
        chart_rows.append(
            ChartRow(
                round(y, 1),
                round(y + bar_height * 0.75, 1),
                _short(area_label(row)),
                bar_w,
                formats.number_format(row.contacts, force_grouping=True),
                round(left + bar_w + 4, 1),
            )
        )
    baseline = top + len(rows) * row_height
    ticks = [
        (round(left + plot_w * v / top_value, 1), formats.number_format(v, force_grouping=True))
        for v in range(0, top_value + 1, step)
    ]
    height = int(baseline + bottom)
    return HorizontalChart(
        width, height, left, round(bar_height, 1), chart_rows, ticks, round(baseline, 1)
    )
