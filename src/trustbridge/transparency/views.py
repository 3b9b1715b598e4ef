"""Public pages of the transparency portal: the statistics dashboard and the privacy notice.

Thin: read the filter, ask ``queries`` and ``charts``, render. With htmx, a change of filter
fetches only the results partial; the plain GET renders the whole page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from trustbridge.core.access import public_view
from trustbridge.core.http import make_public
from trustbridge.core.models import Organization
from trustbridge.transparency import charts, queries
from trustbridge.transparency.models import OffenceCategory


def _period_choices(today: Any) -> list[tuple[str, str]]:
    choices = [
        ("last-12-months", _("Last 12 months")),
        ("this-year", _("This year")),
        ("last-year", _("Last year")),
    ]
    for key, start in queries.recent_quarters(today):
        label = _("Quarter %(n)s of %(year)s") % {
            "n": (start.month - 1) // 3 + 1,
            "year": start.year,
        }
        choices.append((key, label))
    return choices


def _bucket_label(day: Any, unit: str) -> str:
    if unit == "week":
        return _("Week of %(day)s") % {"day": formats.date_format(day, "SHORT_DATE_FORMAT")}
    if unit == "month":
        return formats.date_format(day, "YEAR_MONTH_FORMAT")
    if unit == "quarter":
        return _("Q%(n)s %(year)s") % {"n": (day.month - 1) // 3 + 1, "year": day.year}
    return str(day.year)


def _category_name(category: OffenceCategory) -> str:
    return _(category.name)


def dashboard_context(organization: Organization, params: Any) -> dict[str, Any]:
    today = queries.local_today(organization)
    f = queries.StatsFilter.from_params(organization, params, today=today)
    config = queries.settings_of(f)
    areas = list(queries.areas_of(f).values())
    categories = sorted(queries.categories_of(f).values(), key=lambda c: (c.position, c.name, c.pk))
    series = [(_bucket_label(day, f.unit), figure) for day, figure in queries.series(f)]
    area_rows = queries.by_area(f)
    category_rows = [(_category_name(c), c, figure) for c, figure in queries.by_category(f)]
    grid = queries.pattern(f)
    heat, heat_legend = charts.heat_rows(grid)
    cells = queries.hex_cells(f)
    map_areas = [a for a, _figure, _rate in area_rows if a is not None]
    total = queries.total(f)
    sensitive_chosen = [
        c for c in categories if c.sensitive and (not f.category_ids or c.pk in f.category_ids)
    ]
    return {
        "organization": organization,
        "filter": f,
        "k": config.k,
        "period_label": queries.period_label(f.start, f.end),
        "place": queries.place(f),
        "subject": queries.subject(f),
        "period_choices": _period_choices(today),
        "unit_choices": [
            ("week", _("Week")),
            ("month", _("Month")),
            ("quarter", _("Quarter")),
            ("year", _("Year")),
        ],
        "areas": areas,
        "categories": [(c, _category_name(c)) for c in categories],
        "from_value": f.start.strftime("%Y-%m") if f.period == "custom" else "",
        "to_value": f.last_month.strftime("%Y-%m") if f.period == "custom" else "",
        "total": total,
        "comparison": queries.comparison(f),
        "sentences": queries.sentences(f),
        "series": series,
        "series_chart": charts.bar_chart(series),
        "area_rows": area_rows,
        "choropleth": charts.choropleth(area_rows),
        "category_rows": category_rows,
        "category_chart": charts.hbar_chart([(name, fig) for name, _c, fig in category_rows]),
        "heat": heat,
        "heat_legend": heat_legend,
        "hours": list(range(24)),
        "hex_map": charts.hex_map(map_areas, cells),
        "hex_cells": cells,
        "hex_km2": queries.hexagon_size_km2(config.hex_resolution),
        "timed_left_out": queries.timed_left_out(f),
        "sensitive_chosen": sensitive_chosen,
        "imported_at": queries.freshness(organization),
        "data_until": queries.data_until(organization, config.k),
    }


@require_GET
@public_view
def dashboard(request: HttpRequest, organization: Organization) -> HttpResponse:
    context = dashboard_context(organization, request.GET)
    htmx = getattr(request, "htmx", False)
    template = "transparency/partials/results.html" if htmx else "transparency/dashboard.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return make_public(request, response)


@require_GET
@public_view
def privacy(request: HttpRequest, organization: Organization) -> HttpResponse:
    config = queries.configuration(organization)
    sensitive = [_(c.name) for c in queries.sensitive_categories(organization)]
    context = {
        "organization": organization,
        "k": config.k,
        "sensitive": sensitive,
        "resolution": config.hex_resolution,
        "hex_km2": queries.hexagon_size_km2(config.hex_resolution),
        "hex_width_km": queries.hexagon_width_km(config.hex_resolution),
        "min_change": queries.MIN_COUNT_FOR_CHANGE,
    }
    return make_public(request, render(request, "transparency/privacy.html", context))
