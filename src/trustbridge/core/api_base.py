"""What every API operation shares: token authentication, one error format, pagination,
rate limits and HTTP caching of public answers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer
from ninja.throttling import AnonRateThrottle, AuthRateThrottle, SimpleRateThrottle

from trustbridge.accounts.models import ApiToken
from trustbridge.accounts.services import record_token_use
from trustbridge.core import rules
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors


class FieldError(Schema):
    field: str | None
    message: str


class ErrorOut(Schema):
    """Every 4xx answer has this shape."""

    detail: str
    errors: list[FieldError] = []


def error_body(detail: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or []}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tb_…``: a personal token acting for its owner in one organisation."""

    openapi_description = "A personal API token, created on the staff API tokens page."

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = (
            ApiToken.objects.select_related("user", "organization")
            .filter(digest=ApiToken.digest_of(token), revoked_at=None, user__is_active=True)
            .first()
        )
        if found is None or not rules.can_hold_api_token(found.user, found.organization):
            return None
        record_token_use(found)
        request.user = found.user
        return found


def require_write(request: HttpRequest) -> ApiToken:
    token = request.auth  # type: ignore[attr-defined]
    if not isinstance(token, ApiToken) or not token.allows_write:
        raise HttpError(403, _("This token may only read."))
    return token


def token_organization_matches(request: HttpRequest, slug: str) -> ApiToken:
    """A token works in its own organisation only; elsewhere it finds nothing (404)."""
    token = request.auth  # type: ignore[attr-defined]
    if not isinstance(token, ApiToken) or token.organization.slug != slug:
        raise Http404
    return token


class _RateFromSettings(SimpleRateThrottle):
    """A rate read from ``setting`` at every request, so that it follows the settings."""

    setting = ""

    def get_rate(self) -> str:
        return str(getattr(settings, self.setting))

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


class AnonThrottle(_RateFromSettings, AnonRateThrottle):
    """Requests without a token, counted by client address."""

    setting = "TRUSTBRIDGE_API_ANON_RATE_LIMIT"


class TokenThrottle(_RateFromSettings, AuthRateThrottle):
    """Requests with a token, counted by token."""

    setting = "TRUSTBRIDGE_API_RATE_LIMIT"

    def get_cache_key(self, request: HttpRequest) -> str | None:  # type: ignore[override]
        token = getattr(request, "auth", None)
        if isinstance(token, ApiToken):
            return self.cache_format % {"scope": "token", "ident": token.pk}
        return None


def _location(loc: list[Any]) -> str | None:
    """'body.payload.name' → 'name'; the request part of the location is left out."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload")]
    return ".".join(parts) or None


class TrustbridgeAPI(NinjaAPI):
    """The Ninja API with our error format and public caching."""

    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        return _cache_public_answer(request, response)


def _cache_public_answer(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if request.method != "GET" or response.status_code != 200:
        return response
    if "HTTP_AUTHORIZATION" in request.META:
        patch_cache_control(response, private=True, no_cache=True)
        return response
    etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.TRUSTBRIDGE_PUBLIC_CACHE_SECONDS)
    patch_vary_headers(response, ["Accept-Language", "Authorization"])
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response.status_code = 304
        response.content = b""
    return response


def install_error_handlers(api: NinjaAPI) -> None:
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {"field": _location(list(e.get("loc", []))), "message": e.get("msg", "")}
            for e in exc.errors
        ]
        return api.create_response(
            request, error_body(_("The request has invalid fields."), errors), status=422
        )

    def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        status = 409 if exc.code == ErrorCode.DUPLICATE else 400
        return api.create_response(
            request,
            error_body(exc.message, [{"field": exc.field, "message": exc.message}]),
            status=status,
        )

    def on_service_errors(request: HttpRequest, exc: ServiceErrors) -> HttpResponse:
        errors = [{"field": e.field, "message": e.message} for e in exc.errors]
        return api.create_response(
            request, error_body(_("The request has invalid fields."), errors), status=400
        )

    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request, error_body(_("A valid API token is required.")), status=401
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = api.create_response(
            request, error_body(_("Too many requests. Slow down.")), status=429
        )
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return api.create_response(request, error_body(str(exc)), status=exc.status_code)

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, error_body(_("Not found.")), status=404)

    def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, error_body(_("You may not do this.")), status=403)

    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (ValidationError, on_validation),
        (ServiceError, on_service_error),
        (ServiceErrors, on_service_errors),
        (AuthenticationError, on_auth),
        (Throttled, on_throttled),
        (HttpError, on_http_error),
        (Http404, on_not_found),
        (PermissionDenied, on_forbidden),
    ]
    for exception_class, handler in handlers:
        api.add_exception_handler(exception_class, handler)


def default_throttles() -> list[Any]:
    return [AnonThrottle(), TokenThrottle()]
