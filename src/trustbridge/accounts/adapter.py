from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up stays open to residents; everything else is allauth's default behaviour."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True
