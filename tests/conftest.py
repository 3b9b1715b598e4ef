"""Shared fixtures: a real SMTP capture, organisations with members of every role, API clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from tests import factories
from tests.mailcapture import CapturedMail, start_capture
from trustbridge.core import configuration, tenancy

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(scope="session", autouse=True)
def _smtp_capture(django_test_environment: None) -> Iterator[CapturedMail]:
    """Mail goes over real SMTP to a local capture, not to pytest-django's locmem outbox."""
    controller, handler = start_capture()
    django_settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    django_settings.EMAIL_PORT = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def mailbox(_smtp_capture: CapturedMail) -> CapturedMail:
    """The messages sent during this test, received by a real SMTP server."""
    _smtp_capture.clear()
    return _smtp_capture


@pytest.fixture(autouse=True)
def _english_by_default() -> Iterator[None]:
    """Each test starts in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    configuration.forget()
    tenancy.forget_recent()
    yield
    cache.clear()
    configuration.forget()
    tenancy.forget_recent()


@pytest.fixture
def organization(db: Any) -> Any:
    return factories.OrganizationFactory(slug="riverside", name="Riverside Police")


@pytest.fixture
def other_organization(db: Any) -> Any:
    return factories.OrganizationFactory(slug="elsewhere", name="Elsewhere Security")


def make_member(organization: Any, role: str, *, mfa: bool = True, email: str | None = None) -> Any:
    user = factories.UserFactory(email=email or f"{role}@{organization.slug}.example")
    factories.MembershipFactory(organization=organization, user=user, role=role)
    if mfa:
        TOTP.activate(user, TOTP_SECRET)
    return user


@pytest.fixture
def member(organization: Any) -> Any:
    """make a member of ``organization``: ``member("admin")``."""

    def make(role: str, **kwargs: Any) -> Any:
        return make_member(organization, role, **kwargs)

    return make


@pytest.fixture
def admin(member: Any) -> Any:
    return member("admin")


@pytest.fixture
def area(organization: Any) -> Any:
    return factories.AreaFactory(organization=organization, slug="old-mill", name="Old Mill")


@pytest.fixture
def resident(db: Any) -> Any:
    return factories.UserFactory(email="resident@example.org")


def signed_in(user: Any) -> Client:
    """A browser session signed in as ``user`` (the sign-in flow itself is tested end to end)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for() -> Any:
    return signed_in


@pytest.fixture
def verified_email() -> Any:
    def verify(user: Any) -> None:
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )

    return verify
