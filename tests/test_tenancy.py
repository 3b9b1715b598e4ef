"""Nobody reads or changes what is not theirs.

Every URL pattern of the site and every operation of the API is requested, by GET and POST
(and each operation by its own method), as:

- an anonymous visitor;
- a signed-in resident (no membership anywhere);
- the administrator of ANOTHER organisation, enrolled in TOTP, with a write token of their own;
- the same administrator on their OWN organisation's staff pages and API, pointing at the
  victim's objects (membership, invitation, area);
- members of the target organisation whose role refuses the page (an officer on admin pages,
  a partner on any staff page), and the target's own read-only token on every API write.

The target, "victim", has staff of every kind, areas, a pending invitation, API tokens and
audit events recorded from a known address. Each answer must have the expected status, must
not contain any of the victim's private details (staff e-mail addresses, the invited address,
token prefixes, audit addresses), and must have changed nothing (row counts of every model
and a digest of every tenant row, taken before and after).

The cases come from Django's resolver and from the API's OpenAPI schema (tests/routes.py).
A page guarded by ``@staff_view`` and every API operation are covered as soon as they exist;
any other route must be listed in PUBLIC_ROUTES below with the reason it is open, or
``test_every_route_is_exercised_or_listed_as_public`` fails. A staff page that officers may
open goes in OFFICER_PAGES; an API operation without a token, in PUBLIC_OPERATIONS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import int_to_base36
from PIL import Image

from tests.conftest import TOTP_SECRET
from tests.factories import MembershipFactory, UserFactory, square
from tests.routes import Operation, Route, all_operations, all_routes
from trustbridge.accounts import services as account_services
from trustbridge.accounts.models import ApiToken, User
from trustbridge.core import services
from trustbridge.core.context import client_ip
from trustbridge.core.models import (
    Area,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    OrganizationKind,
    Role,
)
from trustbridge.events import questions as event_questions
from trustbridge.events import services as event_services
from trustbridge.events.models import Commitment, Question, Recap, RecapPhoto, Rsvp
from trustbridge.events.models import Event as CalendarEvent
from trustbridge.feedback import client_keys, intake, rollup, workflow
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import CannedReply, Category, ClientKey, Holiday, Item, Team
from trustbridge.transparency import initiatives as initiative_services
from trustbridge.transparency.models import ImportRun, InitiativeUpdate, Milestone

VICTIM_IP = "203.0.113.77"
VICTIM_REPORTER = "reporter.hidden@victim-residents.example"
VICTIM_FEEDBACK = "Hidden lane lamp flickers by number 12"
VICTIM_GUEST = "guest.hidden@victim-residents.example"
VICTIM_QUESTION = "Hidden question about the corner of Elm and 5th"
INTRUDER_IP = "198.51.100.23"


@dataclass
class World:
    victim: Organization
    intruder_org: Organization
    victim_staff: dict[str, User]  # by role: admin, supervisor, officer, partner
    victim_areas: list[Area]
    intruder_areas: list[Area]
    invitation: Invitation
    invitation_secret: str
    victim_write_token: ApiToken
    victim_read_token: ApiToken
    victim_read_secret: str
    intruder: User
    intruder_token: ApiToken
    intruder_secret: str
    resident: User
    victim_item: Item
    victim_event: CalendarEvent

    def victim_markers(self, *, seen_by: User | None = None) -> list[str]:
        """What only the victim's staff may see (the viewer's own address excepted)."""
        own = seen_by.email if seen_by is not None else None
        emails = [u.email for u in self.victim_staff.values() if u.email != own]
        return [
            *emails,
            self.invitation.email,
            self.victim_write_token.prefix,
            self.victim_read_token.prefix,
            VICTIM_IP,
            VICTIM_REPORTER,
            VICTIM_FEEDBACK,
            VICTIM_GUEST,
            VICTIM_QUESTION,
        ]

    def intruder_markers(self) -> list[str]:
        return [self.intruder.email, self.intruder_token.prefix, INTRUDER_IP]


def _person(email: str) -> User:
    # As after sign-up: a verified address. No display name, so that a profile form posted
    # without one changes nothing.
    user = UserFactory(email=email, display_name="")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _staff(organization: Organization, role: Role, email: str, *, mfa: bool = True) -> User:
    user = _person(email)
    MembershipFactory(organization=organization, user=user, role=role)
    if mfa:
        TOTP.activate(user, TOTP_SECRET)
    return user


def _publish_initiatives(admin: User, organization: Organization, *, own: str = "") -> None:
    """A published initiative and success story under the short names both organisations
    use, and (for the victim) one of its own with a milestone and an update."""
    for title in ["Harbour watch", *([own] if own else [])]:
        initiative = initiative_services.create_initiative(
            actor=admin, organization=organization, title=title, summary="s", goal="g"
        )
        initiative_services.set_initiative_published(
            actor=admin, initiative=initiative, published=True
        )
        story = "Harbour story" if title == "Harbour watch" else "Victim story"
        initiative_services.create_story(
            actor=admin, organization=organization, title=story, body="b", initiative=initiative
        )
        if title == own:
            initiative_services.add_milestone(actor=admin, initiative=initiative, title="m")
            initiative_services.post_update(actor=admin, initiative=initiative, title="u", body="b")


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def _published_event(organization: Organization, admin: User) -> CalendarEvent:
    """A published town hall in the organisation's area, for its calendar feeds."""
    area = Area.objects.get(organization=organization, slug="old-mill")
    event = event_services.create_event(
        admin,
        organization,
        kind="town_hall",
        texts={"en": {"title": "Old Mill town hall", "description": "Questions welcome."}},
        starts_at=timezone.now() + dt.timedelta(days=30),
        ends_at=timezone.now() + dt.timedelta(days=30, hours=2),
        venue="Old Mill library",
        areas=[area],
    )
    event = event_services.publish_event(admin, event)
    # A guest's sign-up and a question no moderator has approved: neither is public.
    event_services.sign_up(event.occurrences.get(), name="Hidden Guest", email=VICTIM_GUEST)
    event_questions.ask(event, VICTIM_QUESTION, now=timezone.now())
    return event


def _feedback(organization: Organization, admin: User, text: str, email: str) -> Item:
    """An ordinary item with a photo, and a team, a canned reply and a holiday."""
    ensure_feedback_setup(organization)
    submitted = intake.submit_item(
        actor=None,
        organization=organization,
        submission=intake.Submission(
            kind="concern", category="safety", description=text, contact_email=email
        ),
        photos=[_jpeg()],
    )
    workflow.create_team(admin, organization, name="Harbour team")
    workflow.create_canned_reply(
        admin, organization, title="Thanks", text_en="Thank you.", text_fr="", text_es=""
    )
    workflow.add_holiday(admin, organization, day=date(2030, 1, 1), name="New year")
    client_keys.issue_key(admin, organization, "Civic app")
    return submitted.item


def build_world() -> World:
    reset = client_ip.set(VICTIM_IP)  # every victim audit event comes "from" this address
    try:
        victim = services.create_organization(
            actor=None,
            slug="victim-police",
            name="Victim Police Service",
            kind=OrganizationKind.POLICE,
            contact_email="front-desk@victim-police.example",
        )
        staff = {
            "admin": _staff(victim, Role.ADMIN, "chief.hidden@victim-police.example"),
            "supervisor": _staff(victim, Role.SUPERVISOR, "sergeant.hidden@victim-police.example"),
            "officer": _staff(victim, Role.OFFICER, "constable.hidden@victim-police.example"),
            "partner": _staff(
                victim, Role.PARTNER, "school.hidden@victim-police.example", mfa=False
            ),
        }
        admin = staff["admin"]
        victim_areas = [
            services.create_area(
                actor=admin,
                organization=victim,
                name="Victim Harbour Quarter",
                slug="harbour",
                geometry=square(-79.40, 43.60),
            ),
            services.create_area(
                actor=admin,
                organization=victim,
                name="Victim Old Mill",
                slug="old-mill",
                geometry=square(-79.38, 43.60),
            ),
        ]
        invitation, invitation_secret = services.invite(
            actor=admin,
            organization=victim,
            email="recruit.hidden@victim-police.example",
            role=Role.OFFICER,
        )
        write_token, _secret = account_services.create_api_token(
            actor=admin, organization=victim, name="Victim dispatch", scope="write"
        )
        read_token, read_secret = account_services.create_api_token(
            actor=admin, organization=victim, name="Victim dashboard", scope="read"
        )
        _publish_initiatives(admin, victim, own="Victim patrols")
        victim_item = _feedback(victim, admin, VICTIM_FEEDBACK, VICTIM_REPORTER)
        victim_event = _published_event(victim, admin)
    finally:
        client_ip.reset(reset)

    reset = client_ip.set(INTRUDER_IP)
    try:
        intruder_org = services.create_organization(
            actor=None, slug="intruder-security", name="Intruder Security", kind="private"
        )
        intruder = _staff(intruder_org, Role.ADMIN, "boss@intruder-security.example")
        intruder_areas = [
            # The same short name as a victim area, on purpose.
            services.create_area(
                actor=intruder,
                organization=intruder_org,
                name="Intruder Harbour Docks",
                slug="harbour",
                geometry=square(-79.30, 43.70),
            ),
            services.create_area(
                actor=intruder,
                organization=intruder_org,
                name="Intruder Hilltop",
                slug="hilltop",
                geometry=square(-79.28, 43.70),
            ),
        ]
        intruder_token, intruder_secret = account_services.create_api_token(
            actor=intruder, organization=intruder_org, name="Intruder sync", scope="write"
        )
        _publish_initiatives(intruder, intruder_org)
        _feedback(intruder_org, intruder, "Intruder's own feedback", "someone@example.org")
        # The accountability roll-up, as the timer keeps it (a visit would build it first).
        rollup.refresh_everywhere(timezone.now())
    finally:
        client_ip.reset(reset)

    return World(
        victim=victim,
        intruder_org=intruder_org,
        victim_staff=staff,
        victim_areas=victim_areas,
        intruder_areas=intruder_areas,
        invitation=invitation,
        invitation_secret=invitation_secret,
        victim_write_token=write_token,
        victim_read_token=read_token,
        victim_read_secret=read_secret,
        intruder=intruder,
        intruder_token=intruder_token,
        intruder_secret=intruder_secret,
        resident=_person("resident@example.org"),
        victim_item=victim_item,
        victim_event=victim_event,
    )


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    """Built once for the module, inside a transaction that is rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(built_world, db):
    """The module's world, with each test's own changes rolled back after it."""
    return built_world


# Who asks ------------------------------------------------------------------------------

ANONYMOUS, RESIDENT, INTRUDER, OFFICER, PARTNER = (
    "anonymous",
    "resident",
    "intruder",
    "victim-officer",
    "victim-partner",
)
OUTSIDERS = (ANONYMOUS, RESIDENT, INTRUDER)


def user_of(w: World, actor: str) -> User | None:
    return {
        ANONYMOUS: None,
        RESIDENT: w.resident,
        INTRUDER: w.intruder,
        OFFICER: w.victim_staff["officer"],
        PARTNER: w.victim_staff["partner"],
    }[actor]


def client_of(w: World, actor: str) -> Client:
    client = Client()
    user = user_of(w, actor)
    if user is not None:
        client.force_login(user)
    return client


# What must not change ------------------------------------------------------------------

# Rows compared value by value (people's rows too, in snapshot()). ApiToken.last_used_at moves
# whenever a token is presented (the intruder's own, or the victim's read token refused for a
# write); User.last_login moves when the test signs its visitor in.
DIGESTED: dict[type[Any], tuple[str, ...]] = {
    Organization: (),
    Area: (),
    Membership: (),
    Invitation: (),
    ApiToken: ("last_used_at",),
    EmailAddress: (),
    Authenticator: (),
}
OWN_ACCOUNT = "the visitor's own account"
AUDIT_COUNT = f"count {AuditEvent._meta.label}"


def _digest(queryset: Any, skip: tuple[str, ...] = ()) -> str:
    fields = [f.attname for f in queryset.model._meta.concrete_fields if f.attname not in skip]
    rows = list(queryset.order_by("pk").values_list(*fields))
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


def snapshot(w: World, visitor: User | None) -> dict[str, Any]:
    """Row counts of every model and a digest of every row anyone could try to change."""
    # A visitor's own session is theirs to open and end; nobody else's can be reached.
    models = [
        m for m in apps.get_models() if m is not Session and m._meta.managed and not m._meta.proxy
    ]
    # One query for all counts; the table names come from the models, not from input.
    quote = connection.ops.quote_name
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + counts)
        row = cursor.fetchone()
    state: dict[str, Any] = {f"count {m._meta.label}": n for m, n in zip(models, row, strict=True)}
    for model, skip in DIGESTED.items():
        state[f"rows {model._meta.label}"] = _digest(model._default_manager.all(), skip)
    visitor_pk = visitor.pk if visitor is not None else None
    state["rows of other people"] = _digest(User.objects.exclude(pk=visitor_pk), ("last_login",))
    state[OWN_ACCOUNT] = _digest(User.objects.filter(pk=visitor_pk), ("last_login",))
    state["victim audit events"] = AuditEvent.objects.filter(organization=w.victim).count()
    return state


def assert_nothing_changed(
    before: dict[str, Any], after: dict[str, Any], allowed: frozenset[str] = frozenset()
) -> None:
    changed = sorted(key for key in before if before[key] != after[key] and key not in allowed)
    assert changed == []


def text_of(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace") + " " + response.get("Location", "")


def assert_shows_none_of(response: Any, markers: list[str]) -> None:
    text = text_of(response)
    assert [m for m in markers if m in text] == []


# The form a would-be intruder posts everywhere: valid for every form of the site, so that a
# missing guard would really create, change or delete something. No "confirm" (which would
# erase the visitor's own account) and no display name (which would change their profile).
def attack_form(w: World) -> dict[str, Any]:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "Seized"}, "geometry": square(-79.1, 43.9)}
        ],
    }
    return {
        "name": "Seized by intruder",
        "slug": "seized",
        "kind": "neighbourhood",
        "population": "1",
        "description": "seized",
        "geometry": json.dumps(square(-79.2, 43.8)),
        "file": SimpleUploadedFile(
            "areas.geojson", json.dumps(collection).encode(), content_type="application/geo+json"
        ),
        "role": Role.ADMIN,
        "email": "newcomer@intruder-security.example",
        "timezone": "UTC",
        "languages": ["en"],
        "brand_colour": "#000000",
        "contact_email": "newcomer@intruder-security.example",
        "website": "https://intruder-security.example",
        "organization": str(w.victim.pk),
        "scope": "write",
    }


ATTACK_JSON = {
    "name": "Seized by intruder",
    "slug": "seized",
    "kind": "neighbourhood",
    "description": "seized",
    "population": 1,
    "geometry": square(-79.2, 43.8),
    "status": "acknowledged",
    "text": "Seized by intruder",
}


# Pages ------------------------------------------------------------------------------------

SIGN_IN = "sign-in"  # an expected answer: 302 to the sign-in page, coming back here after


@dataclass(frozen=True)
class Open:
    """A route open to outsiders, what each gets for (GET, POST), and why that is right."""

    reason: str
    anonymous: tuple[int | str, int | str]
    signed_in: tuple[int | str, int | str]
    intruder: tuple[int | str, int | str] | None = None  # if not as for the resident
    own_effects: frozenset[str] = frozenset()  # what the visitor may change of their own

    def expected(self, actor: str, method: str) -> int | str:
        answers = {ANONYMOUS: self.anonymous, RESIDENT: self.signed_in}.get(
            actor, self.intruder or self.signed_in
        )
        return answers[0 if method == "get" else 1]


PUBLIC_PAGE = "a public page of the organisation; it shows only that organisation's public data"
ALLAUTH = "django-allauth: "
PERSONAL = "the visitor's own account; it shows and changes only the visitor's own data: "
OPEN311 = "Open311 GeoReport v2 (public by the spec): "

# Every route that is not a staff page (those are found by their @staff_view guard) and not an
# API operation (those come from the OpenAPI schema). Keep the reason true when you add one.
PUBLIC_ROUTES: dict[str, Open] = {
    "core:home": Open(
        "the front page lists organisations by their public names", (200, 405), (200, 405)
    ),
    "core:healthz": Open("process health for load balancers: says 'ok'", (200, 200), (200, 200)),
    "core:readyz": Open(
        "readiness for load balancers: says whether the database is usable", (200, 200), (200, 200)
    ),
    "core:language": Open(
        "switches the interface language by a plain link: sets the visitor's own cookie and "
        "remembers the choice on their own account",
        (302, 405),
        (302, 405),
        own_effects=frozenset({OWN_ACCOUNT}),
    ),
    "core:invitation": Open(
        "an invitation link: the secret in the address is the capability, and only the "
        "invited address may use it: anyone else is told so (400) and sees neither the "
        "invited address nor any member",
        (SIGN_IN, SIGN_IN),
        (400, 400),
    ),
    "core:organization": Open(PUBLIC_PAGE, (200, 405), (200, 405)),
    "core:brand_css": Open(PUBLIC_PAGE + " (its colours)", (200, 405), (200, 405)),
    "core:areas": Open(PUBLIC_PAGE, (200, 405), (200, 405)),
    "core:areas_geojson": Open(PUBLIC_PAGE, (200, 405), (200, 405)),
    "core:area": Open(PUBLIC_PAGE, (200, 405), (200, 405)),
    "transparency:dashboard": Open(
        PUBLIC_PAGE + ": statistics of reported incidents, built from published counts only",
        (200, 405),
        (200, 405),
    ),
    "transparency:privacy": Open(
        PUBLIC_PAGE + ": what is withheld from the statistics and why, from its settings",
        (200, 405),
        (200, 405),
    ),
    "transparency:opendata": Open(
        PUBLIC_PAGE + ": the open data files, their dictionary and licence", (200, 405), (200, 405)
    ),
    "transparency:opendata_incidents_csv": Open(
        PUBLIC_PAGE + ": generalised non-sensitive incidents of published cells",
        (200, 405),
        (200, 405),
    ),
    "transparency:opendata_incidents_geojson": Open(
        PUBLIC_PAGE + ": generalised non-sensitive incidents of published cells",
        (200, 405),
        (200, 405),
    ),
    "transparency:opendata_counts_csv": Open(
        PUBLIC_PAGE + ": published monthly counts, small groups shown as “fewer than k”",
        (200, 405),
        (200, 405),
    ),
    "transparency:initiatives": Open(
        PUBLIC_PAGE + ": published initiatives", (200, 405), (200, 405)
    ),
    "transparency:initiative": Open(
        PUBLIC_PAGE + ": a published initiative (unpublished ones are not found)",
        (200, 405),
        (200, 405),
    ),
    "transparency:stories": Open(
        PUBLIC_PAGE + ": published success stories", (200, 405), (200, 405)
    ),
    "transparency:story": Open(PUBLIC_PAGE + ": a published success story", (200, 405), (200, 405)),
    "transparency:initiative_follow": Open(
        "asks for an initiative's updates by e-mail: it stores nothing (the e-mailed link "
        "carries the address) and answers the same whatever the address; the attack fills "
        "the hidden robot field, so nothing is sent either",
        (200, 200),
        (200, 200),
    ),
    "transparency:follow_confirm": Open(
        "a follow confirmation link: the signed token is the capability; a forged one "
        "confirms nothing",
        (400, 405),
        (400, 405),
    ),
    "transparency:unfollow": Open(
        "an unsubscribe link that works without signing in (and by one-click POST from mail "
        "programs): the signed token is the capability; a forged one removes nothing",
        (400, 400),
        (400, 400),
    ),
    "transparency:update_photo": Open(
        "the photo of a published initiative's update; the victim's update has none",
        (404, 405),
        (404, 405),
    ),
    "feedback:new": Open(
        "the feedback form: anyone may send feedback without an account; showing it writes "
        "nothing, and the attack fills the hidden robot field (`website`), which stores "
        "nothing and answers with the usual redirect",
        (200, 302),
        (200, 302),
    ),
    "feedback:track": Open(
        "a resident's private tracking page: the secret in the address is the capability; "
        "the test holds a wrong one, which gives the same 404 as an unknown reference",
        (404, 404),
        (404, 404),
    ),
    "feedback:track_signed": Open(
        "a signed link from an update e-mail: the token in the query is the capability; "
        "without one (or with a forged one) it gives the same 404 as an unknown reference",
        (404, 404),
        (404, 404),
    ),
    "feedback:survey": Open(
        "the survey link e-mailed to a resident: the secret in the address is the "
        "capability; a wrong one gives the same 404 as an unknown reference",
        (404, 404),
        (404, 404),
    ),
    "feedback:accountability": Open(
        PUBLIC_PAGE + ": response-time figures by category, area and month, computed from items; "
        "complaints about conduct only by category",
        (200, 405),
        (200, 405),
    ),
    "feedback:public_items": Open(
        PUBLIC_PAGE + ": items a moderator approved for publication (never conduct complaints), "
        "with their moderated text, statuses and redacted public replies only",
        (200, 405),
        (200, 405),
    ),
    "feedback:public_item": Open(
        PUBLIC_PAGE + ": one approved item by reference; the victim's item is not approved, so it "
        "is not found, like another organisation's",
        (404, 405),
        (404, 405),
    ),
    "events:organization_ics": Open(
        "the calendar feed of published events, for anyone to subscribe to", (200, 405), (200, 405)
    ),
    "events:area_ics": Open("an area's calendar feed of published events", (200, 405), (200, 405)),
    "events:event_ics": Open("one published event, to add to a calendar", (200, 405), (200, 405)),
    "events:list": Open(
        PUBLIC_PAGE + ": published dates to come, by area and kind, with places left; never who "
        "signed up (a signed-in visitor sees only their own places)",
        (200, 405),
        (200, 405),
    ),
    "events:calendar": Open(
        PUBLIC_PAGE + ": a month of published dates, as on the list", (200, 405), (200, 405)
    ),
    "events:past": Open(
        PUBLIC_PAGE + ": published events that took place, with their published recaps",
        (200, 405),
        (200, 405),
    ),
    "events:detail": Open(
        PUBLIC_PAGE + ": one published event: dates, places left, hosts by display name, the "
        "recap; never a guest, a sign-up of anyone else or a pending question",
        (200, 405),
        (200, 405),
    ),
    "events:rsvp": Open(
        "signing up for a date of a published event, with or without an account: the attack "
        "fills the hidden robot field, so a guest's sign-up stores nothing and gets the usual "
        "“check your e-mail” page; a signed-in visitor takes a place for themselves only",
        (405, 200),
        (405, 302),
        own_effects=frozenset({"count events.Rsvp"}),
    ),
    "events:guest": Open(
        "a guest's sign-up link from their e-mail: the secret in the address is the "
        "capability; the test holds a wrong one, which gives the same 404 as an unknown "
        "sign-up, and a GET never changes anything",
        (404, 404),
        (404, 404),
    ),
    "events:mine": Open(PERSONAL + "the visitor's own sign-ups", (SIGN_IN, 405), (200, 405)),
    "events:my_cancel": Open(
        PERSONAL + "gives back one of the visitor's own places; anyone else's is not found",
        (405, SIGN_IN),
        (405, 404),
    ),
    "events:recap_photo": Open(
        "a photo of a published event's recap, public like the recap", (200, 405), (200, 405)
    ),
    "events:engagement": Open(
        PUBLIC_PAGE + ": informal contacts, minutes and people per area (counts only, never a "
        "topic or an officer)",
        (200, 405),
        (200, 405),
    ),
    "events:questions": Open(
        PUBLIC_PAGE + ": a published town hall's approved questions and answers (never a "
        "pending question or an asker), and a form anyone may ask with; the attack fills the "
        "hidden robot field, which stores nothing and answers with the usual redirect",
        (200, 302),
        (200, 302),
    ),
    "events:question_vote": Open(
        "an up-vote, by anyone, once per person or device; the victim's question is still "
        "pending, so it is not found and takes no vote",
        (405, 404),
        (405, 404),
    ),
    "events:moderation_log": Open(
        PUBLIC_PAGE + ": what moderators did to a published town hall's questions and why; "
        "never the moderator or the asker",
        (200, 405),
        (200, 405),
    ),
    "feedback:compliments": Open(
        PUBLIC_PAGE + ": compliments a moderator approved for publication", (200, 405), (200, 405)
    ),
    "open311:discovery": Open(
        OPEN311 + "where the endpoint is and how to ask for a key; no data", (200, 405), (200, 405)
    ),
    "open311:services": Open(
        OPEN311 + "the service list; without jurisdiction_id, 400", (400, 405), (400, 405)
    ),
    "open311:service_definition": Open(
        OPEN311 + "a service definition; without jurisdiction_id, 400", (400, 405), (400, 405)
    ),
    "open311:requests": Open(
        OPEN311 + "GET: public facts of requests (never contacts, points, addresses or conduct "
        "complaints); POST: needs a jurisdiction's client api_key; without jurisdiction_id, 400 "
        "and nothing stored (CSRF-exempt: the api_key is the credential)",
        (400, 400),
        (400, 400),
    ),
    "open311:request": Open(
        OPEN311 + "one request's public facts; without jurisdiction_id, 400", (400, 405), (400, 405)
    ),
    "open311:token": Open(
        OPEN311 + "tokens are never issued (realtime); without jurisdiction_id, 400",
        (400, 405),
        (400, 405),
    ),
    "logo": Open(
        "organisation logos are public files; only logos/ is served, and the test storage "
        "keeps no file on disk",
        (404, 404),
        (404, 404),
    ),
    "account_login": Open(
        ALLAUTH + "the sign-in form; a signed-in visitor is sent to their profile",
        (200, 200),
        (302, 302),
    ),
    "account_logout": Open(
        ALLAUTH + "signing out ends the visitor's own session, and is audited",
        (302, 302),
        (200, 302),
        own_effects=frozenset({AUDIT_COUNT}),
    ),
    "account_inactive": Open(ALLAUTH + "a fixed notice", (200, 405), (200, 405)),
    "account_signup": Open(
        ALLAUTH + "the sign-up form; a signed-in visitor is sent to their profile",
        (200, 200),
        (302, 302),
    ),
    "account_reauthenticate": Open(
        ALLAUTH + "asks the visitor for their own password again", (SIGN_IN, SIGN_IN), (200, 200)
    ),
    "account_request_reauthentication_code": Open(
        PERSONAL + "re-authentication by a code sent to the visitor's own address",
        (SIGN_IN, SIGN_IN),
        (200, 200),
    ),
    "account_confirm_reauthentication_code": Open(
        ALLAUTH + "re-authentication by code, which is not enabled",
        (SIGN_IN, SIGN_IN),
        (302, 302),
    ),
    "account_email": Open(
        PERSONAL + "the e-mail addresses of the account", (SIGN_IN, SIGN_IN), (200, 302)
    ),
    "account_email_verification_sent": Open(ALLAUTH + "a fixed notice", (200, 405), (200, 405)),
    "account_change_password": Open(
        PERSONAL + "password change (the current password is required)",
        (SIGN_IN, SIGN_IN),
        (200, 200),
    ),
    "account_set_password": Open(
        PERSONAL + "setting a first password; accounts here always have one",
        (SIGN_IN, SIGN_IN),
        (302, 302),
    ),
    "account_reset_password": Open(
        ALLAUTH + "asks for an address to send a reset link to; never says whether it has "
        "an account",
        (200, 302),
        (200, 302),
    ),
    "account_confirm_login_code": Open(
        ALLAUTH + "sign-in by code, which is not enabled", (302, 302), (302, 302)
    ),
    "account_confirm_email": Open(
        ALLAUTH + "an e-mail confirmation link: the key is the capability; a forged key "
        "confirms nothing",
        (200, 404),
        (200, 404),
    ),
    "account_reset_password_from_key": Open(
        ALLAUTH + "a password-reset link for the victim administrator's account id with a "
        "forged key: it says the link is invalid and changes nothing",
        (200, 200),
        (200, 200),
    ),
    "account_reset_password_from_key_done": Open(
        ALLAUTH + "a fixed notice", (200, 405), (200, 405)
    ),
    "account_reset_password_done": Open(ALLAUTH + "a fixed notice", (200, 405), (200, 405)),
    "mfa_index": Open(PERSONAL + "two-factor overview", (SIGN_IN, SIGN_IN), (200, 405)),
    "mfa_authenticate": Open(
        ALLAUTH + "the second sign-in step; only during a sign-in in progress",
        (302, 302),
        (302, 302),
    ),
    "mfa_reauthenticate": Open(
        PERSONAL + "asks for the visitor's own TOTP code again",
        (SIGN_IN, SIGN_IN),
        (302, 302),
        intruder=(200, 200),
    ),
    "mfa_activate_totp": Open(
        PERSONAL + "TOTP enrolment, after re-authentication", (SIGN_IN, SIGN_IN), (302, 302)
    ),
    "mfa_deactivate_totp": Open(
        PERSONAL + "TOTP removal, after re-authentication (404 without TOTP)",
        (SIGN_IN, SIGN_IN),
        (404, 404),
        intruder=(302, 302),
    ),
    "mfa_view_recovery_codes": Open(
        PERSONAL + "recovery codes (none issued)", (SIGN_IN, SIGN_IN), (404, 405)
    ),
    "mfa_generate_recovery_codes": Open(
        PERSONAL + "recovery codes, after re-authentication", (SIGN_IN, SIGN_IN), (302, 302)
    ),
    "mfa_download_recovery_codes": Open(
        PERSONAL + "recovery codes (none issued)", (SIGN_IN, SIGN_IN), (404, 404)
    ),
    "accounts:profile": Open(PERSONAL + "profile", (SIGN_IN, SIGN_IN), (200, 302)),
    "accounts:export": Open(
        PERSONAL + "the download of all the visitor's data", (SIGN_IN, SIGN_IN), (200, 200)
    ),
    "accounts:erase": Open(
        PERSONAL + "erasure, only with the confirmation ticked", (SIGN_IN, SIGN_IN), (200, 200)
    ),
    "accounts:tokens": Open(
        PERSONAL + "API tokens, only for organisations where the visitor is staff",
        (SIGN_IN, SIGN_IN),
        (200, 200),
    ),
    "accounts:token_revoke": Open(
        PERSONAL + "revokes one of the visitor's own tokens; anyone else's is not found",
        (405, SIGN_IN),
        (405, 404),
    ),
    "api:api-root": Open("the API's root (django-ninja)", (404, 404), (404, 404)),
    "api:openapi-json": Open(
        "the API description (OpenAPI 3.1): no data, only the shape", (200, 200), (200, 200)
    ),
    "api:openapi-view": Open(
        "the interactive API documentation, served from local assets", (200, 200), (200, 200)
    ),
}

# Path parameters, filled with the victim's real objects. "old-mill" exists only in the
# victim organisation; "harbour" exists in both (used by the isolation tests below).
PARAMETERS: dict[str, Any] = {
    "org_slug": lambda w: w.victim.slug,
    "slug": lambda w: w.victim.slug,  # the API's name for it
    "area_slug": lambda w: "old-mill",
    "membership_id": lambda w: Membership.objects.get(user=w.victim_staff["supervisor"]).pk,
    "invitation_id": lambda w: w.invitation.pk,
    "token_id": lambda w: w.victim_write_token.pk,
    "secret": lambda w: w.invitation_secret,
    "code": lambda w: "fr",
    # allauth's links carry a key that is itself the capability; the test holds none.
    "key": lambda w: "forged-key",
    "uidb36": lambda w: int_to_base36(w.victim_staff["admin"].pk),
    "path": lambda w: "logos/victim-police.png",
    # An incident import of the victim organisation (created on first use, before the snapshot).
    "import_id": lambda w: (
        ImportRun.objects.get_or_create(organization=w.victim, source_name="victim-incidents.csv")[
            0
        ].pk
    ),
    # The victim's own published initiative and story; "harbour-watch" and "harbour-story"
    # exist in both organisations (used by the isolation tests below).
    "initiative_slug": lambda w: "victim-patrols",
    "story_slug": lambda w: "victim-story",
    "milestone_id": lambda w: Milestone.objects.get(initiative__organization=w.victim).pk,
    "update_id": lambda w: InitiativeUpdate.objects.get(initiative__organization=w.victim).pk,
    "token": lambda w: "forged-token",
    # The victim's ordinary feedback item (with a photo) and its feedback settings.
    "reference": lambda w: w.victim_item.reference,
    "photo_id": lambda w: w.victim_item.photos.get().pk,
    "event_id": lambda w: w.victim_event.pk,
    "occurrence_id": lambda w: w.victim_event.occurrences.get().pk,
    "rsvp_id": lambda w: Rsvp.objects.get(email=VICTIM_GUEST).pk,
    "question_id": lambda w: Question.objects.get(text=VICTIM_QUESTION).pk,
    # A photo of a recap of the victim's event (created on first use, before the snapshot).
    "recap_photo_id": lambda w: (
        RecapPhoto.objects.get_or_create(
            organization=w.victim,
            alt="Victim recap photo",
            recap=Recap.objects.get_or_create(
                organization=w.victim,
                event=w.victim_event,
                defaults={"texts": {"en": {"summary": "s"}}, "published_at": timezone.now()},
            )[0],
            defaults={"image": _jpeg()},
        )[0].pk
    ),
    # A commitment of a recap of the victim's event (created on first use, before the snapshot).
    "commitment_id": lambda w: (
        Commitment.objects.get_or_create(
            organization=w.victim,
            text="Victim commitment",
            recap=Recap.objects.get_or_create(
                organization=w.victim,
                event=w.victim_event,
                defaults={"texts": {"en": {"summary": "s"}}, "published_at": timezone.now()},
            )[0],
        )[0].pk
    ),
    "category_id": lambda w: Category.objects.filter(organization=w.victim).first().pk,
    "team_id": lambda w: Team.objects.get(organization=w.victim).pk,
    "canned_id": lambda w: CannedReply.objects.get(organization=w.victim).pk,
    "holiday_id": lambda w: Holiday.objects.get(organization=w.victim).pk,
    "key_id": lambda w: ClientKey.objects.get(organization=w.victim).pk,
    "format": lambda w: "xml",
    "service_code": lambda w: "safety",
    "service_request_id": lambda w: w.victim_item.reference,
}
SHARED_SLUGS = {"initiative_slug": "harbour-watch", "story_slug": "harbour-story"}


def fill(route: Route, w: World, **overrides: Any) -> str:
    missing = [p for p in route.parameters if p not in PARAMETERS and p not in overrides]
    assert missing == [], f"add {missing} to PARAMETERS so that {route.name} can be requested"
    kwargs = {p: overrides[p] if p in overrides else PARAMETERS[p](w) for p in route.parameters}
    return reverse(route.name, kwargs=kwargs)


ROUTES = all_routes()
OPERATIONS = all_operations()
OPERATION_PATTERNS = {op.route_pattern for op in OPERATIONS}
STAFF_ROUTES = [r for r in ROUTES if r.staff_rule is not None]
OPEN_ROUTES = [r for r in ROUTES if r.name in PUBLIC_ROUTES and r.staff_rule is None]
INTRUDER_AT_HOME = "intruder-on-own-org"  # the intruder's own staff pages, victim's objects

# The staff pages an officer of the organisation may open. Every other staff page must refuse
# them (403): settings, areas, members, invitations and the audit log are for their seniors.
# Officers draft initiatives; the victim's initiative is published, so its pages refuse them.
OFFICER_PAGES = frozenset(
    {
        "core:staff_dashboard",
        "transparency:staff_initiatives",
        "transparency:staff_initiative_create",
        # Officers work ordinary feedback.
        "feedback:staff_inbox",
        "feedback:staff_bulk",
        "feedback:staff_item",
        "feedback:staff_item_reply",
        "feedback:staff_item_note",
        "feedback:staff_item_status",
        "feedback:staff_item_assign",
        "feedback:staff_item_merge",
        "feedback:staff_photo",
        # Officers organise events: plan, publish, cancel, reschedule, see and message attendees.
        "events:staff_list",
        "events:staff_create",
        "events:staff_event",
        "events:staff_publish",
        "events:staff_cancel",
        "events:staff_dates",
        "events:staff_date_cancel",
        "events:staff_date_move",
        "events:staff_attendees",
        "events:staff_attendees_csv",
        "events:staff_message",
        # Officers moderate and answer town-hall questions (overdue ones: their seniors).
        "events:question_events",
        "events:moderate",
        "events:presenter",
        # Officers work the door, publish recaps, follow commitments up and log contacts.
        "events:checkin",
        "events:recap_edit",
        "events:commitments",
        "events:commitment",
        "events:contacts",
    }
)


def _is_api_operation(route: Route) -> bool:
    return route.namespace == "api" and route.pattern in OPERATION_PATTERNS


def test_every_route_is_exercised_or_listed_as_public():
    unknown = [
        r.name
        for r in ROUTES
        if r.staff_rule is None and not _is_api_operation(r) and r.name not in PUBLIC_ROUTES
    ]
    assert unknown == [], (
        "These routes are neither staff pages (@staff_view) nor API operations: list them in "
        "PUBLIC_ROUTES with the reason they are open, or guard them."
    )
    stale = sorted(set(PUBLIC_ROUTES) - {r.name for r in ROUTES})
    assert stale == []


def test_every_api_route_is_an_operation_of_the_schema_or_listed():
    api_routes = {r.pattern for r in ROUTES if r.namespace == "api" and r.name not in PUBLIC_ROUTES}
    assert api_routes == OPERATION_PATTERNS


def _staff_cases() -> list[Any]:
    cases = []
    for route in STAFF_ROUTES:
        actors = [ANONYMOUS, RESIDENT, INTRUDER, OFFICER, PARTNER]
        if set(route.parameters) - {"org_slug"}:
            actors.append(INTRUDER_AT_HOME)
        for method in ("get", "post"):
            for actor in actors:
                cases.append(
                    pytest.param(route, method, actor, id=f"{route.name} {method.upper()} {actor}")
                )
    return cases


@pytest.mark.parametrize("route,method,actor", _staff_cases())
def test_staff_pages_refuse_everyone_but_the_organisations_staff_in_an_allowed_role(
    world, route, method, actor
):
    visitor = user_of(world, INTRUDER if actor == INTRUDER_AT_HOME else actor)
    client = client_of(world, INTRUDER if actor == INTRUDER_AT_HOME else actor)
    url = (
        fill(route, world, org_slug=world.intruder_org.slug)
        if actor == INTRUDER_AT_HOME
        else fill(route, world)
    )
    officer_allowed = actor == OFFICER and route.name in OFFICER_PAGES
    before = snapshot(world, visitor)

    response = getattr(client, method)(url, attack_form(world) if method == "post" else {})

    if response.status_code == 405:  # the page does not take this method at all
        assert method.upper() not in response["Allow"]
    elif actor == ANONYMOUS:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")
    elif actor in (RESIDENT, INTRUDER, PARTNER, INTRUDER_AT_HOME):
        assert response.status_code == 404
    elif officer_allowed:  # the officer's own organisation, a page the role allows
        # 400: a form of the page refused the attack form's input (events' forms answer so).
        assert response.status_code in (200, 302, 400)
    else:
        assert response.status_code == 403, (
            f"an officer of the organisation opened {route.name}: add it to OFFICER_PAGES if "
            "officers may, or guard it with a stricter rule"
        )
    if officer_allowed:
        assert_shows_none_of(response, world.intruder_markers())
    else:
        assert_shows_none_of(response, world.victim_markers(seen_by=visitor))
        assert_nothing_changed(before, snapshot(world, visitor))


def _open_cases() -> list[Any]:
    return [
        pytest.param(route, method, actor, id=f"{route.name} {method.upper()} {actor}")
        for route in OPEN_ROUTES
        for method in ("get", "post")
        for actor in OUTSIDERS
    ]


@pytest.mark.parametrize("route,method,actor", _open_cases())
def test_open_pages_answer_as_listed_and_show_nothing_private(world, route, method, actor):
    visitor = user_of(world, actor)
    client = client_of(world, actor)
    spec = PUBLIC_ROUTES[route.name]
    url = fill(route, world)
    before = snapshot(world, visitor)

    response = getattr(client, method)(url, attack_form(world) if method == "post" else {})

    expected = spec.expected(actor, method)
    if expected == SIGN_IN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")
    else:
        assert response.status_code == expected
    assert_shows_none_of(response, world.victim_markers(seen_by=visitor))
    allowed = spec.own_effects if visitor is not None else frozenset()
    assert_nothing_changed(before, snapshot(world, visitor), allowed)


# API operations ---------------------------------------------------------------------------

# Operations that need no token. Every other operation declares TokenAuth in the schema and
# is tested below as soon as it exists.
PUBLIC_OPERATIONS: dict[str, str] = {
    "trustbridge_core_api_list_organizations": "organisations are public, by their public fields",
    "trustbridge_core_api_get_organization_detail": "an organisation's public fields",
    "trustbridge_core_api_list_areas": "an organisation's areas are public",
    "trustbridge_core_api_areas_geojson": "an organisation's areas are public",
    "trustbridge_core_api_get_area": "an organisation's areas are public",
    "trustbridge_transparency_api_public_list_incidents": (
        "generalised non-sensitive incidents of published cells, as in the open data files"
    ),
    "trustbridge_transparency_api_public_statistics": "published figures, as on the dashboard",
    "trustbridge_transparency_api_public_list_initiatives": "published initiatives only",
    "trustbridge_transparency_api_public_get_initiative": (
        "one published initiative; an unpublished one is not found"
    ),
    "trustbridge_feedback_api_submit": (
        "residents send feedback without an account (the form's checks and rate limits)"
    ),
    "trustbridge_feedback_api_track": (
        "one's own item, only with its private secret in X-Tracking-Secret; 404 without"
    ),
    "trustbridge_feedback_api_list_public_items": (
        "approved public items only, never conduct complaints"
    ),
}
# Public operations that write, and what the attack body gets from them: its kind is not a
# kind of feedback, so it is refused (400, the field named) and nothing is stored.
PUBLIC_WRITES = {"trustbridge_feedback_api_submit": 400}
# Public operations whose answer to the test's requests is not 200.
PUBLIC_STATUS = {**PUBLIC_WRITES, "trustbridge_feedback_api_track": 404}

NO_TOKEN, SESSION_ONLY, INTRUDER_TOKEN, INTRUDER_TOKEN_AT_HOME, VICTIM_READ_TOKEN = (
    "no-token",
    "resident-session-no-token",
    "intruder-write-token",
    "intruder-write-token-own-org",
    "victim-read-token",
)


def test_every_api_operation_without_a_token_is_listed_as_public():
    public = sorted(op.operation_id for op in OPERATIONS if not op.secured)
    assert public == sorted(PUBLIC_OPERATIONS)
    # Public writes need expectations of their own, in PUBLIC_WRITES.
    assert sorted(op.operation_id for op in OPERATIONS if not op.secured and op.writes) == sorted(
        PUBLIC_WRITES
    )


def _operation_cases() -> list[Any]:
    cases = []
    for op in OPERATIONS:
        actors = [NO_TOKEN, SESSION_ONLY, INTRUDER_TOKEN]
        if set(op.parameters) - {"slug"}:
            actors.append(INTRUDER_TOKEN_AT_HOME)
        if op.writes and op.secured:
            actors.append(VICTIM_READ_TOKEN)
        cases += [
            pytest.param(op, actor, id=f"{op.method.upper()} {op.path} {actor}") for actor in actors
        ]
    return cases


def fill_path(op: Operation, w: World, **overrides: Any) -> str:
    missing = [p for p in op.parameters if p not in PARAMETERS and p not in overrides]
    assert missing == [], f"add {missing} to PARAMETERS so that {op.path} can be requested"
    path = op.path
    for name in op.parameters:
        value = overrides[name] if name in overrides else PARAMETERS[name](w)
        path = path.replace("{" + name + "}", str(value))
    return path


def assert_error_shape(response: Any) -> None:
    body = response.json()
    assert sorted(body) == ["detail", "errors"]
    assert isinstance(body["detail"], str)
    assert isinstance(body["errors"], list)


@pytest.mark.parametrize("op,actor", _operation_cases())
def test_api_operations_refuse_other_organisations_and_missing_tokens(world, op, actor):
    client = client_of(world, RESIDENT if actor == SESSION_ONLY else ANONYMOUS)
    token = {
        INTRUDER_TOKEN: world.intruder_secret,
        INTRUDER_TOKEN_AT_HOME: world.intruder_secret,
        VICTIM_READ_TOKEN: world.victim_read_secret,
    }.get(actor)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    path = (
        fill_path(op, world, slug=world.intruder_org.slug)
        if actor == INTRUDER_TOKEN_AT_HOME
        else fill_path(op, world)
    )
    visitor = world.intruder if token == world.intruder_secret else None
    before = snapshot(world, visitor)

    response = client.generic(
        op.method.upper(),
        path,
        json.dumps(ATTACK_JSON) if op.writes else "",
        content_type="application/json",
        headers=headers,
    )

    if actor == INTRUDER_TOKEN_AT_HOME:  # the intruder's own organisation, victim's objects
        assert response.status_code == 404
    elif not op.secured:  # public data for anyone, or a public write refused as listed
        assert response.status_code == PUBLIC_STATUS.get(op.operation_id, 200)
    elif actor in (NO_TOKEN, SESSION_ONLY):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
    elif actor == VICTIM_READ_TOKEN:
        assert response.status_code == 403
    elif op.parameters:  # the intruder's token, aimed at the victim's organisation or objects
        assert response.status_code == 404
    else:  # an operation about the token itself: it answers for the intruder only
        assert response.status_code == 200
    if response.status_code >= 400:
        assert_error_shape(response)
    assert_shows_none_of(response, world.victim_markers())
    assert_nothing_changed(before, snapshot(world, visitor))


# Public data of one organisation never shows another's --------------------------------------


@dataclass(frozen=True)
class PublicView:
    """A public page or API operation about one organisation."""

    route: Route | None = None
    operation: Operation | None = None

    @property
    def parameters(self) -> tuple[str, ...]:
        return self.route.parameters if self.route else self.operation.parameters

    def url(self, w: World, org: Organization, area_slug: str) -> str:
        if self.route is not None:
            return fill(self.route, w, org_slug=org.slug, area_slug=area_slug, **SHARED_SLUGS)
        return fill_path(self.operation, w, slug=org.slug, area_slug=area_slug, **SHARED_SLUGS)


PUBLIC_VIEWS = [
    pytest.param(PublicView(route=r), id=r.name)
    for r in OPEN_ROUTES
    if "org_slug" in r.parameters
    and PUBLIC_ROUTES[r.name].anonymous[0] == 200
    # One event's feed names the victim's event by number, which the intruder's organisation
    # does not have; the organisation's and the area's feeds, which hold it, are checked.
    and "event_id" not in r.parameters
] + [
    pytest.param(PublicView(operation=op), id=f"GET {op.path}")
    for op in OPERATIONS
    if not op.secured
    and "slug" in op.parameters
    and op.method == "get"
    and op.operation_id not in PUBLIC_STATUS
]


@pytest.mark.parametrize("view", PUBLIC_VIEWS)
@pytest.mark.parametrize("shown", ["victim", "intruder"])
def test_public_pages_of_an_organisation_show_none_of_another_organisations_areas(
    world, view, shown
):
    org, other_areas = (
        (world.victim, world.intruder_areas)
        if shown == "victim"
        else (world.intruder_org, world.victim_areas)
    )
    # "harbour" is the short name of an area in both organisations.
    response = Client().get(view.url(world, org, "harbour"))
    assert response.status_code == 200
    text = text_of(response)
    assert [a.name for a in other_areas if a.name in text] == []


@pytest.mark.parametrize("view", [p for p in PUBLIC_VIEWS if "area_slug" in p.values[0].parameters])
def test_an_area_is_not_found_under_another_organisation(world, view):
    # "hilltop" belongs to the intruder's organisation only.
    response = Client().get(view.url(world, world.victim, "hilltop"))
    assert response.status_code == 404
    assert "Intruder Hilltop" not in text_of(response)


def test_the_organisation_list_shows_only_public_fields(world):
    response = Client().get("/api/v1/organizations")
    assert response.status_code == 200
    items = {item["slug"]: item for item in response.json()["items"]}
    assert sorted(items) == ["intruder-security", "victim-police"]
    assert items["victim-police"]["contact_email"] == "front-desk@victim-police.example"
    assert_shows_none_of(response, world.victim_markers() + world.intruder_markers())
