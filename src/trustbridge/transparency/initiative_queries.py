"""Reading initiatives, their milestones, updates and stories, and their before/after figures.

The public sees published initiatives only, and stories that are not tied to an unpublished
initiative. Before/after figures come from the published roll-ups (``queries.total``), never
from a scan of incidents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from trustbridge.core.models import Area, Organization
from trustbridge.core.tenancy import get_scoped_or_404, scoped
from trustbridge.transparency import queries as stats
from trustbridge.transparency.models import (
    Initiative,
    InitiativeUpdate,
    Milestone,
    OffenceCategory,
    SuccessStory,
)


def _with_details(queryset: models.QuerySet[Initiative]) -> models.QuerySet[Initiative]:
    return queryset.prefetch_related(
        Prefetch("areas", queryset=Area.objects.order_by("name", "id")),
        Prefetch("categories", queryset=OffenceCategory.objects.order_by("position", "name")),
    )


def initiatives_of(organization: Organization) -> models.QuerySet[Initiative]:
    """Every initiative, published or not (staff pages)."""
    return _with_details(scoped(Initiative, organization)).order_by("-created_at", "-id")


def published_initiatives(organization: Organization) -> models.QuerySet[Initiative]:
    return _with_details(scoped(Initiative, organization).filter(published=True)).order_by(
        "-started_on", "title", "id"
    )


def access_initiative(organization: Organization, slug: str) -> Initiative:
    """Any initiative of the organisation (staff); 404 for another organisation's."""
    return get_scoped_or_404(_with_details(Initiative.objects.all()), organization, slug=slug)


def access_published_initiative(organization: Organization, slug: str) -> Initiative:
    """A published initiative; an unpublished one is not found, like a missing one."""
    return get_scoped_or_404(
        _with_details(Initiative.objects.filter(published=True)), organization, slug=slug
    )


def access_milestone(initiative: Initiative, milestone_id: int) -> Milestone:
    """A milestone of this initiative; any other is not found."""
    found = initiative.milestones.filter(pk=milestone_id).first()
    if found is None:
        raise Http404
    found.initiative = initiative
    return found


def milestones_of(initiative: Initiative) -> list[Milestone]:
    return list(initiative.milestones.all())


def updates_of(initiative: Initiative) -> list[InitiativeUpdate]:
    return list(initiative.updates.all())


def access_update(initiative: Initiative, update_id: int) -> InitiativeUpdate:
    found = initiative.updates.filter(pk=update_id).first()
    if found is None:
        raise Http404
    return found


def _public_stories(organization: Organization) -> models.QuerySet[SuccessStory]:
    return (
        scoped(SuccessStory, organization)
        .filter(models.Q(initiative__isnull=True) | models.Q(initiative__published=True))
        .filter(published_at__lte=timezone.now())
        .select_related("initiative")
    )


def published_stories(organization: Organization) -> models.QuerySet[SuccessStory]:
    return _public_stories(organization).order_by("-published_at", "-id")


def stories_of(organization: Organization) -> models.QuerySet[SuccessStory]:
    """Every story (staff pages)."""
    return scoped(SuccessStory, organization).select_related("initiative")


def access_published_story(organization: Organization, slug: str) -> SuccessStory:
    return get_scoped_or_404(_public_stories(organization), organization, slug=slug)


def access_story(organization: Organization, slug: str) -> SuccessStory:
    return get_scoped_or_404(SuccessStory.objects.all(), organization, slug=slug)


def followers_count(initiative: Initiative) -> int:
    return initiative.followers.filter(confirmed_at__isnull=False).count()


# Before / after ------------------------------------------------------------------------


@dataclass(frozen=True)
class BeforeAfter:
    """The same number of whole months before an initiative started and since.

    Periods are [start, end) in whole calendar months, because the published figures are
    built from monthly cells. The month the initiative started in counts as "after".
    """

    months: int
    before_start: date
    before_end: date
    after_start: date
    after_end: date
    before: stats.Figure
    after: stats.Figure

    @property
    def before_last_day(self) -> date:
        return date.fromordinal(self.before_end.toordinal() - 1)

    @property
    def after_last_day(self) -> date:
        return date.fromordinal(self.after_end.toordinal() - 1)


def comparison_periods(
    started_on: date | None, ended_on: date | None, today: date
) -> tuple[date, date, date, date] | None:
    """(before_start, before_end, after_start, after_end), or None before a full month has
    passed since the start (or without a start date)."""
    if started_on is None:
        return None
    after_start = started_on.replace(day=1)
    this_month = today.replace(day=1)
    if ended_on is not None and ended_on < today:
        after_end = stats.add_months(ended_on.replace(day=1), 1)
    else:
        after_end = this_month  # the current month is not complete yet
    after_end = min(after_end, this_month)
    months = stats.months_between(after_start, after_end)
    if months <= 0:
        return None
    return stats.add_months(after_start, -months), after_start, after_start, after_end


def before_after(initiative: Initiative, today: date | None = None) -> BeforeAfter | None:
    """Published incidents of the initiative's categories in its areas, before and since."""
    periods = comparison_periods(
        initiative.started_on,
        initiative.ended_on,
        today or stats.local_today(initiative.organization),
    )
    if periods is None:
        return None
    before_start, before_end, after_start, after_end = periods
    area_ids = [a.pk for a in initiative.areas.all()]
    category_ids = [c.pk for c in initiative.categories.all()]
    organization = initiative.organization
    return BeforeAfter(
        months=stats.months_between(after_start, after_end),
        before_start=before_start,
        before_end=before_end,
        after_start=after_start,
        after_end=after_end,
        before=_total(organization, before_start, before_end, area_ids, category_ids),
        after=_total(organization, after_start, after_end, area_ids, category_ids),
    )


def _total(
    organization: Organization,
    start: date,
    end: date,
    area_ids: list[int],
    category_ids: list[int],
) -> stats.Figure:
    return stats.total(
        stats.StatsFilter(
            organization, start, end, "month", tuple(sorted(area_ids)), tuple(sorted(category_ids))
        )
    )
