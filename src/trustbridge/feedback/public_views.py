"""Public pages of feedback: the accountability figures, the items residents allowed to be
public (after moderation), and the compliments wall.

Thin: read the filter, ask ``accountability`` (reads only) and ``public_charts``, render.
Every page is cacheable (``make_public``) and shows nothing about a resident.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from trustbridge.core.access import public_view
from trustbridge.core.http import make_public
from trustbridge.core.models import Organization
from trustbridge.events import door_queries
from trustbridge.feedback import accountability as queries
from trustbridge.feedback import public_charts
from trustbridge.feedback.defaults import category_label
from trustbridge.feedback.models import Item


@require_GET
@public_view
def accountability_page(request: HttpRequest, organization: Organization) -> HttpResponse:
    f = queries.AccountabilityFilter.from_params(organization, request.GET)
    figures = queries.accountability(f)
    trend = figures.trend
    context: dict[str, Any] = {
        "organization": organization,
        "filter": f,
        "figures": figures,
        "min_base": queries.MIN_BASE,
        "period_choices": queries.period_choices(organization, f.now),
        "categories": [(c, category_label(c)) for c in f.categories],
        "category_name": category_label(f.category) if f.category else "",
        "received_chart": public_charts.received_chart(trend),
        "acknowledge_chart": public_charts.share_chart(
            [(public_charts.short_label(row), row.figures.acknowledge) for row in trend]
        ),
        "resolve_chart": public_charts.share_chart(
            [(public_charts.short_label(row), row.figures.resolve) for row in trend]
        ),
        "working_time": queries.working_time(f),
        "as_of": formats.date_format(
            figures.as_of.astimezone(zoneinfo.ZoneInfo(organization.timezone)), "DATETIME_FORMAT"
        ),
        "query": urlencode(f.query()),
        # Commitments made at events, followed up in public (one query).
        "commitments": door_queries.commitment_board(organization, f.now),
    }
    return make_public(request, render(request, "feedback/public/accountability.html", context))


def _item_card(item: Item, organization: Organization) -> dict[str, Any]:
    """What a public list shows of an item: never a name, contact, photo or exact place."""
    return {
        "item": item,
        "category": category_label(item.category),
        "area": item.area.name if item.area else "",
        "month": queries.local_month(item, organization),
    }


@require_GET
@public_view
def public_item_list(request: HttpRequest, organization: Organization) -> HttpResponse:
    choice = queries.ListFilter.from_params(organization, request.GET)
    items = queries.filtered_public_items(organization, category=choice.category, area=choice.area)
    page = queries.list_page(items, request.GET.get("page"))
    timelines = queries.public_timelines(page.items)
    cards = [
        {**_item_card(item, organization), "timeline": timelines[item.pk]} for item in page.items
    ]
    context: dict[str, Any] = {
        "organization": organization,
        "filter": choice,
        "categories": [(c, category_label(c)) for c in choice.categories],
        "page": page,
        "cards": cards,
        "query": urlencode(choice.query()),
    }
    return make_public(request, render(request, "feedback/public/items.html", context))


@require_GET
@public_view
def public_item(request: HttpRequest, organization: Organization, reference: str) -> HttpResponse:
    item = queries.access_public_item(organization, reference)
    context: dict[str, Any] = {
        "organization": organization,
        **_item_card(item, organization),
        "timeline": queries.public_timeline(item),
    }
    return make_public(request, render(request, "feedback/public/item.html", context))


@require_GET
@public_view
def compliments(request: HttpRequest, organization: Organization) -> HttpResponse:
    items = queries.public_compliments(organization)
    page = queries.list_page(items, request.GET.get("page"))
    context: dict[str, Any] = {
        "organization": organization,
        "page": page,
        "cards": [_item_card(item, organization) for item in page.items],
        "query": "",
    }
    return make_public(request, render(request, "feedback/public/compliments.html", context))
