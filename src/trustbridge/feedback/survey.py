"""Closing the loop: once an item is resolved, the resident is asked three short questions
about how it was handled.

The questions are the procedural-justice ones that trust research relies on: were you
listened to, were you treated with respect, was the outcome explained. Each is answered on
a scale of 1 to 5 whose every point has words. The answers are kept for the
trust-measurement capability. A survey is sent only to a resident who left an e-mail
address, once per item, through a link with its own secret, and can be answered once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from trustbridge.core import audit
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.models import AuditAction
from trustbridge.feedback import clock
from trustbridge.feedback.intake import without_client_address
from trustbridge.feedback.models import Item, Survey
from trustbridge.feedback.resident_queries import digest_of

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


@dataclass(frozen=True)
class Question:
    field: str
    text: StrPromise


QUESTIONS = (
    Question("listened", _("Were you listened to?")),
    Question("respected", _("Were you treated with respect?")),
    Question("explained", _("Was the outcome explained to you?")),
)
SCALE: tuple[tuple[int, StrPromise], ...] = (
    (1, _("Not at all")),
    (2, _("A little")),
    (3, _("Somewhat")),
    (4, _("Mostly")),
    (5, _("Completely")),
)


def invite_to_survey(item: Item) -> Survey | None:
    """Ask the resident of a resolved item the three questions, by e-mail.

    Returns the new survey, or None when there is nobody to ask (no e-mail address) or it
    was already asked (one survey per item, even if the item is reopened and resolved
    again). Called by the workflow when it resolves an item; the e-mail leaves after the
    caller's transaction commits.
    """
    if not item.contact_email:
        return None
    if Survey.objects.filter(item=item).exists():
        return None
    secret = secrets.token_urlsafe(24)
    survey = Survey(
        organization_id=item.organization_id,
        item=item,
        secret_digest=digest_of(secret),
        sent_at=clock.now(),
    )
    try:
        with transaction.atomic():
            survey.save()
            audit.record(
                actor=None,
                action=AuditAction.CREATE,
                organization=item.organization,
                target=survey,
                summary="survey sent",
            )
    except IntegrityError:  # asked at the same moment by another request
        return None
    transaction.on_commit(lambda: _send(survey, secret))
    return survey


def _send(survey: Survey, secret: str) -> None:
    from trustbridge.feedback.resident_tasks import seal, send_survey_invitation

    send_survey_invitation.enqueue(survey_id=survey.pk, sealed_secret=seal(secret))


def answer_survey(*, survey: Survey, listened: int, respected: int, explained: int) -> Survey:
    """Record the resident's three answers, once. A second answer changes nothing and is
    refused, even when two arrive at the same moment."""
    answers = {"listened": listened, "respected": respected, "explained": explained}
    errors = [
        ServiceError(ErrorCode.INVALID, _("Choose an answer from 1 to 5."), name)
        for name, value in answers.items()
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5
    ]
    if errors:
        raise ServiceErrors(errors)
    now = clock.now()
    with transaction.atomic():
        updated = Survey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
            answered_at=now, **answers
        )
        if not updated:
            raise ServiceError(ErrorCode.ALREADY_USED, _("You have already answered. Thank you."))
        with without_client_address():
            audit.record(
                actor=None,
                action=AuditAction.UPDATE,
                organization=survey.organization,
                target=survey,
                summary="survey answered",
                changes=sorted(answers),
            )
    survey.answered_at = now
    survey.listened, survey.respected, survey.explained = listened, respected, explained
    return survey
