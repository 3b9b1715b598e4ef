"""Request types for views that only signed-in people reach."""

from __future__ import annotations

from django.http import HttpRequest

from trustbridge.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request whose ``user`` is a signed-in person (guarded by login or staff checks)."""

    user: User
