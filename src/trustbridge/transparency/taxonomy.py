"""The default offence taxonomy: NIBRS-style offence groups, and how source codes map onto
them from NIBRS, the FBI's legacy UCR summary codes (Chicago's ``FBI Code``) and Canadian
UCR2 violation codes.

An organisation gets these categories on first use and can rename them, mark others
sensitive, or override any code mapping (``OffenceCode`` rows, or ``[offences]`` in an
import's mapping file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_noop

from trustbridge.core.models import Organization
from trustbridge.transparency.models import (
    CrimeAgainst,
    OffenceCategory,
    OffenceCode,
    TransparencySettings,
)


@dataclass(frozen=True)
class DefaultCategory:
    code: str
    name: str  # English; translated on display with gettext
    crime_against: CrimeAgainst
    sensitive: bool = False


DEFAULT_CATEGORIES = [
    DefaultCategory("homicide", gettext_noop("Homicide"), CrimeAgainst.PERSON, sensitive=True),
    DefaultCategory(
        "sexual-offences", gettext_noop("Sexual offences"), CrimeAgainst.PERSON, sensitive=True
    ),
    DefaultCategory(
        "human-trafficking", gettext_noop("Human trafficking"), CrimeAgainst.PERSON, sensitive=True
    ),
    DefaultCategory(
        "family-and-children",
        gettext_noop("Offences against family and children"),
        CrimeAgainst.PERSON,
        sensitive=True,
    ),
    DefaultCategory(
        "kidnapping", gettext_noop("Kidnapping and abduction"), CrimeAgainst.PERSON, sensitive=True
    ),
    DefaultCategory("assault", gettext_noop("Assault"), CrimeAgainst.PERSON),
    DefaultCategory("robbery", gettext_noop("Robbery"), CrimeAgainst.PROPERTY),
    DefaultCategory("burglary", gettext_noop("Break-ins"), CrimeAgainst.PROPERTY),
    DefaultCategory("theft", gettext_noop("Theft"), CrimeAgainst.PROPERTY),
    DefaultCategory("vehicle-theft", gettext_noop("Vehicle theft"), CrimeAgainst.PROPERTY),
    DefaultCategory("arson", gettext_noop("Arson"), CrimeAgainst.PROPERTY),
    DefaultCategory("vandalism", gettext_noop("Vandalism"), CrimeAgainst.PROPERTY),
    DefaultCategory("fraud", gettext_noop("Fraud and forgery"), CrimeAgainst.PROPERTY),
    DefaultCategory("stolen-property", gettext_noop("Stolen property"), CrimeAgainst.PROPERTY),
    DefaultCategory("drugs", gettext_noop("Drug offences"), CrimeAgainst.SOCIETY),
    DefaultCategory("weapons", gettext_noop("Weapons offences"), CrimeAgainst.SOCIETY),
    DefaultCategory("prostitution", gettext_noop("Prostitution"), CrimeAgainst.SOCIETY),
    DefaultCategory("gambling", gettext_noop("Gambling"), CrimeAgainst.SOCIETY),
    DefaultCategory("public-order", gettext_noop("Public order"), CrimeAgainst.SOCIETY),
    DefaultCategory("other", gettext_noop("Other offences"), CrimeAgainst.OTHER),
]


def _codes(category: str, *codes: str) -> dict[str, str]:
    return dict.fromkeys(codes, category)


# FBI NIBRS offence codes (Group A and B).
NIBRS: dict[str, str] = {
    **_codes("homicide", "09A", "09B", "09C"),
    **_codes("sexual-offences", "11A", "11B", "11C", "11D", "36A", "36B", "370", "90H"),
    **_codes("human-trafficking", "64A", "64B"),
    **_codes("kidnapping", "100"),
    **_codes("assault", "13A", "13B", "13C"),
    **_codes("robbery", "120"),
    **_codes("burglary", "220"),
    **_codes("theft", "23A", "23B", "23C", "23D", "23E", "23F", "23G", "23H"),
    **_codes("vehicle-theft", "240"),
    **_codes("arson", "200"),
    **_codes("vandalism", "290"),
    **_codes(
        "fraud",
        "250",
        "26A",
        "26B",
        "26C",
        "26D",
        "26E",
        "26F",
        "26G",
        "26H",
        "270",
        "510",
        "210",
        "90A",
    ),
    **_codes("stolen-property", "280"),
    **_codes("drugs", "35A", "35B"),
    **_codes("weapons", "520", "521", "522", "526"),
    **_codes("prostitution", "40A", "40B", "40C"),
    **_codes("gambling", "39A", "39B", "39C", "39D"),
    **_codes("family-and-children", "90F"),
    **_codes("public-order", "90B", "90C", "90D", "90E", "90G", "90J"),
    **_codes("other", "720", "90K", "90L", "90M", "90Z"),
}

# FBI UCR summary (legacy Part I / II) codes, as in Chicago's "FBI Code" column.
UCR_SUMMARY: dict[str, str] = {
    **_codes("homicide", "01A", "01B"),
    **_codes("sexual-offences", "02", "17"),
    **_codes("robbery", "03"),
    **_codes("assault", "04A", "04B", "08A", "08B"),
    **_codes("burglary", "05"),
    **_codes("theft", "06"),
    **_codes("vehicle-theft", "07"),
    **_codes("arson", "09"),
    **_codes("fraud", "10", "11", "12"),
    **_codes("stolen-property", "13"),
    **_codes("vandalism", "14"),
    **_codes("weapons", "15"),
    **_codes("prostitution", "16"),
    **_codes("drugs", "18"),
    **_codes("gambling", "19"),
    **_codes("family-and-children", "20"),
    **_codes("public-order", "21", "22", "23", "24", "25"),
    **_codes("other", "26"),
}

# Statistics Canada UCR2 violation codes: exact codes first, then the longest prefix.
UCR2: dict[str, str] = {
    "11": "homicide",
    "12": "assault",
    "13": "sexual-offences",
    "14": "assault",
    "15": "kidnapping",
    "16": "robbery",
    "17": "other",
    "2110": "arson",
    "212": "burglary",
    "213": "theft",
    "2135": "vehicle-theft",
    "214": "theft",
    "215": "stolen-property",
    "216": "fraud",
    "217": "vandalism",
    "21": "other",
    "31": "weapons",
    "3": "other",
    "4": "drugs",
    "6": "other",
    "9": "public-order",
}

SCHEMES: dict[str, dict[str, str]] = {"nibrs": NIBRS, "ucr_summary": UCR_SUMMARY, "ucr2": UCR2}
PREFIX_SCHEMES = frozenset({"ucr2"})


def default_category_for(scheme: str, code: str) -> str | None:
    """The default category code of a source offence code, or None if unknown."""
    table = SCHEMES.get(scheme)
    if table is None:
        return None
    code = code.strip().upper()
    if code in table:
        return table[code]
    if scheme in PREFIX_SCHEMES:
        for length in range(len(code) - 1, 0, -1):
            if code[:length] in table:
                return table[code[:length]]
    return None


@transaction.atomic
def ensure_taxonomy(organization: Organization) -> dict[str, OffenceCategory]:
    """The organisation's categories by code, creating the defaults and settings on first use."""
    TransparencySettings.objects.get_or_create(organization=organization)
    existing = {c.code: c for c in OffenceCategory.objects.filter(organization=organization)}
    missing = [
        OffenceCategory(
            organization=organization,
            code=d.code,
            name=d.name,
            crime_against=d.crime_against,
            sensitive=d.sensitive,
            position=position,
        )
        for position, d in enumerate(DEFAULT_CATEGORIES)
        if d.code not in existing
    ]
    if missing and not existing:
        OffenceCategory.objects.bulk_create(missing)
        existing = {c.code: c for c in OffenceCategory.objects.filter(organization=organization)}
    return existing


def resolver(
    organization: Organization, scheme: str, extra: dict[str, str] | None = None
) -> Callable[[str], OffenceCategory | None]:
    """A function from a source offence code to the organisation's category (or None).

    Order: the organisation's own ``OffenceCode`` rows, then ``extra`` (a mapping file's
    ``[offences]`` table), then the built-in scheme table.
    """
    categories = ensure_taxonomy(organization)
    overrides = {
        row.source_code.upper(): row.category
        for row in OffenceCode.objects.filter(
            organization=organization, scheme=scheme
        ).select_related("category")
    }
    extra_upper = {k.strip().upper(): v for k, v in (extra or {}).items()}
    cache: dict[str, OffenceCategory | None] = {}

    def resolve(code: str) -> OffenceCategory | None:
        key = code.strip().upper()
        if key not in cache:
            if key in overrides:
                cache[key] = overrides[key]
            else:
                name = extra_upper.get(key) or default_category_for(scheme, key)
                cache[key] = categories.get(name) if name else None
        return cache[key]

    return resolve
