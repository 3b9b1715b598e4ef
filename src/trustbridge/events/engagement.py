"""The informal engagement log: officers' foot-patrol chats, business visits and school
drop-ins, counted per area. Writes in ``log_contact``; the figures in ``by_area``.

Residents are never named: a topic that looks like it holds an e-mail address, a phone
number or a name is refused, with the reason (the same detection as feedback moderation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from trustbridge.accounts.models import User
from trustbridge.core import audit, rules
from trustbridge.core.checks import require
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.models import Area, AuditAction, Organization
from trustbridge.events.models import ContactKind, InformalContact
from trustbridge.feedback.abuse import personal_details

MAX_TOPIC = 120
MAX_MINUTES = 600
MAX_PEOPLE = 500
MAX_DAYS_BACK = 90


def log_contact(
    actor: User,
    organization: Organization,
    *,
    kind: str,
    topic: str,
    minutes: int,
    happened_on: dt.date,
    today: dt.date,
    area: Area | None = None,
    people: int = 1,
) -> InformalContact:
    """Record one contact; ``ServiceErrors`` lists every refused field."""
    require(rules.can_log_contacts(actor, organization))
    errors: list[ServiceError] = []

    def refuse(field: str, message: str) -> None:
        errors.append(ServiceError(ErrorCode.INVALID, message, field))

    if kind not in ContactKind.values:
        refuse("kind", _("Choose a kind of contact."))
    topic = " ".join(topic.split())
    if not topic:
        refuse("topic", _("Say what it was about, in a few words."))
    elif len(topic) > MAX_TOPIC:
        refuse("topic", _("Keep the topic to %(max)d characters.") % {"max": MAX_TOPIC})
    elif personal_details(topic):
        refuse(
            "topic",
            _("Leave out names, e-mail addresses and phone numbers: say what, not who."),
        )
    if not 1 <= minutes <= MAX_MINUTES:
        refuse("minutes", _("Give between 1 and %(max)d minutes.") % {"max": MAX_MINUTES})
    if not 1 <= people <= MAX_PEOPLE:
        refuse("people", _("Give between 1 and %(max)d people.") % {"max": MAX_PEOPLE})
    if happened_on > today:
        refuse("happened_on", _("A contact cannot be logged before it happens."))
    elif happened_on < today - dt.timedelta(days=MAX_DAYS_BACK):
        refuse(
            "happened_on",
            _("Log contacts within %(days)d days.") % {"days": MAX_DAYS_BACK},
        )
    if area is not None and area.organization_id != organization.pk:
        refuse("area", _("Choose an area of your organisation."))
    if errors:
        raise ServiceErrors(errors)
    with transaction.atomic():
        contact = InformalContact.objects.create(
            organization=organization,
            officer=actor,
            kind=kind,
            area=area,
            topic=topic,
            minutes=minutes,
            people=people,
            happened_on=happened_on,
        )
        audit.record(
            actor=actor, action=AuditAction.CREATE, organization=organization, target=contact
        )
    return contact


@dataclass(frozen=True)
class AreaEngagement:
    area: Area | None  # None: contacts logged without an area
    contacts: int
    minutes: int
    people: int


def by_area(organization: Organization, start: dt.date, end: dt.date) -> list[AreaEngagement]:
    """Contacts, minutes and people per area from ``start`` to ``end`` (exclusive): counts
    only, never topics or officers. Every area is listed, with zeros where nothing was
    logged."""
    rows = {
        row["area"]: row
        for row in InformalContact.objects.filter(
            organization=organization, happened_on__gte=start, happened_on__lt=end
        )
        .values("area")
        .annotate(contacts=Count("id"), minutes=Sum("minutes"), people=Sum("people"))
        .order_by()
    }
    areas = list(Area.objects.filter(organization=organization).order_by("name", "id"))
    result = [_figures(area, rows.get(area.pk)) for area in areas]
    if None in rows:
        result.append(_figures(None, rows[None]))
    return result


def _figures(area: Area | None, row: dict[str, int] | None) -> AreaEngagement:
    if row is None:
        return AreaEngagement(area, 0, 0, 0)
    return AreaEngagement(area, row["contacts"], row["minutes"] or 0, row["people"] or 0)
