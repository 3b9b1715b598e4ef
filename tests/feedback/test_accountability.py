"""The public accountability figures and lists (reads only)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from tests import factories
from tests.feedback.builders_public import local, make_item, move, publish, reply
from trustbridge.feedback import accountability as queries
from trustbridge.feedback import cells, rollup
from trustbridge.feedback.accountability import AccountabilityFilter, ListFilter
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import (
    CloseReason,
    Event,
    EventKind,
    FeedbackSettings,
    Holiday,
    Item,
    Kind,
    Moderation,
    Status,
)
from trustbridge.feedback.targets import Calendar

# "Now" for these tests: the last 12 months are July 2024 to June 2025.
NOW = (2025, 7, 15, 12)


@pytest.fixture
def categories(organization):
    return ensure_feedback_setup(organization)


@pytest.fixture
def old_mill(area):
    return area


@pytest.fixture
def harbour(organization):
    return factories.AreaFactory(organization=organization, slug="harbour", name="Harbour")


def figures_of(organization, **params):
    """The page's figures from a refreshed roll-up, checked against the items themselves."""
    f = AccountabilityFilter.from_params(organization, params, now=local(organization, *NOW))
    rollup.refresh(organization, f.now)
    figures = queries.accountability(f)
    assert_same_figures(figures, queries.plain_accountability(f))
    return figures


def assert_same_figures(found, expected):
    assert found.total == expected.total
    assert found.by_category == expected.by_category
    assert found.by_area == expected.by_area
    assert found.trend == expected.trend


def acknowledged_after(organization, category, hours, *, day=2, **fields):
    """An item received on a June 2025 weekday at 09:00, acknowledged ``hours`` business
    hours later (within the same week)."""
    start = local(organization, 2025, 6, day, 9)
    item = make_item(organization, category, start, **fields)
    move(item, Status.ACKNOWLEDGED, _after(organization, start, hours))
    return item


def _after(organization, start, hours):
    """``hours`` business hours after ``start`` on the organisation's calendar."""
    return Calendar.of(organization).add_hours(start, hours)


def row(rows, label):
    return next(r for r in rows if r.label == label)


# Counting ---------------------------------------------------------------------------------


def test_items_are_counted_in_the_month_they_were_received_in_local_time(organization, categories):
    safety = categories["safety"]
    make_item(organization, safety, local(organization, 2025, 6, 30, 23))  # 03:00 UTC on 1 July
    make_item(organization, safety, local(organization, 2024, 7, 1, 0, 30))
    make_item(organization, safety, local(organization, 2024, 6, 30, 23, 59))  # before
    make_item(organization, safety, local(organization, 2025, 7, 1, 0, 1))  # this month
    figures = figures_of(organization)
    assert figures.total.received == 2
    assert [(r.label, r.figures.received) for r in figures.trend if r.figures.received] == [
        ("July 2024", 1),
        ("June 2025", 1),
    ]
    assert len(figures.trend) == 12
    assert figures.trend[0].label == "July 2024"
    assert figures.period_label == "July 2024 to June 2025"


def test_items_received_are_counted_by_category_and_area(
    organization, categories, old_mill, harbour
):
    june = local(organization, 2025, 6, 3, 10)
    for _ in range(3):
        make_item(organization, categories["safety"], june, area=old_mill)
    make_item(organization, categories["nuisance"], june, area=harbour)
    make_item(organization, categories["nuisance"], june)
    figures = figures_of(organization)
    assert figures.total.received == 5
    assert [(r.label, r.figures.received) for r in figures.by_category] == [
        ("Safety concern", 3),
        ("Noise or nuisance", 2),
        ("Traffic and parking", 0),
        ("Question", 0),
        ("Suggestion", 0),
        ("Compliment", 0),
        ("Complaint about conduct", 0),
    ]
    assert [(r.label, r.figures.received) for r in figures.by_area] == [
        ("Harbour", 1),
        ("Old Mill", 3),
        ("No area given", 1),
    ]


def test_another_organisations_items_are_never_counted(
    organization, other_organization, categories
):
    theirs = ensure_feedback_setup(other_organization)["safety"]
    make_item(other_organization, theirs, local(organization, 2025, 6, 3, 10))
    assert figures_of(organization).total.received == 0


def test_conduct_complaints_are_counted_by_category_but_never_by_area(
    organization, categories, old_mill
):
    june = local(organization, 2025, 6, 3, 10)
    for _ in range(2):
        make_item(organization, categories["conduct"], june, area=old_mill, kind=Kind.CONDUCT)
    make_item(organization, categories["safety"], june, area=old_mill)
    figures = figures_of(organization)
    assert figures.total.received == 3
    assert row(figures.by_category, "Complaint about conduct").figures.received == 2
    assert [(r.label, r.figures.received) for r in figures.by_area] == [("Old Mill", 1)]
    assert sum(r.figures.received for r in figures.trend) == 3

    in_the_area = figures_of(organization, area="old-mill")
    assert in_the_area.total.received == 1
    assert "Complaint about conduct" not in [r.label for r in in_the_area.by_category]

    conduct = figures_of(organization, category="conduct")
    assert (conduct.total.received, conduct.by_area) == (2, [])


# Times ------------------------------------------------------------------------------------


def test_median_and_90th_percentile_are_nearest_rank_business_hours(organization, categories):
    for hours in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10):
        acknowledged_after(organization, categories["safety"], hours)
    clock = figures_of(organization).total.acknowledge
    assert (clock.stopped, clock.median, clock.p90) == (10, 5.0, 9.0)
    assert (clock.median_text, clock.p90_text) == ("5.0", "9.0")


def test_times_are_rounded_up_to_the_precision_shown(organization, categories):
    for minutes in (3, 61, 62, 63, 64):  # 0.05 h, then just over an hour
        start = local(organization, 2025, 6, 2, 9)
        item = make_item(organization, categories["safety"], start)
        move(item, Status.ACKNOWLEDGED, start + dt.timedelta(minutes=minutes))
    clock = figures_of(organization).total.acknowledge
    assert clock.histogram == {0.1: 1, 1.1: 4}
    assert (clock.median, clock.p90) == (1.1, 1.1)


@pytest.mark.parametrize(
    "hours", [0.0, 0.05, 0.1, 0.3, 1.0, 7.99, 9.96, 10.0, 10.2, 99.5, 100.0, 123.4, 1000, 1234.5]
)
def test_the_database_groups_hours_as_the_page_rounds_them(organization, categories, hours):
    item = make_item(organization, categories["safety"], local(organization, 2025, 6, 2, 9))
    Item.objects.filter(pk=item.pk).update(acknowledge_hours=hours, status=Status.ACKNOWLEDGED)
    clock = figures_of(organization).total.acknowledge
    assert list(clock.histogram) == [pytest.approx(cells.rounded_up(hours))]


@pytest.mark.parametrize(
    "hours,expected",
    [
        (0, 0),
        (0.01, 0.1),
        (0.1, 0.1),
        (0.11, 0.2),
        (9.91, 10),
        (10, 10),
        (10.5, 11),
        (99.2, 100),
        (100, 100),
        (101, 110),
        (1001, 1100),
    ],
)
def test_rounding_up_keeps_every_published_time_an_upper_bound(hours, expected):
    assert cells.rounded_up(hours) == pytest.approx(expected)
    assert cells.rounded_up(hours) >= hours


def test_nearest_rank_is_the_smallest_time_that_covers_the_share():
    histogram = {1.0: 2, 2.0: 2, 3.0: 1}
    assert cells.nearest_rank(histogram, 0.5) == 2.0  # 3rd of 5
    assert cells.nearest_rank(histogram, 0.4) == 1.0  # 2nd of 5
    assert cells.nearest_rank(histogram, 0.9) == 3.0
    assert cells.nearest_rank({}, 0.5) is None


def test_with_fewer_than_five_items_there_is_too_little_to_say(organization, categories):
    for hours in (1, 2, 3, 4):
        acknowledged_after(organization, categories["safety"], hours)
    clock = figures_of(organization).total.acknowledge
    assert (clock.stopped, clock.median, clock.p90, clock.share) == (4, None, None, None)
    assert (clock.times_shown, clock.share_shown) == (False, False)

    acknowledged_after(organization, categories["safety"], 5)
    clock = figures_of(organization).total.acknowledge
    assert (clock.median, clock.share) == (3.0, 100.0)


def test_the_share_within_target_counts_open_items_already_past_their_target(
    organization, categories
):
    safety = categories["safety"]  # acknowledge within 8 h, resolve within 80 h
    for hours in (2, 4, 6, 10):  # the last one late
        acknowledged_after(organization, safety, hours)
    make_item(organization, safety, local(organization, 2025, 6, 27, 9))  # never acknowledged
    waiting = make_item(organization, safety, local(organization, 2025, 6, 27, 9))
    move(waiting, Status.WAITING, local(organization, 2025, 6, 27, 10))
    clock = figures_of(organization).total.acknowledge
    # 4 acknowledged (3 within) + the waiting one, acknowledged within 1 h; + 1 open, late
    assert (clock.stopped, clock.within, clock.late_open) == (5, 4, 1)
    assert clock.share == pytest.approx(100 * 4 / 6)
    assert clock.share_text == "67 %"

    resolve = figures_of(organization).total.resolve
    # Nothing resolved; every running clock is past its 80 h by 15 July, except the waiting one.
    assert (resolve.stopped, resolve.late_open, resolve.judged) == (0, 5, 5)
    assert (resolve.share, resolve.median) == (0.0, None)


def test_an_open_item_not_yet_due_is_not_judged(organization, categories):
    make_item(organization, categories["safety"], local(organization, 2025, 7, 15, 9))
    f = AccountabilityFilter.from_params(
        organization, {"period": "this-year"}, now=local(organization, *NOW)
    )
    clock = queries.accountability(f).total.acknowledge
    assert (clock.stopped, clock.late_open) == (0, 0)
    assert queries.plain_accountability(f).total.acknowledge == clock


def test_items_closed_as_duplicates_are_left_out_of_the_time_to_resolve(organization, categories):
    safety = categories["safety"]
    start = local(organization, 2025, 6, 2, 9)
    for hours in (8, 16, 24, 32, 40):
        item = make_item(organization, safety, start)
        move(item, Status.RESOLVED, _after(organization, start, hours))
    duplicate = make_item(organization, safety, start)
    duplicate.close_reason = CloseReason.DUPLICATE
    move(duplicate, Status.CLOSED, start + dt.timedelta(minutes=5))
    referred = make_item(organization, safety, start)
    referred.close_reason = CloseReason.REFERRED
    move(referred, Status.CLOSED, _after(organization, start, 100))
    figures = figures_of(organization)
    resolve = figures.total.resolve
    assert (resolve.stopped, resolve.within, resolve.median, resolve.p90) == (6, 5, 24.0, 100.0)
    assert figures.total.acknowledge.stopped == 7  # the duplicate was acknowledged
    assert figures.total.received == 7


def test_within_target_uses_each_categorys_own_target(organization, categories):
    for hours in (6, 6, 6, 6, 6):
        acknowledged_after(organization, categories["safety"], hours)  # target 8 h
        acknowledged_after(organization, categories["question"], hours)  # target 8 h
        acknowledged_after(organization, categories["nuisance"], 12)  # target 16 h
    figures = figures_of(organization)
    assert row(figures.by_category, "Safety concern").figures.acknowledge.share == 100.0
    assert row(figures.by_category, "Noise or nuisance").figures.acknowledge.share == 100.0
    assert figures.total.acknowledge.share == 100.0


def test_the_trend_counts_each_month_by_the_month_items_were_received(organization, categories):
    safety = categories["safety"]
    for month, hours in ((1, 2), (1, 4), (3, 6)):
        start = local(organization, 2025, month, 6, 9)
        item = make_item(organization, safety, start)
        move(item, Status.ACKNOWLEDGED, _after(organization, start, hours))
    trend = figures_of(organization).trend
    assert row(trend, "January 2025").figures.received == 2
    assert row(trend, "January 2025").figures.acknowledge.histogram == {2.0: 1, 4.0: 1}
    assert row(trend, "March 2025").figures.received == 1


def test_the_trend_covers_the_twelve_months_up_to_the_end_of_a_shorter_period(
    organization, categories
):
    figures = figures_of(organization, period="2025-q1")
    assert figures.period_label == "January 2025 to March 2025"
    assert (figures.trend[0].label, figures.trend[-1].label) == ("April 2024", "March 2025")


# Filters ----------------------------------------------------------------------------------


def test_filters_are_read_from_the_address(organization, categories, old_mill):
    f = AccountabilityFilter.from_params(
        organization,
        {"period": "last-year", "category": "safety", "area": "old-mill"},
        now=local(organization, *NOW),
    )
    assert (f.start, f.end, f.period) == (dt.date(2024, 1, 1), dt.date(2025, 1, 1), "last-year")
    assert (f.category.code, f.area.slug, f.notices) == ("safety", "old-mill", ())
    assert f.query() == {"period": "last-year", "category": "safety", "area": "old-mill"}


def test_unknown_filters_fall_back_to_everything_with_a_notice(
    organization, other_organization, categories
):
    factories.AreaFactory(organization=other_organization, slug="hilltop", name="Hilltop")
    f = AccountabilityFilter.from_params(
        organization,
        {"period": "forever", "category": "<script>", "area": "hilltop"},
        now=local(organization, *NOW),
    )
    assert (f.period, f.category, f.area) == ("last-12-months", None, None)
    assert f.notices == (
        "“forever” is not a period we know; showing the last 12 months.",
        "There is no category “<script>”; showing every category.",
        "There is no area “hilltop”; showing every area.",
    )


def test_the_lists_never_offer_conduct_complaints(organization, categories):
    choice = ListFilter.from_params(organization, {"category": "conduct"})
    assert choice.category is None
    assert "conduct" not in [c.code for c in choice.categories]
    assert choice.notices == (
        "Complaints about conduct are counted in the figures but never listed one by one; "
        "showing every category.",
    )


# The calendar in words ---------------------------------------------------------------------


def test_the_working_time_is_described_from_the_organisations_settings(organization, categories):
    FeedbackSettings.objects.filter(organization=organization).update(
        work_days="0,1,2,3", work_start=dt.time(8), work_end=dt.time(16, 30)
    )
    Holiday.objects.create(organization=organization, day=dt.date(2024, 12, 25), name="Christmas")
    Holiday.objects.create(organization=organization, day=dt.date(2025, 7, 1), name="Canada Day")
    f = AccountabilityFilter.from_params(organization, {}, now=local(organization, *NOW))
    time = queries.working_time(f)
    assert time.days == ["Monday", "Tuesday", "Wednesday", "Thursday"]
    assert (time.start, time.end, time.timezone) == (dt.time(8), dt.time(16, 30), "America/Toronto")
    assert [h.name for h in time.holidays] == ["Christmas"]


# Public lists -----------------------------------------------------------------------------


def test_only_approved_items_are_public_and_never_conduct_complaints(
    organization, other_organization, categories
):
    june = local(organization, 2025, 6, 3, 10)
    approved = publish(make_item(organization, categories["safety"], june), "Dark corner.")
    make_item(organization, categories["safety"], june, wants_public=True)  # not moderated
    pending = make_item(organization, categories["safety"], june, wants_public=True)
    pending.moderation = Moderation.PENDING
    pending.save()
    rejected = make_item(organization, categories["safety"], june, wants_public=True)
    rejected.moderation = Moderation.REJECTED
    rejected.save()
    publish(
        make_item(organization, categories["conduct"], june, kind=Kind.CONDUCT), "Rude officer."
    )
    publish(
        make_item(other_organization, ensure_feedback_setup(other_organization)["safety"], june),
        "Elsewhere.",
    )
    assert list(queries.public_items(organization)) == [approved]
    for hidden in (pending, rejected):
        with pytest.raises(Http404):
            queries.access_public_item(organization, hidden.reference)


def test_public_items_are_newest_first_and_filtered_by_category_and_area(
    organization, categories, old_mill
):
    older = publish(
        make_item(organization, categories["safety"], local(organization, 2025, 5, 3, 10)), "A"
    )
    newer = publish(
        make_item(
            organization, categories["nuisance"], local(organization, 2025, 6, 3, 10), area=old_mill
        ),
        "B",
    )
    assert list(queries.public_items(organization)) == [newer, older]
    assert list(
        queries.filtered_public_items(organization, category=categories["safety"], area=None)
    ) == [older]
    assert list(queries.filtered_public_items(organization, category=None, area=old_mill)) == [
        newer
    ]


def test_the_public_timeline_shows_statuses_and_redacted_replies_only(organization, categories):
    start = local(organization, 2025, 6, 3, 10)
    item = make_item(organization, categories["safety"], start)
    move(item, Status.ACKNOWLEDGED, start + dt.timedelta(hours=1))
    Event.objects.filter(item=item, kind=EventKind.STATUS).update(text="Officer Jones will call")
    reply(item, start + dt.timedelta(hours=2), "Dear Ms Smith, write to jane@example.org.")
    reply(item, start + dt.timedelta(hours=3), "Internal: the caller is a neighbour", public=False)
    Event.objects.create(
        organization=organization,
        item=item,
        at=start + dt.timedelta(hours=4),
        kind=EventKind.RESIDENT,
        text="My name is Jane",
        public=True,
    )
    Event.objects.create(
        organization=organization,
        item=item,
        at=start + dt.timedelta(hours=5),
        kind=EventKind.ESCALATED,
        text="acknowledge",
    )
    timeline = queries.public_timeline(item)
    assert [(e.kind, e.status) for e in timeline] == [
        ("submitted", "New"),
        ("status", "Acknowledged"),
        ("reply", ""),
    ]
    assert [e.text for e in timeline] == ["", "", "Dear Ms [removed], write to [removed]."]


@pytest.mark.parametrize(
    "asked,number,count,has_next",
    [
        (None, 1, 20, True),
        ("2", 2, 5, False),
        ("abc", 1, 20, True),
        ("-3", 1, 20, True),
        ("3", 3, 0, False),
        ("99999999", queries.MAX_PAGE, 0, False),
    ],
)
def test_a_page_of_a_public_list_is_found_without_counting_the_list(
    organization, categories, asked, number, count, has_next
):
    for i in range(25):
        publish(
            make_item(organization, categories["safety"], local(organization, 2025, 6, 3, i % 24)),
            f"Words {i}",
        )
    page = queries.list_page(queries.public_items(organization), asked)
    assert (page.number, len(page.items), page.has_next) == (number, count, has_next)
    assert page.has_previous is (number > 1)
