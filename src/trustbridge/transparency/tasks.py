"""Background work of the transparency app: imports started from the web or the API."""

from __future__ import annotations

from django_tasks import task

from trustbridge.transparency import services


@task()
def run_import(*, run_id: int) -> None:
    services.run_stored_import(run_id)
