"""The resident pages: send feedback, follow it by its private link, answer the survey.

None needs an account. The private pages (tracking, survey) are reached only with the
secret in their address; they are never cached, never indexed, and send no referrer.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from trustbridge.core.access import public_view
from trustbridge.core.errors import ServiceError, ServiceErrors
from trustbridge.core.forms import add_service_errors
from trustbridge.core.http import make_private
from trustbridge.core.models import Organization
from trustbridge.feedback import abuse, intake
from trustbridge.feedback import resident_queries as queries
from trustbridge.feedback import survey as surveys
from trustbridge.feedback.defaults import category_label
from trustbridge.feedback.models import OPEN_STATUSES, Item, Status
from trustbridge.feedback.resident_forms import FeedbackForm, MessageForm, SurveyForm


def _too_many(response: HttpResponse, error: abuse.TooManySubmissions) -> HttpResponse:
    response["Retry-After"] = str(error.retry_after)
    return response


@require_http_methods(["GET", "POST"])
@public_view
def new(request: HttpRequest, organization: Organization) -> HttpResponse:
    """One short form. Over a rate limit or on a repeat, the page comes back with everything
    the resident typed (photos must be attached again: browsers never refill them)."""
    areas = queries.areas_of(organization)
    form = FeedbackForm(
        request.POST or None,
        request.FILES or None,
        categories=queries.category_choices(organization),
        areas=areas,
        allow_anonymous=queries.allows_anonymous(organization),
    )
    if request.method == "POST" and form.is_robot():
        # Answer as if it worked, with a link that leads nowhere; store nothing.
        fake = reverse(
            "feedback:track",
            kwargs={
                "org_slug": organization.slug,
                "reference": intake.new_reference(),
                "secret": secrets.token_urlsafe(24),
            },
        )
        return redirect(fake)
    status, notice, limited = 200, "", None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                submitted = intake.submit_item(
                    actor=request.user,
                    organization=organization,
                    submission=form.submission(language=get_language()),
                    photos=form.cleaned_data["photos"],
                    sender=abuse.web_sender(request),
                )
            except abuse.TooManySubmissions as error:
                status, notice, limited = 429, error.message, error
            except abuse.DuplicateSubmission as error:
                status, notice = 409, error.message
            except (ServiceError, ServiceErrors) as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Thank you. We have received your message."))
                return redirect(submitted.tracking_path)
    context: dict[str, Any] = {
        "organization": organization,
        "form": form,
        "notice": notice,
        "place_map": queries.place_map(areas),
    }
    response = render(request, "feedback/resident/new.html", context, status=status)
    abuse.remember_device(request, response)
    return _too_many(response, limited) if limited else response


@require_http_methods(["GET", "POST"])
@public_view
def track(
    request: HttpRequest, organization: Organization, reference: str, secret: str
) -> HttpResponse:
    """The resident's private page: status, public timeline, replies, and a way to write."""
    item = queries.access_tracked_item(organization, reference, secret)
    link = request.build_absolute_uri(queries.tracking_path(item, secret))
    return _tracking_page(request, organization, item, link)


@require_http_methods(["GET", "POST"])
@public_view
def track_signed(request: HttpRequest, organization: Organization, reference: str) -> HttpResponse:
    """The same page, reached from an update e-mail by a signed link that lasts 30 days."""
    try:
        item = queries.access_signed_item(organization, reference, request.GET.get("t", ""))
    except queries.LinkExpired:
        context = {"organization": organization}
        return make_private(
            render(request, "feedback/resident/link_expired.html", context, status=410)
        )
    return _tracking_page(request, organization, item, link=None)


def _tracking_page(
    request: HttpRequest, organization: Organization, item: Item, link: str | None
) -> HttpResponse:
    """``link`` is the private link to show, when the page was reached by it."""
    form = MessageForm(request.POST or None)
    status, limited = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                intake.add_resident_message(
                    actor=request.user,
                    item=item,
                    text=form.cleaned_data["message"],
                    sender=abuse.web_sender(request),
                )
            except abuse.TooManySubmissions as error:
                add_service_errors(form, error)
                status, limited = 429, error
            except ServiceError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your message has been sent."))
                return make_private(redirect(request.get_full_path()))
    context: dict[str, Any] = {
        "organization": organization,
        "item": item,
        "category": category_label(item.category),
        "events": list(queries.timeline(item)),
        "form": form,
        "is_open": item.status in OPEN_STATUSES,
        "waiting": item.status == Status.WAITING,
        "link": link,
        "signed_link_days": queries.SIGNED_LINK_DAYS,
    }
    response = make_private(render(request, "feedback/resident/track.html", context, status=status))
    return _too_many(response, limited) if limited else response


@require_http_methods(["GET", "POST"])
@public_view
def survey(
    request: HttpRequest, organization: Organization, reference: str, secret: str
) -> HttpResponse:
    """The three questions, answered once."""
    found = queries.access_survey(organization, reference, secret)
    form = SurveyForm(request.POST or None)
    status = 200
    if request.method == "POST" and found.answered_at is None:
        status = 400
        if form.is_valid():
            try:
                surveys.answer_survey(survey=found, **form.cleaned_data)
            except ServiceErrors as error:
                add_service_errors(form, error)
            except ServiceError:  # answered meanwhile (another tab): the page says so
                return make_private(redirect(request.path))
            else:
                return make_private(redirect(request.path))
    context: dict[str, Any] = {
        "organization": organization,
        "survey": found,
        "item": found.item,
        "form": form,
    }
    return make_private(render(request, "feedback/resident/survey.html", context, status=status))
