"""axe-core on every page of the demo town: no serious or critical violation, no CSP refusal.

The pages are found by following links, as a visitor would, from the home page and the
account pages (and, for staff, from the staff area), so a page added later is checked too.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from allauth.account.models import EmailAddress
from axe_playwright_python.sync_playwright import Axe
from django.urls import resolve
from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.conftest import answer_totp, shown_totp_secret, sign_in, totp_code
from trustbridge.core.models import Area, Organization, Role
from trustbridge.demo import town

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
# Not pages of ours to check here: language switches (redirects), the API and its
# interactive docs (django-ninja's), files, and sign-out.
SKIPPED = re.compile(
    r"^/(language/|api/|accounts/logout/|media/|static/)|\.(geojson|csv|json|css|ics)$"
)
axe = Axe()


@pytest.fixture
def demo(transactional_db):
    town.build()


class Checker:
    """Opens pages in one tab, runs axe on each and keeps every problem found."""

    def __init__(self, page: Page):
        self.page = page
        self.problems: list[str] = []
        self.csp_refusals: list[str] = []
        self.checked: list[str] = []
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_refusals.append(f"{urlsplit(self.page.url).path}: {message.text}")

    def check_current(self) -> None:
        path = urlsplit(self.page.url).path
        results = axe.run(self.page)
        for violation in results.response["violations"]:
            if violation["impact"] not in BLOCKING:
                continue
            for node in violation["nodes"]:
                self.problems.append(
                    f"{path}: {violation['id']} [{violation['impact']}] "
                    f"{' > '.join(map(str, node['target']))} — {violation['help']}"
                )
        self.checked.append(path)

    def open(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None
        assert response.status == 200, f"{path} answered {response.status}"
        self.check_current()

    def crawl(self, starts: list[str], within: re.Pattern[str], one_per_route=False) -> None:
        """Check every page reachable by links from ``starts`` whose path matches ``within``.

        With ``one_per_route``, pages of the same URL pattern (an edit page of each area, say)
        are checked once.
        """

        def key(path: str) -> str:
            return resolve(path).route if one_per_route else path

        queue, seen = deque(starts), {key(path) for path in starts}
        while queue:
            path = queue.popleft()
            self.open(path)
            for href in self.page.locator("a[href]").evaluate_all(
                "links => links.map(a => a.href)"
            ):
                url, _fragment = urldefrag(href)
                parts = urlsplit(url)
                if parts.netloc != urlsplit(self.page.url).netloc or parts.query:
                    continue
                if SKIPPED.search(parts.path) or not within.match(parts.path):
                    continue
                if key(parts.path) not in seen:
                    seen.add(key(parts.path))
                    queue.append(parts.path)

    def assert_clean(self) -> None:
        report = "\n".join(self.problems + self.csp_refusals)
        assert not report, f"{len(self.problems)} axe violations, CSP refusals:\n{report}"


def test_every_public_page_of_the_demo_has_no_serious_accessibility_violation(demo, page):
    checker = Checker(page)
    checker.crawl(
        ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"],
        within=re.compile(
            r"^/(o/[^/]+/(areas/([^/]+/)?)?|accounts/(login|signup|password/reset)/)?$"
        ),
    )

    expected = {"/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"}
    for organization in Organization.objects.all():
        expected |= {f"/o/{organization.slug}/", f"/o/{organization.slug}/areas/"}
        expected |= {
            f"/o/{organization.slug}/areas/{area.slug}/"
            for area in Area.objects.filter(organization=organization)
        }
    assert len(expected) == 4 + 2 * 2 + 11
    assert expected <= set(checker.checked), expected - set(checker.checked)
    checker.assert_clean()


def test_staff_pages_of_riverside_police_have_no_serious_accessibility_violation(demo, page):
    checker = Checker(page)
    sign_in(page, "admin@riverside.example", town.DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    checker.check_current()
    answer_totp(page, totp_code(town.DEMO_TOTP_SECRET))
    expect(page.get_by_role("banner").get_by_role("link", name="Sign out")).to_be_visible()

    checker.crawl(
        ["/o/riverside-police/staff/", "/account/"],
        within=re.compile(r"^/(o/riverside-police/staff/|account/)"),
        one_per_route=True,
    )

    staff = "/o/riverside-police/staff/"
    area = Area.objects.filter(organization__slug="riverside-police")[0]
    expected = [
        "/accounts/2fa/authenticate/",
        staff,
        f"{staff}settings/",
        f"{staff}areas/",
        f"{staff}areas/new/",
        f"{staff}areas/{area.slug}/edit/",
        f"{staff}areas/{area.slug}/delete/",
        f"{staff}members/",
        f"{staff}audit/",
        "/account/",
        "/account/tokens/",
        "/account/erase/",
        f"{staff}incidents/",
        f"{staff}initiatives/",
        f"{staff}initiatives/new/",
    ]
    checked = {resolve(path).route for path in checker.checked}
    missing = {resolve(path).route for path in expected} - checked
    assert not missing, f"staff pages the crawl never reached: {sorted(missing)}"
    checker.assert_clean()


def test_sign_in_and_totp_enrolment_pages_have_no_serious_accessibility_violation(page):
    organization = factories.OrganizationFactory(slug="riverside", name="Riverside Police")
    officer = factories.UserFactory(email="officer@riverside.example")
    factories.MembershipFactory(organization=organization, user=officer, role=Role.OFFICER)
    EmailAddress.objects.create(user=officer, email=officer.email, verified=True, primary=True)
    checker = Checker(page)

    sign_in(page, officer.email, "a-long-test-password")
    page.goto("/o/riverside/staff/")
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    checker.check_current()
    page.get_by_label("Password:").fill("a-long-test-password")
    page.locator("main").get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    checker.check_current()
    secret = shown_totp_secret(page)
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.locator("main").get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Authenticator app activated.")).to_be_visible()
    checker.check_current()
    checker.open("/accounts/2fa/")
    checker.open("/accounts/email/")
    checker.open("/accounts/password/change/")
    checker.open("/accounts/logout/")

    assert checker.checked == [
        "/accounts/reauthenticate/",
        "/accounts/2fa/totp/activate/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/logout/",
    ]
    checker.assert_clean()


def test_account_forms_showing_errors_and_their_next_steps_have_no_serious_violation(page):
    checker = Checker(page)

    sign_in(page, "nobody@example.org", "not-the-password")
    expect(page.get_by_text("are not correct")).to_be_visible()
    checker.check_current()

    page.goto("/accounts/signup/")
    page.get_by_label("Email:").fill("not-an-address")
    page.get_by_label("Password:", exact=True).fill("short")
    page.get_by_label("Password (again):").fill("different")
    page.get_by_label("Email:").evaluate("field => field.form.noValidate = true")
    page.locator("main").get_by_role("button", name="Sign Up").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    checker.check_current()

    page.get_by_label("Email:").fill("newcomer@example.org")
    page.get_by_label("Password:", exact=True).fill("correct-horse-battery-42")
    page.get_by_label("Password (again):").fill("correct-horse-battery-42")
    page.locator("main").get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    checker.check_current()

    page.goto("/accounts/password/reset/")
    page.get_by_label(re.compile(r"^E-?mail")).fill("someone@example.org")
    page.locator("main").get_by_role("button", name="Reset My Password").click()
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/done/$"))
    checker.check_current()

    assert checker.checked == [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/confirm-email/",
        "/accounts/password/reset/done/",
    ]
    checker.assert_clean()
