"""Generalisation helpers: hundred blocks, public hexagon cells, public ids."""

from __future__ import annotations

import h3
import pytest

from tests import factories
from trustbridge.transparency.privacy import cell_centroid, hundred_block, public_cell, public_id


@pytest.mark.parametrize(
    ("address", "block"),
    [
        ("1234 Main St", "12XX MAIN ST"),
        ("  1234   main   st ", "12XX MAIN ST"),
        ("34 Main St", "0XX MAIN ST"),
        ("1234-1240 Main St", "12XX MAIN ST"),
        ("1234B Main St", "12XX MAIN ST"),
        ("1234 Main St Apt 5", "12XX MAIN ST"),
        ("1234 Main St, Unit 5", "12XX MAIN ST"),
        ("1234 Main St #5", "12XX MAIN ST"),
        ("002XX W 47TH ST", "2XX W 47TH ST"),
        ("0000X W Hubbard St", "0XX W HUBBARD ST"),
        ("012XX N STATE ST", "12XX N STATE ST"),
        ("1XXX MAIN ST", "1XXX MAIN ST"),
        ("26TH AVE NE / NE BLAKELEY ST", "26TH AVE NE / NE BLAKELEY ST"),
        ("Main St & 1st Ave", "MAIN ST & 1ST AVE"),
        ("12/14 Main St", "MAIN ST"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_addresses_are_generalised_to_the_hundred_block(address, block):
    assert hundred_block(address) == block


def test_a_public_cell_is_an_h3_hexagon_at_the_given_resolution_whose_centre_is_public():
    cell = public_cell(41.809125265, -87.631906508, 8)

    assert cell == "882664cf13fffff"
    assert h3.get_resolution(cell) == 8
    lat, lon = cell_centroid(cell)
    assert public_cell(lat, lon, 8) == cell
    assert (round(lat, 9), round(lon, 9)) != (41.809125265, -87.631906508)


def test_a_public_id_is_stable_per_organisation_and_does_not_show_the_source_id(db):
    one = factories.OrganizationFactory(slug="one")
    two = factories.OrganizationFactory(slug="two")

    first = public_id(one, "13364090")

    assert first == public_id(one, "13364090")
    assert first != public_id(two, "13364090")
    assert first != public_id(one, "13364091")
    assert len(first) == 20
    assert "13364090" not in first
