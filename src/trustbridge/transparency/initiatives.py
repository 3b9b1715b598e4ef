"""Every change to initiatives, their milestones, progress updates, success stories and
followers.

One function per user action: the acting user first, the rule checked, the change written
and audited in one transaction, e-mails scheduled after commit.

Followers have no account. Asking to follow stores nothing: the confirmation link carries
the address, signed, and only a confirmed follower is written. Each update e-mail carries a
signed unsubscribe link that works without signing in and deletes the row.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.text import slugify
from django.utils.translation import gettext as _

from trustbridge.core import audit, rules
from trustbridge.core.checks import full_clean, require
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.images import clean_image
from trustbridge.core.models import Area, AuditAction, Organization
from trustbridge.core.tenancy import scoped
from trustbridge.transparency.models import (
    Follower,
    Initiative,
    InitiativeStatus,
    InitiativeUpdate,
    Milestone,
    OffenceCategory,
    SuccessStory,
)

if TYPE_CHECKING:
    from trustbridge.accounts.models import User

INITIATIVE_EDITABLE = (
    "title",
    "summary",
    "goal",
    "status",
    "areas",
    "categories",
    "started_on",
    "ended_on",
)
# Paths under /o/<slug>/initiatives/ that an initiative's short name must not take.
RESERVED_SLUGS = frozenset({"stories", "follow", "unfollow", "new"})
FOLLOW_SALT = "trustbridge.transparency.follow"
UNFOLLOW_SALT = "trustbridge.transparency.unfollow"
FOLLOW_LINK_SECONDS = 7 * 24 * 3600
FOLLOW_REQUESTS_PER_HOUR = 3


class TooManyFollowRequests(ServiceError):
    """An address asked to follow too often; nothing was sent."""


def _unique_slug(model: Any, organization: Organization, text: str, exclude_pk: int | None) -> str:
    base = slugify(text)[:70].strip("-") or "initiative"
    candidate, number = base, 1
    taken = scoped(model, organization).exclude(pk=exclude_pk)
    while candidate in RESERVED_SLUGS or taken.filter(slug=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _check_dates(started_on: date | None, ended_on: date | None) -> None:
    if started_on and ended_on and ended_on < started_on:
        raise ServiceError(
            ErrorCode.INVALID, _("The end date cannot be before the start date."), "ended_on"
        )


def _check_scope(
    organization: Organization, areas: list[Area], categories: list[OffenceCategory]
) -> None:
    """Areas and categories must be the organisation's own."""
    if any(a.organization_id != organization.pk for a in areas):
        raise ServiceError(ErrorCode.INVALID, _("Choose areas from the list."), "areas")
    if any(c.organization_id != organization.pk for c in categories):
        raise ServiceError(ErrorCode.INVALID, _("Choose categories from the list."), "categories")


# Initiatives ---------------------------------------------------------------------------


def create_initiative(
    *,
    actor: User,
    organization: Organization,
    title: str,
    summary: str,
    goal: str,
    status: str = InitiativeStatus.PLANNED,
    areas: list[Area] | None = None,
    categories: list[OffenceCategory] | None = None,
    started_on: date | None = None,
    ended_on: date | None = None,
) -> Initiative:
    """Draft a new initiative. It stays unpublished until a publisher publishes it."""
    require(rules.can_manage_initiatives(actor, organization))
    areas, categories = list(areas or []), list(categories or [])
    _check_scope(organization, areas, categories)
    _check_dates(started_on, ended_on)
    initiative = Initiative(
        organization=organization,
        slug=_unique_slug(Initiative, organization, title, None),
        title=title.strip(),
        summary=summary.strip(),
        goal=goal.strip(),
        status=status,
        started_on=started_on,
        ended_on=ended_on,
    )
    full_clean(initiative, exclude=["organization", "areas", "categories"])
    try:
        with transaction.atomic():
            initiative.save()
            initiative.areas.set(areas)
            initiative.categories.set(categories)
            audit.record(
                actor=actor, action=AuditAction.CREATE, organization=organization, target=initiative
            )
    except IntegrityError as exc:  # a concurrent create took the same short name
        raise ServiceError(
            ErrorCode.DUPLICATE, _("An initiative with this title already exists."), "title"
        ) from exc
    return initiative


def update_initiative(*, actor: User, initiative: Initiative, **changes: Any) -> Initiative:
    require(rules.can_change_initiative(actor, initiative))
    unknown = set(changes) - set(INITIATIVE_EDITABLE)
    if unknown:
        raise ServiceError(
            ErrorCode.INVALID, _("This field cannot be changed."), sorted(unknown)[0]
        )
    organization = initiative.organization
    areas = list(changes.pop("areas", initiative.areas.all()))
    categories = list(changes.pop("categories", initiative.categories.all()))
    _check_scope(organization, areas, categories)
    for name in ("title", "summary", "goal"):
        if name in changes:
            changes[name] = changes[name].strip()
    _check_dates(
        changes.get("started_on", initiative.started_on),
        changes.get("ended_on", initiative.ended_on),
    )
    changed = [name for name, value in changes.items() if getattr(initiative, name) != value]
    if {a.pk for a in areas} != set(initiative.areas.values_list("pk", flat=True)):
        changed.append("areas")
    if {c.pk for c in categories} != set(initiative.categories.values_list("pk", flat=True)):
        changed.append("categories")
    if not changed:
        return initiative
    original = {name: getattr(initiative, name) for name in changes}
    for name, value in changes.items():
        setattr(initiative, name, value)
    try:
        full_clean(initiative, exclude=["organization", "areas", "categories", "slug"])
    except ServiceErrors:
        for name, value in original.items():
            setattr(initiative, name, value)
        raise
    with transaction.atomic():
        fields = [n for n in changed if n not in ("areas", "categories")]
        if fields:
            initiative.save(update_fields=fields)
        initiative.areas.set(areas)
        initiative.categories.set(categories)
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=organization,
            target=initiative,
            changes=changed,
        )
    return initiative


def set_initiative_published(*, actor: User, initiative: Initiative, published: bool) -> Initiative:
    """Publish an initiative, or withdraw it from the public pages (its followers stay)."""
    require(rules.can_publish_initiatives(actor, initiative.organization))
    if initiative.published == published:
        return initiative
    with transaction.atomic():
        initiative.published = published
        initiative.save(update_fields=["published"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=initiative.organization,
            target=initiative,
            summary="published" if published else "unpublished",
            changes=["published"],
        )
    return initiative


# Milestones ----------------------------------------------------------------------------


def add_milestone(
    *, actor: User, initiative: Initiative, title: str, due_on: date | None = None
) -> Milestone:
    require(rules.can_change_initiative(actor, initiative))
    position = initiative.milestones.count()
    milestone = Milestone(
        initiative=initiative, title=title.strip(), due_on=due_on, position=position
    )
    full_clean(milestone, exclude=["initiative"])
    with transaction.atomic():
        milestone.save()
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            organization=initiative.organization,
            target=milestone,
        )
    return milestone


def complete_milestone(
    *, actor: User, milestone: Milestone, done_on: date | None = None
) -> Milestone:
    """Mark a milestone done (today unless a date is given); done again changes nothing."""
    initiative = milestone.initiative
    require(rules.can_change_initiative(actor, initiative))
    if milestone.done_on is not None:
        return milestone
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ServiceError(
            ErrorCode.INVALID, _("A milestone cannot be done in the future."), "done_on"
        )
    with transaction.atomic():
        milestone.done_on = done_on
        milestone.save(update_fields=["done_on"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=initiative.organization,
            target=milestone,
            changes=["done_on"],
        )
    return milestone


# Progress updates ----------------------------------------------------------------------


def post_update(
    *,
    actor: User,
    initiative: Initiative,
    title: str,
    body: str,
    photo: UploadedFile | None = None,
    photo_alt: str = "",
) -> InitiativeUpdate:
    """Post a dated progress update; if the initiative is public, e-mail its followers.

    A photo is re-encoded from its pixels (no EXIF, no GPS position) and needs a description
    for people who cannot see it.
    """
    require(rules.can_change_initiative(actor, initiative))
    photo_alt = photo_alt.strip()
    if photo is not None and not photo_alt:
        raise ServiceError(
            ErrorCode.INVALID, _("Describe the photo for people who cannot see it."), "photo_alt"
        )
    update = InitiativeUpdate(
        initiative=initiative,
        title=title.strip(),
        body=body.strip(),
        photo_alt=photo_alt if photo is not None else "",
        author=actor,
        published_at=timezone.now(),
    )
    full_clean(update, exclude=["initiative", "author", "photo"])
    cleaned = clean_image(photo, "photo") if photo is not None else None
    with transaction.atomic():
        if cleaned is not None:
            update.photo.save(cleaned.name or "photo", cleaned, save=False)
        update.save()
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            organization=initiative.organization,
            target=update,
        )
        if initiative.published:
            transaction.on_commit(lambda: _email_update(update))
    return update


def _email_update(update: InitiativeUpdate) -> None:
    from trustbridge.transparency.initiative_tasks import send_update_to_followers

    send_update_to_followers.enqueue(update_id=update.pk)


# Success stories -----------------------------------------------------------------------


def create_story(
    *,
    actor: User,
    organization: Organization,
    title: str,
    body: str,
    initiative: Initiative | None = None,
) -> SuccessStory:
    """Publish a success story, linked to one of the organisation's initiatives if given."""
    require(rules.can_publish_initiatives(actor, organization))
    if initiative is not None and initiative.organization_id != organization.pk:
        raise ServiceError(
            ErrorCode.INVALID, _("Choose an initiative from the list."), "initiative"
        )
    story = SuccessStory(
        organization=organization,
        initiative=initiative,
        slug=_unique_slug(SuccessStory, organization, title, None),
        title=title.strip(),
        body=body.strip(),
        published_at=timezone.now(),
    )
    full_clean(story, exclude=["organization", "initiative"])
    with transaction.atomic():
        story.save()
        audit.record(
            actor=actor, action=AuditAction.CREATE, organization=organization, target=story
        )
    return story


def delete_story(*, actor: User, story: SuccessStory) -> None:
    require(rules.can_publish_initiatives(actor, story.organization))
    with transaction.atomic():
        audit.record(
            actor=actor, action=AuditAction.DELETE, organization=story.organization, target=story
        )
        story.delete()


# Followers (residents without an account) ----------------------------------------------


def follower_digest(initiative: Initiative, email: str) -> str:
    """A keyed hash naming one address's follow of one initiative (its unsubscribe key)."""
    value = f"{initiative.pk}:{email.strip().lower()}"
    return salted_hmac(FOLLOW_SALT, value, algorithm="sha256").hexdigest()


def unsubscribe_token(follower: Follower) -> str:
    return signing.dumps(follower.digest, salt=UNFOLLOW_SALT)


def _rate_key(email: str) -> str:
    return "initiative-follow:" + hashlib.sha256(email.encode()).hexdigest()


def request_follow(*, initiative: Initiative, email: str) -> None:
    """E-mail ``email`` a link that confirms following ``initiative``. Stores nothing.

    The answer is the same whether or not the address already follows, so that nobody can
    learn who does. Each address may ask a few times an hour at most.
    """
    if not initiative.published:
        raise ServiceError(ErrorCode.NOT_FOUND, _("This initiative is not published."))
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ServiceError(ErrorCode.INVALID, _("Enter a valid e-mail address."), "email") from exc
    key = _rate_key(email)
    cache.add(key, 0, timeout=3600)
    try:
        asked = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        asked = 1
    if asked > FOLLOW_REQUESTS_PER_HOUR:
        raise TooManyFollowRequests(
            ErrorCode.INVALID,
            _("Too many requests for this address. Try again in an hour."),
            "email",
        )
    token = signing.dumps({"i": initiative.pk, "e": email}, salt=FOLLOW_SALT)
    transaction.on_commit(lambda: _email_confirmation(initiative, email, token))


def _email_confirmation(initiative: Initiative, email: str, token: str) -> None:
    from trustbridge.transparency.initiative_tasks import send_follow_confirmation

    send_follow_confirmation.enqueue(
        initiative_id=initiative.pk, email=email, token=token, language=translation.get_language()
    )


def confirm_follow(*, organization: Organization, token: str) -> Follower:
    """Follow the initiative named in a confirmation link; a second click changes nothing."""
    try:
        data = signing.loads(token, salt=FOLLOW_SALT, max_age=FOLLOW_LINK_SECONDS)
        initiative_id, email = int(data["i"]), str(data["e"])
    except signing.SignatureExpired as exc:
        raise ServiceError(
            ErrorCode.EXPIRED, _("This link has expired. Ask to follow again.")
        ) from exc
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise ServiceError(ErrorCode.NOT_FOUND, _("This link is not valid.")) from exc
    initiative = scoped(Initiative, organization).filter(pk=initiative_id, published=True).first()
    if initiative is None:
        raise ServiceError(ErrorCode.NOT_FOUND, _("This link is not valid."))
    digest = follower_digest(initiative, email)
    with transaction.atomic():
        follower, created = Follower.objects.get_or_create(
            initiative=initiative,
            email=email,
            defaults={"digest": digest, "confirmed_at": timezone.now()},
        )
        if created:
            audit.record(
                actor=None,
                action=AuditAction.CREATE,
                organization=organization,
                target=follower,
                summary="follower confirmed",
            )
    return follower


def follower_for_unsubscribe(*, organization: Organization, token: str) -> Follower | None:
    """The follower an unsubscribe link names, or None if it already left (or never was)."""
    try:
        digest = signing.loads(token, salt=UNFOLLOW_SALT)
    except signing.BadSignature as exc:
        raise ServiceError(ErrorCode.NOT_FOUND, _("This link is not valid.")) from exc
    return (
        Follower.objects.select_related("initiative")
        .filter(digest=str(digest), initiative__organization=organization)
        .first()
    )


def unfollow(*, organization: Organization, token: str) -> bool:
    """Stop e-mailing the follower an unsubscribe link names, and forget the address.

    Returns whether anything was removed (a second click removes nothing).
    """
    follower = follower_for_unsubscribe(organization=organization, token=token)
    if follower is None:
        return False
    with transaction.atomic():
        audit.record(
            actor=None,
            action=AuditAction.DELETE,
            organization=organization,
            target=follower,
            summary="follower unsubscribed",
        )
        follower.delete()
    return True
