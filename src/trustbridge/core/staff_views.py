"""Staff pages of an organisation: settings, areas, members, invitations, audit log."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from trustbridge.core import audit, queries, rules, services
from trustbridge.core.access import staff_view
from trustbridge.core.errors import ServiceError, ServiceErrors
from trustbridge.core.forms import (
    AreaForm,
    AreaImportForm,
    AuditFilterForm,
    InvitationForm,
    OrganizationForm,
    RoleForm,
    add_service_errors,
)
from trustbridge.core.models import AuditAction, Invitation, Membership, Organization
from trustbridge.core.safe_csv import safe_row
from trustbridge.core.tenancy import access_area, get_scoped_or_404
from trustbridge.core.typing import AuthenticatedRequest


@staff_view()
def dashboard(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    return render(request, "core/staff/dashboard.html", {"organization": organization})


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_edit_organization)
def organization_settings(
    request: AuthenticatedRequest, organization: Organization
) -> HttpResponse:
    form = OrganizationForm(request.POST or None, request.FILES or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "logo"}
        if request.FILES.get("logo"):
            changes["logo"] = request.FILES["logo"]
        try:
            services.update_organization(actor=request.user, organization=organization, **changes)
        except (ServiceError, ServiceErrors) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("core:staff_settings", org_slug=organization.slug)
    organization.refresh_from_db()
    return render(request, "core/staff/settings.html", {"organization": organization, "form": form})


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_manage_areas)
def area_list(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    form = AreaImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.import_areas(
                actor=request.user, organization=organization, collection=form.cleaned_data["file"]
            )
        except ServiceError as error:
            add_service_errors(form, error)
    context = {
        "organization": organization,
        "areas": queries.areas_of(organization),
        "form": form,
        "report": report,
    }
    return render(request, "core/staff/areas.html", context)


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_manage_areas)
def area_create(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    form = AreaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            area = services.create_area(
                actor=request.user, organization=organization, **form.cleaned_data
            )
        except (ServiceError, ServiceErrors) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Area “%(name)s” created.") % {"name": area.name})
            return redirect("core:staff_areas", org_slug=organization.slug)
    return render(
        request, "core/staff/area_form.html", {"organization": organization, "form": form}
    )


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_manage_areas)
def area_edit(
    request: AuthenticatedRequest, organization: Organization, area_slug: str
) -> HttpResponse:
    import json

    area = access_area(organization, area_slug)
    initial = {
        "name": area.name,
        "slug": area.slug,
        "kind": area.kind,
        "population": area.population,
        "description": area.description,
        "geometry": json.dumps(area.geometry),
    }
    form = AreaForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        changes["slug"] = changes["slug"] or area.slug
        try:
            services.update_area(actor=request.user, area=area, **changes)
        except (ServiceError, ServiceErrors) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Area saved."))
            return redirect("core:staff_areas", org_slug=organization.slug)
    context = {"organization": organization, "form": form, "area": area}
    return render(request, "core/staff/area_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_manage_areas)
def area_delete(
    request: AuthenticatedRequest, organization: Organization, area_slug: str
) -> HttpResponse:
    area = access_area(organization, area_slug)
    if request.method == "POST":
        services.delete_area(actor=request.user, area=area)
        messages.success(request, _("Area deleted."))
        return redirect("core:staff_areas", org_slug=organization.slug)
    return render(
        request, "core/staff/area_delete.html", {"organization": organization, "area": area}
    )


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_view_members)
def member_list(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite(actor=request.user, organization=organization, **form.cleaned_data)
        except ServiceError as error:
            add_service_errors(form, error)
        except PermissionError:
            raise
        else:
            messages.success(request, _("Invitation sent."))
            return redirect("core:staff_members", org_slug=organization.slug)
    audit.record(
        actor=request.user,
        action=AuditAction.VIEW_PERSONAL,
        organization=organization,
        summary="member list",
    )
    context = {
        "organization": organization,
        "members": queries.members_of(organization),
        "invitations": queries.pending_invitations(organization),
        "form": form,
        "role_form": RoleForm(),
        "can_manage": rules.can_manage_members(request.user, organization),
    }
    return render(request, "core/staff/members.html", context)


@require_POST
@staff_view(rules.can_manage_members)
def member_role(
    request: AuthenticatedRequest, organization: Organization, membership_id: int
) -> HttpResponse:
    membership = get_scoped_or_404(
        Membership.objects.select_related("user"), organization, pk=membership_id
    )
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.change_role(
                actor=request.user, membership=membership, role=form.cleaned_data["role"]
            )
            messages.success(request, _("Role changed."))
        except ServiceError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Choose a role from the list."))
    return redirect("core:staff_members", org_slug=organization.slug)


@require_POST
@staff_view(rules.can_manage_members)
def member_remove(
    request: AuthenticatedRequest, organization: Organization, membership_id: int
) -> HttpResponse:
    membership = get_scoped_or_404(Membership.objects.all(), organization, pk=membership_id)
    try:
        services.remove_member(actor=request.user, membership=membership)
        messages.success(request, _("Member removed."))
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("core:staff_members", org_slug=organization.slug)


@require_POST
@staff_view(rules.can_manage_members)
def invitation_revoke(
    request: AuthenticatedRequest, organization: Organization, invitation_id: int
) -> HttpResponse:
    invitation = get_scoped_or_404(Invitation.objects.all(), organization, pk=invitation_id)
    services.revoke_invitation(actor=request.user, invitation=invitation)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("core:staff_members", org_slug=organization.slug)


AUDIT_PAGE_SIZE = 50


@staff_view(rules.can_view_audit_log)
def audit_log(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = queries.audit_log(organization)
    if form.is_valid() and form.cleaned_data["action"]:
        events = events.filter(action=form.cleaned_data["action"])
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"organization": organization, "page": page, "form": form}
    return render(request, "core/staff/audit.html", context)


@staff_view(rules.can_view_audit_log)
def audit_export(request: AuthenticatedRequest, organization: Organization) -> HttpResponseBase:
    """The whole audit log as CSV, streamed, safe to open in a spreadsheet."""
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        organization=organization,
        summary="audit log",
    )
    events = queries.audit_log(organization)

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(
            [
                "at",
                "actor",
                "action",
                "target_type",
                "target_id",
                "summary",
                "changes",
                "ip_address",
            ]
        )
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                safe_row(
                    [
                        event.at.isoformat(),
                        event.actor.email if event.actor else "",
                        event.action,
                        event.target_type,
                        event.target_id,
                        event.summary,
                        " ".join(event.changes),
                        event.ip_address or "",
                    ]
                )
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{organization.slug}-audit.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_http_methods(["GET", "POST"])
@login_required
def invitation(request: AuthenticatedRequest, secret: str) -> HttpResponse:
    """Accept an invitation while signed in with the address it was sent to."""
    try:
        found = services.find_invitation(secret)
    except ServiceError as error:
        return render(request, "core/invitation.html", {"error": error.message}, status=404)
    if request.method == "POST":
        try:
            membership = services.accept_invitation(actor=request.user, secret=secret)
        except ServiceError as error:
            return render(request, "core/invitation.html", {"error": error.message}, status=400)
        messages.success(
            request,
            _("Welcome to %(organization)s.") % {"organization": membership.organization.name},
        )
        return redirect("core:staff_dashboard", org_slug=membership.organization.slug)
    try:
        services.check_invitation(actor=request.user, invitation=found)
    except ServiceError as error:
        # Say at once why the link cannot be used, rather than after a click on "Accept".
        return render(request, "core/invitation.html", {"error": error.message}, status=400)
    return render(request, "core/invitation.html", {"invitation": found})
