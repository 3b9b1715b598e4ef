"""Events in a real browser: a town hall found, signed up for by guests who confirm from the
e-mail the suite's SMTP server captured, a place passed down the waiting list, a QR code
from an e-mail scanned at the door, a question asked, approved, up-voted and answered.
axe-core checks every page on the way, and crawls the events pages of the demo town."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from urllib.parse import urlsplit

import pytest
import zxingcpp
from allauth.account.models import EmailAddress
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from tests.conftest import TOTP_SECRET, make_member
from tests.e2e.conftest import answer_totp, sign_in, totp_code
from tests.e2e.test_accessibility import Checker
from tests.factories import AreaFactory, OrganizationFactory, square
from trustbridge.core.models import Role
from trustbridge.demo import town
from trustbridge.events import services
from trustbridge.events.models import Event, EventKind, Question, Rsvp, RsvpStatus

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-test-password"
GUEST_LINK = re.compile(r"https?://[^\s\"<>]+/events/rsvp/\d+/[^\s\"<>]+/")


@pytest.fixture
def town_hall(transactional_db):
    """A published town hall with one place, in one of two areas, and an officer."""
    organization = OrganizationFactory(slug="riverside", name="Riverside Police")
    old_mill = AreaFactory(
        organization=organization, name="Old Mill", slug="old-mill", geometry=square(-79.40)
    )
    harbour = AreaFactory(
        organization=organization, name="Harbour", slug="harbour", geometry=square(-79.30)
    )
    officer = make_member(organization, Role.OFFICER)
    EmailAddress.objects.create(user=officer, email=officer.email, verified=True, primary=True)
    starts = timezone.now() + dt.timedelta(hours=3)
    event = services.create_event(
        officer,
        organization,
        kind="town_hall",
        texts={"en": {"title": "Old Mill town hall", "description": "Questions welcome."}},
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        venue="Old Mill library",
        step_free=True,
        areas=[old_mill],
        capacity=1,
    )
    barbecue = services.create_event(
        officer,
        organization,
        kind="gathering",
        texts={"en": {"title": "Harbour barbecue", "description": "Burgers."}},
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        venue="Harbour park",
        areas=[harbour],
    )
    services.publish_event(officer, barbecue)
    return services.publish_event(officer, event), officer


def mails_to(mailbox, address: str, count: int, timeout: float = 10.0) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(mailbox.to(address)) >= count:
            return mailbox.to(address)
        time.sleep(0.05)
    raise AssertionError(f"{address} received {len(mailbox.to(address))} of {count} mails")


def guest_link(mailbox, message) -> str:
    found = GUEST_LINK.search(mailbox.text_of(message))
    assert found is not None, mailbox.text_of(message)
    return urlsplit(found.group(0)).path


def scanned_qr(message) -> str:
    """What a phone camera reads from the QR code of an e-mail: the door page's address."""
    [image] = [part for part in message.walk() if part.get_content_type() == "image/png"]
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.get_content())))
    address = urlsplit(barcode.text)
    return f"{address.path}?{address.query}"


def sign_up_as_guest(page: Page, checker: Checker, name: str, email: str, button: str) -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Your e-mail address").fill(email)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(f"^{button}")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your e-mail")
    checker.check_current()


def test_a_town_hall_from_finding_it_to_reading_the_answer(town_hall, new_context, mailbox):
    event, officer = town_hall
    ada = new_context().new_page()
    checker = Checker(ada)

    # Ada finds the town hall among the Old Mill events and signs up as a guest.
    ada.goto("/o/riverside/events/")
    checker.check_current()
    ada.get_by_label("Area", exact=True).select_option(label="Old Mill")
    with ada.expect_navigation():
        ada.locator("main").get_by_role("button", name="Show", exact=True).click()
    expect(ada.get_by_role("link", name="Harbour barbecue")).to_have_count(0)
    with ada.expect_navigation():
        ada.get_by_role("link", name="Old Mill town hall").first.click()
    expect(ada.get_by_role("heading", level=1)).to_have_text("Old Mill town hall")
    checker.check_current()
    sign_up_as_guest(ada, checker, "Ada Guest", "ada@example.org", "Sign up")

    # She confirms from the e-mail: the link opens a page, the button takes the place.
    [confirm] = mails_to(mailbox, "ada@example.org", 1)
    ada_link = guest_link(mailbox, confirm)
    ada.goto(ada_link)
    checker.check_current()
    assert Rsvp.objects.get(email="ada@example.org").status == RsvpStatus.PENDING
    with ada.expect_navigation():
        ada.get_by_role("button", name="Confirm my place").click()
    expect(ada.locator("main")).to_contain_text("Confirmed: you have a place.")
    mails_to(mailbox, "ada@example.org", 2)

    # Ben comes second: the only place is taken, he joins the waiting list.
    ben = new_context().new_page()
    ben.goto(f"/o/riverside/events/{event.pk}/")
    sign_up_as_guest(ben, checker, "Ben Guest", "ben@example.org", "Join the waiting list")
    [confirm] = mails_to(mailbox, "ben@example.org", 1)
    ben.goto(guest_link(mailbox, confirm))
    with ben.expect_navigation():
        ben.get_by_role("button", name="Confirm my place").click()
    expect(ben.locator("main")).to_contain_text("On the waiting list (number 1)")

    # Ada cannot come after all: Ben is moved up and told, with a QR code for the door.
    ada.goto(ada_link)
    with ada.expect_navigation():
        ada.get_by_role("button", name="Cancel my place").click()
    expect(ada.locator("main")).to_contain_text("Cancelled.")
    promotion = mails_to(mailbox, "ben@example.org", 3)[-1]
    assert Rsvp.objects.get(email="ben@example.org").status == RsvpStatus.CONFIRMED
    door_page = scanned_qr(promotion)

    # At the door the officer's phone opens the QR's address and checks Ben in.
    door = new_context(viewport={"width": 390, "height": 844}).new_page()
    staff_checker = Checker(door)
    sign_in(door, officer.email, PASSWORD)
    answer_totp(door, totp_code(TOTP_SECRET))
    door.goto(door_page)
    expect(door.locator("main")).to_contain_text("Ben Guest")
    staff_checker.check_current()
    assert Rsvp.objects.get(email="ben@example.org").checked_in_at is None  # opening: nothing
    with door.expect_navigation():
        door.get_by_role("button", name=re.compile("^Check in")).first.click()
    expect(door.get_by_role("status")).to_contain_text("Ben Guest is checked in.")
    staff_checker.check_current()
    assert Rsvp.objects.get(email="ben@example.org").checked_in_at is not None

    # Ada asks a question from the event's page.
    ada.goto(f"/o/riverside/events/{event.pk}/")
    with ada.expect_navigation():
        ada.get_by_role("link", name=re.compile("^Questions for this event")).click()
    checker.check_current()
    ada.get_by_label("Your question").fill("When will the Mill Road crossing get a light?")
    with ada.expect_navigation():
        ada.get_by_role("button", name="Send my question").click()
    expect(ada.get_by_role("status")).to_contain_text("a moderator will review")
    expect(ada.locator("main")).not_to_contain_text("Mill Road crossing")  # not approved yet

    # The officer approves it.
    door.goto(f"/o/riverside/staff/events/{event.pk}/questions/")
    staff_checker.check_current()
    with door.expect_navigation():
        door.get_by_role("button", name="Approve").click()

    # Ben up-votes it, once.
    ben.goto(f"/o/riverside/events/{event.pk}/questions/")
    question = Question.objects.get(event=event)
    expect(ben.locator(f"#question-{question.pk}")).to_contain_text("Mill Road crossing")
    ben.locator(f"#question-{question.pk}").get_by_role("button", name="Up-vote").click()
    expect(ben.locator(f"#votes-{question.pk}")).to_contain_text("1")
    question.refresh_from_db()
    assert question.votes == 1

    # The officer answers in writing; Ada reads the answer.
    door.goto(f"/o/riverside/staff/events/{event.pk}/questions/")
    row = door.locator(f"#question-{question.pk}")
    row.get_by_text("Answer", exact=True).click()
    row.get_by_role("textbox", name=re.compile(r"^Answer")).fill(
        "The light goes in before the end of June."
    )
    with door.expect_navigation():
        row.get_by_role("button", name="Publish the answer").click()
    ada.goto(f"/o/riverside/events/{event.pk}/questions/")
    expect(ada.locator(f"#question-{question.pk}")).to_contain_text(
        "The light goes in before the end of June."
    )
    checker.check_current()

    checker.assert_clean()
    staff_checker.assert_clean()


@pytest.fixture
def demo(transactional_db):
    town.build()


def test_every_public_events_page_of_the_demo_has_no_serious_accessibility_violation(demo, page):
    checker = Checker(page)
    # One page per route is checked: the crawl also starts from a town hall's page, which
    # leads to its questions.
    town_hall = Event.objects.filter(
        organization__slug="riverside-police", kind=EventKind.TOWN_HALL
    ).first()
    checker.crawl(
        ["/o/riverside-police/events/", f"/o/riverside-police/events/{town_hall.pk}/"],
        within=re.compile(r"^/o/riverside-police/events/"),
        one_per_route=True,
    )

    reached = {path.removeprefix("/o/riverside-police/events/") for path in checker.checked}
    assert {"", "calendar/", "past/", "engagement/"} <= reached, sorted(reached)
    detail_pages = [p for p in checker.checked if re.match(r"^/o/[^/]+/events/\d+/$", p)]
    assert detail_pages, checker.checked
    assert any(p.endswith("/questions/") for p in checker.checked), checker.checked
    checker.assert_clean()


def test_every_staff_events_page_of_the_demo_has_no_serious_accessibility_violation(demo, page):
    checker = Checker(page)
    sign_in(page, "admin@riverside.example", town.DEMO_PASSWORD)
    answer_totp(page, totp_code(town.DEMO_TOTP_SECRET))

    # One page per route is checked, and the first event reached may take no questions:
    # the crawl also starts from a town hall's moderation page.
    town_hall = Event.objects.filter(
        organization__slug="riverside-police", kind=EventKind.TOWN_HALL
    ).first()
    checker.crawl(
        [
            "/o/riverside-police/staff/events/",
            f"/o/riverside-police/staff/events/{town_hall.pk}/questions/",
        ],
        within=re.compile(r"^/o/riverside-police/staff/events/"),
        one_per_route=True,
    )

    reached = {path.removeprefix("/o/riverside-police/staff/events/") for path in checker.checked}
    for page_name in ("new/", "contacts/", "commitments/", "questions/overdue/"):
        assert page_name in reached, sorted(reached)
    for ending in ("/dates/", "/attendees/", "/check-in/", "/message/", "/presenter/"):
        assert any(path.endswith(ending) for path in reached), (ending, sorted(reached))
    checker.assert_clean()
