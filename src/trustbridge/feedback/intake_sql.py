"""A submission's writes as one PostgreSQL statement.

On PostgreSQL the check for the same sender's same text and the three inserts (the item, its
first event, the audit row) travel as one statement: one round trip instead of six (two
queries, BEGIN, three inserts, COMMIT), and atomic like any single statement. Submissions
are the busiest write of the product (see ``benchmarks/feedback.py``). Other databases, and
submissions with photos, go through the ORM (``intake._store_submission``); the tests check
that both write the same rows.

The rows are built from the model instances the ORM path saves, field by field as
``Model.save`` prepares them, so a new column needs no change here.
"""

from __future__ import annotations

import datetime as dt
import functools
from contextlib import nullcontext
from typing import Any

import psycopg
from django.db import connection, transaction
from django.db.models import Field, Model

from trustbridge.core.models import AuditEvent
from trustbridge.feedback.models import Event, Item


def supported() -> bool:
    return connection.vendor == "postgresql"


def insert_submission(
    item: Item, event: Event, audit: AuditEvent, *, duplicate_since: dt.datetime | None
) -> str | None:
    """Insert the item, its event and its audit row, and set ``item.pk``; unless
    ``duplicate_since`` is given and the same sender sent the same text since then: return
    that item's reference, and write nothing."""
    params: list[Any] = []
    parts = []
    if duplicate_since is not None:
        parts.append(
            f"earlier AS (SELECT reference FROM {_table(Item)}"  # noqa: S608  names from the models
            " WHERE organization_id = %s AND fingerprint = %s AND sender_digest = %s"
            " AND submitted_at >= %s ORDER BY submitted_at DESC, id DESC LIMIT 1)"
        )
        params += [item.organization_id, item.fingerprint, item.sender_digest, duplicate_since]
        unless = " WHERE NOT EXISTS (SELECT 1 FROM earlier)"
        earlier = "(SELECT reference FROM earlier)"
    else:
        unless, earlier = "", "NULL"
    columns, values, row_params = _row(item, {})
    parts.append(
        f"new_item AS (INSERT INTO {_table(Item)} ({columns}) SELECT {values}{unless} RETURNING id)"
    )
    params += row_params
    for name, instance, links in (
        ("new_event", event, {"item_id": "new_item.id"}),
        ("new_audit", audit, {"target_id": "new_item.id::text"}),
    ):
        columns, values, row_params = _row(instance, links)
        parts.append(
            f"{name} AS (INSERT INTO {_table(type(instance))} ({columns})"  # noqa: S608
            f" SELECT {values} FROM new_item)"
        )
        params += row_params
    sql = f"WITH {', '.join(parts)} SELECT (SELECT id FROM new_item), {earlier}"  # noqa: S608
    # On its own, the statement is its own transaction. Inside a caller's transaction it
    # runs under a savepoint, so that a taken tracking code can be drawn again.
    with transaction.atomic() if connection.in_atomic_block else nullcontext():
        pk, reference = _execute_prepared(sql, params)
    if pk is None:
        return str(reference)
    item.pk = pk
    item._state.adding = False
    item._state.db = connection.alias
    return None


def _execute_prepared(sql: str, params: list[Any]) -> tuple[Any, ...]:
    """Run ``sql`` as a statement prepared on the server, so PostgreSQL parses and plans it
    once per connection instead of once per submission (measured: about 250 against 300
    submissions/s). Django's cursors bind parameters on the client and cannot prepare, so
    this one statement goes through a psycopg cursor on Django's connection, in Django's
    transaction, with psycopg's errors turned into Django's."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        row = cursor.fetchone()
    return tuple(row or ())  # the final SELECT always returns its one row


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _row(instance: Model, links: dict[str, str]) -> tuple[str, str, list[Any]]:
    """The columns, the values (typed placeholders, or ``links`` for columns taken from the
    new item) and the parameters of a new row of ``instance``."""
    fields, columns, casts = _shape(type(instance))
    values, params = [], []
    for field, cast in zip(fields, casts, strict=True):
        if field.column in links:
            values.append(links[field.column])
        else:
            values.append(cast)
            params.append(field.get_db_prep_save(field.pre_save(instance, True), connection))
    return columns, ", ".join(values), params


@functools.cache
def _shape(model: type[Model]) -> tuple[list[Field[Any, Any]], str, list[str]]:
    """A model's fields other than the key, their column list and their typed placeholders
    (computed once per process: they depend on the model alone)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    return fields, columns, [f"CAST(%s AS {f.db_type(connection)})" for f in fields]
