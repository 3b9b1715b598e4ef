"""Bounded recurrence rules (RFC 5545 RRULE), expanded in the organisation's local time.

A series must end: a rule needs COUNT or UNTIL, produces at most ``MAX_OCCURRENCES`` dates
and spans at most ``MAX_YEARS``. Dates are computed on the local wall clock, so a weekly
19:00 meeting stays at 19:00 across daylight saving changes.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from dateutil import rrule
from django.utils.translation import gettext as _

from trustbridge.core.errors import ErrorCode, ServiceError

MAX_OCCURRENCES = 200
MAX_YEARS = 3
FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}


def starts(first: dt.datetime, rule: str, zone: zoneinfo.ZoneInfo) -> list[dt.datetime]:
    """The start of every date of the series beginning at ``first`` (aware), as aware
    instants; ``[first]`` without a rule. ``ServiceError`` (field ``recurrence``) for a rule
    that cannot be read, never ends, repeats more often than daily or goes on too long."""
    rule = rule.strip()
    if not rule:
        return [first]
    local = first.astimezone(zone).replace(tzinfo=None)
    text = rule.removeprefix("RRULE:")
    try:
        parsed = rrule.rrulestr(text, dtstart=local)
    except (ValueError, TypeError) as error:
        raise _refused(_("This repeat rule cannot be read: %(error)s") % {"error": error}) from None
    if not isinstance(parsed, rrule.rrule):
        raise _refused(_("Give one repeat rule."))
    parts = dict(part.partition("=")[::2] for part in text.upper().split(";") if part)
    if parts.get("FREQ") not in FREQUENCIES:
        raise _refused(_("A series repeats daily at most often."))
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise _refused(_("A series must end: give a number of dates (COUNT) or an end (UNTIL)."))
    limit = local + dt.timedelta(days=366 * MAX_YEARS)
    found: list[dt.datetime] = []
    for moment in parsed:
        if moment > limit or len(found) == MAX_OCCURRENCES:
            raise _refused(
                _("A series has at most %(count)d dates over %(years)d years.")
                % {"count": MAX_OCCURRENCES, "years": MAX_YEARS}
            )
        found.append(moment.replace(tzinfo=zone))
    if not found:
        raise _refused(_("This repeat rule gives no date."))
    return found


def _refused(message: str) -> ServiceError:
    return ServiceError(ErrorCode.INVALID, message, "recurrence")
