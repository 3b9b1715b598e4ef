"""Open311 GeoReport v2 at /open311/v2/, in XML and JSON.

One server hosts many organisations, so ``jurisdiction_id`` (the organisation's short name)
is required everywhere but discovery: missing, 400; unknown, 404. Answers follow the spec
to the letter: XML with the declaration and no namespace; JSON by the Spark convention (the
plural wrapper disappears: lists, POST answers and errors are bare arrays); W3C datetimes with
their zone; codes and ids as strings. Errors are 404 for what does not exist, 403 for a
missing or invalid ``api_key``, 429 for a client over its rate, 400 for anything else, each
with the spec's ``errors`` body.

Views only parse, call and render: what is shown comes from ``open311_queries`` (public fields
only) and a new request goes through ``open311_intake`` to ``intake.submit_item``.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import re
import zoneinfo
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.http import make_public
from trustbridge.core.middleware import address_of
from trustbridge.core.models import Organization
from trustbridge.feedback import client_keys, open311_intake
from trustbridge.feedback import open311_queries as queries
from trustbridge.feedback.open311_queries import MAX_PAGE_SIZE, WINDOW, RequestFilter

XML = "xml"
JSON = "json"
CONTENT_TYPES = {XML: "text/xml; charset=utf-8", JSON: "application/json; charset=utf-8"}
# The Spark convention: the element name of each item of a list, by the list's name.
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all; dropped from any text we send.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
STATUSES = ("open", "closed")
NO_ATTRIBUTES: AttributesImpl[str] = AttributesImpl({})


class Open311Error(Exception):
    """An answer in the spec's error format: the HTTP status and one or more errors."""

    def __init__(self, status: int, *descriptions: str, retry_after: int | None = None):
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions
        self.retry_after = retry_after


# Rendering ---------------------------------------------------------------------------------


def w3c(value: dt.datetime, tz: dt.tzinfo) -> str:
    """A W3C datetime with its zone, in the organisation's time (``Z`` for UTC)."""
    text = value.astimezone(tz).replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _plain(value: Any, tz: dt.tzinfo) -> Any:
    if isinstance(value, dt.datetime):
        return w3c(value, tz)
    if isinstance(value, dict):
        return {k: _plain(v, tz) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, tz) for v in value]
    if isinstance(value, str | Promise):
        return str(value)  # lazy translations become plain strings
    return value


def _xml_text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return NOT_IN_XML.sub("", str(value))


def _write_xml(out: XMLGenerator, name: str, value: Any) -> None:
    out.startElement(name, NO_ATTRIBUTES)
    if isinstance(value, dict):
        for key, child in value.items():
            _write_xml(out, key, child)
    elif isinstance(value, list):
        for child in value:
            _write_xml(out, ITEM_NAMES[name], child)
    elif value is not None:
        out.characters(_xml_text(value))
    out.endElement(name)


def to_xml(root: str, data: Any) -> bytes:
    buffer = io.StringIO()
    out = XMLGenerator(buffer, encoding="utf-8", short_empty_elements=True)
    out.startDocument()
    _write_xml(out, root, data)
    out.endDocument()
    # XMLGenerator ends the declaration with a line break; the spec shows it on its own line.
    return buffer.getvalue().encode("utf-8")


def render(
    fmt: str, root: str, data: Any, *, tz: dt.tzinfo = dt.UTC, status: int = 200
) -> HttpResponse:
    """``data`` as the document ``root``: XML as is, JSON by the Spark convention (a list at
    the root is a bare array, a dict an object)."""
    plain = _plain(data, tz)
    if fmt == XML:
        body = to_xml(root, plain)
    else:
        body = json.dumps(plain, ensure_ascii=False).encode("utf-8")
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, error: Open311Error) -> HttpResponse:
    # In XML everything is text; the spec's JSON example gives the code as a number.
    errors: list[dict[str, Any]] = [
        {"code": error.status, "description": d} for d in error.descriptions
    ]
    response = render(fmt, "errors", errors, status=error.status)
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


View = Callable[..., HttpResponse]


def open311_view(view: View) -> View:
    """Answer every refusal of ``view`` in the spec's error format and the asked format."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, format: str, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, fmt=format, **kwargs)
        except Open311Error as error:
            return render_errors(format, error)
        except Http404:
            return render_errors(format, Open311Error(404, _("Not found.")))
        if request.method in ("GET", "HEAD"):
            return make_public(request, response)
        return response

    return wrapper


# Arguments ---------------------------------------------------------------------------------


def _argument(request: HttpRequest, name: str) -> str:
    """An argument of the query string or, for a POST, of the form body (which wins)."""
    value = request.POST.get(name, "") if request.method == "POST" else ""
    return (value or request.GET.get(name, "")).strip()


def _jurisdiction(request: HttpRequest) -> Organization:
    slug = _argument(request, "jurisdiction_id")
    if not slug:
        raise Open311Error(
            400,
            _(
                "jurisdiction_id was not provided: this server hosts several organisations; "
                "give the short name of the one you mean."
            ),
        )
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise Open311Error(404, _("jurisdiction_id “%(value)s” was not found.") % {"value": slug})
    return organization


def _tz(organization: Organization) -> dt.tzinfo:
    return zoneinfo.ZoneInfo(organization.timezone)


def parse_datetime(name: str, value: str) -> dt.datetime:
    """A W3C datetime with its zone. An unencoded "+" arrives as a space: taken back."""
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", value.strip())
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or "T" not in text:
        raise Open311Error(
            400,
            _("%(name)s must be a W3C date and time with its time zone, e.g. 2025-01-31T00:00:00Z.")
            % {"name": name},
        )
    return parsed


def _listed(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _positive(name: str, value: str, default: int, ceiling: int | None = None) -> int:
    if not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1 or (ceiling is not None and number > ceiling):
        if ceiling is None:
            message = _("%(name)s must be a whole number from 1.") % {"name": name}
        else:
            message = _("%(name)s must be a whole number from 1 to %(max)d.") % {
                "name": name,
                "max": ceiling,
            }
        raise Open311Error(400, message)
    return number


def parse_filter(arguments: QueryDict) -> RequestFilter:
    """The arguments of GET requests. Empty ones count as absent, as the spec says."""
    chosen = RequestFilter(
        ids=_listed(arguments.get("service_request_id", "")),
        service_codes=_listed(arguments.get("service_code", "")),
        page=_positive("page", arguments.get("page", ""), 1),
        page_size=_positive(
            "page_size", arguments.get("page_size", ""), MAX_PAGE_SIZE, MAX_PAGE_SIZE
        ),
    )
    if chosen.ids:  # overrides every other argument
        return chosen
    statuses = [s.lower() for s in _listed(arguments.get("status", ""))]
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise Open311Error(
            400,
            _("status must be open or closed (or both, comma separated), not “%(value)s”.")
            % {"value": unknown[0]},
        )
    chosen.statuses = statuses
    if arguments.get("start_date", "").strip():
        chosen.start = parse_datetime("start_date", arguments.get("start_date", ""))
    if arguments.get("end_date", "").strip():
        chosen.end = parse_datetime("end_date", arguments.get("end_date", ""))
    if chosen.start is not None and chosen.end is not None:
        if chosen.end < chosen.start:
            raise Open311Error(400, _("end_date is before start_date."))
        if chosen.end - chosen.start > WINDOW:
            raise Open311Error(
                400,
                _("start_date and end_date may not span more than %(days)d days.")
                % {"days": WINDOW.days},
            )
    return chosen


# Views -------------------------------------------------------------------------------------


def endpoint_url() -> str:
    """The absolute address of this endpoint, as clients are told in discovery."""
    services = reverse("open311:services", kwargs={"format": XML})
    return str(settings.TRUSTBRIDGE_BASE_URL) + services.rsplit("/", 1)[0]


@require_http_methods(["GET", "HEAD"])
@open311_view
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Where the endpoint is, what it speaks and how to get a key. ``jurisdiction_id`` is
    optional here: with it, the contact is that organisation's."""
    slug = request.GET.get("jurisdiction_id", "").strip()
    organization = _jurisdiction(request) if slug else None
    changed = w3c(queries.changeset(organization), dt.UTC)
    if organization is None:
        contact = _(
            "Each organisation's contact details are on its public page, %(url)s/o/<short "
            "name>/. Its short name is the jurisdiction_id."
        ) % {"url": settings.TRUSTBRIDGE_BASE_URL}
        key_service = _(
            "Ask the organisation you want to send feedback to: its administrators "
            "issue a key for each application."
        )
    else:
        details = [
            organization.name,
            organization.contact_email,
            organization.contact_phone,
            organization.website,
        ]
        contact = " ".join(d for d in details if d)
        key_service = _(
            "Ask %(name)s for a key: its administrators issue a key for each application."
        ) % {"name": organization.name}
    data = {
        "changeset": changed,
        "contact": contact,
        "key_service": key_service,
        "endpoints": [
            {
                "specification": queries.SPECIFICATION,
                "url": endpoint_url(),
                "changeset": changed,
                "type": "production",
                "formats": [CONTENT_TYPES[XML].split(";")[0], CONTENT_TYPES[JSON].split(";")[0]],
            }
        ],
    }
    return render(fmt, "discovery", data)


@require_http_methods(["GET", "HEAD"])
@open311_view
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    organization = _jurisdiction(request)
    data = [queries.service_fields(c) for c in queries.services_of(organization)]
    return render(fmt, "services", data)


def _service(organization: Organization, code: str) -> Any:
    category = queries.service_of(organization, code)
    if category is None:
        raise Open311Error(404, _("service_code “%(value)s” was not found.") % {"value": code})
    return category


@require_http_methods(["GET", "HEAD"])
@open311_view
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    organization = _jurisdiction(request)
    category = _service(organization, service_code)
    return render(fmt, "service_definition", queries.definition_fields(category, organization))


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    organization = _jurisdiction(request)
    chosen = parse_filter(request.GET)
    points = queries.AreaPoints()
    data = [
        queries.request_fields(item, organization, points)
        for item in queries.find_requests(organization, chosen)
    ]
    return render(fmt, "service_requests", data, tz=_tz(organization))


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    organization = _jurisdiction(request)
    key = client_keys.find_key(organization, _argument(request, "api_key"))
    if key is None:
        raise Open311Error(403, _("Invalid api_key received: the request was not created."))
    try:
        created = open311_intake.create_request(
            key=key,
            arguments=request.POST,
            language=getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
            address=address_of(request) or "",
        )
    except open311_intake.OverRate as refused:
        raise Open311Error(429, refused.message, retry_after=refused.retry_after) from None
    except ServiceErrors as refused:
        raise Open311Error(400, *[open311_intake.describe(e) for e in refused.errors]) from None
    except ServiceError as refused:
        status = 404 if refused.code == ErrorCode.NOT_FOUND else 400
        raise Open311Error(status, open311_intake.describe(refused)) from None
    data = [
        {
            "service_request_id": created.reference,
            "service_notice": created.notice,
        }
    ]
    # 200, not 201: the spec shows no other success status, and clients expect what it shows.
    return render(fmt, "service_requests", data, tz=_tz(organization))


@csrf_exempt  # clients prove themselves with their api_key, not a browser session
@require_http_methods(["GET", "HEAD", "POST"])
@open311_view
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET: requests by the spec's filters (90 days at most, 1000 per page); POST: a new one."""
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


@require_http_methods(["GET", "HEAD"])
@open311_view
def request_detail(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    organization = _jurisdiction(request)
    item = queries.find_request(organization, service_request_id)
    if item is None:
        raise Open311Error(
            404,
            _("service_request_id “%(value)s” was not found.") % {"value": service_request_id},
        )
    data = [queries.request_fields(item, organization, queries.AreaPoints())]
    return render(fmt, "service_requests", data, tz=_tz(organization))


@require_http_methods(["GET", "HEAD"])
@open311_view
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """Our services are ``realtime``: a request gets its id at once and no token is issued,
    so no token is ever found."""
    _jurisdiction(request)
    raise Open311Error(
        404,
        _(
            "Token “%(value)s” was not found: this server answers a new request with its "
            "service_request_id at once and issues no tokens."
        )
        % {"value": token},
    )
