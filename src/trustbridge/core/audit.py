"""Writing the append-only audit log. Services call ``record`` after every change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models

from trustbridge.core.context import client_ip
from trustbridge.core.models import AuditAction, AuditEvent, Organization

if TYPE_CHECKING:
    from trustbridge.accounts.models import User


def record(
    *,
    actor: User | None,
    action: AuditAction,
    organization: Organization | None = None,
    target: models.Model | None = None,
    summary: str = "",
    changes: Iterable[str] = (),
) -> AuditEvent:
    """Append one event. ``summary`` and ``changes`` must never hold personal data:
    give field names, not their values."""
    event = entry(
        actor=actor,
        action=action,
        organization=organization,
        target=target,
        summary=summary,
        changes=changes,
    )
    event.save(force_insert=True)
    return event


def entry(
    *,
    actor: User | None,
    action: AuditAction,
    organization: Organization | None = None,
    target: models.Model | None = None,
    summary: str = "",
    changes: Iterable[str] = (),
) -> AuditEvent:
    """The event ``record`` appends, unsaved (for a caller that writes it in its own
    statement)."""
    return AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        organization=organization,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        summary=summary[:255],
        changes=sorted(changes),
        ip_address=client_ip.get(),
    )
