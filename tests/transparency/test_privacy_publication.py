"""No public figure or page reveals a withheld count, a sensitive incident's time or place.

The strongest form of the proof: two worlds that differ ONLY in what must stay hidden (the
count of a small group, 1 or 2; when and where a sensitive incident happened) give exactly
the same answer to every public query over a grid of filters, and the same pages. Whatever
a visitor combines (two totals, a total and a breakdown, a weekly series and a monthly one),
they cannot tell the worlds apart, so they cannot derive the hidden value.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.http import QueryDict

from tests.transparency.builders import incidents, local, roll_up, town
from trustbridge.transparency import queries
from trustbridge.transparency.models import (
    Incident,
    MonthlyCount,
    TransparencySettings,
)
from trustbridge.transparency.queries import StatsFilter

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 15)
AREAS = ["riverside", "old-mill"]
CATEGORIES = ["theft", "burglary", "homicide", "assault"]
MONTHS = ["2025-01", "2025-02", "2025-03"]
PERIODS = [(a, b) for i, a in enumerate(MONTHS) for b in MONTHS[i:]]
UNITS = ["week", "month", "quarter"]


def subsets(items, largest):
    return [c for n in range(largest + 1) for c in itertools.combinations(items, n)]


GRID = [
    (areas, categories, period, unit)
    for areas in subsets(AREAS, 2)
    for categories in [*subsets(CATEGORIES, 2), tuple(CATEGORIES)]
    for period in PERIODS
    for unit in UNITS
]


def query_of(areas, categories, period, unit):
    parts = [f"from={period[0]}", f"to={period[1]}", f"unit={unit}"]
    parts += [f"area={a}" for a in areas] + [f"category={c}" for c in categories]
    return "&".join(parts)


def build(t, *, small_group=2, homicide_at=(2, 10, 14), domestic_at=(3, 4, 22), k=None):
    """The fixed part of the town, plus what the two worlds may differ in."""
    org = t.organization
    for model in (Incident, MonthlyCount):
        model.objects.filter(organization=org).delete()
    if k is not None:
        TransparencySettings.objects.filter(organization=org).update(k_threshold=k)
    hours = dt.timedelta(hours=37)
    for month in (1, 2, 3):
        incidents(
            t, 6, category="theft", area="riverside", at=local(org, 2025, month, 2, 8), every=hours
        )
        incidents(
            t, 4, category="theft", area="old-mill", at=local(org, 2025, month, 3, 18), every=hours
        )
        incidents(
            t,
            5,
            category="burglary",
            area="riverside",
            at=local(org, 2025, month, 5, 2),
            every=hours,
        )
        incidents(
            t,
            5,
            category="assault",
            area="riverside",
            at=local(org, 2025, month, 6, 1),
            every=hours,
        )
    incidents(t, 3, category="burglary", area="old-mill", at=local(org, 2025, 1, 9, 9))
    incidents(t, 3, category="burglary", area="old-mill", at=local(org, 2025, 3, 9, 9))
    # the small group: burglaries in Old Mill in February, 1 or 2 of them, on varying days
    incidents(
        t, small_group, category="burglary", area="old-mill",
        at=local(org, 2025, 2, 10 + small_group, 3 + small_group), every=dt.timedelta(days=5),
    )  # fmt: skip
    # a sensitive offence (by category): 3 homicides in Riverside in February
    month, day, hour = homicide_at
    incidents(t, 3, category="homicide", area="riverside", at=local(org, 2025, month, day, hour))
    # an assault marked sensitive by a mapping rule (domestic) in Riverside
    month, day, hour = domestic_at
    incidents(
        t,
        1,
        category="assault",
        area="riverside",
        at=local(org, 2025, month, day, hour),
        sensitive=True,
    )
    roll_up(t)


def everything_public(t, grid=GRID):
    """Every answer the public can get for every filter of the grid."""
    seen = []
    for areas, categories, period, unit in grid:
        f = StatsFilter.from_params(
            t.organization, QueryDict(query_of(areas, categories, period, unit)), today=TODAY
        )
        seen.append(
            (
                queries.total(f),
                queries.series(f),
                [(a.pk if a else None, fig, rate) for a, fig, rate in queries.by_area(f)],
                [(c.pk, fig) for c, fig in queries.by_category(f)],
                queries.comparison(f),
                queries.pattern(f),
                [(h.cell, h.figure) for h in queries.hex_cells(f)],
                sorted(
                    (timezone_date(i), i.category_id, i.area_id, i.block, i.cell)
                    for i in queries.public_incidents(f)
                ),
                queries.sentences(f),
            )
        )
    return seen


def timezone_date(incident):
    return incident.occurred_at.date()


@pytest.fixture
def t(organization):
    return town(organization, [("riverside", "Riverside", 8000), ("old-mill", "Old Mill", 2000)])


def test_a_small_group_of_one_or_two_cannot_be_told_apart_by_any_filter(t):
    build(t, small_group=1)
    one = everything_public(t)
    build(t, small_group=2)
    two = everything_public(t)
    assert len(one) == len(GRID) == 864
    assert one == two


def test_k_is_configurable_and_a_group_below_it_cannot_be_told_apart(t):
    build(t, small_group=3, k=5)
    three = everything_public(t, GRID[::7])
    build(t, small_group=4, k=5)
    four = everything_public(t, GRID[::7])
    assert three == four
    # ... while with the default k = 3, a group of 3 is published
    build(t, small_group=3, k=3)
    f = StatsFilter.from_params(
        t.organization,
        QueryDict("from=2025-02&to=2025-02&area=old-mill&category=burglary"),
        today=TODAY,
    )
    assert queries.total(f).value == 3


def test_differences_of_any_two_totals_are_differences_of_published_cells_only(t):
    """The brief's check, pair by pair: compute, independently of ``queries``, what the public
    may know (the published base cells), and show that the difference of any two published
    totals is a difference of published cells, never the withheld count."""
    build(t, small_group=2)
    org = t.organization
    published = {
        (c.month, c.area_key, c.category_id): c.count
        for c in MonthlyCount.objects.filter(organization=org, count__gte=3)
    }
    withheld = [
        c.count for c in MonthlyCount.objects.filter(organization=org, count__gt=0, count__lt=3)
    ]
    assert withheld == [2]
    grid = [g for g in GRID if g[3] == "month"]
    totals = {}
    for areas, categories, period, unit in grid:
        f = StatsFilter.from_params(
            org, QueryDict(query_of(areas, categories, period, unit)), today=TODAY
        )
        known = sum(
            n for (month, area_key, category_id), n in published.items()
            if f.start <= month < f.end
            and (not f.area_ids or area_key in f.area_ids)
            and (not f.category_ids or category_id in f.category_ids)
        )  # fmt: skip
        totals[(areas, categories, period)] = (queries.total(f).value, known)
    for (first, (a, known_a)), (second, (b, known_b)) in itertools.combinations(totals.items(), 2):
        assert a - b == known_a - known_b, (first, second)


def test_sensitive_incidents_cannot_be_timed_or_located_by_any_filter(t):
    build(t, homicide_at=(2, 10, 14), domestic_at=(3, 4, 22))
    first = everything_public(t, GRID[::2])
    build(t, homicide_at=(2, 24, 3), domestic_at=(3, 27, 9))
    second = everything_public(t, GRID[::2])
    assert first == second


def test_sensitive_incidents_never_appear_in_timed_or_located_views(t):
    build(t)
    org = t.organization
    homicide = t.categories["homicide"]
    f = StatsFilter.from_params(
        org, QueryDict("from=2025-02&to=2025-02&unit=week&category=homicide"), today=TODAY
    )
    assert queries.total(f).value == 3  # counted per area and month...
    assert [fig.value for _day, fig in queries.series(f)] == [0, 0, 0, 0, 0]  # ...never by week
    assert {fig.value for row in queries.pattern(f) for fig in row} == {0}
    assert queries.hex_cells(f) == []
    assert list(queries.public_incidents(f)) == []
    everyone = StatsFilter.from_params(org, QueryDict("from=2025-01&to=2025-03"), today=TODAY)
    listed = list(queries.public_incidents(everyone))
    assert listed
    assert not any(i.sensitive or i.category_id == homicide.pk for i in listed)


def page_grid():
    for areas in subsets(AREAS, 2):
        for period in PERIODS:
            for unit in UNITS:
                yield query_of(areas, (), period, unit)
    yield query_of((), ("homicide",), ("2025-01", "2025-03"), "week")
    yield query_of(("old-mill",), ("burglary",), ("2025-02", "2025-02"), "week")


def pages(client, t):
    slug = t.organization.slug
    found = [client.get(f"/o/{slug}/transparency/privacy/").content]
    for query in page_grid():
        response = client.get(f"/o/{slug}/transparency/?{query}")
        assert response.status_code == 200
        found.append(response.content)
    return found


def test_public_pages_are_the_same_whatever_is_withheld(client, t, settings):
    settings.TIME_ZONE = "UTC"
    build(t, small_group=1, homicide_at=(2, 10, 14), domestic_at=(3, 4, 22))
    first = pages(client, t)
    build(t, small_group=2, homicide_at=(2, 24, 3), domestic_at=(3, 27, 9))
    second = pages(client, t)
    assert first == second
    body = first[-1].decode()
    assert "SECRET NARRATIVE" not in body
    assert "ARRESTED JOHN DOE" not in body
