"""The accountability roll-up: always the figures the items themselves give, read from a few
rows; refreshed where items changed or fell due, and by the page when it is stale."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests import factories
from tests.feedback.builders_public import local, make_item, move
from trustbridge.feedback import accountability as queries
from trustbridge.feedback import cells, rollup
from trustbridge.feedback.accountability import AccountabilityFilter
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import (
    CloseReason,
    FeedbackSettings,
    Item,
    Kind,
    Status,
    TargetRollup,
)
from trustbridge.feedback.targets import Calendar

NOW = (2025, 7, 15, 12)


@pytest.fixture
def categories(organization):
    return ensure_feedback_setup(organization)


@pytest.fixture
def harbour(organization):
    return factories.AreaFactory(organization=organization, slug="harbour", name="Harbour")


def at(organization, *args):
    return local(organization, *args)


def page(organization, now, **params):
    f = AccountabilityFilter.from_params(organization, params, now=now)
    return queries.accountability(f)


def reference(organization, now, **params):
    f = AccountabilityFilter.from_params(organization, params, now=now)
    return queries.plain_accountability(f)


def assert_same(found, expected):
    assert found.total == expected.total
    assert found.by_category == expected.by_category
    assert found.by_area == expected.by_area
    assert found.trend == expected.trend


def stored_months(organization):
    return list(
        TargetRollup.objects.filter(organization=organization)
        .order_by("month")
        .values_list("month", flat=True)
    )


# Bins -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hours", [0, 0.01, 0.1, 3.33, 9.96, 10, 10.2, 99.5, 100, 101, 999, 1000, 1001, 12_345.6]
)
def test_each_shown_time_has_its_own_bin_and_back(hours):
    shown = cells.rounded_up(hours)
    assert cells.value_of(cells.bin_of(shown)) == pytest.approx(shown)


def test_bins_follow_the_order_of_the_times():
    shown = sorted({cells.rounded_up(h / 7) for h in range(0, 80_000, 3)})
    bins = [cells.bin_of(value) for value in shown]
    assert bins == sorted(set(bins))
    assert bins[0] == 0


# Freshness --------------------------------------------------------------------------------


def test_the_first_visit_builds_the_roll_up(organization, categories, area):
    make_item(organization, categories["safety"], at(organization, 2025, 3, 4, 10), area=area)
    make_item(organization, categories["nuisance"], at(organization, 2025, 5, 6, 10))
    now = at(organization, *NOW)
    figures = page(organization, now)
    assert figures.total.received == 2
    assert figures.as_of == now
    assert stored_months(organization) == [dt.date(2025, 3, 1), dt.date(2025, 5, 1)]


def test_within_five_minutes_the_page_shows_the_figures_it_computed_and_says_when(
    organization, categories
):
    now = at(organization, *NOW)
    make_item(organization, categories["safety"], at(organization, 2025, 6, 2, 10))
    assert page(organization, now).total.received == 1
    make_item(organization, categories["safety"], at(organization, 2025, 6, 3, 10))

    later = now + rollup.MAX_AGE - dt.timedelta(seconds=1)
    figures = page(organization, later)
    assert (figures.total.received, figures.as_of) == (1, now)

    stale = now + rollup.MAX_AGE
    figures = page(organization, stale)
    assert (figures.total.received, figures.as_of) == (2, stale)


def test_the_page_says_when_its_figures_were_computed(organization, categories):
    make_item(organization, categories["safety"], at(organization, 2025, 6, 2, 10))
    response = Client().get(f"/o/{organization.slug}/accountability/")
    assert response.status_code == 200
    assert "Figures computed at" in response.content.decode()


def test_the_escalation_timer_refreshes_every_organisation(
    organization, other_organization, categories
):
    ensure_feedback_setup(other_organization)
    make_item(organization, categories["safety"], at(organization, 2025, 6, 2, 10))
    call_command("feedback-escalate")
    assert stored_months(organization) == [dt.date(2025, 6, 1)]
    assert FeedbackSettings.objects.get(organization=other_organization).rollup_judged_at
    assert stored_months(other_organization) == []


# Refreshing only what changed -------------------------------------------------------------


def test_a_refresh_rewrites_only_the_months_whose_items_changed(organization, categories):
    safety = categories["safety"]
    make_item(organization, safety, at(organization, 2025, 2, 3, 10))
    june = make_item(organization, safety, at(organization, 2025, 6, 2, 10))
    Item.objects.update(updated_at=timezone.now() - dt.timedelta(hours=1))  # long since
    now = at(organization, *NOW)
    rollup.refresh(organization, now)
    february = TargetRollup.objects.get(organization=organization, month=dt.date(2025, 2, 1))

    move(june, Status.ACKNOWLEDGED, at(organization, 2025, 6, 2, 11))
    rollup.refresh(organization, now)
    assert TargetRollup.objects.get(organization=organization, month=dt.date(2025, 2, 1)).pk == (
        february.pk
    )
    assert page(organization, now).total.acknowledge.stopped == 1
    assert_same(page(organization, now), reference(organization, now))


def test_an_open_item_falling_due_is_counted_late_at_the_next_refresh(organization, categories):
    item = make_item(organization, categories["safety"], at(organization, 2025, 5, 30, 9))
    Item.objects.update(updated_at=timezone.now() - dt.timedelta(hours=1))  # nothing changes
    before = item.acknowledge_due - dt.timedelta(minutes=1)
    rollup.refresh(organization, before)
    assert page(organization, before, period="this-year").total.acknowledge.late_open == 0

    after = item.acknowledge_due + dt.timedelta(minutes=1)
    rollup.refresh(organization, after)
    assert page(organization, after, period="this-year").total.acknowledge.late_open == 1
    assert_same(
        page(organization, after, period="this-year"),
        reference(organization, after, period="this-year"),
    )


def test_a_new_target_is_applied_to_every_month(organization, categories):
    safety = categories["safety"]  # acknowledge within 8 business hours
    for month in (2, 4, 6):
        item = make_item(organization, safety, at(organization, 2025, month, 2, 9))
        move(item, Status.ACKNOWLEDGED, Calendar.of(organization).add_hours(item.submitted_at, 6))
    now = at(organization, *NOW)
    rollup.refresh(organization, now)
    assert page(organization, now).total.acknowledge.within == 3

    safety.acknowledge_hours = 4
    safety.save()
    rollup.refresh(organization, now)
    assert page(organization, now).total.acknowledge.within == 0
    assert_same(page(organization, now), reference(organization, now))


def test_a_new_time_zone_cuts_the_months_again(organization, categories):
    # 23:30 on 31 May in Toronto is already June in UTC.
    make_item(organization, categories["safety"], at(organization, 2025, 5, 31, 23, 30))
    now = at(organization, *NOW)
    rollup.refresh(organization, now)
    assert stored_months(organization) == [dt.date(2025, 5, 1)]

    organization.timezone = "UTC"
    organization.save()
    rollup.refresh(organization, now)
    assert stored_months(organization) == [dt.date(2025, 6, 1)]


def test_a_deleted_area_is_no_longer_counted(organization, categories, area, harbour):
    make_item(organization, categories["safety"], at(organization, 2025, 6, 2, 10), area=harbour)
    now = at(organization, *NOW)
    rollup.refresh(organization, now)
    harbour.delete()
    rollup.refresh(organization, now)
    figures = page(organization, now)
    assert [row.label for row in figures.by_area if row.figures.received] == ["No area given"]


def test_another_organisations_roll_up_is_never_read(organization, other_organization, categories):
    theirs = ensure_feedback_setup(other_organization)
    make_item(other_organization, theirs["safety"], at(other_organization, 2025, 6, 2, 10))
    now = at(organization, *NOW)
    rollup.refresh(other_organization, now)
    assert page(organization, now).total.received == 0


# Always the items' own figures ------------------------------------------------------------


def _random_history(organization, categories, areas, rng, count):
    """Items over eighteen months in every state, some in no area, some about conduct."""
    calendar = Calendar.of(organization)
    chosen = [categories[code] for code in ("safety", "nuisance", "traffic", "conduct")]
    items = []
    for _ in range(count):
        category = rng.choice(chosen)
        submitted = at(organization, 2024, 1, 1, 0) + dt.timedelta(hours=rng.randrange(13_000))
        area = rng.choice([*areas, None])
        kind = Kind.CONDUCT if category.kind == Kind.CONDUCT else None
        item = make_item(organization, category, submitted, area=area, kind=kind)
        _advance(item, calendar, rng)
        items.append(item)
    return items


def _advance(item, calendar, rng):
    moment = item.submitted_at
    for status in rng.choice(
        [
            (),
            (Status.ACKNOWLEDGED,),
            (Status.ACKNOWLEDGED, Status.RESOLVED),
            (Status.WAITING,),
            (Status.IN_PROGRESS, Status.CLOSED),
            (Status.ACKNOWLEDGED, Status.RESOLVED, Status.IN_PROGRESS),
        ]
    ):
        moment = calendar.add_hours(moment, rng.choice((0.5, 3, 9, 40, 200)))
        if moment > at(item.organization, *NOW):
            return
        if status == Status.CLOSED:
            item.close_reason = rng.choice([CloseReason.DUPLICATE, CloseReason.REFERRED])
        move(item, status, moment)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_roll_up_always_gives_the_figures_of_the_items(
    organization, categories, area, harbour, seed
):
    rng = random.Random(seed)
    areas = [area, harbour]
    now = at(organization, *NOW)
    items = _random_history(organization, categories, areas, rng, 60)
    filters = [
        {},
        {"category": "safety"},
        {"category": "conduct"},
        {"area": "harbour"},
        {"area": "old-mill", "category": "nuisance"},
        {"period": "last-year"},
        {"period": "2025-q1"},
    ]
    for step in range(3):
        moment = now + dt.timedelta(days=step * 3)
        rollup.refresh(organization, moment)
        for params in filters:
            assert_same(
                page(organization, moment, **params), reference(organization, moment, **params)
            )
        for item in rng.sample(items, 10):  # more happens between refreshes
            item.refresh_from_db()
            if item.status in (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS):
                move(item, Status.RESOLVED, moment)
        _random_history(organization, categories, areas, rng, 5)
    assert Item.objects.filter(organization=organization).count() == 75
