"""Secrets at rest and addresses behind proxies."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import RequestFactory, override_settings

from tests.conftest import TOTP_SECRET
from trustbridge.core.middleware import address_of
from trustbridge.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def test_totp_secret_is_stored_encrypted_and_still_verifies_codes(resident):
    import pyotp

    TOTP.activate(resident, TOTP_SECRET)
    stored = Authenticator.objects.get(user=resident, type=Authenticator.Type.TOTP)
    assert TOTP_SECRET not in str(stored.data)
    assert TOTP(stored).validate_code(pyotp.TOTP(TOTP_SECRET).now())


@pytest.mark.parametrize(
    "proxies,forwarded,expected",
    [
        (0, "198.51.100.7", "10.0.0.1"),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "203.0.113.9, 198.51.100.7", "198.51.100.7"),
        (2, "203.0.113.9, 198.51.100.7", "203.0.113.9"),
        (2, "198.51.100.7", "10.0.0.1"),
    ],
)
def test_client_address_trusts_only_the_configured_number_of_proxies(proxies, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTBRIDGE_TRUSTED_PROXY_COUNT=proxies):
        assert address_of(request) == expected


def test_staff_sign_in_is_logged_in_each_of_their_organisations(
    organization, other_organization, member, client
):
    from trustbridge.core.models import Membership

    officer = member("officer")
    Membership.objects.create(organization=other_organization, user=officer, role="moderator")
    client.force_login(officer)
    events = AuditEvent.objects.filter(action=AuditAction.SIGN_IN, actor=officer)
    assert sorted(e.organization.slug for e in events) == ["elsewhere", "riverside"]


def test_resident_sign_in_belongs_to_no_organisation(resident, client):
    client.force_login(resident)
    [event] = AuditEvent.objects.filter(action=AuditAction.SIGN_IN, actor=resident)
    assert event.organization is None


def test_token_use_is_noted_for_its_owner_at_most_once_a_minute(organization, member, client):
    from datetime import timedelta

    from trustbridge.accounts.models import ApiToken
    from trustbridge.accounts.services import create_api_token

    officer = member("officer")
    token, secret = create_api_token(
        actor=officer, organization=organization, name="t", scope="read"
    )
    assert token.last_used_at is None
    client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first
