"""``trustbridge events-remind [--org SLUG]``: remind everyone with a place at a date that
starts within the next day.

Run it every few minutes from a cron job or a systemd timer. Each date is reminded once
(``Occurrence.reminded_at``), by the first run that finds it starting between two hours
and a day ahead, so running it often sends nothing twice; the e-mails go out through the
task queue (``trustbridge worker``). A date that is moved is reminded again before its new
time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from trustbridge.core.models import Organization
from trustbridge.events import notifications


class Command(BaseCommand):
    help = (
        "Remind everyone with a place at an event date that starts within the next day (and "
        "not within two hours). Each date is reminded once: safe to run as often as you like "
        "from a timer."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--org", help="Only this organisation (its short name).")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = None
        if options["org"]:
            organization = Organization.objects.filter(slug=options["org"]).first()
            if organization is None:
                raise CommandError(f"No organisation with the short name {options['org']!r}.")
        run = notifications.send_reminders(timezone.now(), organization)
        self.stdout.write(f"{run.reminders} reminders queued for {run.dates} dates.")
