"""Fixtures of the staff side's tests (workflow, inbox, staff pages, conduct confidentiality):
items built straight through the ORM and the target clocks, as the intake service leaves
them, and the organisation's staff in every role.

Imported by name from the test modules that use them (``tests/feedback/conftest.py`` belongs
to the lead).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from tests.conftest import make_member
from trustbridge.core.models import Organization
from trustbridge.feedback.abuse import fingerprint
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import Event, EventKind, Item, Kind, Moderation, Photo, Status
from trustbridge.feedback.targets import Calendar, start_clocks

_numbers = itertools.count(1)
CATEGORY_OF_KIND = {
    Kind.CONCERN: "safety",
    Kind.QUESTION: "question",
    Kind.SUGGESTION: "suggestion",
    Kind.COMPLIMENT: "compliment",
    Kind.CONDUCT: "conduct",
}
ROLES = ("admin", "supervisor", "officer", "moderator", "standards", "partner")


def make_item(
    organization: Organization,
    *,
    kind: str = Kind.CONCERN,
    category: str | None = None,
    description: str = "The street light on Mill Road has been out for a week.",
    submitted_at: dt.datetime | None = None,
    wants_public: bool = False,
    **fields: Any,
) -> Item:
    """A new item with its clocks started and its "received" event, as after submission.

    Each item is received an hour ago and a little after the previous one, so that "newest
    first" is the reverse of the order they were made in.
    """
    number = next(_numbers)
    categories = ensure_feedback_setup(organization)
    item = Item(
        organization=organization,
        reference=fields.pop("reference", f"S{number:05d}-T"),
        secret_digest="0" * 64,
        kind=kind,
        category=categories[category or CATEGORY_OF_KIND[Kind(kind)]],
        description=description,
        submitted_at=submitted_at
        or timezone.now() - dt.timedelta(hours=1) + dt.timedelta(milliseconds=number),
        wants_public=wants_public,
        moderation=Moderation.PENDING if wants_public else Moderation.NOT_ASKED,
        fingerprint=fields.pop("fingerprint", fingerprint(description)),
        **fields,
    )
    start_clocks(item, Calendar.of(organization))
    item.save()
    Event.objects.create(
        organization=organization,
        item=item,
        at=item.submitted_at,
        kind=EventKind.SUBMITTED,
        status=Status.NEW,
        public=True,
    )
    return item


def jpeg(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def add_photo(item: Item) -> Photo:
    photo = Photo(organization=item.organization, item=item, width=40, height=30)
    photo.image.save("photo.jpg", ContentFile(jpeg()), save=False)
    photo.save()
    return photo


@pytest.fixture
def staff(organization: Organization) -> dict[str, Any]:
    """A member of the organisation in every role, by role name (with TOTP, as staff must)."""
    ensure_feedback_setup(organization)
    people = {role: make_member(organization, role, mfa=role != "partner") for role in ROLES}
    for role, person in people.items():
        person.display_name = f"{role.title()} Person"
        person.save(update_fields=["display_name"])
    return people


@pytest.fixture
def item(organization: Organization, staff: dict[str, Any]) -> Item:
    """An ordinary concern from a resident who left an address and a name."""
    return make_item(
        organization,
        contact_name="Rosa Resident",
        contact_email="rosa@example.org",
        contact_phone="555 0100 200",
    )


@pytest.fixture
def complaint(organization: Organization, staff: dict[str, Any]) -> Item:
    """A complaint about conduct from a resident who left an address."""
    return make_item(
        organization,
        kind=Kind.CONDUCT,
        description="The officer at the station desk was rude to my mother.",
        contact_name="Carla Complainant",
        contact_email="carla@example.org",
    )
