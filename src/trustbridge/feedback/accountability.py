"""The public accountability figures and lists: reads only.

Figures
-------
For the items *received* in a period (whole months of the organisation's local time), by
category and by area, and month by month:

- **received**: every item, whatever became of it;
- **time to acknowledge / to resolve**: business hours the clock ran (see ``targets``), for
  the items whose clock has stopped. Items closed as a duplicate of another are left out of
  the time to resolve (the original carries the answer). The median and the 90th percentile
  are nearest-rank: "half were acknowledged within X business hours", "nine in ten within
  Y". Times are grouped by the precision shown (0.1 h under 10 h, then whole hours, then
  tens and hundreds of hours) and rounded *up*, so each sentence stays true;
- **share within target**: of the items whose clock stopped, plus the open items already
  past their target (which can no longer meet it), the share whose clock stopped within the
  target of their category. Items waiting for the resident are left out while they wait.

Every figure carries its base (how many items it is computed from). A figure computed from
fewer than ``MIN_BASE`` items is not published ("too few to say").

Complaints about conduct are counted by category only: they are in the totals, the monthly
trend and their category's row, never in an area's row, never listed.

How it is read
--------------
Every figure is a sum of cells (month x category x area, see ``cells``). The page sums the
roll-up's cells (``rollup``): a few rows per month instead of every item, refreshed by the
escalation timer and, when it is older than ``rollup.MAX_AGE``, by the page itself. The page
says when its figures were computed. ``plain_accountability`` reads the same figures straight
from the items; it is what the roll-up is tested against.

Lists
-----
Only items a moderator approved for publication (``Moderation.APPROVED``), never conduct
complaints, showing their category, area, month, status timeline (statuses and dates, not
the reasons staff wrote), the moderated ``public_text`` and the public replies (passed
through ``abuse.redact`` on the way out, since replies are not moderated). Never names,
contacts, photos, addresses or points.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from trustbridge.core.models import Area, Organization
from trustbridge.feedback import abuse, rollup
from trustbridge.feedback.cells import MIN_BASE, Figures, Groups, group_cells, plain_cells
from trustbridge.feedback.defaults import category_label
from trustbridge.feedback.models import (
    Category,
    Event,
    EventKind,
    Holiday,
    Item,
    Kind,
    Moderation,
    Status,
)
from trustbridge.feedback.targets import Calendar
from trustbridge.transparency.queries import (
    add_months,
    month_start,
    preset_period,
    recent_quarters,
)

__all__ = ["MIN_BASE"]

TREND_MONTHS = 12
DEFAULT_PERIOD = "last-12-months"
PRESETS = ("last-12-months", "this-year", "last-year")
PAGE_SIZE = 20


@dataclass(frozen=True)
class Row:
    label: str
    figures: Figures
    category: Category | None = None
    area: Area | None = None
    month: dt.date | None = None


# The filter -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountabilityFilter:
    """What a visitor asked for: a period of whole months, a category, an area.

    ``now`` is the instant the open items are judged at; ``notices`` say what was wrong in
    the request and what was used instead.
    """

    organization: Organization
    start: dt.date
    end: dt.date  # exclusive
    period: str
    now: dt.datetime
    category: Category | None = None
    area: Area | None = None
    notices: tuple[str, ...] = ()
    categories: tuple[Category, ...] = ()
    areas: tuple[Area, ...] = ()

    @classmethod
    def from_params(
        cls,
        organization: Organization,
        params: Mapping[str, Any],
        *,
        now: dt.datetime | None = None,
    ) -> AccountabilityFilter:
        """Read ``period`` (last-12-months, this-year, last-year or a quarter such as
        2025-q2), ``category`` (a category code) and ``area`` (an area short name); anything
        unknown falls back to everything, with a notice."""
        now = now or timezone.now()
        today = local_today_at(organization, now)
        notices: list[str] = []
        period = _text(params, "period").lower() or DEFAULT_PERIOD
        found = preset_period(period, today)
        if found is None:
            notices.append(
                _("“%(value)s” is not a period we know; showing the last 12 months.")
                % {"value": period}
            )
            period = DEFAULT_PERIOD
        this_month = month_start(today)
        start, end = found or (add_months(this_month, -12), this_month)

        choice = ListFilter.from_params(organization, params, listing=False)
        return cls(
            organization,
            start,
            end,
            period,
            now,
            choice.category,
            choice.area,
            (*notices, *choice.notices),
            choice.categories,
            choice.areas,
        )

    @property
    def trend_start(self) -> dt.date:
        return add_months(self.end, -TREND_MONTHS)

    @property
    def conduct_only(self) -> bool:
        return self.category is not None and self.category.kind == Kind.CONDUCT

    def query(self) -> dict[str, str]:
        """The filter as URL parameters (defaults left out)."""
        params = {}
        if self.period != DEFAULT_PERIOD:
            params["period"] = self.period
        if self.category is not None:
            params["category"] = self.category.code
        if self.area is not None:
            params["area"] = self.area.slug
        return params


@dataclass(frozen=True)
class ListFilter:
    """A category and an area chosen from the organisation's, for the figures and the lists.

    ``categories`` and ``areas`` are the choices offered; the lists never offer conduct
    categories, since complaints about conduct are never listed.
    """

    category: Category | None
    area: Area | None
    notices: tuple[str, ...]
    categories: tuple[Category, ...]
    areas: tuple[Area, ...]

    @classmethod
    def from_params(
        cls, organization: Organization, params: Mapping[str, Any], *, listing: bool = True
    ) -> ListFilter:
        """Read ``category`` (a category code) and ``area`` (an area short name); anything
        unknown falls back to everything, with a notice."""
        notices: list[str] = []
        categories = tuple(
            Category.objects.filter(organization=organization).order_by("position", "name", "id")
        )
        areas = tuple(Area.objects.filter(organization=organization).order_by("name", "id"))
        category = None
        code = _text(params, "category")
        if code:
            category = next((c for c in categories if c.code == code), None)
            if category is None:
                notices.append(
                    _("There is no category “%(value)s”; showing every category.") % {"value": code}
                )
            elif listing and category.kind == Kind.CONDUCT:
                notices.append(
                    _(
                        "Complaints about conduct are counted in the figures but never listed "
                        "one by one; showing every category."
                    )
                )
                category = None
        if listing:
            categories = tuple(c for c in categories if c.kind != Kind.CONDUCT)
        area = None
        slug = _text(params, "area")
        if slug:
            area = next((a for a in areas if a.slug == slug), None)
            if area is None:
                notices.append(
                    _("There is no area “%(value)s”; showing every area.") % {"value": slug}
                )
        return cls(category, area, tuple(notices), categories, areas)

    def query(self) -> dict[str, str]:
        params = {}
        if self.category is not None:
            params["category"] = self.category.code
        if self.area is not None:
            params["area"] = self.area.slug
        return params


def _text(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    return value.strip() if isinstance(value, str) else ""


def local_today_at(organization: Organization, now: dt.datetime) -> dt.date:
    return now.astimezone(zoneinfo.ZoneInfo(organization.timezone)).date()


def period_choices(organization: Organization, now: dt.datetime) -> list[tuple[str, str]]:
    """The periods a visitor can choose, by their URL value."""
    choices = [
        ("last-12-months", _("Last 12 months")),
        ("this-year", _("This year")),
        ("last-year", _("Last year")),
    ]
    for key, start in recent_quarters(local_today_at(organization, now)):
        choices.append(
            (
                key,
                _("Quarter %(n)s of %(year)s")
                % {"n": (start.month - 1) // 3 + 1, "year": start.year},
            )
        )
    return choices


def period_label(start: dt.date, end: dt.date) -> str:
    last = add_months(end, -1)
    if start == last:
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    return _("%(start)s to %(end)s") % {
        "start": formats.date_format(start, "YEAR_MONTH_FORMAT"),
        "end": formats.date_format(last, "YEAR_MONTH_FORMAT"),
    }


# Figures of the page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Accountability:
    """The figures of the accountability page for one filter."""

    filter: AccountabilityFilter
    total: Figures
    by_category: list[Row]
    by_area: list[Row]
    trend: list[Row]  # one per month of the trend, oldest first
    as_of: dt.datetime  # when open items were judged late or not

    @property
    def period_label(self) -> str:
        return period_label(self.filter.start, self.filter.end)

    @property
    def trend_label(self) -> str:
        return period_label(self.filter.trend_start, self.filter.end)


def accountability(f: AccountabilityFilter) -> Accountability:
    """The page's figures, summed from the roll-up (refreshed first if it is stale)."""
    as_of = rollup.fresh(f.organization, f.now)
    groups = rollup.groups(
        f.organization,
        min(f.start, f.trend_start),
        f.end,
        start=f.start,
        trend_start=f.trend_start,
        category=f.category,
        area=f.area,
    )
    return _page(f, groups, as_of)


def plain_accountability(f: AccountabilityFilter) -> Accountability:
    """The same figures read from the items at ``f.now``: the reference of the roll-up."""
    cells = plain_cells(
        f.organization,
        min(f.start, f.trend_start),
        f.end,
        f.now,
        category=f.category,
        area=f.area,
    )
    return _page(f, group_cells(cells, f.start, f.end, f.trend_start), f.now)


def _page(f: AccountabilityFilter, groups: Groups, as_of: dt.datetime) -> Accountability:
    categories = [c for c in f.categories if c.pk in groups.by_category or c.active]
    if f.category is not None:
        categories = [f.category]
    elif f.area is not None:
        categories = [c for c in categories if c.kind != Kind.CONDUCT]
    category_rows = [
        Row(category_label(c), groups.by_category.get(c.pk, Figures()), category=c)
        for c in sorted(categories, key=lambda c: (c.position, c.name, c.pk))
    ]

    area_rows: list[Row] = []
    if not f.conduct_only:
        areas = [f.area] if f.area is not None else list(f.areas)
        area_rows = [Row(a.name, groups.by_area.get(a.pk, Figures()), area=a) for a in areas]
        if f.area is None and None in groups.by_area:
            area_rows.append(Row(_("No area given"), groups.by_area[None]))

    trend = []
    month = f.trend_start
    while month < f.end:
        label = formats.date_format(month, "YEAR_MONTH_FORMAT")
        trend.append(Row(label, groups.by_month.get(month, Figures()), month=month))
        month = add_months(month, 1)
    return Accountability(f, groups.total, category_rows, area_rows, trend, as_of)


# The calendar, in words -------------------------------------------------------------------


@dataclass(frozen=True)
class WorkingTime:
    days: list[str]  # day names, Monday first
    start: dt.time
    end: dt.time
    overnight: bool
    timezone: str
    holidays: list[Holiday]  # of the period


def working_time(f: AccountabilityFilter) -> WorkingTime:
    calendar = Calendar.of(f.organization)
    monday = dt.date(2024, 1, 1)
    days = [formats.date_format(monday + dt.timedelta(days=d), "l") for d in sorted(calendar.days)]
    holidays = list(
        Holiday.objects.filter(
            organization=f.organization, day__gte=f.start, day__lt=f.end
        ).order_by("day")
    )
    return WorkingTime(
        days, calendar.start, calendar.end, calendar.overnight, f.organization.timezone, holidays
    )


# Public lists -----------------------------------------------------------------------------


def public_items(organization: Organization) -> QuerySet[Item]:
    """Items a moderator approved for publication; never complaints about conduct."""
    return (
        Item.objects.filter(organization=organization, moderation=Moderation.APPROVED)
        .exclude(kind=Kind.CONDUCT)
        .select_related("category", "area")
        .order_by("-submitted_at", "-id")
    )


def filtered_public_items(
    organization: Organization, *, category: Category | None, area: Area | None
) -> QuerySet[Item]:
    items = public_items(organization)
    if category is not None:
        items = items.filter(category=category)
    if area is not None:
        items = items.filter(area=area)
    return items


@dataclass(frozen=True)
class ListPage:
    """One page of a public list, found without counting the whole list: a COUNT over every
    public item would cost more than the page itself at a million items."""

    items: list[Item]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next


MAX_PAGE = 1000


def list_page(items: QuerySet[Item], number: str | None) -> ListPage:
    """Page ``number`` (1 if missing or not a number; at most ``MAX_PAGE``) of ``items``."""
    try:
        wanted = min(max(1, int(number or 1)), MAX_PAGE)
    except ValueError:
        wanted = 1
    offset = (wanted - 1) * PAGE_SIZE
    found = list(items[offset : offset + PAGE_SIZE + 1])
    return ListPage(found[:PAGE_SIZE], wanted, len(found) > PAGE_SIZE)


def public_compliments(organization: Organization) -> QuerySet[Item]:
    return public_items(organization).filter(kind=Kind.COMPLIMENT)


def access_public_item(organization: Organization, reference: str) -> Item:
    """A published item by its reference; anything else is not found, alike."""
    item = public_items(organization).filter(reference=reference).first()
    if item is None:
        raise Http404
    return item


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str
    status: str  # the status label, for a change of status
    text: str  # a reply, redacted


# What the public timeline shows: received, each status and the replies. Not the reasons
# staff wrote with a status (written for the resident), nor the resident's own messages.
PUBLIC_EVENT_KINDS = (EventKind.SUBMITTED, EventKind.STATUS, EventKind.REPLY)


def public_text(event: Event) -> str:
    """What the public may read of a public event: a reply, with personal details removed
    (replies are not moderated); nothing else."""
    return abuse.redact(event.text) if event.kind == EventKind.REPLY else ""


def public_timeline(item: Item) -> list[TimelineEntry]:
    return public_timelines([item])[item.pk]


def public_timelines(items: Iterable[Item]) -> dict[int, list[TimelineEntry]]:
    """The public histories of a page of items, in one query."""
    ids = [item.pk for item in items]
    found: dict[int, list[TimelineEntry]] = {pk: [] for pk in ids}
    events = Event.objects.filter(
        item_id__in=ids, public=True, kind__in=PUBLIC_EVENT_KINDS
    ).order_by("at", "id")
    for event in events:
        status = Status(event.status).label if event.status else ""
        found[event.item_id].append(
            TimelineEntry(event.at, event.kind, str(status), public_text(event))
        )
    return found


def local_month(item: Item, organization: Organization) -> dt.date:
    """The month the item was received, in the organisation's time zone."""
    return month_start(
        item.submitted_at.astimezone(zoneinfo.ZoneInfo(organization.timezone)).date()
    )
