"""Every permission in one module of named rules, used by views, API, templates and services.

A rule takes the acting user first and answers True or False; it never raises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.mfa.models import Authenticator

from trustbridge.core.models import STAFF_ROLES, Membership, Organization, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustbridge.accounts.models import User

    Actor = User | AnonymousUser
else:
    Actor = Any

_CACHE = "_trustbridge_memberships"


def memberships(user: Actor) -> dict[int, Membership]:
    """The user's memberships by organisation id, read once per user object."""
    if not user.is_authenticated or not user.is_active:
        return {}
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = {
            m.organization_id: m
            for m in Membership.objects.filter(user=user).select_related("organization")
        }
        setattr(user, _CACHE, cached)
    return cached


def forget_memberships(user: Actor) -> None:
    """Call after a membership changes, so the next rule reads it afresh."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def role_in(user: Actor, organization: Organization) -> Role | None:
    membership = memberships(user).get(organization.pk)
    return Role(membership.role) if membership else None


def _has_role(user: Actor, organization: Organization, roles: frozenset[Role] | set[Role]) -> bool:
    return role_in(user, organization) in roles


def has_mfa(user: Actor) -> bool:
    return (
        user.is_authenticated
        and Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    )


def must_enrol_mfa(user: Actor) -> bool:
    """Anyone holding a role in any organisation must use TOTP before any staff page."""
    return bool(memberships(user)) and not has_mfa(user)


def is_member(user: Actor, organization: Organization) -> bool:
    return role_in(user, organization) is not None


def is_staff_of(user: Actor, organization: Organization) -> bool:
    return _has_role(user, organization, STAFF_ROLES)


def can_enter_staff_area(user: Actor, organization: Organization) -> bool:
    return is_staff_of(user, organization)


def can_edit_organization(user: Actor, organization: Organization) -> bool:
    return _has_role(user, organization, {Role.ADMIN})


def can_manage_areas(user: Actor, organization: Organization) -> bool:
    return _has_role(user, organization, {Role.ADMIN, Role.SUPERVISOR})


def can_view_members(user: Actor, organization: Organization) -> bool:
    return _has_role(user, organization, {Role.ADMIN, Role.SUPERVISOR})


def can_manage_members(user: Actor, organization: Organization) -> bool:
    return _has_role(user, organization, {Role.ADMIN})


def can_view_audit_log(user: Actor, organization: Organization) -> bool:
    return _has_role(user, organization, {Role.ADMIN})


def can_hold_api_token(user: Actor, organization: Organization) -> bool:
    return is_staff_of(user, organization)


def can_import_incidents(user: Actor, organization: Organization) -> bool:
    return _has_role(user, organization, {Role.ADMIN, Role.SUPERVISOR})


def can_manage_initiatives(user: Actor, organization: Organization) -> bool:
    """Draft initiatives: write and change them, their milestones and updates while unpublished."""
    return _has_role(user, organization, {Role.ADMIN, Role.SUPERVISOR, Role.OFFICER})


def can_publish_initiatives(user: Actor, organization: Organization) -> bool:
    """Publish and withdraw initiatives, change what is public, and publish success stories."""
    return _has_role(user, organization, {Role.ADMIN, Role.SUPERVISOR})


def can_change_initiative(user: Actor, initiative: Any) -> bool:
    """Change an initiative: drafters while it is unpublished; publishers at any time."""
    organization = initiative.organization
    if initiative.published:
        return can_publish_initiatives(user, organization)
    return can_manage_initiatives(user, organization)


# Feedback ----------------------------------------------------------------------------------
# Conduct complaints are a restricted queue: only professional standards (and admins, who
# appoint them) see them, and never the staff member the complaint is about.

FEEDBACK_WORKERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.OFFICER, Role.MODERATOR})


def can_work_feedback(user: Actor, organization: Organization) -> bool:
    """See the inbox of ordinary feedback, reply, note, change status, assign, merge."""
    return _has_role(user, organization, FEEDBACK_WORKERS)


def can_work_conduct_complaints(user: Actor, organization: Organization) -> bool:
    """See and work the restricted queue of complaints about conduct."""
    return _has_role(user, organization, {Role.ADMIN, Role.STANDARDS})


def can_enter_feedback(user: Actor, organization: Organization) -> bool:
    """Open the feedback area: its ordinary inbox or the conduct queue."""
    return can_work_feedback(user, organization) or can_work_conduct_complaints(user, organization)


def can_manage_client_keys(user: Actor, organization: Organization) -> bool:
    """Issue and revoke the Open311 keys of applications that submit for residents."""
    return _has_role(user, organization, {Role.ADMIN})


def can_see_feedback_item(user: Actor, item: Any) -> bool:
    """An item's staff page: by its queue, and never for the staff member it is about."""
    if item.subject_id is not None and item.subject_id == getattr(user, "pk", None):
        return False
    if item.kind == "conduct":
        return can_work_conduct_complaints(user, item.organization)
    return can_work_feedback(user, item.organization)


def can_moderate_feedback(user: Actor, organization: Organization) -> bool:
    """Approve what goes on the public accountability page, with personal details redacted."""
    return _has_role(user, organization, {Role.ADMIN, Role.SUPERVISOR, Role.MODERATOR})


def can_configure_feedback(user: Actor, organization: Organization) -> bool:
    """Categories and their targets, the calendar, teams and canned replies."""
    return _has_role(user, organization, {Role.ADMIN, Role.SUPERVISOR})


def is_escalation_contact(user: Actor, organization: Organization) -> bool:
    """Who is e-mailed when ordinary items approach or pass their targets."""
    return _has_role(user, organization, {Role.SUPERVISOR})


EVENT_ORGANIZERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.OFFICER})


def can_organize_events(user: Actor, organization: Organization) -> bool:
    """Create, edit, publish, reschedule and cancel events; see and message attendees."""
    return _has_role(user, organization, EVENT_ORGANIZERS)


def can_log_contacts(user: Actor, organization: Organization) -> bool:
    """Log informal contacts with residents for the engagement figures."""
    return _has_role(user, organization, EVENT_ORGANIZERS)


QUESTION_MODERATORS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.OFFICER, Role.MODERATOR})


def can_moderate_questions(user: Actor, organization: Organization) -> bool:
    """Approve, hide, merge and answer town-hall questions."""
    return _has_role(user, organization, QUESTION_MODERATORS)


def can_follow_up_questions(user: Actor, organization: Organization) -> bool:
    """See town-hall questions past their written-answer date, and be e-mailed about them."""
    return _has_role(user, organization, {Role.ADMIN, Role.SUPERVISOR})
