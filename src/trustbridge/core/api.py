"""Organisations and areas over the API: public reads, token-scoped staff writes."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from trustbridge.core import audit, queries, rules, services
from trustbridge.core.api_base import ErrorOut, TokenAuth, require_write, token_organization_matches
from trustbridge.core.models import Area, AreaKind, AuditAction, Membership, Organization, Role
from trustbridge.core.services import MAX_POPULATION
from trustbridge.core.tenancy import access_area, get_organization

router = Router(tags=["organisations and areas"])
token_auth = TokenAuth()
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


class OrganizationOut(Schema):
    slug: str
    name: str
    kind: str
    description: str
    timezone: str
    languages: list[str]
    website: str
    contact_email: str
    contact_phone: str
    brand_colour: str
    url: str

    @staticmethod
    def resolve_url(obj: Organization) -> str:
        return f"/o/{obj.slug}/"


class AreaOut(Schema):
    slug: str
    name: str
    kind: AreaKind
    description: str
    population: int | None
    geometry: dict[str, Any]


class AreaIn(Schema):
    name: str = Field(min_length=1, max_length=160)
    slug: str = Field("", max_length=80, pattern=r"^[-a-zA-Z0-9_]*$")
    kind: AreaKind = AreaKind.NEIGHBOURHOOD
    description: str = ""
    population: int | None = Field(None, ge=0, le=MAX_POPULATION)
    geometry: dict[str, Any]


class AreaPatch(Schema):
    """Only the fields given change. Only ``population`` may be null (unknown)."""

    name: str | None = Field(None, min_length=1, max_length=160)
    slug: str | None = Field(None, min_length=1, max_length=80, pattern=r"^[-a-zA-Z0-9_]+$")
    kind: AreaKind | None = None
    description: str | None = None
    population: int | None = Field(None, ge=0, le=MAX_POPULATION)
    geometry: dict[str, Any] | None = None

    @field_validator("name", "slug", "kind", "description", "geometry", mode="before")
    @classmethod
    def not_null(cls, value: Any) -> Any:
        if value is None:
            # Django's own message, already translated in its catalogues
            raise PydanticCustomError("null", str(models.Field.default_error_messages["null"]))
        return value


class MemberOut(Schema):
    email: str
    display_name: str
    role: Role
    since: str

    @staticmethod
    def resolve_email(obj: Membership) -> str:
        return obj.user.email

    @staticmethod
    def resolve_display_name(obj: Membership) -> str:
        return obj.user.display_name

    @staticmethod
    def resolve_since(obj: Membership) -> str:
        return obj.created_at.isoformat()


class TokenInfoOut(Schema):
    email: str
    organization: str
    role: Role | None
    scope: str


@router.get("/organizations", response=list[OrganizationOut], summary="List organisations")
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_organizations(request: HttpRequest) -> Any:
    return Organization.objects.order_by("name", "id")


@router.get(
    "/organizations/{slug}", response={200: OrganizationOut, **ERRORS}, summary="One organisation"
)
def get_organization_detail(request: HttpRequest, slug: str) -> Any:
    return get_organization(slug)


@router.get(
    "/organizations/{slug}/areas",
    response={200: list[AreaOut], **ERRORS},
    summary="Areas of an organisation",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_areas(request: HttpRequest, slug: str) -> Any:
    return queries.areas_of(get_organization(slug))


@router.get(
    "/organizations/{slug}/areas.geojson",
    response={200: dict[str, Any], **ERRORS},
    summary="Areas of an organisation as a GeoJSON FeatureCollection",
    openapi_extra={
        "responses": {200: {"description": "GeoJSON", "content": {"application/geo+json": {}}}}
    },
)
def areas_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    organization = get_organization(slug)
    collection = queries.areas_feature_collection(list(queries.areas_of(organization)))
    from trustbridge.core.api_base import _cache_public_answer

    response = HttpResponse(json.dumps(collection), content_type="application/geo+json")
    return _cache_public_answer(request, response)


@router.get(
    "/organizations/{slug}/areas/{area_slug}", response={200: AreaOut, **ERRORS}, summary="One area"
)
def get_area(request: HttpRequest, slug: str, area_slug: str) -> Area:
    return access_area(get_organization(slug), area_slug)


@router.post(
    "/organizations/{slug}/areas",
    response={201: AreaOut, **ERRORS},
    auth=token_auth,
    summary="Create an area (write token)",
)
def create_area(request: HttpRequest, slug: str, payload: AreaIn) -> Status[Area]:
    token = token_organization_matches(request, slug)
    require_write(request)
    area = services.create_area(actor=token.user, organization=token.organization, **payload.dict())
    return Status(201, area)


@router.patch(
    "/organizations/{slug}/areas/{area_slug}",
    response={200: AreaOut, **ERRORS},
    auth=token_auth,
    summary="Change an area (write token)",
)
def update_area(request: HttpRequest, slug: str, area_slug: str, payload: AreaPatch) -> Area:
    token = token_organization_matches(request, slug)
    require_write(request)
    area = access_area(token.organization, area_slug)
    changes = payload.dict(exclude_unset=True)
    return services.update_area(actor=token.user, area=area, **changes)


@router.delete(
    "/organizations/{slug}/areas/{area_slug}",
    response={204: None, **ERRORS},
    auth=token_auth,
    summary="Delete an area (write token)",
)
def delete_area(request: HttpRequest, slug: str, area_slug: str) -> Status[None]:
    token = token_organization_matches(request, slug)
    require_write(request)
    services.delete_area(actor=token.user, area=access_area(token.organization, area_slug))
    return Status(204, None)


@router.get(
    "/organizations/{slug}/members",
    response={200: list[MemberOut], **ERRORS},
    auth=token_auth,
    summary="Staff of an organisation (read token; admins and supervisors)",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_members(request: HttpRequest, slug: str) -> Any:
    token = token_organization_matches(request, slug)
    if not rules.can_view_members(token.user, token.organization):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    audit.record(
        actor=token.user,
        action=AuditAction.VIEW_PERSONAL,
        organization=token.organization,
        summary="member list (API)",
    )
    return queries.members_of(token.organization)


@router.get(
    "/me",
    response={200: TokenInfoOut, **ERRORS},
    auth=token_auth,
    summary="Who this token acts for",
)
def me(request: HttpRequest) -> dict[str, Any]:
    token = request.auth  # type: ignore[attr-defined]
    return {
        "email": token.user.email,
        "organization": token.organization.slug,
        "role": rules.role_in(token.user, token.organization),
        "scope": token.scope,
    }
