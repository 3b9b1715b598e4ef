"""The public events pages: dates to come, the month calendar, past events with their recaps,
one event with its sign-up forms, a guest's e-mail link, and a resident's own sign-ups.

Thin: read the filters or the form, ask ``queries`` (reads) or ``services`` (sign-ups),
render. Lists are cacheable for anonymous visitors (``make_public``); a page carrying a form
is not (its CSRF token is the visitor's own), and the pages reached by a secret link or
showing a resident's own sign-ups are never cached at all.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.cache import patch_cache_control
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.http import urlencode
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trustbridge.accounts.models import User
from trustbridge.core import queries as core_queries
from trustbridge.core.access import public_view
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.forms import add_service_errors
from trustbridge.core.http import image_response, make_private, make_public
from trustbridge.core.models import Area, Organization
from trustbridge.events import queries, services
from trustbridge.events.models import Event, EventStatus, Rsvp, RsvpStatus
from trustbridge.events.public_forms import (
    CalendarForm,
    EventFilterForm,
    GuestActionForm,
    RsvpForm,
)
from trustbridge.events.questions import ASKING_KINDS
from trustbridge.feedback import abuse

# Guest sign-ups per identity of a sender (address, device): (sign-ups, seconds).
RSVP_LIMITS = [(10, 600), (40, 86400)]
RSVP_SCOPE = "rsvp"
# A date that cannot be signed up for any more: the page is out of date, not the input wrong.
STATE_ERRORS = (ErrorCode.DUPLICATE, ErrorCode.EXPIRED)


def _visitor(request: HttpRequest) -> User | None:
    return cast(User, request.user) if request.user.is_authenticated else None


def _zone(organization: Organization) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(organization.timezone)


def _filters(
    organization: Organization, form: EventFilterForm, areas: list[Area]
) -> dict[str, Any]:
    """What the list and the calendar share: the filter form, the area map linking to the
    filtered list, and the feeds."""
    area = form.chosen_area
    kind = form.query().get("kind", "")
    return {
        "organization": organization,
        "form": form,
        "areas": areas,
        "area_map": core_queries.area_map(areas),
        "chosen_area": area,
        "kind_query": urlencode({"kind": kind}) if kind else "",
        "query": urlencode(form.query()),
    }


# Lists -------------------------------------------------------------------------------------


@require_GET
@public_view
def event_list(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Dates to come, by day, filtered by area and kind."""
    areas = list(core_queries.areas_of(organization))
    form = EventFilterForm(request.GET, areas=areas)
    dates = queries.upcoming_dates(
        organization, now=timezone.now(), area=form.chosen_area, kind=form.chosen_kind
    )
    page = Paginator(dates, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = queries.date_rows(
        organization, list(page.object_list), language=get_language(), user=_visitor(request)
    )
    context = {
        **_filters(organization, form, areas),
        "page": page,
        "days": queries.by_day(rows, _zone(organization)),
    }
    status = 400 if form.errors else 200
    return make_public(request, render(request, "events/public/list.html", context, status=status))


@require_GET
@public_view
def calendar_page(request: HttpRequest, organization: Organization) -> HttpResponse:
    """A month as a grid, each day linking to its dates listed below. An invalid month is
    refused (400) with the reason, and the current month is shown."""
    areas = list(core_queries.areas_of(organization))
    today = timezone.now().astimezone(_zone(organization)).date()
    form = CalendarForm(request.GET, areas=areas, bounds=queries.month_bounds(today))
    month = form.chosen_month or today.replace(day=1)
    dates = queries.month_dates(organization, month, area=form.chosen_area, kind=form.chosen_kind)
    rows = queries.date_rows(
        organization, list(dates), language=get_language(), user=_visitor(request)
    )
    days = queries.by_day(rows, _zone(organization))
    # Django counts weekdays from Sunday (0), the calendar module from Monday (0).
    first_weekday = (int(formats.get_format("FIRST_DAY_OF_WEEK")) + 6) % 7
    grid = queries.month_grid(month, days, first_weekday=first_weekday, today=today)

    def month_link(value: dt.date | None) -> str:
        if value is None:
            return ""
        return "?" + urlencode({**form.query(), "month": f"{value:%Y-%m}"})

    context = {
        **_filters(organization, form, areas),
        "grid": grid,
        "weekdays": [(WEEKDAYS[d], WEEKDAYS_ABBR[d]) for d in grid.weekdays],
        "days": days,
        "previous_link": month_link(grid.previous),
        "next_link": month_link(grid.next),
        "today": today,
    }
    status = 400 if form.errors else 200
    response = render(request, "events/public/calendar.html", context, status=status)
    return make_public(request, response)


@require_GET
@public_view
def past(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Events that took place, the most recent first, with their recaps."""
    events = queries.past_events(organization, now=timezone.now())
    page = Paginator(events, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "page": page,
        "rows": queries.past_rows(page.object_list, language=get_language()),
        "query": "",
    }
    return make_public(request, render(request, "events/public/past.html", context))


# One event and signing up ------------------------------------------------------------------


def _questions_link(organization: Organization, event: Event) -> str:
    """The event's questions page, for town halls and forums, once that page exists."""
    if event.kind not in ASKING_KINDS:
        return ""
    try:
        return reverse(
            "events:questions", kwargs={"org_slug": organization.slug, "event_id": event.pk}
        )
    except NoReverseMatch:
        return ""


def _detail_page(
    request: HttpRequest,
    organization: Organization,
    event: Event,
    *,
    bound: RsvpForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The event's page; ``bound`` is a refused sign-up form, shown again at its date with
    what was typed and why."""
    now = timezone.now()
    user = _visitor(request)
    language = get_language()
    rows = queries.date_rows(
        organization, queries.event_dates(event, now=now), language=language, user=user
    )
    dates = []
    for row in rows:
        # A date takes sign-ups while the event and the date stand and the visitor has none.
        takes = event.status == EventStatus.PUBLISHED and not row.occurrence.cancelled
        takes = takes and row.mine is None
        form = None
        if bound is not None and bound.occurrence.pk == row.occurrence.pk:
            form = bound
        elif takes:
            form = RsvpForm(occurrence=row.occurrence, guest=user is None)
        dates.append({"row": row, "form": form, "takes": takes})
    recap = queries.published_recap(event)
    context = {
        "organization": organization,
        "event": event,
        "title": event.title(language),
        "description": event.text(language, "description"),
        "cancelled": event.status == EventStatus.CANCELLED,
        "dates": dates,
        "refused": bound if bound is not None and bound.errors else None,
        "past_dates": queries.past_date_count(event, now=now),
        "areas": queries.area_names(event),
        "hosts": queries.host_names(event),
        "recap": recap,
        "recap_summary": queries.summary(recap.texts, language) if recap else "",
        "questions_link": _questions_link(organization, event),
        "login_url": reverse("account_login") + "?" + urlencode({"next": request.path}),
    }
    response = render(request, "events/public/detail.html", context, status=status)
    if not any(d["takes"] for d in dates):
        return make_public(request, response)
    # A form carries this visitor's CSRF token: never shared by a cache.
    patch_cache_control(response, private=True, no_cache=True)
    if user is None:
        abuse.remember_device(request, response)  # tells two phones behind one address apart
    return response


@require_GET
@public_view
def detail(request: HttpRequest, organization: Organization, event_id: int) -> HttpResponse:
    return _detail_page(request, organization, queries.access_public_event(organization, event_id))


def _check_email(request: HttpRequest, organization: Organization, event: Event) -> HttpResponse:
    context = {"organization": organization, "event": event, "title": event.title(get_language())}
    return make_private(render(request, "events/public/check_email.html", context))


def _too_many(retry_after: int) -> str:
    minutes = max(1, -(-retry_after // 60))
    return ngettext(
        "You have signed up several times in a short time. Please wait %(minutes)d minute, "
        "then try again.",
        "You have signed up several times in a short time. Please wait %(minutes)d minutes, "
        "then try again.",
        minutes,
    ) % {"minutes": minutes}


def _placed(rsvp: Rsvp) -> str:
    if rsvp.status == RsvpStatus.CONFIRMED:
        return _("You have a place.")
    position = queries.waiting_position(rsvp)
    return _("The places are taken: you are on the waiting list (number %(position)d).") % {
        "position": position or 1
    }


@require_POST
@public_view
def rsvp(
    request: HttpRequest, organization: Organization, event_id: int, occurrence_id: int
) -> HttpResponse:
    """A place at one date. A signed-in resident gets it at once; a guest is sent an e-mail
    to confirm from. A refusal shows the event's page again with the reason at that date."""
    event = queries.access_public_event(organization, event_id)
    occurrence = queries.access_occurrence(event, occurrence_id)
    user = _visitor(request)
    form = RsvpForm(request.POST, occurrence=occurrence, guest=user is None)
    if form.is_robot():  # answered as if it worked; nothing is stored
        return _check_email(request, organization, event)
    if not form.is_valid():
        return _detail_page(request, organization, event, bound=form, status=400)
    status, retry_after = 400, 0
    try:
        if user is None:
            abuse.reserve(abuse.web_sender(request), RSVP_LIMITS, scope=RSVP_SCOPE)
        signed = services.sign_up(
            occurrence,
            user=user,
            name=form.cleaned_data.get("name", ""),
            email=form.cleaned_data.get("email", ""),
        )
    except abuse.TooManySubmissions as error:
        form.add_error(None, _too_many(error.retry_after))
        status, retry_after = 429, error.retry_after
    except ServiceErrors as errors:
        add_service_errors(form, errors)
    except ServiceError as error:
        add_service_errors(form, error)
        if error.code in STATE_ERRORS or error.field is None:
            status = 409
    else:
        if user is None:
            return _check_email(request, organization, event)
        messages.success(request, _placed(signed.rsvp))
        return redirect("events:mine", org_slug=organization.slug)
    response = _detail_page(request, organization, event, bound=form, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


# A guest's link ----------------------------------------------------------------------------


def _guest_done(request: HttpRequest, rsvp: Rsvp) -> None:
    if rsvp.status == RsvpStatus.CANCELLED:
        messages.success(request, _("Your sign-up is cancelled. Thank you for letting us know."))
    else:
        messages.success(request, _placed(rsvp))


@require_http_methods(["GET", "POST"])
@public_view
def guest(
    request: HttpRequest, organization: Organization, rsvp_id: int, secret: str
) -> HttpResponse:
    """The page of the link in a guest's e-mail: where their sign-up stands, and buttons to
    confirm or cancel it. Only a POST changes anything (mail scanners follow links)."""
    rsvp = queries.access_guest_sign_up(organization, rsvp_id, secret)
    form = GuestActionForm(request.POST or None)
    now = timezone.now()
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if form.cleaned_data["action"] == GuestActionForm.CONFIRM:
                    done = services.confirm_guest(rsvp, secret, now=now)
                elif queries.can_cancel(rsvp, now=now):
                    done = services.cancel_with_secret(rsvp, secret, now=now)
                else:
                    raise ServiceError(
                        ErrorCode.EXPIRED, _("This sign-up can no longer be cancelled."), None
                    )
            except ServiceError as error:
                form.add_error(None, error.message)
                status = 409
            else:
                _guest_done(request, done)
                return make_private(redirect(request.path))
    occurrence = rsvp.occurrence
    event = occurrence.event
    context = {
        "organization": organization,
        "rsvp": rsvp,
        "occurrence": occurrence,
        "event": event,
        "title": event.title(get_language()),
        "position": queries.waiting_position(rsvp),
        "called_off": occurrence.cancelled or event.status == EventStatus.CANCELLED,
        "over": occurrence.ends_at <= now,
        "can_confirm": (
            rsvp.status == RsvpStatus.PENDING
            and event.status == EventStatus.PUBLISHED
            and not occurrence.cancelled
            and occurrence.ends_at > now
        ),
        "can_cancel": queries.can_cancel(rsvp, now=now),
        "form": form,
    }
    return make_private(render(request, "events/public/guest.html", context, status=status))


# A resident's own sign-ups -----------------------------------------------------------------


@require_GET
@public_view
def mine(request: HttpRequest, organization: Organization) -> HttpResponse:
    """The signed-in resident's sign-ups to come, and the dates they attended."""
    user = _visitor(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    upcoming, attended = queries.my_sign_ups(
        user, organization, now=timezone.now(), language=get_language()
    )
    context = {"organization": organization, "upcoming": upcoming, "attended": attended}
    return make_private(render(request, "events/public/mine.html", context))


@require_POST
@public_view
def my_cancel(request: HttpRequest, organization: Organization, rsvp_id: int) -> HttpResponse:
    """Give one's own place back; the first on the waiting list gets it."""
    user = _visitor(request)
    if user is None:
        return redirect_to_login(reverse("events:mine", kwargs={"org_slug": organization.slug}))
    now = timezone.now()
    rsvp = queries.access_my_sign_up(user, organization, rsvp_id, now=now)
    services.cancel_sign_up(rsvp, now=now)
    messages.success(request, _("Your place is cancelled. Thank you for letting us know."))
    return redirect("events:mine", org_slug=organization.slug)


# Recap photos ------------------------------------------------------------------------------


@require_GET
@public_view
def recap_photo(
    request: HttpRequest, organization: Organization, event_id: int, recap_photo_id: int
) -> HttpResponse:
    """A photo of a published recap (stripped of its metadata when it was added)."""
    photo = queries.access_recap_photo(organization, event_id, recap_photo_id)
    return make_public(request, image_response(photo.image))
