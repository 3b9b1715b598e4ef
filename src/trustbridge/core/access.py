"""Guards for views: who may open a staff page, with the same answer for "missing" and
"not yours"."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from trustbridge.core import rules
from trustbridge.core.models import Organization
from trustbridge.core.tenancy import get_organization
from trustbridge.core.typing import AuthenticatedRequest

P = ParamSpec("P")
Rule = Callable[[Any, Organization], bool]
OrgView = Callable[Concatenate[AuthenticatedRequest, Organization, P], HttpResponseBase]


def staff_view(
    rule: Rule = rules.can_enter_staff_area,
) -> Callable[[OrgView[P]], Callable[..., HttpResponseBase]]:
    """Open a staff page only to a signed-in member, enrolled in TOTP, whom ``rule`` allows.

    Visitors who are not staff of the organisation get 404, as if it had no staff pages;
    staff whose role does not allow the page get 403.
    """

    def decorator(view: OrgView[P]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapper(
            request: HttpRequest, org_slug: str, *args: P.args, **kwargs: P.kwargs
        ) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            organization = get_organization(org_slug)
            if not rules.is_staff_of(request.user, organization):
                raise Http404
            if rules.must_enrol_mfa(request.user):
                messages.info(
                    request, _("Staff pages need two-factor authentication. Set it up to continue.")
                )
                return redirect(reverse("mfa_activate_totp") + "?next=" + request.get_full_path())
            if not rule(request.user, organization):
                raise PermissionDenied
            return view(cast(AuthenticatedRequest, request), organization, *args, **kwargs)

        # The rule travels with the view (functools.wraps copies it outwards), so that the
        # cross-tenant test (tests/test_tenancy.py) finds every staff page by itself.
        wrapper.staff_rule = rule  # type: ignore[attr-defined]
        return wrapper

    return decorator


def public_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve ``org_slug`` to an organisation (404 if unknown) for a public page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, org_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, get_organization(org_slug), *args, **kwargs)

    return wrapper
