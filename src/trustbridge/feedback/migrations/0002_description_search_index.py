"""PostgreSQL: a trigram index serving the inbox's word search (``icontains`` on the
description, which Django writes as ``UPPER(description) LIKE UPPER(…)``). SQLite has no
index for ``LIKE '%…%'``; there the search stays a scan."""

from django.db import migrations

CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS item_description_trgm ON feedback_item "
    "USING gin (UPPER(description) gin_trgm_ops)",
)
DROP = ("DROP INDEX IF EXISTS item_description_trgm",)


def _run(statements: tuple[str, ...]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
