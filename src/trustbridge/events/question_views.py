"""Town-hall question pages: the public board (ask, up-vote, read answers), its public
moderation log, and for staff the moderators' queue, the presenter's screen and the list of
overdue questions.

Views parse, call ``questions`` (changes) or ``question_queries`` (reads), and render.
Visitors never see a pending question, an asker or a moderator. Answer dates and countdowns
are counted in the organisation's time zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trustbridge.accounts.models import User
from trustbridge.core import rules
from trustbridge.core.access import public_view, staff_view
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.forms import add_service_errors
from trustbridge.core.http import make_public
from trustbridge.core.models import Organization
from trustbridge.core.typing import AuthenticatedRequest
from trustbridge.events import question_queries as queries
from trustbridge.events import questions
from trustbridge.events.models import Event, Question, QuestionStatus
from trustbridge.events.question_forms import (
    ActionForm,
    AnswerForm,
    AskForm,
    HideForm,
    MergeForm,
    PresenterAnswerForm,
)
from trustbridge.feedback import abuse

Errors = (ServiceError, ServiceErrors)


def _asker(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def _title(event: Event) -> str:
    return event.title(get_language() or "en")


def _page_url(organization: Organization, event: Event) -> str:
    return reverse("events:questions", kwargs={"org_slug": organization.slug, "event_id": event.pk})


def _too_many(response: HttpResponse, error: abuse.TooManySubmissions | None) -> HttpResponse:
    if error is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


# Public ---------------------------------------------------------------------------------


def _questions_page(
    request: HttpRequest,
    organization: Organization,
    event: Event,
    form: AskForm,
    *,
    status: int = 200,
    notice: str = "",
) -> HttpResponse:
    now = timezone.now()
    closes_at = questions.closes_at(event)
    context: dict[str, Any] = {
        "organization": organization,
        "event": event,
        "title": _title(event),
        "form": form,
        "notice": notice,
        "is_open": now <= closes_at,
        "closes_at": closes_at,
        "board": queries.public_board(event, questions.local_today(organization, now)),
    }
    response = render(request, "events/questions/page.html", context, status=status)
    abuse.remember_device(request, response)
    return response


@require_http_methods(["GET", "POST"])
@public_view
def questions_view(request: HttpRequest, organization: Organization, event_id: int) -> HttpResponse:
    """The questions of a published town hall or forum, and a form to ask one. Nothing a
    resident asks shows before a moderator approves it."""
    event = queries.access_public_event(organization, event_id)
    asker = _asker(request)
    form = AskForm(request.POST if request.method == "POST" else None, signed_in=asker is not None)
    thanks = _("Thank you — a moderator will review your question before it is shown.")
    if request.method == "POST" and form.is_robot():
        messages.success(request, thanks)  # as if it worked; nothing is stored
        return redirect(_page_url(organization, event))
    if request.method != "POST":
        return _questions_page(request, organization, event, form)
    status, notice, limited = 400, "", None
    if form.is_valid():
        try:
            questions.ask(
                event,
                form.cleaned_data["text"],
                now=timezone.now(),
                user=asker,
                anonymous=form.cleaned_data.get("anonymous", False),
                sender=abuse.web_sender(request),
            )
        except abuse.TooManySubmissions as error:
            status, notice, limited = 429, error.message, error
        except ServiceError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, thanks)
            return redirect(_page_url(organization, event))
    response = _questions_page(request, organization, event, form, status=status, notice=notice)
    return _too_many(response, limited)


@require_POST
@public_view
def vote_view(
    request: HttpRequest, organization: Organization, event_id: int, question_id: int
) -> HttpResponse:
    """One up-vote per signed-in person, else per device. With htmx only the count comes
    back; without, the page (after a redirect when the vote was taken or already there)."""
    event = queries.access_public_event(organization, event_id)
    question = queries.access_public_question(event, question_id)
    status, note, limited = 200, _("Thank you: your vote is counted."), None
    try:
        voter = questions.voter_key(user=_asker(request), device=abuse.device_of(request))
        questions.vote(question, voter, sender=abuse.web_sender(request))
    except abuse.TooManySubmissions as error:
        status, note, limited = 429, error.message, error
    except ServiceError as error:
        note = error.message
        status = 200 if error.code == ErrorCode.DUPLICATE else 400
    question.refresh_from_db(fields=["votes"])
    if getattr(request, "htmx", False):
        context = {"question": question, "note": note}
        response = render(request, "events/questions/_vote_count.html", context, status=status)
        abuse.remember_device(request, response)
        return _too_many(response, limited)
    if status == 200:
        messages.info(request, note)
        return redirect(_page_url(organization, event) + f"#question-{question.pk}")
    response = _questions_page(
        request,
        organization,
        event,
        AskForm(signed_in=_asker(request) is not None),
        status=status,
        notice=note,
    )
    return _too_many(response, limited)


@require_GET
@public_view
def moderation_log_view(
    request: HttpRequest, organization: Organization, event_id: int
) -> HttpResponse:
    """Everything moderators did to the event's questions, with their reasons: never who
    did it, nor who asked."""
    event = queries.access_public_event(organization, event_id)
    context = {
        "organization": organization,
        "event": event,
        "title": _title(event),
        "entries": list(queries.public_log(event)),
    }
    return make_public(request, render(request, "events/questions/log.html", context))


# Moderators -----------------------------------------------------------------------------


def _moderation_row(
    question: Question,
    targets: list[Question],
    bound: tuple[int, str, forms.Form] | None,
) -> dict[str, Any]:
    """One question of the queue with the forms that fit its state; the form just posted
    (``bound``: question id, action, form) keeps its input and errors."""
    prefix = f"q{question.pk}"
    status = question.status
    row: dict[str, Any] = {
        "question": question,
        "approve": status in (QuestionStatus.PENDING, QuestionStatus.HIDDEN),
        "hide": HideForm(prefix=prefix) if status != QuestionStatus.HIDDEN else None,
        "merge": MergeForm(prefix=prefix, targets=targets, question=question)
        if status in (QuestionStatus.PENDING, QuestionStatus.APPROVED)
        and any(t.pk != question.pk for t in targets)
        else None,
        "answer": AnswerForm(
            prefix=prefix,
            initial={"answer": question.answer, "live": question.answered_live},
        )
        if status in (QuestionStatus.APPROVED, QuestionStatus.ANSWERED)
        else None,
        "errors": [],
    }
    if bound is not None and bound[0] == question.pk:
        _pk, action, form = bound
        if action in ("hide", "merge", "answer"):
            row[action] = form
        row["errors"] = form.non_field_errors()
    return row


def _moderation_page(
    request: AuthenticatedRequest,
    organization: Organization,
    event: Event,
    bound: tuple[int, str, forms.Form] | None = None,
    *,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    queue = queries.moderation_queue(event)
    targets = queue.merge_targets

    def rows(found: list[Question]) -> list[dict[str, Any]]:
        return [_moderation_row(q, targets, bound) for q in found]

    context = {
        "organization": organization,
        "event": event,
        "title": _title(event),
        "error": error,
        "pending": rows(queue.pending),
        "approved": rows(queue.approved),
        "answered": rows(queue.answered),
        "hidden": rows(queue.hidden),
        "today": questions.local_today(organization, timezone.now()),
    }
    return render(request, "events/questions/moderate.html", context, status=status)


def _action_form(action: str, question: Question, data: Any, targets: list[Question]) -> forms.Form:
    prefix = f"q{question.pk}"
    if action == "hide":
        return HideForm(data, prefix=prefix)
    if action == "merge":
        return MergeForm(data, prefix=prefix, targets=targets, question=question)
    if action == "answer":
        return AnswerForm(data, prefix=prefix)
    return forms.Form(data, prefix=prefix)  # approving takes nothing but the button


def _perform(
    actor: User, event: Event, question: Question, action: str, data: dict[str, Any]
) -> str:
    """Do what the moderator asked; the message that says it was done."""
    now = timezone.now()
    if action == "approve":
        questions.approve(actor, question, now=now)
        return _("Question approved: it is on the public page.")
    if action == "hide":
        questions.hide(actor, question, data["reason"], now=now)
        return _("Question hidden. The public sees the reason in its place and in the log.")
    if action == "merge":
        into = queries.access_question(event, data["into"])
        questions.merge(actor, question, into, now=now)
        return _("Question merged: its votes moved to the question it repeats.")
    questions.answer(actor, question, data["answer"], now=now, live=data["live"])
    return _("Answer published on the questions page.")


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_moderate_questions)
def moderate_view(
    request: AuthenticatedRequest, organization: Organization, event_id: int
) -> HttpResponseBase:
    """The moderators' queue: approve, hide with a public reason, merge a repeat, answer.
    Each button posts here with its action and question."""
    event = queries.access_staff_event(organization, event_id)
    if request.method != "POST":
        return _moderation_page(request, organization, event)
    chosen = ActionForm(request.POST)
    if not chosen.is_valid():
        error = _("Choose an action with one of the buttons next to a question.")
        return _moderation_page(request, organization, event, status=400, error=error)
    action = chosen.cleaned_data["action"]
    question = queries.access_question(event, chosen.cleaned_data["question"])
    targets = queries.moderation_queue(event).merge_targets
    form = _action_form(action, question, request.POST, targets)
    if form.is_valid():
        try:
            done = _perform(request.user, event, question, action, form.cleaned_data)
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            url = reverse(
                "events:moderate", kwargs={"org_slug": organization.slug, "event_id": event.pk}
            )
            return redirect(url + f"#question-{question.pk}")
    bound = (question.pk, action, form)
    return _moderation_page(request, organization, event, bound, status=400)


def _presenter_rows(
    event: Event, bound: tuple[int, forms.Form] | None
) -> list[tuple[Question, forms.Form]]:
    return [
        (
            question,
            bound[1]
            if bound is not None and bound[0] == question.pk
            else PresenterAnswerForm(prefix=f"q{question.pk}"),
        )
        for question in queries.presenter_board(event)
    ]


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_moderate_questions)
def presenter_view(
    request: AuthenticatedRequest, organization: Organization, event_id: int
) -> HttpResponseBase:
    """A large-type screen of the approved questions, most votes first, refreshed every
    five seconds (``?fragment=1`` is the list alone, for htmx); each question can be marked
    answered with what was said."""
    event = queries.access_staff_event(organization, event_id)
    bound: tuple[int, forms.Form] | None = None
    status, error = 200, ""
    if request.method == "POST":
        status = 400
        chosen = ActionForm(request.POST)
        if not chosen.is_valid() or chosen.cleaned_data["action"] != "answer":
            error = _("Use the “Mark answered” button of a question.")
        else:
            question = queries.access_question(event, chosen.cleaned_data["question"])
            form = PresenterAnswerForm(request.POST, prefix=f"q{question.pk}")
            if form.is_valid():
                try:
                    questions.answer(
                        request.user,
                        question,
                        form.cleaned_data["answer"],
                        now=timezone.now(),
                        live=True,
                    )
                except Errors as failure:
                    add_service_errors(form, failure)
                else:
                    messages.success(request, _("Marked answered."))
                    return redirect(request.path)
            bound = (question.pk, form)
    context = {
        "organization": organization,
        "event": event,
        "title": _title(event),
        "rows": _presenter_rows(event, bound),
        "error": error,
        "live": bound is None and not error,  # refreshing would drop the errors shown
    }
    template = "events/questions/presenter.html"
    if request.method == "GET" and request.GET.get("fragment") == "1":
        template += "#board"
    return render(request, template, context, status=status)


@require_GET
@staff_view(rules.can_follow_up_questions)
def overdue_view(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    """Questions past their written-answer date, oldest first, each with a link to answer
    it: where the supervisors' e-mail leads."""
    today: dt.date = questions.local_today(organization, timezone.now())
    context = {
        "organization": organization,
        "rows": queries.overdue_rows(organization, today, get_language() or "en"),
    }
    return render(request, "events/questions/overdue.html", context)


@require_GET
@staff_view(rules.can_moderate_questions)
def question_events_view(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    """Where moderators start: the town halls and forums taking (or lately taking)
    questions, with how many wait for a moderator."""
    context = {
        "organization": organization,
        "rows": queries.events_taking_questions(
            organization, timezone.now(), get_language() or "en"
        ),
    }
    return render(request, "events/questions/events.html", context)
