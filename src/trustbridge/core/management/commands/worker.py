"""``trustbridge worker``: run background tasks from the database queue."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


class Command(DatabaseWorker):
    help = "Run Trustbridge's background tasks (e-mails, imports, reminders)."

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
