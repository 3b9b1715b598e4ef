"""The two guards every service starts with: the permission rule, and model validation
turned into errors that name their fields."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors


def require(allowed: bool) -> None:
    """Refuse the action (403) unless the named rule allowed it."""
    if not allowed:
        raise PermissionDenied


def full_clean(instance: Any, exclude: list[str] | None = None) -> None:
    """Run model validation; raise ServiceErrors with one error per field message."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ServiceErrors(
            [
                ServiceError(ErrorCode.INVALID, message, field=name)
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        ) from exc
