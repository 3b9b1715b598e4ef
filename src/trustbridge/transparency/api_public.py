"""Public transparency reads over the API: generalised incidents, statistics, initiatives.

The same privacy rules as the pages: incidents come from ``queries.public_incidents`` and are
generalised by ``opendata.generalise``; every count is a published figure (``Figure``), with
the number of small groups it leaves out; unpublished initiatives are not found.
"""

import zoneinfo
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError
from ninja.pagination import PageNumberPagination, paginate

from trustbridge.core.api_base import ErrorOut
from trustbridge.core.models import Organization
from trustbridge.core.tenancy import get_organization
from trustbridge.transparency import initiative_queries, opendata
from trustbridge.transparency import queries as stats
from trustbridge.transparency.models import Initiative, InitiativeUpdate

router = Router(tags=["transparency"])
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MONTH = r"^\d{4}-\d{2}$"


# Filters -----------------------------------------------------------------------------------


class IncidentFilter(Schema):
    from_: str | None = Field(
        None, alias="from", pattern=MONTH, description="First month, e.g. 2025-01."
    )
    to: str | None = Field(None, pattern=MONTH, description="Last month (included), e.g. 2025-06.")
    area: list[str] = Field([], description="Area short names (repeatable).")
    category: list[str] = Field([], description="Offence category codes (repeatable).")


class StatisticsFilter(IncidentFilter):
    period: str | None = Field(
        None, description="last-12-months (default), this-year, last-year or a quarter (2025-q2)."
    )
    unit: str = Field("month", pattern=r"^(week|month|quarter|year)$")


def _check_names(chosen: stats.StatsFilter, query: IncidentFilter) -> None:
    """Unknown areas and categories are errors here (the dashboard only notes them)."""
    errors = []
    areas = {a.slug for a in stats.areas_of(chosen).values()}
    for slug in query.area:
        if slug not in areas:
            message = _("There is no area “%(value)s”.") % {"value": slug}
            errors.append({"loc": ["query", "area"], "msg": message})
    categories = {c.code for c in stats.categories_of(chosen).values()}
    for code in query.category:
        if code not in categories:
            message = _("There is no offence category “%(value)s”.") % {"value": code}
            errors.append({"loc": ["query", "category"], "msg": message})
    if errors:
        raise ValidationError(errors)


def _filter(
    request: HttpRequest, organization: Organization, query: IncidentFilter, *, whole_history: bool
) -> stats.StatsFilter:
    chosen = (
        opendata.download_filter(organization, request.GET)
        if whole_history
        else stats.StatsFilter.from_params(organization, request.GET)
    )
    _check_names(chosen, query)
    if chosen.notices:
        raise ValidationError([{"loc": ["query", "from"], "msg": n} for n in chosen.notices])
    return chosen


# Incidents ---------------------------------------------------------------------------------


class IncidentOut(Schema):
    public_id: str
    date: date
    category_code: str
    category_name: str
    crime_against: str
    area_slug: str
    area_name: str
    hundred_block: str
    h3_cell: str
    latitude: float | None = Field(description="The centre of the H3 cell, not the place.")
    longitude: float | None = Field(description="The centre of the H3 cell, not the place.")


class GeneralisedPage(PageNumberPagination):
    """Page numbers as everywhere, with each incident generalised on the way out."""

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        organization = request.transparency_organization  # type: ignore[attr-defined]
        tz = zoneinfo.ZoneInfo(organization.timezone)
        items = []
        for incident in page["items"]:
            incident.organization = organization
            items.append(opendata.generalise(incident, tz))
        page["items"] = items
        return page


@router.get(
    "/organizations/{slug}/incidents",
    response={200: list[IncidentOut], **ERRORS},
    summary="Generalised incidents (non-sensitive, published cells only)",
)
@paginate(GeneralisedPage, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_incidents(request: HttpRequest, slug: str, filters: Query[IncidentFilter]) -> Any:
    organization = get_organization(slug)
    chosen = _filter(request, organization, filters, whole_history=True)
    request.transparency_organization = organization  # type: ignore[attr-defined]
    return stats.public_incidents(chosen)


# Statistics --------------------------------------------------------------------------------


class FigureOut(Schema):
    value: int | None = Field(description="Null when the figure is below k (“fewer than k”).")
    text: str = Field(description="As shown on the dashboard: a number or “fewer than k”.")
    suppressed_cells: int = Field(description="Small groups (below k) left out of this figure.")
    note: str


def _figure(figure: stats.Figure) -> dict[str, Any]:
    return {
        "value": figure.value,
        "text": str(figure),
        "suppressed_cells": figure.suppressed_cells,
        "note": figure.note,
    }


class SeriesPointOut(Schema):
    start: date
    figure: FigureOut


class AreaFigureOut(Schema):
    area_slug: str | None = Field(description="Null for incidents outside every area.")
    area_name: str
    figure: FigureOut
    rate_per_1000: float | None


class CategoryFigureOut(Schema):
    category_code: str
    category_name: str
    sensitive: bool
    figure: FigureOut


class StatisticsOut(Schema):
    start: date
    end: date = Field(description="Exclusive: the first day after the period.")
    unit: str
    k: int
    total: FigureOut
    series: list[SeriesPointOut]
    by_area: list[AreaFigureOut]
    by_category: list[CategoryFigureOut]
    sentences: list[str] = Field(description="Plain-language sentences, as on the dashboard.")


@router.get(
    "/organizations/{slug}/statistics",
    response={200: StatisticsOut, **ERRORS},
    summary="The dashboard's published figures for a filter",
)
def statistics(request: HttpRequest, slug: str, filters: Query[StatisticsFilter]) -> Any:
    organization = get_organization(slug)
    chosen = _filter(request, organization, filters, whole_history=False)
    return {
        "start": chosen.start,
        "end": chosen.end,
        "unit": chosen.unit,
        "k": stats.k_of(chosen),
        "total": _figure(stats.total(chosen)),
        "series": [{"start": s, "figure": _figure(f)} for s, f in stats.series(chosen)],
        "by_area": [
            {
                "area_slug": area.slug if area else None,
                "area_name": area.name if area else "",
                "figure": _figure(figure),
                "rate_per_1000": rate,
            }
            for area, figure, rate in stats.by_area(chosen)
        ],
        "by_category": [
            {
                "category_code": category.code,
                "category_name": category.name,
                "sensitive": category.sensitive,
                "figure": _figure(figure),
            }
            for category, figure in stats.by_category(chosen)
        ],
        "sentences": stats.sentences(chosen),
    }


# Initiatives -------------------------------------------------------------------------------


class InitiativeFields(Schema):
    slug: str
    title: str
    summary: str
    status: str
    started_on: date | None
    ended_on: date | None
    areas: list[str]
    categories: list[str]
    url: str


class InitiativeSummaryOut(InitiativeFields):
    @staticmethod
    def resolve_areas(obj: Initiative) -> list[str]:
        return [a.slug for a in obj.areas.all()]

    @staticmethod
    def resolve_categories(obj: Initiative) -> list[str]:
        return [c.code for c in obj.categories.all()]

    @staticmethod
    def resolve_url(obj: Initiative) -> str:
        return reverse(
            "transparency:initiative",
            kwargs={"org_slug": obj.organization.slug, "initiative_slug": obj.slug},
        )


class MilestoneOut(Schema):
    title: str
    due_on: date | None
    done_on: date | None


class UpdateOut(Schema):
    title: str
    body: str
    published_at: datetime
    photo_url: str | None
    photo_alt: str

    @staticmethod
    def resolve_photo_url(obj: InitiativeUpdate) -> str | None:
        if not obj.photo:
            return None
        initiative = obj.initiative
        return reverse(
            "transparency:update_photo",
            kwargs={
                "org_slug": initiative.organization.slug,
                "initiative_slug": initiative.slug,
                "update_id": obj.pk,
            },
        )


class PeriodOut(Schema):
    start: date
    end: date = Field(description="Exclusive.")
    figure: FigureOut


class BeforeAfterOut(Schema):
    months: int
    before: PeriodOut
    after: PeriodOut


class StoryOut(Schema):
    slug: str
    title: str
    body: str
    published_at: datetime


class InitiativeOut(InitiativeFields):
    goal: str
    milestones: list[MilestoneOut]
    updates: list[UpdateOut]
    before_after: BeforeAfterOut | None
    stories: list[StoryOut]


@router.get(
    "/organizations/{slug}/initiatives",
    response={200: list[InitiativeSummaryOut], **ERRORS},
    summary="Published initiatives",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_initiatives(request: HttpRequest, slug: str) -> Any:
    return initiative_queries.published_initiatives(get_organization(slug)).select_related(
        "organization"
    )


@router.get(
    "/organizations/{slug}/initiatives/{initiative_slug}",
    response={200: InitiativeOut, **ERRORS},
    summary="One published initiative, with its milestones, updates and before/after figures",
)
def get_initiative(request: HttpRequest, slug: str, initiative_slug: str) -> Any:
    organization = get_organization(slug)
    initiative = initiative_queries.access_published_initiative(organization, initiative_slug)
    initiative.organization = organization
    updates = initiative_queries.updates_of(initiative)
    for update in updates:
        update.initiative = initiative
    compared = initiative_queries.before_after(initiative)
    return {
        "slug": initiative.slug,
        "title": initiative.title,
        "summary": initiative.summary,
        "status": initiative.status,
        "started_on": initiative.started_on,
        "ended_on": initiative.ended_on,
        "areas": InitiativeSummaryOut.resolve_areas(initiative),
        "categories": InitiativeSummaryOut.resolve_categories(initiative),
        "url": InitiativeSummaryOut.resolve_url(initiative),
        "goal": initiative.goal,
        "milestones": initiative_queries.milestones_of(initiative),
        "updates": updates,
        "before_after": None
        if compared is None
        else {
            "months": compared.months,
            "before": {
                "start": compared.before_start,
                "end": compared.before_end,
                "figure": _figure(compared.before),
            },
            "after": {
                "start": compared.after_start,
                "end": compared.after_end,
                "figure": _figure(compared.after),
            },
        },
        "stories": list(
            initiative_queries.published_stories(organization).filter(initiative=initiative)
        ),
    }
