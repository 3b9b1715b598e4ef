"""The demo town's three initiatives, written through the initiatives services.

Foot patrols in Riverside Centre (under way), a car-crime project in Southfield (completed,
with a success story) and street lighting in Station Quarter (planned). Their start dates
match the effects the synthetic incidents show (``incidents.EFFECTS``), so their before/after
figures tell the story. An initiative that already exists (by its short name) is left as
it is, so building the demo again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.text import slugify

from trustbridge.accounts.models import User
from trustbridge.core.models import Area, Organization
from trustbridge.demo.incidents import CAR_CRIME, PATROLS, months_before
from trustbridge.transparency import initiatives as services
from trustbridge.transparency.models import (
    Initiative,
    InitiativeStatus,
    InitiativeUpdate,
    SuccessStory,
)
from trustbridge.transparency.taxonomy import ensure_taxonomy


@dataclass(frozen=True)
class DemoMilestone:
    title: str
    due: int  # days after the start (negative: before it)
    done: bool


@dataclass(frozen=True)
class DemoUpdate:
    title: str
    body: str
    day: int  # days after the start


@dataclass(frozen=True)
class DemoStory:
    title: str
    body: str
    day: int  # days after the start


@dataclass(frozen=True)
class DemoInitiative:
    title: str
    summary: str
    goal: str
    status: InitiativeStatus
    areas: tuple[str, ...]
    categories: tuple[str, ...]
    start: int  # months before the current month (negative: in the future)
    length_days: int | None
    milestones: tuple[DemoMilestone, ...]
    updates: tuple[DemoUpdate, ...]
    story: DemoStory | None = None


INITIATIVES = (
    DemoInitiative(
        title="Foot patrols on Main Street after dark",
        summary="Two officers walk Main Street, King Street and Market Square six evenings a week.",
        goal=(
            "Shop owners and residents told us at the spring town hall that thefts and damage "
            "on Main Street happen mostly after the shops close. From 6 pm to 2 am, two officers "
            "now walk the centre on foot instead of driving through it. We aim to cut thefts "
            "and vandalism in Riverside Centre after dark by a quarter within a year."
        ),
        status=InitiativeStatus.ACTIVE,
        areas=(PATROLS.area,),
        categories=("theft", "vandalism"),
        start=PATROLS.months_ago,
        length_days=None,
        milestones=(
            DemoMilestone("Walk the route with the Main Street business association", -21, True),
            DemoMilestone("Train eight officers for evening foot patrols", -7, True),
            DemoMilestone("Patrols begin six evenings a week", 0, True),
            DemoMilestone("Six-month review with residents and shop owners", 183, True),
            DemoMilestone("Extend the patrols to Station Road", 300, False),
        ),
        updates=(
            DemoUpdate(
                "Starting next month: officers on foot on Main Street",
                "From the 1st, two officers will walk Main Street, King Street and Market "
                "Square from 6 pm to 2 am, Tuesday to Sunday. Say hello: they are there to "
                "listen as much as to patrol.",
                -10,
            ),
            DemoUpdate(
                "The first month on foot",
                "Officers spoke with 140 people and 35 businesses in the first month. The most "
                "common concern was bicycles stolen from the racks near Market Square; new "
                "racks with better locks are on order.",
                32,
            ),
            DemoUpdate(
                "Six-month review: fewer thefts after dark",
                "Residents and shop owners met us at the library to look at the numbers. "
                "Thefts and damage in the centre after dark are down against the same months "
                "last year; daytime figures have barely moved. The patrols continue.",
                185,
            ),
        ),
    ),
    DemoInitiative(
        title="Lock it or lose it: car crime in Southfield",
        summary="Volunteers and officers checked parked cars and left advice; the project ended.",
        goal=(
            "Southfield had the most thefts of and from vehicles in town. With the Southfield "
            "residents' association, volunteers checked parked cars for open windows and "
            "valuables on view, and left a card with advice instead of a ticket. We aimed to "
            "cut car crime in Southfield by a fifth over the year."
        ),
        status=InitiativeStatus.COMPLETED,
        areas=(CAR_CRIME.area,),
        categories=("vehicle-theft", "theft"),
        start=CAR_CRIME.months_ago,
        length_days=365,
        milestones=(
            DemoMilestone("Recruit and train 20 volunteers", -14, True),
            DemoMilestone("First street-by-street check of parked cars", 10, True),
            DemoMilestone("Steering-wheel locks offered at the community centre", 90, True),
            DemoMilestone("Final report to the residents' association", 365, True),
        ),
        updates=(
            DemoUpdate(
                "Volunteers wanted for Lock it or lose it",
                "We are looking for residents of Southfield who can give two evenings a month "
                "to walk their streets with an officer. Training is on us.",
                -20,
            ),
            DemoUpdate(
                "3,200 cars checked",
                "In three months volunteers checked 3,200 parked cars. One in eight had a "
                "window open or a bag, phone or laptop on view. We left a card each time.",
                95,
            ),
            DemoUpdate(
                "Project complete",
                "The project ended after a year. Thefts of and from vehicles in Southfield "
                "are down against the year before. The residents' association will keep the "
                "volunteer checks going twice a year.",
                366,
            ),
        ),
        story=DemoStory(
            "How Southfield's volunteers took the car thieves' easy pickings away",
            "When the volunteers started, one parked car in eight in Southfield had something "
            "worth stealing on the seat. A year later it was one in thirty. Margaret, who "
            "walked Meadow Drive every other Thursday, says people started thanking her for "
            "the cards. The residents' association now runs the checks itself.",
            380,
        ),
    ),
    DemoInitiative(
        title="Better street lighting in Station Quarter",
        summary="With the town's works department: brighter, repaired lights on the station paths.",
        goal=(
            "Robberies and assaults around the station happen mostly on the dark paths between "
            "the platforms and Depot Avenue. With the works department we will repair and "
            "brighten the lights on those paths, then compare the year after with the year "
            "before."
        ),
        status=InitiativeStatus.PLANNED,
        areas=("Station Quarter",),
        categories=("robbery", "assault"),
        start=-2,
        length_days=None,
        milestones=(
            DemoMilestone("Night walk with residents to map the dark spots", -30, False),
            DemoMilestone("Works department repairs and new lights", 30, False),
            DemoMilestone("First review of the numbers", 365, False),
        ),
        updates=(
            DemoUpdate(
                "Join the night walk",
                "Help us find the dark spots: we meet at the station's main entrance at 8 pm "
                "and walk the paths with the works department.",
                -75,
            ),
        ),
    ),
)


def _at(day: date, organization: Organization) -> datetime:
    """Ten in the morning, local time, of ``day``."""
    return datetime.combine(day, time(10), tzinfo=ZoneInfo(organization.timezone)).astimezone(UTC)


def _build_one(
    demo: DemoInitiative, organization: Organization, author: User, today: date
) -> Initiative:
    categories = ensure_taxonomy(organization)
    start = months_before(today, demo.start)
    end = start + timedelta(days=demo.length_days) if demo.length_days else None
    initiative = services.create_initiative(
        actor=author,
        organization=organization,
        title=demo.title,
        summary=demo.summary,
        goal=demo.goal,
        status=demo.status,
        areas=list(Area.objects.filter(organization=organization, name__in=demo.areas)),
        categories=[categories[code] for code in demo.categories],
        started_on=start,
        ended_on=end,
    )
    for milestone in demo.milestones:
        due = start + timedelta(days=milestone.due)
        made = services.add_milestone(
            actor=author, initiative=initiative, title=milestone.title, due_on=due
        )
        if milestone.done and due < today:
            services.complete_milestone(actor=author, milestone=made, done_on=due)
    for update in demo.updates:
        posted = services.post_update(
            actor=author, initiative=initiative, title=update.title, body=update.body
        )
        # Demo history: the services date an update "now"; the demo's are spread over time.
        when = min(start + timedelta(days=update.day), today - timedelta(days=1))
        InitiativeUpdate.objects.filter(pk=posted.pk).update(published_at=_at(when, organization))
    services.set_initiative_published(actor=author, initiative=initiative, published=True)
    if demo.story is not None:
        story = services.create_story(
            actor=author,
            organization=organization,
            title=demo.story.title,
            body=demo.story.body,
            initiative=initiative,
        )
        when = min(start + timedelta(days=demo.story.day), today - timedelta(days=1))
        SuccessStory.objects.filter(pk=story.pk).update(published_at=_at(when, organization))
    return initiative


def build(organization: Organization, author: User, today: date) -> list[Initiative]:
    """The demo's initiatives, each created once (found again by its short name)."""
    built = []
    for demo in INITIATIVES:
        existing = Initiative.objects.filter(
            organization=organization, slug=slugify(demo.title)
        ).first()
        built.append(existing or _build_one(demo, organization, author, today))
    return built
