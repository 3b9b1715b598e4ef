"""Changes a person makes to their own account: API tokens, erasure."""

from __future__ import annotations

import secrets
import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trustbridge.accounts.models import ApiToken, TokenScope, User
from trustbridge.core import audit, rules
from trustbridge.core.errors import ErrorCode, ServiceError
from trustbridge.core.models import AuditAction, Invitation, Membership, Organization
from trustbridge.events.services import give_back_places

TOKEN_PREFIX = "tb_"  # noqa: S105 (a public marker, not a secret)


def create_api_token(
    *, actor: User, organization: Organization, name: str, scope: str
) -> tuple[ApiToken, str]:
    """Issue a personal token; the secret is returned once and only its digest is kept."""
    if not rules.can_hold_api_token(actor, organization):
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ServiceError(ErrorCode.INVALID, _("Give the token a name."), "name")
    if scope not in TokenScope.values:
        raise ServiceError(ErrorCode.INVALID, _("Choose read or write."), "scope")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            organization=organization,
            name=name[:100],
            scope=scope,
            prefix=secret[:10],
            digest=ApiToken.digest_of(secret),
        )
        audit.record(
            actor=actor, action=AuditAction.CREATE, organization=organization, target=token
        )
    return token, secret


def revoke_api_token(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk:
        raise PermissionDenied
    if token.revoked_at:
        return
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            organization=token.organization,
            target=token,
            changes=["revoked_at"],
        )


def erase_account(*, actor: User) -> None:
    """Erase a person's personal data and close the account.

    The row stays (anonymised) so that what they contributed in public keeps its place,
    shown as by a "former member"; their memberships, tokens, e-mail addresses,
    authenticators and the invitations sent to their address go, and the places they held
    at events to come pass to the waiting lists. Open sessions end by themselves: an
    inactive account with a new password hash no longer authenticates.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    user_model = get_user_model()
    with transaction.atomic():
        user = user_model.objects.select_for_update().get(pk=actor.pk)
        audit.record(actor=user, action=AuditAction.DELETE, target=user, summary="account erased")
        Membership.objects.filter(user=user).delete()
        ApiToken.objects.filter(user=user).delete()
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        # Invitations addressed to them hold the address too.
        Invitation.objects.filter(email__iexact=user.email).delete()
        give_back_places(user)
        user.email = f"erased-{uuid.uuid4().hex}@invalid"
        user.display_name = ""
        user.preferred_language = ""
        user.is_active = False
        user.set_unusable_password()
        user.erased_at = timezone.now()
        user.save(
            update_fields=[
                "email",
                "display_name",
                "preferred_language",
                "is_active",
                "password",
                "erased_at",
            ]
        )


def set_preferred_language(*, actor: User, language: str) -> None:
    """Remember the interface language so that e-mails reach the person in it too."""
    from django.conf import settings

    if language not in dict(settings.LANGUAGES):
        raise ServiceError(ErrorCode.INVALID, _("This language is not available."), "language")
    User.objects.filter(pk=actor.pk).update(preferred_language=language)
    actor.preferred_language = language


def update_profile(*, actor: User, display_name: str) -> None:
    display_name = display_name.strip()[:120]
    if actor.display_name == display_name:
        return
    with transaction.atomic():
        actor.display_name = display_name
        actor.save(update_fields=["display_name"])
        audit.record(actor=actor, action=AuditAction.UPDATE, target=actor, changes=["display_name"])


def record_token_use(token: ApiToken) -> None:
    """Note when a token was last used, at most once a minute (it is shown to its owner)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
