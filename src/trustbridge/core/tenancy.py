"""Tenancy: every query of tenant-owned rows goes through ``scoped``.

Guarded accessors give the same 404 for "missing", "another organisation's" and
"not yours", so that nothing reveals whether a row exists.
"""

from __future__ import annotations

import copy
import time
from typing import TypeVar

from django.db import models
from django.http import Http404

from trustbridge.core.models import Area, Organization

M = TypeVar("M", bound=models.Model)


def scoped(
    model_or_queryset: type[M] | models.QuerySet[M], organization: Organization
) -> models.QuerySet[M]:
    """Rows of one organisation only. The single way tenant-owned rows are queried."""
    if isinstance(model_or_queryset, models.QuerySet):
        queryset = model_or_queryset
    else:
        queryset = model_or_queryset._default_manager.all()
    return queryset.filter(organization=organization)


def get_organization(slug: str) -> Organization:
    try:
        return Organization.objects.get(slug=slug)
    except Organization.DoesNotExist:
        raise Http404 from None


RECENT_SECONDS = 1.0
_recent: dict[str, tuple[float, Organization]] = {}


def recent_organization(slug: str) -> Organization:
    """The organisation as this process read it at most ``RECENT_SECONDS`` ago.

    For the busiest public write, a resident's submission: reading the row on every request
    cost about a quarter of the request's time (measured with ``benchmarks/feedback.py``).
    A change to the organisation, or to its configuration (see ``configuration``), reaches
    these requests within a second. Each caller gets its own copy.
    """
    now = time.monotonic()
    found = _recent.get(slug)
    if found is None or now - found[0] > RECENT_SECONDS:
        found = (now, get_organization(slug))
        _recent[slug] = found
    return copy.copy(found[1])


def forget_recent() -> None:
    """Drop the organisations read recently (for tests that recreate them)."""
    _recent.clear()


def get_scoped_or_404(
    queryset: models.QuerySet[M], organization: Organization, **lookup: object
) -> M:
    try:
        return scoped(queryset, organization).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError):  # type: ignore[attr-defined]
        raise Http404 from None


def access_area(organization: Organization, slug: str) -> Area:
    return get_scoped_or_404(Area.objects.all(), organization, slug=slug)
