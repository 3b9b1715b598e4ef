"""``trustbridge import-areas FILE --org SLUG``: areas from a GeoJSON FeatureCollection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trustbridge.core import services
from trustbridge.core.errors import ServiceError
from trustbridge.core.models import Organization


class Command(BaseCommand):
    help = (
        "Create or update an organisation's areas from a GeoJSON FeatureCollection. Each feature "
        "needs a 'name' property (and may have 'slug' and 'population'). Good features are kept; "
        "every refused feature is listed with its number and reason."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", required=True, help="The organisation's short name (slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organisation with the short name {options['org']!r}.")
        try:
            collection = options["file"].read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}") from exc
        try:
            report = services.import_areas(
                actor=None, organization=organization, collection=collection
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.problems)} refused."
        )
        for problem in report.problems:
            self.stderr.write(f"feature {problem.number}: {problem.message}")
        if report.problems:
            raise SystemExit(1)
