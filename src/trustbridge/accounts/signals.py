"""Sign-ins and sign-outs are written to the audit log.

This is record-keeping, not business logic: it writes nothing but the audit line.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from trustbridge.core import audit, rules
from trustbridge.core.models import AuditAction, Organization


def _record_for_each_organisation(user: Any, action: AuditAction) -> None:
    """One line in each organisation the person works for, so its admins see it;
    a resident's line belongs to no organisation."""
    organizations: list[Organization | None] = [
        m.organization for m in rules.memberships(user).values()
    ]
    for organization in organizations or [None]:
        audit.record(actor=user, action=action, organization=organization, target=user)


@receiver(user_logged_in)
def audit_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _record_for_each_organisation(user, AuditAction.SIGN_IN)


@receiver(user_logged_out)
def audit_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _record_for_each_organisation(user, AuditAction.SIGN_OUT)


@receiver(user_login_failed)
def audit_failed_sign_in(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    # The address typed is personal data and may not even be an account: not recorded.
    audit.record(actor=None, action=AuditAction.SIGN_IN_FAILED)
