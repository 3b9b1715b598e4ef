"""Request-wide concerns: a hard cap on body size and the client address for the audit log."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from trustbridge.core.context import client_ip


class RequestSizeLimitMiddleware:
    """Refuse any body larger than TRUSTBRIDGE_MAX_REQUEST_BYTES before it is read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.TRUSTBRIDGE_MAX_REQUEST_BYTES:
            message = _("The request is too large.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "errors": []}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class RequestContextMiddleware:
    """Remember the client's address for the duration of the request (for the audit log)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_ip.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            client_ip.reset(token)
