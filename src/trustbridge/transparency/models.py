"""Incidents (generalised at import, never precise), their roll-ups, imports and initiatives.

Privacy by design: precise coordinates and street numbers are never stored. An incident
keeps only its hundred-block address, an H3 cell and its area, and a sensitive incident
keeps neither block nor cell. Public statistics read the roll-up tables only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trustbridge.core.models import Area, Organization


class CrimeAgainst(models.TextChoices):
    PERSON = "person", _("Person")
    PROPERTY = "property", _("Property")
    SOCIETY = "society", _("Society")
    OTHER = "other", _("Other")


class OffenceCategory(models.Model):
    """One published offence group of an organisation's taxonomy (NIBRS-style by default)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="offence_categories"
    )
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    crime_against = models.CharField(
        _("crime against"), max_length=10, choices=CrimeAgainst.choices
    )
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Published only as counts per area and month, never located or timed."),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "name", "id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="category_unique_code")
        ]
        verbose_name = _("offence category")
        verbose_name_plural = _("offence categories")

    def __str__(self) -> str:
        return self.name


class OffenceCode(models.Model):
    """An organisation's own mapping of a source offence code onto one of its categories.

    Overrides the built-in scheme tables (NIBRS, UCR summary, Canadian UCR2).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="offence_codes"
    )
    scheme = models.CharField(_("scheme"), max_length=30)
    source_code = models.CharField(_("source code"), max_length=40)
    category = models.ForeignKey(OffenceCategory, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "scheme", "source_code"], name="offence_code_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.source_code} → {self.category_id}"


class TransparencySettings(models.Model):
    """How an organisation publishes: the small-count threshold, map cells, licence."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="transparency_settings"
    )
    k_threshold = models.PositiveSmallIntegerField(
        _("smallest count published"),
        default=3,
        help_text=_("Any published count below this is shown as “fewer than k”."),
    )
    hex_resolution = models.PositiveSmallIntegerField(
        _("hexagon map resolution"),
        default=8,
        help_text=_("H3 resolution of the public hexagon map (7 coarse to 9 fine)."),
    )
    licence_name = models.CharField(
        _("open data licence"), max_length=120, default="Open Data Commons ODbL 1.0"
    )
    licence_url = models.URLField(
        _("licence address"), default="https://opendatacommons.org/licenses/odbl/1-0/"
    )

    class Meta:
        verbose_name = _("transparency settings")

    def __str__(self) -> str:
        return f"transparency settings of {self.organization_id}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    """One import of an incident file: progress, outcome and every refused row."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="incident_imports"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_name = models.CharField(max_length=255)
    stored_file = models.CharField(max_length=500, blank=True)
    mapping = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_bytes = models.BigIntegerField(default=0)
    bytes_read = models.BigIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-started_at", "-id")

    def __str__(self) -> str:
        return f"import {self.pk} of {self.source_name}"


class ImportProblem(models.Model):
    """A refused row (or a whole-file problem, line 0) of an import, with its reason."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="problems")
    line = models.PositiveIntegerField()
    field = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ("line", "id")

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class Incident(models.Model):
    """A reported incident, generalised when imported. Staff-only as a row; the public sees
    it through the privacy rules in ``privacy.py`` and the roll-ups.

    Only the importer writes these rows, resolving every id from the organisation's own
    rows in the same transaction, and Django applies ``on_delete``; so the table carries no
    database-level foreign keys, whose per-row checks at commit cost more than half of an
    import's time on PostgreSQL. The organisation and import run need no index of their
    own: the unique constraint leads with the organisation, and runs are never looked up.
    """

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    source_id = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    occurred_until = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    offence_code = models.CharField(max_length=40, blank=True)
    offence_description = models.CharField(max_length=255, blank=True)
    category = models.ForeignKey(
        OffenceCategory, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    block = models.CharField(max_length=160, blank=True)
    cell = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=80, blank=True)
    flags = models.JSONField(default=dict, blank=True)
    sensitive = models.BooleanField(default=False)
    import_run = models.ForeignKey(
        ImportRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source_id"], name="incident_unique_source"
            )
        ]
        indexes = [models.Index(fields=["organization", "occurred_at"], name="incident_org_time")]

    def __str__(self) -> str:
        return f"incident {self.source_id}"


# Roll-ups are derived data that ``rollups.rebuild`` can recompute: like incidents, they
# carry no database-level foreign keys, and their unique constraint is their only index
# besides the primary key.
ROLLUP_KEY: dict[str, Any] = {"db_constraint": False, "db_index": False}


class MonthlyCount(models.Model):
    """Incidents per organisation, month, area and category: the base cell of publication,
    and the only roll-up.

    ``area_key`` is the area's id, or 0 for incidents outside every area. Beside the count,
    a cell keeps what the timed views need, so that they read one row per cell and check
    the publication rule on that same row: ``timed``, how many of its incidents are not
    sensitive; ``days``, its incidents per day of the month; and ``hours``, its
    non-sensitive incidents per weekday and hour (Monday 00:00 first); and ``places``, its
    non-sensitive incidents per public H3 cell. Both vectors are little-endian 32-bit
    counts (see ``rollups.vector``), so a year of cells adds up in milliseconds and an
    import writes one row per touched cell.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", **ROLLUP_KEY
    )
    month = models.DateField()
    area_key = models.PositiveIntegerField()
    category = models.ForeignKey(
        OffenceCategory, on_delete=models.CASCADE, related_name="+", **ROLLUP_KEY
    )
    count = models.IntegerField(default=0)
    timed = models.IntegerField(default=0)
    days = models.BinaryField(default=bytes)
    hours = models.BinaryField(default=bytes)
    places = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "month", "area_key", "category"], name="monthly_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} area {self.area_key} category {self.category_id}: {self.count}"


class InitiativeStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Under way")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")


class Initiative(models.Model):
    """Something the provider does about what residents see in the numbers."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="initiatives"
    )
    slug = models.SlugField(max_length=80)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300)
    goal = models.TextField(_("goal"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InitiativeStatus.choices,
        default=InitiativeStatus.PLANNED,
    )
    areas = models.ManyToManyField(Area, blank=True, related_name="+", verbose_name=_("areas"))
    categories = models.ManyToManyField(
        OffenceCategory, blank=True, related_name="+", verbose_name=_("offence categories")
    )
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-started_on", "title", "id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="initiative_unique_slug")
        ]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "due_on", "id")

    def __str__(self) -> str:
        return self.title


class InitiativeUpdate(models.Model):
    """A dated progress update, e-mailed to the initiative's followers."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="updates")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    photo = models.ImageField(_("photo"), upload_to="initiatives/", blank=True)
    photo_alt = models.CharField(_("photo description"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ("-published_at", "-id")

    def __str__(self) -> str:
        return self.title


class Follower(models.Model):
    """A resident who asked to be e-mailed an initiative's updates (confirmed by e-mail)."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="followers")
    email = models.EmailField()
    digest = models.CharField(max_length=64, unique=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["initiative", "email"], name="follower_unique")
        ]

    def __str__(self) -> str:
        return f"follower {self.pk}"


class SuccessStory(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="success_stories"
    )
    initiative = models.ForeignKey(
        Initiative, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories"
    )
    slug = models.SlugField(max_length=80)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    published_at = models.DateTimeField()

    class Meta:
        ordering = ("-published_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="story_unique_slug")
        ]

    def __str__(self) -> str:
        return self.title
