"""Feedback in the JSON API at /api/v1/.

For residents and the public, no token: submit feedback (the form's checks and rate limits),
follow one's own item with its private secret (sent as the ``X-Tracking-Secret`` header, so
that it stays out of addresses and logs), and read the approved public items. For staff, a
token of the organisation: the inbox (or the conduct queue) with its filters, one item with
its full history, a change of status and a public reply.

Operations only parse, call and shape: submissions go through ``intake.submit_item``, staff
changes through ``workflow``, and every read through the query modules that decide what
each reader may see (``resident_queries``, ``inbox``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.pagination import PageNumberPagination, paginate

from trustbridge.core.api_base import (
    ErrorOut,
    TokenAuth,
    error_body,
    require_write,
    token_organization_matches,
)
from trustbridge.core.models import Area, Organization
from trustbridge.core.tenancy import get_organization, recent_organization, scoped
from trustbridge.feedback import abuse, accountability, inbox, intake, resident_queries, workflow
from trustbridge.feedback.defaults import category_label
from trustbridge.feedback.models import (
    Category,
    Event,
    EventKind,
    Item,
    Kind,
    Moderation,
    Source,
)
from trustbridge.feedback.models import (
    Status as ItemStatus,
)
from trustbridge.feedback.targets import flag

if TYPE_CHECKING:
    from trustbridge.accounts.models import User

router = Router(tags=["feedback"])
token_auth = TokenAuth()
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
SECRET_HEADER = "X-Tracking-Secret"  # noqa: S105 (the name of a header, not a secret)


def _absolute(path: str) -> str:
    return str(settings.TRUSTBRIDGE_BASE_URL) + path


def _too_many(refused: abuse.TooManySubmissions) -> HttpResponse:
    """429 with the form's polite message and when to try again."""
    response = JsonResponse(error_body(refused.message), status=429)
    response["Retry-After"] = str(refused.retry_after)
    return response


# Submitting --------------------------------------------------------------------------------


class SubmissionIn(Schema):
    """What the web form asks, as JSON. The form's own checks apply, with its messages (400
    naming each refused field); only the JSON types are checked here."""

    kind: str = Field(
        "", description="concern, question, suggestion, compliment or conduct (required)."
    )
    category: str = Field(
        "",
        description="A category code (an Open311 service_code); may be left empty when "
        "only one category fits the kind.",
    )
    description: str = Field(
        "", description="Required; at most 4,000 characters; shown as plain text."
    )
    area: str = Field("", description="An area's short name.")
    address: str = ""
    latitude: float | None = Field(None, description="WGS 84; must lie in one of the areas.")
    longitude: float | None = None
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    anonymous: bool = Field(False, description="Keep me anonymous, even to staff.")
    wants_public: bool = Field(
        False, description="You may show my words publicly after a moderator redacts them."
    )
    language: str = Field("", description="en, fr or es; the request's language by default.")


class SubmittedOut(Schema):
    reference: str = Field(description="The tracking code.")
    tracking_url: str = Field(description="The private link: keep it; it is shown only once.")
    secret: str = Field(description=f"The secret of the private link, for {SECRET_HEADER}.")


@router.post(
    "/organizations/{slug}/feedback",
    response={201: SubmittedOut, **ERRORS},
    summary="Send feedback (no account needed)",
    description=(
        "The web form's checks and rate limits apply: every refused field is named in "
        "`errors`; a repeat of the same text by the same sender is refused (409) with the "
        "earlier tracking code; too many in a short time answers 429 with `Retry-After`. "
        "The answer's secret is shown once: only its digest is kept."
    ),
)
def submit(request: HttpRequest, slug: str, payload: SubmissionIn) -> Any:
    organization = recent_organization(slug)
    submission = intake.Submission(
        kind=payload.kind,
        category=payload.category,
        description=payload.description,
        area=payload.area,
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        contact_name=payload.contact_name,
        contact_email=payload.contact_email,
        contact_phone=payload.contact_phone,
        anonymous=payload.anonymous,
        wants_public=payload.wants_public,
        language=payload.language or getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
        source=Source.API,
    )
    try:
        # No account is linked, even with a session cookie: this operation takes no CSRF
        # token, so a session could be made to submit by another site.
        submitted = intake.submit_item(
            actor=None,
            organization=organization,
            submission=submission,
            sender=abuse.web_sender(request),
        )
    except abuse.TooManySubmissions as refused:
        return _too_many(refused)
    return Status(
        201,
        {
            "reference": submitted.item.reference,
            "tracking_url": _absolute(submitted.tracking_path),
            "secret": submitted.secret,
        },
    )


# Following one's own item ------------------------------------------------------------------


class TimelineEntryOut(Schema):
    at: dt.datetime
    kind: EventKind
    status: ItemStatus | None = Field(description="The new status, for a change of status.")
    text: str = Field(description="A reply, the reason given with a status, or your message.")


class TrackedOut(Schema):
    reference: str
    kind: Kind
    category_code: str
    category_name: str
    status: ItemStatus
    submitted_at: dt.datetime
    area_name: str | None
    description: str
    timeline: list[TimelineEntryOut]


def _timeline_entry(event: Event) -> dict[str, Any]:
    return {
        "at": event.at,
        "kind": event.kind,
        "status": event.status or None,
        "text": event.text,
    }


@router.get(
    "/organizations/{slug}/feedback/{reference}",
    response={200: TrackedOut, **ERRORS},
    summary="Follow your own feedback with its private secret",
    description=(
        f"Send the secret of your private link in the `{SECRET_HEADER}` header. A wrong "
        "secret and an unknown tracking code both answer 404. Never cached."
    ),
)
def track(
    request: HttpRequest,
    slug: str,
    reference: str,
    secret: str = Header("", alias=SECRET_HEADER),
) -> HttpResponse:
    organization = get_organization(slug)
    item = resident_queries.access_tracked_item(organization, reference, secret)
    data = TrackedOut.model_validate(
        {
            "reference": item.reference,
            "kind": item.kind,
            "category_code": item.category.code,
            "category_name": category_label(item.category),
            "status": item.status,
            "submitted_at": item.submitted_at,
            "area_name": item.area.name if item.area else None,
            "description": item.description,
            "timeline": [_timeline_entry(e) for e in resident_queries.timeline(item)],
        }
    )
    # Built here rather than by the API, whose public GET answers are cacheable: this one
    # is for the holder of the secret only and must never sit in a shared cache.
    response = HttpResponse(data.model_dump_json(), content_type="application/json")
    response["Cache-Control"] = "private, no-store"
    return response


# The public list ---------------------------------------------------------------------------


class PublicEventOut(Schema):
    at: dt.datetime
    kind: EventKind
    status: ItemStatus | None
    text: str = Field(description="A public reply; empty for a change of status.")


class PublicItemOut(Schema):
    reference: str
    kind: Kind
    category_code: str
    category_name: str
    area_slug: str | None
    area_name: str | None
    month: str = Field(description="When it was received, e.g. 2025-03.")
    status: ItemStatus
    text: str = Field(description="The resident's words as a moderator approved them.")
    timeline: list[PublicEventOut]

    @staticmethod
    def resolve_category_code(obj: Item) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj: Item) -> str:
        return category_label(obj.category)

    @staticmethod
    def resolve_area_slug(obj: Item) -> str | None:
        return obj.area.slug if obj.area else None

    @staticmethod
    def resolve_area_name(obj: Item) -> str | None:
        return obj.area.name if obj.area else None

    @staticmethod
    def resolve_month(obj: Item) -> str:
        return obj.submitted_at.astimezone(zoneinfo.ZoneInfo(obj.organization.timezone)).strftime(
            "%Y-%m"
        )

    @staticmethod
    def resolve_text(obj: Item) -> str:
        return obj.public_text

    @staticmethod
    def resolve_timeline(obj: Item) -> list[dict[str, Any]]:
        # The same rule as the accountability page (``accountability.public_text``).
        return [
            {
                "at": e.at,
                "kind": e.kind,
                "status": e.status or None,
                "text": accountability.public_text(e),
            }
            for e in getattr(obj, "public_events", [])
        ]


def approved_items(slug: str) -> QuerySet[Item]:
    """The public list of the accountability page (approved items, never a complaint about
    conduct), each with its public events read in one more query."""
    public_events = Event.objects.filter(
        public=True, kind__in=accountability.PUBLIC_EVENT_KINDS
    ).order_by("at", "id")
    return (
        accountability.public_items(get_organization(slug))
        .select_related("organization")
        .prefetch_related(Prefetch("events", queryset=public_events, to_attr="public_events"))
    )


@router.get(
    "/organizations/{slug}/accountability/items",
    response={200: list[PublicItemOut], **ERRORS},
    summary="Public feedback: approved items with their public timeline",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_public_items(request: HttpRequest, slug: str) -> Any:
    return approved_items(slug)


# Staff: the inbox --------------------------------------------------------------------------


class InboxQuery(Schema):
    queue: inbox.Queue = Field(inbox.Queue.INBOX, description="inbox, or conduct (restricted).")
    status: str = Field(
        inbox.OPEN,
        pattern="^(open|all|" + "|".join(ItemStatus.values) + ")$",
        description="open (every open status), all, or one status.",
    )
    kind: Kind | None = None
    category: str = Field("", description="A category code.")
    area: str = Field("", description="An area's short name.")
    assignee: str = Field("", pattern=r"^(|mine|unassigned|\d+)$")
    team: int | None = None
    flag: inbox.FlagFilter | None = None
    duplicates: bool = False
    q: str = Field("", max_length=200, description="A tracking code, or words.")
    sort: inbox.Sort = inbox.Sort.NEWEST
    after: str | None = Field(None, description="next_cursor of the previous page.")
    before: str | None = Field(None, description="previous_cursor of the next page.")
    page_size: int = Field(inbox.PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class ItemSummaryOut(Schema):
    reference: str
    kind: Kind
    category_code: str
    category_name: str
    status: ItemStatus
    source: Source
    submitted_at: dt.datetime
    area_slug: str | None
    assignee: str | None = Field(description="The colleague's name.")
    team: str | None
    flag: str = Field(description="approaching, overdue, or empty.")
    next_due: dt.datetime | None = Field(description="When the running target falls due.")
    possible_duplicates: int


class InboxOut(Schema):
    items: list[ItemSummaryOut]
    count: int
    count_is_lower_bound: bool = Field(description=f"True: {inbox.COUNT_LIMIT} or more.")
    next_cursor: str | None
    previous_cursor: str | None


def _summary(item: Item, now: dt.datetime, duplicates: int = 0) -> dict[str, Any]:
    return {
        "reference": item.reference,
        "kind": item.kind,
        "category_code": item.category.code,
        "category_name": category_label(item.category),
        "status": item.status,
        "source": item.source,
        "submitted_at": item.submitted_at,
        "area_slug": item.area.slug if item.area else None,
        "assignee": inbox.staff_name(item.assignee) if item.assignee_id else None,
        "team": item.team.name if item.team_id and item.team else None,
        "flag": flag(item, now),
        "next_due": item.next_due,
        "possible_duplicates": duplicates,
    }


def _unknown(field: str, value: str) -> ValidationError:
    message = _("There is no “%(value)s”.") % {"value": value}
    return ValidationError([{"loc": ["query", field], "msg": message}])


def _category_id(organization: Organization, code: str) -> int | None:
    if not code:
        return None
    found = scoped(Category, organization).filter(code=code).values_list("pk", flat=True).first()
    if found is None:
        raise _unknown("category", code)
    return found


def _area_id(organization: Organization, slug: str) -> int | None:
    if not slug:
        return None
    found = scoped(Area, organization).filter(slug=slug).values_list("pk", flat=True).first()
    if found is None:
        raise _unknown("area", slug)
    return found


@router.get(
    "/organizations/{slug}/feedback-items",
    response={200: InboxOut, **ERRORS},
    auth=token_auth,
    summary="The feedback inbox or the conduct queue, filtered (token)",
    description=(
        "Pages follow cursors (`next_cursor`, `previous_cursor`) rather than numbers, so that "
        "a page costs the same at any depth; counts stop at 1,000. A `q` that is exactly a "
        "tracking code finds that item whatever the other filters. The conduct queue is only "
        "for professional standards and administrators; nobody sees the complaints about "
        "themselves."
    ),
)
def list_items(request: HttpRequest, slug: str, filters: Query[InboxQuery]) -> dict[str, Any]:
    token = token_organization_matches(request, slug)
    organization = token.organization
    chosen = inbox.InboxFilter(
        status=filters.status,
        kind=filters.kind or "",
        category=_category_id(organization, filters.category),
        area=_area_id(organization, filters.area),
        assignee=filters.assignee,
        team=filters.team,
        flag=filters.flag or "",
        duplicates=filters.duplicates,
        q=filters.q,
        sort=filters.sort,
    )
    now = timezone.now()
    page = inbox.inbox_page(
        token.user,
        organization,
        chosen,
        queue=filters.queue,
        after=filters.after,
        before=filters.before,
        now=now,
        limit=filters.page_size,
    )
    return {
        "items": [_summary(row.item, now, row.duplicates) for row in page.rows],
        "count": page.count,
        "count_is_lower_bound": page.count_is_lower_bound,
        "next_cursor": page.next_cursor,
        "previous_cursor": page.previous_cursor,
    }


# Staff: one item ---------------------------------------------------------------------------


class ContactOut(Schema):
    name: str
    email: str
    phone: str


class HistoryOut(Schema):
    at: dt.datetime
    kind: EventKind
    actor: str = Field(description="The colleague's name; empty for the resident or the system.")
    summary: str
    status: ItemStatus | None
    text: str
    public: bool = Field(description="On the resident's timeline (replies and statuses).")


class ItemOut(ItemSummaryOut):
    description: str
    language: str
    address: str
    latitude: float | None
    longitude: float | None
    anonymous: bool = Field(description="The resident asked to stay anonymous, even to staff.")
    contact: ContactOut | None = Field(
        description="Only with ?contact=true (recorded in the audit log), never when anonymous."
    )
    close_reason: str
    wants_public: bool
    moderation: Moderation
    public_text: str
    acknowledge_due: dt.datetime | None
    resolve_due: dt.datetime | None
    history: list[HistoryOut]


def _detail(user: User, item: Item, *, contact: bool = False) -> dict[str, Any]:
    shown = contact and workflow.reveal_contact(user, item)
    now = timezone.now()
    return {
        **_summary(item, now),
        "description": item.description,
        "language": item.language,
        "address": item.address,
        "latitude": item.latitude,
        "longitude": item.longitude,
        "anonymous": item.anonymous,
        "contact": {
            "name": item.contact_name,
            "email": item.contact_email,
            "phone": item.contact_phone,
        }
        if shown
        else None,
        "close_reason": item.close_reason,
        "wants_public": item.wants_public,
        "moderation": item.moderation,
        "public_text": item.public_text,
        "acknowledge_due": item.acknowledge_due,
        "resolve_due": item.resolve_due,
        "history": [
            {
                "at": entry.event.at,
                "kind": entry.event.kind,
                "actor": entry.actor,
                "summary": entry.summary,
                "status": entry.event.status or None,
                "text": entry.event.text
                if entry.event.kind not in (EventKind.ASSIGNED, EventKind.MERGED)
                else "",
                "public": entry.event.public,
            }
            for entry in inbox.history(user, item)
        ],
    }


@router.get(
    "/organizations/{slug}/feedback-items/{reference}",
    response={200: ItemOut, **ERRORS},
    auth=token_auth,
    summary="One feedback item with its full history (token)",
)
def get_item(request: HttpRequest, slug: str, reference: str, contact: bool = False) -> Any:
    token = token_organization_matches(request, slug)
    item = inbox.access_item(token.user, token.organization, reference)
    return _detail(token.user, item, contact=contact)


# Bodies of staff writes take any strings: the token and the item are checked first (a read
# token gets 403, another organisation's 404, whatever it sends), then the workflow checks
# the values with its own messages.


class StatusIn(Schema):
    status: str = Field(
        "", description="acknowledged, in_progress, waiting, resolved or closed (required)."
    )
    reason: str = Field("", description="Written for the resident; required to close or reopen.")
    close_reason: str = Field("", description="referred or not_actionable, to close.")


@router.post(
    "/organizations/{slug}/feedback-items/{reference}/status",
    response={200: ItemOut, **ERRORS},
    auth=token_auth,
    summary="Change an item's status (write token)",
)
def change_status(request: HttpRequest, slug: str, reference: str, payload: StatusIn) -> Any:
    token = token_organization_matches(request, slug)
    require_write(request)
    item = inbox.access_item(token.user, token.organization, reference)
    workflow.change_status(
        token.user,
        item,
        payload.status,
        reason=payload.reason,
        close_reason=payload.close_reason,
    )
    return _detail(token.user, item)


class ReplyIn(Schema):
    text: str = Field(
        "", description="Required. Public: on the resident's timeline and e-mailed to them."
    )


class ReplyOut(Schema):
    at: dt.datetime
    text: str
    status: ItemStatus = Field(description="The item's status after the reply.")


@router.post(
    "/organizations/{slug}/feedback-items/{reference}/replies",
    response={201: ReplyOut, **ERRORS},
    auth=token_auth,
    summary="Reply to the resident (write token)",
    description="A first reply to a new item acknowledges it.",
)
def post_reply(request: HttpRequest, slug: str, reference: str, payload: ReplyIn) -> Any:
    token = token_organization_matches(request, slug)
    require_write(request)
    item = inbox.access_item(token.user, token.organization, reference)
    event = workflow.reply(token.user, item, payload.text)
    return Status(201, {"at": event.at, "text": event.text, "status": item.status})
