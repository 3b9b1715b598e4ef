"""A person's own data: download all of it as JSON, or erase the account for good."""

from __future__ import annotations

import json

import pyotp
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.test import Client

from tests.conftest import TOTP_SECRET, make_member
from tests.factories import UserFactory
from trustbridge.accounts import services as account_services
from trustbridge.accounts.models import ApiToken, User
from trustbridge.core import services as core_services
from trustbridge.core.models import AuditAction, AuditEvent, Invitation, Membership

pytestmark = pytest.mark.django_db


def sign_in_with_totp(email, remote_addr="127.0.0.1"):
    """A client signed in through the real sign-in form and the TOTP step."""
    client = Client(REMOTE_ADDR=remote_addr)
    response = client.post("/accounts/login/", {"login": email, "password": "a-long-test-password"})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    return client


# Export ------------------------------------------------------------------------------------


def test_export_is_a_json_download_of_the_persons_own_data(
    member, organization, other_organization, verified_email
):
    officer = member("officer", email="officer@riverside.example")
    officer.display_name = "Officer Dibble"
    officer.preferred_language = "fr"
    officer.save(update_fields=["display_name", "preferred_language"])
    verified_email(officer)
    token, _secret = account_services.create_api_token(
        actor=officer, organization=organization, name="Dispatch feed", scope="read"
    )
    client = sign_in_with_totp("officer@riverside.example", remote_addr="203.0.113.8")

    response = client.get("/account/export.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="trustbridge-my-data.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    officer.refresh_from_db()
    membership = Membership.objects.get(user=officer)
    assert set(data) == {
        "exported_at",
        "account",
        "email_addresses",
        "two_factor",
        "memberships",
        "api_tokens",
        "activity",
    }
    assert data["account"] == {
        "email": "officer@riverside.example",
        "display_name": "Officer Dibble",
        "preferred_language": "fr",
        "date_joined": officer.date_joined.isoformat(),
        "last_login": officer.last_login.isoformat(),
    }
    assert data["email_addresses"] == [
        {"email": "officer@riverside.example", "verified": True, "primary": True}
    ]
    assert data["two_factor"] == ["totp"]
    assert data["memberships"] == [
        {"organization": "riverside", "role": "officer", "since": membership.created_at.isoformat()}
    ]
    assert data["api_tokens"] == [
        {
            "name": "Dispatch feed",
            "organization": "riverside",
            "scope": "read",
            "created_at": token.created_at.isoformat(),
            "revoked_at": None,
        }
    ]
    assert [(a["action"], a["ip_address"]) for a in data["activity"]] == [
        ("create", None),
        ("sign_in", "203.0.113.8"),
    ]


def test_export_holds_nothing_of_other_people(member, organization, client_for):
    admin = member("admin", email="admin@riverside.example")
    colleague = member("officer", email="colleague@riverside.example")
    account_services.create_api_token(
        actor=colleague, organization=organization, name="Colleague token", scope="write"
    )
    resident = UserFactory(email="resident@example.org", display_name="Rosa Resident")

    body = client_for(resident).get("/account/export.json").content.decode()
    data = json.loads(body)

    assert data["account"]["email"] == "resident@example.org"
    assert data["memberships"] == []
    assert data["api_tokens"] == []
    assert [a["action"] for a in data["activity"]] == ["sign_in"]
    assert data["two_factor"] == []
    for other in (admin.email, colleague.email, "Colleague token", "riverside"):
        assert other not in body


def test_export_needs_a_signed_in_person(client):
    response = client.get("/account/export.json")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/account/export.json"


# Erasure -----------------------------------------------------------------------------------


@pytest.fixture
def erasable(member, organization, verified_email):
    """An officer with everything an account can hold: membership, TOTP, token, address."""
    officer = member("officer", email="leaving@riverside.example")
    officer.display_name = "Leaving Officer"
    officer.save(update_fields=["display_name"])
    verified_email(officer)
    account_services.create_api_token(
        actor=officer, organization=organization, name="Feed", scope="read"
    )
    return officer


def test_erasing_anonymises_the_account_and_deletes_what_it_held(erasable, client_for):
    client = sign_in_with_totp("leaving@riverside.example")
    other_session = client_for(erasable)
    assert other_session.get("/account/").status_code == 200

    response = client.post("/account/erase/", {"confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    erased = User.objects.get(pk=erasable.pk)
    assert erased.email.startswith("erased-")
    assert erased.email.endswith("@invalid")
    assert erased.display_name == ""
    assert erased.preferred_language == ""
    assert erased.is_active is False
    assert erased.has_usable_password() is False
    assert erased.erased_at is not None
    assert erased.public_name == "Former member"
    assert str(erased) == erased.email
    assert not Membership.objects.filter(user=erased).exists()
    assert not ApiToken.objects.filter(user=erased).exists()
    assert not EmailAddress.objects.filter(user=erased).exists()
    assert not Authenticator.objects.filter(user=erased).exists()
    assert AuditEvent.objects.filter(
        actor=erased, action=AuditAction.DELETE, target_id=str(erased.pk), summary="account erased"
    ).exists()
    assert client.get("/account/").status_code == 302
    assert other_session.get("/account/").status_code == 302
    assert other_session.get("/account/export.json").status_code == 302


def test_the_erased_address_can_no_longer_sign_in(erasable, client_for):
    client_for(erasable).post("/account/erase/", {"confirm": "on"})

    response = Client().post(
        "/accounts/login/",
        {"login": "leaving@riverside.example", "password": "a-long-test-password"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "__all__": ["The email address and/or password you specified are not correct."]
    }


def test_erasing_removes_invitations_sent_to_the_address(erasable, other_organization, client_for):
    admin = make_member(other_organization, "admin")
    core_services.invite(
        actor=admin,
        organization=other_organization,
        email="Leaving@riverside.example",
        role="admin",
    )
    core_services.invite(
        actor=admin,
        organization=other_organization,
        email="someone.else@example.org",
        role="officer",
    )

    client_for(erasable).post("/account/erase/", {"confirm": "on"})

    assert list(Invitation.objects.values_list("email", flat=True)) == ["someone.else@example.org"]


def test_erasing_without_the_confirmation_box_changes_nothing(erasable, client_for):
    client = client_for(erasable)
    before = User.objects.filter(pk=erasable.pk).values().get()
    events_before = AuditEvent.objects.count()

    response = client.post("/account/erase/", {})

    assert response.status_code == 200
    assert response.context["form"].errors == {"confirm": ["This field is required."]}
    assert 'class="errorlist"' in response.content.decode()
    assert User.objects.filter(pk=erasable.pk).values().get() == before
    assert Membership.objects.filter(user=erasable).count() == 1
    assert ApiToken.objects.filter(user=erasable).count() == 1
    assert EmailAddress.objects.filter(user=erasable).count() == 1
    assert Authenticator.objects.filter(user=erasable).count() == 1
    assert AuditEvent.objects.count() == events_before
    assert client.get("/account/").status_code == 200


def test_erase_page_asks_for_confirmation(client_for, resident):
    response = client_for(resident).get("/account/erase/")

    assert response.status_code == 200
    assert 'name="confirm"' in response.content.decode()
    assert User.objects.get(pk=resident.pk).erased_at is None


def test_a_new_account_can_be_opened_with_an_erased_address(erasable, mailbox, client_for):
    client_for(erasable).post("/account/erase/", {"confirm": "on"})

    response = Client().post(
        "/accounts/signup/",
        {
            "email": "leaving@riverside.example",
            "password1": "a-fresh-long-password",
            "password2": "a-fresh-long-password",
        },
    )

    assert response.status_code == 302
    fresh = User.objects.get(email="leaving@riverside.example")
    assert fresh.pk != erasable.pk
    assert fresh.memberships.count() == 0
    [message] = mailbox.to("leaving@riverside.example")
    assert message["Subject"] == "[Trustbridge] Please Confirm Your Email Address"
