"""Every change staff make to feedback: the status workflow, replies, notes, assignment,
merging, bulk actions, the staff member a conduct complaint is about, moderation, and the
configuration of categories, teams, canned replies and the working calendar.

One function per user action: the acting user first, the rule of ``core.rules`` checked
against the item read afresh under a row lock, the change written, an ``Event`` appended to
the item's history and the change audited (field names only) in one transaction; e-mail to
the resident is queued after commit.

Two things never leave this module: every change of status goes through
``targets.record_transition`` (so the response-time clocks are always right), and the staff
member a conduct complaint is about (``item.subject``) is refused everything, here as on
every page, by ``rules.can_see_feedback_item``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from trustbridge.core import audit, rules
from trustbridge.core.checks import full_clean, require
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.core.models import AuditAction, Organization
from trustbridge.core.tenancy import scoped
from trustbridge.feedback import clock
from trustbridge.feedback.models import (
    CannedReply,
    Category,
    CloseReason,
    Event,
    EventKind,
    FeedbackSettings,
    Holiday,
    Item,
    Kind,
    Moderation,
    Status,
    Team,
)
from trustbridge.feedback.targets import Calendar, record_transition

if TYPE_CHECKING:
    from trustbridge.accounts.models import User

MAX_TEXT = 4000  # replies, notes and public texts, as the resident's description
MAX_REASON = 2000
MAX_BULK = 100  # one page of the inbox at most

FINISHED = frozenset({Status.RESOLVED, Status.CLOSED})

# Where an item may go from each status. Nothing goes back to "new"; a finished item is
# reopened to "in progress" (with a reason), never moved straight from resolved to closed, so
# that its resolution time is the one it really took.
TRANSITIONS: dict[str, tuple[Status, ...]] = {
    Status.NEW: (
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
        Status.WAITING,
        Status.RESOLVED,
        Status.CLOSED,
    ),
    Status.ACKNOWLEDGED: (Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED, Status.CLOSED),
    Status.IN_PROGRESS: (Status.WAITING, Status.RESOLVED, Status.CLOSED),
    Status.WAITING: (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED),
    Status.RESOLVED: (Status.IN_PROGRESS,),
    Status.CLOSED: (Status.IN_PROGRESS,),
}
# A duplicate is closed by merging it into its original, which records the link.
CLOSE_REASONS_BY_HAND = (CloseReason.REFERRED, CloseReason.NOT_ACTIONABLE)

# The fields a change of status may touch (see ``targets.record_transition``).
CLOCK_FIELDS = [
    "status",
    "close_reason",
    "duplicate_of",
    "acknowledged_at",
    "resolved_at",
    "acknowledge_due",
    "resolve_due",
    "paused_since",
    "paused_hours",
    "acknowledge_hours",
    "resolve_hours",
    "next_due",
    "next_warning",
    "escalated_at",  # cleared when another clock starts (see ``targets``)
    "updated_at",
]


def next_statuses(status: str) -> tuple[Status, ...]:
    """The statuses an item in ``status`` may move to."""
    return TRANSITIONS.get(status, ())


# Shared steps ----------------------------------------------------------------------------


def _now() -> dt.datetime:
    """The moment services record (real time, or the demo's replayed moment)."""
    return clock.now()


def _lock(item: Item) -> None:
    """Re-read the item under a row lock (inside the caller's transaction), so that two staff
    members acting at once each see the other's change, and check the viewer again on it."""
    locked = Item.objects.select_for_update(of=("self",)).select_related("organization", "category")
    item.refresh_from_db(from_queryset=locked)


def _guard(actor: User, item: Item) -> None:
    require(rules.can_see_feedback_item(actor, item))


def _text(value: str, field: str, *, limit: int = MAX_TEXT, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(ErrorCode.INVALID, _("This field is required."), field)
    if len(text) > limit:
        raise ServiceError(
            ErrorCode.INVALID,
            _("Write at most %(limit)s characters (you wrote %(count)s).")
            % {"limit": limit, "count": len(text)},
            field,
        )
    return text


def _event(
    item: Item,
    kind: EventKind,
    actor: User | None,
    at: dt.datetime,
    *,
    text: str = "",
    status: str = "",
    public: bool = False,
) -> Event:
    return Event.objects.create(
        organization_id=item.organization_id,
        item=item,
        at=at,
        actor=actor,
        kind=kind,
        status=status,
        text=text,
        public=public,
    )


def _audit(
    actor: User,
    item: Item,
    summary: str,
    changes: Iterable[str] = (),
    action: AuditAction = AuditAction.UPDATE,
) -> None:
    audit.record(
        actor=actor,
        action=action,
        organization=item.organization,
        target=item,
        summary=summary,
        changes=changes,
    )


def _mail_resident(item: Item, event: Event) -> None:
    """Queue the update e-mail after commit, if the resident left an address. The system may
    write to the address of an anonymous resident; staff never see it."""
    if not item.contact_email:
        return
    event_id = event.pk

    def enqueue() -> None:
        from trustbridge.feedback.workflow_tasks import send_update

        send_update.enqueue(event_id=event_id)

    transaction.on_commit(enqueue)


def _invite_to_survey(item: Item) -> None:
    """Ask the resident the procedural-justice questions (``feedback.survey``, the resident
    side's module: it decides whether the resident can be asked, and asks once)."""
    from trustbridge.feedback.survey import invite_to_survey

    invite_to_survey(item)


def _transition(
    actor: User, item: Item, status: Status, at: dt.datetime, calendar: Calendar, reason: str
) -> Event:
    """Move a locked item to ``status``: clocks, the public event, the survey on resolution."""
    record_transition(item, status, at, calendar)
    item.save(update_fields=CLOCK_FIELDS)
    event = _event(item, EventKind.STATUS, actor, at, status=status, text=reason, public=True)
    if status == Status.RESOLVED:
        _invite_to_survey(item)
    return event


def _check_status(item: Item, status: str, reason: str, close_reason: str) -> Status:
    if status not in Status.values:
        raise ServiceError(ErrorCode.INVALID, _("Choose a status from the list."), "status")
    target = Status(status)
    if target not in next_statuses(item.status):
        raise ServiceError(
            ErrorCode.INVALID,
            _("An item that is “%(current)s” cannot become “%(target)s”.")
            % {"current": Status(item.status).label, "target": target.label},
            "status",
        )
    if target == Status.CLOSED:
        if close_reason == CloseReason.DUPLICATE:
            raise ServiceError(
                ErrorCode.INVALID,
                _("To close a duplicate, merge it into the original item."),
                "close_reason",
            )
        if close_reason not in CLOSE_REASONS_BY_HAND:
            raise ServiceError(ErrorCode.INVALID, _("Say why the item is closed."), "close_reason")
        if not reason:
            raise ServiceError(
                ErrorCode.INVALID, _("Explain the closing to the resident."), "reason"
            )
    if item.status in FINISHED and not reason:
        raise ServiceError(ErrorCode.INVALID, _("Say why the item is reopened."), "reason")
    return target


# The status workflow ---------------------------------------------------------------------


def change_status(
    actor: User, item: Item, status: str, *, reason: str = "", close_reason: str = ""
) -> Item:
    """Move an item along the workflow (new → acknowledged → in progress → resolved, or
    closed as referred or not actionable with a reason; waiting for the resident pauses the
    clocks; a finished item may be reopened with a reason).

    ``reason`` is written for the resident: it appears with the status on their tracking
    page and in the e-mail they receive. Asking for the status the item already has changes
    nothing.
    """
    reason = _text(reason, "reason", limit=MAX_REASON, required=False)
    with transaction.atomic():
        _lock(item)
        _guard(actor, item)
        if status == item.status and (status != Status.CLOSED or close_reason == item.close_reason):
            return item
        target = _check_status(item, status, reason, close_reason)
        changes = ["status"]
        reopened = item.status in FINISHED
        if target == Status.CLOSED:
            item.close_reason = close_reason
            changes.append("close_reason")
        elif reopened:
            item.close_reason = ""
            item.duplicate_of = None
            changes += ["close_reason", "duplicate_of"]
        event = _transition(actor, item, target, _now(), Calendar.of(item.organization), reason)
        _audit(actor, item, "feedback reopened" if reopened else "feedback status", changes)
        _mail_resident(item, event)
    return item


def reply(actor: User, item: Item, text: str) -> Event:
    """Answer the resident publicly: on their tracking page and, if they left an address, by
    e-mail in their language. A first reply to a new item acknowledges it (the resident has
    heard from us, which is what the acknowledgement target measures)."""
    text = _text(text, "text")
    with transaction.atomic():
        _lock(item)
        _guard(actor, item)
        at = _now()
        changes = ["events"]
        if item.status == Status.NEW:
            calendar = Calendar.of(item.organization)
            _transition(actor, item, Status.ACKNOWLEDGED, at, calendar, "")
            changes.append("status")
        else:
            Item.objects.filter(pk=item.pk).update(updated_at=at)
        event = _event(item, EventKind.REPLY, actor, at, text=text, public=True)
        _audit(actor, item, "feedback reply", changes)
        _mail_resident(item, event)
    return event


def add_note(actor: User, item: Item, text: str) -> Event:
    """An internal note: staff only, never on the resident's or the public timeline."""
    text = _text(text, "text")
    with transaction.atomic():
        _lock(item)
        _guard(actor, item)
        event = _event(item, EventKind.NOTE, actor, _now(), text=text)
        _audit(actor, item, "feedback note", ["events"])
    return event


def assign(actor: User, item: Item, *, user: User | None = None, team: Team | None = None) -> Item:
    """Give the item to a person and/or a team (None clears). The person must be allowed to
    work this item: for a conduct complaint, professional standards, and never the staff
    member it is about."""
    with transaction.atomic():
        _lock(item)
        _guard(actor, item)
        if team is not None and team.organization_id != item.organization_id:
            raise ServiceError(ErrorCode.INVALID, _("Choose a team from the list."), "team")
        if user is not None and not rules.can_see_feedback_item(user, item):
            raise ServiceError(
                ErrorCode.INVALID, _("This person cannot work on this item."), "user"
            )
        if (item.assignee_id, item.team_id) == (
            user.pk if user else None,
            team.pk if team else None,
        ):
            return item
        item.assignee, item.team = user, team
        item.save(update_fields=["assignee", "team", "updated_at"])
        tokens = [f"user:{user.pk}"] if user else []
        tokens += [f"team:{team.pk}"] if team else []
        _event(item, EventKind.ASSIGNED, actor, _now(), text=" ".join(tokens))
        _audit(actor, item, "feedback assigned", ["assignee", "team"])
    return item


def merge(actor: User, duplicate: Item, original: Item, *, reason: str = "") -> Item:
    """Close ``duplicate`` as a duplicate of ``original`` and link them.

    Nothing of the duplicate is copied to the original (its resident, words and photos stay
    with it); both histories record the merge for staff. ``reason``, if given, is shown to
    the duplicate's resident; the original's reference never is (it would let them look up
    another resident's item).
    """
    reason = _text(reason, "reason", limit=MAX_REASON, required=False)
    with transaction.atomic():
        # Lock in a fixed order, so that two merges of the same pair cannot deadlock.
        first, second = sorted((duplicate, original), key=lambda i: i.pk)
        _lock(first)
        _lock(second)
        _guard(actor, duplicate)
        _guard(actor, original)
        problem = _merge_problem(duplicate, original)
        if problem:
            raise ServiceError(ErrorCode.INVALID, problem, "original")
        at = _now()
        duplicate.close_reason = CloseReason.DUPLICATE
        duplicate.duplicate_of = original
        calendar = Calendar.of(duplicate.organization)
        event = _transition(actor, duplicate, Status.CLOSED, at, calendar, reason)
        _event(duplicate, EventKind.MERGED, actor, at, text=f"into:{original.reference}")
        _event(original, EventKind.MERGED, actor, at, text=f"from:{duplicate.reference}")
        Item.objects.filter(pk=original.pk).update(updated_at=at)
        _audit(actor, duplicate, "feedback merged", ["status", "close_reason", "duplicate_of"])
        _mail_resident(duplicate, event)
    return duplicate


def _merge_problem(duplicate: Item, original: Item) -> str:
    if duplicate.organization_id != original.organization_id:
        return _("Choose an item from the list.")
    if duplicate.pk == original.pk:
        return _("An item cannot be merged into itself.")
    if (duplicate.kind == Kind.CONDUCT) != (original.kind == Kind.CONDUCT):
        return _("A complaint about conduct can only be merged with another such complaint.")
    if original.duplicate_of_id is not None:
        return _("That item is itself a duplicate: merge into its original instead.")
    if duplicate.status in FINISHED:
        return _("This item is already finished: reopen it first.")
    return ""


class BulkAction(models.TextChoices):
    ASSIGN = "assign", _("Assign")
    STATUS = "status", _("Change the status")
    NOT_ACTIONABLE = "not_actionable", _("Close as not actionable")


def bulk(
    actor: User,
    items: Sequence[Item],
    action: str,
    *,
    user: User | None = None,
    team: Team | None = None,
    status: str = "",
    reason: str = "",
) -> int:
    """Apply one action to several items, all or nothing.

    Every item is checked (the actor may work it, the action suits it) and a refusal of any
    one of them changes none; the error names the item. Returns how many were changed.
    """
    if not items:
        raise ServiceError(ErrorCode.INVALID, _("Select at least one item."), "items")
    if len(items) > MAX_BULK:
        raise ServiceError(
            ErrorCode.INVALID,
            _("Select at most %(limit)s items at once.") % {"limit": MAX_BULK},
            "items",
        )
    if action not in BulkAction.values:
        raise ServiceError(ErrorCode.INVALID, _("Choose an action from the list."), "action")
    for item in items:  # refuse before touching anything
        _guard(actor, item)
    with transaction.atomic():
        for item in sorted(items, key=lambda i: i.pk):
            try:
                if action == BulkAction.ASSIGN:
                    assign(actor, item, user=user, team=team)
                elif action == BulkAction.STATUS:
                    change_status(actor, item, status, reason=reason)
                else:
                    change_status(
                        actor,
                        item,
                        Status.CLOSED,
                        reason=reason,
                        close_reason=CloseReason.NOT_ACTIONABLE,
                    )
            except ServiceError as error:
                raise ServiceError(
                    error.code,
                    _("Nothing was changed. %(reference)s: %(problem)s")
                    % {"reference": item.reference, "problem": error.message},
                    error.field,
                ) from error
    return len(items)


def set_subject(actor: User, item: Item, user: User) -> Item:
    """Name the staff member a conduct complaint is about. From then on they can never see
    it: not in any list, search, count, page, e-mail or history. The subject may be
    corrected to another person but never removed, and stops being its assignee."""
    with transaction.atomic():
        _lock(item)
        _guard(actor, item)
        require(rules.can_work_conduct_complaints(actor, item.organization))
        if item.kind != Kind.CONDUCT:
            raise ServiceError(
                ErrorCode.INVALID,
                _("Only a complaint about conduct is about a staff member."),
                "user",
            )
        if not rules.is_staff_of(user, item.organization):
            raise ServiceError(ErrorCode.INVALID, _("Choose a member of staff."), "user")
        if item.subject_id == user.pk:
            return item
        item.subject = user
        fields = ["subject", "updated_at"]
        if item.assignee_id == user.pk:
            item.assignee = None
            fields.append("assignee")
        item.save(update_fields=fields)
        _event(item, EventKind.ASSIGNED, actor, _now(), text=f"subject:{user.pk}")
        _audit(actor, item, "conduct complaint subject", [f for f in fields if f != "updated_at"])
    return item


def reveal_contact(actor: User, item: Item) -> bool:
    """Let a colleague read the resident's contact details, recording the read in the audit
    log (a view of personal data). Never for a resident who asked to stay anonymous, even to
    staff; returns whether the details may be shown."""
    _guard(actor, item)
    given = [f for f in ("contact_name", "contact_email", "contact_phone") if getattr(item, f)]
    if item.anonymous or not given:
        return False
    _audit(actor, item, "feedback contact details", given, AuditAction.VIEW_PERSONAL)
    return True


# Moderation ------------------------------------------------------------------------------


def moderate(actor: User, item: Item, *, approve: bool, public_text: str = "") -> Item:
    """Decide whether an item the resident allowed to be public is shown on the public
    accountability page, and with which words. An approved text must hold no personal
    details (e-mail addresses, phone numbers, names: ``feedback.abuse.personal_details``).
    Complaints about conduct are never published, only counted."""
    from trustbridge.feedback.abuse import personal_details

    with transaction.atomic():
        _lock(item)
        _guard(actor, item)
        require(rules.can_moderate_feedback(actor, item.organization))
        if item.moderation == Moderation.NOT_ASKED or not item.wants_public:
            raise ServiceError(
                ErrorCode.INVALID, _("The resident did not allow this item to be public.")
            )
        if approve:
            if item.kind == Kind.CONDUCT:
                raise ServiceError(
                    ErrorCode.INVALID, _("Complaints about conduct are never published.")
                )
            text = _text(public_text, "public_text")
            if personal_details(text):
                raise ServiceError(
                    ErrorCode.INVALID,
                    _("Remove the personal details marked below before publishing."),
                    "public_text",
                )
            item.moderation, item.public_text = Moderation.APPROVED, text
        else:
            item.moderation, item.public_text = Moderation.REJECTED, ""
        item.save(update_fields=["moderation", "public_text", "updated_at"])
        _event(item, EventKind.MODERATED, actor, _now(), text=str(item.moderation))
        _audit(actor, item, "feedback moderated", ["moderation", "public_text"])
    return item


# Configuration: canned replies -----------------------------------------------------------

CANNED_FIELDS = ("title", "text_en", "text_fr", "text_es")


def _config_audit(
    actor: User,
    organization: Organization,
    target: models.Model,
    action: AuditAction,
    changes: Iterable[str] = (),
) -> None:
    audit.record(
        actor=actor, action=action, organization=organization, target=target, changes=changes
    )


def _apply(instance: models.Model, changes: dict[str, Any], allowed: Sequence[str]) -> list[str]:
    """Set the allowed fields that really change; refuse unknown ones."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ServiceError(
            ErrorCode.INVALID, _("This field cannot be changed."), sorted(unknown)[0]
        )
    changed = []
    for name, value in changes.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def create_canned_reply(
    actor: User, organization: Organization, *, title: str, text_en: str, **texts: str
) -> CannedReply:
    """A reply staff can start from, in English and optionally French and Spanish (a reply
    to an item in a language without its own text starts from the English one)."""
    require(rules.can_configure_feedback(actor, organization))
    canned = CannedReply(organization=organization)
    _apply(canned, {"title": title, "text_en": text_en, **texts}, CANNED_FIELDS)
    full_clean(canned, exclude=["organization"])
    with transaction.atomic():
        canned.save()
        _config_audit(actor, organization, canned, AuditAction.CREATE)
    return canned


def update_canned_reply(actor: User, canned: CannedReply, **changes: str) -> CannedReply:
    organization = canned.organization
    require(rules.can_configure_feedback(actor, organization))
    changed = _apply(canned, changes, CANNED_FIELDS)
    if not changed:
        return canned
    try:
        full_clean(canned, exclude=["organization"])
    except ServiceErrors:
        canned.refresh_from_db()
        raise
    with transaction.atomic():
        canned.save(update_fields=changed)
        _config_audit(actor, organization, canned, AuditAction.UPDATE, changed)
    return canned


def delete_canned_reply(actor: User, canned: CannedReply) -> None:
    require(rules.can_configure_feedback(actor, canned.organization))
    with transaction.atomic():
        _config_audit(actor, canned.organization, canned, AuditAction.DELETE)
        canned.delete()


# Configuration: categories and their targets ---------------------------------------------

CATEGORY_FIELDS = (
    "name",
    "description",
    "kind",
    "acknowledge_hours",
    "resolve_hours",
    "position",
    "active",
)


def _check_targets(category: Category) -> None:
    errors = []
    if category.acknowledge_hours is not None and category.acknowledge_hours < 1:
        errors.append(
            ServiceError(ErrorCode.INVALID, _("Give at least one hour."), "acknowledge_hours")
        )
    if category.resolve_hours is not None and category.resolve_hours < 1:
        errors.append(
            ServiceError(ErrorCode.INVALID, _("Give at least one hour."), "resolve_hours")
        )
    if (
        not errors
        and category.acknowledge_hours is not None
        and category.resolve_hours is not None
        and category.resolve_hours < category.acknowledge_hours
    ):
        errors.append(
            ServiceError(
                ErrorCode.INVALID,
                _("The target to resolve cannot be shorter than the target to acknowledge."),
                "resolve_hours",
            )
        )
    if errors:
        raise ServiceErrors(errors)


def create_category(
    actor: User,
    organization: Organization,
    *,
    code: str,
    name: str,
    acknowledge_hours: int,
    resolve_hours: int,
    description: str = "",
    kind: str = "",
    position: int = 0,
    active: bool = True,
) -> Category:
    """A new category (an Open311 service). Its ``code`` is what clients and links use, so
    it cannot change afterwards. Targets are in business hours."""
    require(rules.can_configure_feedback(actor, organization))
    category = Category(organization=organization, code=code.strip().lower())
    _apply(
        category,
        {
            "name": name,
            "description": description,
            "kind": kind,
            "acknowledge_hours": acknowledge_hours,
            "resolve_hours": resolve_hours,
            "position": position,
            "active": active,
        },
        CATEGORY_FIELDS,
    )
    full_clean(category, exclude=["organization"])
    _check_targets(category)
    if scoped(Category, organization).filter(code=category.code).exists():
        raise ServiceError(ErrorCode.DUPLICATE, _("A category already has this code."), "code")
    try:
        with transaction.atomic():
            category.save()
            _config_audit(actor, organization, category, AuditAction.CREATE)
    except IntegrityError as exc:  # a concurrent create took the code
        raise ServiceError(
            ErrorCode.DUPLICATE, _("A category already has this code."), "code"
        ) from exc
    return category


def update_category(actor: User, category: Category, **changes: Any) -> Category:
    """Rename, retarget, reorder or (de)activate a category. New targets apply to items
    received from then on; items already received keep the due times they were given.
    The kind cannot change once items use the category (it decides who may see them)."""
    organization = category.organization
    require(rules.can_configure_feedback(actor, organization))
    old_kind = category.kind
    changed = _apply(category, changes, CATEGORY_FIELDS)
    if not changed:
        return category
    try:
        full_clean(category, exclude=["organization"])
        _check_targets(category)
        if (
            "kind" in changed
            and Item.objects.filter(organization=organization, category=category).exists()
        ):
            raise ServiceError(
                ErrorCode.INVALID,
                _("Items use this category: its kind can no longer change."),
                "kind",
            )
        if "kind" in changed and Kind.CONDUCT in (old_kind, category.kind):
            raise ServiceError(
                ErrorCode.INVALID,
                _("The category of complaints about conduct keeps its kind."),
                "kind",
            )
    except (ServiceError, ServiceErrors):
        category.refresh_from_db()
        raise
    with transaction.atomic():
        category.save(update_fields=changed)
        _config_audit(actor, organization, category, AuditAction.UPDATE, changed)
    return category


def delete_category(actor: User, category: Category) -> None:
    """Remove a category no item uses; one that items use is made inactive instead (it
    keeps their history and the accountability figures whole)."""
    organization = category.organization
    require(rules.can_configure_feedback(actor, organization))
    if Item.objects.filter(organization=organization, category=category).exists():
        raise ServiceError(
            ErrorCode.INVALID,
            _("Items use this category: make it inactive instead, so residents stop seeing it."),
            "active",
        )
    with transaction.atomic():
        _config_audit(actor, organization, category, AuditAction.DELETE)
        category.delete()


# Configuration: teams --------------------------------------------------------------------


def _check_members(organization: Organization, members: Sequence[User]) -> None:
    if any(not rules.is_staff_of(m, organization) for m in members):
        raise ServiceError(ErrorCode.INVALID, _("Choose members of staff."), "members")


def create_team(
    actor: User, organization: Organization, *, name: str, members: Sequence[User] = ()
) -> Team:
    require(rules.can_configure_feedback(actor, organization))
    _check_members(organization, members)
    team = Team(organization=organization, name=name.strip())
    full_clean(team, exclude=["organization", "members"])
    if scoped(Team, organization).filter(name=team.name).exists():
        raise ServiceError(ErrorCode.DUPLICATE, _("A team already has this name."), "name")
    try:
        with transaction.atomic():
            team.save()
            team.members.set(members)
            _config_audit(actor, organization, team, AuditAction.CREATE, ["name", "members"])
    except IntegrityError as exc:
        raise ServiceError(ErrorCode.DUPLICATE, _("A team already has this name."), "name") from exc
    return team


def update_team(
    actor: User, team: Team, *, name: str | None = None, members: Sequence[User] | None = None
) -> Team:
    organization = team.organization
    require(rules.can_configure_feedback(actor, organization))
    changed = []
    if members is not None:
        _check_members(organization, members)
        if {m.pk for m in members} != set(team.members.values_list("pk", flat=True)):
            changed.append("members")
    if name is not None and name.strip() != team.name:
        name = name.strip()
        if scoped(Team, organization).filter(name=name).exclude(pk=team.pk).exists():
            raise ServiceError(ErrorCode.DUPLICATE, _("A team already has this name."), "name")
        original = team.name
        team.name = name
        try:
            full_clean(team, exclude=["organization", "members"])
        except ServiceErrors:
            team.name = original
            raise
        changed.append("name")
    if not changed:
        return team
    with transaction.atomic():
        if "name" in changed:
            team.save(update_fields=["name"])
        if "members" in changed and members is not None:
            team.members.set(members)
        _config_audit(actor, organization, team, AuditAction.UPDATE, changed)
    return team


def delete_team(actor: User, team: Team) -> None:
    """Remove a team; its items stay, no longer given to a team (their history keeps it)."""
    require(rules.can_configure_feedback(actor, team.organization))
    with transaction.atomic():
        _config_audit(actor, team.organization, team, AuditAction.DELETE)
        team.delete()


# Configuration: the working calendar -----------------------------------------------------

CALENDAR_FIELDS = ("work_start", "work_end", "work_days", "warn_at_share", "allow_anonymous")


def update_calendar(actor: User, organization: Organization, **changes: Any) -> FeedbackSettings:
    """Working hours, working days (a list of 0 Monday … 6 Sunday), the share of a target after which
    items are flagged, and whether residents may stay anonymous even to staff.

    New hours apply to clocks from then on; items keep the due times they were given.
    """
    require(rules.can_configure_feedback(actor, organization))
    config, _created = FeedbackSettings.objects.get_or_create(organization=organization)
    if "work_days" in changes:
        days = sorted({int(d) for d in changes["work_days"]})
        if not days or any(d < 0 or d > 6 for d in days):
            raise ServiceError(
                ErrorCode.INVALID, _("Choose at least one working day."), "work_days"
            )
        changes["work_days"] = ",".join(str(d) for d in days)
    original = {name: getattr(config, name) for name in CALENDAR_FIELDS}
    changed = _apply(config, changes, CALENDAR_FIELDS)
    if not changed:
        return config
    try:
        full_clean(config, exclude=["organization"])
        if config.work_end <= config.work_start:
            raise ServiceError(
                ErrorCode.INVALID,
                _("The working day must end after it starts."),
                "work_end",
            )
        if not 1 <= config.warn_at_share <= 100:
            raise ServiceError(
                ErrorCode.INVALID, _("Give a share between 1 and 100 percent."), "warn_at_share"
            )
    except (ServiceError, ServiceErrors):
        for name, value in original.items():
            setattr(config, name, value)
        raise
    with transaction.atomic():
        config.save(update_fields=changed)
        _config_audit(actor, organization, config, AuditAction.UPDATE, changed)
    return config


def add_holiday(actor: User, organization: Organization, *, day: dt.date, name: str) -> Holiday:
    """A day without working hours: target clocks do not run on it."""
    require(rules.can_configure_feedback(actor, organization))
    holiday = Holiday(organization=organization, day=day, name=name.strip())
    full_clean(holiday, exclude=["organization"])
    if scoped(Holiday, organization).filter(day=day).exists():
        raise ServiceError(ErrorCode.DUPLICATE, _("This day is already a holiday."), "day")
    try:
        with transaction.atomic():
            holiday.save()
            _config_audit(actor, organization, holiday, AuditAction.CREATE)
    except IntegrityError as exc:
        raise ServiceError(ErrorCode.DUPLICATE, _("This day is already a holiday."), "day") from exc
    return holiday


def remove_holiday(actor: User, holiday: Holiday) -> None:
    organization = holiday.organization
    require(rules.can_configure_feedback(actor, organization))
    with transaction.atomic():
        _config_audit(actor, organization, holiday, AuditAction.DELETE)
        holiday.delete()
