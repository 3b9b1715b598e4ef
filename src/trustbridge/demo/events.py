"""A year of events for the demo town, run through the events services.

Riverside Police Service holds community gatherings, school visits, forums, an appreciation
day and town halls across its neighbourhoods, from a year ago to three months ahead, and a
neighbourhood-watch meeting every Tuesday at 19:00 (one date cancelled, one moved).
Residents and guests sign up (some still waiting for their e-mail confirmation, some on the
waiting list of a full event), are checked in at the door with walk-ins counted, and the
recaps carry commitments followed up until done or dropped. The last town hall has its
questions answered live, in writing, hidden, merged and one still due; the next one is
taking questions. Officers log informal contacts over the last 90 days. Northgate Security
adds a few events and contacts of its own.

Every step happens at its own moment: the services take ``now=`` and the demo passes the
moment the step would have happened, in time order, so that waiting lists, first-time
attendees and answer deadlines come out as they would have. Each event draws from its own
seeded generator and all dates count from today, so the town has the same shape whatever
the day. Building the demo again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils import timezone

from trustbridge.accounts.models import User
from trustbridge.core.models import Area, Organization
from trustbridge.events import checkin, engagement, questions, recaps, services
from trustbridge.events.models import (
    CommitmentStatus,
    ContactKind,
    Event,
    EventKind,
    Occurrence,
    Question,
    Rsvp,
    RsvpStatus,
)

SEED = 5
RESIDENTS = (
    "resident@riverside.example",
    "student@riverside.example",
    "shopkeeper@riverside.example",
)
FIRST_NAMES = (
    "Amira", "Luc", "Carmen", "Tom", "Mei", "Jonas", "Fatou", "Priya", "Owen", "Sofia",
    "Ibrahim", "Hannah", "Diego", "Aiko", "Noah", "Lucia", "Kwame", "Elena", "Marc", "Grace",
    "Yusuf", "Chloe", "Ravi", "Nora", "Pablo", "Ines", "Sam", "Lena", "Ali", "Ruth",
)  # fmt: skip
LAST_NAMES = (
    "Haddad", "Gagnon", "Ortiz", "Becker", "Lin", "Berg", "Diallo", "Nair", "Walsh", "Rossi",
    "Kaya", "Klein", "Ramos", "Sato", "Martin", "Fernandez", "Mensah", "Petrova", "Roy", "Obi",
    "Ahmed", "Dupuis", "Patel", "Lindqvist", "Vega", "Moreau", "Cohen", "Novak", "Hassan",
    "Adeyemi",
)  # fmt: skip


def _guest(n: int) -> tuple[str, str]:
    """The n-th guest's name and e-mail: each first name with a last name shifted by 7 per
    round, so that every name is used once."""
    first, last = FIRST_NAMES[n % 30], LAST_NAMES[(n + n // 30 * 7) % 30]
    return f"{first} {last}", f"{first}.{last}@example.org".lower()


GUESTS = tuple(_guest(n) for n in range(90))
# The watch meetings draw from a circle of regulars (the first guests), and now and then a
# newcomer.
REGULARS = 12
NEWCOMER = 0.4


@dataclass(frozen=True)
class DemoCommitment:
    text: str
    due: int | None  # days after the event
    status: CommitmentStatus = CommitmentStatus.OPEN
    update: str = ""
    after: int = 0  # days after the recap that the update was given (0: none)


@dataclass(frozen=True)
class DemoRecap:
    summary: dict[str, str]  # by language
    commitments: tuple[DemoCommitment, ...] = ()
    after: int = 1  # days after the event


class Fate(StrEnum):
    PENDING = "pending"  # still waiting for a moderator
    APPROVED = "approved"  # approved, not answered yet (an upcoming event)
    LIVE = "live"  # answered at the event
    WRITING = "writing"  # answered in writing after the event
    DUE = "due"  # unanswered after the event: due in writing
    HIDDEN = "hidden"
    MERGED = "merged"  # into the question before it


@dataclass(frozen=True)
class DemoQuestion:
    text: str
    hours: float  # when it was asked: hours after the start (past) or before now (upcoming)
    fate: Fate
    votes: int = 0
    asker: str = ""  # a demo resident's e-mail; empty: anonymous
    answer: str = ""
    reason: str = ""  # why it was hidden


@dataclass(frozen=True)
class DemoEvent:
    key: str  # seeds this event's generator
    kind: EventKind
    texts: dict[str, dict[str, str]]
    day: int  # days from today (negative: past), moved on to the next ``weekday``
    weekday: int  # 0 Monday … 6 Sunday
    start: dt.time
    minutes: int
    venue: str
    areas: tuple[str, ...]
    crowd: int  # how many sign up
    opens: int = 42  # sign-ups open this many days before the date
    capacity: int | None = None
    address: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    walk_ins: int = 0  # at most, per date
    recap: DemoRecap | None = None
    questions: tuple[DemoQuestion, ...] = ()


def _texts(title: str, description: str, **other: tuple[str, str]) -> dict[str, dict[str, str]]:
    texts = {"en": {"title": title, "description": description}}
    for language, (other_title, other_description) in other.items():
        texts[language] = {"title": other_title, "description": other_description}
    return texts


STEP_FREE = {"step_free": True}
TOWN_HALL_ACCESS = {
    "step_free": True,
    "hearing_loop": True,
    "interpretation": "French and Spanish",
    "childcare": True,
    "accessibility_notes": "Reserved seats near the front; the hall's side door is step-free.",
}

SPRING_TOWN_HALL = DemoEvent(
    key="spring-town-hall",
    kind=EventKind.TOWN_HALL,
    texts=_texts(
        "Spring town hall: the town centre after dark",
        "Officers present the year's figures for the centre and take your questions.",
        fr=(
            "Assemblée de printemps : le centre-ville le soir",
            "Les agents présentent les chiffres de l'année pour le centre et répondent à vos "
            "questions.",
        ),
    ),
    day=-290,
    weekday=3,
    start=dt.time(18, 30),
    minutes=120,
    venue="Riverside Town Hall, Council Chamber",
    address="1 Market Square, Riverside",
    areas=("Riverside Centre",),
    crowd=24,
    capacity=120,
    details=TOWN_HALL_ACCESS,
    walk_ins=18,
    questions=(
        DemoQuestion(
            "Why are there so many break-ins on Main Street after the shops close?",
            -72,
            Fate.LIVE,
            votes=14,
            asker="shopkeeper@riverside.example",
            answer="Most happen between 10 pm and 2 am. We will move officers on foot to "
            "the centre in those hours, starting this summer.",
        ),
        DemoQuestion(
            "Can the station's front desk open on Saturday mornings?",
            -30,
            Fate.LIVE,
            votes=6,
            answer="We will look at staffing and report back in the recap.",
        ),
    ),
    recap=DemoRecap(
        {
            "en": "About fifty people came. Thefts and damage in the centre after dark were "
            "the main worry; we agreed on foot patrols and a monthly coffee morning.",
            "fr": "Une cinquantaine de personnes sont venues. Les vols et dégradations le "
            "soir au centre étaient la principale inquiétude.",
        },
        (
            DemoCommitment(
                "Start foot patrols on Main Street, King Street and Market Square after dark.",
                60,
                CommitmentStatus.DONE,
                "Two officers walk the centre six evenings a week since the start of summer.",
                after=45,
            ),
            DemoCommitment(
                "Hold a monthly coffee morning with officers at the central library.",
                90,
                CommitmentStatus.DONE,
                "The first coffee morning took place; they now run on the first Saturday of "
                "each month.",
                after=70,
            ),
            DemoCommitment(
                "Open the station's front desk on Saturday mornings.",
                120,
                CommitmentStatus.DROPPED,
                "We could not staff it without taking officers off the evening foot "
                "patrols, which residents asked for first. The monthly coffee mornings "
                "take its place.",
                after=100,
            ),
        ),
        after=2,
    ),
)

PAST_EVENTS = (
    DemoEvent(
        key="winter-forum",
        kind=EventKind.FORUM,
        texts=_texts(
            "Lakeshore forum: walking home safely in winter",
            "Dark evenings, icy paths and the bus shelters: tell us what would help.",
        ),
        day=-335,
        weekday=2,
        start=dt.time(19, 0),
        minutes=90,
        venue="Lakeshore Community Centre",
        address="40 Shore Road, Riverside",
        areas=("Lakeshore",),
        crowd=10,
        details=STEP_FREE,
        walk_ins=5,
    ),
    DemoEvent(
        key="safety-talk",
        kind=EventKind.SCHOOL_VISIT,
        texts=_texts(
            "Personal safety talk at Riverside High",
            "Officers talk with year 9 about staying safe online and on the way home.",
        ),
        day=-310,
        weekday=1,
        start=dt.time(10, 0),
        minutes=60,
        venue="Riverside High School, main hall",
        areas=("Riverside Centre",),
        crowd=6,
        capacity=40,
    ),
    SPRING_TOWN_HALL,
    DemoEvent(
        key="clean-up",
        kind=EventKind.GATHERING,
        texts=_texts(
            "Old Mill spring clean-up and coffee",
            "Gloves, bags and coffee provided. Bring the family.",
            fr=("Grand ménage de printemps à Old Mill", "Gants, sacs et café fournis."),
        ),
        day=-250,
        weekday=5,
        start=dt.time(9, 30),
        minutes=180,
        venue="Old Mill green",
        areas=("Old Mill",),
        crowd=12,
        walk_ins=12,
    ),
    DemoEvent(
        key="barbecue",
        kind=EventKind.GATHERING,
        texts=_texts(
            "Elm Park summer barbecue",
            "Hot dogs and lemonade with your neighbourhood officers, games for the children.",
            fr=(
                "Barbecue d'été à Elm Park",
                "Hot-dogs et limonade avec les agents du quartier, jeux pour les enfants.",
            ),
            es=(
                "Barbacoa de verano en Elm Park",
                "Perritos calientes y limonada con los agentes del barrio.",
            ),
        ),
        day=-215,
        weekday=5,
        start=dt.time(12, 0),
        minutes=240,
        venue="Elm Park bandstand",
        areas=("Elm Park", "Southfield"),
        crowd=20,
        capacity=150,
        details={"step_free": True, "childcare": True},
        walk_ins=40,
        recap=DemoRecap(
            {
                "en": "A sunny afternoon: more than a hundred people, three hundred hot dogs "
                "and a long talk about the dark path along the park.",
            },
            (
                DemoCommitment(
                    "Ask the city to repair the lights on the Elm Park path.",
                    45,
                    CommitmentStatus.DONE,
                    "The city replaced six lamps along the path.",
                    after=38,
                ),
            ),
        ),
    ),
    DemoEvent(
        key="first-aid",
        kind=EventKind.SCHOOL_VISIT,
        texts=_texts(
            "First aid for parents at Cedar Heights school",
            "A hands-on first-aid class with officers and a paramedic. Places are limited.",
        ),
        day=-185,
        weekday=3,
        start=dt.time(18, 0),
        minutes=120,
        venue="Cedar Heights Elementary, gym",
        areas=("Cedar Heights",),
        crowd=26,
        capacity=20,
        details=STEP_FREE,
    ),
    DemoEvent(
        key="appreciation-day",
        kind=EventKind.APPRECIATION,
        texts=_texts(
            "Community Appreciation Day",
            "Local talent, food stalls and awards for the neighbours who went above and "
            "beyond this year.",
            fr=(
                "Journée de reconnaissance communautaire",
                "Talents locaux, stands de cuisine et prix pour les voisins qui se sont "
                "distingués cette année.",
            ),
        ),
        day=-160,
        weekday=5,
        start=dt.time(13, 0),
        minutes=300,
        venue="Market Square",
        address="Market Square, Riverside",
        areas=("Riverside Centre", "Station Quarter"),
        crowd=20,
        details={"step_free": True, "interpretation": "Sign language on the main stage"},
        walk_ins=60,
        recap=DemoRecap(
            {
                "en": "Twelve awards, four bands and a full square. Thank you to every volunteer.",
                "fr": "Douze prix, quatre groupes et une place pleine. Merci aux bénévoles.",
            },
            (
                DemoCommitment(
                    "Publish the award winners' stories on our website.",
                    30,
                    CommitmentStatus.DONE,
                    "All twelve stories are online.",
                    after=20,
                ),
                DemoCommitment(
                    "Hold the next Appreciation Day in Southfield.",
                    300,
                ),
            ),
        ),
    ),
    DemoEvent(
        key="car-crime-forum",
        kind=EventKind.FORUM,
        texts=_texts(
            "Southfield forum: car crime",
            "What we learned from a year of car break-ins, and what works to prevent them.",
        ),
        day=-120,
        weekday=2,
        start=dt.time(19, 0),
        minutes=90,
        venue="Southfield Library",
        address="12 Field Lane, Riverside",
        areas=("Southfield",),
        crowd=14,
        capacity=60,
        details=STEP_FREE,
        walk_ins=6,
        recap=DemoRecap(
            {"en": "Residents shared what changed since the lock-it-or-lose-it campaign."},
            (
                DemoCommitment(
                    "Add a bicycle and car engraving stand at the Southfield market.",
                    60,
                    CommitmentStatus.DROPPED,
                    "The market closed for renovation; we moved the stand to the station "
                    "car park instead.",
                    after=50,
                ),
                DemoCommitment(
                    "Report the car-crime figures for Southfield at every forum.",
                    None,
                    CommitmentStatus.OPEN,
                    "Figures shared at the last two forums.",
                    after=60,
                ),
            ),
        ),
    ),
    DemoEvent(
        key="engraving",
        kind=EventKind.OTHER,
        texts=_texts(
            "Bike engraving morning",
            "Bring your bicycle: we engrave and register it for free.",
        ),
        day=-90,
        weekday=5,
        start=dt.time(10, 0),
        minutes=180,
        venue="Station Quarter car park",
        areas=("Station Quarter",),
        crowd=12,
        walk_ins=20,
    ),
    DemoEvent(
        key="lights-walk",
        kind=EventKind.GATHERING,
        texts=_texts(
            "Station Quarter evening walk",
            "Walk the streets with officers and city staff and point out dark spots.",
        ),
        day=-55,
        weekday=3,
        start=dt.time(19, 30),
        minutes=90,
        venue="Station Quarter, outside the station",
        areas=("Station Quarter",),
        crowd=15,
        walk_ins=4,
    ),
    DemoEvent(
        key="conflict-workshop",
        kind=EventKind.SCHOOL_VISIT,
        texts=_texts(
            "Conflict resolution workshop at Northgate Secondary",
            "A workshop with year 10 on calming arguments before they become fights.",
        ),
        day=-30,
        weekday=1,
        start=dt.time(13, 30),
        minutes=90,
        venue="Northgate Secondary School, library",
        areas=("Northgate",),
        crowd=4,
        capacity=30,
    ),
)

AUTUMN_TOWN_HALL = DemoEvent(
    key="autumn-town-hall",
    kind=EventKind.TOWN_HALL,
    texts=_texts(
        "Town hall: a year of community policing",
        "The year's figures, the foot patrols and what comes next, with your questions.",
        fr=(
            "Assemblée publique : une année de police de proximité",
            "Les chiffres de l'année, les patrouilles à pied et la suite, avec vos questions.",
        ),
        es=(
            "Asamblea: un año de policía comunitaria",
            "Las cifras del año, las patrullas a pie y lo que viene, con sus preguntas.",
        ),
    ),
    day=-10,  # moved on to the Thursday: 4 to 10 days ago, so a written answer is still due
    weekday=3,
    start=dt.time(18, 30),
    minutes=120,
    venue="Riverside Town Hall, Council Chamber",
    address="1 Market Square, Riverside",
    areas=("Riverside Centre", "Old Mill", "Lakeshore"),
    crowd=28,
    capacity=120,
    details=TOWN_HALL_ACCESS,
    walk_ins=25,
    questions=(
        DemoQuestion(
            "Will the foot patrols on Main Street continue next year?",
            -120,
            Fate.LIVE,
            votes=17,
            asker="shopkeeper@riverside.example",
            answer="Yes. They cut thefts and damage in the centre, so they continue through "
            "next year, six evenings a week.",
        ),
        DemoQuestion(
            "Are the foot patrols staying after the trial?",
            -60,
            Fate.MERGED,
            votes=3,
        ),
        DemoQuestion(
            "What is being done about speeding past the schools in Old Mill?",
            -96,
            Fate.LIVE,
            votes=12,
            answer="Speed checks at pick-up times start next month, with the city's new signs.",
        ),
        DemoQuestion(
            "How many officers speak French or Spanish, and can I ask for one?",
            -48,
            Fate.LIVE,
            votes=5,
            asker="resident@riverside.example",
            answer="Fourteen officers speak French and six speak Spanish. Ask at the desk or "
            "when you call, and we will find one.",
        ),
        DemoQuestion(
            "Why does it take so long to get a copy of an incident report?",
            -30,
            Fate.WRITING,
            votes=9,
            answer="Reports are reviewed to protect the people named in them. Most copies now "
            "go out within ten working days; you can ask for one online.",
        ),
        DemoQuestion(
            "Can officers visit the Lakeshore seniors' club to talk about phone scams?",
            -20,
            Fate.WRITING,
            votes=7,
            asker="student@riverside.example",
            answer="Yes: an officer will visit the club in the new year, and the talk will be "
            "on the events page.",
        ),
        DemoQuestion(
            "Will there be more lighting on the path from the station to Station Quarter?",
            0.5,
            Fate.DUE,
            votes=11,
        ),
        DemoQuestion(
            "The man at number 12 on my street deals drugs, why haven't you arrested him?",
            -10,
            Fate.HIDDEN,
            reason="It points at one person. Please report it privately through the feedback "
            "form or by phone, so that it can be looked into.",
        ),
    ),
    recap=DemoRecap(
        {
            "en": "About seventy people came. We presented the year's figures, answered "
            "questions live and promised written answers to the rest within 14 days.",
            "fr": "Environ soixante-dix personnes. Nous avons présenté les chiffres de "
            "l'année et répondu aux questions.",
        },
        (
            DemoCommitment(
                "Keep the Main Street foot patrols six evenings a week next year.",
                365,
            ),
            DemoCommitment(
                "Start speed checks near the Old Mill schools at pick-up time.",
                30,
                CommitmentStatus.OPEN,
                "The first checks are planned; the city is putting up the signs.",
                after=2,
            ),
            DemoCommitment(
                "Ask the city for more lighting on the Station Quarter path.",
                60,
            ),
        ),
    ),
)

UPCOMING_TOWN_HALL = DemoEvent(
    key="winter-town-hall",
    kind=EventKind.TOWN_HALL,
    texts=_texts(
        "Winter town hall: Cedar Heights and Northgate",
        "Ask your questions now, up-vote others', and come and hear the answers.",
        fr=(
            "Assemblée d'hiver : Cedar Heights et Northgate",
            "Posez vos questions dès maintenant et votez pour celles des autres.",
        ),
    ),
    day=16,
    weekday=3,
    start=dt.time(18, 30),
    minutes=120,
    venue="Cedar Heights Community Centre",
    address="8 Cedar Avenue, Riverside",
    areas=("Cedar Heights", "Northgate"),
    crowd=14,
    capacity=100,
    details=TOWN_HALL_ACCESS,
    questions=(
        DemoQuestion(
            "Can we have a crossing guard at the Cedar Avenue school gates?",
            70,
            Fate.APPROVED,
            votes=8,
            asker="resident@riverside.example",
        ),
        DemoQuestion(
            "What should I do if I see someone trying car doors at night?",
            40,
            Fate.APPROVED,
            votes=5,
        ),
        DemoQuestion(
            "How can young people join the community safety council?",
            20,
            Fate.APPROVED,
            votes=2,
            asker="student@riverside.example",
        ),
        DemoQuestion(
            "Is the Northgate mall car park patrolled at night?",
            3,
            Fate.PENDING,
        ),
    ),
)

UPCOMING_EVENTS = (
    DemoEvent(
        key="hot-chocolate",
        kind=EventKind.GATHERING,
        texts=_texts(
            "Hot chocolate evening in Old Mill",
            "Meet your neighbourhood officers over a hot drink.",
            fr=("Chocolat chaud à Old Mill", "Rencontrez les agents du quartier."),
        ),
        day=4,
        weekday=4,
        start=dt.time(17, 0),
        minutes=120,
        venue="Old Mill library, garden room",
        areas=("Old Mill",),
        crowd=9,
        details=STEP_FREE,
    ),
    DemoEvent(
        key="home-security",
        kind=EventKind.OTHER,
        texts=_texts(
            "Home security workshop",
            "Locks, lights and doorbell cameras: what works and what it costs. Small group.",
        ),
        day=8,
        weekday=1,
        start=dt.time(18, 30),
        minutes=90,
        venue="Lakeshore Community Centre, room 2",
        address="40 Shore Road, Riverside",
        areas=("Lakeshore",),
        crowd=17,
        capacity=12,
        details=STEP_FREE,
    ),
    UPCOMING_TOWN_HALL,
    DemoEvent(
        key="careers-visit",
        kind=EventKind.SCHOOL_VISIT,
        texts=_texts(
            "Careers in public safety at Riverside High",
            "Officers, a dispatcher and a paramedic talk with year 12 about their work.",
        ),
        day=24,
        weekday=2,
        start=dt.time(11, 0),
        minutes=60,
        venue="Riverside High School, main hall",
        areas=("Riverside Centre",),
        crowd=3,
        capacity=40,
    ),
    DemoEvent(
        key="online-forum",
        kind=EventKind.FORUM,
        texts=_texts(
            "Online forum: street lighting in Station Quarter",
            "The plan for new lights in Station Quarter, online, with the city's engineers.",
            es=(
                "Foro en línea: alumbrado en Station Quarter",
                "El plan de nuevas luces en Station Quarter, en línea.",
            ),
        ),
        day=38,
        weekday=2,
        start=dt.time(19, 0),
        minutes=60,
        venue="",
        areas=("Station Quarter",),
        crowd=6,
        details={"online_url": "https://meet.riverside-police.example/lighting-forum"},
    ),
    DemoEvent(
        key="volunteers-evening",
        kind=EventKind.APPRECIATION,
        texts=_texts(
            "Volunteers' evening",
            "An evening to thank the watch volunteers, crossing guards and youth mentors.",
        ),
        day=60,
        weekday=4,
        start=dt.time(18, 0),
        minutes=150,
        venue="Riverside Town Hall, reception room",
        address="1 Market Square, Riverside",
        areas=("Riverside Centre",),
        crowd=5,
        capacity=80,
        details=STEP_FREE,
    ),
    DemoEvent(
        key="spring-barbecue",
        kind=EventKind.GATHERING,
        texts=_texts(
            "Southfield spring barbecue",
            "The first barbecue of the year, at the Southfield playing fields.",
        ),
        day=85,
        weekday=5,
        start=dt.time(12, 0),
        minutes=240,
        venue="Southfield playing fields",
        areas=("Southfield",),
        crowd=2,
        details={"step_free": True, "childcare": True},
    ),
)

WATCH_MEETING = DemoEvent(
    key="watch",
    kind=EventKind.WATCH_MEETING,
    texts=_texts(
        "Old Mill neighbourhood watch",
        "The weekly meeting of the Old Mill watch: the week's incidents, patrol news and tea.",
        fr=(
            "Surveillance de quartier d'Old Mill",
            "La réunion hebdomadaire : les incidents de la semaine et du thé.",
        ),
    ),
    day=-16 * 7,
    weekday=1,
    start=dt.time(19, 0),
    minutes=90,
    venue="Old Mill library, meeting room",
    address="3 Mill Lane, Riverside",
    areas=("Old Mill",),
    crowd=8,
    opens=7,
    capacity=30,
    details=STEP_FREE,
    walk_ins=3,
)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WATCH_DATES = 28  # about 16 weeks past and 12 to come
WATCH_CANCELLED = 2  # the 3rd date to come is cancelled
WATCH_MOVED = 5  # the 6th date to come moves to the Wednesday

NORTHGATE_EVENTS = (
    DemoEvent(
        key="mall-stand",
        kind=EventKind.GATHERING,
        texts=_texts(
            "Safety information stand at Northgate Mall",
            "Meet the mall's security team: lost children, shoplifting and car-park safety.",
            fr=(
                "Stand d'information au centre commercial Northgate",
                "Rencontrez l'équipe de sécurité du centre commercial.",
            ),
        ),
        day=-40,
        weekday=5,
        start=dt.time(11, 0),
        minutes=240,
        venue="Northgate Mall, central court",
        areas=("Northgate Mall",),
        crowd=5,
        walk_ins=30,
    ),
    DemoEvent(
        key="transit-walk",
        kind=EventKind.OTHER,
        texts=_texts(
            "Late-night safety walk at the Transit Hub",
            "Walk the hub and its car parks with our guards and tell us where you feel unsafe.",
        ),
        day=12,
        weekday=4,
        start=dt.time(21, 0),
        minutes=60,
        venue="Northgate Transit Hub, main entrance",
        areas=("Transit Hub",),
        crowd=4,
        capacity=25,
    ),
)


@dataclass(frozen=True)
class DemoContact:
    kind: ContactKind
    topic: str
    minutes: tuple[int, int]
    people: tuple[int, int]


CONTACTS = (
    DemoContact(ContactKind.FOOT_PATROL, "Shoplifting worries on the high street", (5, 20), (1, 4)),
    DemoContact(ContactKind.FOOT_PATROL, "Late-night noise near the bars", (5, 15), (1, 3)),
    DemoContact(ContactKind.FOOT_PATROL, "Bicycle thefts at the station racks", (5, 15), (1, 2)),
    DemoContact(
        ContactKind.BUSINESS_VISIT, "Security cameras and lighting advice", (15, 45), (1, 3)
    ),
    DemoContact(ContactKind.BUSINESS_VISIT, "Graffiti on shop shutters", (10, 30), (1, 2)),
    DemoContact(ContactKind.SCHOOL_DROP_IN, "Speeding at pick-up time", (15, 40), (2, 12)),
    DemoContact(
        ContactKind.SCHOOL_DROP_IN, "Online safety questions from pupils", (20, 60), (5, 30)
    ),
    DemoContact(ContactKind.COMMUNITY_GROUP, "Phone scams targeting seniors", (30, 90), (6, 25)),
    DemoContact(ContactKind.COMMUNITY_GROUP, "Joining the neighbourhood watch", (20, 60), (4, 15)),
    DemoContact(ContactKind.OTHER, "Lost dog returned to its owner", (10, 30), (1, 2)),
)
# Where the police's officers spend their informal time; Cedar Heights and Elm Park get none,
# so the engagement figures show zeros too.
CONTACT_AREAS = {
    "Riverside Centre": 5,
    "Station Quarter": 3,
    "Old Mill": 2,
    "Lakeshore": 2,
    "Southfield": 2,
    "Northgate": 1,
}
NORTHGATE_CONTACT_AREAS = {"Northgate Mall": 3, "Transit Hub": 2, "Business Park": 1}
CONTACT_DAYS = 90


@dataclass
class Cast:
    """Who does what, and the moment the demo is built (the end of the replay)."""

    organization: Organization
    organizer: User
    hosts: list[User]
    moderator: User
    residents: dict[str, User]
    areas: dict[str, Area]
    zone: zoneinfo.ZoneInfo
    today: dt.date
    now: dt.datetime


def build(police: Organization, security: Organization, users: dict[str, User]) -> int:
    """Replay the events of both organisations (once each); how many events the police has."""
    residents = {email: users[email] for email in RESIDENTS}
    if not Event.objects.filter(organization=police).exists():
        officer = users["officer@riverside.example"]
        cast = _cast(
            police,
            officer,
            [officer, users["supervisor@riverside.example"]],
            users["moderator@riverside.example"],
            residents,
        )
        _replay(cast, (*PAST_EVENTS, AUTUMN_TOWN_HALL, *UPCOMING_EVENTS), watch=WATCH_MEETING)
        _contacts(cast, [officer, users["supervisor@riverside.example"]], CONTACT_AREAS)
    if not Event.objects.filter(organization=security).exists():
        guard = users["guard@northgate.example"]
        cast = _cast(security, guard, [guard], users["admin@northgate.example"], residents)
        _replay(cast, NORTHGATE_EVENTS, watch=None)
        _contacts(cast, [guard], NORTHGATE_CONTACT_AREAS)
    return Event.objects.filter(organization=police).count()


def _cast(
    organization: Organization,
    organizer: User,
    hosts: list[User],
    moderator: User,
    residents: dict[str, User],
) -> Cast:
    zone = zoneinfo.ZoneInfo(organization.timezone)
    now = timezone.now()
    return Cast(
        organization,
        organizer,
        hosts,
        moderator,
        residents,
        {a.name: a for a in Area.objects.filter(organization=organization)},
        zone,
        now.astimezone(zone).date(),
        now,
    )


# Events and their dates ------------------------------------------------------------------


def _replay(cast: Cast, demos: Sequence[DemoEvent], *, watch: DemoEvent | None) -> None:
    """Create and publish every event, then live each date in time order (sign-ups, the
    door, questions, the recap), so that first-time attendees are counted as they came."""
    dates: list[tuple[Occurrence, DemoEvent, int]] = []  # (date, plan, its place in a series)
    for demo in demos:
        event = _publish(cast, demo, _starts(cast, demo), "")
        dates.append((event.occurrences.get(), demo, -1))
    if watch is not None:
        series = _watch_series(cast, watch)
        occurrences = list(series.occurrences.order_by("original_start"))
        dates.extend((o, watch, n) for n, o in enumerate(occurrences) if not o.cancelled)
    dates.sort(key=lambda entry: (entry[0].starts_at, entry[0].pk))
    for occurrence, demo, position in dates:
        # Seeded by the event and the date's place in its series, not by the day it falls
        # on, so that each date lives the same life whatever day the demo is built.
        rng = random.Random(f"{SEED}:{demo.key}:{position}")
        _sign_ups(cast, rng, occurrence, demo)
        over = occurrence.ends_at <= cast.now
        if over:
            _door(cast, rng, occurrence, demo)
        written = _questions(cast, occurrence, demo) if demo.questions else []
        if position < 0 and over and demo.recap is not None:
            _recap(cast, occurrence, demo.recap)
        _written_answers(cast, occurrence, written)


def _starts(cast: Cast, demo: DemoEvent) -> dt.datetime:
    """The local start: ``day`` days from today, moved on to the plan's weekday."""
    day = cast.today + dt.timedelta(days=demo.day)
    day += dt.timedelta(days=(demo.weekday - day.weekday()) % 7)
    return dt.datetime.combine(day, demo.start, tzinfo=cast.zone)


def _publish(cast: Cast, demo: DemoEvent, starts_at: dt.datetime, rule: str) -> Event:
    areas = [cast.areas[name] for name in demo.areas]
    event = services.create_event(
        cast.organizer,
        cast.organization,
        kind=demo.kind,
        texts=demo.texts,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=demo.minutes),
        recurrence_rule=rule,
        capacity=demo.capacity,
        areas=areas,
        hosts=cast.hosts,
        venue=demo.venue,
        address=demo.address,
        **demo.details,
    )
    return services.publish_event(cast.organizer, event)


def _watch_series(cast: Cast, demo: DemoEvent) -> Event:
    """Every Tuesday at 19:00 from about 16 weeks ago, ``WATCH_DATES`` dates in all; one
    date to come is cancelled and another moved to the Wednesday."""
    first = _starts(cast, demo)
    rule = f"FREQ=WEEKLY;BYDAY={WEEKDAYS[demo.weekday]};COUNT={WATCH_DATES}"
    event = _publish(cast, demo, first, rule)
    to_come = [o for o in event.occurrences.order_by("original_start") if o.ends_at > cast.now]
    services.cancel_occurrence(cast.organizer, to_come[WATCH_CANCELLED])
    moved = to_come[WATCH_MOVED]
    services.move_occurrence(
        cast.organizer,
        moved,
        starts_at=_local_shift(moved.starts_at, cast.zone, days=1),
        ends_at=_local_shift(moved.ends_at, cast.zone, days=1),
    )
    return event


def _local_shift(moment: dt.datetime, zone: zoneinfo.ZoneInfo, *, days: int) -> dt.datetime:
    """The same wall-clock time ``days`` later (across a daylight-saving change too)."""
    local = moment.astimezone(zone)
    return dt.datetime.combine(local.date() + dt.timedelta(days=days), local.time(), tzinfo=zone)


# Sign-ups and the door -------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    user: User | None
    name: str = ""
    email: str = ""


def _people(cast: Cast, rng: random.Random, demo: DemoEvent, count: int) -> list[Person]:
    """Who signs up: demo residents (signed in) and guests; the watch from its regulars,
    with a newcomer now and then."""
    residents = [Person(cast.residents[email]) for email in RESIDENTS]
    guests = [Person(None, name, email) for name, email in GUESTS]
    if demo.kind != EventKind.WATCH_MEETING:
        return rng.sample(residents + guests, count)
    people = rng.sample(residents + guests[:REGULARS], count)
    if rng.random() < NEWCOMER:
        people[-1] = rng.choice(guests[REGULARS:])
    return people


def _sign_ups(cast: Cast, rng: random.Random, occurrence: Occurrence, demo: DemoEvent) -> None:
    """Sign-ups from when they open until two hours before the date (or until now, for a
    date to come): most guests confirm from their e-mail within hours, a few never do, a
    few cancel later. Every step runs at its own moment, in time order."""
    count = demo.crowd if demo.kind != EventKind.WATCH_MEETING else rng.randint(4, demo.crowd)
    latest = min(occurrence.starts_at - dt.timedelta(hours=2), cast.now - dt.timedelta(minutes=5))
    earliest = occurrence.starts_at - dt.timedelta(days=demo.opens)
    if latest <= earliest:
        return
    span = (latest - earliest).total_seconds()
    steps: list[Step] = []
    for position, person in enumerate(_people(cast, rng, demo, count)):
        signed = earliest + dt.timedelta(seconds=rng.uniform(0, span))
        confirmed = signed + dt.timedelta(minutes=rng.uniform(2, 600))
        cancelled = confirmed + (latest - confirmed) * rng.uniform(0.2, 0.9)
        cancels = rng.random() < 0.08 and cancelled > confirmed
        pending = person.user is None and (rng.random() < 0.1 or confirmed >= latest)
        signing = Signing(occurrence, person)
        steps.append(Step(signed, position, signing.sign))
        if person.user is None and not pending:
            steps.append(Step(confirmed, position, signing.confirm))
        if cancels and not pending:
            steps.append(Step(cancelled, position, signing.cancel))
    for step in sorted(steps, key=lambda step: (step.at, step.position)):
        step.action(step.at)


@dataclass(frozen=True)
class Step:
    at: dt.datetime
    position: int  # keeps the order of steps at the same moment
    action: Callable[[dt.datetime], object]


@dataclass
class Signing:
    """One person's sign-up to one date, as the steps of its life."""

    occurrence: Occurrence
    person: Person
    signed: services.SignedUp | None = None

    def sign(self, now: dt.datetime) -> None:
        self.signed = services.sign_up(
            self.occurrence,
            user=self.person.user,
            name=self.person.name,
            email=self.person.email,
            now=now,
        )

    def confirm(self, now: dt.datetime) -> None:
        assert self.signed is not None  # noqa: S101  signing comes first
        services.confirm_guest(self.signed.rsvp, self.signed.secret, now=now)

    def cancel(self, now: dt.datetime) -> None:
        assert self.signed is not None  # noqa: S101  signing comes first
        rsvp = Rsvp.objects.get(pk=self.signed.rsvp.pk)
        if self.person.user is None:
            services.cancel_with_secret(rsvp, self.signed.secret, now=now)
        else:
            services.cancel_sign_up(rsvp, now=now)


def _door(cast: Cast, rng: random.Random, occurrence: Occurrence, demo: DemoEvent) -> None:
    """Most confirmed people come and are checked in (by the QR code of their confirmation,
    or by name from the list); some do not show; walk-ins are counted."""
    confirmed = list(
        Rsvp.objects.filter(occurrence=occurrence, status=RsvpStatus.CONFIRMED).order_by(
            "confirmed_at", "id"
        )
    )
    arrivals = []
    for rsvp in confirmed:
        if rng.random() < 0.8:
            minutes = rng.uniform(-20, 25)
            arrivals.append((occurrence.starts_at + dt.timedelta(minutes=minutes), rsvp))
    for moment, rsvp in sorted(arrivals, key=lambda arrival: (arrival[0], arrival[1].pk)):
        if rng.random() < 0.7:
            code = checkin.issue_code(rsvp)
            checkin.check_in_by_code(cast.organizer, occurrence, code, now=moment)
        else:
            checkin.check_in_by_name(cast.organizer, rsvp, now=moment)
    walk_ins = rng.randint(demo.walk_ins // 2, demo.walk_ins) if demo.walk_ins else 0
    if walk_ins:
        checkin.add_walk_ins(cast.organizer, occurrence, walk_ins)


# Questions, recaps and commitments -------------------------------------------------------


def _questions(
    cast: Cast, occurrence: Occurrence, demo: DemoEvent
) -> list[tuple[Question, DemoQuestion]]:
    """Questions asked ahead and during the event, moderated (approved and up-voted,
    merged, hidden) and answered live; once the event is over, the rest are due in writing.
    The questions to answer in writing afterwards are returned."""
    event = occurrence.event
    over = occurrence.ends_at <= cast.now
    asked: list[tuple[Question, DemoQuestion, dt.datetime]] = []
    for plan in demo.questions:
        # Hours after the start for an event that is over; hours before now for one to come.
        moment = (
            occurrence.starts_at + dt.timedelta(hours=plan.hours)
            if over
            else cast.now - dt.timedelta(hours=plan.hours)
        )
        asker = cast.residents.get(plan.asker)
        question = questions.ask(event, plan.text, now=moment, user=asker, anonymous=asker is None)
        asked.append((question, plan, moment))
    previous: Question | None = None
    for position, (question, plan, moment) in enumerate(asked):
        moderated = moment + dt.timedelta(minutes=40)
        if plan.fate == Fate.HIDDEN:
            questions.hide(cast.moderator, question, plan.reason, now=moderated)
        elif plan.fate != Fate.PENDING:
            _approve_and_vote(cast, question, position, plan.votes, moderated)
        if plan.fate == Fate.MERGED:
            assert previous is not None  # noqa: S101  a repeat follows what it repeats
            questions.merge(cast.moderator, question, previous, now=moderated)
        elif plan.fate != Fate.HIDDEN:
            previous = question
    live = [(q, plan) for q, plan, _moment in asked if plan.fate == Fate.LIVE]
    for turn, (question, plan) in enumerate(live):
        moment = occurrence.starts_at + dt.timedelta(minutes=25 + 20 * turn)
        questions.answer(cast.moderator, question, plan.answer, now=moment, live=True)
    if not over:
        return []
    questions.set_answer_due(event, now=occurrence.ends_at)
    return [(q, plan) for q, plan, _moment in asked if plan.fate == Fate.WRITING]


def _written_answers(
    cast: Cast, occurrence: Occurrence, written: list[tuple[Question, DemoQuestion]]
) -> None:
    """Answers in writing, one a day after the event (well within their due date)."""
    for days, (question, plan) in enumerate(written, start=1):
        moment = occurrence.ends_at + dt.timedelta(days=days, hours=15)
        questions.answer(cast.moderator, question, plan.answer, now=moment, live=False)


def _approve_and_vote(
    cast: Cast, question: Question, position: int, count: int, moment: dt.datetime
) -> None:
    """Approve the question and give it ``count`` up-votes: from devices, and from the
    signed-in demo residents on the most popular ones."""
    questions.approve(cast.moderator, question, now=moment)
    residents = list(cast.residents.values())[: count // 4]
    voters = [questions.voter_key(user=user) for user in residents]
    voters += [
        questions.voter_key(device=f"demo-device-{position}-{n}")
        for n in range(count - len(voters))
    ]
    for voter in voters:
        questions.vote(question, voter)


def _recap(cast: Cast, occurrence: Occurrence, plan: DemoRecap) -> None:
    """The recap a day or two after the event, and what became of its commitments."""
    event = occurrence.event
    published = occurrence.ends_at + dt.timedelta(days=plan.after)
    if published >= cast.now:
        return
    event_day = occurrence.starts_at.astimezone(cast.zone).date()
    recap = recaps.publish_recap(
        cast.organizer,
        event,
        texts={language: {"summary": text} for language, text in plan.summary.items()},
        commitments=[
            (c.text, None if c.due is None else event_day + dt.timedelta(days=c.due))
            for c in plan.commitments
        ],
        now=published,
    )
    for commitment, demo in zip(recap.commitments.order_by("id"), plan.commitments, strict=True):
        moment = published + dt.timedelta(days=demo.after)
        if demo.update and moment < cast.now:
            recaps.follow_up(
                cast.organizer, commitment, status=demo.status, update=demo.update, now=moment
            )


# Informal contacts ---------------------------------------------------------------------


def _contacts(cast: Cast, officers: list[User], weights: dict[str, int]) -> None:
    """About one informal contact a day over the last 90 days, in the busier areas."""
    rng = random.Random(f"{SEED}:contacts:{cast.organization.slug}")
    names = sorted(weights)
    for back in range(CONTACT_DAYS, -1, -1):
        day = cast.today - dt.timedelta(days=back)
        for _ in range(rng.choice((0, 1, 1, 1, 2)) if day.weekday() < 5 else rng.choice((0, 1))):
            contact = rng.choice(CONTACTS)
            engagement.log_contact(
                rng.choice(officers),
                cast.organization,
                kind=contact.kind,
                topic=contact.topic,
                minutes=rng.randint(*contact.minutes),
                people=rng.randint(*contact.people),
                happened_on=day,
                today=cast.today,
                area=cast.areas[rng.choices(names, weights=[weights[n] for n in names])[0]],
            )
