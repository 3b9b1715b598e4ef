"""Reads for the town-hall question pages: the public board, the moderation log, the
moderators' queue, the presenter's screen and the overdue list.

Every event and question is reached through an accessor that answers 404 alike for
"missing", "another organisation's" and "not shown here". What the public sees of a
question is decided here: its text only once a moderator approved it; a hidden question
only as its public reason; a merged one only as a pointer to the question it joined. The
asker is never read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from trustbridge.core.models import Organization
from trustbridge.core.tenancy import get_scoped_or_404, scoped
from trustbridge.events import questions
from trustbridge.events.models import (
    Event,
    EventStatus,
    ModerationAction,
    ModerationEntry,
    Question,
    QuestionStatus,
)

# What a visitor sees of a question, by its status (pending ones are not seen at all).
PUBLIC_STATUSES = (
    QuestionStatus.APPROVED,
    QuestionStatus.ANSWERED,
    QuestionStatus.HIDDEN,
    QuestionStatus.MERGED,
)
SHOWN_WITH_TEXT = (QuestionStatus.APPROVED, QuestionStatus.ANSWERED)


def access_public_event(organization: Organization, event_id: int) -> Event:
    """A published town hall or forum of the organisation; any other event is not found."""
    return get_scoped_or_404(
        Event.objects.select_related("organization").prefetch_related("occurrences"),
        organization,
        pk=event_id,
        status=EventStatus.PUBLISHED,
        kind__in=questions.ASKING_KINDS,
    )


def access_staff_event(organization: Organization, event_id: int) -> Event:
    """A town hall or forum of the organisation, whatever its state, for its moderators."""
    return get_scoped_or_404(
        Event.objects.select_related("organization").prefetch_related("occurrences"),
        organization,
        pk=event_id,
        kind__in=questions.ASKING_KINDS,
    )


def access_public_question(event: Event, question_id: int) -> Question:
    """A question of the event the public may see; a pending one is not found."""
    found = (
        Question.objects.filter(event=event, pk=question_id, status__in=PUBLIC_STATUSES)
        .select_related("event__organization")
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_question(event: Event, question_id: int | None) -> Question:
    """Any question of the event, for its moderators."""
    if question_id is None:
        raise Http404
    found = (
        Question.objects.filter(event=event, pk=question_id)
        .select_related("event__organization", "organization")
        .first()
    )
    if found is None:
        raise Http404
    return found


# The public board ------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One question as the public page shows it. ``due_in`` counts days from today (in the
    organisation's time zone) to its written-answer date: negative once overdue."""

    question: Question
    due_in: int | None = None
    hidden_reason: str = ""
    merged_text: str = ""  # the text of the question it joined, if that one is public

    @property
    def overdue_by(self) -> int:
        return -self.due_in if self.due_in is not None and self.due_in < 0 else 0


@dataclass
class PublicBoard:
    """The public page's questions, in its sections."""

    open: list[Card] = field(default_factory=list)  # approved, most votes first
    answered: list[Card] = field(default_factory=list)  # most votes first
    hidden: list[Card] = field(default_factory=list)  # reason only, never the text
    merged: list[Card] = field(default_factory=list)  # with the question they joined


def _hidden_reason() -> Subquery:
    latest = ModerationEntry.objects.filter(
        question=OuterRef("pk"), action=ModerationAction.HIDDEN
    ).order_by("-at", "-id")
    return Subquery(latest.values("reason")[:1])


def public_board(event: Event, today: dt.date) -> PublicBoard:
    """Every question of the event the public may see, sorted into sections; one query."""
    found = (
        Question.objects.filter(event=event, status__in=PUBLIC_STATUSES)
        .select_related("merged_into")
        .annotate(reason=_hidden_reason())
        .order_by("-votes", "created_at", "id")
    )
    board = PublicBoard()
    for question in found:
        if question.status == QuestionStatus.APPROVED:
            due_in = (question.answer_due - today).days if question.answer_due else None
            board.open.append(Card(question, due_in=due_in))
        elif question.status == QuestionStatus.ANSWERED:
            board.answered.append(Card(question))
        elif question.status == QuestionStatus.HIDDEN:
            board.hidden.append(
                Card(question, hidden_reason=getattr(question, "reason", None) or "")
            )
        else:
            target = question.merged_into
            shown = target.text if target and target.status in SHOWN_WITH_TEXT else ""
            board.merged.append(Card(question, merged_text=shown))
    return board


def public_log(event: Event) -> QuerySet[ModerationEntry]:
    """The event's moderation log, oldest first. Only what is public: when, what, why and
    which question; never the moderator (the page does not read it)."""
    return (
        ModerationEntry.objects.filter(question__event=event)
        .only("at", "action", "reason", "question_id")
        .order_by("at", "id")
    )


# Staff ------------------------------------------------------------------------------------


@dataclass
class Queue:
    """The moderators' view of an event's questions."""

    pending: list[Question]  # oldest first
    approved: list[Question]  # most votes first
    answered: list[Question]
    hidden: list[Question]

    @property
    def merge_targets(self) -> list[Question]:
        """The questions a repeat can be merged into."""
        return [*self.approved, *self.answered]


def moderation_queue(event: Event) -> Queue:
    """All the event's questions but the merged ones, by state; one query."""
    found = (
        Question.objects.filter(event=event)
        .exclude(status=QuestionStatus.MERGED)
        .annotate(hidden_reason=_hidden_reason())
        .order_by("-votes", "created_at", "id")
    )
    by_status: dict[str, list[Question]] = {status: [] for status in QuestionStatus.values}
    for question in found:
        by_status[question.status].append(question)
    pending = sorted(by_status[QuestionStatus.PENDING], key=lambda q: (q.created_at, q.pk))
    return Queue(
        pending=pending,
        approved=by_status[QuestionStatus.APPROVED],
        answered=by_status[QuestionStatus.ANSWERED],
        hidden=by_status[QuestionStatus.HIDDEN],
    )


def presenter_board(event: Event) -> list[Question]:
    """The presenter's screen: approved questions, most votes first."""
    return list(questions.board(event))


@dataclass(frozen=True)
class OverdueRow:
    question: Question
    event_title: str
    days: int  # days past its answer date


def overdue_rows(organization: Organization, today: dt.date, language: str) -> list[OverdueRow]:
    """Approved questions past their written-answer date, oldest due first, with their
    event's title in ``language``; one query."""
    found = scoped(questions.overdue(organization.pk, today).select_related("event"), organization)
    return [
        OverdueRow(question, question.event.title(language), (today - question.answer_due).days)
        for question in found
        if question.answer_due is not None
    ]


RECENT = dt.timedelta(days=60)  # ended events stay on the moderators' list this long


@dataclass(frozen=True)
class EventQuestions:
    event: Event
    title: str
    last_end: dt.datetime
    pending: int
    approved: int
    answered: int


def events_taking_questions(
    organization: Organization, now: dt.datetime, language: str
) -> list[EventQuestions]:
    """The published town halls and forums still to come or ended in the last 60 days,
    soonest first, with their questions counted by state (one query): where moderators
    start."""
    rows = (
        scoped(Event, organization)
        .filter(kind__in=questions.ASKING_KINDS, status=EventStatus.PUBLISHED)
        .annotate(
            last_end=Max("occurrences__ends_at"),
            pending=_count(QuestionStatus.PENDING),
            approved=_count(QuestionStatus.APPROVED),
            answered=_count(QuestionStatus.ANSWERED),
        )
        .filter(last_end__gte=now - RECENT)
        .order_by("last_end", "id")
    )
    return [
        EventQuestions(e, e.title(language), e.last_end, e.pending, e.approved, e.answered)
        for e in rows
    ]


def _count(status: str) -> Count:
    return Count("questions", filter=Q(questions__status=status), distinct=True)
