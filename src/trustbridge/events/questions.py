"""Town-hall questions: asked by anyone, up-voted once per person or device, moderated in a
public log, answered at the event or in writing within a target.

Writes: ``ask``, ``vote``, ``approve``, ``hide``, ``merge``, ``answer``; the timer's
``follow_up`` (answers due once an event has ended, overdue questions flagged to supervisors
and administrators once). Reads: ``board`` (the presenter's order), ``overdue``. Text is
stored as typed and always shown escaped.

Each moderation action starts from the states it makes sense from (``approve`` a pending
question, or one hidden by mistake; never an answered or merged one) and claims the question
by a conditional update, so two moderators acting at once never log the same action twice.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Max, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from trustbridge.accounts.models import User
from trustbridge.core import audit, rules
from trustbridge.core.checks import require
from trustbridge.core.digests import keyed_digest
from trustbridge.core.errors import ErrorCode, ServiceError
from trustbridge.core.models import AuditAction, Membership, Organization, Role
from trustbridge.core.tenancy import scoped
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
MAX_ANSWER = 5000
ANSWER_DAYS = 14  # a question not answered at the event is answered in writing within this
ASKING_KINDS = (EventKind.TOWN_HALL, EventKind.FORUM)
QUESTION_LIMITS = [(5, 600), (20, 86_400)]  # per person or device: 5 in 10 min, 20 a day
# Votes: 60 in 10 minutes per person or device. A device is only a cookie, which a robot can
# invent afresh for every vote, so each client address is limited too, loosely: a hall full
# of people on one Wi-Fi votes through one address.
VOTE_LIMITS = [(60, 600)]
VOTE_ADDRESS_LIMITS = [(600, 600)]
OPEN_AFTER = dt.timedelta(hours=2)  # questions are taken until two hours after the end

FOLLOW_UP_ROLES = (Role.ADMIN, Role.SUPERVISOR)


def voter_key(*, user: User | None = None, device: str = "") -> str:
    """A digest naming who votes: the signed-in person, else the device cookie."""
    if user is not None and user.is_authenticated:
        name = f"user:{user.pk}"
    elif device:
        name = f"device:{device}"
    else:
        raise ServiceError(ErrorCode.INVALID, _("We cannot tell who is voting."), None)
    return keyed_digest("events.vote", name)


def last_end(event: Event) -> dt.datetime:
    """When the event's last date ends (its own end if it has no dates)."""
    return max((o.ends_at for o in event.occurrences.all()), default=event.ends_at)


def closes_at(event: Event) -> dt.datetime:
    """Until when the event takes questions."""
    return last_end(event) + OPEN_AFTER


def local_today(organization: Organization, now: dt.datetime) -> dt.date:
    """The organisation's date at ``now``: answer dates are counted in its time zone."""
    return now.astimezone(zoneinfo.ZoneInfo(organization.timezone)).date()


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
    if now > closes_at(event):
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


def vote(question: Question, voter: str, *, sender: str = "") -> int:
    """One up-vote per person or device; the new count.

    ``sender`` (as ``abuse.web_sender`` gives it) limits floods: every attempt counts
    against the voter's limit, a repeated vote too, and its client address against a
    looser one. A refused attempt changes nothing else."""
    if question.status != QuestionStatus.APPROVED:
        raise ServiceError(ErrorCode.INVALID, _("Only approved questions take votes."), None)
    if sender:
        abuse.reserve(f"voter:{voter}", VOTE_LIMITS, scope="vote")
        addresses = " ".join(i for i in abuse.identities(sender) if i.startswith("addr:"))
        abuse.reserve(addresses, VOTE_ADDRESS_LIMITS, scope="vote-address")
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
    """Publish a pending question, or put back one hidden by mistake."""
    _require_moderator(actor, question)
    allowed = (QuestionStatus.PENDING, QuestionStatus.HIDDEN)
    return _change(
        actor, question, allowed, QuestionStatus.APPROVED, ModerationAction.APPROVED, "", now
    )


def hide(actor: User, question: Question, reason: str, *, now: dt.datetime) -> Question:
    """Hide a question, with a reason the public log shows."""
    _require_moderator(actor, question)
    reason = _reason(reason)
    allowed = (QuestionStatus.PENDING, QuestionStatus.APPROVED, QuestionStatus.ANSWERED)
    return _change(
        actor, question, allowed, QuestionStatus.HIDDEN, ModerationAction.HIDDEN, reason, now
    )


def merge(actor: User, question: Question, into: Question, *, now: dt.datetime) -> Question:
    """Merge a repeat into an approved question of the same event; its votes move over."""
    _require_moderator(actor, question)
    if into.event_id != question.event_id or into.pk == question.pk:
        raise ServiceError(
            ErrorCode.INVALID, _("Merge into another question of this event."), "into"
        )
    if into.status not in (QuestionStatus.APPROVED, QuestionStatus.ANSWERED):
        raise ServiceError(ErrorCode.INVALID, _("Merge into an approved question."), "into")
    allowed = (QuestionStatus.PENDING, QuestionStatus.APPROVED)
    with transaction.atomic():
        reason = _("Asked already: merged with another question.")
        _change(
            actor, question, allowed, QuestionStatus.MERGED, ModerationAction.MERGED, reason, now
        )
        # Voters who voted for both keep one vote; the others' votes move over.
        both = Vote.objects.filter(question=into).values("voter")
        Vote.objects.filter(question=question, voter__in=both).delete()
        moved = Vote.objects.filter(question=question).update(question=into)
        Question.objects.filter(pk=into.pk).update(votes=F("votes") + moved)
        question.merged_into, question.votes = into, 0
        question.save(update_fields=["merged_into", "votes"])
    return question


def answer(actor: User, question: Question, text: str, *, now: dt.datetime, live: bool) -> Question:
    """A written answer; ``live`` when it was answered at the event itself. An answer can
    be corrected later: the log shows each time."""
    _require_moderator(actor, question)
    text = text.strip()
    if not text:
        raise ServiceError(ErrorCode.INVALID, _("Write the answer."), "answer")
    if len(text) > MAX_ANSWER:
        raise ServiceError(
            ErrorCode.INVALID,
            _("Keep the answer to %(max)d characters.") % {"max": MAX_ANSWER},
            "answer",
        )
    allowed = (QuestionStatus.APPROVED, QuestionStatus.ANSWERED)
    if question.status not in allowed:
        raise ServiceError(ErrorCode.INVALID, _("Approve the question before answering it."), None)
    with transaction.atomic():
        _change(
            actor, question, allowed, QuestionStatus.ANSWERED, ModerationAction.ANSWERED, "", now
        )
        question.answer, question.answered_at, question.answered_live = text, now, live
        question.save(update_fields=["answer", "answered_at", "answered_live"])
    return question


def set_answer_due(event: Event, *, now: dt.datetime) -> int:
    """When the event is over: every approved question still unanswered is due
    ``ANSWER_DAYS`` later (a date in the organisation's time zone). How many."""
    due = local_today(event.organization, now) + dt.timedelta(days=ANSWER_DAYS)
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


# The timer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    """What one run of the timer did in one organisation."""

    events_ended: int  # events whose unanswered questions were given their answer date
    flagged: int  # overdue questions flagged
    mails: int  # e-mails queued, one per recipient


def follow_up(organization: Organization, now: dt.datetime) -> FollowUp:
    """The timer's work for questions (run with the feedback escalation): give the
    questions of events that ended their written-answer date, then flag the overdue ones."""
    ended = set_answers_due(organization, now)
    flagged, mails = flag_overdue(organization, now)
    return FollowUp(ended, flagged, mails)


def set_answers_due(organization: Organization, now: dt.datetime) -> int:
    """Call ``set_answer_due`` for each published event that has ended and still has
    approved questions without an answer date; how many events.

    The date counts from the end of the event's last date, not from this run, so that a
    late run (or a question approved after the event) changes no deadline. Safe to run
    again: questions that have a date keep it.
    """
    waiting = (
        scoped(Event, organization)
        .filter(
            status=EventStatus.PUBLISHED,
            kind__in=ASKING_KINDS,
            questions__status=QuestionStatus.APPROVED,
            questions__answer_due__isnull=True,
        )
        .values("pk")
    )
    ended = (
        scoped(Event, organization)
        .filter(pk__in=waiting)
        .annotate(last_end=Coalesce(Max("occurrences__ends_at"), F("ends_at")))
        .filter(last_end__lte=now)
        .select_related("organization")
        .order_by("pk")
    )
    count = 0
    for event in ended:
        set_answer_due(event, now=event.last_end)
        count += 1
    return count


def flag_overdue(organization: Organization, now: dt.datetime) -> tuple[int, int]:
    """Flag each overdue question once (``escalated_on``) and queue one e-mail per
    supervisor and administrator listing them; (questions flagged, e-mails queued).

    Each question is claimed by a conditional update, so two runs at once never flag it
    twice; the e-mails go after commit.
    """
    today = local_today(organization, now)
    candidates = list(
        overdue(organization.pk, today)
        .filter(escalated_on__isnull=True)
        .values_list("pk", flat=True)
    )
    if not candidates:
        return 0, 0
    flagged: list[int] = []
    with transaction.atomic():
        for pk in candidates:
            claimed = (
                overdue(organization.pk, today)
                .filter(pk=pk, escalated_on__isnull=True)
                .update(escalated_on=today)
            )
            if claimed:
                flagged.append(pk)
        if not flagged:
            return 0, 0
        for pk in flagged:
            audit.record(
                actor=None,
                action=AuditAction.UPDATE,
                organization=organization,
                target=Question(pk=pk),
                summary="overdue town-hall question flagged",
                changes=["escalated_on"],
            )
        recipients = follow_up_recipients(organization)
        for user_id in recipients:
            _queue_overdue_mail(organization, user_id, flagged)
    return len(flagged), len(recipients)


def follow_up_recipients(organization: Organization) -> list[int]:
    """The active supervisors and administrators of the organisation, by user id."""
    return list(
        Membership.objects.filter(
            organization=organization, role__in=FOLLOW_UP_ROLES, user__is_active=True
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def _queue_overdue_mail(organization: Organization, user_id: int, question_ids: list[int]) -> None:
    from trustbridge.events.question_tasks import send_overdue_questions

    transaction.on_commit(
        lambda: send_overdue_questions.enqueue(
            organization_id=organization.pk, user_id=user_id, question_ids=question_ids
        )
    )


# Helpers -----------------------------------------------------------------------------------


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
    allowed: tuple[str, ...],
    status: str,
    action: str,
    reason: str,
    now: dt.datetime,
) -> Question:
    """Move the question from one of the ``allowed`` states to ``status`` and log it; refused
    if it is in none of them (perhaps changed by another moderator meanwhile)."""
    with transaction.atomic():
        claimed = Question.objects.filter(pk=question.pk, status__in=allowed).update(status=status)
        if not claimed:
            raise ServiceError(
                ErrorCode.INVALID,
                _("Not possible while the question is “%(status)s”.")
                % {"status": QuestionStatus(_current(question)).label},
                None,
            )
        question.status = status
        ModerationEntry.objects.create(
            organization=question.organization,
            question=question,
            action=action,
            reason=reason,
            moderator=actor,
            at=now,
        )
    return question


def _current(question: Question) -> str:
    found = Question.objects.filter(pk=question.pk).values_list("status", flat=True).first()
    return found or question.status
