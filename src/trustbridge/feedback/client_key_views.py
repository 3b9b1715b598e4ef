"""Staff pages for the Open311 keys of applications that submit feedback for residents."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from trustbridge.core import rules
from trustbridge.core.access import staff_view
from trustbridge.core.errors import ServiceError, ServiceErrors
from trustbridge.core.forms import add_service_errors
from trustbridge.core.models import Organization
from trustbridge.core.tenancy import get_scoped_or_404
from trustbridge.core.typing import AuthenticatedRequest
from trustbridge.feedback import client_keys
from trustbridge.feedback.models import ClientKey
from trustbridge.feedback.staff_views import staff_page


class ClientKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Application"),
        max_length=120,
        help_text=gettext_lazy("Who will use the key, e.g. “City 311 app”."),
    )


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_manage_client_keys)
def client_keys_view(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    """The organisation's keys; issuing one shows its secret once, on this answer only."""
    form = ClientKeyForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = client_keys.issue_key(
                request.user, organization, form.cleaned_data["name"]
            )
        except (ServiceError, ServiceErrors) as error:
            add_service_errors(form, error)
        else:
            issued = {"key": key, "secret": secret}
            form = ClientKeyForm()
    context = {"form": form, "keys": list(client_keys.keys_of(organization)), "issued": issued}
    response = staff_page(request, organization, "client_keys.html", "settings", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_view(rules.can_manage_client_keys)
def client_key_revoke(
    request: AuthenticatedRequest, organization: Organization, key_id: int
) -> HttpResponseBase:
    key = get_scoped_or_404(ClientKey.objects.all(), organization, pk=key_id)
    client_keys.revoke_key(request.user, key)
    messages.success(request, _("The key was revoked: applications using it are refused."))
    return redirect("feedback:staff_client_keys", org_slug=organization.slug)
