"""Community events, town halls and watch meetings; their occurrences and sign-ups.

An ``Event`` is what organisers edit: texts in several languages, a place, a capacity and,
for a series, a recurrence rule. Every date it happens on is an ``Occurrence`` row
(materialised from the rule, which is always bounded), so that one date can be cancelled or
moved, and so that sign-ups and capacity belong to a date. Times are stored in UTC and shown
in the organisation's time zone; a series keeps its local wall-clock time across daylight
saving changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trustbridge.core.models import Area, Organization


class EventKind(models.TextChoices):
    GATHERING = "gathering", _("Community gathering")
    TOWN_HALL = "town_hall", _("Town hall")
    WATCH_MEETING = "watch_meeting", _("Neighbourhood-watch meeting")
    FORUM = "forum", _("Forum")
    SCHOOL_VISIT = "school_visit", _("School visit")
    APPRECIATION = "appreciation", _("Appreciation day")
    OTHER = "other", _("Other")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class Event(models.Model):
    """What organisers plan. ``texts`` holds the title and description by language code
    (``{"en": {"title": …, "description": …}, "fr": …}``); ``sequence`` is raised on every
    change that calendars must pick up (time, place, cancellation)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    status = models.CharField(max_length=20, choices=EventStatus.choices, default=EventStatus.DRAFT)
    texts = models.JSONField(default=dict)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    recurrence = models.CharField(_("repeats (RRULE)"), max_length=255, blank=True)

    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    step_free = models.BooleanField(_("step-free access"), default=False)
    hearing_loop = models.BooleanField(_("hearing loop"), default=False)
    interpretation = models.CharField(_("interpretation"), max_length=200, blank=True)
    childcare = models.BooleanField(_("childcare"), default=False)
    accessibility_notes = models.TextField(_("accessibility notes"), blank=True)

    areas = models.ManyToManyField(Area, blank=True, related_name="+")
    hosts = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)

    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("starts_at", "id")
        indexes = [models.Index(fields=["organization", "status", "starts_at"], name="event_org")]

    def __str__(self) -> str:
        return self.title("en")

    def title(self, language: str) -> str:
        return self.text(language, "title")

    def text(self, language: str, name: str) -> str:
        """The text in ``language``, else in the first language that has one."""
        texts: dict[str, dict[str, str]] = self.texts or {}
        chosen = texts.get(language) or next(iter(texts.values()), {})
        return str(chosen.get(name, ""))


class Occurrence(models.Model):
    """One date of an event. ``original_start`` names it for calendars (RECURRENCE-ID) and
    never changes; moving it changes ``starts_at``/``ends_at``."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="occurrences")
    original_start = models.DateTimeField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    cancelled = models.BooleanField(default=False)
    moved = models.BooleanField(default=False)
    walk_ins = models.PositiveIntegerField(default=0)  # came without signing up
    reminded_at = models.DateTimeField(null=True, blank=True)  # the day-before reminder went

    class Meta:
        ordering = ("starts_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["event", "original_start"], name="occurrence_once")
        ]
        indexes = [models.Index(fields=["organization", "starts_at"], name="occurrence_org")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.starts_at:%Y-%m-%d %H:%M}"


class RsvpStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for e-mail confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Rsvp(models.Model):
    """One person's place at one occurrence: a signed-in resident (``user``) or a guest who
    confirms by e-mail. Places go in order of confirmation; the waiting list is ordered by
    ``queued_at``. Only digests of the guest's link secret and of the check-in code are
    stored."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    language = models.CharField(max_length=10, blank=True)  # a guest's, for later e-mails
    status = models.CharField(max_length=20, choices=RsvpStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)  # joined the waiting list
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    secret_digest = models.CharField(max_length=64)
    # The check-in code (in the QR of the confirmation) is stored as a digest only.
    checkin_digest = models.CharField(max_length=64, blank=True, db_index=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    first_time = models.BooleanField(null=True)  # first event of this organisation attended

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "user"],
                condition=models.Q(user__isnull=False) & ~models.Q(status="cancelled"),
                name="rsvp_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["occurrence", "email"],
                condition=~models.Q(email="") & ~models.Q(status="cancelled"),
                name="rsvp_once_per_email",
            ),
        ]
        indexes = [
            models.Index(fields=["occurrence", "status", "queued_at"], name="rsvp_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.occurrence_id} {self.status}"


class ContactKind(models.TextChoices):
    FOOT_PATROL = "foot_patrol", _("Foot-patrol conversation")
    BUSINESS_VISIT = "business_visit", _("Business visit")
    SCHOOL_DROP_IN = "school_drop_in", _("School drop-in")
    COMMUNITY_GROUP = "community_group", _("Community group visit")
    OTHER = "other", _("Other")


class InformalContact(models.Model):
    """An officer's informal contact with residents, logged for the engagement figures.

    Never a resident's name or contact: the kind, the area, the topic in a few words, how
    long and how many people. Counts and minutes per area are public; the topic is not.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ContactKind.choices)
    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    topic = models.CharField(_("topic"), max_length=120)
    minutes = models.PositiveIntegerField(_("minutes"))
    people = models.PositiveIntegerField(_("people"), default=1)
    happened_on = models.DateField(_("date"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-happened_on", "-id")
        indexes = [
            models.Index(fields=["organization", "happened_on"], name="contact_org_day"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.happened_on}"


class QuestionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a moderator")
    APPROVED = "approved", _("Approved")
    HIDDEN = "hidden", _("Hidden")
    MERGED = "merged", _("Merged with another question")
    ANSWERED = "answered", _("Answered")


class Question(models.Model):
    """A question for a town hall or forum, asked before or during it, by anyone.

    ``asker`` is kept only for a signed-in resident who did not ask to stay anonymous, and
    is never shown publicly. ``votes`` counts the ``Vote`` rows (kept in step under a lock).
    A question still unanswered when the event ends is due ``answer_due`` days later.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("question"), max_length=500)
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=QuestionStatus.choices, default=QuestionStatus.PENDING
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    votes = models.PositiveIntegerField(default=0)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_live = models.BooleanField(default=False)
    answer_due = models.DateField(null=True, blank=True)
    escalated_on = models.DateField(null=True, blank=True)  # overdue: supervisors were told
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-votes", "created_at", "id")
        indexes = [
            models.Index(fields=["event", "status", "votes"], name="question_board"),
            models.Index(fields=["organization", "status", "answer_due"], name="question_due"),
        ]

    def __str__(self) -> str:
        return self.text[:40]


class Vote(models.Model):
    """One up-vote: ``voter`` is a digest naming a signed-in person or a device, never kept
    in clear."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    voter = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "voter"], name="vote_once")]

    def __str__(self) -> str:
        return f"vote for {self.question_id}"


class ModerationAction(models.TextChoices):
    APPROVED = "approved", _("Approved")
    HIDDEN = "hidden", _("Hidden")
    MERGED = "merged", _("Merged")
    ANSWERED = "answered", _("Answered")


class ModerationEntry(models.Model):
    """The public log of what moderators did to questions, with the reason given. The
    moderator is recorded for the audit, not shown."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="log")
    action = models.CharField(max_length=20, choices=ModerationAction.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.action} {self.question_id}"


class Recap(models.Model):
    """What hosts publish after an event: a summary in one or more languages (``texts``,
    like the event's), the attendance as counted at the door, and commitments."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="recap")
    texts = models.JSONField(default=dict)
    attended = models.PositiveIntegerField(default=0)
    questions_answered = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"recap of {self.event_id}"


class RecapPhoto(models.Model):
    """A photo of a recap, published only after its uploader confirmed that the people in
    it agreed. Stored stripped of its metadata (``core.images.clean_image``)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recap = models.ForeignKey(Recap, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="events/recaps/")
    alt = models.CharField(_("photo description"), max_length=300)
    consent_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("added_at", "id")

    def __str__(self) -> str:
        return f"photo of recap {self.recap_id}"


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class Commitment(models.Model):
    """A promise made at an event, followed up in public until it is done or dropped (with
    a reason)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recap = models.ForeignKey(Recap, on_delete=models.CASCADE, related_name="commitments")
    text = models.CharField(_("commitment"), max_length=300)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    update = models.CharField(_("latest update"), max_length=500, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("due_on", "id")
        indexes = [models.Index(fields=["organization", "status"], name="commitment_org")]

    def __str__(self) -> str:
        return self.text[:40]
