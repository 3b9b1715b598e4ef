from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet
from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class MailSite:
    """What allauth's e-mails call ``current_site``: our name, the host the person used."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up stays open to residents; e-mails greet from Trustbridge, not from a host name."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = allauth_context.request
        if request is not None:
            domain = request.get_host()
        else:
            domain = urlsplit(settings.TRUSTBRIDGE_BASE_URL).netloc
        super().send_mail(
            template_prefix, email, {"current_site": MailSite("Trustbridge", domain), **context}
        )


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets are stored encrypted (Fernet), never in the clear.

    The key comes from TRUSTBRIDGE_SECRETS_KEY, or is derived from SECRET_KEY when that is
    not set; changing the key makes existing authenticators unreadable, so keep it stable.
    """

    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()


def _fernet() -> Fernet:
    material = settings.TRUSTBRIDGE_SECRETS_KEY or settings.SECRET_KEY
    key = base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest())
    return Fernet(key)
