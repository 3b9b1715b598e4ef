"""Feedback items for the Open311 and JSON API tests, built through the ORM and the target
clocks (as the intake and workflow services leave them), so that what the read side shows
can be set up exactly: old items, approved texts, conduct complaints, replies."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

from trustbridge.core.models import Area, Organization
from trustbridge.feedback import targets
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import Event, EventKind, Item, Kind, Moderation, Status

_numbers = itertools.count(1)

# What a resident tells us that must never leave through a public answer.
SECRET_NAME = "Rosalind Quigley-Hartwell"
SECRET_EMAIL = "rosalind.quigley@example.org"
SECRET_PHONE = "+1 416 555 0199"
SECRET_ADDRESS = "17 Lantern Mews"
SECRET_WORDS = "my neighbour at number seventeen"
SECRET_LAT, SECRET_LONG = 43.60512, -79.39488
PRIVATE_MARKERS = [
    SECRET_NAME,
    SECRET_EMAIL,
    SECRET_PHONE,
    SECRET_ADDRESS,
    SECRET_WORDS,
    str(SECRET_LAT),
    str(SECRET_LONG),
]


def make_item(
    organization: Organization,
    code: str,
    submitted_at: dt.datetime,
    *,
    area: Area | None = None,
    **fields: Any,
) -> Item:
    """A new item of category ``code`` with the resident's private details, clocks started
    and its public SUBMITTED event."""
    category = ensure_feedback_setup(organization)[code]
    number = next(_numbers)
    defaults: dict[str, Any] = {
        "description": f"The street light is out, says {SECRET_WORDS}.",
        "address": SECRET_ADDRESS,
        "latitude": SECRET_LAT,
        "longitude": SECRET_LONG,
        "contact_name": SECRET_NAME,
        "contact_email": SECRET_EMAIL,
        "contact_phone": SECRET_PHONE,
    }
    defaults.update(fields)
    item = Item(
        organization=organization,
        reference=f"OP{number:06d}",
        secret_digest=hashlib.sha256(f"secret-{number}".encode()).hexdigest(),
        kind=defaults.pop("kind", None) or category.kind or Kind.CONCERN,
        category=category,
        area=area,
        submitted_at=submitted_at,
        **defaults,
    )
    targets.start_clocks(item, targets.Calendar.of(organization))
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


def move(item: Item, status: str, at: dt.datetime, *, close_reason: str = "") -> Item:
    """A change of status as the workflow makes it: clocks moved, a public event recorded."""
    targets.record_transition(item, status, at, targets.Calendar.of(item.organization))
    item.close_reason = close_reason
    item.save()
    Event.objects.create(
        organization=item.organization,
        item=item,
        at=at,
        kind=EventKind.STATUS,
        status=status,
        text="Reason written for the resident only.",
        public=True,
    )
    return item


def reply(item: Item, at: dt.datetime, text: str) -> Event:
    return Event.objects.create(
        organization=item.organization,
        item=item,
        at=at,
        kind=EventKind.REPLY,
        text=text,
        public=True,
    )


def note(item: Item, at: dt.datetime, text: str) -> Event:
    return Event.objects.create(
        organization=item.organization, item=item, at=at, kind=EventKind.NOTE, text=text
    )


def publish(item: Item, public_text: str) -> Item:
    """As a moderator's approval leaves it."""
    item.wants_public = True
    item.moderation = Moderation.APPROVED
    item.public_text = public_text
    item.save(update_fields=["wants_public", "moderation", "public_text"])
    return item
