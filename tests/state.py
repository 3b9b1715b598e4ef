"""Snapshots of stored state, to prove that a refused action changed nothing."""

from __future__ import annotations

from typing import Any

from trustbridge.core.models import (
    Area,
    AuditAction,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
)


def core_state(*, ignoring_views: bool = False) -> dict[str, Any]:
    """Every core row a refused action must leave exactly as it was.

    ``ignoring_views``: page views of personal data are audited even when the change they
    carry is refused; leave those lines out of the comparison.
    """
    audit = AuditEvent.objects.all()
    if ignoring_views:
        audit = audit.exclude(action=AuditAction.VIEW_PERSONAL)
    return {
        "organizations": list(Organization.objects.order_by("pk").values()),
        "areas": list(Area.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "invitations": list(Invitation.objects.order_by("pk").values()),
        "audit": audit.count(),
    }
