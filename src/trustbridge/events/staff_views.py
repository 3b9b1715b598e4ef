"""Organisers' pages under /o/<slug>/staff/events/: the list of events, the event form,
publishing and cancelling, the dates of a series (cancel or move one), who signed up (and
its CSV download), and a message to attendees.

Views parse, call ``services`` (changes), ``notifications`` (the message) or
``staff_queries`` (reads), and render. Every event and date is reached through
``staff_queries.access_event``/``access_occurrence``: 404 alike when missing or another
organisation's. Refused input re-renders the form with its errors and status 400.
"""

from __future__ import annotations

import csv
import io
import zoneinfo
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trustbridge.accounts.models import User
from trustbridge.core import audit, rules
from trustbridge.core.access import staff_view
from trustbridge.core.errors import ServiceError, ServiceErrors
from trustbridge.core.forms import add_service_errors
from trustbridge.core.models import AuditAction, Organization
from trustbridge.core.safe_csv import safe_row
from trustbridge.core.typing import AuthenticatedRequest
from trustbridge.events import notifications, services, staff_queries
from trustbridge.events.models import Event
from trustbridge.events.staff_forms import ConfirmForm, EventForm, MessageForm, MoveForm

Errors = (ServiceError, ServiceErrors)
PAGE_SIZE = 50


def _page(
    request: AuthenticatedRequest,
    organization: Organization,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    context = {"organization": organization, **context}
    return render(request, f"events/staff/{template}", context, status=status)


def _posted(request: AuthenticatedRequest) -> Any:
    """The form data of a POST (even an empty one, which must show its errors), else None."""
    return request.POST if request.method == "POST" else None


def _event_context(event: Event, language: str) -> dict[str, Any]:
    return {"event": event, "title": event.title(language)}


# The list ----------------------------------------------------------------------------------


@require_GET
@staff_view(rules.can_organize_events)
def event_list(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    """Every event of the organisation, those still to come first."""
    events = staff_queries.events_of(organization, timezone.now())
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    places = staff_queries.places_at(organization, [e.next_id for e in rows])
    language = get_language()
    context = {
        "page": page,
        "rows": [
            {
                "event": event,
                "title": event.title(language),
                "places": places.get(event.next_id),
            }
            for event in rows
        ],
    }
    return _page(request, organization, "list.html", context)


# The event form ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_organize_events)
def event_create(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    """A new event, saved as a draft."""
    form = EventForm(_posted(request), organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(request.user, organization, **form.changes())
        except Errors as error:
            form.add_errors(error)
        else:
            messages.success(request, _("Event saved as a draft. Publish it when it is ready."))
            return redirect("events:staff_event", org_slug=organization.slug, event_id=event.pk)
    status = 400 if request.method == "POST" else 200
    return _page(request, organization, "form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_organize_events)
def event_edit(
    request: AuthenticatedRequest, organization: Organization, event_id: int
) -> HttpResponse:
    """Change an event; people signed up are told of a new time or place."""
    event = staff_queries.access_event(organization, event_id)
    form = EventForm(_posted(request), organization=organization, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(request.user, event, **form.changes())
        except Errors as error:
            form.add_errors(error)
        else:
            messages.success(request, _("Event saved."))
            return redirect("events:staff_event", org_slug=organization.slug, event_id=event.pk)
    context = {
        **_event_context(event, get_language()),
        "form": form,
        "signed_up": staff_queries.sign_up_count(event),
    }
    status = 400 if request.method == "POST" else 200
    return _page(request, organization, "form.html", context, status=status)


@require_POST
@staff_view(rules.can_organize_events)
def event_publish(
    request: AuthenticatedRequest, organization: Organization, event_id: int
) -> HttpResponse:
    """Make a draft public."""
    event = staff_queries.access_event(organization, event_id)
    try:
        services.publish_event(request.user, event)
    except Errors as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("Event published."))
    return redirect("events:staff_event", org_slug=organization.slug, event_id=event.pk)


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_organize_events)
def event_cancel(
    request: AuthenticatedRequest, organization: Organization, event_id: int
) -> HttpResponse:
    """Cancel every date of an event, once the organiser confirms; attendees are told."""
    event = staff_queries.access_event(organization, event_id)
    form = ConfirmForm(
        _posted(request), label=_("Yes, cancel this event and tell the people signed up")
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_event(request.user, event)
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Event cancelled. The people signed up are told."))
            return redirect("events:staff_event", org_slug=organization.slug, event_id=event.pk)
    context = {
        **_event_context(event, get_language()),
        "form": form,
        "signed_up": staff_queries.sign_up_count(event),
    }
    status = 400 if request.method == "POST" else 200
    return _page(request, organization, "cancel.html", context, status=status)


def _message(error: ServiceError | ServiceErrors) -> str:
    errors = error.errors if isinstance(error, ServiceErrors) else [error]
    return " ".join(e.message for e in errors)


# Dates ------------------------------------------------------------------------------------


@require_GET
@staff_view(rules.can_organize_events)
def event_dates(
    request: AuthenticatedRequest, organization: Organization, event_id: int
) -> HttpResponse:
    """Every date of the event with its places taken, waiting list and pending guests."""
    event = staff_queries.access_event(organization, event_id)
    context = {
        **_event_context(event, get_language()),
        "dates": staff_queries.dates_of(event),
        "now": timezone.now(),
    }
    return _page(request, organization, "dates.html", context)


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_organize_events)
def date_cancel(
    request: AuthenticatedRequest, organization: Organization, event_id: int, occurrence_id: int
) -> HttpResponse:
    """Cancel one date, once the organiser confirms; the people signed up for it are told."""
    event = staff_queries.access_event(organization, event_id)
    occurrence = staff_queries.access_occurrence(event, occurrence_id)
    form = ConfirmForm(
        _posted(request), label=_("Yes, cancel this date and tell the people signed up")
    )
    if request.method == "POST" and form.is_valid() and not occurrence.cancelled:
        try:
            services.cancel_occurrence(request.user, occurrence)
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Date cancelled. The people signed up are told."))
            return redirect("events:staff_dates", org_slug=organization.slug, event_id=event.pk)
    if occurrence.cancelled and request.method == "POST":
        form.add_error(None, _("This date is already cancelled."))
    context = {
        **_event_context(event, get_language()),
        "occurrence": occurrence,
        "form": form,
        "affected": _affected(
            staff_queries.places_at(organization, [occurrence.pk]).get(occurrence.pk)
        ),
    }
    status = 400 if request.method == "POST" else 200
    return _page(request, organization, "date_cancel.html", context, status=status)


def _affected(places: staff_queries.Places | None) -> int:
    """Everyone told when a date is cancelled: places, the waiting list, pending guests."""
    return 0 if places is None else places.confirmed + places.waitlisted + places.pending


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_organize_events)
def date_move(
    request: AuthenticatedRequest, organization: Organization, event_id: int, occurrence_id: int
) -> HttpResponse:
    """Move one date; its sign-ups stay with it and are told of the new time."""
    event = staff_queries.access_event(organization, event_id)
    occurrence = staff_queries.access_occurrence(event, occurrence_id)
    form = MoveForm(
        _posted(request),
        organization=organization,
        initial={"starts_at": occurrence.starts_at, "ends_at": occurrence.ends_at},
    )
    if occurrence.cancelled and request.method == "POST":
        form.add_error(None, _("A cancelled date cannot be moved."))
    if request.method == "POST" and form.is_valid():
        try:
            services.move_occurrence(
                request.user,
                occurrence,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
            )
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Date moved. The people signed up are told."))
            return redirect("events:staff_dates", org_slug=organization.slug, event_id=event.pk)
    context = {
        **_event_context(event, get_language()),
        "occurrence": occurrence,
        "form": form,
    }
    status = 400 if request.method == "POST" else 200
    return _page(request, organization, "date_move.html", context, status=status)


# Attendees --------------------------------------------------------------------------------


@never_cache
@require_GET
@staff_view(rules.can_organize_events)
def attendees(
    request: AuthenticatedRequest, organization: Organization, event_id: int, occurrence_id: int
) -> HttpResponse:
    """Who signed up for one date: names and addresses, for organisers only."""
    event = staff_queries.access_event(organization, event_id)
    occurrence = staff_queries.access_occurrence(event, occurrence_id)
    context = {
        **_event_context(event, get_language()),
        "occurrence": occurrence,
        "attendees": staff_queries.attendees_of(occurrence),
    }
    return _page(request, organization, "attendees.html", context)


CSV_COLUMNS = [
    "status",
    "waiting_list_position",
    "name",
    "email",
    "account",
    "signed_up_at",
    "confirmed_at",
    "checked_in_at",
    "cancelled_at",
]


@never_cache
@require_GET
@staff_view(rules.can_organize_events)
def attendees_csv(
    request: AuthenticatedRequest, organization: Organization, event_id: int, occurrence_id: int
) -> HttpResponseBase:
    """The list of one date as CSV, safe to open in a spreadsheet. It holds personal data,
    so each download is recorded in the audit log."""
    event = staff_queries.access_event(organization, event_id)
    occurrence = staff_queries.access_occurrence(event, occurrence_id)
    zone = zoneinfo.ZoneInfo(organization.timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for person in staff_queries.attendees_of(occurrence).everyone:
        rsvp = person.rsvp
        writer.writerow(
            safe_row(
                [
                    rsvp.status,
                    person.position if person.position is not None else "",
                    person.name,
                    person.email,
                    "yes" if person.has_account else "no",
                    *(
                        _iso(moment, zone)
                        for moment in (
                            rsvp.created_at,
                            rsvp.confirmed_at,
                            rsvp.checked_in_at,
                            rsvp.cancelled_at,
                        )
                    ),
                ]
            )
        )
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        organization=organization,
        target=occurrence,
        summary="attendee list",
    )
    day = occurrence.starts_at.astimezone(zone)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{organization.slug}-event-{event.pk}-{day:%Y-%m-%d}.csv"'
    )
    return response


def _iso(moment: Any, zone: zoneinfo.ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="minutes") if moment else ""


# Messages ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_organize_events)
def message(
    request: AuthenticatedRequest, organization: Organization, event_id: int
) -> HttpResponse:
    """Write to the people signed up for one date or for all of them."""
    event = staff_queries.access_event(organization, event_id)
    dates = [o for o in staff_queries.dates_of(event) if not o.cancelled]
    form = MessageForm(
        _posted(request),
        dates=dates,
        zone=zoneinfo.ZoneInfo(organization.timezone),
        initial={"occurrence": request.GET.get("date", "")},
    )
    if request.method == "POST" and form.is_valid():
        sent = _send_message(request.user, event, form)
        if sent:
            messages.success(
                request,
                ngettext(
                    "Message sent to %(count)d person.", "Message sent to %(count)d people.", sent
                )
                % {"count": sent},
            )
            return redirect("events:staff_event", org_slug=organization.slug, event_id=event.pk)
    context = {**_event_context(event, get_language()), "form": form}
    status = 400 if request.method == "POST" else 200
    return _page(request, organization, "message.html", context, status=status)


def _send_message(actor: User, event: Event, form: MessageForm) -> int:
    """How many people were written to; none, with the reason on the form."""
    data = form.cleaned_data
    try:
        sent = notifications.message_attendees(
            actor,
            event,
            form.chosen_date(),
            data["subject"],
            data["body"],
            include_waitlist=data["include_waitlist"],
        )
    except Errors as error:
        add_service_errors(form, error)
        return 0
    if not sent:
        form.add_error(None, _("Nobody is signed up to receive it: nothing was sent."))
    return sent
