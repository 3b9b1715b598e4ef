from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
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
