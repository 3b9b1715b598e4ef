"""Pages of the door (check-in), recaps, commitments and the informal engagement log, under
/o/<slug>/staff/events/, and the public engagement figures under /o/<slug>/events/.

Views parse, call a service (``checkin``, ``recaps``, ``engagement``) or a read
(``door_queries``), and render. A GET never changes anything: the QR code of a confirmation
opens the check-in page with the code filled in, and only its "Check in" button (a POST)
checks the person in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from trustbridge.core import rules
from trustbridge.core.access import public_view, staff_view
from trustbridge.core.errors import ServiceError, ServiceErrors
from trustbridge.core.forms import add_service_errors
from trustbridge.core.http import make_public
from trustbridge.core.models import Area, Organization
from trustbridge.core.tenancy import scoped
from trustbridge.core.typing import AuthenticatedRequest
from trustbridge.events import checkin, engagement, recaps
from trustbridge.events import door_queries as queries
from trustbridge.events.door_forms import (
    CodeForm,
    CommitmentFormSet,
    ContactForm,
    FollowUpForm,
    NameCheckInForm,
    NewCommitmentForm,
    PeriodForm,
    PhotoForm,
    RemovePhotoForm,
    SearchForm,
    SummaryForm,
    WalkInsForm,
)
from trustbridge.events.models import Event, EventStatus, Occurrence, Recap

Errors = (ServiceError, ServiceErrors)
DEFAULT_PERIOD_DAYS = 90


# The door ---------------------------------------------------------------------------------


def _checkin_url(occurrence: Occurrence, **query: str) -> str:
    url = reverse(
        "events:checkin",
        kwargs={
            "org_slug": occurrence.organization.slug,
            "event_id": occurrence.event_id,
            "occurrence_id": occurrence.pk,
        },
    )
    kept = {name: value for name, value in query.items() if value}
    return f"{url}?{urlencode(kept)}" if kept else url


def _attendance_context(occurrence: Occurrence, now: dt.datetime) -> dict[str, Any]:
    figures = checkin.attendance(occurrence)
    rate = figures.no_show_rate
    return {
        "attendance": figures,
        "over": occurrence.ends_at <= now,
        "no_show_rate": formats.number_format(rate, 0) + " %" if rate is not None else "",
    }


def _door_page(
    request: AuthenticatedRequest,
    occurrence: Occurrence,
    *,
    code_form: CodeForm | None = None,
    walk_ins_form: WalkInsForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    organization = occurrence.organization
    lookup = None
    if code_form is None:
        code_form = CodeForm(request.GET if "code" in request.GET else None)
        if code_form.is_bound and code_form.is_valid():
            lookup = queries.look_up_code(occurrence, code_form.cleaned_data["code"])
    search = SearchForm(request.GET if "q" in request.GET else None)
    query = search.cleaned_data["q"] if search.is_bound and search.is_valid() else ""
    rows, more = queries.door_list(occurrence, query)
    context: dict[str, Any] = {
        "organization": organization,
        "event": occurrence.event,
        "title": queries.title_of(occurrence.event),
        "occurrence": occurrence,
        "when": queries.local_datetime(organization, occurrence.starts_at),
        "code_form": code_form,
        "lookup": lookup,
        "search_form": search,
        "query": query,
        "rows": rows,
        "more": more,
        "walk_ins_form": walk_ins_form or WalkInsForm(),
        "error": error,
        "self_url": _checkin_url(occurrence),
        **_attendance_context(occurrence, timezone.now()),
    }
    return render(request, "events/door/checkin.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_organize_events)
def checkin_view(
    request: AuthenticatedRequest, organization: Organization, event_id: int, occurrence_id: int
) -> HttpResponseBase:
    """The door, on a phone: look a code up (from the QR code's address, typed or scanned),
    check people in by code or by name, count walk-ins, and see the counts so far.
    ``?part=attendance`` answers the counts alone, for the page to refresh them."""
    event = queries.access_event(organization, event_id)
    occurrence = queries.access_occurrence(event, occurrence_id)
    if request.method == "GET" and request.GET.get("part") == "attendance":
        context = {
            "organization": organization,
            "occurrence": occurrence,
            "self_url": _checkin_url(occurrence),
        }
        context.update(_attendance_context(occurrence, timezone.now()))
        return render(request, "events/door/_attendance.html", context)
    if request.method == "GET":
        return _door_page(request, occurrence)
    action = request.POST.get("action")
    if action == "code":
        return _check_in_code(request, occurrence)
    if action == "name":
        return _check_in_name(request, occurrence)
    if action == "walk_ins":
        return _walk_ins(request, occurrence)
    return _door_page(request, occurrence, error=_("Choose what to do."), status=400)


def _check_in_code(request: AuthenticatedRequest, occurrence: Occurrence) -> HttpResponseBase:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            rsvp = checkin.check_in_by_code(
                request.user, occurrence, form.cleaned_data["code"], now=timezone.now()
            )
        except ServiceError as error:
            add_service_errors(form, error)
        else:
            name = queries.attendee_name(rsvp)
            messages.success(request, _("%(name)s is checked in.") % {"name": name})
            return redirect(_checkin_url(occurrence))
    return _door_page(request, occurrence, code_form=form, status=400)


def _check_in_name(request: AuthenticatedRequest, occurrence: Occurrence) -> HttpResponseBase:
    form = NameCheckInForm(request.POST)
    query = request.POST.get("q", "")[:120]
    if not form.is_valid():
        return _door_page(
            request, occurrence, error=_("Choose a person from the list."), status=400
        )
    rsvp = queries.access_confirmed_rsvp(occurrence, form.cleaned_data["rsvp"])
    try:
        checkin.check_in_by_name(request.user, rsvp, now=timezone.now())
    except ServiceError as error:
        name = queries.attendee_name(rsvp)
        return _door_page(request, occurrence, error=f"{name}: {error.message}", status=400)
    messages.success(request, _("%(name)s is checked in.") % {"name": queries.attendee_name(rsvp)})
    return redirect(_checkin_url(occurrence, q=query))


def _walk_ins(request: AuthenticatedRequest, occurrence: Occurrence) -> HttpResponseBase:
    form = WalkInsForm(request.POST)
    if form.is_valid():
        try:
            changed = checkin.add_walk_ins(request.user, occurrence, form.cleaned_data["count"])
        except ServiceError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Walk-ins counted: %(count)d.") % {"count": changed.walk_ins}
            )
            return redirect(_checkin_url(occurrence))
    return _door_page(request, occurrence, walk_ins_form=form, status=400)


# Recaps -----------------------------------------------------------------------------------


def _languages(organization: Organization) -> list[tuple[str, str]]:
    """The organisation's published languages, with their names, in its order."""
    names = dict(settings.LANGUAGES)
    codes = [code for code in organization.languages or [] if code in names]
    return [(code, str(names[code])) for code in codes or [settings.LANGUAGE_CODE[:2]]]


def _summary_form(organization: Organization, recap: Recap | None, data: Any = None) -> SummaryForm:
    initial = {}
    if recap is not None:
        initial = {
            f"summary_{code}": parts.get("summary", "")
            for code, parts in (recap.texts or {}).items()
        }
    return SummaryForm(data, languages=_languages(organization), initial=initial)


def _recap_page(
    request: AuthenticatedRequest,
    event: Event,
    recap: Recap | None,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = event.organization
    forms = forms or {}
    now = timezone.now()
    context: dict[str, Any] = {
        "organization": organization,
        "event": event,
        "title": queries.title_of(event),
        "recap": recap,
        "published": event.status == EventStatus.PUBLISHED,
        "over": queries.event_is_over(event, now),
        "summary_form": forms.get("summary") or _summary_form(organization, recap),
    }
    if recap is None:
        context["commitment_formset"] = forms.get("commitments") or CommitmentFormSet(
            prefix="commitments"
        )
    else:
        context.update(
            {
                "published_at": queries.local_datetime(organization, recap.published_at),
                "commitments": queries.commitments_of(recap),
                "photos": queries.photos_of(recap),
                "commitment_form": forms.get("commitment")
                or NewCommitmentForm(prefix="commitment"),
                "photo_form": forms.get("photo") or PhotoForm(prefix="photo"),
                "max_photos": recaps.MAX_PHOTOS,
                "max_commitments": recaps.MAX_COMMITMENTS,
            }
        )
    return render(request, "events/door/recap_edit.html", context, status=status)


def _to_recap(event: Event) -> HttpResponseBase:
    return redirect("events:recap_edit", org_slug=event.organization.slug, event_id=event.pk)


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_organize_events)
def recap_edit(
    request: AuthenticatedRequest, organization: Organization, event_id: int
) -> HttpResponseBase:
    """Publish the recap of an event that is over, then correct its summary, add
    commitments and photos (each with its description and the consent confirmed)."""
    event = queries.access_event(organization, event_id)
    recap = queries.recap_of(event)
    if request.method == "GET":
        return _recap_page(request, event, recap)
    action = request.POST.get("action")
    if recap is None:
        return _publish(request, event)
    if action == "summary":
        return _edit_summary(request, event, recap)
    if action == "commitment":
        return _add_commitment(request, event, recap)
    if action == "photo":
        return _add_photo(request, event, recap)
    if action == "remove_photo":
        return _remove_photo(request, event, recap)
    form = _summary_form(organization, recap)
    form.add_error(None, _("Choose what to do."))
    return _recap_page(request, event, recap, {"summary": form}, status=400)


def _publish(request: AuthenticatedRequest, event: Event) -> HttpResponseBase:
    form = _summary_form(event.organization, None, request.POST)
    formset = CommitmentFormSet(request.POST, prefix="commitments")
    forms = {"summary": form, "commitments": formset}
    if not (form.is_valid() and formset.is_valid()):
        return _recap_page(request, event, None, forms, status=400)
    given = [
        (index, f.cleaned_data["text"], f.cleaned_data.get("due_on"))
        for index, f in enumerate(formset.forms)
        if (f.cleaned_data.get("text") or "").strip()
    ]
    try:
        recaps.publish_recap(
            request.user,
            event,
            texts=form.texts(),
            commitments=[(text, due_on) for _index, text, due_on in given],
            now=timezone.now(),
        )
    except Errors as error:
        errors = error.errors if isinstance(error, ServiceErrors) else [error]
        for item in errors:
            position = (item.field or "").removeprefix("commitment_")
            if item.field and item.field.startswith("commitment_") and position.isdigit():
                formset.forms[given[int(position)][0]].add_error("text", item.message)
            else:
                add_service_errors(form, item)
        return _recap_page(request, event, None, forms, status=400)
    messages.success(request, _("The recap is published."))
    return _to_recap(event)


def _edit_summary(request: AuthenticatedRequest, event: Event, recap: Recap) -> HttpResponseBase:
    form = _summary_form(event.organization, recap, request.POST)
    if form.is_valid():
        try:
            recaps.edit_recap(request.user, recap, texts=form.texts())
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The recap is saved."))
            return _to_recap(event)
    return _recap_page(request, event, recap, {"summary": form}, status=400)


def _add_commitment(request: AuthenticatedRequest, event: Event, recap: Recap) -> HttpResponseBase:
    form = NewCommitmentForm(request.POST, prefix="commitment")
    if form.is_valid():
        try:
            recaps.add_commitment(
                request.user,
                recap,
                text=form.cleaned_data["text"],
                due_on=form.cleaned_data.get("due_on"),
            )
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The commitment is added."))
            return _to_recap(event)
    return _recap_page(request, event, recap, {"commitment": form}, status=400)


def _add_photo(request: AuthenticatedRequest, event: Event, recap: Recap) -> HttpResponseBase:
    form = PhotoForm(request.POST, request.FILES, prefix="photo")
    if form.is_valid():
        try:
            recaps.add_photo(
                request.user,
                recap,
                image=form.cleaned_data["image"],
                alt=form.cleaned_data["alt"],
                consent=form.cleaned_data["consent"],
            )
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The photo is published."))
            return _to_recap(event)
    return _recap_page(request, event, recap, {"photo": form}, status=400)


def _remove_photo(request: AuthenticatedRequest, event: Event, recap: Recap) -> HttpResponseBase:
    form = RemovePhotoForm(request.POST, prefix="remove")
    if not form.is_valid():
        photo_form = PhotoForm(prefix="photo")
        photo_form.add_error(None, _("Choose a photo to remove."))
        return _recap_page(request, event, recap, {"photo": photo_form}, status=400)
    photo = queries.access_photo(recap, form.cleaned_data["photo"])
    recaps.remove_photo(request.user, photo)
    messages.success(request, _("The photo is removed."))
    return _to_recap(event)


# Commitments ------------------------------------------------------------------------------


@require_GET
@staff_view(rules.can_organize_events)
def commitments_view(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    """Every commitment still open, and those closed in the last year, with their event."""
    board = queries.commitment_board(organization, timezone.now(), closed_days=365)
    context = {"organization": organization, "board": board}
    return render(request, "events/door/commitments.html", context)


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_organize_events)
def commitment_view(
    request: AuthenticatedRequest, organization: Organization, commitment_id: int
) -> HttpResponseBase:
    """Follow one commitment up: news, done, or dropped with the reason the public reads."""
    commitment = queries.access_commitment(organization, commitment_id)
    form = FollowUpForm(request.POST or None, initial={"status": commitment.status})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                recaps.follow_up(
                    request.user,
                    commitment,
                    status=form.cleaned_data["status"],
                    update=form.cleaned_data["update"],
                    now=timezone.now(),
                )
            except ServiceError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The commitment is updated."))
                return redirect("events:commitments", org_slug=organization.slug)
        commitment = queries.access_commitment(organization, commitment_id)
    event = commitment.recap.event
    context = {
        "organization": organization,
        "commitment": commitment,
        "event": event,
        "title": queries.title_of(event),
        "form": form,
        "closed_at": (
            queries.local_datetime(organization, commitment.closed_at)
            if commitment.closed_at
            else ""
        ),
    }
    return render(request, "events/door/commitment.html", context, status=status)


# The engagement log -----------------------------------------------------------------------


def _areas(organization: Organization) -> list[Area]:
    return list(scoped(Area, organization).order_by("name", "id"))


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_log_contacts)
def contacts_view(request: AuthenticatedRequest, organization: Organization) -> HttpResponseBase:
    """Log an informal contact (what, where, how long, how many; never who), and see one's
    own latest entries."""
    today = queries.local_today(organization, timezone.now())
    form = ContactForm(
        request.POST or None,
        areas=_areas(organization),
        initial={"happened_on": today, "people": 1},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                engagement.log_contact(
                    request.user,
                    organization,
                    kind=data["kind"],
                    topic=data["topic"],
                    minutes=data["minutes"],
                    people=data["people"],
                    happened_on=data["happened_on"],
                    today=today,
                    area=form.chosen_area(),
                )
            except Errors as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The contact is logged. Thank you."))
                return redirect("events:contacts", org_slug=organization.slug)
    context = {
        "organization": organization,
        "form": form,
        "contacts": queries.recent_contacts(request.user, organization),
    }
    return render(request, "events/door/contacts.html", context, status=status)


@require_GET
@public_view
def engagement_view(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Informal contacts, minutes and people per area over a period (the last 90 days unless
    ``?from=`` and ``?to=`` say otherwise): counts only, never topics or officers."""
    today = queries.local_today(organization, timezone.now())
    asked = "from" in request.GET or "to" in request.GET
    form = PeriodForm(request.GET if asked else None, today=today)
    end, start = today, today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    status = 200
    if asked and form.is_valid():
        end = form.cleaned_data.get("to") or today
        start = form.cleaned_data.get("from") or end - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    elif asked:
        status = 400
    rows = engagement.by_area(organization, start, end + dt.timedelta(days=1))
    context = {
        "organization": organization,
        "form": form,
        "start": start,
        "end": end,
        "rows": [(queries.area_label(row), row) for row in rows],
        "totals": {
            "contacts": sum(r.contacts for r in rows),
            "minutes": sum(r.minutes for r in rows),
            "people": sum(r.people for r in rows),
        },
        "chart": queries.contacts_chart(rows),
    }
    response = render(request, "events/door/engagement.html", context, status=status)
    return make_public(request, response)
