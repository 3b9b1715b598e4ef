"""``trustbridge rebuild-rollups --org SLUG``: recompute statistics from the incidents."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trustbridge.core.models import Organization
from trustbridge.transparency import rollups
from trustbridge.transparency.models import MonthlyCount


class Command(BaseCommand):
    help = (
        "Recompute an organisation's roll-ups (the only source of public statistics) from "
        "its incidents, in one transaction. Imports keep them up to date; this is a repair."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--org", required=True, help="The organisation's short name (slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organisation with the short name {options['org']!r}.")
        rollups.rebuild(organization)
        cells = MonthlyCount.objects.filter(organization=organization).count()
        self.stdout.write(f"{cells} roll-up cells rebuilt for {organization.slug}.")
