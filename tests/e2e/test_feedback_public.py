"""The public accountability pages in a real browser: on a phone-sized window, by keyboard,
with no serious accessibility violation (axe-core) and no content-security refusal."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.feedback.builders_public import make_item, move, publish, reply
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import Kind, Status

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def riverside(transactional_db):
    """A year of feedback in two areas: acknowledged, resolved, some public, compliments."""
    organization = factories.OrganizationFactory(slug="riverside", name="Riverside Police")
    old_mill = factories.AreaFactory(organization=organization, slug="old-mill", name="Old Mill")
    harbour = factories.AreaFactory(organization=organization, slug="harbour", name="Harbour")
    categories = ensure_feedback_setup(organization)
    now = timezone.now()
    published = None
    for i in range(60):
        received = now - dt.timedelta(days=20 + 6 * i, hours=i % 7)
        code = ("safety", "nuisance", "question", "compliment", "conduct")[i % 5]
        item = make_item(
            organization,
            categories[code],
            received,
            area=(old_mill, harbour)[i % 2],
            kind=Kind.CONDUCT if code == "conduct" else None,
        )
        move(item, Status.ACKNOWLEDGED, received + dt.timedelta(hours=1 + i % 9))
        if i % 3:
            move(item, Status.RESOLVED, received + dt.timedelta(days=2 + i % 6))
        if code != "conduct" and i % 4 == 0:
            reply(item, received + dt.timedelta(hours=3), "We have sent a patrol to look.")
            published = publish(item, f"Resident's words, made public, number {i}.")
    return organization, published


def blocking_violations(page):
    found = []
    for violation in Axe().run(page).response["violations"]:
        if violation["impact"] in BLOCKING:
            found += [f"{violation['id']}: {node['target']}" for node in violation["nodes"]]
    return found


def fits_the_window(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_resident_filters_the_figures_by_keyboard_on_a_phone(new_context, riverside):
    page = new_context(viewport=PHONE).new_page()
    refusals = []
    page.on(
        "console",
        lambda m: refusals.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto("/o/riverside/accountability/")
    expect(page.get_by_role("heading", level=1)).to_have_text("How quickly we answer")

    page.get_by_label("Category", exact=True).focus()
    page.keyboard.press("ArrowDown")  # the first category: Safety concern
    page.get_by_label("Area", exact=True).focus()
    page.keyboard.press("End")  # the last area: Old Mill
    page.keyboard.press("Tab")  # the area's help text is not focusable: the button
    expect(page.get_by_role("button", name="Show")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"category=safety"))
    expect(page).to_have_url(re.compile(r"area=old-mill"))
    expect(page.locator("#summary-heading")).to_contain_text("Safety concern")
    expect(page.locator("#summary-heading")).to_contain_text("Old Mill")
    expect(page.get_by_label("Category", exact=True)).to_have_value("safety")
    assert fits_the_window(page)
    assert refusals == []


def test_the_public_list_leads_to_an_item_by_keyboard(new_context, riverside):
    _organization, published = riverside
    page = new_context(viewport=PHONE).new_page()
    page.goto("/o/riverside/accountability/")
    link = page.get_by_role("link", name="Feedback made public")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback made public")

    page.locator(f"#item-{published.reference} a").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text(published.public_text)).to_be_visible()
    expect(page.get_by_text("We have sent a patrol to look.")).to_be_visible()
    assert fits_the_window(page)


@pytest.mark.parametrize("path", ["", "items/", "compliments/", "item"])
@pytest.mark.parametrize(
    "viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"]
)
def test_the_public_pages_have_no_serious_accessibility_violation(
    new_context, riverside, path, viewport
):
    _organization, published = riverside
    if path == "item":
        path = f"items/{published.reference}/"
    page = new_context(viewport=viewport).new_page()
    page.goto(f"/o/riverside/accountability/{path}")
    assert blocking_violations(page) == []
    if viewport == PHONE:
        assert fits_the_window(page)
