"""Open311 client keys: the ``api_key`` an organisation gives an application that submits
feedback on residents' behalf.

A key is shown once, when it is issued; only its SHA-256 is kept, with a short prefix so that
staff can tell keys apart. A revoked key stops working at once and is never reused. Keys are
the organisation's own: a key of one organisation finds nothing in another.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from trustbridge.core import audit, rules
from trustbridge.core.checks import require
from trustbridge.core.digests import digest_of
from trustbridge.core.errors import ErrorCode, ServiceError
from trustbridge.core.models import AuditAction, Organization
from trustbridge.core.tenancy import scoped
from trustbridge.feedback import clock
from trustbridge.feedback.models import ClientKey

if TYPE_CHECKING:
    from trustbridge.accounts.models import User

KEY_PREFIX = "tb311_"
PREFIX_LENGTH = 10  # shown to staff: the marker and four characters of the secret
NAME_LENGTH = ClientKey._meta.get_field("name").max_length or 120
USE_NOTED_EVERY_SECONDS = 60


def issue_key(actor: User, organization: Organization, name: str) -> tuple[ClientKey, str]:
    """Issue a key for the application ``name`` (administrators only); the secret is
    returned once, never stored."""
    require(rules.can_manage_client_keys(actor, organization))
    name = " ".join(name.split())
    if not name:
        raise ServiceError(ErrorCode.INVALID, _("Name the application this key is for."), "name")
    if len(name) > NAME_LENGTH:
        raise ServiceError(
            ErrorCode.INVALID,
            _("Keep the name under %(count)d characters.") % {"count": NAME_LENGTH},
            "name",
        )
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ClientKey.objects.create(
            organization=organization,
            name=name,
            prefix=secret[:PREFIX_LENGTH],
            digest=digest_of(secret),
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            organization=organization,
            target=key,
            summary="Open311 client key issued",
        )
    return key, secret


def revoke_key(actor: User, key: ClientKey) -> None:
    """Stop a key working. Revoking a revoked key changes nothing."""
    require(rules.can_manage_client_keys(actor, key.organization))
    with transaction.atomic():
        locked = ClientKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is not None:
            key.revoked_at = locked.revoked_at
            return
        locked.revoked_at = key.revoked_at = clock.now()
        locked.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=key.organization,
            target=key,
            summary="Open311 client key revoked",
            changes=["revoked_at"],
        )


def find_key(organization: Organization, secret: str) -> ClientKey | None:
    """The organisation's working key with this secret, or None (missing, another
    organisation's and revoked alike)."""
    if not secret:
        return None
    return (
        scoped(ClientKey, organization)
        .filter(digest=digest_of(secret), revoked_at=None)
        .select_related("organization")
        .first()
    )


def record_key_use(key: ClientKey) -> None:
    """Note when a key was last used, at most once a minute (staff see it beside the key)."""
    now = clock.now()
    last = key.last_used_at
    if last is None or (now - last).total_seconds() > USE_NOTED_EVERY_SECONDS:
        ClientKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def keys_of(organization: Organization) -> QuerySet[ClientKey]:
    """The organisation's keys for its staff page, working ones first."""
    return (
        scoped(ClientKey, organization)
        .select_related("created_by")
        .order_by(F("revoked_at").asc(nulls_first=True), "name", "id")
    )
