"""An organisation's configuration, cached per process and never stale.

A resident's submission reads the organisation's categories, areas and working calendar:
five queries that return the same rows nearly every time. Each process keeps what it built
for an organisation keyed on ``Organization.configured_at``, which every save or delete of a
configuration row moves forward (``watch``). The organisation row is read fresh on every
request anyway, so a change made in any process is seen by the next request of every other
process, without a shared cache. Rows changed with ``QuerySet.update()`` or bulk writes do
not send the signals: code that changes configuration that way must call ``touch``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from trustbridge.core.models import Organization

T = TypeVar("T")

_built: dict[tuple[str, int], tuple[Any, Any]] = {}
_lock = threading.Lock()


def cached(name: str, organization: Organization, build: Callable[[Organization], T]) -> T:
    """``build(organization)``, reused while the organisation's configuration is unchanged.

    What ``build`` returns is shared by every request of this process: callers must not
    change it.
    """
    stamp = (organization.configured_at, organization.timezone)
    key = (name, organization.pk)
    found = _built.get(key)
    if found is not None and found[0] == stamp:
        return found[1]
    value = build(organization)
    with _lock:
        _built[key] = (stamp, value)
    return value


def touch(organization_id: int) -> None:
    """Mark the organisation's configuration as changed."""
    Organization.objects.filter(pk=organization_id).update(configured_at=timezone.now())


def watch(model: type[models.Model], *, ignore: frozenset[str] = frozenset()) -> None:
    """Touch the owning organisation whenever a row of ``model`` is saved or deleted, except
    for saves that write only fields in ``ignore`` (bookkeeping that is not configuration)."""

    def changed(sender: Any, instance: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if fields is not None and ignore and set(fields) <= ignore:
            return
        touch(instance.organization_id)

    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"configuration {model}")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"configuration- {model}")


def forget() -> None:
    """Drop everything cached (for tests that rewrite rows behind the signals' back)."""
    with _lock:
        _built.clear()
