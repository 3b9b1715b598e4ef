"""Feedback items built straight through the ORM and the target clocks, for the tests of
targets, escalation and the accountability pages (independent of the intake service)."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from typing import Any

from trustbridge.core.models import Organization
from trustbridge.feedback import targets
from trustbridge.feedback.models import (
    Category,
    Event,
    EventKind,
    Item,
    Kind,
    Moderation,
    Status,
)

_references = itertools.count(1)

TORONTO = zoneinfo.ZoneInfo("America/Toronto")


def local(organization: Organization, *args: int) -> dt.datetime:
    """An instant given as the organisation's wall-clock time: local(org, 2025, 3, 7, 9)."""
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(organization.timezone))  # type: ignore[misc]


def make_item(
    organization: Organization,
    category: Category,
    submitted_at: dt.datetime,
    *,
    kind: str | None = None,
    save: bool = True,
    **fields: Any,
) -> Item:
    """A new item with its clocks started, as the intake service leaves it."""
    item = Item(
        organization=organization,
        reference=f"T{next(_references):07d}",
        secret_digest="0" * 64,
        kind=kind or category.kind or Kind.CONCERN,
        category=category,
        description=fields.pop("description", "A broken street light on the corner."),
        submitted_at=submitted_at,
        **fields,
    )
    targets.start_clocks(item, targets.Calendar.of(organization))
    if save:
        item.save()
        Event.objects.create(
            organization=organization,
            item=item,
            at=submitted_at,
            kind=EventKind.SUBMITTED,
            status=Status.NEW,
            public=True,
        )
    return item


def move(item: Item, status: str, at: dt.datetime, *, save: bool = True) -> Item:
    """A change of status as the workflow makes it: clocks moved, a public event recorded."""
    targets.record_transition(item, status, at, targets.Calendar.of(item.organization))
    if save:
        item.save()
        Event.objects.create(
            organization=item.organization,
            item=item,
            at=at,
            kind=EventKind.STATUS,
            status=status,
            public=True,
        )
    return item


def reply(item: Item, at: dt.datetime, text: str, *, public: bool = True) -> Event:
    return Event.objects.create(
        organization=item.organization,
        item=item,
        at=at,
        kind=EventKind.REPLY if public else EventKind.NOTE,
        text=text,
        public=public,
    )


def publish(item: Item, public_text: str) -> Item:
    """As a moderator's approval leaves it."""
    item.wants_public = True
    item.moderation = Moderation.APPROVED
    item.public_text = public_text
    item.save(update_fields=["wants_public", "moderation", "public_text"])
    return item
