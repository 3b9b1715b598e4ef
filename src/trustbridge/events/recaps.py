"""Recaps after an event, and the commitments made there, followed up in public.

A recap takes its figures from the door (checked in, plus walk-ins) and the questions
answered; nothing about who came. Each commitment stays open, with updates, until it is done
or dropped (dropping needs a reason, which the public sees). Photos are published only with
the uploader's word that everyone recognisable in them agreed, and are stored stripped of
their metadata.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from trustbridge.accounts.models import User
from trustbridge.core import audit, rules
from trustbridge.core.checks import require
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.images import clean_image
from trustbridge.core.models import AuditAction, Organization
from trustbridge.events.models import (
    Commitment,
    CommitmentStatus,
    Event,
    EventStatus,
    QuestionStatus,
    Recap,
    RecapPhoto,
    Rsvp,
    RsvpStatus,
)

MAX_SUMMARY = 10_000
MAX_COMMITMENT = 300
MAX_UPDATE = 500
MAX_COMMITMENTS = 30
MAX_PHOTOS = 20
MAX_ALT = 300


def publish_recap(
    actor: User,
    event: Event,
    *,
    texts: Mapping[str, Mapping[str, str]],
    commitments: Sequence[tuple[str, dt.date | None]] = (),
    now: dt.datetime,
) -> Recap:
    """The recap of an event that has ended, with its commitments (text, due date)."""
    require(rules.can_organize_events(actor, event.organization))
    errors: list[ServiceError] = []

    def refuse(field: str, message: str) -> None:
        errors.append(ServiceError(ErrorCode.INVALID, message, field))

    occurrences = list(event.occurrences.all())
    if event.status != EventStatus.PUBLISHED:
        refuse("event", _("Only a published event has a recap."))
    elif max((o.ends_at for o in occurrences), default=event.ends_at) > now:
        refuse("event", _("Publish the recap once the event is over."))
    if Recap.objects.filter(event=event).exists():
        refuse("event", _("This event has a recap already."))
    kept = _summaries(texts, refuse)
    if len(commitments) > MAX_COMMITMENTS:
        refuse("commitments", _("Give at most %(max)d commitments.") % {"max": MAX_COMMITMENTS})
    cleaned = []
    for position, (text, due_on) in enumerate(commitments):
        text = " ".join(text.split())
        if not text or len(text) > MAX_COMMITMENT:
            refuse(
                f"commitment_{position}",
                _("Write each commitment in 1 to %(max)d characters.") % {"max": MAX_COMMITMENT},
            )
        cleaned.append((text, due_on))
    if errors:
        raise ServiceErrors(errors)
    attended, answered = _figures(event)
    with transaction.atomic():
        recap = Recap.objects.create(
            organization=event.organization,
            event=event,
            texts=kept,
            attended=attended,
            questions_answered=answered,
            published_at=now,
            author=actor,
        )
        Commitment.objects.bulk_create(
            Commitment(organization=event.organization, recap=recap, text=text, due_on=due_on)
            for text, due_on in cleaned
        )
        audit.record(
            actor=actor, action=AuditAction.CREATE, organization=event.organization, target=recap
        )
    return recap


def _figures(event: Event) -> tuple[int, int]:
    """Who came (counted at the door: checked in plus walk-ins, every date not cancelled)
    and the questions answered."""
    dates = event.occurrences.filter(cancelled=False)
    checked_in = Rsvp.objects.filter(
        occurrence__in=dates, status=RsvpStatus.CONFIRMED, checked_in_at__isnull=False
    ).count()
    walk_ins = dates.aggregate(total=Sum("walk_ins"))["total"] or 0
    answered = event.questions.filter(status=QuestionStatus.ANSWERED).count()
    return checked_in + walk_ins, answered


def edit_recap(actor: User, recap: Recap, *, texts: Mapping[str, Mapping[str, str]]) -> Recap:
    """Correct or translate the summary. The figures are taken again, so that walk-ins
    counted late and questions answered in writing since are included."""
    require(rules.can_organize_events(actor, recap.organization))
    errors: list[ServiceError] = []

    def refuse(field: str, message: str) -> None:
        errors.append(ServiceError(ErrorCode.INVALID, message, field))

    kept = _summaries(texts, refuse)
    if errors:
        raise ServiceErrors(errors)
    recap.attended, recap.questions_answered = _figures(recap.event)
    recap.texts = kept
    with transaction.atomic():
        recap.save(update_fields=["texts", "attended", "questions_answered"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=recap.organization,
            target=recap,
            changes=["texts"],
        )
    return recap


def add_commitment(actor: User, recap: Recap, *, text: str, due_on: dt.date | None) -> Commitment:
    """A commitment remembered after the recap went out; it is followed up like the others."""
    require(rules.can_organize_events(actor, recap.organization))
    text = " ".join(text.split())
    if not text or len(text) > MAX_COMMITMENT:
        raise ServiceError(
            ErrorCode.INVALID,
            _("Write each commitment in 1 to %(max)d characters.") % {"max": MAX_COMMITMENT},
            "text",
        )
    with transaction.atomic():
        # The recap row is locked so that two organisers adding at once keep to the limit.
        Recap.objects.select_for_update().filter(pk=recap.pk).first()
        if recap.commitments.count() >= MAX_COMMITMENTS:
            raise ServiceError(
                ErrorCode.INVALID,
                _("Give at most %(max)d commitments.") % {"max": MAX_COMMITMENTS},
                "text",
            )
        commitment = Commitment.objects.create(
            organization=recap.organization, recap=recap, text=text, due_on=due_on
        )
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            organization=recap.organization,
            target=commitment,
        )
    return commitment


def add_photo(
    actor: User, recap: Recap, *, image: UploadedFile, alt: str, consent: bool
) -> RecapPhoto:
    """Publish a photo of the event. Refused without a description for people who cannot
    see it, and without the uploader's word that everyone recognisable in it agreed; the
    uploader is recorded as the one who confirmed. The image is re-encoded from its pixels,
    so no location or camera data is published."""
    require(rules.can_organize_events(actor, recap.organization))
    errors: list[ServiceError] = []
    alt = " ".join(alt.split())
    if not alt:
        errors.append(
            ServiceError(
                ErrorCode.INVALID, _("Describe the photo for people who cannot see it."), "alt"
            )
        )
    elif len(alt) > MAX_ALT:
        errors.append(
            ServiceError(
                ErrorCode.INVALID,
                _("Keep the description to %(max)d characters.") % {"max": MAX_ALT},
                "alt",
            )
        )
    if not consent:
        errors.append(
            ServiceError(
                ErrorCode.INVALID,
                _("A photo is published only if everyone recognisable in it agreed."),
                "consent",
            )
        )
    try:
        cleaned = clean_image(image, "image")
    except ServiceError as error:
        errors.append(error)
    if errors:
        raise ServiceErrors(errors)
    photo = RecapPhoto(
        organization=recap.organization, recap=recap, alt=alt, consent_confirmed_by=actor
    )
    with transaction.atomic():
        Recap.objects.select_for_update().filter(pk=recap.pk).first()
        if recap.photos.count() >= MAX_PHOTOS:
            raise ServiceError(
                ErrorCode.INVALID,
                _("A recap holds at most %(max)d photos.") % {"max": MAX_PHOTOS},
                "image",
            )
        photo.image.save(cleaned.name or "photo.jpg", cleaned, save=False)
        photo.save()
        audit.record(
            actor=actor, action=AuditAction.CREATE, organization=recap.organization, target=photo
        )
    return photo


def remove_photo(actor: User, photo: RecapPhoto) -> None:
    """Take a photo down (someone withdrew their agreement, or it was the wrong one). The
    file goes too, once the removal is committed."""
    require(rules.can_organize_events(actor, photo.organization))
    storage, name = photo.image.storage, photo.image.name
    with transaction.atomic():
        audit.record(
            actor=actor, action=AuditAction.DELETE, organization=photo.organization, target=photo
        )
        photo.delete()
        transaction.on_commit(lambda: storage.delete(name))


def _summaries(
    texts: Mapping[str, Mapping[str, str]], refuse: Callable[[str, str], None]
) -> dict[str, dict[str, str]]:
    """The summary in each language given; one at least."""
    known = {code for code, _name in settings.LANGUAGES}
    kept = {}
    for language, parts in texts.items():
        summary = str(parts.get("summary", "")).strip()
        if language not in known:
            refuse(
                "texts",
                _("“%(language)s” is not a language we publish in.") % {"language": language},
            )
        elif len(summary) > MAX_SUMMARY:
            refuse(
                f"summary_{language}",
                _("Keep the summary to %(max)d characters.") % {"max": MAX_SUMMARY},
            )
        elif summary:
            kept[language] = {"summary": summary}
    if not kept:
        refuse("texts", _("Write a summary of the event."))
    return kept


def follow_up(
    actor: User, commitment: Commitment, *, status: str, update: str, now: dt.datetime
) -> Commitment:
    """Record progress on a commitment: still open with news, done, or dropped (with the
    reason)."""
    require(rules.can_organize_events(actor, commitment.organization))
    update = " ".join(update.split())
    if status not in CommitmentStatus.values:
        raise ServiceError(ErrorCode.INVALID, _("Choose where the commitment stands."), "status")
    if len(update) > MAX_UPDATE:
        raise ServiceError(
            ErrorCode.INVALID,
            _("Keep the update to %(max)d characters.") % {"max": MAX_UPDATE},
            "update",
        )
    if status == CommitmentStatus.DROPPED and not update:
        raise ServiceError(
            ErrorCode.INVALID, _("Tell the public why this commitment was dropped."), "update"
        )
    with transaction.atomic():
        commitment.status = status
        commitment.update = update or commitment.update
        commitment.closed_at = None if status == CommitmentStatus.OPEN else now
        commitment.save(update_fields=["status", "update", "closed_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=commitment.organization,
            target=commitment,
            changes=["status"],
        )
    return commitment


def open_commitments(organization: Organization) -> QuerySet[Commitment]:
    """Commitments still in progress, soonest due first: for the public follow-up list."""
    return (
        Commitment.objects.filter(organization=organization, status=CommitmentStatus.OPEN)
        .select_related("recap__event")
        .order_by("due_on", "id")
    )
