"""Sign-ins and sign-outs are written to the audit log.

This is record-keeping, not business logic: it writes nothing but the audit line.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from trustbridge.core import audit
from trustbridge.core.models import AuditAction


@receiver(user_logged_in)
def audit_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(actor=user, action=AuditAction.SIGN_IN, target=user)


@receiver(user_logged_out)
def audit_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(actor=user, action=AuditAction.SIGN_OUT, target=user)


@receiver(user_login_failed)
def audit_failed_sign_in(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    # The address typed is personal data and may not even be an account: not recorded.
    audit.record(actor=None, action=AuditAction.SIGN_IN_FAILED)
