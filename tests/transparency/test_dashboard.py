"""The public dashboard and privacy pages: languages, filters in the address, bad input,
caching and a query budget that does not grow with the data."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings as django_settings

from tests.transparency.builders import incidents, local, roll_up, town
from trustbridge.transparency.models import OffenceCategory, TransparencySettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def riverside(organization):
    t = town(organization)
    at = local(organization, 2025, 3, 4, 22)
    incidents(t, 5, category="burglary", area="riverside", at=at)
    incidents(t, 3, category="theft", area="old-mill", at=at)
    incidents(t, 2, category="burglary", area="old-mill", at=at)
    incidents(t, 4, category="homicide", area="riverside", at=at)
    roll_up(t)
    return t


def dashboard(client, t, query="", **headers):
    return client.get(f"/o/{t.organization.slug}/transparency/?{query}", **headers)


@pytest.mark.parametrize(
    ("code", "heading"),
    [("en", "Reported incidents"), ("fr", "Reported incidents"), ("es", "Reported incidents")],
)
def test_dashboard_is_served_in_each_language(client, riverside, code, heading):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = code
    response = dashboard(client, riverside, "from=2025-03&to=2025-03")
    assert response.status_code == 200
    assert response["Content-Language"] == code
    assert f'<html lang="{code}">' in response.content.decode()


def test_dashboard_shows_published_figures_with_their_base_and_period(client, riverside):
    body = dashboard(client, riverside, "from=2025-03&to=2025-03").content.decode()
    assert '<p class="big-figure"><strong>12</strong>' in body
    assert "not counting 1 small group of fewer than 3 incidents" in body
    assert "Reported incidents in all areas of Riverside Police, March 2025" in body
    assert "reported incidents, not all crime" in body
    assert "Latest month with published figures: March 2025." in body
    # each chart has its table
    assert body.count("<svg") == body.count('role="img"') == 4
    assert body.count("<table") == 5


def test_filters_are_kept_in_the_address_and_shown_as_chosen(client, riverside):
    body = dashboard(
        client, riverside, "period=2025-q1&unit=week&area=riverside&category=burglary"
    ).content.decode()
    assert '<option value="2025-q1" selected>' in body
    assert '<option value="week" selected>' in body
    assert 'value="riverside" id="id_area_riverside" checked' in body
    assert 'value="burglary" id="id_category_burglary" checked' in body
    assert "Break-ins in Riverside, January to March 2025" in body


@pytest.mark.parametrize(
    "query",
    [
        "unit=fortnight",
        "period=%00",
        "from=2025-99&to=x",
        "from=3000-01&to=3000-02",
        "area=../../etc&category=%3Cscript%3E",
        "period=99999999999-q1",
        "from=0001-01&to=0001-02",
    ],
)
def test_bad_filter_values_fall_back_with_a_visible_message(client, riverside, query):
    response = dashboard(client, riverside, query)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Some of the filters could not be used:" in body
    assert '<option value="last-12-months" selected>' in body
    assert "<script>" not in body


def test_htmx_gets_only_the_results(client, riverside):
    response = dashboard(client, riverside, "from=2025-03&to=2025-03", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.startswith('<div id="results"')
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_dashboard_is_cacheable_for_anonymous_visitors(client, riverside):
    response = dashboard(client, riverside)
    assert "public" in response["Cache-Control"]
    again = dashboard(client, riverside, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_unknown_organisation_is_404(client, db):
    assert client.get("/o/nowhere/transparency/").status_code == 404
    assert client.get("/o/nowhere/transparency/privacy/").status_code == 404


def test_organisation_home_links_to_the_dashboard(client, riverside):
    body = client.get(f"/o/{riverside.organization.slug}/").content.decode()
    assert body.count(f'href="/o/{riverside.organization.slug}/transparency/"') == 2


@pytest.mark.parametrize("unit", ["week", "month"])
def test_dashboard_query_budget_does_not_grow_with_data(
    client, organization, django_assert_num_queries, unit
):
    t = town(organization)
    counts = []
    for size in (10, 400):
        for i, area in enumerate(["riverside", "old-mill", "harbour"]):
            incidents(
                t,
                size,
                category="theft",
                area=area,
                at=local(organization, 2025, 1 + i, 2, 1),
                every=dt.timedelta(hours=7),
            )
        roll_up(t)
        # organisation, categories, areas, settings, base cells, published sums (total, by
        # area, by category, by month, comparison window), days of timed cells (weeks),
        # hours of timed cells (pattern), hexagons, last import, last day
        with django_assert_num_queries(14) as captured:
            assert dashboard(client, t, f"period=last-year&unit={unit}").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_privacy_page_is_generated_from_the_organisations_settings(client, riverside):
    organization = riverside.organization
    TransparencySettings.objects.filter(organization=organization).update(
        k_threshold=5, hex_resolution=7
    )
    OffenceCategory.objects.filter(organization=organization, code="robbery").update(sensitive=True)
    body = client.get(f"/o/{organization.slug}/transparency/privacy/").content.decode()
    assert "A group of fewer than 5 incidents is not published" in body
    assert "shown as “fewer than 5”" in body
    sensitive = re.search(r'<ul class="sensitive-list">(.*?)</ul>', body, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", sensitive) == [
        "Homicide",
        "Sexual offences",
        "Human trafficking",
        "Offences against family and children",
        "Kidnapping and abduction",
        "Robbery",
    ]
    assert "about 5.16 km² each, about 2.8 km across (H3 resolution 7)" in body


@pytest.mark.parametrize("code", ["en", "fr", "es"])
def test_privacy_page_is_served_in_each_language(client, riverside, code):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = code
    response = client.get(f"/o/{riverside.organization.slug}/transparency/privacy/")
    assert response.status_code == 200
    assert response["Content-Language"] == code


@pytest.mark.parametrize("code", ["fr", "es"])
def test_charts_and_maps_keep_svg_numbers_with_a_dot_in_every_language(client, riverside, code):
    """French and Spanish write 12,5 for 12.5: inside SVG that would break every shape."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = code
    page = dashboard(client, riverside, "from=2025-01&to=2025-03").content.decode()

    svg = "".join(re.findall(r"<svg.*?</svg>", page, flags=re.S))
    numbers = re.findall(r'\s(?:x|y|width|height|x1|x2|y1|y2|cx|cy|r)="([^"]*)"', svg)
    assert len(numbers) > 10, "the dashboard draws charts"
    assert [n for n in numbers if not re.fullmatch(r"-?\d+(\.\d+)?", n)] == []
