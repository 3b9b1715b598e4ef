"""Open data pages: the landing page with its data dictionary, and the streamed files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition, require_GET

from trustbridge.core.access import public_view
from trustbridge.core.http import make_public
from trustbridge.core.models import Organization
from trustbridge.core.tenancy import get_organization
from trustbridge.transparency import opendata
from trustbridge.transparency import queries as stats


def _last_modified(request: HttpRequest, org_slug: str) -> datetime | None:
    return opendata.last_modified(get_organization(org_slug))


def _stream(
    request: HttpRequest, lines: Iterator[bytes], content_type: str, filename: str
) -> StreamingHttpResponse:
    """A streamed download. An ETag would need the whole file first, so caches revalidate
    with Last-Modified (the last import) instead."""
    response = StreamingHttpResponse(lines, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(
            response, public=True, max_age=settings.TRUSTBRIDGE_PUBLIC_CACHE_SECONDS
        )
        patch_vary_headers(response, ["Cookie"])
    return response


@require_GET
@public_view
def landing(request: HttpRequest, organization: Organization) -> HttpResponse:
    publication = stats.publication_settings(organization)
    configuration = stats.Configuration(max(1, publication.k_threshold), publication.hex_resolution)
    context = {
        "organization": organization,
        "publication": publication,
        "k": configuration.k,
        "freshness": stats.freshness(organization),
        "data_until": stats.data_until(organization, configuration.k),
        "incident_columns": opendata.INCIDENT_COLUMNS,
        "count_columns": opendata.COUNT_COLUMNS,
        "hexagon_km2": stats.hexagon_size_km2(configuration.hex_resolution),
    }
    return make_public(request, render(request, "transparency/data/landing.html", context))


@require_GET
@condition(last_modified_func=_last_modified)
def incidents_csv(request: HttpRequest, org_slug: str) -> StreamingHttpResponse:
    organization = get_organization(org_slug)
    f = opendata.download_filter(organization, request.GET)
    return _stream(
        request,
        opendata.incidents_csv(f),
        "text/csv; charset=utf-8",
        f"{organization.slug}-incidents.csv",
    )


@require_GET
@condition(last_modified_func=_last_modified)
def incidents_geojson(request: HttpRequest, org_slug: str) -> StreamingHttpResponse:
    organization = get_organization(org_slug)
    f = opendata.download_filter(organization, request.GET)
    return _stream(
        request,
        opendata.incidents_geojson(f),
        "application/geo+json",
        f"{organization.slug}-incidents.geojson",
    )


@require_GET
@condition(last_modified_func=_last_modified)
def counts_csv(request: HttpRequest, org_slug: str) -> StreamingHttpResponse:
    organization = get_organization(org_slug)
    return _stream(
        request,
        opendata.counts_csv(organization),
        "text/csv; charset=utf-8",
        f"{organization.slug}-counts.csv",
    )
