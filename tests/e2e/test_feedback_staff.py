"""An officer works a resident's item in a real browser, by keyboard only: finds it in the
inbox, acknowledges it, replies from a canned reply in the resident's language, resolves
it; axe-core finds no serious or critical violation on the pages on the way, and the
browser reports no refusal by the content security policy."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from allauth.account.models import EmailAddress
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.conftest import TOTP_SECRET, make_member
from tests.e2e.conftest import answer_totp, sign_in, totp_code
from tests.e2e.test_accessibility import Checker
from tests.factories import AreaFactory, OrganizationFactory
from tests.feedback.conftest_staff import add_photo, make_item
from trustbridge.feedback import workflow
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import CannedReply, Event, EventKind, Item, Kind, Status

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
PASSWORD = "a-long-test-password"


@pytest.fixture
def riverside(transactional_db):
    organization = OrganizationFactory(slug="riverside", name="Riverside Police")
    ensure_feedback_setup(organization)
    officer = make_member(organization, "officer")
    officer.display_name = "Constable Park"
    officer.save(update_fields=["display_name"])
    EmailAddress.objects.create(user=officer, email=officer.email, verified=True, primary=True)
    CannedReply.objects.create(
        organization=organization,
        title="We are on it",
        text_en="Thank you: an officer will look at it this week.",
        text_es="Gracias: un agente lo revisará esta semana.",
    )
    item = make_item(
        organization,
        description="The gate of the park on Elm Street is broken and kids climb over it.",
        language="es",
        contact_email="lucia@example.org",
        anonymous=True,
    )
    return organization, officer, item


def blocking_violations(page: Page) -> list[str]:
    found = []
    for violation in Axe().run(page).response["violations"]:
        if violation["impact"] in BLOCKING:
            found += [f"{violation['id']}: {node['target']}" for node in violation["nodes"]]
    return found


def press_enter_on(page: Page, locator) -> None:
    locator.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def wait_for_mail(mailbox, address: str, count: int, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(mailbox.to(address)) >= count:
            return mailbox.to(address)
        time.sleep(0.05)
    raise AssertionError(f"{address} received {len(mailbox.to(address))} of {count} mails")


def test_an_officer_works_an_item_by_keyboard(page, riverside, mailbox):
    _organization, officer, item = riverside
    refusals: list[str] = []
    page.on(
        "console",
        lambda m: refusals.append(m.text) if "Content Security Policy" in m.text else None,
    )
    problems: dict[str, list[str]] = {}

    sign_in(page, officer.email, PASSWORD)
    answer_totp(page, totp_code(TOTP_SECRET))
    page.goto("/o/riverside/staff/feedback/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback inbox")
    problems["inbox"] = blocking_violations(page)

    # The item, found in the inbox and opened from its link.
    press_enter_on(page, page.get_by_role("link", name=item.reference))
    expect(page.get_by_role("heading", level=1)).to_contain_text(item.reference)
    expect(page.get_by_text("asked to stay anonymous, even to staff")).to_be_visible()
    expect(page.get_by_text("lucia@example.org")).to_have_count(0)
    problems["item"] = blocking_violations(page)

    # Acknowledge: "Acknowledged" is the first next status of a new item.
    expect(page.get_by_label("New status")).to_have_value("acknowledged")
    press_enter_on(page, page.get_by_role("button", name="Change the status"))
    expect(page.get_by_role("status")).to_contain_text("Status changed to “Acknowledged”.")

    # Reply, from the canned reply: it comes in the resident's language (Spanish).
    press_enter_on(page, page.get_by_role("button", name="Use this reply"))
    reply = page.get_by_label("Reply to the resident")
    expect(reply).to_have_value("Gracias: un agente lo revisará esta semana.")
    reply.focus()
    page.keyboard.press("Control+End")  # the end of the text, not of its first line
    page.keyboard.type(" Saludos.")
    page.keyboard.press("Tab")  # to the button
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Reply sent")
    problems["item after reply"] = blocking_violations(page)

    # Resolve, with words for the resident, by keyboard: type to choose, Tab along.
    page.get_by_label("New status").focus()
    page.keyboard.type("Resolved")
    expect(page.get_by_label("New status")).to_have_value("resolved")
    page.keyboard.press("Tab")  # "Closed as": not closing
    page.keyboard.press("Tab")  # the reason
    page.keyboard.type("The gate was repaired on Monday.")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Status changed to “Resolved”.")
    expect(page.locator(".history")).to_contain_text("The gate was repaired on Monday.")
    problems["item resolved"] = blocking_violations(page)

    item.refresh_from_db()
    assert item.status == Status.RESOLVED
    assert Event.objects.get(item=item, kind=EventKind.REPLY).text == (
        "Gracias: un agente lo revisará esta semana. Saludos."
    )
    # The anonymous resident heard of each step by e-mail (and got the survey).
    mails = wait_for_mail(mailbox, "lucia@example.org", 3)
    assert any("Saludos." in mailbox.text_of(m) for m in mails)
    assert Item.objects.get(pk=item.pk).acknowledged_at is not None
    assert {k: v for k, v in problems.items() if v} == {}
    assert refusals == []


def test_the_inbox_is_filtered_by_keyboard_at_phone_width(new_context, riverside):
    organization, officer, item = riverside
    make_item(organization, description="Noise from the bar every night.")
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    sign_in(page, officer.email, PASSWORD)
    answer_totp(page, totp_code(TOTP_SECRET))

    page.goto("/o/riverside/staff/feedback/")
    page.get_by_role("searchbox", name="Search").fill("gate")
    page.get_by_role("button", name="Show").press("Enter")

    expect(page).to_have_url(re.compile(r"[?&]q=gate"))
    expect(page.get_by_role("link", name=item.reference)).to_be_visible()
    expect(page.get_by_text("1 item matches.")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360 + 1, f"the page scrolls sideways: {width}px"
    assert blocking_violations(page) == []


def test_every_staff_feedback_page_has_no_serious_accessibility_violation(page, riverside):
    organization, officer, item = riverside
    admin = make_member(organization, "admin")
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    area = AreaFactory(organization=organization, slug="old-mill", name="Old Mill")
    add_photo(item)
    workflow.add_note(admin, item, "Called the parks department.")
    workflow.create_team(admin, organization, name="Parks", members=[officer])
    workflow.add_holiday(admin, organization, day=dt.date(2025, 12, 25), name="Christmas")
    make_item(
        organization,
        area=area,
        description="My name is Jo Bloggs, call 555 010 2030: the bench is broken.",
        wants_public=True,
    )
    make_item(organization, kind=Kind.CONDUCT, description="The guard was rude.")
    checker = Checker(page)

    sign_in(page, admin.email, PASSWORD)
    answer_totp(page, totp_code(TOTP_SECRET))
    checker.crawl(
        ["/o/riverside/staff/feedback/"],
        within=re.compile(r"^/o/riverside/staff/feedback/"),
        one_per_route=True,
    )
    # Forms showing their errors, too.
    page.goto(f"/o/riverside/staff/feedback/items/{item.reference}/")
    page.get_by_role("button", name="Merge into that item").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    checker.check_current()
    page.goto("/o/riverside/staff/feedback/settings/categories/new/")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    checker.check_current()

    base = "/o/riverside/staff/feedback/"
    reached = {path.removeprefix(base).split("/")[0] for path in checker.checked}
    assert {"", "conduct", "moderation", "items", "settings"} <= reached, reached
    assert len(checker.checked) >= 14, checker.checked
    checker.assert_clean()
