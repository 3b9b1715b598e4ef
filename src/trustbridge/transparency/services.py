"""Every change to incidents: imports from files (CLI, web upload, API).

One function per action, the acting user first; the rule is checked, the change written in
batches and audited. ``actor=None`` is the operator's command line.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trustbridge.core import audit, rules
from trustbridge.core.checks import require
from trustbridge.core.errors import ErrorCode, ServiceError
from trustbridge.core.models import AuditAction, Organization
from trustbridge.transparency import importer
from trustbridge.transparency.mapping import Mapping, MappingError, find_mapping
from trustbridge.transparency.models import ImportProblem, ImportRun, ImportStatus

if TYPE_CHECKING:
    from trustbridge.accounts.models import User

MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024
IMPORT_DIR = "imports"
# From this size on, the file is read in a second process while batches are written; below
# it, starting that process costs more than it saves.
PARALLEL_MIN_BYTES = 4 * 1024 * 1024


def import_incidents(
    *,
    actor: User | None,
    organization: Organization,
    source: BinaryIO | str | os.PathLike[str],
    mapping: Mapping,
    source_name: str,
    run: ImportRun | None = None,
    batch_size: int = importer.BATCH_SIZE,
) -> ImportRun:
    """Import an incident file and return its run, finished (succeeded or failed).

    Good rows are kept, every refused row is an ImportProblem with its line number. A file
    that cannot be read at all (empty, missing columns) fails with a problem on line 0 and
    changes nothing. Each batch commits on its own, so an interrupted import can be re-run.
    """
    if actor is not None:
        require(rules.can_import_incidents(actor, organization))
    if run is None:
        run = ImportRun.objects.create(
            organization=organization,
            started_by=actor,
            source_name=source_name[:255],
            mapping=mapping.raw,
            status=ImportStatus.RUNNING,
        )
    else:
        ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING)
    stream: BinaryIO
    if isinstance(source, str | os.PathLike):
        try:
            stream = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            return _fail(
                actor, run, _("The file cannot be read: %(error)s") % {"error": exc.strerror}
            )
    else:
        stream = source
    try:
        start = stream.tell()
        stream.seek(0, os.SEEK_END)
        total = stream.tell() - start
        stream.seek(start)
        encoding = importer.detect_encoding(stream, mapping.encoding)
        used = {**mapping.raw, "source": {**mapping.raw.get("source", {}), "encoding": encoding}}
        ImportRun.objects.filter(pk=run.pk).update(total_bytes=total, mapping=used)
        text = importer.open_text(stream, encoding)
        job = importer.Importer(organization, mapping, run, batch_size=batch_size)
        records = importer.READERS[mapping.format](text, mapping)
        job.run_batches(
            records, lambda: stream.tell() - start, parallel=total >= PARALLEL_MIN_BYTES
        )
    except importer.FileRefused as refused:
        ImportProblem.objects.create(
            run=run, line=0, field=refused.field[:100], reason=refused.reason
        )
        return _fail(actor, run, refused.reason)
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(
            actor, run, _("The file could not be read to the end: %(error)s") % {"error": exc}
        )
    except Exception as exc:
        _fail(
            actor,
            run,
            _("The import stopped on an internal error: %(error)s") % {"error": type(exc).__name__},
        )
        raise
    finally:
        if isinstance(source, str | os.PathLike):
            stream.close()
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.SUCCEEDED, finished_at=timezone.now(), bytes_read=total
    )
    run.refresh_from_db()
    _audit(actor, run)
    return run


def _fail(actor: User | None, run: ImportRun, reason: str) -> ImportRun:
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.FAILED, error=reason, finished_at=timezone.now()
    )
    run.refresh_from_db()
    _audit(actor, run)
    return run


def _audit(actor: User | None, run: ImportRun) -> None:
    # Counts and the run's outcome only: never a row, an address or a source id.
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        organization=run.organization,
        target=run,
        summary=(
            f"incident import {run.status}: {run.rows_read} rows, {run.created} created, "
            f"{run.updated} updated, {run.unchanged} unchanged, {run.rejected} refused"
        ),
    )


def mapping_by_name(name: str) -> Mapping:
    """A shipped mapping for the web and API (never a path on the server)."""
    from trustbridge.transparency.mapping import shipped_mappings

    if name not in shipped_mappings():
        raise ServiceError(
            ErrorCode.INVALID,
            _("Unknown mapping “%(name)s”. Choose one of: %(names)s.")
            % {"name": name[:60], "names": ", ".join(shipped_mappings())},
            field="mapping",
        )
    try:
        return find_mapping(name)
    except MappingError as exc:  # a shipped file is broken: say so rather than crash
        raise ServiceError(ErrorCode.INVALID, str(exc), field="mapping") from exc


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / IMPORT_DIR


def start_import(
    *, actor: User, organization: Organization, upload: Any, mapping: Mapping
) -> ImportRun:
    """Store an uploaded file (outside anything served) and queue its import.

    ``upload`` is a Django UploadedFile. The task runs after the transaction commits.
    """
    require(rules.can_import_incidents(actor, organization))
    if upload is None or not getattr(upload, "size", 0):
        raise ServiceError(ErrorCode.INVALID, _("Choose a file that is not empty."), field="file")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ServiceError(ErrorCode.INVALID, _("The file is too large."), field="file")
    directory = upload_dir() / str(organization.pk)
    directory.mkdir(parents=True, exist_ok=True)
    suffix = {"csv": ".csv", "json": ".json", "geojson": ".geojson"}[mapping.format]
    path = directory / f"{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(8)}{suffix}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    name = Path(str(getattr(upload, "name", "") or "upload")).name[:255]
    from trustbridge.transparency import tasks

    with transaction.atomic():
        run = ImportRun.objects.create(
            organization=organization,
            started_by=actor,
            source_name=name,
            stored_file=str(path),
            mapping=mapping.raw,
            total_bytes=upload.size,
            status=ImportStatus.PENDING,
        )
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            organization=organization,
            target=run,
            summary="incident import queued",
        )
        transaction.on_commit(lambda: tasks.run_import.enqueue(run_id=run.pk))
    run.refresh_from_db()
    return run


def run_stored_import(run_id: int) -> ImportRun:
    """The background half of ``start_import``: import the stored file, then delete it."""
    from trustbridge.transparency.mapping import mapping_from_dict

    run = ImportRun.objects.select_related("organization", "started_by").get(pk=run_id)
    if run.status not in (ImportStatus.PENDING, ImportStatus.RUNNING):
        return run
    try:
        mapping = mapping_from_dict(run.mapping)
    except MappingError as exc:
        return _fail(run.started_by, run, str(exc))
    path = Path(run.stored_file)
    try:
        if run.started_by is not None and not rules.can_import_incidents(
            run.started_by, run.organization
        ):
            return _fail(run.started_by, run, _("You may no longer import incidents here."))
        return import_incidents(
            actor=run.started_by,
            organization=run.organization,
            source=path,
            mapping=mapping,
            source_name=run.source_name,
            run=run,
        )
    finally:
        if path.is_file() and path.is_relative_to(upload_dir()):
            path.unlink()
