"""The public dashboard in a real browser: filters by keyboard, with and without htmx, and
axe-core on the dashboard and the privacy page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests import factories
from tests.transparency.builders import incidents, local, roll_up, town
from trustbridge.transparency import queries

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}


@pytest.fixture
def riverside(transactional_db):
    """A demo-like town: a year and a half of incidents in three areas, some sensitive."""
    organization = factories.OrganizationFactory(slug="riverside", name="Riverside Police")
    t = town(organization)
    today = queries.local_today(organization)
    first = queries.add_months(today.replace(day=1), -18)
    for month in range(18):
        start = queries.add_months(first, month)
        at = local(organization, start.year, start.month, 1, 0) + dt.timedelta(hours=7)
        every = dt.timedelta(hours=23)
        incidents(t, 12 + month % 5, category="theft", area="riverside", at=at, every=every)
        incidents(t, 6 + month % 3, category="burglary", area="old-mill", at=at, every=every)
        incidents(t, 4, category="vandalism", area="harbour", at=at, every=every)
        incidents(t, 2, category="assault", area="harbour", at=at, every=every)
        incidents(t, 3, category="sexual-offences", area="riverside", at=at, every=every)
    roll_up(t)
    return t


def blocking_violations(page):
    found = []
    for violation in Axe().run(page).response["violations"]:
        if violation["impact"] in BLOCKING:
            found += [f"{violation['id']}: {node['target']}" for node in violation["nodes"]]
    return found


def test_dashboard_filters_change_by_keyboard_and_stay_in_the_address(page, riverside):
    refusals = []
    page.on(
        "console",
        lambda m: refusals.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto("/o/riverside/transparency/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reported incidents")
    expect(page.locator("#summary-heading")).to_contain_text("all areas of Riverside Police")

    page.get_by_role("checkbox", name="Old Mill").focus()
    page.keyboard.press("Space")  # htmx fetches the results and pushes the address
    expect(page).to_have_url(re.compile(r"[?&]area=old-mill"))
    expect(page.locator("#summary-heading")).to_contain_text("in Old Mill")
    expect(page.get_by_role("checkbox", name="Old Mill")).to_be_checked()

    page.get_by_label("Count by").focus()
    page.keyboard.press("End")  # the last unit: Year
    expect(page).to_have_url(re.compile(r"unit=year"))
    expect(page.locator("#series-heading + div table tbody tr").first).to_be_visible()

    # the address is shareable: opened afresh, it shows the same filters
    address = page.url
    fresh = page.context.new_page()
    fresh.goto(address)
    expect(fresh.get_by_role("checkbox", name="Old Mill")).to_be_checked()
    expect(fresh.get_by_label("Count by")).to_have_value("year")
    assert refusals == []


def test_dashboard_works_without_javascript(new_context, riverside):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/o/riverside/transparency/")
    page.get_by_role("checkbox", name="Harbour").check()
    page.get_by_label("Count by").select_option("quarter")
    page.get_by_role("button", name="Show").press("Enter")
    expect(page).to_have_url(re.compile(r"unit=quarter.*area=harbour|area=harbour.*unit=quarter"))
    expect(page.locator("#summary-heading")).to_contain_text("in Harbour")


@pytest.mark.parametrize(
    "path", ["/o/riverside/transparency/", "/o/riverside/transparency/privacy/"]
)
def test_dashboard_and_privacy_pages_have_no_serious_accessibility_violation(page, riverside, path):
    page.goto(path)
    assert blocking_violations(page) == []


def test_dashboard_with_weekly_counts_has_no_serious_accessibility_violation(page, riverside):
    page.goto("/o/riverside/transparency/?unit=week&period=this-year&area=riverside")
    assert blocking_violations(page) == []
