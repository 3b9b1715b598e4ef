"""HTTP caching: public pages and API answers (ETag, Cache-Control), and private pages kept
out of caches."""

from __future__ import annotations

import hashlib
import mimetypes
from typing import TypeVar

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers

R = TypeVar("R", bound=HttpResponseBase)


def make_public(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Mark an anonymous visitor's response cacheable by browsers and a CDN, with an ETag.

    Responses for a signed-in visitor stay private: their pages carry personal menus.
    """
    if response.status_code != 200 or getattr(response, "streaming", False):
        return response
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
        return response
    content = response.content
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.TRUSTBRIDGE_PUBLIC_CACHE_SECONDS)
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        not_modified = HttpResponse(status=304)
        for header in ("ETag", "Cache-Control", "Vary"):
            not_modified[header] = response[header]
        return not_modified
    return response


def make_private(response: R) -> R:
    """A page reached by a secret link, or personal: kept out of caches and search engines,
    and its address never sent to another site as a referrer.

    Not "no-referrer": browsers would then send ``Origin: null`` with the page's own forms,
    which the CSRF check refuses. "same-origin" still keeps the link from other sites."""
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def image_response(image: FieldFile) -> HttpResponse:
    """A stored image (stripped of its metadata when it was saved), typed by its name and
    never sniffed; 404 if the file is gone. The caller decides how it may be cached."""
    try:
        with image.open("rb") as stored:
            content = stored.read()
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    kind = mimetypes.guess_type(image.name or "")[0] or "application/octet-stream"
    response = HttpResponse(content, content_type=kind)
    response["X-Content-Type-Options"] = "nosniff"
    return response
