"""Tenancy: every query of tenant-owned rows goes through ``scoped``.

Guarded accessors give the same 404 for "missing", "another organisation's" and
"not yours", so that nothing reveals whether a row exists.
"""

from __future__ import annotations

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


def get_scoped_or_404(
    queryset: models.QuerySet[M], organization: Organization, **lookup: object
) -> M:
    try:
        return scoped(queryset, organization).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError):  # type: ignore[attr-defined]
        raise Http404 from None


def access_area(organization: Organization, slug: str) -> Area:
    return get_scoped_or_404(Area.objects.all(), organization, slug=slug)
