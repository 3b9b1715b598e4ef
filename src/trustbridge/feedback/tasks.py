"""Background work of feedback targets: escalating items that near or pass their targets,
and the digest e-mail each recipient gets.

``escalate_everywhere`` is what a scheduler enqueues (or the ``feedback-escalate`` command
runs at once from a cron job or systemd timer); ``send_escalation_digest`` is queued by
``escalation.escalate_due`` after commit, once per recipient.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from trustbridge.accounts.models import User
from trustbridge.core.mail import send_templated_mail
from trustbridge.core.models import Organization
from trustbridge.feedback import escalation, rollup, targets
from trustbridge.feedback.defaults import category_label
from trustbridge.feedback.models import Item, Kind


@task()
def escalate_everywhere() -> dict[str, int]:
    """Escalate due items (and follow up overdue town-hall questions) in every organisation,
    then refresh the accountability figures; the number of items escalated by organisation."""
    now = timezone.now()
    runs = escalation.escalate_everywhere(now)
    rollup.refresh_everywhere(now)
    return {slug: run.items for slug, run in runs.items()}


def _language(user: User, organization: Organization) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    for code in (user.preferred_language, *(organization.languages or [])):
        if code in known:
            return str(code)
    return str(settings.LANGUAGE_CODE)


def _row(item: Item, now: dt.datetime) -> dict[str, Any]:
    """What the digest says of one item: no description, nothing about the resident."""
    organization = item.organization
    return {
        "reference": item.reference,
        "kind": Kind(item.kind).label,
        "category": category_label(item.category),
        "area": item.area.name if item.area else "",
        "clock": escalation.clock_label(escalation.running_clock(item)),
        "overdue": targets.flag(item, now) == targets.Flag.OVERDUE,
        "due": item.next_due,
        "link": settings.TRUSTBRIDGE_BASE_URL
        + reverse(
            "feedback:staff_item",
            kwargs={"org_slug": organization.slug, "reference": item.reference},
        ),
    }


@task()
def send_escalation_digest(
    *, organization_id: int, user_id: int, item_ids: list[int], at: str
) -> None:
    """E-mail one recipient the items escalated to them in one run, in their language.

    Items resolved, or no longer visible to the recipient, by the time the mail is sent are
    left out; nothing is sent if none remain.
    """
    organization = Organization.objects.get(pk=organization_id)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    now = dt.datetime.fromisoformat(at)
    items = escalation.digest_items(organization, user, item_ids)
    if not items:
        return
    rows = [_row(item, now) for item in items]
    context = {
        "organization": organization,
        "rows": rows,
        "overdue": sum(1 for row in rows if row["overdue"]),
        "count": len(rows),
        "tz": organization.timezone,
        "inbox": settings.TRUSTBRIDGE_BASE_URL
        + reverse("feedback:staff_inbox", kwargs={"org_slug": organization.slug}),
    }
    send_templated_mail(
        "feedback/email/escalation",
        [user.email],
        context,
        language=_language(user, organization),
    )
