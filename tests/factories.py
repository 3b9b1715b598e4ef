"""Test data built through the models, with valid defaults."""

from __future__ import annotations

import factory

from trustbridge.accounts.models import User
from trustbridge.core.models import Area, Membership, Organization, OrganizationKind, Role


def square(west: float = -79.4, south: float = 43.6, size: float = 0.01) -> dict[str, object]:
    east, north = west + size, south + size
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.django.Password("a-long-test-password")
    display_name = factory.Sequence(lambda n: f"Person {n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganizationKind.POLICE
    timezone = "America/Toronto"
    languages = factory.LazyFunction(lambda: ["en", "fr", "es"])


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    organization = factory.SubFactory(OrganizationFactory)
    slug = factory.Sequence(lambda n: f"area-{n}")
    name = factory.Sequence(lambda n: f"Area {n}")
    geometry = factory.LazyFunction(square)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OFFICER
