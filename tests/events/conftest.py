from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from tests.conftest import make_member
from trustbridge.core.models import Role
from trustbridge.events import services

TORONTO = zoneinfo.ZoneInfo("America/Toronto")


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TORONTO)  # type: ignore[misc]


@pytest.fixture
def officer(organization):
    return make_member(organization, Role.OFFICER)


def new_event(officer, organization, **changes):
    fields = {
        "kind": "watch_meeting",
        "texts": {"en": {"title": "Old Mill watch meeting", "description": "Tea and news."}},
        "starts_at": local(2030, 3, 4, 19),
        "ends_at": local(2030, 3, 4, 20, 30),
        "venue": "Old Mill library",
    }
    fields.update(changes)
    return services.create_event(officer, organization, **fields)


def published(officer, organization, **changes):
    return services.publish_event(officer, new_event(officer, organization, **changes))
