"""Staff pages for incident imports: upload a file, follow its progress, read its problems."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from trustbridge.core import rules
from trustbridge.core.access import staff_view
from trustbridge.core.errors import ServiceError
from trustbridge.core.forms import add_service_errors
from trustbridge.core.models import Organization
from trustbridge.core.tenancy import get_scoped_or_404
from trustbridge.core.typing import AuthenticatedRequest
from trustbridge.transparency import services
from trustbridge.transparency.forms import IncidentImportForm
from trustbridge.transparency.models import ImportRun, ImportStatus

RECENT_RUNS = 20
PROBLEMS_PER_PAGE = 100


def access_import(organization: Organization, import_id: int) -> ImportRun:
    return get_scoped_or_404(ImportRun.objects.all(), organization, pk=import_id)


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_import_incidents)
def imports(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    form = IncidentImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.start_import(
                actor=request.user,
                organization=organization,
                upload=form.cleaned_data["file"],
                mapping=services.mapping_by_name(form.cleaned_data["mapping"]),
            )
        except ServiceError as error:
            add_service_errors(form, error)
        else:
            return redirect("transparency:import", org_slug=organization.slug, import_id=run.pk)
    runs = ImportRun.objects.filter(organization=organization).select_related("started_by")[
        :RECENT_RUNS
    ]
    return render(
        request,
        "transparency/staff/imports.html",
        {"organization": organization, "form": form, "runs": runs},
    )


def _context(
    request: AuthenticatedRequest, organization: Organization, run: ImportRun
) -> dict[str, Any]:
    finished = run.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
    problems = Paginator(run.problems.all(), PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    encoding = str(run.mapping.get("source", {}).get("encoding", ""))
    return {
        "organization": organization,
        "run": run,
        "finished": finished,
        "problems": problems,
        "encoding": encoding,
        "not_utf8": encoding not in ("", "auto", "utf-8", "utf-8-sig"),
        "progress_max": max(run.total_bytes, 1),
        "progress_value": run.total_bytes if finished else min(run.bytes_read, run.total_bytes),
    }


@require_GET
@staff_view(rules.can_import_incidents)
def import_detail(
    request: AuthenticatedRequest, organization: Organization, import_id: int
) -> HttpResponse:
    run = access_import(organization, import_id)
    return render(
        request, "transparency/staff/imports_detail.html", _context(request, organization, run)
    )


@require_GET
@staff_view(rules.can_import_incidents)
def import_progress(
    request: AuthenticatedRequest, organization: Organization, import_id: int
) -> HttpResponse:
    """The progress part of the import page, polled by htmx every two seconds."""
    run = access_import(organization, import_id)
    return render(
        request, "transparency/staff/imports_progress.html", _context(request, organization, run)
    )
