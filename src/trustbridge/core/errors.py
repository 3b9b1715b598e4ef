"""Errors that services raise, with a stable code and the field they concern."""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise


class ErrorCode(StrEnum):
    INVALID = "invalid"
    DUPLICATE = "duplicate"
    NOT_FOUND = "not_found"
    EXPIRED = "expired"
    ALREADY_USED = "already_used"
    REVOKED = "revoked"
    WRONG_ACCOUNT = "wrong_account"
    LAST_ADMIN = "last_admin"


class ServiceError(Exception):
    """A refused action: nothing was changed. ``field`` names the input at fault, if any."""

    def __init__(self, code: ErrorCode, message: str | Promise, field: str | None = None):
        super().__init__(str(message))
        self.code = code
        self.message = str(message)
        self.field = field


class ServiceErrors(Exception):
    """Several refused inputs at once, each with its field."""

    def __init__(self, errors: list[ServiceError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors
