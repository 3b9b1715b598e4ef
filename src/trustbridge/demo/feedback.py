"""A year of resident feedback for the demo town, replayed through the feedback services.

About two items a day reach Riverside Police Service: concerns about safety, nuisance and
traffic, questions, suggestions, compliments and a few complaints about conduct, in English
with some French and Spanish. Each item lives its life at its own past moments
(``clock.replaying``): acknowledged and resolved after a number of business hours drawn
around its category's targets (some late), sometimes waiting for the resident, assigned,
referred, merged as a duplicate, moderated for the public page, and answered in the survey
that follows a resolution. Recent items are still open, so the inbox shows every state.
No e-mail leaves while the year is replayed. Building the demo again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.test import override_settings
from django.utils import timezone

from trustbridge.accounts.models import User
from trustbridge.core.models import Area, Organization
from trustbridge.feedback import abuse, clock, intake, survey, workflow
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import CloseReason, Item, Kind, Status, Survey, Team
from trustbridge.feedback.targets import Calendar

SEED = 311
DAYS = 365
PER_DAY = 2.0
NO_MAIL = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@dataclass(frozen=True)
class Template:
    kind: str
    category: str
    texts: tuple[tuple[str, str], ...]  # (language, text); "{area}" is the area's name
    weight: float


TEMPLATES = (
    Template(
        Kind.CONCERN,
        "safety",
        (
            (
                "en",
                "The street light at the corner near {area} park has been out for a week. It feels unsafe walking home.",
            ),
            (
                "en",
                "Cars have been broken into twice this month on our street in {area}. Can patrols come by at night?",
            ),
            (
                "en",
                "Young people gather by the bus shelter in {area} late at night and some residents feel intimidated.",
            ),
            (
                "fr",
                "Il y a souvent des vitres brisées près de la gare de {area}. Pouvez-vous passer plus souvent ?",
            ),
            (
                "es",
                "Hay poca luz en el sendero del parque de {area} y la gente tiene miedo de pasar de noche.",
            ),
        ),
        4,
    ),
    Template(
        Kind.CONCERN,
        "nuisance",
        (
            ("en", "Loud music from a house on our street in {area} most nights after midnight."),
            ("en", "Someone keeps dumping rubbish behind the shops in {area}."),
            ("fr", "Des motos font du bruit tard le soir dans le quartier {area}."),
        ),
        2,
    ),
    Template(
        Kind.CONCERN,
        "traffic",
        (
            (
                "en",
                "Drivers speed past the school in {area} at pick-up time. A child was nearly hit yesterday.",
            ),
            (
                "en",
                "Cars park on the pavement on the main road in {area}; wheelchairs and buggies cannot pass.",
            ),
            ("es", "Los coches no respetan el paso de peatones frente al mercado de {area}."),
        ),
        3,
    ),
    Template(
        Kind.QUESTION,
        "question",
        (
            ("en", "How do I report a bicycle theft that happened last month in {area}?"),
            ("en", "Is there a neighbourhood watch group in {area}, and how do I join?"),
            ("fr", "Comment obtenir une copie d'un rapport d'incident ?"),
        ),
        2,
    ),
    Template(
        Kind.SUGGESTION,
        "suggestion",
        (
            ("en", "Could officers hold a monthly coffee meeting at the library in {area}?"),
            (
                "en",
                "A safe-walk scheme from the station to {area} after dark would help shift workers.",
            ),
            ("es", "Sería bueno tener charlas de seguridad en la escuela de {area}."),
        ),
        1.5,
    ),
    Template(
        Kind.COMPLIMENT,
        "compliment",
        (
            (
                "en",
                "Thank you to the officers who helped my elderly neighbour in {area} when she fell. They were so kind.",
            ),
            ("en", "The foot patrols in {area} have made a real difference. We feel safer."),
            ("fr", "Merci à l'agente qui a retrouvé le vélo de mon fils à {area} !"),
        ),
        2,
    ),
    Template(
        Kind.CONDUCT,
        "conduct",
        (
            (
                "en",
                "An officer was rude to me during a traffic stop in {area} and would not say why I was stopped.",
            ),
            ("en", "I felt I was treated unfairly when I asked for help at the station."),
        ),
        0.5,
    ),
)

ACK_REPLIES = {
    "en": "Thank you for telling us. We have read your message and a member of our team is looking into it.",
    "fr": "Merci de nous avoir écrit. Nous avons lu votre message et un membre de l'équipe s'en occupe.",
    "es": "Gracias por escribirnos. Hemos leído su mensaje y una persona del equipo se está ocupando.",
}
RESOLVED_REPLIES = {
    "en": "We have acted on this: patrols were adjusted and the partner service was informed. Thank you for helping us keep the area safe.",
    "fr": "Nous avons agi : les patrouilles ont été ajustées et le service partenaire a été prévenu. Merci de votre aide.",
    "es": "Hemos actuado: ajustamos las patrullas e informamos al servicio asociado. Gracias por su ayuda.",
}
NAMES = ("Sam", "Amira", "Luc", "Carmen", "Tom", "Mei", "Jonas", "Fatou")


@dataclass
class Cast:
    officer: User
    supervisor: User
    moderator: User
    standards: User
    team: Team


def _cast(organization: Organization, users: dict[str, User]) -> Cast:
    supervisor = users["supervisor@riverside.example"]
    officer = users["officer@riverside.example"]
    team = Team.objects.filter(organization=organization, name="Neighbourhood team").first()
    if team is None:
        team = workflow.create_team(
            supervisor, organization, name="Neighbourhood team", members=[officer]
        )
    return Cast(
        officer,
        supervisor,
        users["moderator@riverside.example"],
        users["standards@riverside.example"],
        team,
    )


def build(organization: Organization, users: dict[str, User]) -> int:
    """Replay a year of feedback (once); returns how many items the organisation has."""
    ensure_feedback_setup(organization)
    if Item.objects.filter(organization=organization).exists():
        return Item.objects.filter(organization=organization).count()
    rng = random.Random(SEED)
    cast = _cast(organization, users)
    calendar = Calendar.of(organization)
    areas = list(Area.objects.filter(organization=organization).order_by("name"))
    # The year ends now: the latest items are still new, acknowledged or waiting.
    end = timezone.now()
    with override_settings(TASKS=NO_MAIL):
        for moment in _arrivals(rng, end, calendar):
            _live(rng, organization, cast, calendar, areas, moment, end)
    return Item.objects.filter(organization=organization).count()


def _arrivals(rng: random.Random, end: dt.datetime, calendar: Calendar) -> list[dt.datetime]:
    """Submission moments over the year, busier in the evening and on weekdays."""
    moments = []
    for back in range(DAYS, -1, -1):
        day = (end.astimezone(calendar.tz) - dt.timedelta(days=back)).date()
        for _ in range(_poisson(rng, PER_DAY * (0.8 if day.weekday() >= 5 else 1.08))):
            hour = rng.choice((8, 9, 11, 12, 13, 17, 18, 19, 20, 21, 22, 23))
            local = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), tzinfo=calendar.tz)
            moments.append(local.astimezone(dt.UTC))
    return sorted(m for m in moments if m < end)


def _poisson(rng: random.Random, mean: float) -> int:
    count, threshold, product = 0, math.exp(-mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _at(moment: dt.datetime, end: dt.datetime, action: Callable[[], object]) -> bool:
    """Run ``action`` as of ``moment`` if that moment has come; say whether it ran."""
    if moment >= end:
        return False
    with clock.replaying(moment):
        action()
    return True


def _live(
    rng: random.Random,
    organization: Organization,
    cast: Cast,
    calendar: Calendar,
    areas: list[Area],
    submitted: dt.datetime,
    end: dt.datetime,
) -> None:
    template = rng.choices(TEMPLATES, weights=[t.weight for t in TEMPLATES])[0]
    language, text = rng.choice(template.texts)
    area = rng.choice(areas)
    with_email = rng.random() < 0.45
    anonymous = template.kind != Kind.COMPLIMENT and rng.random() < 0.12
    name = rng.choice(NAMES)
    submission = intake.Submission(
        kind=template.kind,
        category=template.category,
        description=text.format(area=area.name)
        + (f" My name is {name}." if rng.random() < 0.15 else ""),
        area=area.slug,
        contact_name="" if anonymous else name,
        contact_email=f"{name.lower()}.{rng.randrange(1000)}@example.org" if with_email else "",
        anonymous=anonymous,
        wants_public=template.kind != Kind.CONDUCT and rng.random() < 0.35,
        language=language,
    )
    with clock.replaying(submitted):
        item = intake.submit_item(actor=None, organization=organization, submission=submission).item
    worker = cast.standards if template.kind == Kind.CONDUCT else cast.officer
    category = item.category
    if item.wants_public:
        approve = rng.random() < 0.8
        public_text = abuse.redact(item.description) if approve else ""
        moment = calendar.add_hours(submitted, rng.uniform(1, 12)) or end
        _at(
            moment,
            end,
            lambda: workflow.moderate(
                cast.moderator, item, approve=approve, public_text=public_text
            ),
        )
    late = rng.random() < 0.12
    ack_hours = category.acknowledge_hours * (
        rng.uniform(1.1, 2.5) if late else rng.uniform(0.1, 0.9)
    )
    acknowledged = calendar.add_hours(submitted, ack_hours) or end
    if not _at(acknowledged, end, lambda: workflow.reply(worker, item, ACK_REPLIES[language])):
        return
    if template.kind != Kind.CONDUCT and rng.random() < 0.5:
        _at(acknowledged, end, lambda: workflow.assign(cast.supervisor, item, team=cast.team))
    step = calendar.add_hours(acknowledged, rng.uniform(1, 8)) or end
    if not _at(step, end, lambda: workflow.change_status(worker, item, Status.IN_PROGRESS)):
        return
    latest = step
    paused = 0.0
    if template.kind in (Kind.CONCERN, Kind.CONDUCT) and with_email and rng.random() < 0.15:
        asked = calendar.add_hours(step, rng.uniform(2, 10)) or end
        reason = "Could you tell us the time of day this usually happens?"
        if not _at(
            asked, end, lambda: workflow.change_status(worker, item, Status.WAITING, reason=reason)
        ):
            return
        paused = rng.uniform(4, 40)
        answered = calendar.add_hours(asked, paused) or end
        message = "Mostly between 10 pm and 1 am, on weekdays."
        if not _at(
            answered, end, lambda: intake.add_resident_message(actor=None, item=item, text=message)
        ):
            return
        latest = answered
    late = rng.random() < 0.15
    resolve_hours = category.resolve_hours * (
        rng.uniform(1.05, 1.8) if late else rng.uniform(0.2, 0.95)
    )
    finished = calendar.add_hours(submitted, resolve_hours + paused) or end
    if finished <= latest:  # a quick resolution still comes after the last step
        finished = calendar.add_hours(latest, rng.uniform(1, 8)) or end
    outcome = rng.random()
    closing: Callable[[], object]
    if template.kind == Kind.QUESTION or template.kind == Kind.COMPLIMENT or outcome < 0.82:
        closing = lambda: _resolve(worker, item, language)  # noqa: E731
    elif outcome < 0.92:
        closing = lambda: workflow.change_status(  # noqa: E731
            worker,
            item,
            Status.CLOSED,
            close_reason=CloseReason.REFERRED,
            reason="This is for the city's public works department; we have passed it on.",
        )
    else:
        original = (
            Item.objects.filter(
                organization=organization,
                category=category,
                area=item.area,
                submitted_at__lt=item.submitted_at,
            )
            .exclude(status=Status.CLOSED)
            .order_by("-submitted_at")
            .first()
        )
        if original is None:
            closing = lambda: _resolve(worker, item, language)  # noqa: E731
        else:
            closing = lambda: workflow.merge(worker, item, original)  # noqa: E731
    if not _at(finished, end, closing):
        return
    survey_row = Survey.objects.filter(item=item).first()
    if survey_row is not None and rng.random() < 0.6:
        answered = finished + dt.timedelta(hours=rng.uniform(2, 72))
        base = 2 if late else 4
        scores = [max(1, min(5, base + rng.choice((-1, 0, 0, 1)))) for _ in range(3)]
        _at(
            answered,
            end,
            lambda: survey.answer_survey(
                survey=survey_row, listened=scores[0], respected=scores[1], explained=scores[2]
            ),
        )


def _resolve(worker: User, item: Item, language: str) -> None:
    workflow.reply(worker, item, RESOLVED_REPLIES[language])
    workflow.change_status(worker, item, Status.RESOLVED)
