"""Public calendar feeds: the organisation's events, an area's, and one event's.

Thin: find what the address names, ask ``ical`` for the bytes, send them as text/calendar
(cacheable, with an ETag, so calendar apps polling the feed cost little).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from trustbridge.core.access import public_view
from trustbridge.core.http import make_public
from trustbridge.core.models import Area, Organization
from trustbridge.core.tenancy import scoped
from trustbridge.events import ical


@require_GET
@public_view
def organization_feed(request: HttpRequest, organization: Organization) -> HttpResponse:
    events = ical.feed_events(organization)
    name = _("%(organization)s events") % {"organization": organization.name}
    return _calendar(request, ical.calendar(organization, events, name=name), organization.slug)


@require_GET
@public_view
def area_feed(request: HttpRequest, organization: Organization, area_slug: str) -> HttpResponse:
    area = scoped(Area, organization).filter(slug=area_slug).first()
    if area is None:
        raise Http404
    events = ical.feed_events(organization, area=area)
    name = _("%(organization)s events in %(area)s") % {
        "organization": organization.name,
        "area": area.name,
    }
    return _calendar(request, ical.calendar(organization, events, name=name), area.slug)


@require_GET
@public_view
def event_feed(request: HttpRequest, organization: Organization, event_id: int) -> HttpResponse:
    """One event, to add to a calendar."""
    event = ical.feed_events(organization).filter(pk=event_id).first()
    if event is None:
        raise Http404
    name = event.title(request.LANGUAGE_CODE)
    return _calendar(request, ical.calendar(organization, [event], name=name), f"event-{event.pk}")


def _calendar(request: HttpRequest, content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}.ics"'
    return make_public(request, response)
