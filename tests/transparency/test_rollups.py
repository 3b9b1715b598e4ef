"""Roll-ups: incremental changes by every import equal a rebuild from the incidents."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.transparency.test_importer import (
    HEADER,
    INSIDE,
    TOWN_MAPPING,
    days_of,
    hours_of,
    rollup_rows,
)
from trustbridge.transparency import rollups, services
from trustbridge.transparency.mapping import load_mapping
from trustbridge.transparency.models import MonthlyCount
from trustbridge.transparency.rollups import Contribution
from trustbridge.transparency.taxonomy import ensure_taxonomy


def test_apply_adds_and_removes_contributions_to_a_cells_count_days_hours_and_places(
    organization, area
):
    categories = ensure_taxonomy(organization)
    theft, homicide = categories["theft"].pk, categories["homicide"].pk
    evening = datetime(2024, 5, 6, 21, 30)  # noqa: DTZ001 - local time, a Monday
    hexagon = "882b9bd3d1fffff"
    added = [
        Contribution(evening, area.pk, theft, False, hexagon),
        Contribution(evening, area.pk, theft, False, hexagon),
        Contribution(evening, 0, homicide, True),
    ]

    rollups.apply(organization, [], added)
    rollups.apply(organization, [Contribution(evening, area.pk, theft, False, hexagon)], [])

    cells = {
        (c.month, c.area_key, c.category_id): (
            c.count,
            c.timed,
            days_of(c),
            hours_of(c),
            c.places,
        )
        for c in MonthlyCount.objects.filter(organization=organization)
    }
    # Sensitive incidents are never timed or placed: the homicide has a day, no hour, no place.
    assert cells == {
        (date(2024, 5, 1), area.pk, theft): (1, 1, {6: 1}, {(0, 21): 1}, {hexagon: 1}),
        (date(2024, 5, 1), 0, homicide): (1, 0, {6: 1}, {}, {}),
    }


def test_rows_that_fall_to_zero_are_removed(organization, area):
    theft = ensure_taxonomy(organization)["theft"].pk
    local = datetime(2024, 5, 6, 21, 30)  # noqa: DTZ001 - roll-ups take local time
    contribution = Contribution(local, area.pk, theft, False)

    rollups.apply(organization, [], [contribution])
    rollups.apply(organization, [contribution], [])

    assert MonthlyCount.objects.filter(organization=organization).count() == 0


def test_local_days_and_hours_follow_the_organisations_time_zone(organization, area):
    # 2024-03-01 02:30 UTC is still 29 February, 21:30, in Toronto.
    text = HEADER + f"A1,2024-03-01T02:30:00+00:00,23H,1 Main St,{INSIDE},,no\n"
    mapping = TOWN_MAPPING.replace('"%Y-%m-%d %H:%M"', '"iso"')
    services.import_incidents(
        actor=None,
        organization=organization,
        source=io.BytesIO(text.encode()),
        mapping=load_mapping(mapping),
        source_name="t.csv",
    )

    cell = MonthlyCount.objects.get()
    assert (cell.month, days_of(cell), hours_of(cell)) == (date(2024, 2, 1), {29: 1}, {(3, 21): 1})


row = st.tuples(
    st.integers(0, 12),  # source id
    st.sampled_from(["23H", "220", "09A", "13B"]),  # theft, burglary, homicide, assault
    st.integers(1, 60),  # day of 2024
    st.integers(0, 23),  # hour
    st.sampled_from(["inside", "near", "none", "far"]),  # far is refused
    st.booleans(),  # family flag (sensitive)
)
POINTS = {"inside": INSIDE, "near": "43.615,-79.395", "none": ",", "far": "10.0,10.0"}


def csv_of(rows):
    lines = [HEADER]
    for sid, code, day, hour, where, family in rows:
        when = date(2024, 1, 1).toordinal() + day - 1
        stamp = date.fromordinal(when).isoformat()
        lines.append(
            f"R{sid},{stamp} {hour:02d}:00,{code},{sid * 37} Main St,{POINTS[where]},,"
            f"{'yes' if family else 'no'}\n"
        )
    return "".join(lines)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(imports=st.lists(st.lists(row, max_size=12), min_size=1, max_size=4))
def test_incremental_roll_ups_equal_a_rebuild_after_any_mix_of_imports(imports):
    organization = factories.OrganizationFactory()
    factories.AreaFactory(organization=organization, geometry=factories.square())
    mapping = load_mapping(TOWN_MAPPING)
    for rows in imports:
        services.import_incidents(
            actor=None,
            organization=organization,
            source=io.BytesIO(csv_of(rows).encode()),
            mapping=mapping,
            source_name="r.csv",
            batch_size=3,
        )

    incremental = rollup_rows(organization)
    rollups.rebuild(organization)
    assert incremental == rollup_rows(organization)


def test_the_command_rebuilds_an_organisations_roll_up_from_its_incidents(organization, area):
    text = HEADER + f"A1,2024-01-02 10:00,23H,1 Main St,{INSIDE},,no\n"
    services.import_incidents(
        actor=None,
        organization=organization,
        source=io.BytesIO(text.encode()),
        mapping=load_mapping(TOWN_MAPPING),
        source_name="t.csv",
    )
    expected = rollup_rows(organization)
    MonthlyCount.objects.filter(organization=organization).update(count=99, timed=0)
    out = io.StringIO()

    call_command("rebuild-rollups", org=organization.slug, stdout=out)

    assert rollup_rows(organization) == expected
    assert out.getvalue() == f"1 roll-up cells rebuilt for {organization.slug}.\n"


def test_the_rebuild_command_refuses_an_unknown_organisation(db):
    with pytest.raises(CommandError, match="No organisation with the short name 'nowhere'"):
        call_command("rebuild-rollups", org="nowhere")
