"""An organisation's configuration is cached per process and never served stale: every
change of an area or of the feedback settings moves the organisation's stamp."""

from __future__ import annotations

import datetime as dt

from tests import factories
from trustbridge.core import configuration
from trustbridge.core.models import Organization
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import FeedbackSettings, Holiday


def fresh(organization):
    """The organisation as the next request reads it."""
    return Organization.objects.get(pk=organization.pk)


def builds(organization):
    """How many times ``build`` ran over two reads of the organisation as it stands now."""
    calls = []

    def build(org):
        calls.append(org.pk)
        return object()

    first = configuration.cached("test", fresh(organization), build)
    second = configuration.cached("test", fresh(organization), build)
    assert first is second
    return len(calls)


def test_an_unchanged_configuration_is_built_once(organization):
    assert builds(organization) == 1
    assert builds(organization) == 0


def test_saving_or_deleting_an_area_is_seen_at_the_next_request(organization):
    builds(organization)
    area = factories.AreaFactory(organization=organization, slug="harbour", name="Harbour")
    assert builds(organization) == 1
    area.name = "The Harbour"
    area.save()
    assert builds(organization) == 1
    area.delete()
    assert builds(organization) == 1


def test_feedback_categories_holidays_and_calendar_move_the_stamp(organization):
    categories = ensure_feedback_setup(organization)
    builds(organization)
    categories["safety"].acknowledge_hours = 4
    categories["safety"].save()
    assert builds(organization) == 1
    Holiday.objects.create(organization=organization, day=dt.date(2026, 12, 25), name="Christmas")
    assert builds(organization) == 1
    config = FeedbackSettings.objects.get(organization=organization)
    config.work_start = dt.time(8)
    config.save()
    assert builds(organization) == 1


def test_the_accountability_roll_ups_bookkeeping_is_not_a_change(organization):
    ensure_feedback_setup(organization)
    builds(organization)
    config = FeedbackSettings.objects.get(organization=organization)
    config.save(update_fields=["rollup_until", "rollup_judged_at"])
    assert builds(organization) == 0


def test_a_new_time_zone_is_a_new_configuration(organization):
    builds(organization)
    organization.timezone = "Europe/Paris"
    organization.save()
    assert builds(organization) == 1


def test_each_organisation_has_its_own(organization, other_organization):
    builds(organization)
    assert builds(other_organization) == 1
    factories.AreaFactory(organization=other_organization, slug="north", name="North")
    assert builds(organization) == 0
