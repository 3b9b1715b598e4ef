"""Every change to organisations, areas, memberships and invitations.

One function per user action: the acting user first, the rule checked, the change written
and audited in one transaction, side effects scheduled after commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from trustbridge.core import audit, rules
from trustbridge.core.checks import full_clean, require
from trustbridge.core.digests import digest_of
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.geo import FeatureProblem, GeometryError, features_of, validate_boundary
from trustbridge.core.images import clean_image
from trustbridge.core.models import (
    Area,
    AreaKind,
    AuditAction,
    Invitation,
    Membership,
    Organization,
    Role,
)
from trustbridge.core.tenancy import scoped

if TYPE_CHECKING:
    from trustbridge.accounts.models import User

ORGANIZATION_EDITABLE = (
    "name",
    "description",
    "timezone",
    "languages",
    "contact_email",
    "contact_phone",
    "website",
    "address",
    "brand_colour",
    "logo",
)
AREA_EDITABLE = ("name", "slug", "kind", "description", "population", "geometry")


# Organisations -------------------------------------------------------------------------


def create_organization(
    *, actor: User | None, slug: str, name: str, kind: str, **fields: Any
) -> Organization:
    """Create a tenant. Only platform operators (superusers, the CLI and the demo) may."""
    require(actor is None or actor.is_superuser)
    if Organization.objects.filter(slug=slug).exists():
        raise ServiceError(
            ErrorCode.DUPLICATE, _("An organisation with this short name already exists."), "slug"
        )
    organization = Organization(slug=slug, name=name, kind=kind, **fields)
    if not organization.languages:
        organization.languages = ["en"]
    full_clean(organization)
    with transaction.atomic():
        organization.save()
        audit.record(
            actor=actor, action=AuditAction.CREATE, organization=organization, target=organization
        )
    return organization


def update_organization(*, actor: User, organization: Organization, **changes: Any) -> Organization:
    require(rules.can_edit_organization(actor, organization))
    unknown = set(changes) - set(ORGANIZATION_EDITABLE)
    if unknown:
        raise ServiceError(
            ErrorCode.INVALID, _("This field cannot be changed."), sorted(unknown)[0]
        )
    if changes.get("logo") is not None and not isinstance(changes["logo"], str):
        changes["logo"] = clean_image(changes["logo"], "logo", max_side=512)
    changed = [name for name, value in changes.items() if getattr(organization, name) != value]
    if not changed:
        return organization
    for name in changed:
        if name != "logo":
            setattr(organization, name, changes[name])
    try:
        full_clean(organization, exclude=["logo"])
    except ServiceErrors:
        organization.refresh_from_db(fields=[n for n in changed if n != "logo"])
        raise
    with transaction.atomic():
        if "logo" in changed:
            if changes["logo"]:
                organization.logo.save(changes["logo"].name, changes["logo"], save=False)
            else:
                organization.logo = ""
        organization.save(update_fields=changed)
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=organization,
            target=organization,
            changes=changed,
        )
    return organization


# Areas ---------------------------------------------------------------------------------


MAX_POPULATION = 2_147_483_647  # the largest number every supported database column holds


def _check_population(population: int | None) -> None:
    if population is None:
        return
    try:
        MaxValueValidator(MAX_POPULATION)(population)
    except ValidationError as exc:
        raise ServiceError(ErrorCode.INVALID, " ".join(exc.messages), "population") from None


def _boundary(geometry: Any) -> dict[str, Any]:
    try:
        return validate_boundary(geometry)
    except GeometryError as exc:
        raise ServiceError(ErrorCode.INVALID, str(exc), "geometry") from exc


def create_area(
    *,
    actor: User | None,
    organization: Organization,
    name: str,
    geometry: Any,
    slug: str = "",
    kind: str = AreaKind.NEIGHBOURHOOD,
    description: str = "",
    population: int | None = None,
) -> Area:
    require(actor is None or rules.can_manage_areas(actor, organization))
    _check_population(population)
    area = Area(
        organization=organization,
        name=name.strip(),
        slug=slug or slugify(name)[:80],
        kind=kind,
        description=description,
        population=population,
        geometry=_boundary(geometry),
    )
    full_clean(area, exclude=["organization"])
    if scoped(Area, organization).filter(slug=area.slug).exists():
        raise ServiceError(
            ErrorCode.DUPLICATE, _("An area with this short name already exists."), "slug"
        )
    try:
        with transaction.atomic():
            area.save()
            audit.record(
                actor=actor, action=AuditAction.CREATE, organization=organization, target=area
            )
    except IntegrityError as exc:  # a concurrent create won the race
        raise ServiceError(
            ErrorCode.DUPLICATE, _("An area with this short name already exists."), "slug"
        ) from exc
    return area


def update_area(*, actor: User, area: Area, **changes: Any) -> Area:
    require(rules.can_manage_areas(actor, area.organization))
    unknown = set(changes) - set(AREA_EDITABLE)
    if unknown:
        raise ServiceError(
            ErrorCode.INVALID, _("This field cannot be changed."), sorted(unknown)[0]
        )
    if "geometry" in changes:
        changes["geometry"] = _boundary(changes["geometry"])
    _check_population(changes.get("population"))
    changed = [name for name, value in changes.items() if getattr(area, name) != value]
    if not changed:
        return area
    if (
        "slug" in changed
        and scoped(Area, area.organization)
        .filter(slug=changes["slug"])
        .exclude(pk=area.pk)
        .exists()
    ):
        raise ServiceError(
            ErrorCode.DUPLICATE, _("An area with this short name already exists."), "slug"
        )
    for name in changed:
        setattr(area, name, changes[name])
    full_clean(area, exclude=["organization"])
    with transaction.atomic():
        area.save(update_fields=[*changed, "updated_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=area.organization,
            target=area,
            changes=changed,
        )
    return area


def delete_area(*, actor: User, area: Area) -> None:
    require(rules.can_manage_areas(actor, area.organization))
    with transaction.atomic():
        audit.record(
            actor=actor, action=AuditAction.DELETE, organization=area.organization, target=area
        )
        area.delete()


@dataclass
class AreaImportReport:
    """What an import did: areas created and updated, and every feature it refused."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    problems: list[FeatureProblem] = field(default_factory=list)


NAME_PROPERTIES = (
    "name",
    "NAME",
    "Name",
    "label",
    "title",
    "community",
    "COMMUNITY",
    "neighbourhood",
    "neighborhood",
)


def _feature_name(properties: dict[str, Any]) -> str:
    for key in NAME_PROPERTIES:
        value = properties.get(key)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()
    return ""


def _population(properties: dict[str, Any]) -> int | None:
    value = properties.get("population")
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise GeometryError(_("“population” must be a whole number.")) from None
    if number < 0:
        raise GeometryError(_("“population” must not be negative."))
    try:
        MaxValueValidator(MAX_POPULATION)(number)
    except ValidationError as exc:
        raise GeometryError(" ".join(exc.messages)) from None
    return number


def import_areas(
    *, actor: User | None, organization: Organization, collection: str | bytes
) -> AreaImportReport:
    """Create or update areas from a GeoJSON FeatureCollection, matched by short name.

    Each good feature is kept; each bad one is reported with its position and reason.
    A file that is not a FeatureCollection changes nothing.
    """
    require(actor is None or rules.can_manage_areas(actor, organization))
    try:
        features = features_of(collection)
    except GeometryError as exc:
        raise ServiceError(ErrorCode.INVALID, str(exc), "file") from exc
    report = AreaImportReport()
    seen: set[str] = set()
    for number, feature in enumerate(features, start=1):
        try:
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                raise GeometryError(_("This is not a GeoJSON Feature."))
            properties = feature.get("properties") or {}
            name = _feature_name(properties)
            if not name:
                raise GeometryError(_("The feature has no “name” property."))
            slug = slugify(str(properties.get("slug") or name))[:80]
            if not slug:
                raise GeometryError(_("The feature's name gives no usable short name."))
            if slug in seen:
                raise GeometryError(_("Another feature in this file has the same name."))
            geometry = validate_boundary(feature.get("geometry"))
            population = _population(properties)
        except GeometryError as exc:
            report.problems.append(FeatureProblem(number, str(exc)))
            continue
        seen.add(slug)
        _upsert_area(actor, organization, slug, name[:160], geometry, population, report)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        organization=organization,
        summary=f"area import: {len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.problems)} refused",
    )
    return report


def _upsert_area(
    actor: User | None,
    organization: Organization,
    slug: str,
    name: str,
    geometry: dict[str, Any],
    population: int | None,
    report: AreaImportReport,
) -> None:
    with transaction.atomic():
        area = scoped(Area, organization).select_for_update().filter(slug=slug).first()
        if area is None:
            area = Area.objects.create(
                organization=organization,
                slug=slug,
                name=name,
                geometry=geometry,
                population=population,
            )
            audit.record(
                actor=actor, action=AuditAction.CREATE, organization=organization, target=area
            )
            report.created.append(slug)
            return
        wanted: dict[str, Any] = {"name": name, "geometry": geometry}
        if population is not None:
            wanted["population"] = population
        changed = [key for key, value in wanted.items() if getattr(area, key) != value]
        if changed:
            for field_name in changed:
                setattr(area, field_name, wanted[field_name])
            area.save(update_fields=[*changed, "updated_at"])
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                organization=organization,
                target=area,
                changes=changed,
            )
        report.updated.append(slug)


# Members and invitations ---------------------------------------------------------------


def _digest(secret: str) -> str:
    return digest_of(secret)


def invite(
    *, actor: User, organization: Organization, email: str, role: str
) -> tuple[Invitation, str]:
    """Invite someone by e-mail; returns the invitation and its one-time secret."""
    require(rules.can_manage_members(actor, organization))
    return _invite(actor, organization, email, role)


def invite_first_admin(*, organization: Organization, email: str) -> tuple[Invitation, str]:
    """The platform operator's invitation of a new organisation's first administrator."""
    if scoped(Membership, organization).filter(role=Role.ADMIN).exists():
        raise ServiceError(
            ErrorCode.DUPLICATE, _("This organisation already has an administrator.")
        )
    return _invite(None, organization, email, Role.ADMIN)


def _invite(
    actor: User | None, organization: Organization, email: str, role: str
) -> tuple[Invitation, str]:
    email = email.strip().lower()
    if role not in Role.values:
        raise ServiceError(ErrorCode.INVALID, _("Choose a role from the list."), "role")
    if scoped(Membership, organization).filter(user__email__iexact=email).exists():
        raise ServiceError(ErrorCode.DUPLICATE, _("This person is already a member."), "email")
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        digest=_digest(secret),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.TRUSTBRIDGE_INVITATION_DAYS),
    )
    full_clean(invitation, exclude=["organization", "invited_by", "digest"])
    with transaction.atomic():
        invitation.save()
        audit.record(
            actor=actor, action=AuditAction.CREATE, organization=organization, target=invitation
        )
        transaction.on_commit(lambda: _send_invitation(invitation, secret))
    return invitation, secret


def _send_invitation(invitation: Invitation, secret: str) -> None:
    from trustbridge.core.tasks import send_invitation_email

    send_invitation_email.enqueue(invitation_id=invitation.pk, secret=secret)


def revoke_invitation(*, actor: User, invitation: Invitation) -> None:
    require(rules.can_manage_members(actor, invitation.organization))
    if invitation.accepted_at or invitation.revoked_at:
        return
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=invitation.organization,
            target=invitation,
            changes=["revoked_at"],
        )


def find_invitation(secret: str) -> Invitation:
    """The invitation behind a link's secret; the same error for unknown and tampered links."""
    invitation = (
        Invitation.objects.select_related("organization").filter(digest=_digest(secret)).first()
    )
    if invitation is None:
        raise ServiceError(ErrorCode.NOT_FOUND, _("This invitation link is not valid."))
    return invitation


def check_invitation(*, actor: User, invitation: Invitation) -> None:
    """Raise the reason why ``actor`` cannot accept ``invitation`` now, if there is one."""
    if invitation.revoked_at:
        raise ServiceError(ErrorCode.REVOKED, _("This invitation has been withdrawn."))
    if invitation.accepted_at:
        raise ServiceError(ErrorCode.ALREADY_USED, _("This invitation has already been used."))
    if invitation.expires_at <= timezone.now():
        raise ServiceError(ErrorCode.EXPIRED, _("This invitation has expired. Ask for a new one."))
    if actor.email.lower() != invitation.email.lower():
        raise ServiceError(
            ErrorCode.WRONG_ACCOUNT,
            _("This invitation was sent to another e-mail address. Sign in with that address."),
        )


def accept_invitation(*, actor: User, secret: str) -> Membership:
    with transaction.atomic():
        invitation = find_invitation(secret)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        check_invitation(actor=actor, invitation=invitation)
        membership, created = Membership.objects.get_or_create(
            organization=invitation.organization, user=actor, defaults={"role": invitation.role}
        )
        if not created and membership.role != invitation.role:
            if membership.role == Role.ADMIN and not _other_admins(membership):
                raise ServiceError(
                    ErrorCode.LAST_ADMIN, _("An organisation must keep at least one administrator.")
                )
            membership.role = invitation.role
            membership.save(update_fields=["role"])
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            organization=invitation.organization,
            target=membership,
        )
    rules.forget_memberships(actor)
    return membership


def _other_admins(membership: Membership) -> bool:
    """Whether another admin remains; locks the admins so concurrent demotions serialise."""
    admins = (
        scoped(Membership, membership.organization)
        .select_for_update()
        .filter(role=Role.ADMIN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return any(pk != membership.pk for pk in admins)


def change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    require(rules.can_manage_members(actor, membership.organization))
    if role not in Role.values:
        raise ServiceError(ErrorCode.INVALID, _("Choose a role from the list."), "role")
    if membership.role == role:
        return membership
    with transaction.atomic():
        if membership.role == Role.ADMIN and not _other_admins(membership):
            raise ServiceError(
                ErrorCode.LAST_ADMIN,
                _("An organisation must keep at least one administrator."),
                "role",
            )
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=membership.organization,
            target=membership,
            changes=["role"],
        )
    rules.forget_memberships(actor)
    return membership


def _revoke_tokens(membership: Membership) -> None:
    """A person who leaves an organisation keeps no working API token in it."""
    from trustbridge.accounts.models import ApiToken

    ApiToken.objects.filter(
        user=membership.user_id, organization=membership.organization_id, revoked_at=None
    ).update(revoked_at=timezone.now())


def remove_member(*, actor: User, membership: Membership) -> None:
    require(rules.can_manage_members(actor, membership.organization))
    with transaction.atomic():
        if membership.role == Role.ADMIN and not _other_admins(membership):
            raise ServiceError(
                ErrorCode.LAST_ADMIN, _("An organisation must keep at least one administrator.")
            )
        audit.record(
            actor=actor,
            action=AuditAction.DELETE,
            organization=membership.organization,
            target=membership,
        )
        _revoke_tokens(membership)
        membership.delete()
    rules.forget_memberships(actor)


def add_member(
    *, actor: User | None, organization: Organization, user: User, role: str
) -> Membership:
    """Give a person a role directly (platform operators, the CLI and the demo)."""
    require(actor is None or actor.is_superuser)
    if role not in Role.values:
        raise ServiceError(ErrorCode.INVALID, _("Choose a role from the list."), "role")
    with transaction.atomic():
        membership, _created = Membership.objects.update_or_create(
            organization=organization, user=user, defaults={"role": role}
        )
        audit.record(
            actor=actor, action=AuditAction.CREATE, organization=organization, target=membership
        )
    rules.forget_memberships(user)
    return membership
