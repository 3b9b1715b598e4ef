"""Feedback coming in: from the web form, the JSON API and Open311, all through ``submit_item``,
and the resident's messages from their private tracking page.

Anyone may submit; nobody needs an account. Everything is checked before anything is written
(every refused field at once, with its name), then the item, its first public event, its
photos and its clocks are written in one transaction, and the receipt is e-mailed after
commit. An item is never half-stored.

Reporter identity is decided here: with "keep me anonymous", only the e-mail address is kept
(to send updates; staff never see it), and the item is not linked to the resident's account.
The audit log never gets a resident's client address: their events are recorded without it.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from PIL import Image
from shapely.geometry import Point, shape
from shapely.prepared import prep

from trustbridge.core import audit, configuration
from trustbridge.core.context import client_ip
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.images import clean_image
from trustbridge.core.models import Area, AuditAction, Organization
from trustbridge.core.tenancy import scoped
from trustbridge.feedback import abuse, clock, intake_sql
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import (
    OPEN_STATUSES,
    Category,
    Event,
    EventKind,
    Item,
    Kind,
    Moderation,
    Photo,
    Source,
    Status,
)
from trustbridge.feedback.resident_queries import (
    allows_anonymous,
    digest_of,
    fits,
    tracking_path,
)
from trustbridge.feedback.targets import Calendar, record_transition, start_clocks

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustbridge.accounts.models import User

# Letters and digits nobody confuses when reading a code aloud or off a phone: no 0/O,
# 1/I/L or U/V.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
REFERENCE_LENGTH = 8
MAX_DESCRIPTION = 4000
MAX_MESSAGE = 4000
MAX_PHOTOS = 3
_PHONE = re.compile(r"^\+?[\d\s().\-/]+$")
# The item fields ``targets.record_transition`` may change.
CLOCK_FIELDS = (
    "status",
    "acknowledged_at",
    "acknowledge_hours",
    "resolved_at",
    "resolve_hours",
    "acknowledge_due",
    "resolve_due",
    "paused_since",
    "paused_hours",
    "next_due",
    "next_warning",
    "updated_at",
)


@dataclass(frozen=True)
class Submission:
    """What a resident sends, as plain values, whichever way it arrives.

    ``category`` is a category code (an Open311 ``service_code``); it may be left empty when
    only one category fits the kind. ``area`` is an area's short name. A point
    (``latitude``/``longitude``, WGS 84) must lie in one of the organisation's areas, which
    then becomes the item's area.
    """

    kind: str
    category: str = ""
    description: str = ""
    area: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    anonymous: bool = False
    wants_public: bool = False
    language: str = "en"
    source: str = Source.WEB


@dataclass(frozen=True)
class Submitted:
    """The stored item and the secret of its private link, which is stored nowhere: show it
    to the resident once (and e-mail it, which ``submit_item`` does)."""

    item: Item
    secret: str

    @property
    def tracking_path(self) -> str:
        return tracking_path(self.item, self.secret)


@dataclass
class _Checked:
    kind: str
    category: Category
    description: str
    area: Area | None
    address: str
    latitude: float | None
    longitude: float | None
    contact_name: str
    contact_email: str
    contact_phone: str
    anonymous: bool
    wants_public: bool
    language: str
    source: str
    photos: list[ContentFile[bytes]]


def new_reference() -> str:
    """A tracking code such as ``K7MQ-4XPZ``: short, unambiguous, hard to guess."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{code[:4]}-{code[4:]}"


def _text(value: Any, *, one_line: bool = False) -> str:
    """Text as people meant it: no NUL characters (PostgreSQL refuses them), Unix line ends,
    no surrounding blanks."""
    text = str(value or "").replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    if one_line:
        text = " ".join(text.split())
    return text.strip()


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


@contextmanager
def without_client_address() -> Iterator[None]:
    """Audit a resident's action without their address: anonymity holds in the audit log."""
    reset = client_ip.set(None)
    try:
        yield
    finally:
        client_ip.reset(reset)


def _categories(organization: Organization) -> dict[str, Category]:
    """The organisation's categories by code (cached while its configuration is unchanged;
    never to be changed by the caller)."""
    return configuration.cached("feedback categories", organization, _load_categories)


def _load_categories(organization: Organization) -> dict[str, Category]:
    """The organisation's categories by code, the defaults written on its first submission."""
    existing = {c.code: c for c in scoped(Category, organization)}
    if existing:
        return existing
    try:
        with transaction.atomic():
            return ensure_feedback_setup(organization)
    except IntegrityError:  # another first submission wrote them at the same moment
        return ensure_feedback_setup(organization)


def _check(
    organization: Organization,
    submission: Submission,
    categories: dict[str, Category],
    photos: Sequence[UploadedFile],
) -> _Checked:
    """Every field checked; ServiceErrors with one error per refused field."""
    errors: list[ServiceError] = []

    def refuse(field: str, message: str) -> None:
        errors.append(ServiceError(ErrorCode.INVALID, message, field))

    source = submission.source
    if source not in Source.values:
        refuse("source", _("Unknown source."))
    kind = _text(submission.kind)
    if kind not in Kind.values:
        refuse("kind", _("Choose what kind of feedback this is."))

    description = _text(submission.description)
    if not description:
        refuse("description", _("Tell us what happened, or what you would like to say."))
    elif len(description) > MAX_DESCRIPTION:
        refuse(
            "description",
            _("Keep it to %(max)d characters or fewer (this text has %(count)d).")
            % {"max": MAX_DESCRIPTION, "count": len(description)},
        )

    category = _category(kind, _text(submission.category), categories, refuse)
    area, latitude, longitude = _place(organization, submission, refuse)
    address = _text(submission.address, one_line=True)
    if len(address) > 255:
        refuse("address", _("Keep the address to 255 characters or fewer."))

    anonymous = bool(submission.anonymous)
    if anonymous and not allows_anonymous(organization):
        refuse(
            "anonymous",
            _(
                "This organisation does not offer anonymity from its staff. You may still "
                "leave your contact details empty."
            ),
        )
    contact_name = _text(submission.contact_name, one_line=True)
    contact_email = _text(submission.contact_email, one_line=True)
    contact_phone = _text(submission.contact_phone, one_line=True)
    if len(contact_name) > 120:
        refuse("contact_name", _("Keep your name to 120 characters or fewer."))
    if contact_email:
        try:
            if len(contact_email) > 254:
                raise ValidationError("too long")
            validate_email(contact_email)
        except ValidationError:
            refuse("contact_email", _("Enter an e-mail address such as name@example.org."))
    if contact_phone and (
        len(contact_phone) > 40
        or not _PHONE.match(contact_phone)
        or sum(c.isdigit() for c in contact_phone) < 6
    ):
        refuse(
            "contact_phone",
            _("Enter a phone number: digits, with spaces, brackets, dashes or a leading +."),
        )
    if anonymous:  # only the address is kept, to send updates
        contact_name = contact_phone = ""

    cleaned: list[ContentFile[bytes]] = []
    if len(photos) > MAX_PHOTOS:
        refuse("photos", _("Attach %(max)d photos at most.") % {"max": MAX_PHOTOS})
    else:
        for photo in photos:
            try:
                cleaned.append(clean_image(photo, "photos"))
            except ServiceError as error:
                errors.append(error)

    if errors or category is None:  # a missing category is always one of the errors
        raise ServiceErrors(errors)
    language = (submission.language or "").split("-")[0].lower()
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    return _Checked(
        kind=kind,
        category=category,
        description=description,
        area=area,
        address=address,
        latitude=latitude,
        longitude=longitude,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        anonymous=anonymous,
        wants_public=bool(submission.wants_public),
        language=language,
        source=source,
        photos=cleaned,
    )


def _category(
    kind: str,
    code: str,
    categories: dict[str, Category],
    refuse: Callable[[str, str], None],
) -> Category | None:
    if not code:
        own = own_category(kind, [c for c in categories.values() if c.active])
        if own is not None:
            return own
        refuse("category", _("Choose a category."))
        return None
    category = categories.get(code)
    if category is None or not category.active:
        refuse("category", _("Choose a category from the list."))
        return None
    if kind in Kind.values and not fits(kind, category.kind):
        refuse("category", _("This category is not for this kind of feedback. Choose another."))
        return None
    return category


def own_category(kind: str, active: list[Category]) -> Category | None:
    """The category a kind goes to when the resident chose none: the one category made for
    that kind (a question, a compliment…), or the only category that fits it at all."""
    if kind not in Kind.values:
        return None
    fitting = [c for c in active if c.kind == kind] or [c for c in active if fits(kind, c.kind)]
    return fitting[0] if len(fitting) == 1 else None


def _place(
    organization: Organization, submission: Submission, refuse: Callable[[str, str], None]
) -> tuple[Area | None, float | None, float | None]:
    """The area chosen or the one containing the point; a point outside every area, or in
    another area than the one chosen, is refused."""
    places = configuration.cached("feedback places", organization, _Places.of)
    area = None
    slug = _text(submission.area)
    if slug:
        area = places.by_slug.get(slug)
        if area is None:
            refuse("area", _("Choose an area from the list."))
    latitude, longitude = _number(submission.latitude), _number(submission.longitude)
    if latitude is None and longitude is None:
        return area, None, None
    if latitude is None or longitude is None:
        missing = "latitude" if latitude is None else "longitude"
        refuse(missing, _("Give both the latitude and the longitude, or neither."))
        return area, None, None
    valid = True
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        refuse("latitude", _("A latitude is a number from -90 to 90."))
        valid = False
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        refuse("longitude", _("A longitude is a number from -180 to 180."))
        valid = False
    if not valid:
        return area, None, None
    found = places.containing(longitude, latitude)
    if found is None:
        refuse(
            "latitude",
            _(
                "This point is outside every area we serve. Choose an area or type an "
                "address instead."
            ),
        )
    elif area is not None and area.pk != found.pk:
        refuse(
            "area",
            _("The point you gave is in %(found)s, not in the area you chose.")
            % {"found": found.name},
        )
    return found or area, latitude, longitude


@dataclass(frozen=True)
class _Places:
    """The organisation's areas by short name, and their boundaries ready for point tests."""

    by_slug: dict[str, Area]
    boundaries: tuple[tuple[Area, Any], ...]  # (area, prepared shapely geometry), by name

    @classmethod
    def of(cls, organization: Organization) -> _Places:
        areas = list(scoped(Area, organization).order_by("name", "id"))
        boundaries = tuple((a, prep(shape(a.geometry))) for a in areas if a.geometry)
        return cls({a.slug: a for a in areas}, boundaries)

    def containing(self, longitude: float, latitude: float) -> Area | None:
        """The first area (by name) whose boundary covers the point, edges included."""
        point = Point(longitude, latitude)
        return next((a for a, boundary in self.boundaries if boundary.covers(point)), None)


REFERENCE_DRAWS = 8


def _reference_taken(reference: str) -> bool:
    return Item.objects.filter(reference=reference).exists()


def _store_submission(
    item: Item, checked: _Checked, submitter: User | None, duplicate_since: dt.datetime | None
) -> None:
    """Write the item, its first event, its photos and the audit row in one transaction;
    with ``duplicate_since``, first refuse a repeat of the same sender's text since then."""
    event = Event(
        organization=item.organization,
        item=item,
        at=item.submitted_at,
        actor=submitter,
        kind=EventKind.SUBMITTED,
        status=Status.NEW,
        public=True,
    )
    with without_client_address():
        entry = audit.entry(
            actor=submitter,
            action=AuditAction.CREATE,
            organization=item.organization,
            target=item,
            summary=f"feedback received ({checked.source})",
        )
    if intake_sql.supported() and not checked.photos:
        earlier = intake_sql.insert_submission(item, event, entry, duplicate_since=duplicate_since)
        if earlier is not None:
            raise abuse.DuplicateSubmission(Item.objects.get(reference=earlier))
        return
    if duplicate_since is not None:
        found = abuse.earlier_duplicate(
            item.organization, item.fingerprint, item.sender_digest, duplicate_since
        )
        if found is not None:
            raise abuse.DuplicateSubmission(found)
    with transaction.atomic():
        item.save(force_insert=True)
        event.item = item
        event.save(force_insert=True)
        for content in checked.photos:
            _store_photo(item, content)
        entry.target_id = str(item.pk)
        entry.save(force_insert=True)


def _store_photo(item: Item, content: ContentFile[bytes]) -> None:
    data = content.read()
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
    extension = (content.name or "photo.jpg").rsplit(".", 1)[-1]
    photo = Photo(organization=item.organization, item=item, width=width, height=height)
    # A random name: the resident's file name may hold their name or the place.
    photo.image.save(f"{secrets.token_hex(10)}.{extension}", ContentFile(data), save=False)
    photo.save()


def submit_item(
    *,
    actor: User | AnonymousUser | None,
    organization: Organization,
    submission: Submission,
    photos: Sequence[UploadedFile] = (),
    sender: str = "",
) -> Submitted:
    """Store a resident's feedback and start its response clocks.

    ``sender`` names who sends, as precisely as the channel knows it: space-separated
    ``kind:value`` identities such as ``"addr:203.0.113.5 device:…"`` (see
    ``abuse.web_sender``). Each identity is rate-limited (limits per source), and the whole
    sender, hashed, tells a repeat of the same text by the same sender (refused with
    ``abuse.DuplicateSubmission``) from the same text sent by someone else. Over a limit:
    ``abuse.TooManySubmissions``. Bad fields: ``ServiceErrors``. Nothing is stored then.
    """
    categories = _categories(organization)
    checked = _check(organization, submission, categories, photos)
    now = clock.now()
    digest = abuse.sender_digest(sender)
    print_ = abuse.fingerprint(checked.description)
    duplicate_since = abuse.duplicate_since(now) if print_ and digest else None
    calendar = configuration.cached("feedback calendar", organization, Calendar.of)
    signed_in = actor if actor is not None and actor.is_authenticated else None
    submitter: User | None = None if checked.anonymous else signed_in

    reservation = abuse.reserve(sender, abuse.submission_limits(checked.source))
    secret = secrets.token_urlsafe(24)
    item = Item(
        organization=organization,
        secret_digest=digest_of(secret),
        kind=checked.kind,
        category=checked.category,
        description=checked.description,
        language=checked.language,
        source=checked.source,
        area=checked.area,
        address=checked.address,
        latitude=checked.latitude,
        longitude=checked.longitude,
        contact_name=checked.contact_name,
        contact_email=checked.contact_email,
        contact_phone=checked.contact_phone,
        anonymous=checked.anonymous,
        submitter=submitter,
        status=Status.NEW,
        submitted_at=now,
        wants_public=checked.wants_public,
        moderation=Moderation.PENDING if checked.wants_public else Moderation.NOT_ASKED,
        fingerprint=print_,
        sender_digest=digest,
    )
    start_clocks(item, calendar)
    try:
        for attempt in range(REFERENCE_DRAWS):
            item.reference = new_reference()
            try:
                _store_submission(item, checked, submitter, duplicate_since)
            except IntegrityError:
                # Drawn again only when the tracking code was taken (the item is the
                # transaction's first write, so nothing else was lost with it).
                if attempt == REFERENCE_DRAWS - 1 or not _reference_taken(item.reference):
                    raise
            else:
                break
    except BaseException:
        reservation.release()
        raise
    if checked.contact_email:
        transaction.on_commit(lambda: _send_receipt(item, secret))
    return Submitted(item, secret)


def _send_receipt(item: Item, secret: str) -> None:
    from trustbridge.feedback.resident_tasks import seal, send_receipt

    send_receipt.enqueue(item_id=item.pk, sealed_secret=seal(secret))


def add_resident_message(
    *, actor: User | AnonymousUser | None, item: Item, text: str, sender: str = ""
) -> Event:
    """A message from the resident, through their private link, while the item is open.

    It reaches staff only (it is never on the public timeline). If the item was waiting for
    the resident, its clocks start again: it is back in progress.
    """
    text = _text(text)
    if not text:
        raise ServiceError(ErrorCode.INVALID, _("Write your message."), "message")
    if len(text) > MAX_MESSAGE:
        raise ServiceError(
            ErrorCode.INVALID,
            _("Keep it to %(max)d characters or fewer (this text has %(count)d).")
            % {"max": MAX_MESSAGE, "count": len(text)},
            "message",
        )
    if item.status not in OPEN_STATUSES:
        raise ServiceError(
            ErrorCode.INVALID,
            _("This item is closed. If something is still wrong, send us new feedback."),
            "message",
        )
    calendar = configuration.cached("feedback calendar", item.organization, Calendar.of)
    reservation = abuse.reserve(sender, abuse.message_limits(), scope="message")
    try:
        with transaction.atomic():
            # The status may be changing under us (staff at work): read it under a lock.
            locked = Item.objects.select_for_update().select_related("category").get(pk=item.pk)
            now = clock.now()
            event = Event.objects.create(
                organization=item.organization,
                item=locked,
                at=now,
                kind=EventKind.RESIDENT,
                text=text,
                public=False,
            )
            changes = []
            if locked.status == Status.WAITING:
                record_transition(locked, Status.IN_PROGRESS, now, calendar)
                locked.save(update_fields=list(CLOCK_FIELDS))
                Event.objects.create(
                    organization=item.organization,
                    item=locked,
                    at=now,
                    kind=EventKind.STATUS,
                    status=Status.IN_PROGRESS,
                    public=True,
                )
                changes = ["status"]
            else:
                Item.objects.filter(pk=locked.pk).update(updated_at=now)
            with without_client_address():
                audit.record(
                    actor=None,
                    action=AuditAction.UPDATE,
                    organization=item.organization,
                    target=locked,
                    summary="message from the resident",
                    changes=changes,
                )
    except BaseException:
        reservation.release()
        raise
    item.status = locked.status
    return event
