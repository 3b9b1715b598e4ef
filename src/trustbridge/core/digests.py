"""Digests of secrets and of identities, the one way the project stores neither in clear."""

from __future__ import annotations

import hashlib

from django.utils.crypto import salted_hmac


def digest_of(secret: str) -> str:
    """SHA-256 of a random secret (a link, a token, a code): enough for values with ample
    entropy, compared with ``secrets.compare_digest``."""
    return hashlib.sha256(secret.encode()).hexdigest()


def keyed_digest(purpose: str, value: str) -> str:
    """An HMAC of a guessable value (an address, a user id, a device) under the site's key,
    so the digest cannot be reversed by trying values; ``purpose`` keeps uses apart."""
    return salted_hmac(f"trustbridge.{purpose}", value, algorithm="sha256").hexdigest()
