"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

One headless Chromium per test process (xdist worker), a fresh browser context (cookies,
storage, viewport) for every test. The live server runs in this process, so mail it sends
reaches the suite's SMTP capture (the ``mailbox`` fixture) and its cache is the one the
suite clears between tests.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

# Playwright's sync API keeps an asyncio event loop in this thread for the whole session, so
# Django would refuse ORM calls made by the tests themselves (SynchronousOnlyOperation). The
# tests never share a connection with async code: the check only gets in the way here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser: Browser, live_server) -> Iterator:
    """Open browser contexts (each its own cookies) on the live server; all closed at the end."""
    contexts: list[BrowserContext] = []

    def make(**options) -> BrowserContext:
        options.setdefault("locale", "en-GB")
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    """A page in a fresh browser context, English first, desktop-sized."""
    expect.set_options(timeout=TIMEOUT_MS)
    return new_context(viewport={"width": 1280, "height": 900}).new_page()


def totp_code(secret: str) -> str:
    """The current code of an authenticator app holding ``secret``.

    The server accepts only the current 30-second window, so a code about to expire is not
    used: wait for the next window instead.
    """
    seconds_left = 30 - time.time() % 30
    if seconds_left < 3:
        time.sleep(seconds_left + 0.2)
    return pyotp.TOTP(secret).now()


def wrong_code(secret: str) -> str:
    """A six-digit code that is not the current one."""
    return f"{(int(pyotp.TOTP(secret).now()) + 500_000) % 1_000_000:06d}"


def sign_in(page: Page, email: str, password: str) -> None:
    """Fill allauth's sign-in form and submit it; the caller checks where it leads."""
    page.goto("/accounts/login/")
    page.get_by_label(re.compile(r"^E-?mail", re.IGNORECASE)).fill(email)
    page.get_by_label(re.compile(r"^Password", re.IGNORECASE)).fill(password)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name=re.compile(r"Sign in", re.I)).click()


def shown_totp_secret(page: Page) -> str:
    """The secret the TOTP activation page shows as text, to type into an authenticator app."""
    term = page.get_by_role("term").filter(has_text="Authenticator secret")
    return term.locator("xpath=following-sibling::dd[1]").inner_text().strip()


def answer_totp(page: Page, code: str) -> None:
    """Answer the two-factor challenge that follows the password."""
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_label(re.compile(r"code", re.IGNORECASE)).fill(code)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name=re.compile(r"Sign in", re.I)).click()
