"""What staff read of feedback: the inbox and its filters, the conduct queue, the moderation
queue, one item with its full history, and the lists the item page offers.

Every read starts from a **queue** the viewer may work, never from all items:

- the *inbox*: ordinary feedback (everything but complaints about conduct), for those who
  may work feedback (``rules.can_work_feedback``);
- the *conduct queue*: complaints about conduct, only for professional standards
  (``rules.can_work_conduct_complaints``).

Both leave out the items whose subject is the viewer, so the staff member a complaint is
about finds it in no list, search, count or duplicate hint, and reaching it by its
reference is "not found", exactly as for a reference that does not exist.

Pages are read by keyset (the last row's submission time and id), never by OFFSET, and
counts stop at ``COUNT_LIMIT`` ("1,000 or more"), so that a page costs the same at the
millionth item as at the first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from trustbridge.core import rules
from trustbridge.core.checks import require
from trustbridge.core.models import Area, Membership, Organization
from trustbridge.core.tenancy import scoped
from trustbridge.feedback.defaults import category_label
from trustbridge.feedback.models import (
    OPEN_STATUSES,
    CannedReply,
    Category,
    Event,
    EventKind,
    FeedbackSettings,
    Holiday,
    Item,
    Kind,
    Moderation,
    Photo,
    Status,
    Team,
)
from trustbridge.feedback.targets import Flag, flag

if TYPE_CHECKING:
    from trustbridge.accounts.models import User
    from trustbridge.feedback.abuse import Finding

PAGE_SIZE = 25
COUNT_LIMIT = 1000
MAX_SEARCH_WORDS = 6
MODERATION_PAGE = 50
# Events whose text holds codes (ids, references, a clock's name) rather than words.
CODED_EVENTS = frozenset(
    {EventKind.ASSIGNED, EventKind.MERGED, EventKind.MODERATED, EventKind.ESCALATED}
)


class Queue(StrEnum):
    INBOX = "inbox"
    CONDUCT = "conduct"


class Sort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"


class Assignee(StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"


class FlagFilter(StrEnum):
    FLAGGED = "flagged"  # approaching or overdue
    APPROACHING = Flag.APPROACHING
    OVERDUE = Flag.OVERDUE


OPEN = "open"  # the status filter for every open status
ALL = "all"


@dataclass(frozen=True)
class InboxFilter:
    """What the viewer asked for; every field empty means "every open item"."""

    status: str = OPEN  # OPEN, ALL or a Status
    kind: str = ""
    category: int | None = None
    area: int | None = None
    assignee: str = ""  # "", Assignee.MINE, Assignee.UNASSIGNED or a user id
    team: int | None = None
    flag: str = ""  # "" or a FlagFilter
    duplicates: bool = False  # only items with a possible duplicate
    q: str = ""  # a reference, or words of the description
    sort: str = Sort.NEWEST


@dataclass(frozen=True)
class Cursor:
    """A position in the ordering: the row's submission time and id."""

    submitted_at: dt.datetime
    pk: int

    def encode(self) -> str:
        micros = int(self.submitted_at.timestamp() * 1_000_000)
        return f"{micros}.{self.pk}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        """The cursor a link carries, or None for anything malformed (the first page)."""
        try:
            micros, pk = (value or "").split(".")
            at = dt.datetime.fromtimestamp(int(micros) / 1_000_000, tz=dt.UTC)
            return cls(at, int(pk))
        except (ValueError, OverflowError, OSError):
            return None


@dataclass(frozen=True)
class Row:
    item: Item
    flag: str
    duplicates: int  # other items of the same queue with the same fingerprint


@dataclass(frozen=True)
class InboxPage:
    rows: list[Row]
    count: int
    count_is_lower_bound: bool  # True: COUNT_LIMIT or more
    next_cursor: str | None  # older rows in the ordering
    previous_cursor: str | None  # newer rows
    reference_match: bool = False  # the search found an item by its reference


def staff_name(user: User | None) -> str:
    """How staff are named to colleagues: their display name, never their e-mail address
    (only administrators and supervisors see those, on the members page)."""
    if user is None:
        return _("Nobody")
    return user.display_name or _("Staff member %(number)s") % {"number": user.pk}


# Queues ----------------------------------------------------------------------------------


def may_work(viewer: User, organization: Organization, queue: Queue) -> bool:
    if queue == Queue.CONDUCT:
        return rules.can_work_conduct_complaints(viewer, organization)
    return rules.can_work_feedback(viewer, organization)


def queue_items(viewer: User, organization: Organization, queue: Queue) -> QuerySet[Item]:
    """Every item of ``queue`` the viewer may see (403 if the queue is not theirs)."""
    require(may_work(viewer, organization, queue))
    items = scoped(Item, organization).exclude(subject=viewer)
    if queue == Queue.CONDUCT:
        return items.filter(kind=Kind.CONDUCT)
    return items.exclude(kind=Kind.CONDUCT)


def queue_of(item: Item) -> Queue:
    return Queue.CONDUCT if item.kind == Kind.CONDUCT else Queue.INBOX


def _filtered(
    items: QuerySet[Item], viewer: User, filters: InboxFilter, now: dt.datetime
) -> QuerySet[Item]:
    """The queue's items (``items``) narrowed by the filters."""
    base = items
    if filters.status == OPEN:
        items = items.filter(status__in=OPEN_STATUSES)
    elif filters.status in Status.values:
        items = items.filter(status=filters.status)
    if filters.kind in Kind.values:
        items = items.filter(kind=filters.kind)
    if filters.category is not None:
        items = items.filter(category_id=filters.category)
    if filters.area is not None:
        items = items.filter(area_id=filters.area)
    if filters.assignee == Assignee.MINE:
        items = items.filter(assignee=viewer)
    elif filters.assignee == Assignee.UNASSIGNED:
        items = items.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        items = items.filter(assignee_id=int(filters.assignee))
    if filters.team is not None:
        items = items.filter(team_id=filters.team)
    if filters.flag == FlagFilter.OVERDUE:
        items = items.filter(next_due__lte=now)
    elif filters.flag == FlagFilter.APPROACHING:
        items = items.filter(next_warning__lte=now, next_due__gt=now)
    elif filters.flag == FlagFilter.FLAGGED:
        items = items.filter(next_warning__lte=now)
    if filters.duplicates:
        # A twin counts only if the viewer may see it too (same queue, not about them).
        twins = base.filter(fingerprint=OuterRef("fingerprint")).exclude(pk=OuterRef("pk"))
        items = items.exclude(fingerprint="").filter(Exists(twins))
    for word in search_words(filters.q):
        items = items.filter(description__icontains=word)
    return items


def search_words(q: str) -> list[str]:
    """The words of a search, each to be found in the description (at most a few, each of
    two characters or more: a single letter would match nearly everything)."""
    words = [w for w in q.split() if len(w) >= 2]
    return words[:MAX_SEARCH_WORDS]


def _by_reference(items: QuerySet[Item], q: str) -> Item | None:
    q = q.strip()
    if not q or " " in q or len(q) > 20:
        return None
    return items.filter(reference=q.upper()).first()


def _ordered(items: QuerySet[Item], sort: str, cursor: Cursor | None, forward: bool) -> Any:
    """Rows after (``forward``) or before the cursor, in the page's order or its reverse.

    The redundant bound on ``submitted_at`` alone lets the database walk its
    (organisation, submitted_at) index instead of testing the OR on every row.
    """
    newest = sort != Sort.OLDEST
    descending = newest == forward
    if cursor is not None:
        t, pk = cursor.submitted_at, cursor.pk
        if descending:
            items = items.filter(submitted_at__lte=t).filter(
                Q(submitted_at__lt=t) | Q(submitted_at=t, pk__lt=pk)
            )
        else:
            items = items.filter(submitted_at__gte=t).filter(
                Q(submitted_at__gt=t) | Q(submitted_at=t, pk__gt=pk)
            )
    order = ("-submitted_at", "-id") if descending else ("submitted_at", "id")
    return items.order_by(*order)


def bounded_count(items: QuerySet[Item]) -> tuple[int, bool]:
    """How many rows match, counting no further than ``COUNT_LIMIT``."""
    counted = items.order_by()[: COUNT_LIMIT + 1].count()
    return min(counted, COUNT_LIMIT), counted > COUNT_LIMIT


def inbox_page(
    viewer: User,
    organization: Organization,
    filters: InboxFilter,
    *,
    queue: Queue = Queue.INBOX,
    after: str | None = None,
    before: str | None = None,
    now: dt.datetime | None = None,
    limit: int = PAGE_SIZE,
) -> InboxPage:
    """One page of a queue, filtered and searched.

    ``after``/``before`` are cursors from a previous page. A search that is exactly the
    reference of an item of the queue finds that item whatever the other filters say.
    """
    now = now or timezone.now()
    base = queue_items(viewer, organization, queue)
    found = _by_reference(base, filters.q)
    if found is not None:
        return InboxPage(_decorate([found], base, now), 1, False, None, None, reference_match=True)
    items = _filtered(base, viewer, filters, now)
    backwards = Cursor.decode(before)
    cursor = backwards or Cursor.decode(after)
    forward = backwards is None
    selected = _ordered(
        items.select_related("category", "area", "assignee", "team"), filters.sort, cursor, forward
    )
    page = list(selected[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    if not forward:
        page.reverse()
    if cursor is None and not more:
        count, lower_bound = len(page), False  # the whole result is on this page
    else:
        count, lower_bound = bounded_count(items)
    first, last = (page[0], page[-1]) if page else (None, None)
    has_next = more if forward else cursor is not None
    has_previous = (cursor is not None) if forward else more
    return InboxPage(
        rows=_decorate(page, base, now),
        count=count,
        count_is_lower_bound=lower_bound,
        next_cursor=Cursor(last.submitted_at, last.pk).encode() if last and has_next else None,
        previous_cursor=(
            Cursor(first.submitted_at, first.pk).encode() if first and has_previous else None
        ),
    )


def _decorate(items: list[Item], base: QuerySet[Item], now: dt.datetime) -> list[Row]:
    """Each row with its target flag and how many possible duplicates the viewer may see."""
    fingerprints = {i.fingerprint for i in items if i.fingerprint}
    twins: dict[str, int] = {}
    if fingerprints:
        counted = (
            base.filter(fingerprint__in=fingerprints)
            .order_by()
            .values("fingerprint")
            .annotate(n=Count("id"))
        )
        twins = {row["fingerprint"]: row["n"] for row in counted}
    return [
        Row(i, flag(i, now), max(0, twins.get(i.fingerprint, 0) - 1) if i.fingerprint else 0)
        for i in items
    ]


def queue_counts(
    viewer: User, organization: Organization, now: dt.datetime | None = None
) -> dict[str, int | None]:
    """Bounded counts for the queue navigation: open items, overdue ones, and (for those who
    may see them) open conduct complaints and items waiting for a moderator. None: not
    this viewer's queue."""
    now = now or timezone.now()
    counts: dict[str, int | None] = {"inbox": None, "overdue": None, "conduct": None}
    if may_work(viewer, organization, Queue.INBOX):
        open_items = queue_items(viewer, organization, Queue.INBOX).filter(status__in=OPEN_STATUSES)
        counts["inbox"] = bounded_count(open_items)[0]
        counts["overdue"] = bounded_count(open_items.filter(next_due__lte=now))[0]
    if may_work(viewer, organization, Queue.CONDUCT):
        conduct = queue_items(viewer, organization, Queue.CONDUCT)
        counts["conduct"] = bounded_count(conduct.filter(status__in=OPEN_STATUSES))[0]
    return counts


# One item --------------------------------------------------------------------------------


def access_item(viewer: User, organization: Organization, reference: str) -> Item:
    """An item of the organisation the viewer may see, by its reference; 404 alike for a
    missing reference, another organisation's item, an item of a queue that is not the
    viewer's, and an item the viewer is the subject of."""
    item = (
        scoped(Item, organization)
        .select_related(
            "organization", "category", "area", "assignee", "team", "subject", "duplicate_of"
        )
        .filter(reference=reference)
        .first()
    )
    if item is None or not rules.can_see_feedback_item(viewer, item):
        raise Http404
    return item


def access_photo(item: Item, photo_id: int) -> Photo:
    """A photo of this item (the item already checked for the viewer)."""
    photo = Photo.objects.filter(
        item=item, organization_id=item.organization_id, pk=photo_id
    ).first()
    if photo is None:
        raise Http404
    return photo


def photos_of(item: Item) -> list[Photo]:
    return list(Photo.objects.filter(item=item).order_by("id"))


@dataclass(frozen=True)
class HistoryEntry:
    event: Event
    actor: str  # the colleague's name, or "" for the resident or the system
    summary: str  # what happened, in the viewer's language
    reference: str = ""  # a linked item the viewer may open

    @property
    def shows_text(self) -> bool:
        """Whether the event's text is words to show (a reply, a note, a reason, a message);
        the other kinds keep codes there, which ``summary`` already says in words."""
        return bool(self.event.text) and self.event.kind not in CODED_EVENTS


def history(viewer: User, item: Item) -> list[HistoryEntry]:
    """Everything that happened to the item, oldest first, for staff who may see it: public
    replies and statuses, internal notes, assignments, merges, moderation, escalations."""
    require(rules.can_see_feedback_item(viewer, item))
    events = list(Event.objects.filter(item=item).select_related("actor").order_by("at", "id"))
    tokens = [
        token.split(":", 1)
        for e in events
        if e.kind in (EventKind.ASSIGNED, EventKind.MERGED)
        for token in e.text.split()
        if ":" in token
    ]
    user_ids = {int(v) for k, v in tokens if k in ("user", "subject") and v.isdigit()}
    team_ids = {int(v) for k, v in tokens if k == "team" and v.isdigit()}
    references = {v for k, v in tokens if k in ("into", "from")}
    people = {u.pk: u for u in _users(user_ids)}
    teams = {t.pk: t.name for t in scoped(Team, item.organization).filter(pk__in=team_ids)}
    visible = (
        set(
            queue_items(viewer, item.organization, queue_of(item))
            .filter(reference__in=references)
            .values_list("reference", flat=True)
        )
        if references
        else set()
    )
    return [_entry(e, people, teams, visible) for e in events]


def _users(ids: set[int]) -> list[User]:
    from trustbridge.accounts.models import User

    return list(User.objects.filter(pk__in=ids)) if ids else []


def _entry(
    event: Event, people: dict[int, User], teams: dict[int, str], visible: set[str]
) -> HistoryEntry:
    actor = staff_name(event.actor) if event.actor_id else ""
    kind = event.kind
    if kind == EventKind.STATUS:
        summary = _("Status: %(status)s") % {"status": Status(event.status).label}
    elif kind == EventKind.ASSIGNED:
        summary = _assignment(event.text, people, teams)
    elif kind == EventKind.MERGED:
        direction, _sep, reference = event.text.partition(":")
        shown = reference if reference in visible else ""
        if direction == "into":
            summary = (
                _("Merged into %(reference)s") % {"reference": shown}
                if shown
                else _("Merged into another item")
            )
        else:
            summary = (
                _("%(reference)s was merged into this item") % {"reference": shown}
                if shown
                else _("Another item was merged into this item")
            )
        return HistoryEntry(event, actor, summary, shown)
    elif kind == EventKind.ESCALATED:
        from trustbridge.feedback.escalation import clock_label

        summary = _("Escalated: the %(clock)s target is near or past") % {
            "clock": clock_label(event.text)
        }
    elif kind == EventKind.MODERATED:
        summary = (
            _("Approved for the public page")
            if event.text == Moderation.APPROVED
            else _("Kept off the public page")
        )
    else:
        summary = str(EventKind(kind).label)
    return HistoryEntry(event, actor, summary)


def _assignment(text: str, people: dict[int, User], teams: dict[int, str]) -> str:
    parts = dict(token.split(":", 1) for token in text.split() if ":" in token)
    if "subject" in parts:
        person = people.get(int(parts["subject"])) if parts["subject"].isdigit() else None
        return _("Staff member concerned: %(name)s") % {"name": staff_name(person)}
    if not parts:
        return _("Unassigned")
    named = []
    if "user" in parts and parts["user"].isdigit():
        named.append(staff_name(people.get(int(parts["user"]))))
    if "team" in parts and parts["team"].isdigit():
        team = teams.get(int(parts["team"]))
        named.append(_("team %(name)s") % {"name": team} if team else _("a team that was removed"))
    return _("Assigned to %(names)s") % {"names": ", ".join(named)}


def possible_duplicates(viewer: User, item: Item, limit: int = 10) -> list[Item]:
    """Other items of the same queue with the same fingerprint (the same words, perhaps
    from another resident), newest first."""
    if not item.fingerprint:
        return []
    return list(
        queue_items(viewer, item.organization, queue_of(item))
        .filter(fingerprint=item.fingerprint)
        .exclude(pk=item.pk)
        .select_related("category")
        .order_by("-submitted_at", "-id")[:limit]
    )


def duplicates_of(viewer: User, item: Item) -> list[Item]:
    """Items already merged into this one that the viewer may see."""
    return list(
        queue_items(viewer, item.organization, queue_of(item))
        .filter(duplicate_of=item)
        .order_by("submitted_at", "id")
    )


# Choices for the forms -------------------------------------------------------------------


def staff_who_may_work(item_or_queue: Item | Queue, organization: Organization) -> list[User]:
    """Members who may be given items of this queue (for an item: who may see it), by name.

    One query: the memberships are read together and handed to the rules, which would
    otherwise read them person by person.
    """
    memberships = list(
        scoped(Membership, organization).select_related("user", "organization").order_by("id")
    )
    people = []
    for membership in memberships:
        user = membership.user
        _remember(membership)
        if isinstance(item_or_queue, Item):
            allowed = rules.can_see_feedback_item(user, item_or_queue)
        else:
            allowed = may_work(user, organization, item_or_queue)
        if allowed:
            people.append(user)
    return sorted(people, key=lambda u: (staff_name(u).casefold(), u.pk))


def _remember(membership: Membership) -> None:
    """Give the rules a member's membership read with the others, as ``rules.memberships``
    would have cached it, so that asking a rule about each member costs no query. The user
    object is this list's own: it knows only this organisation."""
    setattr(membership.user, rules._CACHE, {membership.organization_id: membership})


def staff_members(organization: Organization) -> list[User]:
    """Every member of staff (for team membership and the subject of a complaint)."""
    memberships = scoped(Membership, organization).select_related("user", "organization")
    people = []
    for membership in memberships:
        _remember(membership)
        if rules.is_staff_of(membership.user, organization):
            people.append(membership.user)
    return sorted(people, key=lambda u: (staff_name(u).casefold(), u.pk))


def teams_of(organization: Organization) -> QuerySet[Team]:
    return scoped(Team, organization).order_by("name", "id")


def teams_with_members(organization: Organization) -> QuerySet[Team]:
    return teams_of(organization).prefetch_related("members")


def categories_of(organization: Organization) -> QuerySet[Category]:
    return scoped(Category, organization).order_by("position", "name", "id")


def category_choices(organization: Organization, queue: Queue) -> list[tuple[int, str]]:
    categories = categories_of(organization)
    if queue == Queue.CONDUCT:
        categories = categories.filter(kind=Kind.CONDUCT)
    else:
        categories = categories.exclude(kind=Kind.CONDUCT)
    return [(c.pk, category_label(c)) for c in categories]


def areas_of(organization: Organization) -> QuerySet[Area]:
    return scoped(Area, organization).order_by("name", "id")


def canned_replies(organization: Organization) -> QuerySet[CannedReply]:
    return scoped(CannedReply, organization).order_by("title", "id")


def canned_text(canned: CannedReply, language: str) -> str:
    """The canned reply in the item's language, or in English where it has no such text."""
    text = {"fr": canned.text_fr, "es": canned.text_es}.get(language[:2], "")
    return text or canned.text_en


def access_canned(organization: Organization, canned_id: int | str | None) -> CannedReply | None:
    if canned_id is None or not str(canned_id).isdigit():
        return None
    return canned_replies(organization).filter(pk=int(canned_id)).first()


def feedback_settings(organization: Organization) -> FeedbackSettings:
    config, _created = FeedbackSettings.objects.get_or_create(organization=organization)
    return config


def holidays_of(organization: Organization) -> QuerySet[Holiday]:
    return scoped(Holiday, organization).order_by("day")


# Moderation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A stretch of text; ``kind`` is set when it looks like a personal detail."""

    text: str
    kind: str = ""


@dataclass(frozen=True)
class ModerationEntry:
    item: Item
    pieces: list[Piece]  # the resident's words, personal details marked
    findings: list[str] = field(default_factory=list)  # the kinds of details found
    suggestion: str = ""  # the words with those details replaced


def moderation_queue(
    viewer: User, organization: Organization
) -> tuple[list[ModerationEntry], int, bool]:
    """Items whose residents allowed them to be public and that wait for a moderator, the
    oldest first, each with the personal details found in its words and a redacted
    suggestion. Complaints about conduct are never published, so they are not here."""
    require(rules.can_moderate_feedback(viewer, organization))
    items = (
        queue_items(viewer, organization, Queue.INBOX)
        .filter(moderation=Moderation.PENDING)
        .select_related("category", "area")
    )
    count, more = bounded_count(items)
    page = list(items.order_by("submitted_at", "id")[:MODERATION_PAGE])
    return [moderation_entry(item) for item in page], count, more


def moderation_entry(item: Item, text: str | None = None) -> ModerationEntry:
    from trustbridge.feedback.abuse import personal_details, redact

    words = item.description if text is None else text
    found = sorted(personal_details(words), key=lambda f: f.start)
    return ModerationEntry(
        item=item,
        pieces=_pieces(words, found),
        findings=sorted({str(f.kind) for f in found}),
        suggestion=redact(words),
    )


def _pieces(text: str, found: list[Finding]) -> list[Piece]:
    pieces, at = [], 0
    for finding in found:
        if finding.start < at:  # overlapping findings: keep the first
            continue
        if finding.start > at:
            pieces.append(Piece(text[at : finding.start]))
        pieces.append(Piece(text[finding.start : finding.end], str(finding.kind)))
        at = finding.end
    if at < len(text):
        pieces.append(Piece(text[at:]))
    return pieces
