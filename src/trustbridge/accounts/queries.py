"""What a person may read about themselves: the full export of their data."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.utils import timezone

from trustbridge.accounts.models import ApiToken, User
from trustbridge.core.models import AuditEvent, Membership


def personal_data(user: User) -> dict[str, Any]:
    """Everything Trustbridge holds about ``user``, as plain JSON-ready data.

    Later capabilities add their own section here (RSVPs, feedback, survey answers).
    """
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "preferred_language": user.preferred_language,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "two_factor": sorted(
            Authenticator.objects.filter(user=user).values_list("type", flat=True)
        ),
        "memberships": [
            {"organization": m.organization.slug, "role": m.role, "since": m.created_at.isoformat()}
            for m in Membership.objects.filter(user=user).select_related("organization")
        ],
        "api_tokens": [
            {
                "name": t.name,
                "organization": t.organization.slug,
                "scope": t.scope,
                "created_at": t.created_at.isoformat(),
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in ApiToken.objects.filter(user=user).select_related("organization")
        ],
        "activity": [
            {"at": e.at.isoformat(), "action": e.action, "ip_address": e.ip_address}
            for e in AuditEvent.objects.filter(actor=user).order_by("at", "id")[:10000]
        ],
    }
