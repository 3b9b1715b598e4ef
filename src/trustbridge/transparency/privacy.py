"""How a precise incident becomes a public one: hundred blocks, hexagon cells, public ids.

The importer calls these before anything is stored: a precise point or a house number never
reaches the database.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache
from typing import TYPE_CHECKING

import h3
from django.conf import settings

if TYPE_CHECKING:
    from trustbridge.core.models import Organization

# "002XX W 47TH ST", "0000X E 103RD ST", "12XX MAIN ST": already generalised by the source.
_GENERALISED = re.compile(r"^(\d+)(X+)\b\s*(.*)$")
# "1234 Main St", "1234-1240 Main St", "1234B Main St", "1234 1/2 Main St"
_HOUSE_NUMBER = re.compile(r"^(\d+)(?:\s*[-\u2013]\s*\d+)?[A-Z]?(?:\s+\d/\d)?\s+(.+)$")
# Flat and unit numbers say even more than a house number.
_UNIT = re.compile(r"\s*(?:,|\b(?:APT|APARTMENT|UNIT|SUITE|STE|FLAT|RM|ROOM)\b|#).*$")
_SPACES = re.compile(r"\s+")
_BARE_NUMBER = re.compile(r"[\d/-]+")
MAX_BLOCK = 160


@lru_cache(maxsize=65536)
def hundred_block(address: str) -> str:
    """The address generalised to its hundred block: "1234 Main St" → "12XX MAIN ST".

    A source's own generalisation is kept if it is at least as coarse ("002XX W 47TH ST" →
    "2XX W 47TH ST"; a finer "0000X" becomes "0XX"). An address without a house number (an
    intersection, a street) is kept as written, upper-cased; flat or unit numbers are dropped.
    """
    text = _SPACES.sub(" ", address.strip().upper())
    if not text:
        return ""
    generalised = _GENERALISED.match(text)
    if generalised:
        digits, xs, street = generalised.groups()
        street = _UNIT.sub("", street).strip()
        if len(xs) > 2:  # a thousand block is coarser than a hundred block: keep it
            return f"{digits.lstrip('0') or '0'}{xs} {street}".strip()[:MAX_BLOCK]
        hundreds = int(digits) * 10 ** len(xs) // 100
        return f"{hundreds}XX {street}".strip()[:MAX_BLOCK]
    numbered = _HOUSE_NUMBER.match(text)
    if numbered:
        number, street = numbered.groups()
        street = _UNIT.sub("", street).strip()
        return f"{int(number) // 100}XX {street}".strip()[:MAX_BLOCK]
    first, _space, rest = text.partition(" ")
    if _BARE_NUMBER.fullmatch(first):  # a number we cannot read as a house number: drop it
        return _UNIT.sub("", rest).strip()[:MAX_BLOCK]
    return _UNIT.sub("", text).strip()[:MAX_BLOCK]


def public_cell(lat: float, lon: float, resolution: int) -> str:
    """The H3 hexagon (about 0.7 km² at resolution 8) that stands for the point in public."""
    return str(h3.latlng_to_cell(lat, lon, resolution))


def cell_centroid(cell: str) -> tuple[float, float]:
    """(latitude, longitude) of a cell's centre: the only point ever shown for an incident."""
    lat, lon = h3.cell_to_latlng(cell)
    return float(lat), float(lon)


def public_id(organization: Organization, source_id: str) -> str:
    """A stable public identifier of an incident that does not reveal the source's id."""
    key = f"{settings.SECRET_KEY}:transparency:{organization.pk}".encode()
    return hmac.new(key, source_id.encode(), hashlib.sha256).hexdigest()[:20]
