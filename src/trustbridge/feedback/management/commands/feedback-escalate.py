"""``trustbridge feedback-escalate [--org SLUG]``: escalate items nearing or past their targets,
and refresh the accountability figures.

Run it every few minutes from a cron job or a systemd timer. Each item is escalated once per
target, and each town-hall question past its written-answer date is flagged once (the
questions of events that ended get that date in the same run), so running it often sends
nothing twice; the digests go out through the task queue
(``trustbridge worker``). The accountability roll-up is refreshed after escalation, so the
public page rarely has to refresh it itself.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from trustbridge.core.models import Organization
from trustbridge.feedback import escalation, rollup


class Command(BaseCommand):
    help = (
        "Escalate feedback items whose response target is near or past: supervisors (and, for "
        "complaints about conduct, professional standards) get one digest e-mail each. Town-"
        "hall questions past their written-answer date are flagged to supervisors and "
        "administrators. Safe to run as often as you like from a timer. Also refreshes the "
        "public accountability figures."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--org", help="Only this organisation (its short name).")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["org"]:
            organization = Organization.objects.filter(slug=options["org"]).first()
            if organization is None:
                raise CommandError(f"No organisation with the short name {options['org']!r}.")
            runs = {organization.slug: escalation.escalate_organization(organization, now)}
            rollup.refresh(organization, now)
        else:
            runs = escalation.escalate_everywhere(now)
            rollup.refresh_everywhere(now)
        for slug, run in runs.items():
            if run.items:
                self.stdout.write(f"{slug}: {run.items} items escalated, {run.digests} digests.")
            if run.questions:
                self.stdout.write(
                    f"{slug}: {run.questions} overdue questions flagged, "
                    f"{run.question_mails} e-mails."
                )
        total = sum(run.items for run in runs.values())
        self.stdout.write(f"{total} items escalated in {len(runs)} organisations.")
