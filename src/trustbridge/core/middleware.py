"""Request-wide concerns: a hard cap on body size and the client address for the audit log."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from trustbridge.core.context import client_ip


class RequestSizeLimitMiddleware:
    """Refuse an oversized body with 413, in the visitor's language, and change nothing.

    No body may exceed TRUSTBRIDGE_MAX_REQUEST_BYTES. Django also refuses form fields and
    other bodies larger than DATA_UPLOAD_MAX_MEMORY_SIZE (files excepted), but with a bare
    400 once a view reads them; such bodies are read here and answered with 413 instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.TRUSTBRIDGE_MAX_REQUEST_BYTES or self._over_data_limit(
            request, length
        ):
            return self._too_large(request)
        return self.get_response(request)

    @staticmethod
    def _over_data_limit(request: HttpRequest, length: int) -> bool:
        limit: int | None = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None or length <= limit:
            return False
        if request.content_type != "multipart/form-data":
            return True  # the whole body counts
        try:
            request.POST  # noqa: B018 (parse now: only the fields count, not the files)
        except RequestDataTooBig:
            return True
        return False

    @staticmethod
    def _too_large(request: HttpRequest) -> HttpResponse:
        # LocaleMiddleware has not run yet: answer in the visitor's language all the same.
        with translation.override(translation.get_language_from_request(request)):
            message = _("The request is too large.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "errors": []}, status=413)
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


def address_of(request: HttpRequest) -> str | None:
    """The client's address: the connection's, or the one the trusted proxies recorded."""
    proxies = settings.TRUSTBRIDGE_TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Remember the client's address for the duration of the request (for the audit log)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_ip.set(address_of(request))
        try:
            return self.get_response(request)
        finally:
            client_ip.reset(token)


class ApiErrorFormatMiddleware:
    """Give the API's one error format to the 405 answers the router makes itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allowed = response.get("Allow", "")
            response = JsonResponse(
                {"detail": _("This method is not allowed here."), "errors": []}, status=405
            )
            response["Allow"] = allowed
        return response
