"""Pages of initiatives: public (published only) and staff (drafting and publishing)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trustbridge.core import rules
from trustbridge.core.access import public_view, staff_view
from trustbridge.core.errors import ServiceError, ServiceErrors
from trustbridge.core.forms import add_service_errors
from trustbridge.core.http import image_response, make_public
from trustbridge.core.models import Organization
from trustbridge.core.typing import AuthenticatedRequest
from trustbridge.transparency import initiative_queries as queries
from trustbridge.transparency import initiatives as services
from trustbridge.transparency.initiative_forms import (
    FollowForm,
    InitiativeForm,
    MilestoneForm,
    StoryForm,
    UpdateForm,
)
from trustbridge.transparency.models import Initiative

# Public ------------------------------------------------------------------------------------


@require_GET
@public_view
def initiative_list(request: HttpRequest, organization: Organization) -> HttpResponse:
    context: dict[str, Any] = {
        "organization": organization,
        "initiatives": list(queries.published_initiatives(organization)),
        "stories": list(queries.published_stories(organization)[:10]),
    }
    return make_public(request, render(request, "transparency/initiatives/list.html", context))


@require_GET
@public_view
def initiative_detail(
    request: HttpRequest, organization: Organization, initiative_slug: str
) -> HttpResponse:
    initiative = queries.access_published_initiative(organization, initiative_slug)
    context: dict[str, Any] = {
        "organization": organization,
        "initiative": initiative,
        "milestones": queries.milestones_of(initiative),
        "updates": queries.updates_of(initiative),
        "stories": list(queries.published_stories(organization).filter(initiative=initiative)),
        "before_after": queries.before_after(initiative),
    }
    return make_public(request, render(request, "transparency/initiatives/detail.html", context))


@require_GET
@public_view
def update_photo(
    request: HttpRequest, organization: Organization, initiative_slug: str, update_id: int
) -> HttpResponse:
    """The photo of a published initiative's update (already stripped of its metadata)."""
    initiative = queries.access_published_initiative(organization, initiative_slug)
    update = queries.access_update(initiative, update_id)
    if not update.photo:
        raise Http404
    return make_public(request, image_response(update.photo))


@require_http_methods(["GET", "POST"])
@public_view
def follow(request: HttpRequest, organization: Organization, initiative_slug: str) -> HttpResponse:
    """Ask for e-mail updates: the answer is the same whether or not the address follows."""
    initiative = queries.access_published_initiative(organization, initiative_slug)
    form = FollowForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            if not form.is_robot():
                services.request_follow(initiative=initiative, email=form.cleaned_data["email"])
        except ServiceError as error:
            add_service_errors(form, error)
            status = 429 if isinstance(error, services.TooManyFollowRequests) else 400
        else:
            sent = {"organization": organization, "initiative": initiative}
            return render(request, "transparency/initiatives/follow_sent.html", sent)
    context: dict[str, Any] = {"organization": organization, "initiative": initiative, "form": form}
    return render(request, "transparency/initiatives/follow.html", context, status=status)


def _link_problem(
    request: HttpRequest, organization: Organization, error: ServiceError
) -> HttpResponse:
    context: dict[str, Any] = {"organization": organization, "message": error.message}
    return render(request, "transparency/initiatives/link_problem.html", context, status=400)


@require_GET
@public_view
def follow_confirm(request: HttpRequest, organization: Organization, token: str) -> HttpResponse:
    try:
        follower = services.confirm_follow(organization=organization, token=token)
    except ServiceError as error:
        return _link_problem(request, organization, error)
    context: dict[str, Any] = {"organization": organization, "initiative": follower.initiative}
    return render(request, "transparency/initiatives/follow_confirmed.html", context)


# Mail programs post here without a form ("List-Unsubscribe-Post: One-Click"); the signed
# token in the address is the capability, so a forged request can unsubscribe nobody.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@public_view
def unfollow(request: HttpRequest, organization: Organization, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            services.unfollow(organization=organization, token=token)
            context: dict[str, Any] = {"organization": organization, "done": True}
        else:
            follower = services.follower_for_unsubscribe(organization=organization, token=token)
            context = {
                "organization": organization,
                "done": follower is None,
                "initiative": follower.initiative if follower else None,
                "token": token,
            }
    except ServiceError as error:
        return _link_problem(request, organization, error)
    return render(request, "transparency/initiatives/unfollow.html", context)


@require_GET
@public_view
def story_detail(request: HttpRequest, organization: Organization, story_slug: str) -> HttpResponse:
    story = queries.access_published_story(organization, story_slug)
    context: dict[str, Any] = {"organization": organization, "story": story}
    return make_public(request, render(request, "transparency/initiatives/story.html", context))


@require_GET
@public_view
def story_list(request: HttpRequest, organization: Organization) -> HttpResponse:
    context: dict[str, Any] = {
        "organization": organization,
        "stories": list(queries.published_stories(organization)),
    }
    return make_public(request, render(request, "transparency/initiatives/stories.html", context))


# Staff -------------------------------------------------------------------------------------


def _changeable(request: AuthenticatedRequest, organization: Organization, slug: str) -> Initiative:
    """An initiative the visitor may change: 404 if not the organisation's, 403 if published
    and the visitor's role may only draft."""
    initiative = queries.access_initiative(organization, slug)
    if not rules.can_change_initiative(request.user, initiative):
        raise PermissionDenied
    return initiative


@require_GET
@staff_view(rules.can_manage_initiatives)
def staff_initiatives(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    initiatives = list(queries.initiatives_of(organization))
    context: dict[str, Any] = {
        "organization": organization,
        "rows": [(i, rules.can_change_initiative(request.user, i)) for i in initiatives],
        "can_publish": rules.can_publish_initiatives(request.user, organization),
        "stories": list(queries.stories_of(organization).order_by("-published_at", "-id")),
    }
    return render(request, "transparency/staff/initiatives.html", context)


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_manage_initiatives)
def staff_initiative_create(
    request: AuthenticatedRequest, organization: Organization
) -> HttpResponse:
    form = InitiativeForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.create_initiative(
                actor=request.user, organization=organization, **form.cleaned_data
            )
        except (ServiceError, ServiceErrors) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Initiative saved as a draft."))
            return redirect(
                "transparency:staff_initiative",
                org_slug=organization.slug,
                initiative_slug=initiative.slug,
            )
    context: dict[str, Any] = {"organization": organization, "form": form}
    return render(request, "transparency/staff/initiatives_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_manage_initiatives)
def staff_initiative(
    request: AuthenticatedRequest, organization: Organization, initiative_slug: str
) -> HttpResponse:
    """Edit an initiative; its milestones and updates are listed and added from here."""
    initiative = _changeable(request, organization, initiative_slug)
    initial = {
        "title": initiative.title,
        "summary": initiative.summary,
        "goal": initiative.goal,
        "status": initiative.status,
        "areas": list(initiative.areas.all()),
        "categories": list(initiative.categories.all()),
        "started_on": initiative.started_on,
        "ended_on": initiative.ended_on,
    }
    form = InitiativeForm(request.POST or None, initial=initial, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_initiative(
                actor=request.user, initiative=initiative, **form.cleaned_data
            )
        except (ServiceError, ServiceErrors) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Initiative saved."))
            return redirect(
                "transparency:staff_initiative",
                org_slug=organization.slug,
                initiative_slug=initiative.slug,
            )
    context: dict[str, Any] = {
        "organization": organization,
        "initiative": initiative,
        "form": form,
        "milestone_form": MilestoneForm(),
        "milestones": queries.milestones_of(initiative),
        "updates": queries.updates_of(initiative),
        "followers": queries.followers_count(initiative),
        "can_publish": rules.can_publish_initiatives(request.user, organization),
    }
    return render(request, "transparency/staff/initiatives_form.html", context)


@require_POST
@staff_view(rules.can_manage_initiatives)
def staff_milestone_add(
    request: AuthenticatedRequest, organization: Organization, initiative_slug: str
) -> HttpResponse:
    initiative = _changeable(request, organization, initiative_slug)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.add_milestone(actor=request.user, initiative=initiative, **form.cleaned_data)
        except (ServiceError, ServiceErrors) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Milestone added."))
            return redirect(
                "transparency:staff_initiative",
                org_slug=organization.slug,
                initiative_slug=initiative.slug,
            )
    context: dict[str, Any] = {"organization": organization, "initiative": initiative, "form": form}
    return render(request, "transparency/staff/initiatives_milestone.html", context, status=400)


@require_POST
@staff_view(rules.can_manage_initiatives)
def staff_milestone_done(
    request: AuthenticatedRequest,
    organization: Organization,
    initiative_slug: str,
    milestone_id: int,
) -> HttpResponse:
    initiative = _changeable(request, organization, initiative_slug)
    milestone = queries.access_milestone(initiative, milestone_id)
    services.complete_milestone(actor=request.user, milestone=milestone)
    messages.success(request, _("Milestone marked as done."))
    return redirect(
        "transparency:staff_initiative", org_slug=organization.slug, initiative_slug=initiative.slug
    )


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_manage_initiatives)
def staff_update_create(
    request: AuthenticatedRequest, organization: Organization, initiative_slug: str
) -> HttpResponse:
    initiative = _changeable(request, organization, initiative_slug)
    form = UpdateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(actor=request.user, initiative=initiative, **form.cleaned_data)
        except (ServiceError, ServiceErrors) as error:
            add_service_errors(form, error)
        else:
            if initiative.published:
                messages.success(request, _("Update published and e-mailed to followers."))
            else:
                messages.success(
                    request, _("Update saved. It will be public once the initiative is published.")
                )
            return redirect(
                "transparency:staff_initiative",
                org_slug=organization.slug,
                initiative_slug=initiative.slug,
            )
    context: dict[str, Any] = {"organization": organization, "initiative": initiative, "form": form}
    return render(request, "transparency/staff/initiatives_update.html", context)


@require_POST
@staff_view(rules.can_publish_initiatives)
def staff_initiative_publish(
    request: AuthenticatedRequest, organization: Organization, initiative_slug: str
) -> HttpResponse:
    initiative = queries.access_initiative(organization, initiative_slug)
    services.set_initiative_published(actor=request.user, initiative=initiative, published=True)
    messages.success(request, _("Initiative published."))
    return redirect(
        "transparency:staff_initiative", org_slug=organization.slug, initiative_slug=initiative.slug
    )


@require_POST
@staff_view(rules.can_publish_initiatives)
def staff_initiative_unpublish(
    request: AuthenticatedRequest, organization: Organization, initiative_slug: str
) -> HttpResponse:
    initiative = queries.access_initiative(organization, initiative_slug)
    services.set_initiative_published(actor=request.user, initiative=initiative, published=False)
    messages.success(request, _("Initiative withdrawn from the public pages."))
    return redirect(
        "transparency:staff_initiative", org_slug=organization.slug, initiative_slug=initiative.slug
    )


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_publish_initiatives)
def staff_story_create(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    form = StoryForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_story(
                actor=request.user, organization=organization, **form.cleaned_data
            )
        except (ServiceError, ServiceErrors) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Success story published."))
            return redirect("transparency:staff_initiatives", org_slug=organization.slug)
    context: dict[str, Any] = {"organization": organization, "form": form}
    return render(request, "transparency/staff/initiatives_story.html", context)


@require_POST
@staff_view(rules.can_publish_initiatives)
def staff_story_delete(
    request: AuthenticatedRequest, organization: Organization, story_slug: str
) -> HttpResponse:
    story = queries.access_story(organization, story_slug)
    services.delete_story(actor=request.user, story=story)
    messages.success(request, _("Success story deleted."))
    return redirect("transparency:staff_initiatives", org_slug=organization.slug)
