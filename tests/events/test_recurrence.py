"""Series repeat on the local wall clock and always end."""

from __future__ import annotations

import pytest

from tests.events.conftest import TORONTO, local
from trustbridge.core.errors import ServiceError
from trustbridge.events import recurrence


def test_no_rule_is_one_date():
    assert recurrence.starts(local(2030, 3, 4, 19), "", TORONTO) == [local(2030, 3, 4, 19)]


def test_a_weekly_meeting_keeps_its_local_time_across_daylight_saving():
    # Clocks go forward in Toronto on 10 March 2030.
    dates = recurrence.starts(local(2030, 3, 4, 19), "FREQ=WEEKLY;COUNT=3", TORONTO)
    assert [d.astimezone(TORONTO).hour for d in dates] == [19, 19, 19]
    assert [d.utcoffset().total_seconds() / 3600 for d in dates] == [-5, -4, -4]


def test_until_is_a_local_date_and_rrule_prefix_is_accepted():
    dates = recurrence.starts(
        local(2030, 1, 7, 19), "RRULE:FREQ=MONTHLY;BYDAY=1MO;UNTIL=20300601", TORONTO
    )
    assert [d.month for d in dates] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("FREQ=WEEKLY", "must end"),
        ("FREQ=HOURLY;COUNT=5", "daily at most"),
        ("FREQ=DAILY;COUNT=500", "at most 200 dates"),
        ("FREQ=YEARLY;COUNT=10", "at most 200 dates over 3 years"),
        ("FREQ=SOMETIMES;COUNT=2", "cannot be read"),
        ("nonsense", "cannot be read"),
    ],
)
def test_rules_that_never_end_or_go_on_too_long_are_refused(rule, says):
    with pytest.raises(ServiceError) as refused:
        recurrence.starts(local(2030, 3, 4, 19), rule, TORONTO)
    assert refused.value.field == "recurrence"
    assert says in refused.value.message
