"""The demo town: deterministic, complete, and safe to build twice."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from trustbridge.accounts.models import User
from trustbridge.core.models import Area, AuditEvent, Membership, Organization, Role
from trustbridge.demo import town

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "organizations": sorted(Organization.objects.values_list("slug", flat=True)),
        "areas": sorted(Area.objects.values_list("organization__slug", "slug", "geometry")),
        "members": sorted(
            Membership.objects.values_list("organization__slug", "user__email", "role")
        ),
        "users": User.objects.count(),
    }


def test_demo_has_two_organisations_eight_areas_and_every_role():
    town.build()
    police = Organization.objects.get(slug="riverside-police")
    security = Organization.objects.get(slug="northgate-security")
    assert (police.kind, security.kind) == ("police", "private")
    assert Area.objects.filter(organization=police).count() == 8
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    staff = User.objects.filter(memberships__isnull=False)
    assert Authenticator.objects.filter(user__in=staff).count() == staff.count()


def test_demo_areas_tile_the_town_without_overlapping():
    from shapely.geometry import shape

    town.build()
    shapes = [shape(a.geometry) for a in Area.objects.filter(organization__slug="riverside-police")]
    assert all(s.is_valid for s in shapes)
    for i, first in enumerate(shapes):
        for second in shapes[i + 1 :]:
            assert first.intersection(second).area < 1e-12


def test_building_the_demo_twice_changes_nothing():
    town.build()
    first = snapshot()
    events = AuditEvent.objects.count()
    town.build()
    assert snapshot() == first
    assert AuditEvent.objects.count() == events
