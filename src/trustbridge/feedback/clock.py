"""The time feedback services act at.

Always the real time, except while ``replaying(moment)`` is active: the demo town replays a
year of feedback through the very same services, each step at its own past moment, so that
clocks, targets and timelines are computed exactly as they would have been.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_replayed: ContextVar[dt.datetime | None] = ContextVar("feedback_replayed_time", default=None)


def now() -> dt.datetime:
    return _replayed.get() or timezone.now()


@contextmanager
def replaying(moment: dt.datetime) -> Iterator[None]:
    """Act as if it were ``moment`` (aware) inside the block."""
    token = _replayed.set(moment)
    try:
        yield
    finally:
        _replayed.reset(token)
