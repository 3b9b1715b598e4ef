"""Escalation: supervisors hear about items whose response target is near or past.

``escalate_due`` is run every few minutes (the ``feedback-escalate`` command from a timer,
or the ``escalate_everywhere`` task). It finds the open items whose running clock passed its
warning instant (``Item.next_warning``, a share of the target set by the organisation) and
that were not escalated for that clock yet, marks them (``escalated_at``), adds a private
``ESCALATED`` event to their history, and sends ONE digest e-mail per recipient.

Which clock was escalated is remembered by ``escalated_at`` itself: ``targets`` clears it
whenever another clock starts running (the item is acknowledged, or reopened), so an item
escalated for its acknowledgement is escalated again when its resolution target nears. As
a second guard, an escalation older than the acknowledgement does not count for the
resolution clock. The ``ESCALATED`` event's ``text`` is the clock's code (``acknowledge`` or
``resolve``; ``clock_label`` names it for people).

Who hears: for ordinary items, the organisation's supervisors (``rules.is_escalation_contact``)
or, if it has none, its administrators, so that an escalation is never sent to nobody; for
complaints about conduct, administrators and professional standards. Each recipient must be
allowed to see the item (``rules.can_see_feedback_item``), which also leaves out the staff
member a complaint is about. The digest names items by reference, kind, category, area and
due time: never the description or anything about the resident.

The same timer follows up town-hall questions (``events.questions.follow_up``): questions of
events that have ended get their written-answer date, and questions past it are flagged
once to the organisation's supervisors and administrators. ``escalate_organization`` runs
both for one organisation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from trustbridge.core import audit, rules
from trustbridge.core.models import AuditAction, Membership, Organization, Role
from trustbridge.core.tenancy import scoped
from trustbridge.events import questions as event_questions
from trustbridge.feedback.models import OPEN_STATUSES, Event, EventKind, Item, Kind, Status

if TYPE_CHECKING:
    from trustbridge.accounts.models import User

ACKNOWLEDGE = "acknowledge"
RESOLVE = "resolve"
MAX_PER_RUN = 2000  # items escalated per organisation and run; the next run takes the rest

ESCALATING_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.STANDARDS)


def clock_label(code: str) -> str:
    """The name of an escalated clock, for an item's history and the digest."""
    if code == ACKNOWLEDGE:
        return _("acknowledgement")
    if code == RESOLVE:
        return _("resolution")
    return code


def running_clock(item: Item) -> str:
    return ACKNOWLEDGE if item.acknowledged_at is None else RESOLVE


@dataclass(frozen=True)
class EscalationRun:
    """What one run did in one organisation: items escalated and digests queued, and
    town-hall questions flagged as overdue (with the e-mails queued for them)."""

    items: int
    digests: int
    questions: int = 0
    question_mails: int = 0


def due_for_escalation(organization: Organization, now: dt.datetime) -> QuerySet[Item]:
    """Open items past their warning instant that were not escalated for their running clock.

    Read through the (organization, next_warning) index; ``next_warning`` is empty for items
    that wait for the resident or are finished.
    """
    return (
        scoped(Item, organization)
        .filter(next_warning__lte=now, status__in=OPEN_STATUSES - {Status.WAITING})
        .filter(
            Q(escalated_at__isnull=True)
            | Q(acknowledged_at__isnull=False, escalated_at__lt=F("acknowledged_at"))
        )
        .order_by("next_warning", "id")
    )


def escalate_due(organization: Organization, now: dt.datetime) -> EscalationRun:
    """Escalate the organisation's items that need it, and queue one digest per recipient.

    Each item is claimed by a conditional update, so two runs at once (a timer and a
    worker) never escalate it twice; mail is queued after commit.
    """
    candidates = list(
        due_for_escalation(organization, now).select_related("category", "organization")[
            :MAX_PER_RUN
        ]
    )
    if not candidates:
        return EscalationRun(0, 0)
    escalated: list[Item] = []
    with transaction.atomic():
        for item in candidates:
            claimed = (
                due_for_escalation(organization, now).filter(pk=item.pk).update(escalated_at=now)
            )
            if not claimed:
                continue
            item.escalated_at = now
            escalated.append(item)
            Event.objects.create(
                organization=organization,
                item=item,
                at=now,
                kind=EventKind.ESCALATED,
                status=item.status,
                text=running_clock(item),
                public=False,
            )
            audit.record(
                actor=None,
                action=AuditAction.UPDATE,
                organization=organization,
                target=item,
                summary="feedback item escalated",
                changes=["escalated_at"],
            )
        digests = recipients_of(organization, escalated)
        for user_id, items in digests.items():
            _queue_digest(organization, user_id, [i.pk for i in items], now)
    return EscalationRun(len(escalated), len(digests))


def recipients_of(organization: Organization, items: list[Item]) -> dict[int, list[Item]]:
    """Who receives which items: user id → items, each recipient allowed to see each item."""
    if not items:
        return {}
    members = list(
        Membership.objects.filter(
            organization=organization, role__in=ESCALATING_ROLES, user__is_active=True
        )
        .select_related("user")
        .order_by("user_id")
    )
    users = [m.user for m in members]
    supervisors = [u for u in users if rules.is_escalation_contact(u, organization)]
    ordinary_contacts = supervisors or [
        u for u in users if rules.role_in(u, organization) == Role.ADMIN
    ]
    conduct_contacts = [u for u in users if rules.can_work_conduct_complaints(u, organization)]
    found: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        contacts = conduct_contacts if item.kind == Kind.CONDUCT else ordinary_contacts
        for user in contacts:
            if rules.can_see_feedback_item(user, item):
                found[user.pk].append(item)
    return dict(found)


def digest_items(organization: Organization, user: User, item_ids: list[int]) -> list[Item]:
    """The items of a digest as they are when it is sent: their clock still running, still
    visible to the recipient (a complaint's subject may have been named meanwhile), the
    earliest due first."""
    items = (
        scoped(Item, organization)
        .filter(pk__in=item_ids, next_due__isnull=False)
        .exclude(status=Status.WAITING)
        .select_related("category", "area", "organization")
        .order_by("next_due", "id")
    )
    return [item for item in items if rules.can_see_feedback_item(user, item)]


def escalate_organization(organization: Organization, now: dt.datetime) -> EscalationRun:
    """Everything the timer escalates in one organisation: feedback items, then town-hall
    questions (answer dates of ended events set, overdue ones flagged once)."""
    run = escalate_due(organization, now)
    followed = event_questions.follow_up(organization, now)
    return replace(run, questions=followed.flagged, question_mails=followed.mails)


def escalate_everywhere(now: dt.datetime) -> dict[str, EscalationRun]:
    """Run ``escalate_organization`` for every organisation; results by organisation slug."""
    return {
        organization.slug: escalate_organization(organization, now)
        for organization in Organization.objects.order_by("pk")
    }


def _queue_digest(
    organization: Organization, user_id: int, item_ids: list[int], now: dt.datetime
) -> None:
    from trustbridge.feedback.tasks import send_escalation_digest

    transaction.on_commit(
        lambda: send_escalation_digest.enqueue(
            organization_id=organization.pk,
            user_id=user_id,
            item_ids=item_ids,
            at=now.isoformat(),
        )
    )
