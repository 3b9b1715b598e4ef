"""``trustbridge import-incidents FILE --org SLUG --mapping MAPPING``: incidents from a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trustbridge.core.models import Organization
from trustbridge.transparency import services
from trustbridge.transparency.mapping import MappingError, find_mapping, shipped_mappings
from trustbridge.transparency.models import ImportStatus

SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = (
        "Import incidents from a CSV, JSON or GeoJSON export. MAPPING is a mapping file (TOML) "
        "or the name of a shipped one (" + ", ".join(shipped_mappings()) + "). Good rows are "
        "kept; refused rows are listed with their line numbers. Re-running the same file "
        "changes nothing; an amended file updates the rows that changed. Exit status: 0 all "
        "rows imported, 1 some rows refused, 2 the file or the mapping was refused."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", required=True, help="The organisation's short name (slug).")
        parser.add_argument(
            "--mapping", required=True, help="A mapping file, or the name of a shipped mapping."
        )
        parser.add_argument("--batch-size", type=int, default=10_000, help="Rows per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organisation with the short name {options['org']!r}.")
        try:
            mapping = find_mapping(options["mapping"])
        except MappingError as exc:
            self.stderr.write(f"The mapping was refused: {exc}")
            raise SystemExit(2) from exc
        path: Path = options["file"]
        if not path.is_file():
            self.stderr.write(f"Cannot read {path}: no such file.")
            raise SystemExit(2)
        run = services.import_incidents(
            actor=None,
            organization=organization,
            source=path,
            mapping=mapping,
            source_name=path.name,
            batch_size=max(1, options["batch_size"]),
        )
        encoding = run.mapping.get("source", {}).get("encoding", "")
        self.stdout.write(
            f"{run.rows_read} rows read ({encoding}): {run.created} created, {run.updated} "
            f"updated, {run.unchanged} unchanged, {run.rejected} refused."
        )
        if encoding not in ("utf-8", "utf-8-sig"):
            self.stdout.write(f"The file is not UTF-8; it was read as {encoding}.")
        problems = list(run.problems.all()[:SHOWN_PROBLEMS])
        for problem in problems:
            where = f"line {problem.line}" if problem.line else "file"
            column = f" [{problem.field}]" if problem.field else ""
            self.stderr.write(f"{where}{column}: {problem.reason}")
        if run.rejected > len(problems):
            self.stderr.write(f"… and {run.rejected - len(problems)} more refused rows.")
        if run.status == ImportStatus.FAILED:
            self.stderr.write(f"The import failed: {run.error}")
            raise SystemExit(2)
        if run.rejected:
            raise SystemExit(1)
