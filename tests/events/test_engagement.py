"""The informal engagement log: what officers log, never who they met; counts per area."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests import factories
from tests.conftest import make_member
from trustbridge.core.errors import ServiceErrors
from trustbridge.core.models import AuditEvent, Role
from trustbridge.events import engagement
from trustbridge.events.models import InformalContact

TODAY = dt.date(2030, 3, 15)


def log(officer, organization, **changes):
    fields = {
        "kind": "foot_patrol",
        "topic": "Parking near the school",
        "minutes": 15,
        "happened_on": TODAY,
        "today": TODAY,
    }
    fields.update(changes)
    return engagement.log_contact(officer, organization, **fields)


def test_a_contact_is_logged_and_audited(officer, organization, area):
    contact = log(officer, organization, area=area, people=3)
    assert (contact.area, contact.people, contact.officer) == (area, 3, officer)
    assert AuditEvent.objects.filter(target_id=str(contact.pk)).count() == 1


@pytest.mark.parametrize(
    "topic",
    [
        "Talked with Officer Smith's neighbour",
        "Call back at 416-555-0199",
        "Wrote to pat@example.org",
        "My name is Pat Jones",
    ],
)
def test_a_topic_that_names_someone_is_refused(officer, organization, topic):
    with pytest.raises(ServiceErrors) as refused:
        log(officer, organization, topic=topic)
    assert [e.field for e in refused.value.errors] == ["topic"]
    assert InformalContact.objects.count() == 0


def test_every_bad_field_is_reported_at_once(officer, organization, other_organization):
    elsewhere = factories.AreaFactory(organization=other_organization, slug="north", name="North")
    with pytest.raises(ServiceErrors) as refused:
        log(
            officer,
            organization,
            kind="party",
            topic=" ",
            minutes=0,
            people=0,
            happened_on=TODAY + dt.timedelta(days=1),
            area=elsewhere,
        )
    fields = {e.field for e in refused.value.errors}
    assert fields == {"kind", "topic", "minutes", "people", "happened_on", "area"}


def test_old_contacts_are_refused(officer, organization):
    with pytest.raises(ServiceErrors):
        log(officer, organization, happened_on=TODAY - dt.timedelta(days=91))


def test_only_staff_who_meet_residents_log_contacts(organization):
    moderator = make_member(organization, Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        log(moderator, organization)


def test_figures_per_area_count_contacts_minutes_and_people_only(
    officer, organization, other_organization, area
):
    harbour = factories.AreaFactory(organization=organization, slug="harbour", name="Harbour")
    log(officer, organization, area=area, minutes=10, people=2)
    log(officer, organization, area=area, minutes=20)
    log(officer, organization, minutes=5)
    log(officer, organization, area=area, happened_on=TODAY - dt.timedelta(days=40))
    theirs = make_member(other_organization, Role.OFFICER)
    log(theirs, other_organization, minutes=30)

    figures = engagement.by_area(
        organization, TODAY - dt.timedelta(days=30), TODAY + dt.timedelta(days=1)
    )
    as_rows = [(f.area.name if f.area else None, f.contacts, f.minutes, f.people) for f in figures]
    assert as_rows == [("Harbour", 0, 0, 0), ("Old Mill", 2, 30, 3), (None, 1, 5, 1)]
    assert harbour in [f.area for f in figures]
