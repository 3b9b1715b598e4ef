"""Feedback from residents: what they tell a provider, and everything the provider does with it.

An item is private by default. Its public face (on the accountability page and through
Open311) is only ever its category, area, status, dates, public replies and, where the
resident allowed it and a moderator approved it, a redacted text.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trustbridge.core.models import Area, Organization


class Kind(models.TextChoices):
    CONCERN = "concern", _("Concern")
    QUESTION = "question", _("Question")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLIMENT = "compliment", _("Compliment")
    CONDUCT = "conduct", _("Complaint about conduct")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting for the resident")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING})


class CloseReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate")
    REFERRED = "referred", _("Referred elsewhere")
    NOT_ACTIONABLE = "not_actionable", _("Not actionable")


class Source(models.TextChoices):
    WEB = "web", _("Web form")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")


class Moderation(models.TextChoices):
    NOT_ASKED = "not_asked", _("Not asked to be public")
    PENDING = "pending", _("Waiting for a moderator")
    APPROVED = "approved", _("Public")
    REJECTED = "rejected", _("Kept private")


class FeedbackSettings(models.Model):
    """An organisation's feedback calendar and policies.

    Targets are counted in business hours: ``work_start``-``work_end`` on ``work_days``
    (0 Monday … 6 Sunday) in the organisation's time zone, skipping its holidays.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="feedback_settings"
    )
    allow_anonymous = models.BooleanField(
        _("residents may stay anonymous, even to staff"), default=True
    )
    work_start = models.TimeField(_("working day starts"), default="09:00")
    work_end = models.TimeField(_("working day ends"), default="17:00")
    work_days = models.CharField(_("working days"), max_length=13, default="0,1,2,3,4")
    warn_at_share = models.PositiveSmallIntegerField(
        _("flag items when this share of the target (percent) has passed"), default=75
    )
    # The accountability roll-up (see ``rollup``): items changed since ``rollup_until`` are
    # not in it yet; open items were judged late or not at ``rollup_judged_at``; the
    # signature names the time zone and targets it was computed with.
    rollup_until = models.DateTimeField(null=True, blank=True, editable=False)
    rollup_judged_at = models.DateTimeField(null=True, blank=True, editable=False)
    rollup_signature = models.CharField(max_length=64, blank=True, editable=False)

    def __str__(self) -> str:
        return f"feedback settings of {self.organization}"


class Holiday(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ("day",)
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="holiday_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class Category(models.Model):
    """What an item is about; an Open311 service. Targets are in business hours."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=500, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, blank=True
    )  # blank: any kind but conduct
    acknowledge_hours = models.PositiveIntegerField(_("target to acknowledge (business hours)"))
    resolve_hours = models.PositiveIntegerField(_("target to resolve (business hours)"))
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("position", "name", "id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="feedback_category_code")
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


def _optional_link(to: Any, related_name: str = "+") -> models.ForeignKey[Any, Any]:
    """A link an item may lack, cleared when its target goes; indexed by a partial index in
    ``Item.Meta`` (most items have none, so a new item writes none of these indexes)."""
    return models.ForeignKey(
        to,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        db_index=False,
    )


class Item(models.Model):
    """One piece of feedback.

    ``reference`` is the public tracking code; the private link carries a secret whose
    SHA-256 is ``secret_digest``. Contact details are stored only if given; with
    ``anonymous`` they are never shown to staff (only used to send updates). For a conduct
    complaint, ``subject`` is the staff member concerned, who can never see the item.
    Business-hour clocks: ``acknowledge_due``/``resolve_due`` are the target instants, moved
    later while the item waits for the resident (``paused_since``).
    """

    # Indexed by the composite indexes below, which all start with it.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    reference = models.CharField(max_length=20)  # unique: a constraint below, exact lookups only
    secret_digest = models.CharField(max_length=64)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("description"), max_length=4000)
    language = models.CharField(max_length=10, default="en")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)

    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.FloatField(null=True, blank=True)  # staff only; public sees the area
    longitude = models.FloatField(null=True, blank=True)

    contact_name = models.CharField(_("name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("e-mail address"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    anonymous = models.BooleanField(_("anonymous, even to staff"), default=False)
    submitter = _optional_link(settings.AUTH_USER_MODEL)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    duplicate_of = _optional_link("self", related_name="duplicates")
    assignee = _optional_link(settings.AUTH_USER_MODEL)
    team = _optional_link(Team)
    subject = _optional_link(settings.AUTH_USER_MODEL)

    submitted_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)  # resolved or closed
    updated_at = models.DateTimeField(auto_now=True)
    acknowledge_due = models.DateTimeField(null=True, blank=True)
    resolve_due = models.DateTimeField(null=True, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    # Business hours the clocks stood still: waiting on the resident, or resolved before a
    # reopening.
    paused_hours = models.FloatField(default=0)
    acknowledge_hours = models.FloatField(null=True, blank=True)  # business hours taken
    resolve_hours = models.FloatField(null=True, blank=True)
    # The running clock's due instant and the instant it is flagged as approaching; both
    # empty while the item waits for the resident or is finished (see ``targets``).
    next_due = models.DateTimeField(null=True, blank=True)
    next_warning = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    wants_public = models.BooleanField(_("may be shown publicly"), default=False)
    moderation = models.CharField(
        max_length=20, choices=Moderation.choices, default=Moderation.NOT_ASKED
    )
    public_text = models.TextField(blank=True)  # the moderator's redacted text

    fingerprint = models.CharField(max_length=32, blank=True)  # near-duplicate detection
    sender_digest = models.CharField(max_length=64, blank=True)  # address or device, hashed

    class Meta:
        ordering = ("-submitted_at", "-id")
        constraints = [models.UniqueConstraint(fields=["reference"], name="item_unique_reference")]
        indexes = [
            models.Index(fields=["organization", "status", "submitted_at"], name="item_org_status"),
            models.Index(fields=["organization", "submitted_at"], name="item_org_time"),
            models.Index(
                fields=["organization", "moderation", "submitted_at"], name="item_org_moderation"
            ),
            models.Index(fields=["organization", "fingerprint"], name="item_org_fingerprint"),
            models.Index(fields=["organization", "next_warning"], name="item_org_warning"),
            models.Index(fields=["organization", "updated_at"], name="item_org_updated"),
            # Optional links, found from the other side (a person's or a team's items, an
            # original's duplicates) and cleared when that side is deleted. Partial: a new
            # item has none of them, so its insert writes none of these indexes.
            *(
                models.Index(
                    fields=[name],
                    condition=models.Q(**{f"{name}__isnull": False}),
                    name=f"item_{name}",
                )
                for name in ("submitter", "assignee", "subject", "team", "duplicate_of")
            ),
            # Covering on PostgreSQL: the conduct queue's count reads the index alone.
            models.Index(
                fields=["organization", "kind", "submitted_at"],
                include=["status", "subject"],
                name="item_org_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Photo(models.Model):
    """A photo re-encoded from its pixels (no EXIF, no GPS), staff-only unless approved."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="feedback/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"photo of {self.item_id}"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Received")
    STATUS = "status", _("Status changed")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")
    ASSIGNED = "assigned", _("Assigned")
    MERGED = "merged", _("Merged")
    MODERATED = "moderated", _("Moderated")
    ESCALATED = "escalated", _("Escalated")
    RESIDENT = "resident", _("Message from the resident")


class Event(models.Model):
    """The item's full history. ``public`` events form the resident's and the public
    timeline; notes, assignments and moderation never are."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    text = models.TextField(blank=True)
    public = models.BooleanField(default=False)

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.item_id} {self.kind} {self.at:%Y-%m-%d}"


class CannedReply(models.Model):
    """A reply staff can start from, in each of the organisation's languages."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    text_en = models.TextField(_("text in English"))
    text_fr = models.TextField(_("text in French"), blank=True)
    text_es = models.TextField(_("text in Spanish"), blank=True)

    class Meta:
        ordering = ("title", "id")

    def __str__(self) -> str:
        return self.title


class Survey(models.Model):
    """The three procedural-justice questions asked once an item is resolved (1 to 5 each),
    kept for trust measurement. Answered through a link with its own secret."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="survey")
    secret_digest = models.CharField(max_length=64)
    sent_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    listened = models.PositiveSmallIntegerField(null=True, blank=True)
    respected = models.PositiveSmallIntegerField(null=True, blank=True)
    explained = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"survey of {self.item_id}"


class ClientKey(models.Model):
    """An Open311 ``api_key`` issued by the organisation to an application that submits on
    residents' behalf. Shown once; only its SHA-256 is kept. Revoked keys stop working."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("application"), max_length=120)
    prefix = models.CharField(max_length=12)  # shown to staff to tell keys apart
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class TargetRollup(models.Model):
    """One month of an organisation's accountability cells (see ``cells``), kept by
    ``rollup.refresh`` so that the public page sums a few rows instead of reading every item.

    ``cells`` is a little-endian int32 array with one row per cell, its columns named in
    ``rollup.COLUMNS``; ``histograms`` holds one row per (cell, clock, bin) that is not
    empty: cell row, clock (0 acknowledge, 1 resolve), bin, count.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    cells = models.BinaryField()
    histograms = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="target_rollup_month")
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.month:%Y-%m}"
