"""Response targets in business hours: the organisation's calendar, and the clocks of an item.

A target such as "acknowledge within 8 business hours" counts only the organisation's
working hours (its time zone, working days and hours, holidays), and not the time an item
spends waiting for the resident. The clocks are kept on the item by ``start_clocks`` and
``record_transition``, which the services call on every change of status, so that the
accountability statistics read stored numbers instead of recomputing calendars.

Hours are real elapsed hours inside working time: a working day that spans a change of
daylight-saving time (a round-the-clock service) counts the hour it really had, 23 or 25.
A working day whose end is not after its start runs past midnight (22:00 to 06:00 is a night
shift begun on that working day; 00:00 to 00:00 is the whole day).

Two clocks run one after the other: the acknowledgement clock until the first change of
status, then the resolution clock until the item is resolved or closed. Both stop while the
item waits for the resident, and the resolution clock stops while the item is resolved: an
item that is reopened starts again from where its clock stopped, so the time it spent
resolved is never counted against the provider. Those stopped hours are kept in
``Item.paused_hours`` and added to the due instants.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from trustbridge.core.models import Organization
from trustbridge.feedback.models import (
    OPEN_STATUSES,
    FeedbackSettings,
    Holiday,
    Item,
    Status,
)

HOUR = 3600.0
MAX_DAYS = 3660  # a target can reach at most ten years ahead
FINISHED = frozenset({Status.RESOLVED, Status.CLOSED})
WEEKDAYS = frozenset("0123456")


@dataclass(frozen=True)
class Calendar:
    """Working time of one organisation."""

    tz: zoneinfo.ZoneInfo
    start: dt.time
    end: dt.time
    days: frozenset[int]  # 0 Monday … 6 Sunday
    holidays: frozenset[dt.date]
    warn_share: int = 75  # percent of a target after which an item is flagged

    @classmethod
    def of(cls, organization: Organization) -> Calendar:
        """The organisation's calendar; the defaults until it saves its own settings.

        Reading never creates the settings row, so public pages can show the working hours
        without writing anything.
        """
        config = FeedbackSettings.objects.filter(organization=organization).first()
        if config is None:
            config = FeedbackSettings(organization=organization)
        days = frozenset(int(d) for d in str(config.work_days).split(",") if d.strip() in WEEKDAYS)
        holidays = frozenset(
            Holiday.objects.filter(organization=organization).values_list("day", flat=True)
        )
        return cls(
            zoneinfo.ZoneInfo(organization.timezone),
            _as_time(config.work_start),
            _as_time(config.work_end),
            days,
            holidays,
            config.warn_at_share,
        )

    @property
    def overnight(self) -> bool:
        """Whether a working day ends on the next calendar day (or lasts the whole day)."""
        return self.end <= self.start

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def _window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The working time begun on ``day`` as UTC instants, or None on a day off.

        In UTC so that differences and additions count real elapsed time across a change of
        daylight-saving time (aware datetimes sharing a zone subtract as wall clocks).
        """
        if not self.is_working_day(day):
            return None
        closing_day = day + dt.timedelta(days=1) if self.overnight else day
        opens = dt.datetime.combine(day, self.start, tzinfo=self.tz).astimezone(dt.UTC)
        closes = dt.datetime.combine(closing_day, self.end, tzinfo=self.tz).astimezone(dt.UTC)
        return opens, closes

    def _first_day(self, instant: dt.datetime) -> dt.date:
        """The first day whose working time can contain ``instant`` (the day before, for a
        working day that runs past midnight)."""
        day = instant.astimezone(self.tz).date()
        return day - dt.timedelta(days=1) if self.overnight else day

    def hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Business hours from ``start`` to ``end`` (0 if end is not later)."""
        if end <= start:
            return 0.0
        day = self._first_day(start)
        last = end.astimezone(self.tz).date()
        seconds = 0.0
        while day <= last:
            window = self._window(day)
            if window is not None:
                opens, closes = max(window[0], start), min(window[1], end)
                if closes > opens:
                    seconds += (closes - opens).total_seconds()
            day += dt.timedelta(days=1)
        return seconds / HOUR

    def add_hours(self, start: dt.datetime, hours: float) -> dt.datetime | None:
        """The instant ``hours`` business hours after ``start`` (None if the calendar has no
        working time within ten years)."""
        remaining = max(0.0, hours) * HOUR
        day = self._first_day(start)
        for _ in range(MAX_DAYS):
            window = self._window(day)
            if window is not None:
                opens = max(window[0], start)
                available = (window[1] - opens).total_seconds()
                if available > 0:
                    if available >= remaining:
                        return opens + dt.timedelta(seconds=remaining)
                    remaining -= available
            day += dt.timedelta(days=1)
        return None


def _as_time(value: dt.time | str) -> dt.time:
    """A settings time; an unsaved row still holds its default as text ("09:00")."""
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(value)


def start_clocks(item: Item, calendar: Calendar) -> None:
    """Set the due instants of a new item from its category's targets."""
    item.acknowledge_due = calendar.add_hours(item.submitted_at, item.category.acknowledge_hours)
    item.resolve_due = calendar.add_hours(item.submitted_at, item.category.resolve_hours)
    _set_next(item, calendar)


def record_transition(item: Item, new_status: str, at: dt.datetime, calendar: Calendar) -> None:
    """Move the item's clocks for a change of status at ``at`` (the caller saves the item).

    Waiting for the resident pauses both clocks; the pause is added to the due instants.
    Acknowledging stops the first clock; resolving or closing stops the second; reopening
    starts it again from where it stopped. A change between resolved and closed keeps the
    time the clock stopped. ``escalated_at`` is cleared whenever another clock starts
    running (acknowledged, or reopened), so that escalation can tell that the running clock
    has not been escalated yet.
    """
    old_status = item.status
    reopened = old_status in FINISHED and new_status not in FINISHED
    if reopened and item.resolved_at is not None:
        # The clock stood still while the item was resolved: like a pause, it moves the
        # due instants later and is not counted in the time taken.
        item.paused_hours += calendar.hours_between(item.resolved_at, at)
        item.resolved_at = None
        item.resolve_hours = None
        item.escalated_at = None
        _move_due_instants(item, calendar)
    if old_status == Status.WAITING and new_status != Status.WAITING and item.paused_since:
        item.paused_hours += calendar.hours_between(item.paused_since, at)
        item.paused_since = None
        _move_due_instants(item, calendar)
    if new_status == Status.WAITING and old_status != Status.WAITING:
        item.paused_since = at
    if new_status != Status.NEW and item.acknowledged_at is None:
        item.acknowledged_at = at
        item.acknowledge_hours = max(
            0.0, calendar.hours_between(item.submitted_at, at) - item.paused_hours
        )
        item.escalated_at = None
    if new_status in FINISHED and old_status not in FINISHED:
        item.resolved_at = at
        item.resolve_hours = max(
            0.0, calendar.hours_between(item.submitted_at, at) - item.paused_hours
        )
    item.status = new_status
    _set_next(item, calendar)


def _set_next(item: Item, calendar: Calendar) -> None:
    """The running clock's due and warning instants, for the inbox and escalation."""
    item.next_due = item.next_warning = None
    if item.status not in OPEN_STATUSES or item.status == Status.WAITING:
        return
    category = item.category
    if item.acknowledged_at is None:
        item.next_due, target = item.acknowledge_due, category.acknowledge_hours
    else:
        item.next_due, target = item.resolve_due, category.resolve_hours
    item.next_warning = calendar.add_hours(
        item.submitted_at, target * calendar.warn_share / 100 + item.paused_hours
    )


def _move_due_instants(item: Item, calendar: Calendar) -> None:
    category = item.category
    if item.acknowledged_at is None:
        item.acknowledge_due = calendar.add_hours(
            item.submitted_at, category.acknowledge_hours + item.paused_hours
        )
    item.resolve_due = calendar.add_hours(
        item.submitted_at, category.resolve_hours + item.paused_hours
    )


class Flag:
    NONE = ""
    APPROACHING = "approaching"
    OVERDUE = "overdue"


def flag(item: Item, now: dt.datetime) -> str:
    """Whether an open item is past its running target, or approaching it."""
    if item.next_due is not None and now >= item.next_due:
        return Flag.OVERDUE
    if item.next_warning is not None and now >= item.next_warning:
        return Flag.APPROACHING
    return Flag.NONE


def within_target(hours: float | None, target: int) -> bool | None:
    """Whether a stopped clock met its target (None while it runs)."""
    return None if hours is None else hours <= target
