"""A resident's whole journey in a real browser, on a phone-sized window, by keyboard: send
feedback anonymously, read the tracking code, open the private link in another browser, read
the staff's reply. axe-core on every page, no CSP refusal, no sideways scroll."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests import factories
from tests.conftest import make_member
from tests.feedback.conftest_resident import two_areas
from trustbridge.feedback import workflow
from trustbridge.feedback.models import Item, Status

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


class Watch:
    """Problems a page shows: axe violations, CSP refusals, sideways scroll."""

    def __init__(self, page: Page):
        self.page = page
        self.problems: list[str] = []
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def check(self) -> None:
        for violation in Axe().run(self.page).response["violations"]:
            if violation["impact"] in BLOCKING:
                self.problems += [
                    f"{self.page.url}: {violation['id']} {node['target']}"
                    for node in violation["nodes"]
                ]
        width = self.page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            self.problems.append(f"{self.page.url}: {width} px wide")


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would; the focus must be
    visible and on screen when it gets there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            expect(page.locator(":focus")).to_be_in_viewport()
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline == "solid", f"no visible focus on {selector}"
            return
    raise AssertionError(f"{selector} was never reached by Tab")


@pytest.fixture
def riverside(transactional_db):
    organization = factories.OrganizationFactory(slug="riverside", name="Riverside Police")
    two_areas(organization)
    return organization


def test_a_resident_reports_anonymously_by_keyboard_on_a_phone_and_reads_the_reply(
    new_context, riverside
):
    officer = make_member(riverside, "officer")
    page = new_context(**PHONE).new_page()
    watch = Watch(page)

    page.goto("/o/riverside/feedback/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us something")
    watch.check()
    tab_to(page, "input[name=kind]")
    page.keyboard.press("Space")  # Concern
    page.keyboard.press("ArrowDown")  # Question: its own category is chosen for it
    expect(page.get_by_label("What is it about?")).to_have_value("question")
    tab_to(page, "textarea[name=description]")
    page.keyboard.type("When is the next community meeting in Harbour? <b>thanks</b>")
    tab_to(page, "input[name=anonymous]")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Tracking code [2-9A-Z]{4}-[2-9A-Z]{4}$"))
    code = heading.inner_text().removeprefix("Tracking code ")
    expect(page.get_by_text("Thank you. We have received your message.")).to_be_visible()
    expect(page.get_by_text("<b>thanks</b>", exact=False)).to_be_visible()
    link = page.locator(".link-text a").inner_text()
    watch.check()
    item = Item.objects.get()
    assert (item.reference, item.kind, item.category.code, item.anonymous) == (
        code,
        "question",
        "question",
        True,
    )

    workflow.reply(officer, item, "The next meeting is on Tuesday at 7 pm, at the library.")

    elsewhere = new_context(**PHONE).new_page()  # another browser: only the link is shared
    watch_elsewhere = Watch(elsewhere)
    elsewhere.goto(link)
    expect(elsewhere.get_by_role("heading", level=1)).to_have_text(f"Tracking code {code}")
    expect(elsewhere.get_by_text("Reply from Riverside Police")).to_be_visible()
    expect(
        elsewhere.get_by_text("The next meeting is on Tuesday at 7 pm, at the library.")
    ).to_be_visible()
    expect(elsewhere.locator(".status strong")).to_have_text(str(Status.ACKNOWLEDGED.label))
    watch_elsewhere.check()

    elsewhere.goto(link.replace(code, "ZZZZ-ZZZZ"))
    expect(elsewhere.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert watch.problems + watch_elsewhere.problems == []


def test_the_form_works_without_javascript_and_a_tap_on_the_map_fills_the_point(
    new_context, riverside
):
    page = new_context(**PHONE, java_script_enabled=False).new_page()
    page.goto("/o/riverside/feedback/new")
    page.get_by_label("Concern").check()
    page.get_by_label("What is it about?").select_option("nuisance")
    page.get_by_label("Your message").fill("Loud music every night after midnight.")
    page.get_by_text("Or give the exact point").click()
    page.get_by_label("Latitude").fill("43.605")
    page.get_by_label("Longitude").fill("-79.375")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Tracking code "))
    assert Item.objects.get().area.slug == "old-mill"

    scripted = new_context(**PHONE).new_page()
    watch = Watch(scripted)
    scripted.goto("/o/riverside/feedback/new")
    scripted.get_by_text("Or give the exact point").click()
    watch.check()
    box = scripted.locator(".place-map svg").bounding_box()
    scripted.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.5)
    latitude = float(scripted.get_by_label("Latitude").input_value())
    longitude = float(scripted.get_by_label("Longitude").input_value())
    assert 43.60 < latitude < 43.61 and -79.40 < longitude < -79.39  # in Harbour, the west half
    expect(scripted.get_by_label("Area", exact=True)).to_have_value("harbour")
    assert watch.problems == []
