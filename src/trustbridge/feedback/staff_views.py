"""Staff pages of feedback under /o/<slug>/staff/feedback/: the inbox and the conduct queue,
one item and everything done to it, the moderation queue, and the settings (categories and
their targets, teams, canned replies, the working calendar).

Views parse, call ``workflow`` (changes) or ``inbox`` (reads), and render. Every item is
reached through ``inbox.access_item``: not found alike when it is missing, another
organisation's, of a queue that is not the viewer's, or about the viewer.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trustbridge.accounts.models import User
from trustbridge.core import rules
from trustbridge.core.access import staff_view
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.forms import add_service_errors
from trustbridge.core.http import image_response
from trustbridge.core.models import Organization
from trustbridge.core.tenancy import get_scoped_or_404
from trustbridge.core.typing import AuthenticatedRequest
from trustbridge.feedback import inbox, workflow
from trustbridge.feedback.defaults import category_description, category_label
from trustbridge.feedback.inbox import Queue
from trustbridge.feedback.models import (
    CannedReply,
    Category,
    CloseReason,
    Holiday,
    Item,
    Kind,
    Status,
    Team,
)
from trustbridge.feedback.staff_forms import (
    WEEKDAYS,
    AssignForm,
    BulkForm,
    CalendarForm,
    CannedChoiceForm,
    CannedReplyForm,
    CategoryForm,
    HolidayForm,
    InboxFilterForm,
    MergeForm,
    ModerateForm,
    NoteForm,
    ReplyForm,
    StatusForm,
    SubjectForm,
    TeamForm,
)
from trustbridge.feedback.targets import Flag, flag

Errors = (ServiceError, ServiceErrors)


def _nav(user: User, organization: Organization, current: str) -> dict[str, Any]:
    return {
        "current": current,
        "inbox": rules.can_work_feedback(user, organization),
        "conduct": rules.can_work_conduct_complaints(user, organization),
        "moderation": rules.can_moderate_feedback(user, organization),
        "settings": rules.can_configure_feedback(user, organization),
    }


def staff_page(
    request: AuthenticatedRequest,
    organization: Organization,
    template: str,
    current: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    context = {
        "organization": organization,
        "nav": _nav(request.user, organization, current),
        **context,
    }
    return render(request, f"feedback/staff/{template}", context, status=status)


# Queues ----------------------------------------------------------------------------------


def _queue_page(
    request: AuthenticatedRequest,
    organization: Organization,
    queue: Queue,
    bulk_form: BulkForm | None = None,
) -> HttpResponse:
    viewer = request.user
    filter_form = InboxFilterForm(
        request.GET or None, organization=organization, viewer=viewer, queue=queue
    )
    if filter_form.is_bound:
        filter_form.is_valid()
    filters = filter_form.filters()
    now = timezone.now()
    page = inbox.inbox_page(
        viewer,
        organization,
        filters,
        queue=queue,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        now=now,
    )
    references = [row.item.reference for row in page.rows]
    if bulk_form is None:
        bulk_form = BulkForm(organization=organization, queue=queue, references=references)
    selected = set(bulk_form["items"].value() or []) if bulk_form.is_bound else set()
    query = request.GET.copy()
    for name in ("after", "before"):
        query.pop(name, None)
    context = {
        "queue": str(queue),
        "filter_form": filter_form,
        "filters": filters,
        "page": page,
        "rows": [
            {
                "row": row,
                "category": category_label(row.item.category),
                "assignee": inbox.staff_name(row.item.assignee) if row.item.assignee else "",
                "selected": row.item.reference in selected,
            }
            for row in page.rows
        ],
        "bulk_form": bulk_form,
        "query": query.urlencode(),
        "FLAG": Flag,
    }
    template = "conduct.html" if queue == Queue.CONDUCT else "inbox.html"
    return staff_page(request, organization, template, str(queue), context)


@require_GET
@staff_view(rules.can_enter_feedback)
def inbox_view(request: AuthenticatedRequest, organization: Organization) -> HttpResponseBase:
    """The inbox of ordinary feedback; professional standards go on to their own queue."""
    if not rules.can_work_feedback(request.user, organization):
        return redirect("feedback:staff_conduct", org_slug=organization.slug)
    return _queue_page(request, organization, Queue.INBOX)


@require_GET
@staff_view(rules.can_work_conduct_complaints)
def conduct_view(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    """The restricted queue of complaints about conduct."""
    return _queue_page(request, organization, Queue.CONDUCT)


@require_POST
@staff_view(rules.can_enter_feedback)
def bulk_view(request: AuthenticatedRequest, organization: Organization) -> HttpResponseBase:
    """One action on the ticked items, all or nothing. The address keeps the inbox's
    filters, so that a refusal shows the same page again with the same ticks."""
    queue = Queue.CONDUCT if request.POST.get("queue") == Queue.CONDUCT else Queue.INBOX
    base = inbox.queue_items(request.user, organization, queue)  # 403 if not the viewer's
    asked = {str(r)[:20] for r in request.POST.getlist("items")}
    items = list(
        base.filter(reference__in=list(asked)[: workflow.MAX_BULK + 1]).select_related(
            "organization", "category"
        )
    )
    found = sorted(i.reference for i in items)
    # Only the items found in the viewer's queue go back into the form, so that a reference
    # the viewer may not see is never echoed, whether it exists or not.
    posted = request.POST.copy()
    posted.setlist("items", found)
    form = BulkForm(posted, organization=organization, queue=queue, references=found)
    if form.is_valid() and len(found) < len(asked):
        form.add_error(
            "items",
            _("Some selected items are no longer in this queue. Nothing was changed."),
        )
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = workflow.bulk(
                request.user,
                items,
                data["action"],
                user=_member(organization, data.get("assignee")),
                team=_team(organization, data.get("team")),
                status=data.get("status") or "",
                reason=data.get("reason") or "",
            )
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(count)s items changed.") % {"count": changed},
            )
            name = "feedback:staff_conduct" if queue == Queue.CONDUCT else "feedback:staff_inbox"
            target = reverse(name, args=[organization.slug])
            return redirect(f"{target}?{request.GET.urlencode()}" if request.GET else target)
    return _queue_page(request, organization, queue, bulk_form=form)


def _member(organization: Organization, user_id: int | None) -> User | None:
    """A person chosen in a form; the services check what they may do."""
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, memberships__organization=organization).first()
    if user is None:
        raise ServiceError(ErrorCode.INVALID, _("Choose a person from the list."), "user")
    return user


def _team(organization: Organization, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = inbox.teams_of(organization).filter(pk=team_id).first()
    if team is None:
        raise ServiceError(ErrorCode.INVALID, _("Choose a team from the list."), "team")
    return team


# One item --------------------------------------------------------------------------------


def _item_page(
    request: AuthenticatedRequest,
    organization: Organization,
    item: Item,
    forms: dict[str, Any] | None = None,
    show_contact: bool = False,
) -> HttpResponse:
    viewer = request.user
    forms = forms or {}
    canned_form = CannedChoiceForm(
        request.GET if "canned" in request.GET else None, organization=organization
    )
    reply_initial = {}
    if canned_form.is_bound and canned_form.is_valid():
        canned = inbox.access_canned(organization, canned_form.cleaned_data["canned"])
        if canned is not None:
            reply_initial["text"] = inbox.canned_text(canned, item.language)
    may_conduct = rules.can_work_conduct_complaints(viewer, organization)
    context = {
        "item": item,
        "category": category_label(item.category),
        "category_description": category_description(item.category),
        "flag": flag(item, timezone.now()),
        "FLAG": Flag,
        "history": inbox.history(viewer, item),
        "photos": inbox.photos_of(item),
        "possible_duplicates": inbox.possible_duplicates(viewer, item),
        "merged_here": inbox.duplicates_of(viewer, item),
        "assignee": inbox.staff_name(item.assignee) if item.assignee else "",
        "subject": inbox.staff_name(item.subject) if item.subject else "",
        "show_contact": show_contact,
        "has_contact": bool(item.contact_name or item.contact_email or item.contact_phone),
        "canned_form": canned_form,
        "has_canned": bool(canned_form.fields["canned"].choices),  # type: ignore[attr-defined]
        "reply_form": forms.get("reply") or ReplyForm(prefix="reply", initial=reply_initial),
        "note_form": forms.get("note") or NoteForm(prefix="note"),
        "status_form": forms.get("status") or StatusForm(prefix="status", item=item),
        "assign_form": forms.get("assign")
        or AssignForm(
            prefix="assign",
            item=item,
            initial={"user": item.assignee_id, "team": item.team_id},
        ),
        "merge_form": forms.get("merge") or MergeForm(prefix="merge"),
        "subject_form": (
            forms.get("subject")
            or SubjectForm(
                prefix="subject", organization=organization, initial={"user": item.subject_id}
            )
        )
        if may_conduct and item.kind == Kind.CONDUCT
        else None,
        "can_change_status": bool(workflow.next_statuses(item.status)),
        "is_conduct": item.kind == Kind.CONDUCT,
        "CLOSED": Status.CLOSED,
        "DUPLICATE": CloseReason.DUPLICATE,
    }
    current = "conduct" if item.kind == Kind.CONDUCT else "inbox"
    return staff_page(request, organization, "item.html", current, context)


def _to_item(organization: Organization, item: Item) -> HttpResponseBase:
    return redirect("feedback:staff_item", org_slug=organization.slug, reference=item.reference)


@require_GET
@staff_view(rules.can_enter_feedback)
def item_view(
    request: AuthenticatedRequest, organization: Organization, reference: str
) -> HttpResponse:
    """One item: its details, history and every action on it. The resident's contact
    details appear only when asked for (``?contact=1``), which is audited, and never for
    a resident who asked to stay anonymous."""
    item = inbox.access_item(request.user, organization, reference)
    show_contact = request.GET.get("contact") == "1" and workflow.reveal_contact(request.user, item)
    return _item_page(request, organization, item, show_contact=show_contact)


@require_POST
@staff_view(rules.can_enter_feedback)
def item_reply(
    request: AuthenticatedRequest, organization: Organization, reference: str
) -> HttpResponseBase:
    item = inbox.access_item(request.user, organization, reference)
    form = ReplyForm(request.POST, prefix="reply")
    if form.is_valid():
        try:
            workflow.reply(request.user, item, form.cleaned_data["text"])
        except Errors as error:
            add_service_errors(form, error)
        else:
            if item.contact_email:
                messages.success(request, _("Reply sent: it is on the tracking page and e-mailed."))
            else:
                messages.success(request, _("Reply published on the resident's tracking page."))
            return _to_item(organization, item)
    return _item_page(request, organization, item, {"reply": form})


@require_POST
@staff_view(rules.can_enter_feedback)
def item_note(
    request: AuthenticatedRequest, organization: Organization, reference: str
) -> HttpResponseBase:
    item = inbox.access_item(request.user, organization, reference)
    form = NoteForm(request.POST, prefix="note")
    if form.is_valid():
        try:
            workflow.add_note(request.user, item, form.cleaned_data["text"])
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Note added."))
            return _to_item(organization, item)
    return _item_page(request, organization, item, {"note": form})


@require_POST
@staff_view(rules.can_enter_feedback)
def item_status(
    request: AuthenticatedRequest, organization: Organization, reference: str
) -> HttpResponseBase:
    item = inbox.access_item(request.user, organization, reference)
    form = StatusForm(request.POST, prefix="status", item=item)
    if form.is_valid():
        data = form.cleaned_data
        try:
            workflow.change_status(
                request.user,
                item,
                data["status"],
                reason=data.get("reason") or "",
                close_reason=data.get("close_reason") or "",
            )
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Status changed to “%(status)s”.") % {"status": item.get_status_display()},
            )
            return _to_item(organization, item)
    return _item_page(request, organization, item, {"status": form})


@require_POST
@staff_view(rules.can_enter_feedback)
def item_assign(
    request: AuthenticatedRequest, organization: Organization, reference: str
) -> HttpResponseBase:
    item = inbox.access_item(request.user, organization, reference)
    form = AssignForm(request.POST, prefix="assign", item=item)
    if form.is_valid():
        try:
            workflow.assign(
                request.user,
                item,
                user=_member(organization, form.cleaned_data.get("user")),
                team=_team(organization, form.cleaned_data.get("team")),
            )
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Assignment saved."))
            return _to_item(organization, item)
    return _item_page(request, organization, item, {"assign": form})


@require_POST
@staff_view(rules.can_enter_feedback)
def item_merge(
    request: AuthenticatedRequest, organization: Organization, reference: str
) -> HttpResponseBase:
    """Close this item as a duplicate of another, named by its tracking code."""
    item = inbox.access_item(request.user, organization, reference)
    form = MergeForm(request.POST, prefix="merge")
    if form.is_valid():
        original = (
            inbox.queue_items(request.user, organization, inbox.queue_of(item))
            .filter(reference=form.cleaned_data["original"])
            .first()
        )
        if original is None:
            form.add_error("original", _("No item of this queue has this tracking code."))
        else:
            try:
                workflow.merge(request.user, item, original, reason=form.cleaned_data["reason"])
            except Errors as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Merged into %(reference)s.") % {"reference": original.reference},
                )
                return _to_item(organization, item)
    return _item_page(request, organization, item, {"merge": form})


@require_POST
@staff_view(rules.can_enter_feedback)
def item_subject(
    request: AuthenticatedRequest, organization: Organization, reference: str
) -> HttpResponseBase:
    """Name the staff member a conduct complaint is about (professional standards only)."""
    item = inbox.access_item(request.user, organization, reference)
    if not rules.can_work_conduct_complaints(request.user, organization):
        raise PermissionDenied
    form = SubjectForm(request.POST, prefix="subject", organization=organization)
    if form.is_valid():
        try:
            subject = _member(organization, form.cleaned_data["user"])
            if subject is None:
                raise ServiceError(ErrorCode.INVALID, _("Choose a person from the list."), "user")
            workflow.set_subject(request.user, item, subject)
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Staff member concerned saved."))
            if not rules.can_see_feedback_item(request.user, item):  # they named themselves
                return redirect("feedback:staff_conduct", org_slug=organization.slug)
            return _to_item(organization, item)
    return _item_page(request, organization, item, {"subject": form})


@require_GET
@staff_view(rules.can_enter_feedback)
def photo_view(
    request: AuthenticatedRequest, organization: Organization, reference: str, photo_id: int
) -> HttpResponse:
    """A photo of an item, for staff who may see the item (already stripped of metadata)."""
    item = inbox.access_item(request.user, organization, reference)
    photo = inbox.access_photo(item, photo_id)
    response = image_response(photo.image)
    response["Cache-Control"] = "private, no-store"
    return response


# Moderation ------------------------------------------------------------------------------


def _moderation_page(
    request: AuthenticatedRequest,
    organization: Organization,
    bound: tuple[str, ModerateForm] | None = None,
) -> HttpResponse:
    entries, count, more = inbox.moderation_queue(request.user, organization)
    rows = []
    for entry in entries:
        reference = entry.item.reference
        if bound is not None and bound[0] == reference:
            form = bound[1]
        else:
            form = ModerateForm(
                prefix=f"m-{reference}",
                initial={"decision": "approve", "public_text": entry.suggestion},
            )
        rows.append({"entry": entry, "form": form, "category": category_label(entry.item.category)})
    context = {"rows": rows, "count": count, "more": more}
    return staff_page(request, organization, "moderation.html", "moderation", context)


@require_GET
@staff_view(rules.can_moderate_feedback)
def moderation_view(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    return _moderation_page(request, organization)


@require_POST
@staff_view(rules.can_moderate_feedback)
def moderate_view(
    request: AuthenticatedRequest, organization: Organization, reference: str
) -> HttpResponseBase:
    item = inbox.access_item(request.user, organization, reference)
    form = ModerateForm(request.POST, prefix=f"m-{item.reference}")
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            workflow.moderate(
                request.user, item, approve=approve, public_text=form.cleaned_data["public_text"]
            )
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(reference)s is now public.") % {"reference": item.reference}
                if approve
                else _("%(reference)s stays private.") % {"reference": item.reference},
            )
            return redirect("feedback:staff_moderation", org_slug=organization.slug)
    return _moderation_page(request, organization, (item.reference, form))


# Settings --------------------------------------------------------------------------------


@require_GET
@staff_view(rules.can_configure_feedback)
def settings_view(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    context = {"may_manage_keys": rules.can_manage_client_keys(request.user, organization)}
    return staff_page(request, organization, "settings.html", "settings", context)


@require_GET
@staff_view(rules.can_configure_feedback)
def categories_view(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    categories = [
        {"category": c, "label": category_label(c)} for c in inbox.categories_of(organization)
    ]
    return staff_page(
        request, organization, "categories.html", "settings", {"categories": categories}
    )


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_configure_feedback)
def category_create(request: AuthenticatedRequest, organization: Organization) -> HttpResponseBase:
    form = CategoryForm(
        request.POST or None,
        initial={"acknowledge_hours": 16, "resolve_hours": 120, "position": 10, "active": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            workflow.create_category(request.user, organization, **form.cleaned_data)
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Category added."))
            return redirect("feedback:staff_categories", org_slug=organization.slug)
    return staff_page(request, organization, "category_form.html", "settings", {"form": form})


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_configure_feedback)
def category_edit(
    request: AuthenticatedRequest, organization: Organization, category_id: int
) -> HttpResponseBase:
    category = get_scoped_or_404(Category.objects.all(), organization, pk=category_id)
    initial = {
        "name": category.name,
        "description": category.description,
        "kind": category.kind,
        "acknowledge_hours": category.acknowledge_hours,
        "resolve_hours": category.resolve_hours,
        "position": category.position,
        "active": category.active,
    }
    form = CategoryForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.update_category(request.user, category, **form.cleaned_data)
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Category saved."))
            return redirect("feedback:staff_categories", org_slug=organization.slug)
    context = {"form": form, "category": category, "label": category_label(category)}
    return staff_page(request, organization, "category_form.html", "settings", context)


@require_POST
@staff_view(rules.can_configure_feedback)
def category_delete(
    request: AuthenticatedRequest, organization: Organization, category_id: int
) -> HttpResponseBase:
    category = get_scoped_or_404(Category.objects.all(), organization, pk=category_id)
    try:
        workflow.delete_category(request.user, category)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(
            "feedback:staff_category", org_slug=organization.slug, category_id=category.pk
        )
    messages.success(request, _("Category removed."))
    return redirect("feedback:staff_categories", org_slug=organization.slug)


@require_GET
@staff_view(rules.can_configure_feedback)
def teams_view(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    teams = [
        {"team": t, "members": [inbox.staff_name(u) for u in t.members.all()]}
        for t in inbox.teams_with_members(organization)
    ]
    return staff_page(request, organization, "teams.html", "settings", {"teams": teams})


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_configure_feedback)
def team_create(request: AuthenticatedRequest, organization: Organization) -> HttpResponseBase:
    form = TeamForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.create_team(
                request.user,
                organization,
                name=form.cleaned_data["name"],
                members=_members(organization, form.cleaned_data["members"]),
            )
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Team added."))
            return redirect("feedback:staff_teams", org_slug=organization.slug)
    return staff_page(request, organization, "team_form.html", "settings", {"form": form})


def _members(organization: Organization, ids: list[int]) -> list[User]:
    return list(User.objects.filter(pk__in=ids, memberships__organization=organization))


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_configure_feedback)
def team_edit(
    request: AuthenticatedRequest, organization: Organization, team_id: int
) -> HttpResponseBase:
    team = get_scoped_or_404(Team.objects.all(), organization, pk=team_id)
    initial = {"name": team.name, "members": list(team.members.values_list("pk", flat=True))}
    form = TeamForm(request.POST or None, initial=initial, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.update_team(
                request.user,
                team,
                name=form.cleaned_data["name"],
                members=_members(organization, form.cleaned_data["members"]),
            )
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Team saved."))
            return redirect("feedback:staff_teams", org_slug=organization.slug)
    return staff_page(
        request, organization, "team_form.html", "settings", {"form": form, "team": team}
    )


@require_POST
@staff_view(rules.can_configure_feedback)
def team_delete(
    request: AuthenticatedRequest, organization: Organization, team_id: int
) -> HttpResponseBase:
    team = get_scoped_or_404(Team.objects.all(), organization, pk=team_id)
    workflow.delete_team(request.user, team)
    messages.success(request, _("Team removed."))
    return redirect("feedback:staff_teams", org_slug=organization.slug)


@require_GET
@staff_view(rules.can_configure_feedback)
def canned_list(request: AuthenticatedRequest, organization: Organization) -> HttpResponse:
    context = {"replies": list(inbox.canned_replies(organization))}
    return staff_page(request, organization, "canned_replies.html", "settings", context)


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_configure_feedback)
def canned_create(request: AuthenticatedRequest, organization: Organization) -> HttpResponseBase:
    form = CannedReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.create_canned_reply(request.user, organization, **form.cleaned_data)
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Canned reply added."))
            return redirect("feedback:staff_canned_replies", org_slug=organization.slug)
    return staff_page(request, organization, "canned_form.html", "settings", {"form": form})


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_configure_feedback)
def canned_edit(
    request: AuthenticatedRequest, organization: Organization, canned_id: int
) -> HttpResponseBase:
    canned = get_scoped_or_404(CannedReply.objects.all(), organization, pk=canned_id)
    initial = {
        "title": canned.title,
        "text_en": canned.text_en,
        "text_fr": canned.text_fr,
        "text_es": canned.text_es,
    }
    form = CannedReplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.update_canned_reply(request.user, canned, **form.cleaned_data)
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Canned reply saved."))
            return redirect("feedback:staff_canned_replies", org_slug=organization.slug)
    return staff_page(
        request, organization, "canned_form.html", "settings", {"form": form, "canned": canned}
    )


@require_POST
@staff_view(rules.can_configure_feedback)
def canned_delete(
    request: AuthenticatedRequest, organization: Organization, canned_id: int
) -> HttpResponseBase:
    canned = get_scoped_or_404(CannedReply.objects.all(), organization, pk=canned_id)
    workflow.delete_canned_reply(request.user, canned)
    messages.success(request, _("Canned reply removed."))
    return redirect("feedback:staff_canned_replies", org_slug=organization.slug)


def _calendar_page(
    request: AuthenticatedRequest,
    organization: Organization,
    form: CalendarForm | None = None,
    holiday_form: HolidayForm | None = None,
) -> HttpResponse:
    config = inbox.feedback_settings(organization)
    if form is None:
        form = CalendarForm(
            initial={
                "work_start": config.work_start,
                "work_end": config.work_end,
                "work_days": [d for d in config.work_days.split(",") if d.strip()],
                "warn_at_share": config.warn_at_share,
                "allow_anonymous": config.allow_anonymous,
            }
        )
    context = {
        "form": form,
        "holiday_form": holiday_form or HolidayForm(prefix="holiday"),
        "holidays": list(inbox.holidays_of(organization)),
        "timezone": organization.timezone,
        "weekdays": dict(WEEKDAYS),
    }
    return staff_page(request, organization, "calendar.html", "settings", context)


@require_http_methods(["GET", "POST"])
@staff_view(rules.can_configure_feedback)
def calendar_view(request: AuthenticatedRequest, organization: Organization) -> HttpResponseBase:
    """Working hours and days, the warning share, anonymity, and the holidays."""
    if request.method != "POST":
        return _calendar_page(request, organization)
    form = CalendarForm(request.POST)
    if form.is_valid():
        try:
            workflow.update_calendar(request.user, organization, **form.cleaned_data)
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Working calendar saved."))
            return redirect("feedback:staff_calendar", org_slug=organization.slug)
    return _calendar_page(request, organization, form=form)


@require_POST
@staff_view(rules.can_configure_feedback)
def holiday_add(request: AuthenticatedRequest, organization: Organization) -> HttpResponseBase:
    form = HolidayForm(request.POST, prefix="holiday")
    if form.is_valid():
        try:
            workflow.add_holiday(request.user, organization, **form.cleaned_data)
        except Errors as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Holiday added."))
            return redirect("feedback:staff_calendar", org_slug=organization.slug)
    return _calendar_page(request, organization, holiday_form=form)


@require_POST
@staff_view(rules.can_configure_feedback)
def holiday_delete(
    request: AuthenticatedRequest, organization: Organization, holiday_id: int
) -> HttpResponseBase:
    holiday = get_scoped_or_404(Holiday.objects.all(), organization, pk=holiday_id)
    workflow.remove_holiday(request.user, holiday)
    messages.success(request, _("Holiday removed."))
    return redirect("feedback:staff_calendar", org_slug=organization.slug)
