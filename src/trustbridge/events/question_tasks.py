"""Background work of town-hall questions: the e-mail that tells a supervisor or an
administrator which questions are past their written-answer date.

``questions.flag_overdue`` queues ``send_overdue_questions`` after commit, once per
recipient, in the run of the feedback escalation timer (``trustbridge feedback-escalate``
or the ``escalate_everywhere`` task).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from trustbridge.accounts.models import User
from trustbridge.core import rules
from trustbridge.core.mail import send_templated_mail
from trustbridge.core.models import Organization
from trustbridge.core.tenancy import scoped
from trustbridge.events import questions
from trustbridge.events.models import Question, QuestionStatus


def _language(user: User, organization: Organization) -> str:
    """The recipient's language, else the organisation's first, else the site's."""
    known = {code for code, _name in settings.LANGUAGES}
    for code in (user.preferred_language, *(organization.languages or [])):
        if code in known:
            return str(code)
    return str(settings.LANGUAGE_CODE)


def _row(question: Question, today: dt.date, language: str) -> dict[str, Any]:
    """What the e-mail says of one question: its event, its text (public once approved),
    its date and a link to answer it. Never who asked."""
    organization = question.organization
    return {
        "event": question.event.title(language),
        "text": question.text,
        "due": question.answer_due,
        "days": (today - question.answer_due).days if question.answer_due else 0,
        "link": settings.TRUSTBRIDGE_BASE_URL
        + reverse(
            "events:moderate",
            kwargs={"org_slug": organization.slug, "event_id": question.event_id},
        )
        + f"#question-{question.pk}",
    }


@task()
def send_overdue_questions(*, organization_id: int, user_id: int, question_ids: list[int]) -> None:
    """E-mail one recipient the questions flagged for them, in their language.

    Questions answered (or hidden) by the time the mail goes are left out; nothing is sent
    if none remain, or if the recipient no longer follows up overdue questions.
    """
    organization = Organization.objects.get(pk=organization_id)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not rules.can_follow_up_questions(user, organization):
        return
    still = (
        scoped(Question, organization)
        .filter(pk__in=question_ids, status=QuestionStatus.APPROVED)
        .select_related("event", "organization")
        .order_by("answer_due", "id")
    )
    language = _language(user, organization)
    today = questions.local_today(organization, timezone.now())
    rows = [_row(question, today, language) for question in still]
    if not rows:
        return
    context = {
        "organization": organization,
        "rows": rows,
        "count": len(rows),
        "overdue_page": settings.TRUSTBRIDGE_BASE_URL
        + reverse("events:overdue_questions", kwargs={"org_slug": organization.slug}),
    }
    send_templated_mail("events/questions/email/overdue", [user.email], context, language=language)
