"""Public pages of the platform and of each organisation; health checks; language choice."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from trustbridge.core import queries
from trustbridge.core.access import public_view
from trustbridge.core.http import make_public
from trustbridge.core.models import Organization
from trustbridge.core.tenancy import access_area


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    organizations = list(queries.public_organizations())
    return make_public(request, render(request, "core/home.html", {"organizations": organizations}))


@require_GET
@public_view
def organization_home(request: HttpRequest, organization: Organization) -> HttpResponse:
    areas = list(queries.areas_of(organization))
    context = {"organization": organization, "areas": areas, "area_map": queries.area_map(areas)}
    return make_public(request, render(request, "core/organization.html", context))


@require_GET
@public_view
def area_list(request: HttpRequest, organization: Organization) -> HttpResponse:
    areas = list(queries.areas_of(organization))
    context = {"organization": organization, "areas": areas, "area_map": queries.area_map(areas)}
    return make_public(request, render(request, "core/area_list.html", context))


@require_GET
@public_view
def area_detail(request: HttpRequest, organization: Organization, area_slug: str) -> HttpResponse:
    area = access_area(organization, area_slug)
    context = {"organization": organization, "area": area, "area_map": queries.area_map([area])}
    return make_public(request, render(request, "core/area_detail.html", context))


@require_GET
@public_view
def areas_geojson(request: HttpRequest, organization: Organization) -> HttpResponse:
    collection = queries.areas_feature_collection(list(queries.areas_of(organization)))
    response = HttpResponse(json.dumps(collection), content_type="application/geo+json")
    response["Content-Disposition"] = f'inline; filename="{organization.slug}-areas.geojson"'
    return make_public(request, response)


@require_GET
@public_view
def brand_css(request: HttpRequest, organization: Organization) -> HttpResponse:
    """The organisation's colours as a stylesheet, since the CSP forbids inline styles."""
    css = (
        ":root{"
        f"--brand:{organization.brand_colour};"
        f"--brand-text:{organization.brand_text_colour};"
        "}"
    )
    return make_public(request, HttpResponse(css, content_type="text/css; charset=utf-8"))


@require_GET
def choose_language(request: HttpRequest, code: str) -> HttpResponse:
    """Switch the interface language by a plain link (no form, no JavaScript, cache-safe)."""
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if check_for_language(code) and code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
        )
        if request.user.is_authenticated and request.user.preferred_language != code:
            from trustbridge.accounts.services import set_preferred_language

            set_preferred_language(actor=request.user, language=code)
    return response


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready when the database answers and every migration is applied."""
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    if pending:
        return JsonResponse(
            {"status": "unavailable", "database": "ok", "pending_migrations": len(pending)},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 in the API's JSON error format under /api/, as a translated page elsewhere."""
    if _wants_json(request):
        return JsonResponse({"detail": gettext("Not found."), "errors": []}, status=404)
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": gettext("You may not do this."), "errors": []}, status=403)
    return render(request, "403.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": gettext("Bad request."), "errors": []}, status=400)
    return render(request, "400.html", status=400)
