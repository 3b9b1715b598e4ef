"""Organisations (tenants), their areas, memberships, invitations and the audit log."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from trustbridge.core import colours


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def validate_languages(value: Any) -> None:
    known = {code for code, _name in settings.LANGUAGES}
    if not isinstance(value, list) or not value or not all(code in known for code in value):
        raise ValidationError(
            _("Choose one or more of the supported languages: %(codes)s."),
            params={"codes": ", ".join(sorted(known))},
        )


hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))


class OrganizationKind(models.TextChoices):
    POLICE = "police", _("Police service")
    CAMPUS = "campus", _("Campus security")
    PRIVATE = "private", _("Private security")
    TRANSIT = "transit", _("Transit security")
    OTHER = "other", _("Other")


class Organization(models.Model):
    """A security provider: the tenant that owns every other row."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    description = models.TextField(_("description"), blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    languages = models.JSONField(_("languages"), default=list, validators=[validate_languages])
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    brand_colour = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#1d4e89",
        validators=[hex_colour],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When its configuration (areas, and the settings other apps keep for it) last changed:
    # what per-process caches of that configuration are keyed on (see ``configuration``).
    configured_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ("name", "id")
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def brand_text_colour(self) -> str:
        """Black or white, whichever reads best on the brand colour (always at least 4.5:1)."""
        return colours.best_text_colour(self.brand_colour)


class AreaKind(models.TextChoices):
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
    BEAT = "beat", _("Beat")
    PATROL_ZONE = "patrol_zone", _("Patrol zone")
    CAMPUS = "campus", _("Campus")
    OTHER = "other", _("Other")


class Area(models.Model):
    """A neighbourhood, beat or patrol zone, drawn as a GeoJSON (Multi)Polygon in WGS 84."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="areas")
    slug = models.SlugField(_("short name"), max_length=80)
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(
        _("kind"), max_length=20, choices=AreaKind.choices, default=AreaKind.NEIGHBOURHOOD
    )
    description = models.TextField(_("description"), blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    geometry = models.JSONField(_("boundary (GeoJSON)"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="area_unique_slug"),
        ]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    OFFICER = "officer", _("Officer")
    MODERATOR = "moderator", _("Moderator")
    STANDARDS = "standards", _("Professional standards")
    PARTNER = "partner", _("Partner")


STAFF_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.OFFICER, Role.MODERATOR, Role.STANDARDS})


class Membership(models.Model):
    """A person's one role in one organisation. Residents have none."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("organization", "user__email")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class Invitation(models.Model):
    """An e-mailed invitation to join an organisation's staff in a given role."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGN_OUT = "sign_out", _("Signed out")
    VIEW_PERSONAL = "view_personal", _("Viewed personal data")
    EXPORT = "export", _("Exported")


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One append-only line of the audit log: who did what, to what, when and from where.

    Rows are never updated or deleted (the model refuses, and on PostgreSQL a trigger
    refuses too). No personal data goes into ``summary`` or ``changes``: changed field
    names are recorded, never their values.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=60, blank=True)
    summary = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=list, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["organization", "-at"], name="audit_org_at")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")
