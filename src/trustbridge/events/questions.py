"""Town-hall questions: asked by anyone, up-voted once per person or device, moderated in a
public log, answered at the event or in writing within a target.

Writes: ``ask``, ``vote``, ``approve``, ``hide``, ``merge``, ``answer``. Reads: ``board``
(the presenter's order), ``overdue``. Text is stored as typed and always shown escaped.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from trustbridge.accounts.models import User
from trustbridge.core import rules
from trustbridge.core.checks import require
from trustbridge.core.digests import keyed_digest
from trustbridge.core.errors import ErrorCode, ServiceError
from trustbridge.events.models import (
    Event,
    EventKind,
    EventStatus,
    ModerationAction,
    ModerationEntry,
    Question,
    QuestionStatus,
    Vote,
)
from trustbridge.feedback import abuse

MAX_QUESTION = 500
MAX_REASON = 300
ANSWER_DAYS = 14  # a question not answered at the event is answered in writing within this
ASKING_KINDS = (EventKind.TOWN_HALL, EventKind.FORUM)
QUESTION_LIMITS = [(5, 600), (20, 86_400)]  # per person or device: 5 in 10 min, 20 a day
OPEN_AFTER = dt.timedelta(hours=2)  # questions are taken until two hours after the end


def voter_key(*, user: User | None = None, device: str = "") -> str:
    """A digest naming who votes: the signed-in person, else the device cookie."""
    if user is not None and user.is_authenticated:
        name = f"user:{user.pk}"
    elif device:
        name = f"device:{device}"
    else:
        raise ServiceError(ErrorCode.INVALID, _("We cannot tell who is voting."), None)
    return keyed_digest("events.vote", name)


def ask(
    event: Event,
    text: str,
    *,
    now: dt.datetime,
    user: User | None = None,
    anonymous: bool = False,
    sender: str = "",
) -> Question:
    """A new question, waiting for a moderator. ``sender`` names the person or device for
    the rate limit (as ``abuse.web_sender`` gives it)."""
    text = text.strip()
    if not text:
        raise ServiceError(ErrorCode.INVALID, _("Write your question."), "text")
    if len(text) > MAX_QUESTION:
        raise ServiceError(
            ErrorCode.INVALID,
            _("Keep your question to %(max)d characters.") % {"max": MAX_QUESTION},
            "text",
        )
    if event.kind not in ASKING_KINDS or event.status != EventStatus.PUBLISHED:
        raise ServiceError(ErrorCode.INVALID, _("This event takes no questions."), None)
    last_end = max((o.ends_at for o in event.occurrences.all()), default=event.ends_at)
    if now > last_end + OPEN_AFTER:
        raise ServiceError(ErrorCode.EXPIRED, _("Questions for this event are closed."), None)
    reservation = abuse.reserve(sender, QUESTION_LIMITS, scope="question") if sender else None
    try:
        return Question.objects.create(
            organization=event.organization,
            event=event,
            text=text,
            asker=None if anonymous or user is None or not user.is_authenticated else user,
        )
    except BaseException:
        if reservation is not None:
            reservation.release()
        raise


def vote(question: Question, voter: str) -> int:
    """One up-vote per person or device; the new count."""
    if question.status != QuestionStatus.APPROVED:
        raise ServiceError(ErrorCode.INVALID, _("Only approved questions take votes."), None)
    try:
        with transaction.atomic():
            Vote.objects.create(question=question, voter=voter)
            Question.objects.filter(pk=question.pk).update(votes=F("votes") + 1)
    except IntegrityError:
        raise ServiceError(
            ErrorCode.DUPLICATE, _("You have already voted for this question."), None
        ) from None
    question.refresh_from_db(fields=["votes"])
    return question.votes


def approve(actor: User, question: Question, *, now: dt.datetime) -> Question:
    _require_moderator(actor, question)
    return _change(actor, question, QuestionStatus.APPROVED, ModerationAction.APPROVED, "", now)


def hide(actor: User, question: Question, reason: str, *, now: dt.datetime) -> Question:
    """Hide a question, with a reason the public log shows."""
    _require_moderator(actor, question)
    reason = _reason(reason)
    return _change(actor, question, QuestionStatus.HIDDEN, ModerationAction.HIDDEN, reason, now)


def merge(actor: User, question: Question, into: Question, *, now: dt.datetime) -> Question:
    """Merge a repeat into an approved question of the same event; its votes move over."""
    _require_moderator(actor, question)
    if into.event_id != question.event_id or into.pk == question.pk:
        raise ServiceError(ErrorCode.INVALID, _("Merge into another question of this event."), None)
    if into.status not in (QuestionStatus.APPROVED, QuestionStatus.ANSWERED):
        raise ServiceError(ErrorCode.INVALID, _("Merge into an approved question."), None)
    with transaction.atomic():
        # Voters who voted for both keep one vote; the others' votes move over.
        both = Vote.objects.filter(question=into).values("voter")
        Vote.objects.filter(question=question, voter__in=both).delete()
        moved = Vote.objects.filter(question=question).update(question=into)
        Question.objects.filter(pk=into.pk).update(votes=F("votes") + moved)
        question.merged_into, question.votes = into, 0
        question.save(update_fields=["merged_into", "votes"])
        reason = _("Asked already: merged with another question.")
        return _change(actor, question, QuestionStatus.MERGED, ModerationAction.MERGED, reason, now)


def answer(actor: User, question: Question, text: str, *, now: dt.datetime, live: bool) -> Question:
    """A written answer; ``live`` when it was answered at the event itself."""
    _require_moderator(actor, question)
    text = text.strip()
    if not text:
        raise ServiceError(ErrorCode.INVALID, _("Write the answer."), "answer")
    if question.status not in (QuestionStatus.APPROVED, QuestionStatus.ANSWERED):
        raise ServiceError(ErrorCode.INVALID, _("Approve the question before answering it."), None)
    question.answer, question.answered_at, question.answered_live = text, now, live
    with transaction.atomic():
        question.save(update_fields=["answer", "answered_at", "answered_live"])
        return _change(actor, question, QuestionStatus.ANSWERED, ModerationAction.ANSWERED, "", now)


def set_answer_due(event: Event, *, now: dt.datetime) -> int:
    """When the event is over: every approved question still unanswered is due
    ``ANSWER_DAYS`` later (a date in the organisation's time zone). How many."""
    zone = zoneinfo.ZoneInfo(event.organization.timezone)
    due = now.astimezone(zone).date() + dt.timedelta(days=ANSWER_DAYS)
    return Question.objects.filter(
        event=event, status=QuestionStatus.APPROVED, answer_due__isnull=True
    ).update(answer_due=due)


def board(event: Event) -> QuerySet[Question]:
    """What the presenter's screen shows: approved questions, most votes first."""
    return Question.objects.filter(event=event, status=QuestionStatus.APPROVED).order_by(
        "-votes", "created_at", "id"
    )


def overdue(organization_id: int, today: dt.date) -> QuerySet[Question]:
    """Approved questions whose written answer is past due, oldest due first."""
    return Question.objects.filter(
        organization_id=organization_id,
        status=QuestionStatus.APPROVED,
        answer_due__lt=today,
    ).order_by("answer_due", "id")


def _require_moderator(actor: User, question: Question) -> None:
    require(rules.can_moderate_questions(actor, question.event.organization))


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ServiceError(ErrorCode.INVALID, _("Give the public a reason."), "reason")
    if len(reason) > MAX_REASON:
        raise ServiceError(
            ErrorCode.INVALID,
            _("Keep the reason to %(max)d characters.") % {"max": MAX_REASON},
            "reason",
        )
    return reason


def _change(
    actor: User,
    question: Question,
    status: str,
    action: str,
    reason: str,
    now: dt.datetime,
) -> Question:
    with transaction.atomic():
        question.status = status
        question.save(update_fields=["status"])
        ModerationEntry.objects.create(
            organization=question.organization,
            question=question,
            action=action,
            reason=reason,
            moderator=actor,
            at=now,
        )
    return question
