"""Who is told what about events, and when. The e-mails themselves are built in ``tasks``.

Services call the functions here inside their transaction; each works out the recipients
then and queues the e-mails with ``transaction.on_commit``, so a change that rolls back
tells nobody. Task arguments carry ids (and a guest's link secret where the mail needs
it), never an address. A person signed up for several dates of a changed or cancelled
event gets one e-mail listing them, not one per date.

Two actions live here because they only send: ``message_attendees`` (organisers write to
the people of a date or of the whole event) and ``send_reminders`` (run from a timer by
``trustbridge events-remind``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from trustbridge.accounts.models import User
from trustbridge.core import audit, rules
from trustbridge.core.checks import require
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.models import AuditAction, Organization
from trustbridge.events.models import Event, EventStatus, Occurrence, Rsvp, RsvpStatus

ACTIVE = (RsvpStatus.PENDING, RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED)

# A date is reminded once, by the first run that finds it starting within a day; a run
# that comes late still reminds it up to two hours before it starts, never later.
REMIND_AHEAD = dt.timedelta(hours=24)
REMIND_AT_LEAST = dt.timedelta(hours=2)

MAX_SUBJECT = 150
MAX_BODY = 5000


# Sign-ups ----------------------------------------------------------------------------------


def guest_signed_up(rsvp: Rsvp, secret: str, language: str | None) -> None:
    """A guest signed up: send the link that confirms (or cancels) their place."""
    from trustbridge.events import tasks

    transaction.on_commit(
        lambda: tasks.send_confirm_request.enqueue(
            rsvp_id=rsvp.pk, secret=secret, language=language
        )
    )


def place_decided(rsvp: Rsvp, *, secret: str | None, language: str | None) -> None:
    """Someone took a place or joined the waiting list by their own action (a signed-in
    sign-up, a guest's confirmation), in ``language``. ``secret`` is the guest's link
    secret, at hand because they just used it."""
    from trustbridge.events import tasks

    if rsvp.status == RsvpStatus.CONFIRMED:
        transaction.on_commit(
            lambda: tasks.send_place.enqueue(rsvp_id=rsvp.pk, secret=secret, language=language)
        )
    elif rsvp.status == RsvpStatus.WAITLISTED:
        transaction.on_commit(
            lambda: tasks.send_waitlisted.enqueue(rsvp_id=rsvp.pk, secret=secret, language=language)
        )


def promoted(rsvp: Rsvp) -> None:
    """The first on the waiting list took a place that came free."""
    from trustbridge.events import tasks

    transaction.on_commit(lambda: tasks.send_place.enqueue(rsvp_id=rsvp.pk, promoted=True))


# Changes organisers make -------------------------------------------------------------------


def event_cancelled(event: Event, now: dt.datetime) -> None:
    """Tell everyone signed up for a date still to come (guests who have not confirmed
    included). Dates cancelled earlier were told then."""
    rsvps = _active(
        Rsvp.objects.filter(
            occurrence__event=event, occurrence__cancelled=False, occurrence__ends_at__gt=now
        )
    )
    _queue_per_person(rsvps, lambda ids: _cancellation(ids, whole_event=True))


def date_cancelled(occurrence: Occurrence) -> None:
    """Tell everyone signed up for this date."""
    rsvps = _active(Rsvp.objects.filter(occurrence=occurrence))
    _queue_per_person(rsvps, lambda ids: _cancellation(ids, whole_event=False))


def dates_changed(occurrences: Iterable[Occurrence]) -> None:
    """Tell everyone signed up for these dates their new time and place (one e-mail per
    person, listing their dates). Nothing is sent for an event that is not published."""
    from trustbridge.events import tasks

    rsvps = _active(
        Rsvp.objects.filter(
            occurrence__in=[o.pk for o in occurrences],
            occurrence__event__status=EventStatus.PUBLISHED,
        )
    )
    _queue_per_person(rsvps, lambda ids: tasks.send_change.enqueue(rsvp_ids=ids))


def _cancellation(rsvp_ids: list[int], *, whole_event: bool) -> None:
    from trustbridge.events import tasks

    tasks.send_cancellation.enqueue(rsvp_ids=rsvp_ids, whole_event=whole_event)


def _active(rsvps: QuerySet[Rsvp]) -> QuerySet[Rsvp]:
    return rsvps.filter(status__in=ACTIVE).order_by("occurrence__starts_at", "id")


def _queue_per_person(rsvps: QuerySet[Rsvp], enqueue: Callable[[list[int]], object]) -> None:
    """Group the sign-ups by person (account, or a guest's address) and queue one e-mail
    each after commit."""
    _each_on_commit(enqueue, by_person(rsvps))


def _each_on_commit(enqueue: Callable[[Any], object], arguments: list[Any]) -> None:
    """After commit, ``enqueue(argument)`` for each argument."""
    if not arguments:
        return

    def run() -> None:
        for argument in arguments:
            enqueue(argument)

    transaction.on_commit(run)


def by_person(rsvps: Iterable[Rsvp]) -> list[list[int]]:
    """The ids of the sign-ups, grouped by the person who made them, in the given order."""
    groups: dict[tuple[str, object], list[int]] = {}
    for rsvp in rsvps:
        key: tuple[str, object] = ("user", rsvp.user_id) if rsvp.user_id else ("guest", rsvp.email)
        groups.setdefault(key, []).append(rsvp.pk)
    return list(groups.values())


# Messages from organisers ------------------------------------------------------------------


def message_attendees(
    actor: User,
    event: Event,
    occurrence: Occurrence | None,
    subject: str,
    body: str,
    *,
    include_waitlist: bool = False,
) -> int:
    """Organisers write to everyone with a place at one date (or at any date still held:
    ``occurrence=None``), and to the waiting list if asked. The body is plain text. One
    e-mail per person; the number of people written to is returned (none: nothing sent,
    nothing recorded)."""
    require(rules.can_organize_events(actor, event.organization))
    if occurrence is not None and occurrence.event_id != event.pk:
        raise ServiceError(ErrorCode.NOT_FOUND, _("This date is not part of the event."), None)
    subject, body = " ".join(subject.split()), body.strip()
    _check_message(subject, body)
    statuses = [RsvpStatus.CONFIRMED, *([RsvpStatus.WAITLISTED] if include_waitlist else [])]
    rsvps = Rsvp.objects.filter(occurrence__event=event, status__in=statuses)
    if occurrence is not None:
        rsvps = rsvps.filter(occurrence=occurrence)
    else:
        rsvps = rsvps.filter(occurrence__cancelled=False)
    groups = by_person(rsvps.order_by("occurrence__starts_at", "id"))
    if not groups:
        return 0
    from trustbridge.events import tasks

    with transaction.atomic():
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            organization=event.organization,
            target=event,
            summary=_audit_summary(len(groups), occurrence, include_waitlist),
            changes=["subject", "body"],
        )
        _each_on_commit(
            lambda ids: tasks.send_message.enqueue(rsvp_ids=ids, subject=subject, body=body),
            groups,
        )
    return len(groups)


def _audit_summary(people: int, occurrence: Occurrence | None, include_waitlist: bool) -> str:
    """Who was written to, in numbers only (the audit log holds no personal data)."""
    dates = f"date {occurrence.pk}" if occurrence is not None else "all dates"
    waitlist = ", waiting list included" if include_waitlist else ""
    return f"message to attendees: {people} people, {dates}{waitlist}"


def _check_message(subject: str, body: str) -> None:
    errors = []
    if not subject:
        errors.append(ServiceError(ErrorCode.INVALID, _("Give the message a subject."), "subject"))
    elif len(subject) > MAX_SUBJECT:
        errors.append(
            ServiceError(
                ErrorCode.INVALID,
                _("Keep the subject to %(max)d characters.") % {"max": MAX_SUBJECT},
                "subject",
            )
        )
    if not body:
        errors.append(ServiceError(ErrorCode.INVALID, _("Write the message."), "body"))
    elif len(body) > MAX_BODY:
        errors.append(
            ServiceError(
                ErrorCode.INVALID,
                _("Keep the message to %(max)d characters.") % {"max": MAX_BODY},
                "body",
            )
        )
    if errors:
        raise ServiceErrors(errors)


# Reminders ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminded:
    """What one run of ``send_reminders`` did."""

    dates: int
    reminders: int


def send_reminders(now: dt.datetime, organization: Organization | None = None) -> Reminded:
    """Remind everyone with a place at a date starting between two hours and a day from
    ``now``. Each date is claimed by setting ``reminded_at`` where it is still empty, in
    one statement under the row's lock, so two runs at once never remind a date twice;
    the reminders are queued when that claim commits."""
    due = Occurrence.objects.filter(
        reminded_at__isnull=True,
        cancelled=False,
        event__status=EventStatus.PUBLISHED,
        starts_at__gte=now + REMIND_AT_LEAST,
        starts_at__lte=now + REMIND_AHEAD,
    )
    if organization is not None:
        due = due.filter(organization=organization)
    dates = reminders = 0
    for occurrence_id in list(due.order_by("starts_at").values_list("pk", flat=True)):
        sent = _remind(occurrence_id, now)
        if sent is not None:
            dates, reminders = dates + 1, reminders + sent
    return Reminded(dates, reminders)


def _remind(occurrence_id: int, now: dt.datetime) -> int | None:
    """Claim one date and queue its reminders; None if another run claimed it first."""
    from trustbridge.events import tasks

    with transaction.atomic():
        claimed = Occurrence.objects.filter(
            pk=occurrence_id, reminded_at__isnull=True, cancelled=False
        ).update(reminded_at=now)
        if not claimed:
            return None
        rsvp_ids = list(
            Rsvp.objects.filter(occurrence_id=occurrence_id, status=RsvpStatus.CONFIRMED)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        _each_on_commit(lambda pk: tasks.send_reminder.enqueue(rsvp_id=pk), rsvp_ids)
    return len(rsvp_ids)
