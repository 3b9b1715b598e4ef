"""The feedback categories and settings an organisation starts with.

Names and descriptions are English source strings marked for translation; pages show them
through ``gettext`` (``category_label``), so the defaults read in French and Spanish too.
An organisation renames, retargets or adds categories from its staff pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from trustbridge.core.models import Organization
from trustbridge.feedback.models import Category, FeedbackSettings, Kind


@dataclass(frozen=True)
class DefaultCategory:
    code: str
    name: str
    description: str
    kind: str  # "" for any kind but conduct
    acknowledge_hours: int
    resolve_hours: int


DEFAULT_CATEGORIES = (
    DefaultCategory(
        "safety",
        gettext_noop("Safety concern"),
        gettext_noop("Something that makes you or others feel unsafe."),
        "",
        8,
        80,
    ),
    DefaultCategory(
        "nuisance",
        gettext_noop("Noise or nuisance"),
        gettext_noop("Noise, gatherings, litter or other nuisance."),
        "",
        16,
        120,
    ),
    DefaultCategory(
        "traffic",
        gettext_noop("Traffic and parking"),
        gettext_noop("Speeding, dangerous driving, blocked roads or parking."),
        "",
        16,
        120,
    ),
    DefaultCategory(
        "question",
        gettext_noop("Question"),
        gettext_noop("Ask us anything about our work."),
        Kind.QUESTION,
        8,
        40,
    ),
    DefaultCategory(
        "suggestion",
        gettext_noop("Suggestion"),
        gettext_noop("An idea to make the neighbourhood safer."),
        Kind.SUGGESTION,
        16,
        160,
    ),
    DefaultCategory(
        "compliment",
        gettext_noop("Compliment"),
        gettext_noop("Thank someone for their work."),
        Kind.COMPLIMENT,
        16,
        40,
    ),
    DefaultCategory(
        "conduct",
        gettext_noop("Complaint about conduct"),
        gettext_noop(
            "How a member of our staff behaved. Only our professional standards team reads it."
        ),
        Kind.CONDUCT,
        8,
        240,
    ),
)


def ensure_feedback_setup(organization: Organization) -> dict[str, Category]:
    """The organisation's categories by code, creating the settings and the default
    categories on first use."""
    FeedbackSettings.objects.get_or_create(organization=organization)
    existing = {c.code: c for c in Category.objects.filter(organization=organization)}
    if existing:
        return existing
    Category.objects.bulk_create(
        Category(
            organization=organization,
            code=d.code,
            name=d.name,
            description=d.description,
            kind=d.kind,
            acknowledge_hours=d.acknowledge_hours,
            resolve_hours=d.resolve_hours,
            position=position,
        )
        for position, d in enumerate(DEFAULT_CATEGORIES)
    )
    return {c.code: c for c in Category.objects.filter(organization=organization)}


def category_label(category: Category) -> str:
    """The category's name in the active language (defaults are translated)."""
    return _(category.name)


def category_description(category: Category) -> str:
    return _(category.description) if category.description else ""
