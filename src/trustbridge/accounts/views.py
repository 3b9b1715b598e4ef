"""A person's own account: profile, data export, erasure, personal API tokens."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from trustbridge.accounts import queries, services
from trustbridge.accounts.forms import EraseForm, ProfileForm, TokenForm
from trustbridge.accounts.models import ApiToken
from trustbridge.core import rules
from trustbridge.core.errors import ServiceError
from trustbridge.core.forms import add_service_errors
from trustbridge.core.models import Organization
from trustbridge.core.typing import AuthenticatedRequest


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, initial={"display_name": request.user.display_name})
    if request.method == "POST" and form.is_valid():
        services.update_profile(actor=request.user, display_name=form.cleaned_data["display_name"])
        messages.success(request, _("Profile saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@never_cache
@login_required
def export(request: AuthenticatedRequest) -> HttpResponse:
    """All the person's data as one JSON file."""
    data = queries.personal_data(request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="trustbridge-my-data.json"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def erase(request: AuthenticatedRequest) -> HttpResponse:
    # Bound on every POST, even an empty one, so a missing tick is reported, not ignored.
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.erase_account(actor=request.user)
        logout(request)
        messages.success(request, _("Your account and personal data have been erased."))
        return redirect("core:home")
    return render(request, "accounts/erase.html", {"form": form})


def _token_organizations(request: AuthenticatedRequest) -> list[Organization]:
    return [
        m.organization
        for m in rules.memberships(request.user).values()
        if rules.can_hold_api_token(request.user, m.organization)
    ]


@require_http_methods(["GET", "POST"])
@login_required
def tokens(request: AuthenticatedRequest) -> HttpResponse:
    if rules.must_enrol_mfa(request.user):
        return redirect("mfa_activate_totp")
    organizations = _token_organizations(request)
    form = TokenForm(
        request.POST if request.method == "POST" else None, organizations=organizations
    )
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = services.create_api_token(
                actor=request.user,
                organization=form.cleaned_data["organization"],
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
            )
        except ServiceError as error:
            add_service_errors(form, error)
        else:
            form = TokenForm(organizations=organizations)
    context = {
        "form": form,
        "new_secret": new_secret,
        "tokens": ApiToken.objects.filter(user=request.user).select_related("organization"),
        "can_create": bool(organizations),
    }
    return render(request, "accounts/tokens.html", context)


@require_POST
@login_required
def token_revoke(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    token = (
        ApiToken.objects.filter(user=request.user, pk=token_id)
        .select_related("organization")
        .first()
    )
    if token is None:
        from django.http import Http404

        raise Http404
    services.revoke_api_token(actor=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")
