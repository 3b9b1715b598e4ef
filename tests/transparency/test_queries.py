"""Statistics read from the roll-ups: exact figures on hand-built incidents.

Incidents are created as rows and their roll-ups made by ``rollups.rebuild``, as an import
leaves them. The organisation's time zone is America/Toronto.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from tests.transparency.builders import incidents, local, roll_up, town
from trustbridge.transparency import queries
from trustbridge.transparency.models import Incident, TransparencySettings
from trustbridge.transparency.queries import Change, Figure, StatsFilter

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 2, 10)


def stats(t, query="", today=TODAY):
    return StatsFilter.from_params(t.organization, QueryDict(query), today=today)


def values(points):
    return [(day, figure.value) for day, figure in points]


# Filters ---------------------------------------------------------------------------------


def test_default_filter_is_the_last_twelve_whole_months_by_month(organization):
    f = stats(town(organization))
    assert (f.start, f.end, f.unit, f.period) == (
        dt.date(2025, 2, 1),
        dt.date(2026, 2, 1),
        "month",
        "last-12-months",
    )
    assert (f.area_ids, f.category_ids, f.notices) == ((), (), ())


@pytest.mark.parametrize(
    ("query", "start", "end", "period"),
    [
        ("period=this-year", dt.date(2026, 1, 1), dt.date(2026, 3, 1), "this-year"),
        ("period=last-year", dt.date(2025, 1, 1), dt.date(2026, 1, 1), "last-year"),
        ("period=2025-Q3", dt.date(2025, 7, 1), dt.date(2025, 10, 1), "2025-q3"),
        ("from=2024-11&to=2025-02", dt.date(2024, 11, 1), dt.date(2025, 3, 1), "custom"),
        ("from=2025-06&to=2027-01", dt.date(2025, 6, 1), dt.date(2026, 3, 1), "custom"),
    ],
)
def test_periods_are_whole_months_in_the_organisations_calendar(
    organization, query, start, end, period
):
    f = stats(town(organization), query)
    assert (f.start, f.end, f.period, f.notices) == (start, end, period, ())


def test_areas_and_categories_are_chosen_by_short_name_and_code(organization):
    t = town(organization)
    f = stats(t, "area=old-mill&area=riverside&category=burglary")
    assert f.area_ids == tuple(sorted([t.areas["old-mill"].pk, t.areas["riverside"].pk]))
    assert f.category_ids == (t.categories["burglary"].pk,)


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ("unit=fortnight", "“fortnight” is not a unit we count by; showing counts by month."),
        ("period=forever", "“forever” is not a period we know; showing the last 12 months."),
        ("period=2031-q1", "“2031-q1” is not a period we know; showing the last 12 months."),
        (
            "from=2025-13&to=2025-02",
            "“From” and “to” must both be months such as 2025-01; showing the last 12 months.",
        ),
        ("from=2025-05&to=2025-02", "“From” comes after “to”; showing the last 12 months."),
        ("from=2030-01&to=2030-02", "That period is in the future; showing the last 12 months."),
        ("area=atlantis", "There is no area “atlantis”; it was left out of the filter."),
        (
            "category=jaywalking",
            "There is no offence category “jaywalking”; it was left out of the filter.",
        ),
    ],
)
def test_bad_filter_values_fall_back_to_defaults_with_a_notice(organization, query, notice):
    f = stats(town(organization), query)
    assert f.notices == (notice,)
    assert (f.start, f.end, f.unit, f.area_ids, f.category_ids) == (
        dt.date(2025, 2, 1),
        dt.date(2026, 2, 1),
        "month",
        (),
        (),
    )


# The publication rule ----------------------------------------------------------------------


@pytest.fixture
def march(organization):
    """March 2025: 5 break-ins and 3 thefts in Riverside, 2 break-ins in Old Mill."""
    t = town(organization)
    at = local(organization, 2025, 3, 4, 22)
    incidents(t, 5, category="burglary", area="riverside", at=at)
    incidents(t, 3, category="theft", area="riverside", at=at)
    incidents(t, 2, category="burglary", area="old-mill", at=at)
    roll_up(t)
    return t


def test_total_adds_published_cells_and_counts_the_small_groups_it_leaves_out(march):
    figure = queries.total(stats(march, "from=2025-03&to=2025-03"))
    assert figure == Figure(8, 1, 3)
    assert str(figure) == "8"
    assert figure.note == "not counting 1 small group of fewer than 3 incidents"


def test_a_filter_holding_only_a_small_group_publishes_zero_and_says_so(march):
    figure = queries.total(stats(march, "from=2025-03&to=2025-03&area=old-mill"))
    assert figure == Figure(0, 1, 3)


def test_k_is_the_organisations_setting(march):
    TransparencySettings.objects.filter(organization=march.organization).update(k_threshold=4)
    figure = queries.total(stats(march, "from=2025-03&to=2025-03"))
    assert figure == Figure(5, 2, 4)
    assert figure.note == "not counting 2 small groups of fewer than 4 incidents"


def test_figure_below_k_reads_fewer_than_k():
    assert str(Figure(None, 0, 3)) == "fewer than 3"
    assert str(Figure(12345, 0, 3)) == "12,345"


def test_by_area_gives_rates_per_thousand_residents_where_the_population_is_known(march):
    rows = queries.by_area(stats(march, "from=2025-03&to=2025-03"))
    assert [(area.slug, figure, rate) for area, figure, rate in rows] == [
        ("harbour", Figure(0, 0, 3), None),
        ("old-mill", Figure(0, 1, 3), 0.0),
        ("riverside", Figure(8, 0, 3), 1.0),
    ]


def test_incidents_outside_every_area_come_last(march):
    incidents(march, 4, category="theft", area=None, at=local(march.organization, 2025, 3, 9, 1))
    roll_up(march)
    rows = queries.by_area(stats(march, "from=2025-03&to=2025-03"))
    assert rows[-1] == (None, Figure(4, 0, 3), None)


def test_by_category_lists_categories_with_data_in_taxonomy_order(march):
    rows = queries.by_category(stats(march, "from=2025-03&to=2025-03"))
    assert [(c.code, figure) for c, figure in rows] == [
        ("burglary", Figure(5, 1, 3)),
        ("theft", Figure(3, 0, 3)),
    ]


# Series and calendars ----------------------------------------------------------------------


def test_month_boundaries_follow_the_organisations_time_zone(organization):
    t = town(organization)
    # 23:30 on 31 March in Toronto is already April in UTC.
    incidents(t, 3, category="theft", area="riverside", at=local(organization, 2025, 3, 31, 23, 30))
    incidents(t, 4, category="theft", area="riverside", at=local(organization, 2025, 4, 1, 0, 30))
    roll_up(t)
    f = stats(t, "period=last-year&unit=quarter")
    assert values(queries.series(f)) == [
        (dt.date(2025, 1, 1), 3),
        (dt.date(2025, 4, 1), 4),
        (dt.date(2025, 7, 1), 0),
        (dt.date(2025, 10, 1), 0),
    ]
    f = stats(t, "from=2025-03&to=2025-04&unit=month")
    assert values(queries.series(f)) == [(dt.date(2025, 3, 1), 3), (dt.date(2025, 4, 1), 4)]


def test_year_series_spans_every_year_of_the_period(organization):
    t = town(organization)
    incidents(t, 6, category="theft", area="riverside", at=local(organization, 2024, 12, 31, 23))
    incidents(t, 7, category="theft", area="riverside", at=local(organization, 2025, 1, 1, 0, 5))
    roll_up(t)
    f = stats(t, "from=2024-01&to=2025-12&unit=year")
    assert values(queries.series(f)) == [(dt.date(2024, 1, 1), 6), (dt.date(2025, 1, 1), 7)]


def test_weekly_series_shows_small_weeks_as_fewer_than_k(organization):
    t = town(organization)
    incidents(t, 2, category="burglary", area="riverside", at=local(organization, 2025, 3, 3, 9))
    incidents(t, 3, category="burglary", area="riverside", at=local(organization, 2025, 3, 12, 9))
    roll_up(t)
    points = queries.series(stats(t, "from=2025-03&to=2025-03&unit=week"))
    assert [(day, str(figure)) for day, figure in points] == [
        (dt.date(2025, 2, 24), "0"),
        (dt.date(2025, 3, 3), "fewer than 3"),
        (dt.date(2025, 3, 10), "3"),
        (dt.date(2025, 3, 17), "0"),
        (dt.date(2025, 3, 24), "0"),
        (dt.date(2025, 3, 31), "0"),
    ]


def test_sensitive_offences_count_in_monthly_figures_but_not_weekly_or_by_hour(organization):
    t = town(organization)
    at = local(organization, 2025, 3, 4, 22)  # a Tuesday
    incidents(t, 4, category="theft", area="riverside", at=at)
    incidents(t, 3, category="homicide", area="riverside", at=at)
    roll_up(t)
    f = stats(t, "from=2025-03&to=2025-03&unit=week")
    assert queries.total(f) == Figure(7, 0, 3)
    assert sum(figure.value for _day, figure in queries.series(f)) == 4
    grid = queries.pattern(f)
    assert grid[1][22] == Figure(4, 0, 3)
    assert sum(f.value for row in grid for f in row) == 4


def test_a_month_holding_an_incident_marked_sensitive_is_left_out_of_timed_views(organization):
    t = town(organization)
    at = local(organization, 2025, 3, 4, 22)
    incidents(t, 5, category="assault", area="riverside", at=at)
    incidents(t, 1, category="assault", area="riverside", at=at, sensitive=True)  # domestic
    incidents(t, 4, category="theft", area="riverside", at=at)
    roll_up(t)
    f = stats(t, "from=2025-03&to=2025-03&unit=week")
    assert queries.total(f) == Figure(10, 0, 3)
    assert sum(figure.value for _day, figure in queries.series(f)) == 4
    assert queries.pattern(f)[1][22] == Figure(4, 0, 3)
    assert queries.timed_left_out(f) == 1
    assert {i.category.code for i in queries.public_incidents(f)} == {"theft"}
    assert [c.figure.value for c in queries.hex_cells(f)] == [4]


def test_pattern_counts_by_local_weekday_and_hour(organization):
    t = town(organization)
    incidents(t, 3, category="theft", area="riverside", at=local(organization, 2025, 3, 8, 23))
    incidents(t, 4, category="theft", area="riverside", at=local(organization, 2025, 3, 9, 0))
    roll_up(t)
    grid = queries.pattern(stats(t, "from=2025-03&to=2025-03"))
    assert (grid[5][23], grid[6][0]) == (Figure(3, 0, 3), Figure(4, 0, 3))
    assert sum(f.value for row in grid for f in row) == 7


# Comparisons -------------------------------------------------------------------------------


@pytest.fixture
def quarters(organization):
    """Break-ins in Riverside: 42 in Q3 2024, 20 in Q2 2025, 34 in Q3 2025."""
    t = town(organization)
    hours = dt.timedelta(hours=30)
    incidents(
        t,
        42,
        category="burglary",
        area="riverside",
        at=local(organization, 2024, 7, 1, 1),
        every=hours,
    )
    incidents(
        t,
        20,
        category="burglary",
        area="riverside",
        at=local(organization, 2025, 4, 1, 1),
        every=hours,
    )
    incidents(
        t,
        34,
        category="burglary",
        area="riverside",
        at=local(organization, 2025, 7, 1, 1),
        every=hours,
    )
    roll_up(t)
    return t


def test_comparison_with_the_period_before_and_the_same_period_last_year(quarters):
    result = queries.comparison(stats(quarters, "period=2025-q3&area=riverside&category=burglary"))
    assert (result.current.value, result.previous.value, result.last_year.value) == (34, 20, 42)
    assert (result.previous_start, result.previous_end) == (
        dt.date(2025, 4, 1),
        dt.date(2025, 7, 1),
    )
    assert (result.last_year_start, result.last_year_end) == (
        dt.date(2024, 7, 1),
        dt.date(2024, 10, 1),
    )
    assert result.against_last_year == Change.SAME  # 42 → 34 is within chance
    assert result.against_previous == Change.SAME  # 20 → 34: p = 0.077


def test_exact_test_p_values():
    assert queries.two_sided_p_value(0, 10) == 2 / 1024
    assert queries.two_sided_p_value(5, 5) == 1.0
    assert round(queries.two_sided_p_value(20, 34), 4) == 0.0759
    assert round(queries.two_sided_p_value(10, 30), 4) == 0.0022
    # normal approximation above 1,000 events, close to the exact value
    assert round(queries.two_sided_p_value(480, 560), 3) == 0.014


@pytest.mark.parametrize(
    ("before", "after", "verdict"),
    [
        (10, 30, Change.UP),
        (30, 10, Change.DOWN),
        (42, 34, Change.SAME),
        (3, 25, Change.TOO_FEW),  # one count below 10: nothing is claimed
        (None, 40, Change.TOO_FEW),
    ],
)
def test_a_change_is_claimed_only_on_counts_of_ten_or_more_beyond_chance(before, after, verdict):
    assert queries.change_between(Figure(before, 0, 3), Figure(after, 0, 3)) == verdict


def test_sentences_state_base_and_period_and_no_change_on_chance(quarters):
    f = stats(quarters, "period=2025-q3&area=riverside&category=burglary")
    assert queries.sentences(f) == [
        "Break-ins in Riverside, July to September 2025: 34.",
        "Break-ins in Riverside were about the same as in the same period last year: "
        "42 (July to September 2024) and 34 (July to September 2025), a difference within "
        "what chance alone explains.",
        "Break-ins in Riverside were about the same as in the period just before: "
        "20 (April to June 2025) and 34 (July to September 2025), a difference within what "
        "chance alone explains.",
    ]


def test_sentences_say_fell_when_the_test_says_so(organization):
    t = town(organization)
    hours = dt.timedelta(hours=30)
    incidents(
        t,
        60,
        category="burglary",
        area="riverside",
        at=local(organization, 2024, 7, 1, 1),
        every=hours,
    )
    incidents(
        t,
        30,
        category="burglary",
        area="riverside",
        at=local(organization, 2025, 7, 1, 1),
        every=hours,
    )
    roll_up(t)
    found = queries.sentences(stats(t, "period=2025-q3&area=riverside&category=burglary"))
    assert found[1] == (
        "Break-ins in Riverside fell from 60 (July to September 2024) to 30 "
        "(July to September 2025), against the same period last year."
    )


def test_sentences_on_small_counts_claim_nothing(march):
    found = queries.sentences(stats(march, "from=2025-03&to=2025-03"))
    assert found == [
        "Reported incidents in all areas of Riverside Police, March 2025: 8 "
        "(not counting 1 small group of fewer than 3 incidents).",
        "Too few incidents to compare with the same period last year: we say whether a "
        "number rose or fell only when both counts are at least 10.",
        "The highest rate was in Riverside: 1.0 reported incidents per 1,000 residents, "
        "March 2025.",
    ]


# Roll-ups only -----------------------------------------------------------------------------


def every_statistic(f):
    return (
        queries.total(f),
        queries.series(f),
        queries.by_area(f),
        queries.by_category(f),
        queries.comparison(f),
        queries.pattern(f),
        queries.sentences(f),
    )


def test_statistics_never_read_the_incident_table(quarters):
    f = stats(quarters, "period=last-year&unit=week")
    with CaptureQueriesContext(connection) as captured:
        every_statistic(f)
    assert captured.captured_queries
    assert [
        q["sql"] for q in captured.captured_queries if Incident._meta.db_table in q["sql"]
    ] == []


def test_statistics_are_the_same_after_the_incidents_are_deleted(quarters):
    query = "period=last-year&unit=week"
    before = every_statistic(stats(quarters, query))
    Incident.objects.filter(organization=quarters.organization).delete()
    assert every_statistic(stats(quarters, query)) == before


@pytest.mark.parametrize("more", [0, 300])
def test_statistics_take_a_fixed_number_of_queries_whatever_the_data(
    quarters, django_assert_num_queries, more
):
    for i, area in enumerate(["riverside", "old-mill", "harbour", None]):
        at = local(quarters.organization, 2025, 1 + i, 2, 1)
        incidents(quarters, more, category="theft", area=area, at=at, every=dt.timedelta(hours=5))
    roll_up(quarters)
    f = stats(quarters, "period=last-year&unit=week")  # reads categories and areas
    # settings, published sums (total, by area, by category, comparison window) computed in
    # the database, base cells of the period (for the timed views), days of timed cells
    # (weeks), hours of timed cells (pattern)
    with django_assert_num_queries(8):
        every_statistic(f)
