"""What Open311 GeoReport v2 reads: services, their definitions and the public face of requests.

Everything here is public, so everything here is generalised. A request shows its category,
status, dates, the target date while it is open and, for a place, only its AREA (name and a
point inside it), never the resident's point or address. Its description is the moderator's
redacted text, and only once approved; names, contacts and photos never leave. Complaints
about conduct are never listed, and are not found by their reference either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from trustbridge.core import geo
from trustbridge.core.models import Area, AuditEvent, Organization
from trustbridge.core.tenancy import scoped
from trustbridge.feedback import abuse
from trustbridge.feedback.defaults import (
    DEFAULT_CATEGORIES,
    category_description,
    category_label,
)
from trustbridge.feedback.models import (
    OPEN_STATUSES,
    Category,
    CloseReason,
    Event,
    EventKind,
    Item,
    Kind,
    Moderation,
    Status,
)
from trustbridge.feedback.resident_queries import allows_anonymous

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
WINDOW = dt.timedelta(days=90)  # the longest span one GET requests may ask for
MAX_PAGE_SIZE = 1000  # the spec's default volume, and our ceiling
# Kinds a resident may choose for a category that does not fix one (conduct has its own).
OPEN_KINDS = (Kind.CONCERN, Kind.QUESTION, Kind.SUGGESTION, Kind.COMPLIMENT)
# Changes to these make clients refresh their cached service lists and definitions.
DEFINITION_SOURCES = ("feedback.category", "feedback.feedbacksettings", "core.area")


# Services ----------------------------------------------------------------------------------


def _categories(organization: Organization) -> list[Category]:
    """All the organisation's categories, in their order. One that has never received
    feedback has no rows yet: its default categories are offered (they are written with its
    first item, by the intake), so that reading never writes."""
    rows = list(scoped(Category, organization).order_by("position", "name", "id"))
    if rows:
        return rows
    return [
        Category(
            organization=organization,
            code=d.code,
            name=d.name,
            description=d.description,
            kind=d.kind,
            acknowledge_hours=d.acknowledge_hours,
            resolve_hours=d.resolve_hours,
            position=position,
        )
        for position, d in enumerate(DEFAULT_CATEGORIES)
    ]


def services_of(organization: Organization) -> list[Category]:
    """The organisation's active categories, each an Open311 service."""
    return [c for c in _categories(organization) if c.active]


def service_of(organization: Organization, code: str) -> Category | None:
    """The active category with this service code, or None."""
    return next((c for c in services_of(organization) if c.code == code), None) if code else None


def kinds_of(category: Category) -> tuple[str, ...]:
    """The kinds a resident may choose in this category: its own kind, or any but conduct."""
    return (category.kind,) if category.kind else tuple(OPEN_KINDS)


def service_group(category: Category) -> str:
    if category.kind:
        return str(Kind(category.kind).label)
    return _("Concerns, questions and suggestions")


def service_fields(category: Category) -> dict[str, Any]:
    """One ``service`` of the service list."""
    return {
        "service_code": category.code,
        "service_name": category_label(category),
        "description": category_description(category),
        # Every service has attributes (anonymous, public), so clients should read them.
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(str(Kind(k).label) for k in kinds_of(category)),
        "group": service_group(category),
    }


@dataclass(frozen=True)
class Attribute:
    """One ``attribute`` of a service definition: always a single-value list here."""

    code: str
    description: str
    datatype_description: str
    values: list[tuple[str, str]]  # (key, name)


def attributes_of(category: Category, organization: Organization) -> list[Attribute]:
    """The questions of our form that a client can answer for this service.

    All are optional, with the form's default when absent, so that a client that never reads
    definitions can still submit.
    """
    attributes = []
    kinds = kinds_of(category)
    if len(kinds) > 1:
        attributes.append(
            Attribute(
                "kind",
                _("What kind of feedback is this?"),
                _("Optional; “concern” when not given."),
                [(k, str(Kind(k).label)) for k in kinds],
            )
        )
    if allows_anonymous(organization):
        attributes.append(
            Attribute(
                "anonymous",
                _(
                    "Keep me anonymous, even to staff: only the system uses my contact "
                    "details, to send me updates."
                ),
                _("Optional; “false” when not given."),
                [("true", _("Yes")), ("false", _("No"))],
            )
        )
    attributes.append(
        Attribute(
            "public",
            _("You may show my words publicly after a moderator removes personal details."),
            _("Optional; “false” when not given."),
            [("true", _("Yes")), ("false", _("No"))],
        )
    )
    areas = list(scoped(Area, organization).order_by("name", "id").values_list("slug", "name"))
    if areas:
        attributes.append(
            Attribute(
                "area",
                _("Which area is it about? (instead of a point or an address)"),
                _("Optional; the area is found from lat and long when they are given."),
                [(slug, name) for slug, name in areas],
            )
        )
    return attributes


def definition_fields(category: Category, organization: Organization) -> dict[str, Any]:
    """The ``service_definition`` of a service."""
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": attribute.code,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": attribute.datatype_description,
                "order": order,
                "description": attribute.description,
                "values": [{"key": key, "name": name} for key, name in attribute.values],
            }
            for order, attribute in enumerate(attributes_of(category, organization), start=1)
        ],
    }


def changeset(organization: Organization | None) -> dt.datetime:
    """When the service list or a definition last changed (categories, settings, areas), as
    recorded in the audit log; the organisation's creation at the latest."""
    events = AuditEvent.objects.filter(target_type__in=DEFINITION_SOURCES)
    organizations = Organization.objects.all()
    if organization is not None:
        events = events.filter(organization=organization)
        organizations = organizations.filter(pk=organization.pk)
    candidates = [
        events.aggregate(at=Max("at"))["at"],
        organizations.aggregate(at=Max("created_at"))["at"],
    ]
    found = [c for c in candidates if c is not None]
    return max(found) if found else dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


# Requests ----------------------------------------------------------------------------------


@dataclass
class RequestFilter:
    """The arguments of GET requests, already checked (see ``open311.parse_filter``)."""

    ids: list[str] = field(default_factory=list)  # overrides everything else
    service_codes: list[str] = field(default_factory=list)
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: list[str] = field(default_factory=list)  # "open", "closed"
    page: int = 1
    page_size: int = MAX_PAGE_SIZE

    def window(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """The span searched: as given, completed to 90 days, or the last 90 days."""
        if self.start is not None and self.end is not None:
            return self.start, self.end
        if self.start is not None:
            return self.start, self.start + WINDOW
        if self.end is not None:
            return self.end - WINDOW, self.end
        return now - WINDOW, now


def public_requests(organization: Organization) -> QuerySet[Item]:
    """Every item Open311 may show: the organisation's, never a conduct complaint."""
    public_events = Event.objects.filter(item=OuterRef("pk"), public=True)
    latest_reply = public_events.filter(kind=EventKind.REPLY).order_by("-at", "-id")
    return (
        scoped(Item, organization)
        .exclude(kind=Kind.CONDUCT)
        .select_related("category", "area")
        .annotate(
            latest_reply=Subquery(latest_reply.values("text")[:1]),
            latest_public_at=Subquery(public_events.order_by("-at", "-id").values("at")[:1]),
        )
    )


def find_requests(
    organization: Organization, chosen: RequestFilter, now: dt.datetime | None = None
) -> list[Item]:
    """One page of requests, newest first."""
    items = public_requests(organization)
    if chosen.ids:
        items = items.filter(reference__in=chosen.ids)
    else:
        start, end = chosen.window(now or timezone.now())
        items = items.filter(submitted_at__gte=start, submitted_at__lte=end)
        if chosen.service_codes:
            items = items.filter(category__code__in=chosen.service_codes)
        if set(chosen.statuses) == {"open"}:
            items = items.filter(status__in=OPEN_STATUSES)
        elif set(chosen.statuses) == {"closed"}:
            items = items.exclude(status__in=OPEN_STATUSES)
    offset = (chosen.page - 1) * chosen.page_size
    return list(items.order_by("-submitted_at", "-id")[offset : offset + chosen.page_size])


def find_request(organization: Organization, reference: str) -> Item | None:
    return public_requests(organization).filter(reference=reference).first()


def status_notes(item: Item) -> str:
    """The latest public reply of an item approved for the public list; otherwise our finer
    status in words (a reply to one resident may name them: it is shown only with an item a
    moderator approved, and redacted)."""
    reply = getattr(item, "latest_reply", None)
    if item.moderation == Moderation.APPROVED and reply:
        # Replies are not moderated: personal details found in them are removed, as on the
        # accountability page.
        return abuse.redact(str(reply))
    label = str(Status(item.status).label)
    if item.status == Status.CLOSED and item.close_reason:
        return pgettext("status with reason", "%(status)s: %(reason)s") % {
            "status": label,
            "reason": CloseReason(item.close_reason).label,
        }
    return label


class AreaPoints:
    """A point inside each area, computed once per area for a page of requests."""

    def __init__(self) -> None:
        self._points: dict[int, tuple[float, float]] = {}

    def of(self, area: Area) -> tuple[float, float]:
        """(latitude, longitude) of a point inside the area, rounded to about 10 m."""
        if area.pk not in self._points:
            lon, lat = geo.centroid(area.geometry)
            self._points[area.pk] = (round(lat, 4), round(lon, 4))
        return self._points[area.pk]


def request_fields(item: Item, organization: Organization, points: AreaPoints) -> dict[str, Any]:
    """The public face of one item as an Open311 ``request``."""
    is_open = item.status in OPEN_STATUSES
    public_at = getattr(item, "latest_public_at", None)
    updated = item.resolved_at if not is_open and item.resolved_at else public_at
    fields: dict[str, Any] = {
        "service_request_id": item.reference,
        "status": "open" if is_open else "closed",
        "status_notes": status_notes(item),
        "service_name": category_label(item.category),
        "service_code": item.category.code,
        "description": (
            item.public_text or None if item.moderation == Moderation.APPROVED else None
        ),
        "agency_responsible": organization.name,
        "service_notice": None,
        "requested_datetime": item.submitted_at,
        "updated_datetime": updated or item.submitted_at,
        "expected_datetime": item.resolve_due if is_open else None,
        "address": item.area.name if item.area is not None else None,
        "lat": None,
        "long": None,
        "media_url": None,
    }
    if item.area is not None:
        fields["lat"], fields["long"] = points.of(item.area)
    return fields
