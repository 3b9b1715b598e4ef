"""Checking attendees in at the door, and the attendance figures.

Each confirmed sign-up gets a check-in code (carried by the QR code of its confirmation); only
its digest is stored, so issuing a new code voids the old one. Staff check people in by code
or by name from the list, and count walk-ins. The public sees counts only.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import formats
from django.utils.translation import gettext as _

from trustbridge.accounts.models import User
from trustbridge.core import rules
from trustbridge.core.checks import require
from trustbridge.core.digests import digest_of
from trustbridge.core.errors import ErrorCode, ServiceError
from trustbridge.events.models import Occurrence, Rsvp, RsvpStatus

MAX_WALK_INS = 1000

# Codes are read out at the door when a phone shows no images: Crockford's base 32 (digits
# and capitals without I, L, O or U), twelve characters, 60 random bits.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12


def issue_code(rsvp: Rsvp) -> str:
    """A new check-in code for a confirmed sign-up (the previous one stops working)."""
    if rsvp.status != RsvpStatus.CONFIRMED:
        raise ServiceError(
            ErrorCode.INVALID, _("Only a confirmed place has a check-in code."), None
        )
    code = "".join(secrets.choice(CODE_ALPHABET) for _position in range(CODE_LENGTH))
    rsvp.checkin_digest = digest_of(code)
    rsvp.save(update_fields=["checkin_digest"])
    return code


def normalize_code(typed: str) -> str:
    """A code as typed or read out: case, spaces and dashes do not matter, and O, I and L
    are taken for 0, 1 and 1, as Crockford's base 32 reads them."""
    compact = "".join(typed.split()).replace("-", "").upper()
    return compact.translate(str.maketrans("OIL", "011"))


def display_code(code: str) -> str:
    """A code in groups of four, to read out: ``7KQ2-M9XD-4HTR``."""
    return "-".join(code[start : start + 4] for start in range(0, len(code), 4))


def check_in_by_code(actor: User, occurrence: Occurrence, code: str, *, now: dt.datetime) -> Rsvp:
    """Check in the person whose code was scanned. A code of another date or event, an
    unknown code and a code used already are each refused with what happened."""
    require(rules.can_organize_events(actor, occurrence.organization))
    code = normalize_code(code)
    found = Rsvp.objects.filter(checkin_digest=digest_of(code)).first() if code else None
    if found is None or found.organization_id != occurrence.organization_id:
        raise ServiceError(ErrorCode.NOT_FOUND, _("This code is not on any list."), "code")
    if found.occurrence_id != occurrence.pk:
        raise ServiceError(ErrorCode.INVALID, _("This code is for another event or date."), "code")
    return _check_in(found, now)


def check_in_by_name(actor: User, rsvp: Rsvp, *, now: dt.datetime) -> Rsvp:
    """Check in someone found on the list (no phone, no e-mail at hand)."""
    require(rules.can_organize_events(actor, rsvp.organization))
    return _check_in(rsvp, now)


def add_walk_ins(actor: User, occurrence: Occurrence, count: int) -> Occurrence:
    """Count people who came without signing up (a negative count corrects a mistake)."""
    require(rules.can_organize_events(actor, occurrence.organization))
    if count == 0 or abs(count) > MAX_WALK_INS:
        raise ServiceError(
            ErrorCode.INVALID,
            _("Give a number of people from 1 to %(max)d.") % {"max": MAX_WALK_INS},
            "count",
        )
    with transaction.atomic():
        locked = Occurrence.objects.select_for_update().get(pk=occurrence.pk)
        if locked.walk_ins + count < 0:
            raise ServiceError(ErrorCode.INVALID, _("There are fewer walk-ins than that."), "count")
        Occurrence.objects.filter(pk=locked.pk).update(walk_ins=F("walk_ins") + count)
        locked.refresh_from_db(fields=["walk_ins"])
    return locked


def _check_in(rsvp: Rsvp, now: dt.datetime) -> Rsvp:
    with transaction.atomic():
        current = Rsvp.objects.select_for_update().get(pk=rsvp.pk)
        if current.status != RsvpStatus.CONFIRMED:
            raise ServiceError(ErrorCode.INVALID, _("This person has no confirmed place."), "code")
        if current.checked_in_at is not None:
            raise ServiceError(
                ErrorCode.ALREADY_USED,
                _("Already checked in at %(time)s.") % {"time": _local_time(current)},
                "code",
            )
        current.checked_in_at = now
        current.first_time = not _attended_before(current)
        current.save(update_fields=["checked_in_at", "first_time"])
    return current


def _local_time(rsvp: Rsvp) -> str:
    assert rsvp.checked_in_at is not None  # noqa: S101  checked by the caller
    zone = zoneinfo.ZoneInfo(rsvp.organization.timezone)
    return formats.time_format(rsvp.checked_in_at.astimezone(zone), "TIME_FORMAT")


def _attended_before(rsvp: Rsvp) -> bool:
    """Whether the same person checked in at an earlier event of this organisation."""
    same_person = Q(user=rsvp.user) if rsvp.user_id else Q(email=rsvp.email)
    return (
        Rsvp.objects.filter(organization=rsvp.organization_id, checked_in_at__isnull=False)
        .filter(same_person)
        .exclude(pk=rsvp.pk)
        .exists()
    )


@dataclass(frozen=True)
class Attendance:
    """Counts only: what the public may see of who came."""

    places: int  # confirmed
    checked_in: int
    walk_ins: int
    first_time: int

    @property
    def attended(self) -> int:
        return self.checked_in + self.walk_ins

    @property
    def no_shows(self) -> int:
        return self.places - self.checked_in

    @property
    def no_show_rate(self) -> float | None:
        return 100.0 * self.no_shows / self.places if self.places else None


def attendance(occurrence: Occurrence) -> Attendance:
    confirmed = Rsvp.objects.filter(occurrence=occurrence, status=RsvpStatus.CONFIRMED)
    return Attendance(
        places=confirmed.count(),
        checked_in=confirmed.filter(checked_in_at__isnull=False).count(),
        walk_ins=occurrence.walk_ins,
        first_time=confirmed.filter(first_time=True).count(),
    )
