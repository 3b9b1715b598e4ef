"""What people do with Trustbridge, in a real browser: sign up, sign in, enrol TOTP, read French,
use a phone with a keyboard."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.utils import translation
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import answer_totp, shown_totp_secret, sign_in, totp_code, wrong_code
from trustbridge.accounts.models import User
from trustbridge.core.models import Organization, Role
from trustbridge.demo import town

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-test-password"


def verified_user(email: str):
    user = factories.UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def in_header(page, name: str):
    """The header's link named exactly ``name``."""
    return page.get_by_role("banner").get_by_role("link", name=name, exact=True)


def wait_for_mail(mailbox, address: str, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = mailbox.to(address)
        if messages:
            return messages
        time.sleep(0.05)
    raise AssertionError(f"no mail reached {address} within {timeout} s")


def test_newcomer_signs_up_verifies_by_the_emailed_link_and_ends_signed_in(page, mailbox):
    email = "newcomer@example.org"
    page.goto("/accounts/signup/")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:", exact=True).fill("correct-horse-battery-42")
    page.get_by_label("Password (again):").fill("correct-horse-battery-42")
    page.locator("main").get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    expect(in_header(page, "Sign in")).to_be_visible()  # not signed in yet

    [message] = wait_for_mail(mailbox, email)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailbox.text_of(message))
    assert link is not None, mailbox.text_of(message)
    page.goto(link.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    page.locator("main").get_by_role("button", name="Confirm").click()

    expect(page.get_by_text(f"Signed in as {email}.", exact=True)).to_be_visible()
    expect(in_header(page, "Sign out")).to_be_visible()
    assert page.url.endswith("/account/")
    assert EmailAddress.objects.get(email=email).verified is True


def test_verified_user_signs_in_with_the_right_password(page):
    verified_user("pat@example.org")
    sign_in(page, "pat@example.org", PASSWORD)

    expect(page.get_by_text("Signed in as pat@example.org.", exact=True)).to_be_visible()
    expect(in_header(page, "Sign out")).to_be_visible()


def test_wrong_password_and_unknown_address_get_the_same_error(page):
    verified_user("pat@example.org")

    sign_in(page, "pat@example.org", "not-the-password")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    wrong_password_error = page.locator("main").get_by_text(re.compile(r"not correct")).inner_text()

    sign_in(page, "nobody@example.org", "not-the-password")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    unknown_address_error = (
        page.locator("main").get_by_text(re.compile(r"not correct")).inner_text()
    )

    assert wrong_password_error == unknown_address_error
    assert (
        wrong_password_error == "The email address and/or password you specified are not correct."
    )
    expect(in_header(page, "Sign in")).to_be_visible()
    expect(in_header(page, "Sign out")).to_have_count(0)


def test_officer_enrols_totp_to_reach_the_staff_area_then_signs_in_with_a_code(page):
    organization = factories.OrganizationFactory(slug="riverside", name="Riverside Police")
    officer = verified_user("officer@riverside.example")
    factories.MembershipFactory(organization=organization, user=officer, role=Role.OFFICER)
    sign_in(page, officer.email, PASSWORD)
    expect(page.get_by_text("Signed in as officer@riverside.example.", exact=True)).to_be_visible()

    page.goto("/o/riverside/staff/")
    expect(page.get_by_text("Staff pages need two-factor authentication.")).to_be_visible()
    # allauth asks for the password again before an authenticator is added.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next=.*totp.*activate"))
    page.get_by_label("Password:").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = shown_totp_secret(page)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.locator("main").get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Authenticator app activated.")).to_be_visible()
    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).count() == 1

    in_header(page, "Staff: Riverside Police").click()
    expect(page).to_have_url(re.compile(r"/o/riverside/staff/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff area — Riverside Police")

    in_header(page, "Sign out").click()
    page.locator("main").get_by_role("button", name="Sign Out").click()
    expect(in_header(page, "Sign in")).to_be_visible()

    sign_in(page, officer.email, PASSWORD)
    answer_totp(page, wrong_code(secret))
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    expect(in_header(page, "Sign in")).to_be_visible()  # not signed in
    expect(in_header(page, "Staff: Riverside Police")).to_have_count(0)

    answer_totp(page, totp_code(secret))
    expect(page.get_by_text("Signed in as officer@riverside.example.", exact=True)).to_be_visible()
    in_header(page, "Staff: Riverside Police").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff area — Riverside Police")


def french(english: str) -> str:
    """The French of one of our strings, from Trustbridge's compiled catalogue."""
    with translation.override("fr"):
        return translation.gettext(english)


def test_visitor_switches_the_language_to_french_with_the_header_links(page):
    factories.OrganizationFactory(slug="riverside", name="Riverside Police")
    factories.AreaFactory(organization=Organization.objects.get(slug="riverside"))
    page.goto("/o/riverside/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Areas we serve")).to_be_visible()

    page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()

    expect(page).to_have_url(re.compile(r"/o/riverside/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Français")).to_have_attribute("aria-current", "true")
    # Trustbridge's own catalogue (src/trustbridge/locale/fr), compiled by the set-up.
    assert french("Areas we serve") != "Areas we serve"
    expect(page.get_by_role("heading", name=french("Areas we serve"))).to_be_visible()
    expect(page.get_by_role("link", name=french("Skip to main content"))).to_be_attached()
    page.get_by_role("navigation", name=french("Main")).get_by_role(
        "link", name=french("Sign in")
    ).click()
    # allauth's own French catalogue, on its sign-in page.
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def header_links(page) -> list[str]:
    return page.locator("header a").evaluate_all("links => links.map(a => a.href)")


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {id: el.id, href: el.href || null, cls: el.className,
                    outline: style.outlineStyle, inHeader: !!el.closest('header')};
        }"""
    )


def test_phone_visitor_has_no_sideways_scroll_and_reaches_everything_by_keyboard(new_context):
    town.build()
    page = new_context(viewport={"width": 360, "height": 740}, is_mobile=True).new_page()
    page.goto("/o/riverside-police/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Police Service")

    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.keyboard.press("Tab")
    first = focused(page)
    assert first["cls"] == "skip-link", first
    assert first["outline"] == "solid"  # focus is visible
    expect(page.get_by_role("link", name="Skip to main content")).to_be_in_viewport()

    # The brand, Home, Areas, Reported incidents, Events, Accountability, Tell us something,
    # Sign in, Sign up and the three languages.
    assert len(header_links(page)) == 12
    reached = []
    for _ in range(len(header_links(page))):
        page.keyboard.press("Tab")
        element = focused(page)
        assert element["inHeader"], element
        assert element["outline"] == "solid", element
        expect(page.locator(":focus")).to_be_in_viewport()
        reached.append(element["href"])
    assert reached == header_links(page)

    for _ in reached:
        page.keyboard.press("Shift+Tab")
    assert focused(page)["cls"] == "skip-link"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    assert page.url.endswith("/o/riverside-police/#main")


def test_signed_in_user_choosing_french_keeps_it_as_their_preference(page):
    user = verified_user("pat@example.org")
    sign_in(page, user.email, PASSWORD)
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert User.objects.get(pk=user.pk).preferred_language == "fr"
