"""Incident imports over the API: a write token uploads a file; anyone with a token of the
organisation may follow its run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from trustbridge.core.api_base import ErrorOut, TokenAuth, require_write, token_organization_matches
from trustbridge.core.errors import ErrorCode, ServiceError
from trustbridge.core.tenancy import get_scoped_or_404
from trustbridge.transparency import services
from trustbridge.transparency.models import ImportRun

router = Router(tags=["incident imports"])
token_auth = TokenAuth()
PROBLEMS_SHOWN = 200
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}


class ProblemOut(Schema):
    line: int
    field: str
    reason: str


class ImportRunOut(Schema):
    id: int
    source_name: str
    status: str
    encoding: str
    total_bytes: int
    bytes_read: int
    rows_read: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    error: str
    started_at: datetime
    finished_at: datetime | None
    problems: list[ProblemOut]

    @staticmethod
    def resolve_encoding(obj: ImportRun) -> str:
        return str(obj.mapping.get("source", {}).get("encoding", ""))

    @staticmethod
    def resolve_problems(obj: ImportRun) -> list[Any]:
        return list(obj.problems.all()[:PROBLEMS_SHOWN])


@router.post(
    "/organizations/{slug}/incident-imports",
    response={202: ImportRunOut, **ERRORS},
    auth=token_auth,
    summary="Import an incident file (write token)",
    description=(
        "Multipart form: `file` (CSV, JSON or GeoJSON) and `mapping` (the name of a shipped "
        "mapping, e.g. `chicago`). The import runs in the background; follow it with the "
        "returned run's id. At most the first 200 refused rows are listed."
    ),
)
def create_import(
    request: HttpRequest,
    slug: str,
    file: UploadedFile | None = File(None),  # noqa: B008
    mapping: str = Form(""),
) -> Status[ImportRun]:
    token = token_organization_matches(request, slug)
    require_write(request)
    if file is None:
        raise ServiceError(ErrorCode.INVALID, _("Attach the incident file as “file”."), "file")
    run = services.start_import(
        actor=token.user,
        organization=token.organization,
        upload=file,
        mapping=services.mapping_by_name(mapping),
    )
    run.refresh_from_db()
    return Status(202, run)


@router.get(
    "/organizations/{slug}/incident-imports/{import_id}",
    response={200: ImportRunOut, **ERRORS},
    auth=token_auth,
    summary="An incident import's progress, totals and refused rows",
)
def get_import(request: HttpRequest, slug: str, import_id: int) -> ImportRun:
    token = token_organization_matches(request, slug)
    return get_scoped_or_404(ImportRun.objects.all(), token.organization, pk=import_id)
