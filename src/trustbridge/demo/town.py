"""The deterministic demo town: who and what it holds. Later capabilities add their data here."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction
from django.test import override_settings

from trustbridge.accounts.models import User
from trustbridge.core import services
from trustbridge.core.models import Area, AreaKind, Organization, OrganizationKind, Role
from trustbridge.demo import events, feedback, incidents, initiatives

SEED = 20261126
DEMO_PASSWORD = "riverside-demo-2026"
# A fixed TOTP secret for the demo staff only, so a visitor can add it to an authenticator app.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

POLICE = {
    "slug": "riverside-police",
    "name": "Riverside Police Service",
    "kind": OrganizationKind.POLICE,
    "description": "The municipal police service of the town of Riverside.",
    "timezone": "America/Toronto",
    "languages": ["en", "fr", "es"],
    "contact_email": "community@riverside-police.example",
    "contact_phone": "+1 555 010 2000",
    "website": "https://riverside-police.example",
    "address": "100 Main Street, Riverside",
    "brand_colour": "#1d4e89",
}
SECURITY = {
    "slug": "northgate-security",
    "name": "Northgate Security",
    "kind": OrganizationKind.PRIVATE,
    "description": "Private security for the Northgate business district and mall.",
    "timezone": "America/Toronto",
    "languages": ["en", "fr"],
    "contact_email": "hello@northgate-security.example",
    "brand_colour": "#5b2a86",
}

# Riverside's neighbourhoods on a 4 by 2 grid, west to east, north row first.
RIVERSIDE_AREAS = [
    ("Old Mill", 6200),
    ("Northgate", 8400),
    ("Cedar Heights", 5100),
    ("Lakeshore", 7300),
    ("Riverside Centre", 9600),
    ("Station Quarter", 4800),
    ("Southfield", 6900),
    ("Elm Park", 5500),
]
NORTHGATE_SITES = [("Northgate Mall", None), ("Business Park", None), ("Transit Hub", None)]


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    organization: str | None
    role: Role | None


PEOPLE = [
    DemoPerson("admin@riverside.example", "Alex Morgan", "riverside-police", Role.ADMIN),
    DemoPerson("supervisor@riverside.example", "Sam Okafor", "riverside-police", Role.SUPERVISOR),
    DemoPerson("officer@riverside.example", "Jo Tremblay", "riverside-police", Role.OFFICER),
    DemoPerson("moderator@riverside.example", "Lee Chen", "riverside-police", Role.MODERATOR),
    DemoPerson("standards@riverside.example", "Robin Ali", "riverside-police", Role.STANDARDS),
    DemoPerson(
        "partner@riverside.example", "Riverside High School", "riverside-police", Role.PARTNER
    ),
    DemoPerson("admin@northgate.example", "Dana Reyes", "northgate-security", Role.ADMIN),
    DemoPerson("guard@northgate.example", "Chris Dubois", "northgate-security", Role.OFFICER),
    DemoPerson("resident@riverside.example", "Pat Resident", None, None),
    DemoPerson("student@riverside.example", "", None, None),
    DemoPerson("shopkeeper@riverside.example", "Maria's Bakery", None, None),
]


def _grid_polygons(
    rng: random.Random, west: float, north: float, cols: int, rows: int, cell: float
) -> list[dict[str, Any]]:
    """Adjacent irregular polygons sharing their borders, like real neighbourhood maps.

    Grid corners are jittered, and each border gets two jittered midpoints shared by both
    neighbours, so the shapes tile the town without gaps or overlaps.
    """
    jitter = cell * 0.12
    corners = {
        (c, r): (
            west + c * cell * 1.35 + (rng.uniform(-jitter, jitter) if 0 < c < cols else 0),
            north - r * cell + (rng.uniform(-jitter, jitter) if 0 < r < rows else 0),
        )
        for c in range(cols + 1)
        for r in range(rows + 1)
    }
    edges: dict[tuple[tuple[int, int], tuple[int, int]], list[tuple[float, float]]] = {}

    def border(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[float, float]]:
        key = (min(a, b), max(a, b))
        if key not in edges:
            (x1, y1), (x2, y2) = corners[key[0]], corners[key[1]]
            on_edge = (key[0][0] == key[1][0] and key[0][0] in (0, cols)) or (
                key[0][1] == key[1][1] and key[0][1] in (0, rows)
            )
            wobble = 0 if on_edge else jitter * 0.5
            points = []
            for t in (1 / 3, 2 / 3):
                points.append(
                    (
                        x1 + (x2 - x1) * t + rng.uniform(-wobble, wobble) * (y2 != y1),
                        y1 + (y2 - y1) * t + rng.uniform(-wobble, wobble) * (x2 != x1),
                    )
                )
            edges[key] = points
        points = edges[key]
        return points if key[0] == a else list(reversed(points))

    polygons = []
    for r in range(rows):
        for c in range(cols):
            ring_corners = [(c, r), (c + 1, r), (c + 1, r + 1), (c, r + 1)]
            ring: list[tuple[float, float]] = []
            for i, corner in enumerate(ring_corners):
                ring.append(corners[corner])
                ring.extend(border(corner, ring_corners[(i + 1) % 4]))
            ring.append(ring[0])
            polygons.append(
                {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}
            )
    return polygons


def _organization(data: dict[str, Any]) -> Organization:
    existing = Organization.objects.filter(slug=data["slug"]).first()
    if existing:
        return existing
    return services.create_organization(actor=None, **data)


def _areas(
    organization: Organization,
    names: Sequence[tuple[str, int | None]],
    polygons: list[dict[str, Any]],
    kind: str,
) -> None:
    for (name, population), polygon in zip(names, polygons, strict=True):
        if not Area.objects.filter(organization=organization, name=name).exists():
            services.create_area(
                actor=None,
                organization=organization,
                name=name,
                geometry=polygon,
                population=population,
                kind=kind,
            )


def _person(person: DemoPerson, organizations: dict[str, Organization]) -> User:
    user = User.objects.filter(email=person.email).first()
    if user is None:
        user = User.objects.create_user(person.email, DEMO_PASSWORD, display_name=person.name)
        EmailAddress.objects.create(user=user, email=person.email, verified=True, primary=True)
    if person.organization and person.role and not user.memberships.exists():
        services.add_member(
            actor=None, organization=organizations[person.organization], user=user, role=person.role
        )
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
    return user


def build() -> list[DemoPerson]:
    """Build (or complete) the demo town. Safe to run again: nothing is duplicated.

    No e-mail leaves while the town is built: services send theirs once their transaction
    commits, which is after the whole build, so the tasks backend stays switched off until
    then (the sign-ups, receipts and answers replayed here are for example addresses).
    """
    with override_settings(TASKS=feedback.NO_MAIL):
        _build()
    return PEOPLE


@transaction.atomic
def _build() -> None:
    rng = random.Random(SEED)
    police = _organization(POLICE)
    security = _organization(SECURITY)
    _areas(
        police,
        RIVERSIDE_AREAS,
        _grid_polygons(rng, -79.42, 43.70, 4, 2, 0.012),
        AreaKind.NEIGHBOURHOOD,
    )
    _areas(
        security,
        NORTHGATE_SITES,
        _grid_polygons(rng, -79.395, 43.712, 3, 1, 0.004),
        AreaKind.PATROL_ZONE,
    )
    organizations = {o.slug: o for o in (police, security)}
    users = {person.email: _person(person, organizations) for person in PEOPLE}
    today = incidents.local_today(police)
    initiatives.build(police, users["supervisor@riverside.example"], today)
    incidents.build(police, today=today)
    feedback.build(police, users)
    events.build(police, security, users)
