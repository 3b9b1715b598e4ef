"""Changing events and sign-ups. Every change of state goes through here.

Capacity is kept under a lock on the occurrence row: taking a place, confirming a guest and
giving a place back each lock the occurrence, count its confirmed places and decide, so a
burst of simultaneous sign-ups can never exceed it (on SQLite, transactions take the write
lock when they begin, which serialises them the same way). Extra sign-ups join the waiting
list in the order they arrived and are promoted in that order when a place is given back.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trustbridge.accounts.models import User
from trustbridge.core import audit, rules
from trustbridge.core.checks import require
from trustbridge.core.digests import digest_of
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.models import Area, AuditAction, Membership, Organization
from trustbridge.events import notifications, recurrence
from trustbridge.events.models import (
    Event,
    EventKind,
    EventStatus,
    Occurrence,
    Rsvp,
    RsvpStatus,
)

MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_LENGTH = dt.timedelta(days=2)  # one date of an event, start to end

# What calendars must pick up: a change of any of these raises the event's SEQUENCE.
SCHEDULE_FIELDS = ("starts_at", "ends_at", "recurrence", "venue", "address", "online_url")
PLAIN_FIELDS = (
    "kind",
    "venue",
    "address",
    "online_url",
    "step_free",
    "hearing_loop",
    "interpretation",
    "childcare",
    "accessibility_notes",
)


# Events ------------------------------------------------------------------------------------


def create_event(
    actor: User,
    organization: Organization,
    *,
    kind: str,
    texts: Mapping[str, Mapping[str, str]],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    recurrence_rule: str = "",
    capacity: int | None = None,
    areas: Iterable[Area] = (),
    hosts: Iterable[User] = (),
    **details: Any,
) -> Event:
    """A draft event and its dates; nothing is public until ``publish_event``."""
    require(rules.can_organize_events(actor, organization))
    event = Event(organization=organization, status=EventStatus.DRAFT)
    _apply(
        event,
        kind=kind,
        texts=texts,
        starts_at=starts_at,
        ends_at=ends_at,
        recurrence_rule=recurrence_rule,
        capacity=capacity,
        areas=areas,
        hosts=hosts,
        details=details,
    )
    dates = _dates(event)
    with transaction.atomic():
        event.save()
        _set_links(event, areas, hosts)
        Occurrence.objects.bulk_create(_occurrences(event, dates))
        audit.record(
            actor=actor, action=AuditAction.CREATE, organization=organization, target=event
        )
    return event


def update_event(actor: User, event: Event, **changes: Any) -> Event:
    """Change an event. A change of time, place or series raises its SEQUENCE; a series
    keeps the dates people signed up for, and refuses to drop one that has sign-ups."""
    require(rules.can_organize_events(actor, event.organization))
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        before = {name: getattr(locked, name) for name in SCHEDULE_FIELDS}
        before_capacity = locked.capacity
        _apply(
            locked,
            kind=changes.pop("kind", locked.kind),
            texts=changes.pop("texts", locked.texts),
            starts_at=changes.pop("starts_at", locked.starts_at),
            ends_at=changes.pop("ends_at", locked.ends_at),
            recurrence_rule=changes.pop("recurrence_rule", locked.recurrence),
            capacity=changes.pop("capacity", locked.capacity),
            areas=changes.get("areas", ()),
            hosts=changes.get("hosts", ()),
            details={k: v for k, v in changes.items() if k not in ("areas", "hosts")},
            confirmed=_most_confirmed(locked),
        )
        moved = any(getattr(locked, name) != before[name] for name in SCHEDULE_FIELDS)
        if moved:
            locked.sequence += 1
            times = {o.pk: (o.starts_at, o.ends_at) for o in locked.occurrences.all()}
            _reschedule(locked, before["starts_at"])
            place_changed = any(
                getattr(locked, name) != before[name] for name in ("venue", "address", "online_url")
            )
            _tell_changed_dates(locked, times, place_changed=place_changed)
        locked.save()
        if _more_places(before_capacity, locked.capacity):
            _fill_freed_places(locked, timezone.now())
        if "areas" in changes or "hosts" in changes:
            _set_links(
                locked,
                changes.get("areas", locked.areas.all()),
                changes.get("hosts", locked.hosts.all()),
            )
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=locked.organization,
            target=locked,
            changes=[*changes, *(["schedule"] if moved else [])],
        )
    return locked


def _more_places(before: int | None, after: int | None) -> bool:
    return before is not None and (after is None or after > before)


def _fill_freed_places(event: Event, now: dt.datetime) -> None:
    """More places (or no limit any more): each date's waiting list moves up, in order, and
    those moved up are told."""
    waiting = (
        Rsvp.objects.filter(
            occurrence__event=event,
            occurrence__cancelled=False,
            occurrence__ends_at__gt=now,
            status=RsvpStatus.WAITLISTED,
        )
        .values_list("occurrence_id", flat=True)
        .distinct()
    )
    for occurrence_id in sorted(waiting):
        locked = Occurrence.objects.select_for_update().get(pk=occurrence_id)
        taken = Rsvp.objects.filter(occurrence=locked, status=RsvpStatus.CONFIRMED).count()
        free = None if event.capacity is None else event.capacity - taken
        while free is None or free > 0:
            first = _promote(locked, now)
            if first is None:
                break
            notifications.promoted(first)
            free = None if free is None else free - 1


def publish_event(actor: User, event: Event) -> Event:
    require(rules.can_organize_events(actor, event.organization))
    if event.status != EventStatus.DRAFT:
        raise ServiceError(ErrorCode.INVALID, _("Only a draft can be published."), "status")
    with transaction.atomic():
        event.status = EventStatus.PUBLISHED
        event.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=event.organization,
            target=event,
            changes=["status"],
        )
    return event


def cancel_event(actor: User, event: Event) -> Event:
    """Cancel every date; calendars keep showing it as cancelled, and everyone signed up for
    a date still to come is told."""
    require(rules.can_organize_events(actor, event.organization))
    if event.status == EventStatus.CANCELLED:
        raise ServiceError(ErrorCode.INVALID, _("This event is already cancelled."), "status")
    with transaction.atomic():
        event.status = EventStatus.CANCELLED
        event.sequence += 1
        event.save(update_fields=["status", "sequence", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=event.organization,
            target=event,
            changes=["status"],
        )
        notifications.event_cancelled(event, timezone.now())
    return event


def cancel_occurrence(actor: User, occurrence: Occurrence) -> Occurrence:
    """Cancel one date of a series; everyone signed up for it is told. Cancelling it again
    changes nothing."""
    event = occurrence.event
    require(rules.can_organize_events(actor, event.organization))
    with transaction.atomic():
        locked = Occurrence.objects.select_for_update().get(pk=occurrence.pk)
        if locked.cancelled:
            occurrence.cancelled = True
            return occurrence
        occurrence.cancelled = True
        occurrence.save(update_fields=["cancelled"])
        _touch(event)
        notifications.date_cancelled(occurrence)
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=event.organization,
            target=event,
            changes=["occurrence cancelled"],
        )
    return occurrence


def move_occurrence(
    actor: User, occurrence: Occurrence, *, starts_at: dt.datetime, ends_at: dt.datetime
) -> Occurrence:
    """Move one date of a series; its sign-ups stay with it and are told the new time (and
    reminded again before it)."""
    event = occurrence.event
    require(rules.can_organize_events(actor, event.organization))
    _check_times(starts_at, ends_at)
    with transaction.atomic():
        locked = Occurrence.objects.select_for_update().get(pk=occurrence.pk)
        changed = (locked.starts_at, locked.ends_at) != (starts_at, ends_at)
        occurrence.starts_at, occurrence.ends_at, occurrence.moved = starts_at, ends_at, True
        if changed:
            occurrence.reminded_at = None
        occurrence.save(update_fields=["starts_at", "ends_at", "moved", "reminded_at"])
        _touch(event)
        if changed:
            notifications.dates_changed([occurrence])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=event.organization,
            target=event,
            changes=["occurrence moved"],
        )
    return occurrence


def _tell_changed_dates(
    event: Event, times: Mapping[int, tuple[dt.datetime, dt.datetime]], *, place_changed: bool
) -> None:
    """After a change of the event's time or place: the dates still to come whose time
    changed (``times`` held them before) are reminded again, and their people are told,
    as are everyone's if the place changed."""
    upcoming = list(event.occurrences.filter(cancelled=False, ends_at__gt=timezone.now()))
    retimed = [o for o in upcoming if times.get(o.pk, _times(o)) != _times(o)]
    Occurrence.objects.filter(pk__in=[o.pk for o in retimed]).update(reminded_at=None)
    notifications.dates_changed(upcoming if place_changed else retimed)


def _times(occurrence: Occurrence) -> tuple[dt.datetime, dt.datetime]:
    return occurrence.starts_at, occurrence.ends_at


def _touch(event: Event) -> None:
    """A change calendars must pick up."""
    event.sequence += 1
    event.save(update_fields=["sequence", "updated_at"])


def _apply(
    event: Event,
    *,
    kind: str,
    texts: Mapping[str, Mapping[str, str]],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    recurrence_rule: str,
    capacity: int | None,
    areas: Iterable[Area],
    hosts: Iterable[User],
    details: Mapping[str, Any],
    confirmed: int = 0,
) -> None:
    """Check every field and set it on ``event``; ``ServiceErrors`` lists every refusal."""
    organization = event.organization
    errors: list[ServiceError] = []

    def refuse(field: str, message: str) -> None:
        errors.append(ServiceError(ErrorCode.INVALID, message, field))

    if kind not in EventKind.values:
        refuse("kind", _("Choose a kind of event."))
    event.kind = kind
    event.texts = clean_texts(organization, texts, refuse)
    try:
        _check_times(starts_at, ends_at)
    except ServiceError as error:
        errors.append(error)
    event.starts_at, event.ends_at = starts_at, ends_at
    event.recurrence = recurrence_rule.strip().removeprefix("RRULE:")
    if capacity is not None and capacity < 1:
        refuse("capacity", _("Give at least one place, or leave it empty for no limit."))
    elif capacity is not None and capacity < confirmed:
        refuse(
            "capacity",
            _("Places already taken: %(count)d. The capacity cannot be lower.")
            % {"count": confirmed},
        )
    event.capacity = capacity
    for name in PLAIN_FIELDS:
        if name in details:
            setattr(event, name, details[name])
    unknown = set(details) - set(PLAIN_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    if event.online_url:
        try:
            URLValidator(schemes=["https", "http"])(event.online_url)
        except ValidationError:
            refuse("online_url", _("Give a web address starting with https://."))
    if not (event.venue.strip() or event.address.strip() or event.online_url):
        refuse("venue", _("Say where it takes place: a venue, an address or an online link."))
    if any(area.organization_id != organization.pk for area in areas):
        refuse("areas", _("Choose areas of your organisation."))
    host_ids = [host.pk for host in hosts]
    members = Membership.objects.filter(organization=organization, user_id__in=host_ids)
    if members.count() != len(set(host_ids)):
        refuse("hosts", _("Hosts must be members of your organisation."))
    if event.recurrence and not errors:
        try:
            _dates(event)
        except ServiceError as error:
            errors.append(error)
    if errors:
        raise ServiceErrors(errors)


def clean_texts(
    organization: Organization,
    texts: Mapping[str, Mapping[str, str]],
    refuse: Any,
) -> dict[str, dict[str, str]]:
    """Titles and descriptions in the organisation's languages; a title in at least one."""
    known = {code for code, _name in settings.LANGUAGES}
    kept: dict[str, dict[str, str]] = {}
    for language, parts in texts.items():
        if language not in known:
            refuse(
                "texts",
                _("“%(language)s” is not a language we publish in.") % {"language": language},
            )
            continue
        title = str(parts.get("title", "")).strip()
        description = str(parts.get("description", "")).strip()
        if not title and not description:
            continue
        if not title:
            refuse(f"title_{language}", _("Give a title in this language too."))
        elif len(title) > MAX_TITLE:
            refuse(
                f"title_{language}", _("Keep the title to %(max)d characters.") % {"max": MAX_TITLE}
            )
        if len(description) > MAX_DESCRIPTION:
            refuse(
                f"description_{language}",
                _("Keep the description to %(max)d characters.") % {"max": MAX_DESCRIPTION},
            )
        kept[language] = {"title": title, "description": description}
    if not kept:
        refuse("texts", _("Give the event a title."))
    return kept


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise ServiceError(ErrorCode.INVALID, _("The end must be after the start."), "ends_at")
    if ends_at - starts_at > MAX_LENGTH:
        raise ServiceError(
            ErrorCode.INVALID,
            _("One date lasts two days at most; use a series for longer."),
            "ends_at",
        )


def _set_links(event: Event, areas: Iterable[Area], hosts: Iterable[User]) -> None:
    event.areas.set(list(areas))
    event.hosts.set(list(hosts))


def _dates(event: Event) -> list[dt.datetime]:
    zone = zoneinfo.ZoneInfo(event.organization.timezone)
    return recurrence.starts(event.starts_at, event.recurrence, zone)


def _occurrences(event: Event, dates: list[dt.datetime]) -> list[Occurrence]:
    length = event.ends_at - event.starts_at
    return [
        Occurrence(
            organization=event.organization,
            event=event,
            original_start=start,
            starts_at=start,
            ends_at=start + length,
        )
        for start in dates
    ]


def _reschedule(event: Event, previous_start: dt.datetime) -> None:
    """Rebuild the dates of a changed event. Dates keep their sign-ups when the series only
    shifted (same position in the series); a date with sign-ups that the change would drop
    is refused."""
    existing = list(event.occurrences.order_by("original_start"))
    dates = _dates(event)
    length = event.ends_at - event.starts_at
    by_position = dict(enumerate(existing))
    kept_ids = []
    for position, start in enumerate(dates):
        occurrence = by_position.get(position)
        if occurrence is None:
            Occurrence.objects.create(
                organization=event.organization,
                event=event,
                original_start=start,
                starts_at=start,
                ends_at=start + length,
            )
            continue
        occurrence.original_start = start
        if not occurrence.moved:
            occurrence.starts_at, occurrence.ends_at = start, start + length
        occurrence.save(update_fields=["original_start", "starts_at", "ends_at"])
        kept_ids.append(occurrence.pk)
    dropped = [o for o in existing if o.pk not in kept_ids]
    taken = Rsvp.objects.filter(occurrence__in=dropped).exclude(status=RsvpStatus.CANCELLED)
    if taken.exists():
        raise ServiceError(
            ErrorCode.INVALID,
            _(
                "People signed up for dates this change would remove. Cancel those dates "
                "first, so that they are told."
            ),
            "recurrence",
        )
    Occurrence.objects.filter(pk__in=[o.pk for o in dropped]).delete()


def _most_confirmed(event: Event) -> int:
    """The most places taken at any one date of the event (one query)."""
    counts = (
        Rsvp.objects.filter(occurrence__event=event, status=RsvpStatus.CONFIRMED)
        .values("occurrence")
        .annotate(taken=Count("id"))
        .order_by("-taken")
        .values_list("taken", flat=True)
    )
    return counts.first() or 0


# Sign-ups ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedUp:
    """A sign-up and, for a guest, the secret of their e-mail link (shown once, stored
    hashed)."""

    rsvp: Rsvp
    secret: str


def sign_up(
    occurrence: Occurrence,
    *,
    user: User | None = None,
    name: str = "",
    email: str = "",
    now: dt.datetime | None = None,
) -> SignedUp:
    """A place (or a place on the waiting list) at one date.

    A signed-in resident gets it at once. A guest gives a name and an e-mail address and
    gets it when they confirm from the e-mail (``confirm_guest``): until then they hold no
    place. One sign-up per person and date.

    A guest whose address is already signed up for the date is answered as if they had just
    signed up, and the e-mail goes to that address again with a new link: the answer must not
    tell a stranger who is coming.
    """
    name, email = name.strip(), email.strip().lower()
    if user is None:
        _check_guest(name, email)
    secret = secrets.token_urlsafe(24)
    language = translation.get_language() or ""
    rsvp = Rsvp(
        organization=occurrence.organization,
        occurrence=occurrence,
        user=user,
        name=name if user is None else "",
        email=email if user is None else "",
        language=language if user is None else "",
        secret_digest=digest_of(secret),
    )
    try:
        with transaction.atomic():
            locked, moment = _lock(occurrence, now)
            if user is None:
                rsvp.status = RsvpStatus.PENDING
                rsvp.save()
                notifications.guest_signed_up(rsvp, secret, language)
            else:
                _place(locked, rsvp, moment)
                notifications.place_decided(rsvp, secret=None, language=language)
    except IntegrityError:
        if user is None:
            return _sign_up_again(occurrence, email, language)
        raise ServiceError(
            ErrorCode.DUPLICATE, _("You have already signed up for this date."), "email"
        ) from None
    return SignedUp(rsvp, secret)


def _sign_up_again(occurrence: Occurrence, email: str, language: str) -> SignedUp:
    """The guest's address is signed up already: the e-mail of where they stand goes to it
    again, with a new link (the earlier one stops working)."""
    with transaction.atomic():
        rsvp = (
            Rsvp.objects.select_for_update()
            .exclude(status=RsvpStatus.CANCELLED)
            .get(occurrence=occurrence, email=email)
        )
        secret = renew_guest_link(rsvp)
        if rsvp.status == RsvpStatus.PENDING:
            notifications.guest_signed_up(rsvp, secret, language)
        else:
            notifications.place_decided(rsvp, secret=secret, language=language)
    return SignedUp(rsvp, secret)


def confirm_guest(rsvp: Rsvp, secret: str, now: dt.datetime | None = None) -> Rsvp:
    """The guest clicked the link in their e-mail: their place, or a place in the queue."""
    _check_secret(rsvp, secret)
    with transaction.atomic():
        locked, moment = _lock(rsvp.occurrence, now)
        current = Rsvp.objects.select_for_update().get(pk=rsvp.pk)
        if current.status != RsvpStatus.PENDING:
            return current  # confirmed already: a second click changes nothing
        _place(locked, current, moment)
        notifications.place_decided(current, secret=secret, language=translation.get_language())
    return current


def cancel_sign_up(rsvp: Rsvp, *, now: dt.datetime | None = None) -> Rsvp:
    """Give the place back; the first on the waiting list gets it."""
    with transaction.atomic():
        locked = Occurrence.objects.select_for_update().get(pk=rsvp.occurrence_id)
        now = now or timezone.now()  # read under the lock: promotions keep the lock's order
        current = Rsvp.objects.select_for_update().get(pk=rsvp.pk)
        if current.status == RsvpStatus.CANCELLED:
            return current
        held_place = current.status == RsvpStatus.CONFIRMED
        current.status, current.cancelled_at = RsvpStatus.CANCELLED, now
        current.save(update_fields=["status", "cancelled_at"])
        if held_place:
            first = _promote(locked, now)
            if first is not None:
                notifications.promoted(first)
    return current


def give_back_places(user: User, *, now: dt.datetime | None = None) -> int:
    """Someone leaves (their account is erased): their sign-ups to dates still to come are
    cancelled, so each place they held goes to the first on the waiting list."""
    now = now or timezone.now()
    upcoming = Rsvp.objects.filter(user=user, occurrence__ends_at__gt=now).exclude(
        status=RsvpStatus.CANCELLED
    )
    given_back = 0
    for rsvp in upcoming:
        cancel_sign_up(rsvp, now=now)
        given_back += 1
    return given_back


def cancel_with_secret(rsvp: Rsvp, secret: str, *, now: dt.datetime | None = None) -> Rsvp:
    """A guest cancels from the link in their e-mail."""
    _check_secret(rsvp, secret)
    return cancel_sign_up(rsvp, now=now)


def renew_guest_link(rsvp: Rsvp) -> str:
    """A new secret for a guest's e-mail link, for an e-mail that must carry the link when
    the old secret is not at hand (only its digest is stored). The old link stops working."""
    secret = secrets.token_urlsafe(24)
    rsvp.secret_digest = digest_of(secret)
    Rsvp.objects.filter(pk=rsvp.pk).update(secret_digest=rsvp.secret_digest)
    return secret


def _check_guest(name: str, email: str) -> None:
    errors = []
    if not name:
        errors.append(ServiceError(ErrorCode.INVALID, _("Give your name."), "name"))
    try:
        validate_email(email)
    except ValidationError:
        errors.append(
            ServiceError(ErrorCode.INVALID, _("Give an e-mail address we can write to."), "email")
        )
    if errors:
        raise ServiceErrors(errors)


def _check_secret(rsvp: Rsvp, secret: str) -> None:
    if not secrets.compare_digest(rsvp.secret_digest, digest_of(secret)):
        raise ServiceError(ErrorCode.NOT_FOUND, _("This link is not valid."), None)


def _lock(occurrence: Occurrence, now: dt.datetime | None) -> tuple[Occurrence, dt.datetime]:
    """The occurrence, locked, if it still takes sign-ups, and the moment of the decision.

    Unless the caller fixes it, the moment is read once the lock is held, so that places
    and the waiting list follow the order in which sign-ups took the lock, not the order in
    which their requests began."""
    locked = Occurrence.objects.select_for_update().select_related("event").get(pk=occurrence.pk)
    moment = now or timezone.now()
    if locked.event.status != EventStatus.PUBLISHED or locked.cancelled:
        raise ServiceError(ErrorCode.INVALID, _("This date is not taking sign-ups."), None)
    if locked.ends_at <= moment:
        raise ServiceError(ErrorCode.EXPIRED, _("This date is over."), None)
    return locked, moment


def _place(occurrence: Occurrence, rsvp: Rsvp, now: dt.datetime) -> None:
    """Under the occurrence's lock: a place if one is free, else the end of the queue."""
    capacity = occurrence.event.capacity
    taken = Rsvp.objects.filter(occurrence=occurrence, status=RsvpStatus.CONFIRMED).count()
    if capacity is None or taken < capacity:
        rsvp.status, rsvp.confirmed_at = RsvpStatus.CONFIRMED, now
    else:
        rsvp.status, rsvp.queued_at = RsvpStatus.WAITLISTED, now
    rsvp.save()


def _promote(occurrence: Occurrence, now: dt.datetime) -> Rsvp | None:
    """Under the occurrence's lock: the first in the queue takes the free place."""
    first = (
        Rsvp.objects.select_for_update()
        .filter(occurrence=occurrence, status=RsvpStatus.WAITLISTED)
        .order_by("queued_at", "id")
        .first()
    )
    if first is None:
        return None
    first.status, first.confirmed_at = RsvpStatus.CONFIRMED, now
    first.save(update_fields=["status", "confirmed_at"])
    return first
