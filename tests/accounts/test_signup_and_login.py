"""Sign-up, verification, sign-in and password reset (django-allauth), as a visitor sees them.

Mail goes through the suite's real SMTP capture. No answer may reveal whether an address
has an account; sign-in and sign-up are rate limited; sign-ins are audited without the
address that was typed.
"""

from __future__ import annotations

import re

import pyotp
import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client, override_settings

from tests.conftest import TOTP_SECRET
from tests.factories import UserFactory
from trustbridge import settings as base_settings
from trustbridge.accounts.models import User
from trustbridge.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
LINK = re.compile(r"https?://testserver(/\S+)")


def sign_up(client, email, password=PASSWORD):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": password, "password2": password}
    )


def link_in(text):
    """The path of the only link in a message's text."""
    paths = LINK.findall(text)
    assert len(paths) == 1, paths
    return paths[0]


def without(text, *words):
    for word in words:
        text = text.replace(word, "ADDRESS")
    return text


# Sign-up and verification ------------------------------------------------------------------


def test_sign_up_sends_a_verification_email_as_text_and_html(client, mailbox):
    response = sign_up(client, "new.person@example.org")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    [message] = mailbox.messages
    assert message["To"] == "new.person@example.org"
    assert message["Subject"] == "[Trustbridge] Please Confirm Your Email Address"
    assert message.get_content_type() == "multipart/alternative"
    text, html = mailbox.text_of(message), mailbox.html_of(message)
    path = link_in(text)
    assert path.startswith("/accounts/confirm-email/")
    assert text.startswith("Hello from Trustbridge!")
    assert f'<a href="http://testserver{path}">Confirm my e-mail address</a>' in html
    assert '<html lang="en">' in html
    address = EmailAddress.objects.get(email="new.person@example.org")
    assert address.verified is False
    assert address.primary is True


def test_following_the_emailed_link_verifies_the_address_and_signs_in(client, mailbox):
    sign_up(client, "new.person@example.org")
    path = link_in(mailbox.text_of(mailbox.to("new.person@example.org")[0]))

    page = client.get(path)
    assert page.status_code == 200
    assert EmailAddress.objects.get(email="new.person@example.org").verified is False
    confirmed = client.post(path)

    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/account/"
    assert EmailAddress.objects.get(email="new.person@example.org").verified is True
    profile = client.get("/account/")
    assert profile.status_code == 200
    assert profile.context["user"].email == "new.person@example.org"


def test_a_tampered_verification_link_verifies_nothing(client, mailbox):
    sign_up(client, "new.person@example.org")
    path = link_in(mailbox.text_of(mailbox.to("new.person@example.org")[0]))
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]

    response = client.post(tampered)

    assert response.status_code == 404
    assert EmailAddress.objects.get(email="new.person@example.org").verified is False


def test_unverified_person_cannot_sign_in_until_the_address_is_verified(client, mailbox):
    sign_up(Client(), "new.person@example.org")
    mailbox.clear()

    response = client.post(
        "/accounts/login/", {"login": "new.person@example.org", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get("/account/").status_code == 302
    [reminder] = mailbox.to("new.person@example.org")
    assert reminder["Subject"] == "[Trustbridge] Please Confirm Your Email Address"
    path = link_in(mailbox.text_of(reminder))
    assert path.startswith("/accounts/confirm-email/")
    assert f'<a href="http://testserver{path}">Confirm my e-mail address</a>' in (
        mailbox.html_of(reminder)
    )


def test_sign_up_with_an_existing_address_looks_like_a_new_one_and_mails_the_owner(mailbox):
    owner = UserFactory(email="taken@example.org")
    old_password = owner.password

    fresh, existing = Client(), Client()
    fresh_response = sign_up(fresh, "free@example.org")
    existing_response = sign_up(existing, "taken@example.org", password="another-long-password")

    assert existing_response.status_code == fresh_response.status_code == 302
    assert existing_response["Location"] == fresh_response["Location"]
    fresh_page = fresh.get(fresh_response["Location"]).content.decode()
    existing_page = existing.get(existing_response["Location"]).content.decode()
    assert without(existing_page, "taken@example.org") == without(fresh_page, "free@example.org")
    assert User.objects.filter(email="taken@example.org").count() == 1
    owner.refresh_from_db()
    assert owner.password == old_password
    [warning] = mailbox.to("taken@example.org")
    assert warning["Subject"] == "[Trustbridge] Account Already Exists"
    assert link_in(mailbox.text_of(warning)) == "/accounts/password/reset/"
    assert (
        '<a href="http://testserver/accounts/password/reset/">Choose a new password</a>'
        in mailbox.html_of(warning)
    )


# Password reset ----------------------------------------------------------------------------


def test_password_reset_for_an_unknown_address_looks_like_a_known_one(mailbox):
    UserFactory(email="known@example.org")

    known, unknown = Client(), Client()
    known_response = known.post("/accounts/password/reset/", {"email": "known@example.org"})
    unknown_response = unknown.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert known_response.status_code == unknown_response.status_code == 302
    assert known_response["Location"] == unknown_response["Location"]
    assert known_response["Location"] == "/accounts/password/reset/done/"
    known_page = known.get(known_response["Location"]).content.decode()
    unknown_page = unknown.get(unknown_response["Location"]).content.decode()
    assert known_page == unknown_page
    [reset] = mailbox.to("known@example.org")
    assert reset["Subject"] == "[Trustbridge] Password Reset Email"
    assert link_in(mailbox.text_of(reset)).startswith("/accounts/password/reset/key/")
    assert "Choose a new password</a>" in mailbox.html_of(reset)
    [notice] = mailbox.to("nobody@example.org")
    assert notice["Subject"] == "[Trustbridge] Unknown Account"
    assert link_in(mailbox.text_of(notice)) == "/accounts/signup/"
    assert '<a href="http://testserver/accounts/signup/">' in mailbox.html_of(notice)


def test_the_emailed_reset_link_sets_a_new_password(client, mailbox, verified_email):
    person = UserFactory(email="known@example.org")
    verified_email(person)
    client.post("/accounts/password/reset/", {"email": "known@example.org"})
    path = link_in(mailbox.text_of(mailbox.to("known@example.org")[0]))

    form_page = client.get(path, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "a-brand-new-password", "password2": "a-brand-new-password"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/key/done/"
    person.refresh_from_db()
    assert person.check_password("a-brand-new-password")


# Sign-in -----------------------------------------------------------------------------------


def test_sign_in_error_is_the_same_for_an_unknown_address_and_a_wrong_password(verified_email):
    verified_email(UserFactory(email="known@example.org"))

    wrong_password = Client().post(
        "/accounts/login/", {"login": "known@example.org", "password": "not-the-password"}
    )
    unknown = Client().post(
        "/accounts/login/", {"login": "nobody@example.org", "password": "not-the-password"}
    )

    assert wrong_password.status_code == unknown.status_code == 200
    assert wrong_password.context["form"].errors == unknown.context["form"].errors
    assert unknown.context["form"].errors == {
        "__all__": ["The email address and/or password you specified are not correct."]
    }


def test_sign_in_and_sign_out_are_audited_with_the_address_they_came_from(verified_email):
    person = UserFactory(email="known@example.org")
    verified_email(person)
    client = Client(REMOTE_ADDR="203.0.113.7")

    signed_in = client.post(
        "/accounts/login/", {"login": "known@example.org", "password": PASSWORD}
    )
    signed_out = client.post("/accounts/logout/")

    assert signed_in.status_code == signed_out.status_code == 302
    events = list(AuditEvent.objects.order_by("id").values("action", "actor", "ip_address"))
    assert events == [
        {"action": AuditAction.SIGN_IN, "actor": person.pk, "ip_address": "203.0.113.7"},
        {"action": AuditAction.SIGN_OUT, "actor": person.pk, "ip_address": "203.0.113.7"},
    ]


@pytest.mark.parametrize("typed", ["known@example.org", "nobody@example.org"])
def test_failed_sign_in_is_audited_without_the_address_that_was_typed(typed, verified_email):
    verified_email(UserFactory(email="known@example.org"))
    client = Client(REMOTE_ADDR="198.51.100.4")

    client.post("/accounts/login/", {"login": typed, "password": "not-the-password"})

    [event] = AuditEvent.objects.all()
    assert event.action == AuditAction.SIGN_IN_FAILED
    assert event.actor_id is None
    assert event.ip_address == "198.51.100.4"
    assert event.organization_id is None
    assert (event.target_type, event.target_id, event.summary, event.changes) == ("", "", "", [])


def test_a_wrong_two_factor_code_keeps_the_person_signed_out(member):
    officer = member("officer")
    verified = EmailAddress.objects.create(
        user=officer, email=officer.email, verified=True, primary=True
    )
    client = Client()
    first_step = client.post("/accounts/login/", {"login": verified.email, "password": PASSWORD})
    assert first_step["Location"] == "/accounts/2fa/authenticate/"
    right = pyotp.TOTP(TOTP_SECRET).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    refused = client.post("/accounts/2fa/authenticate/", {"code": wrong})

    assert refused.status_code == 200
    assert refused.context["form"].errors == {"code": ["Incorrect code."]}
    assert client.get("/account/").status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.SIGN_IN).exists()


# Rate limits (the suite switches them off; these tests switch the real ones back on) --------


@pytest.fixture
def rate_limits():
    """The production limits. allauth reads ACCOUNT_RATE_LIMITS on every request (through
    ``allauth.account.app_settings``), so overriding the setting is enough; the counts live
    in the cache, which starts and ends empty."""
    cache.clear()
    with override_settings(ACCOUNT_RATE_LIMITS=base_settings.ACCOUNT_RATE_LIMITS):
        yield base_settings.ACCOUNT_RATE_LIMITS
    cache.clear()


def test_sign_up_is_rate_limited_per_ip_address(rate_limits, mailbox):
    assert rate_limits["signup"] == "10/m/ip"
    client = Client()
    for number in range(10):
        assert sign_up(client, f"person{number}@example.org").status_code == 302
        client.logout()

    refused = sign_up(client, "one.more@example.org")

    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("text/html")
    assert not User.objects.filter(email="one.more@example.org").exists()
    assert mailbox.to("one.more@example.org") == []
    assert sign_up(Client(REMOTE_ADDR="192.0.2.50"), "one.more@example.org").status_code == 302


def test_sign_in_is_rate_limited_per_ip_address(rate_limits, verified_email):
    assert rate_limits["login"] == "30/m/ip"
    verified_email(UserFactory(email="known@example.org"))
    client = Client()
    for _attempt in range(30):
        response = client.post("/accounts/login/", {"login": "known@example.org", "password": ""})
        assert response.status_code == 200

    refused = client.post("/accounts/login/", {"login": "known@example.org", "password": PASSWORD})

    assert refused.status_code == 429
    assert not AuditEvent.objects.filter(action=AuditAction.SIGN_IN).exists()
    assert client.get("/account/").status_code == 302


def test_repeated_failed_sign_ins_lock_the_address_even_for_the_right_password(
    rate_limits, verified_email
):
    assert rate_limits["login_failed"] == "10/m/ip,5/5m/key"
    verified_email(UserFactory(email="known@example.org"))
    for number in range(5):
        Client(REMOTE_ADDR=f"192.0.2.{number + 1}").post(
            "/accounts/login/", {"login": "known@example.org", "password": "guess"}
        )

    client = Client(REMOTE_ADDR="192.0.2.99")
    refused = client.post("/accounts/login/", {"login": "known@example.org", "password": PASSWORD})

    assert refused.status_code == 200
    assert refused.context["form"].errors == {
        "__all__": ["Too many failed login attempts. Try again later."]
    }
    assert client.get("/account/").status_code == 302
