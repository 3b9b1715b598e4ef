"""The demo town's incidents and initiatives: imported for real, complete, safe to rebuild."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter

import pytest
from django.db.models import Sum

from trustbridge.core.models import AuditEvent, Organization
from trustbridge.demo import incidents, town
from trustbridge.transparency import queries
from trustbridge.transparency.models import (
    ImportProblem,
    ImportRun,
    ImportStatus,
    Incident,
    Initiative,
    InitiativeUpdate,
    Milestone,
    MonthlyCount,
    SuccessStory,
)

pytestmark = pytest.mark.django_db

TORONTO = zoneinfo.ZoneInfo("America/Toronto")
# Homicide, rape, fondling, family offences, kidnapping: sensitive categories by default.
SENSITIVE_CODES = {"09A", "11A", "11D", "90F", "100"}


def is_sensitive(row):
    return row["Domestic"] == "Y" or row["NIBRS Code"] in SENSITIVE_CODES


def police():
    return Organization.objects.get(slug="riverside-police")


def by_local_year(moments):
    return Counter(moment.astimezone(TORONTO).year for moment in moments)


def transparency_snapshot():
    return {
        "incidents": sorted(
            Incident.objects.values_list(
                "source_id", "occurred_at", "category__code", "area_id", "block", "cell"
            )
        ),
        "monthly": sorted(
            MonthlyCount.objects.values_list("month", "area_key", "category_id", "count")
        ),
        "runs": ImportRun.objects.count(),
        "initiatives": sorted(Initiative.objects.values_list("slug", "status", "started_on")),
        "milestones": Milestone.objects.count(),
        "updates": sorted(InitiativeUpdate.objects.values_list("title", "published_at")),
        "stories": sorted(SuccessStory.objects.values_list("slug", "initiative__slug")),
        "audit": AuditEvent.objects.count(),
    }


def test_demo_generator_gives_the_same_incidents_for_the_same_day():
    town.build()
    areas = incidents.demo_areas(police())
    first = incidents.generate(areas, dt.date(2026, 11, 26), TORONTO)
    again = incidents.generate(areas, dt.date(2026, 11, 26), TORONTO)
    assert again == first
    assert Counter(row["Occurred"][:4] for row in first) == {
        "2024": 944,
        "2025": 11120,
        "2026": 9774,
    }
    assert (first[0]["Occurred"][:10], first[-1]["Occurred"][:10]) == ("2024-11-26", "2026-11-25")


def test_demo_imports_two_years_of_incidents_through_the_importer():
    town.build()
    organization = police()
    rows = incidents.generate(
        incidents.demo_areas(organization), incidents.local_today(organization), TORONTO
    )
    run = ImportRun.objects.get(organization=organization)
    assert (run.status, run.source_name, run.rows_read, run.created, run.rejected) == (
        ImportStatus.SUCCEEDED,
        incidents.SOURCE_NAME,
        len(rows),
        len(rows),
        0,
    )
    assert not ImportProblem.objects.exists()
    assert 15_000 <= len(rows) <= 25_000
    expected = Counter(int(row["Occurred"][:4]) for row in rows)
    imported = Incident.objects.filter(organization=organization)
    assert by_local_year(imported.values_list("occurred_at", flat=True)) == expected
    monthly = dict(
        MonthlyCount.objects.filter(organization=organization)
        .values_list("month__year")
        .annotate(n=Sum("count"))
        .values_list("month__year", "n")
    )
    assert monthly == expected
    # Every incident has its neighbourhood, from its point or (unlocated) from the column.
    assert not imported.filter(area__isnull=True).exists()
    # No hexagon for an incident exported without coordinates, nor for a sensitive one.
    assert imported.filter(cell="").count() == sum(
        1 for row in rows if not row["Latitude"] or is_sensitive(row)
    )


def test_sensitive_demo_incidents_have_no_block_and_no_cell():
    town.build()
    organization = police()
    rows = incidents.generate(
        incidents.demo_areas(organization), incidents.local_today(organization), TORONTO
    )
    expected = {row["Report ID"] for row in rows if is_sensitive(row)}
    assert len(expected) > 1000
    sensitive = Incident.objects.filter(organization=organization, sensitive=True)
    assert set(sensitive.values_list("source_id", flat=True)) == expected
    assert set(sensitive.values_list("block", "cell")) == {("", "")}
    assert not Incident.objects.filter(sensitive=False, block="").exists()


def test_building_the_demo_again_changes_nothing_in_transparency():
    town.build()
    first = transparency_snapshot()
    town.build()
    assert transparency_snapshot() == first


def test_demo_has_three_published_initiatives_and_a_success_story():
    town.build()
    organization = police()
    initiatives = {i.slug: i for i in Initiative.objects.filter(organization=organization)}
    assert {slug: (i.status, i.published) for slug, i in initiatives.items()} == {
        "foot-patrols-on-main-street-after-dark": ("active", True),
        "lock-it-or-lose-it-car-crime-in-southfield": ("completed", True),
        "better-street-lighting-in-station-quarter": ("planned", True),
    }
    patrols = initiatives["foot-patrols-on-main-street-after-dark"]
    assert list(patrols.areas.values_list("name", flat=True)) == ["Riverside Centre"]
    assert sorted(patrols.categories.values_list("code", flat=True)) == ["theft", "vandalism"]
    assert patrols.updates.count() == 3
    assert list(patrols.milestones.values_list("done_on", flat=True)).count(None) == 1
    story = SuccessStory.objects.get(organization=organization)
    assert story.initiative.slug == "lock-it-or-lose-it-car-crime-in-southfield"


def test_patrols_show_fewer_thefts_and_vandalism_than_the_same_months_a_year_before():
    town.build()
    organization = police()
    patrols = Initiative.objects.get(slug="foot-patrols-on-main-street-after-dark")
    this_month = queries.month_start(incidents.local_today(organization))
    since = queries.StatsFilter(
        organization,
        patrols.started_on,
        this_month,
        "month",
        tuple(patrols.areas.values_list("pk", flat=True)),
        tuple(patrols.categories.values_list("pk", flat=True)),
    )
    comparison = queries.comparison(since)
    assert comparison.against_last_year == queries.Change.DOWN
