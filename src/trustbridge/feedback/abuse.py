"""Keeping floods out of the feedback form without a CAPTCHA, and finding personal details.

A CAPTCHA shuts out exactly the people this form is for: the ones on a cheap phone, with
poor sight, or in a hurry. Instead:

- **rate limits per sender**: each identity of a sender (its client address, its device
  cookie, an Open311 client key, …) may send a few items in ten minutes and a few more in a
  day. Counters live in Django's cache; the limits are settings read at every call;
- **a honeypot field** (``website``) that people never see: the views answer a robot that
  fills it as if it had succeeded, and store nothing;
- **near-duplicates**: each item keeps a fingerprint of its normalised text; the same
  sender sending the same text again within a day is told so, with the earlier reference.
  The inbox can use the fingerprint to show possible duplicates from different senders.

Nothing here stores an address: senders are known only by keyed hashes.

``personal_details`` and ``redact`` find e-mail addresses, phone numbers and names in a
text, for the moderators who approve what residents allowed to be public.
"""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import takewhile
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trustbridge.core.context import client_ip
from trustbridge.core.errors import ErrorCode, ServiceError
from trustbridge.core.middleware import address_of
from trustbridge.feedback.models import Item, Source

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from trustbridge.core.models import Organization

SENDER_SALT = "trustbridge.feedback.sender"
DEVICE_COOKIE = "tb_device"
DEVICE_COOKIE_SECONDS = 365 * 24 * 3600
_DEVICE_VALUE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

# (items, seconds) per identity of a sender, by source. Open311 clients relay many residents
# through one key: their own per-key limit applies in the Open311 view instead.
DEFAULT_RATE_LIMITS: dict[str, list[tuple[int, int]]] = {
    Source.WEB: [(5, 600), (20, 86400)],
    Source.API: [(5, 600), (20, 86400)],
    Source.OPEN311: [],
}
# Messages a resident adds on their tracking page.
DEFAULT_MESSAGE_LIMITS: list[tuple[int, int]] = [(10, 600), (40, 86400)]
DEFAULT_DUPLICATE_HOURS = 24


# Senders ---------------------------------------------------------------------------------


def device_of(request: HttpRequest) -> str:
    """The device cookie's value, if the browser sent a well-formed one."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    return value if _DEVICE_VALUE.match(value) else ""


def remember_device(request: HttpRequest, response: HttpResponse) -> None:
    """Give the browser a random device cookie if it has none.

    It says nothing about the person: it only lets the rate limits tell two phones behind
    one address (a campus, a café) apart, and is never stored unhashed.
    """
    if device_of(request):
        return
    import secrets

    response.set_cookie(
        DEVICE_COOKIE,
        secrets.token_urlsafe(18),
        max_age=DEVICE_COOKIE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def web_sender(request: HttpRequest) -> str:
    """Who sends a request, as ``submit_item`` wants it: ``"addr:<ip> device:<cookie>"``."""
    address = client_ip.get() or address_of(request) or "unknown"
    parts = [f"addr:{address}"]
    device = device_of(request)
    if device:
        parts.append(f"device:{device}")
    return " ".join(parts)


def identities(sender: str) -> list[str]:
    """The identities a sender string names (space-separated ``kind:value``), each limited
    on its own."""
    return [part for part in sender.split() if part]


def _keyed(value: str) -> str:
    return salted_hmac(SENDER_SALT, value, algorithm="sha256").hexdigest()


def sender_digest(sender: str) -> str:
    """A keyed hash of the whole sender: the same address AND device give the same digest.

    Used to tell "the same sender sent this again" from "someone else sent the same text",
    so that two people behind one campus address are never taken for one.
    """
    return _keyed(" ".join(sorted(identities(sender)))) if identities(sender) else ""


# Rate limits -----------------------------------------------------------------------------


class TooManySubmissions(ServiceError):
    """A sender went over a rate limit; nothing was stored. ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int):
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            ErrorCode.INVALID,
            ngettext(
                "You have sent several messages in a short time. Please wait %(minutes)d "
                "minute, then send again.",
                "You have sent several messages in a short time. Please wait %(minutes)d "
                "minutes, then send again.",
                minutes,
            )
            % {"minutes": minutes},
        )
        self.retry_after = retry_after


def submission_limits(source: str) -> list[tuple[int, int]]:
    """The rate limits of one source, from ``TRUSTBRIDGE_FEEDBACK_RATE_LIMITS`` if set."""
    configured = getattr(settings, "TRUSTBRIDGE_FEEDBACK_RATE_LIMITS", None) or {}
    limits = configured.get(source, DEFAULT_RATE_LIMITS.get(source, []))
    return [(int(n), int(seconds)) for n, seconds in limits]


def message_limits() -> list[tuple[int, int]]:
    limits = getattr(settings, "TRUSTBRIDGE_FEEDBACK_MESSAGE_LIMITS", None)
    return [(int(n), int(s)) for n, s in (DEFAULT_MESSAGE_LIMITS if limits is None else limits)]


@dataclass
class Reservation:
    """Places taken in a sender's rate-limit counters. ``release`` gives them back when the
    action they were taken for does not happen after all."""

    keys: list[str] = field(default_factory=list)

    def release(self) -> None:
        for key in self.keys:
            with suppress(ValueError):  # expired meanwhile: nothing to give back
                cache.decr(key)
        self.keys = []


def reserve(sender: str, limits: list[tuple[int, int]], scope: str = "item") -> Reservation:
    """Count one more action of ``sender`` in every window of ``limits``, or refuse it.

    Fixed windows: each ``(n, seconds)`` allows ``n`` actions per identity in each period of
    ``seconds``. Counting first and giving back on refusal keeps concurrent requests from
    slipping past the limit together.
    """
    reservation = Reservation()
    now = int(time.time())
    for identity in identities(sender):
        digest = _keyed(identity)
        for allowed, seconds in limits:
            window = now // seconds
            key = f"feedback-rate:{scope}:{seconds}:{digest}:{window}"
            cache.add(key, 0, timeout=seconds + 60)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=seconds + 60)
                count = 1
            reservation.keys.append(key)
            if count > allowed:
                reservation.release()
                raise TooManySubmissions(retry_after=(window + 1) * seconds - now)
    return reservation


# Near-duplicates -------------------------------------------------------------------------


class DuplicateSubmission(ServiceError):
    """The same sender sent the same text a short while ago; nothing new was stored."""

    def __init__(self, earlier: Item):
        super().__init__(
            ErrorCode.DUPLICATE,
            _(
                "You already sent us this a short while ago, with the tracking code "
                "%(reference)s. We have not stored it twice."
            )
            % {"reference": earlier.reference},
        )
        self.earlier = earlier


_WORD = re.compile(r"\w+")


def normalised(text: str) -> str:
    """The words of ``text``, lower-case, without accents or punctuation, single-spaced:
    "Le lampadaire est cassé !!" and "le  lampadaire est casse" read the same."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(_WORD.findall(plain.replace("_", " ")))


def fingerprint(text: str) -> str:
    """32 hex characters naming the normalised text ("" for a text without words)."""
    words = normalised(text)
    return hashlib.sha256(words.encode()).hexdigest()[:32] if words else ""


def duplicate_hours() -> int:
    return int(getattr(settings, "TRUSTBRIDGE_FEEDBACK_DUPLICATE_HOURS", DEFAULT_DUPLICATE_HOURS))


def duplicate_since(now: datetime) -> datetime:
    """Since when a repeat of the same text by the same sender is refused."""
    return now - timedelta(hours=duplicate_hours())


def earlier_duplicate(
    organization: Organization, print_: str, digest: str, since: datetime
) -> Item | None:
    """The same sender's item with the same fingerprint received since ``since``, if any."""
    if not print_ or not digest:
        return None
    return (
        Item.objects.filter(
            organization=organization,
            fingerprint=print_,
            sender_digest=digest,
            submitted_at__gte=since,
        )
        .order_by("-submitted_at", "-id")
        .first()
    )


# Personal details ------------------------------------------------------------------------

REMOVED = "[removed]"


class FindingKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    NAME = "name"


@dataclass(frozen=True)
class Finding:
    """A span of a text that looks like a personal detail: ``text[start:end]``."""

    kind: FindingKind
    start: int
    end: int
    text: str


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the separators people write; at least 7 digits (checked below).
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().\-/]{5,}\d(?!\w)")
_DATE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
# A word that starts with a letter, with apostrophes (straight or curly) and hyphens.
_WORD_OF_NAME = r"[^\W\d_][\w'\u2019-]*"
_WORDS = r"(?P<name>" + _WORD_OF_NAME + r"(?:[ \t]+" + _WORD_OF_NAME + r"){0,2})"
# "my name is Sam Lee", "je m'appelle Sam", "me llamo Sam": the first word whatever its case,
# then up to two more that start with a capital.
_INTRODUCED = re.compile(
    r"\b(?i:my\s+name\s+is|my\s+name's|je\s+m['\u2019]\s*appelle|mon\s+nom\s+est|"
    r"me\s+llamo|mi\s+nombre\s+es)\s+" + _WORDS
)
_TITLES = (
    "officer|constable|const|pc|sergeant|sgt|detective|det|inspector|lieutenant|lt|captain|"
    "capt|chief|deputy|agent|guard|trooper|corporal|cpl|mr|mrs|ms|miss|mx|dr|"
    "agente|officier|sergent|inspecteur|inspectrice|capitaine|brigadier|gardien|mme|mlle|"
    "monsieur|madame|oficial|sargento|inspectora|teniente|capitán|capitan|sr|sra|srta|señor|"
    "señora|senor|senora|don|doña"
)
# "Officer Smith", "Sgt. O'Brien", "Mme Tremblay", "agente García": a title, then one or two
# words that start with a capital (the name, which is what is removed; the title stays).
_TITLED = re.compile(r"\b(?i:(?:" + _TITLES + r")\.?|m\.)[ \t]+" + _WORDS)
_NOT_NAMES = frozenset(
    {"i", "a", "the", "le", "la", "les", "el", "los", "las", "un", "una", "une", "and", "et", "y"}
)


def _name_span(match: re.Match[str], first_any_case: bool) -> tuple[int, int] | None:
    """Where the name starts and ends: its words while they look like a name."""
    words = match.group("name").split()
    if words[0].casefold() in _NOT_NAMES or not (first_any_case or words[0][0].isupper()):
        return None
    kept = [words[0], *takewhile(lambda w: w[0].isupper(), words[1:])]
    start = match.start("name")
    text = match.string
    end = start
    for word in kept:
        end = text.index(word, end) + len(word)
    return start, end


def personal_details(text: str) -> list[Finding]:
    """E-mail addresses, phone numbers and names in ``text``, in order, never overlapping.

    Names are found where they are introduced ("my name is …", "je m'appelle …", "me
    llamo …") and after a title ("Officer Smith", "Mme Tremblay", "Sgt. Díaz"): the title
    stays, the name goes. It is a help for moderators, who still read every text.
    """
    spans: list[tuple[int, int, FindingKind]] = []
    for match in _EMAIL.finditer(text):
        spans.append((match.start(), match.end(), FindingKind.EMAIL))
    for match in _PHONE.finditer(text):
        found = match.group(0).strip()
        digits = sum(c.isdigit() for c in found)
        if 7 <= digits <= 15 and not _DATE.match(found):
            start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
            spans.append((start, start + len(found), FindingKind.PHONE))
    for pattern, first_any_case in ((_INTRODUCED, True), (_TITLED, False)):
        position = 0
        # Not finditer: a match may swallow the next title ("Mme Tremblay et M. Dupont"),
        # so the search goes on from where the name found really ends.
        while (found_name := pattern.search(text, position)) is not None:
            span = _name_span(found_name, first_any_case)
            if span is not None:
                spans.append((*span, FindingKind.NAME))
            position = span[1] if span is not None else found_name.start("name")
    spans.sort(key=lambda s: (s[0], -s[1]))
    findings: list[Finding] = []
    for start, end, kind in spans:
        if findings and start < findings[-1].end:
            continue  # inside one already found (an address's digits, say)
        findings.append(Finding(kind, start, end, text[start:end]))
    return findings


def redact(text: str) -> str:
    """``text`` with every personal detail found replaced by "[removed]"."""
    parts: list[str] = []
    position = 0
    for finding in personal_details(text):
        parts.append(text[position : finding.start])
        parts.append(REMOVED)
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)
