"""What the resident pages read: the form's choices and map, and an item or survey reached
by its private link.

A private link carries a reference and a secret; only the secret's SHA-256 is stored. A
wrong secret, an unknown reference and another organisation's reference all give the same
404, and the digests are compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import hmac
import math
from dataclasses import dataclass

from django.core import signing
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse

from trustbridge.core import geo
from trustbridge.core.digests import digest_of
from trustbridge.core.models import Area, Organization
from trustbridge.core.tenancy import scoped
from trustbridge.feedback.defaults import (
    DEFAULT_CATEGORIES,
    category_description,
    category_label,
)
from trustbridge.feedback.models import (
    Category,
    Event,
    EventKind,
    FeedbackSettings,
    Item,
    Kind,
    Survey,
)

# The form ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryChoice:
    code: str
    label: str
    description: str
    kind: str  # "" for any kind but conduct


def category_choices(organization: Organization) -> list[CategoryChoice]:
    """The active categories residents may choose, in the active language.

    An organisation that has never received feedback has no rows yet: its default
    categories are offered (they are written on its first submission), so that showing the
    form never writes anything.
    """
    rows = list(
        scoped(Category, organization).values("code", "name", "description", "kind", "active")
    )
    if not rows:
        return [
            CategoryChoice(
                d.code,
                category_label(Category(name=d.name)),
                category_description(Category(description=d.description)),
                d.kind,
            )
            for d in DEFAULT_CATEGORIES
        ]
    return [
        CategoryChoice(
            row["code"],
            category_label(Category(name=row["name"])),
            category_description(Category(description=row["description"])),
            row["kind"],
        )
        for row in rows
        if row["active"]
    ]


def allows_anonymous(organization: Organization) -> bool:
    """Whether residents may stay anonymous even to staff (the default until configured)."""
    allowed = (
        FeedbackSettings.objects.filter(organization=organization)
        .values_list("allow_anonymous", flat=True)
        .first()
    )
    return True if allowed is None else bool(allowed)


def areas_of(organization: Organization) -> list[Area]:
    return list(scoped(Area, organization).order_by("name", "id"))


@dataclass(frozen=True)
class PlaceShape:
    slug: str
    name: str
    path: str


@dataclass(frozen=True)
class PlaceMap:
    """The areas drawn as SVG, and the projection the page's script inverts to turn a tap
    into longitude and latitude (equirectangular, north up)."""

    width: int
    height: int
    margin: int
    min_lon: float
    max_lat: float
    x_scale: float
    scale: float
    shapes: list[PlaceShape]


def place_map(areas: list[Area], width: int = 640) -> PlaceMap | None:
    if not areas:
        return None
    min_lon, min_lat, max_lon, max_lat = geo.bounds([a.geometry for a in areas])
    x_scale = math.cos(math.radians((min_lat + max_lat) / 2))
    margin = 8
    scale = (width - 2 * margin) / max((max_lon - min_lon) * x_scale, 1e-9)
    height = round(max(max_lat - min_lat, 1e-9) * scale + 2 * margin)

    def point(lon: float, lat: float) -> str:
        x = margin + (lon - min_lon) * x_scale * scale
        y = margin + (max_lat - lat) * scale
        return f"{x:.1f},{y:.1f}"

    shapes = []
    for area in areas:
        polygons = (
            [area.geometry["coordinates"]]
            if area.geometry["type"] == "Polygon"
            else area.geometry["coordinates"]
        )
        rings = [ring for polygon in polygons for ring in polygon]
        path = " ".join("M" + " L".join(point(p[0], p[1]) for p in ring) + " Z" for ring in rings)
        shapes.append(PlaceShape(area.slug, area.name, path))
    return PlaceMap(width, height, margin, min_lon, max_lat, x_scale, scale, shapes)


# Private links ---------------------------------------------------------------------------

_NO_DIGEST = "0" * 64


def _matches(secret: str, stored: str | None) -> bool:
    # Always compare, even when nothing was found, so both take the same time.
    return hmac.compare_digest(digest_of(secret), stored or _NO_DIGEST)


def _tracked(organization: Organization, reference: str) -> Item | None:
    return (
        scoped(Item, organization)
        .select_related("category", "area", "organization")
        .filter(reference=reference.upper())
        .first()
    )


def access_tracked_item(organization: Organization, reference: str, secret: str) -> Item:
    """The item a private tracking link names, or 404 alike for anything wrong."""
    item = _tracked(organization, reference)
    matched = _matches(secret, item.secret_digest if item else None)
    if item is None or not matched:
        raise Http404
    return item


def tracking_path(item: Item, secret: str) -> str:
    return reverse(
        "feedback:track",
        kwargs={"org_slug": item.organization.slug, "reference": item.reference, "secret": secret},
    )


class LinkExpired(Exception):
    """A signed tracking link that was genuine but is too old."""


TRACK_SALT = "trustbridge.feedback.track"
SIGNED_LINK_DAYS = 30


def signed_tracking_path(item: Item) -> str:
    """A link for the e-mails we send after the receipt (replies, status changes), which
    cannot hold the private link's secret since it is stored nowhere.

    The token is signed with the site's key and names the item by its reference and the
    start of its secret's digest; it opens the item's tracking page for 30 days. It gives
    the reader no more than the receipt did: both reach the resident's mailbox only.
    """
    token = signing.dumps([item.reference, item.secret_digest[:16]], salt=TRACK_SALT)
    path = reverse(
        "feedback:track_signed",
        kwargs={"org_slug": item.organization.slug, "reference": item.reference},
    )
    return f"{path}?t={token}"


def access_signed_item(organization: Organization, reference: str, token: str) -> Item:
    """The item a signed link names; 404 alike for anything forged, ``LinkExpired`` for a
    genuine link older than 30 days."""
    try:
        data = signing.loads(token, salt=TRACK_SALT, max_age=dt.timedelta(days=SIGNED_LINK_DAYS))
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except signing.BadSignature:
        raise Http404 from None
    item = _tracked(organization, reference)
    if (
        item is None
        or not isinstance(data, list)
        or len(data) != 2
        or data[0] != item.reference
        or not hmac.compare_digest(str(data[1]), item.secret_digest[:16])
    ):
        raise Http404
    return item


def timeline(item: Item) -> QuerySet[Event]:
    """What the resident sees happen: the public events and their own messages."""
    return Event.objects.filter(
        Q(public=True) | Q(kind=EventKind.RESIDENT), organization=item.organization_id, item=item
    ).order_by("at", "id")


def access_survey(organization: Organization, reference: str, secret: str) -> Survey:
    """The survey a private survey link names, or 404 alike for anything wrong."""
    survey = (
        scoped(Survey, organization)
        .select_related("item", "item__category", "organization")
        .filter(item__reference=reference.upper())
        .first()
    )
    matched = _matches(secret, survey.secret_digest if survey else None)
    if survey is None or not matched:
        raise Http404
    return survey


def survey_path(survey: Survey, secret: str) -> str:
    return reverse(
        "feedback:survey",
        kwargs={
            "org_slug": survey.organization.slug,
            "reference": survey.item.reference,
            "secret": secret,
        },
    )


def fits(kind: str, category_kind: str) -> bool:
    """Whether a category serves a kind: a category made for one kind serves only it, and
    the others serve every kind but complaints about conduct."""
    return category_kind == kind or (not category_kind and kind != Kind.CONDUCT)
