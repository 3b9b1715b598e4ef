"""Background e-mail of events: one task per e-mail, queued by ``notifications`` after commit.

Each task reads the sign-up again and sends nothing if what it was about no longer holds
(a place cancelled before the worker got to it, a date cancelled before its reminder).
A mail is written in the recipient's language: their account's preferred language, else
the language they used when the mail was caused by their own action, else the
organisation's first language.

Links are absolute (``TRUSTBRIDGE_BASE_URL``). A guest's link carries a secret of which
only the digest is stored: when the secret is not at hand, the mail carries a new one and
says that the earlier link stopped working (``services.renew_guest_link``). The same goes
for check-in codes: every mail that carries one issues a new one (``checkin.issue_code``).
A task's arguments hold ids, never an address (a guest's link secret, like an
invitation's, is among them until finished tasks are pruned); nor does the log.
"""

from __future__ import annotations

import io
import logging
import smtplib
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from trustbridge.core.mail import send_templated_mail
from trustbridge.events import checkin, queries, services
from trustbridge.events.models import Event, EventStatus, Occurrence, Rsvp, RsvpStatus

logger = logging.getLogger(__name__)

QR_NAME = "checkin-qr"  # the inline image's name: <img src="cid:checkin-qr">
QR_SCALE = 6  # pixels per module
QR_BORDER = 4  # modules of quiet zone, as the standard asks


# The e-mails -------------------------------------------------------------------------------


@task()
def send_confirm_request(*, rsvp_id: int, secret: str, language: str | None = None) -> None:
    """A guest signed up: the link to confirm (or cancel) their sign-up."""
    rsvp = _rsvp(rsvp_id)
    if rsvp is None or rsvp.status != RsvpStatus.PENDING:
        return
    context = _context(rsvp, language) | {"link": _guest_link(rsvp, secret)}
    _send("confirm", rsvp, context)


@task()
def send_place(
    *,
    rsvp_id: int,
    secret: str | None = None,
    language: str | None = None,
    promoted: bool = False,
) -> None:
    """A place is theirs: when and where, the check-in QR code, calendar and cancel links.
    ``promoted``: it came free and they were first on the waiting list."""
    rsvp = _rsvp(rsvp_id)
    if rsvp is None or rsvp.status != RsvpStatus.CONFIRMED:
        return
    context = _context(rsvp, language) | {"promoted": promoted}
    context |= _manage(rsvp, secret) | _calendar(rsvp.occurrence.event)
    admission, qr = _admission(rsvp)
    _send("place", rsvp, context | admission, inline_images={QR_NAME: qr})


@task()
def send_waitlisted(
    *, rsvp_id: int, secret: str | None = None, language: str | None = None
) -> None:
    """All places are taken: their number on the waiting list."""
    rsvp = _rsvp(rsvp_id)
    if rsvp is None or rsvp.status != RsvpStatus.WAITLISTED:
        return
    position = queries.waiting_position(rsvp)  # the number the guest page shows too
    context = _context(rsvp, language) | {"position": position} | _manage(rsvp, secret)
    _send("waitlisted", rsvp, context)


@task()
def send_reminder(*, rsvp_id: int) -> None:
    """The day before: when and where, with the check-in QR code."""
    rsvp = _rsvp(rsvp_id)
    if rsvp is None or rsvp.status != RsvpStatus.CONFIRMED:
        return
    occurrence = rsvp.occurrence
    if not _upcoming(occurrence):
        return
    context = _context(rsvp, None) | _manage(rsvp, None) | _calendar(occurrence.event)
    admission, qr = _admission(rsvp)
    _send("reminder", rsvp, context | admission, inline_images={QR_NAME: qr})


@task()
def send_cancellation(*, rsvp_ids: list[int], whole_event: bool) -> None:
    """The event, or one date, is cancelled: one person's sign-ups it cancelled."""
    rsvps = _people_rsvps(rsvp_ids)
    if not rsvps:
        return
    first = rsvps[0]
    context = _context(first, None) | {"whole_event": whole_event, "dates": rsvps}
    _send("cancelled", first, context)


@task()
def send_change(*, rsvp_ids: list[int]) -> None:
    """The time or place changed: one person's dates as they are now, each with its link."""
    rsvps = [r for r in _people_rsvps(rsvp_ids) if _upcoming(r.occurrence)]
    if not rsvps:
        return
    first = rsvps[0]
    dates = [
        {
            "occurrence": r.occurrence,
            "pending": r.status == RsvpStatus.PENDING,
            "waitlisted": r.status == RsvpStatus.WAITLISTED,
            **_manage(r, None),
        }
        for r in rsvps
    ]
    context = _context(first, None) | {"dates": dates} | _calendar(first.occurrence.event)
    _send("changed", first, context)


@task()
def send_message(*, rsvp_ids: list[int], subject: str, body: str) -> None:
    """A message the organisers wrote to the people of a date or of the event."""
    rsvps = [
        r
        for r in _people_rsvps(rsvp_ids)
        if r.status in (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED)
    ]
    if not rsvps:
        return
    first = rsvps[0]
    dates = [
        {"occurrence": r.occurrence, "waitlisted": r.status == RsvpStatus.WAITLISTED} for r in rsvps
    ]
    context = _context(first, None) | {"subject": subject, "body": body, "dates": dates}
    _send("message", first, context)


# Building them -----------------------------------------------------------------------------


def _rsvp(rsvp_id: int) -> Rsvp | None:
    return (
        Rsvp.objects.select_related("organization", "occurrence__event", "user")
        .filter(pk=rsvp_id)
        .first()
    )


def _people_rsvps(rsvp_ids: list[int]) -> list[Rsvp]:
    """One person's sign-ups still active, in the order of their dates."""
    return list(
        Rsvp.objects.select_related("organization", "occurrence__event", "user")
        .filter(pk__in=rsvp_ids)
        .exclude(status=RsvpStatus.CANCELLED)
        .order_by("occurrence__starts_at", "id")
    )


def _upcoming(occurrence: Occurrence) -> bool:
    return (
        not occurrence.cancelled
        and occurrence.event.status == EventStatus.PUBLISHED
        and occurrence.starts_at > timezone.now()
    )


def language_for(rsvp: Rsvp, spoken: str | None = None) -> str:
    """The recipient's language: their account's preferred one, else ``spoken`` (the
    language of their own request that caused the mail), else the one a guest signed up in,
    else the organisation's first."""
    preferred = rsvp.user.preferred_language if rsvp.user else ""
    for code in (preferred, spoken or "", rsvp.language, *(rsvp.organization.languages or [])):
        if not code:
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)


def _context(rsvp: Rsvp, spoken: str | None) -> dict[str, Any]:
    """What every mail shows: the event in the recipient's language, its date in the
    organisation's time zone, and why the mail was sent (the footer)."""
    language = language_for(rsvp, spoken)
    event = rsvp.occurrence.event
    return {
        "language": language,
        "organization": rsvp.organization,
        "event": event,
        "title": event.title(language),
        "occurrence": rsvp.occurrence,
        "tz": rsvp.organization.timezone,
        "guest": rsvp.user_id is None,
        "pending": rsvp.status == RsvpStatus.PENDING,
        "waitlisted": rsvp.status == RsvpStatus.WAITLISTED,
    }


def _absolute(name: str, **kwargs: Any) -> str:
    return str(settings.TRUSTBRIDGE_BASE_URL) + reverse(f"events:{name}", kwargs=kwargs)


def _guest_link(rsvp: Rsvp, secret: str) -> str:
    return _absolute("guest", org_slug=rsvp.organization.slug, rsvp_id=rsvp.pk, secret=secret)


def _manage(rsvp: Rsvp, secret: str | None) -> dict[str, Any]:
    """Where the person confirms or cancels: a guest's own link (renewed if its secret is
    not at hand), or a signed-in resident's list of sign-ups."""
    if rsvp.user_id is not None:
        return {"manage_link": _absolute("mine", org_slug=rsvp.organization.slug), "renewed": False}
    renewed = secret is None
    if secret is None:
        secret = services.renew_guest_link(rsvp)
    return {"manage_link": _guest_link(rsvp, secret), "renewed": renewed}


def _calendar(event: Event) -> dict[str, Any]:
    return {
        "calendar_link": _absolute("event_ics", org_slug=event.organization.slug, event_id=event.pk)
    }


def checkin_url(rsvp: Rsvp, code: str) -> str:
    """The address the QR code holds: the door page of this date, with the code filled in."""
    occurrence = rsvp.occurrence
    page = _absolute(
        "checkin",
        org_slug=rsvp.organization.slug,
        event_id=occurrence.event_id,
        occurrence_id=occurrence.pk,
    )
    return f"{page}?{urlencode({'code': code})}"


def _png(qr: segno.QRCode) -> bytes:
    """The QR code as a PNG, large enough for a phone camera at arm's length."""
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return buffer.getvalue()


def _admission(rsvp: Rsvp) -> tuple[dict[str, Any], bytes]:
    """A new check-in code (the previous one stops working) and its QR code."""
    code = checkin.issue_code(rsvp)
    url = checkin_url(rsvp, code)
    qr = segno.make(url, error="m", micro=False)
    width, _height = qr.symbol_size(scale=QR_SCALE, border=QR_BORDER)
    admission = {
        "code": checkin.display_code(code),
        "checkin_url": url,
        "qr_cid": QR_NAME,
        "qr_size": width,
    }
    return admission, _png(qr)


def _recipient(rsvp: Rsvp) -> str:
    """The address to write to; empty for an account that is closed or erased."""
    if rsvp.user is None:
        return rsvp.email
    if not rsvp.user.is_active or rsvp.user.erased_at is not None:
        return ""
    return rsvp.user.email


def _send(
    template: str,
    rsvp: Rsvp,
    context: dict[str, Any],
    inline_images: dict[str, bytes] | None = None,
) -> None:
    """Send ``events/email/<template>`` to the person of ``rsvp``. An address the mail
    server refuses is logged by sign-up number, never by address, and not retried."""
    address = _recipient(rsvp)
    if not address:
        return
    language = context["language"]
    try:
        send_templated_mail(
            f"events/email/{template}",
            [address],
            context,
            language=language,
            headers={"Content-Language": language},
            inline_images=inline_images,
        )
    except smtplib.SMTPRecipientsRefused:
        logger.warning("The mail server refused the address of sign-up %s (%s).", rsvp.pk, template)
