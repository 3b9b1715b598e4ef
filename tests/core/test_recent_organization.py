"""The organisation as read within the last second: for the busiest public write."""

from __future__ import annotations

import pytest
from django.http import Http404

from trustbridge.core import tenancy
from trustbridge.core.models import Organization


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(tenancy.time, "monotonic", lambda: now[0])
    return now


def test_within_a_second_the_organisation_is_not_read_again(
    organization, clock, django_assert_num_queries
):
    tenancy.recent_organization(organization.slug)
    clock[0] += tenancy.RECENT_SECONDS - 0.01
    with django_assert_num_queries(0):
        assert tenancy.recent_organization(organization.slug).pk == organization.pk


def test_a_change_is_seen_after_a_second(organization, clock):
    tenancy.recent_organization(organization.slug)
    Organization.objects.filter(pk=organization.pk).update(timezone="Europe/Paris")
    assert tenancy.recent_organization(organization.slug).timezone == "America/Toronto"
    clock[0] += tenancy.RECENT_SECONDS + 0.01
    assert tenancy.recent_organization(organization.slug).timezone == "Europe/Paris"


def test_each_caller_gets_its_own_copy(organization, clock):
    first = tenancy.recent_organization(organization.slug)
    first.name = "Changed by a caller"
    assert tenancy.recent_organization(organization.slug).name == organization.name


def test_an_unknown_organisation_is_not_found_every_time(db, clock):
    for _ in range(2):
        with pytest.raises(Http404):
            tenancy.recent_organization("nowhere")
