"""A new Open311 service request: from the spec's form fields to ``intake.submit_item``.

The client application is the sender: it proved itself with its ``api_key`` (a ``ClientKey``
of the jurisdiction), and its key, its address and the device it names identify it to the
near-duplicate check. A client relays many residents, so the per-resident limits of the form
do not apply; a limit per key does (``TRUSTBRIDGE_OPEN311_POSTS_PER_MINUTE``).

``media_url`` is kept as text in a staff-only note on the item, never fetched: following a
link given by a stranger would make this server fetch anything for anyone.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http import QueryDict
from django.utils import translation
from django.utils.translation import gettext as _

from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.feedback import abuse, client_keys, clock, intake
from trustbridge.feedback.models import ClientKey, Event, EventKind, Kind, Source
from trustbridge.feedback.open311_queries import kinds_of, service_of

DEFAULT_POSTS_PER_MINUTE = 60
MEDIA_URL_LENGTH = 500
_ATTRIBUTE = re.compile(r"^attribute\[(?P<code>[^\]]+)\](?:\[\])?$")
# Our names of the fields a refusal may concern, as the client sent them.
OPEN311_NAMES = {
    "category": "service_code",
    "description": "description",
    "contact_email": "email",
    "contact_phone": "phone",
    "contact_name": "first_name",
    "latitude": "lat",
    "longitude": "long",
    "location": "lat",
    "address": "address_string",
    "kind": "attribute[kind]",
    "anonymous": "attribute[anonymous]",
    "wants_public": "attribute[public]",
    "area": "attribute[area]",
}


class OverRate(ServiceError):
    """The client key sent more requests than its rate allows; nothing was stored."""

    def __init__(self, retry_after: int):
        super().__init__(
            ErrorCode.INVALID,
            _("Too many requests from this api_key. Please wait %(seconds)d seconds.")
            % {"seconds": retry_after},
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Created:
    reference: str
    notice: str


def describe(error: ServiceError) -> str:
    """A refusal as the client should read it, naming the field as the client sent it."""
    if not error.field:
        return error.message
    return f"{OPEN311_NAMES.get(error.field, error.field)}: {error.message}"


def posts_per_minute() -> int:
    return int(getattr(settings, "TRUSTBRIDGE_OPEN311_POSTS_PER_MINUTE", DEFAULT_POSTS_PER_MINUTE))


def _count_post(key: ClientKey) -> None:
    """One more POST of this key in the current minute, or OverRate."""
    try:
        abuse.reserve(f"open311-key:{key.pk}", [(posts_per_minute(), 60)], scope="open311")
    except abuse.TooManySubmissions as refused:
        raise OverRate(retry_after=refused.retry_after) from None


def sender_of(key: ClientKey, address: str, device_id: str) -> str:
    """The client as ``submit_item`` wants it. The device, hashed, tells two residents of one
    application apart, so that the same words from both are not taken for a repeat."""
    parts = [f"open311-key:{key.pk}", f"addr:{address or 'unknown'}"]
    if device_id:
        parts.append("device:" + hashlib.sha256(device_id.encode()).hexdigest()[:32])
    return " ".join(parts)


def _attributes(arguments: QueryDict) -> dict[str, str]:
    found = {}
    for name in arguments:
        match = _ATTRIBUTE.match(name)
        if match:
            found[match.group("code")] = arguments.get(name, "").strip()
    return found


def _yes_no(attributes: dict[str, str], code: str, errors: list[ServiceError]) -> bool:
    value = attributes.get(code, "").lower()
    if value in ("", "false"):
        return False
    if value == "true":
        return True
    errors.append(ServiceError(ErrorCode.INVALID, _("Answer true or false."), f"attribute[{code}]"))
    return False


def _coordinate(
    arguments: QueryDict, name: str, limit: float, errors: list[ServiceError]
) -> float | None:
    text = arguments.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not -limit <= value <= limit:  # also refuses NaN
        errors.append(
            ServiceError(
                ErrorCode.INVALID,
                _("Give a number between -%(limit)s and %(limit)s (WGS 84).") % {"limit": limit},
                name,
            )
        )
        return None
    return value


def create_request(*, key: ClientKey, arguments: QueryDict, language: str, address: str) -> Created:
    """Create the item a client application sends for a resident.

    Refusals name the client's fields: an unknown ``service_code`` is NOT_FOUND (404 in
    Open311), anything else INVALID (400). Nothing is stored unless everything is right.
    """
    organization = key.organization
    _count_post(key)
    client_keys.record_key_use(key)
    code = arguments.get("service_code", "").strip()
    if not code:
        raise ServiceError(ErrorCode.INVALID, _("service_code was not provided."))
    category = service_of(organization, code)
    if category is None:
        raise ServiceError(
            ErrorCode.NOT_FOUND,
            _("service_code “%(value)s” was not found.") % {"value": code},
        )
    errors: list[ServiceError] = []
    attributes = _attributes(arguments)

    kinds = kinds_of(category)
    kind = attributes.get("kind", "") or (kinds[0] if len(kinds) == 1 else Kind.CONCERN)
    if kind not in kinds:
        errors.append(
            ServiceError(
                ErrorCode.INVALID,
                _("Choose one of: %(values)s.") % {"values": ", ".join(kinds)},
                "attribute[kind]",
            )
        )
    anonymous = _yes_no(attributes, "anonymous", errors)
    wants_public = _yes_no(attributes, "public", errors)
    latitude = _coordinate(arguments, "lat", 90, errors)
    longitude = _coordinate(arguments, "long", 180, errors)
    if (arguments.get("lat", "").strip() == "") != (arguments.get("long", "").strip() == ""):
        errors.append(ServiceError(ErrorCode.INVALID, _("Send lat and long together."), "long"))
    if arguments.get("address_id", "").strip():
        errors.append(
            ServiceError(
                ErrorCode.INVALID,
                _(
                    "address_id is not used here: send lat and long, or address_string, "
                    "or attribute[area]."
                ),
                "address_id",
            )
        )
    media_url = arguments.get("media_url", "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
            if len(media_url) > MEDIA_URL_LENGTH:
                raise ValidationError("too long")
        except ValidationError:
            errors.append(
                ServiceError(
                    ErrorCode.INVALID,
                    _("Give an http or https address of at most %(count)d characters.")
                    % {"count": MEDIA_URL_LENGTH},
                    "media_url",
                )
            )
    if errors:
        raise ServiceErrors(errors)

    names = [arguments.get("first_name", "").strip(), arguments.get("last_name", "").strip()]
    submission = intake.Submission(
        kind=kind,
        category=category.code,
        description=arguments.get("description", ""),
        area=attributes.get("area", ""),
        address=arguments.get("address_string", "").strip(),
        latitude=latitude,
        longitude=longitude,
        contact_name=" ".join(n for n in names if n),
        contact_email=arguments.get("email", "").strip(),
        contact_phone=arguments.get("phone", "").strip(),
        anonymous=anonymous,
        wants_public=wants_public,
        language=language,
        source=Source.OPEN311,
    )
    sender = sender_of(key, address, arguments.get("device_id", "").strip())
    with transaction.atomic():
        submitted = intake.submit_item(
            actor=None, organization=organization, submission=submission, sender=sender
        )
        item = submitted.item
        if media_url:
            # Staff of any language read it: written in the organisation's first language.
            staff_language = (organization.languages or [settings.LANGUAGE_CODE])[0]
            with translation.override(staff_language):
                text = _("Media address given by the application (not fetched): %(url)s") % {
                    "url": media_url
                }
            Event.objects.create(
                organization=organization,
                item=item,
                at=clock.now(),
                kind=EventKind.NOTE,
                text=text,
                public=False,
            )
    with translation.override(item.language):
        notice = _(
            "Thank you: we have received it. Its tracking code is %(reference)s. Follow it, "
            "and read our replies, at this private address (keep it to yourself: anyone who "
            "has it can read them): %(url)s"
        ) % {
            "reference": item.reference,
            "url": str(settings.TRUSTBRIDGE_BASE_URL) + submitted.tracking_path,
        }
    return Created(item.reference, notice)
