"""Feedback in the JSON API: residents submit and follow their item with its secret, the
public reads approved items, staff work the inbox with a token. Every refusal has the API's
one error shape, and nothing is half-written."""

from __future__ import annotations

import datetime as dt
import json
import time
import zoneinfo

import pytest
from django.test import Client
from django.utils import timezone

from tests.feedback.builders_open311 import (
    PRIVATE_MARKERS,
    SECRET_EMAIL,
    SECRET_NAME,
    make_item,
    move,
    note,
    publish,
    reply,
)
from trustbridge.accounts.services import create_api_token
from trustbridge.core.models import AuditAction, AuditEvent
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import Event, EventKind, Item, Kind, Source, Status

API = "/api/v1/organizations/riverside"
TORONTO = zoneinfo.ZoneInfo("America/Toronto")  # the test organisation's time zone


def error_of(response, status: int) -> dict:
    """The API's one error shape: exactly ``detail`` and ``errors``."""
    assert response.status_code == status, response.content
    body = response.json()
    assert sorted(body) == ["detail", "errors"]
    return body


def fields_of(body: dict) -> list[str | None]:
    return sorted(e["field"] or "" for e in body["errors"])


def post_json(client: Client, path: str, data: dict, **headers: str):
    return client.post(path, json.dumps(data), content_type="application/json", headers=headers)


@pytest.fixture
def categories(organization):
    return ensure_feedback_setup(organization)


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


SUBMISSION = {
    "kind": "concern",
    "category": "safety",
    "description": "The underpass light has been out for a week.",
    "contact_name": "Ada Lovelace",
    "contact_email": "ada@example.org",
}


# Submitting --------------------------------------------------------------------------------


def test_a_resident_submits_and_gets_a_private_link_shown_once(
    client, organization, categories, area, settings
):
    settings.TRUSTBRIDGE_BASE_URL = "https://trust.example.org"

    response = post_json(
        client,
        f"{API}/feedback",
        {**SUBMISSION, "latitude": 43.605, "longitude": -79.395, "wants_public": True},
    )

    assert response.status_code == 201
    body = response.json()
    item = Item.objects.get()
    assert sorted(body) == ["reference", "secret", "tracking_url"]
    assert body["reference"] == item.reference
    assert body["tracking_url"] == (
        f"https://trust.example.org/o/riverside/feedback/track/{item.reference}/{body['secret']}/"
    )
    assert (item.source, item.kind, item.category.code, item.area) == (
        Source.API,
        Kind.CONCERN,
        "safety",
        area,
    )
    assert (item.contact_name, item.contact_email, item.moderation) == (
        "Ada Lovelace",
        "ada@example.org",
        "pending",
    )
    assert body["secret"] not in item.secret_digest
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_submission_is_never_linked_to_a_browser_session(
    organization, categories, resident, client_for
):
    response = post_json(client_for(resident), f"{API}/feedback", SUBMISSION)

    assert response.status_code == 201
    assert Item.objects.get().submitter is None


def test_missing_fields_are_named_with_the_forms_messages(client, organization, categories):
    body = error_of(post_json(client, f"{API}/feedback", {"category": "safety"}), 400)

    assert body["errors"] == [
        {"field": "kind", "message": "Choose what kind of feedback this is."},
        {
            "field": "description",
            "message": "Tell us what happened, or what you would like to say.",
        },
    ]
    assert Item.objects.count() == 0


def test_a_body_of_the_wrong_json_types_is_refused(client, organization, categories):
    body = error_of(
        post_json(client, f"{API}/feedback", {**SUBMISSION, "latitude": "north", "anonymous": []}),
        422,
    )

    assert fields_of(body) == ["anonymous", "latitude"]
    assert Item.objects.count() == 0


def test_the_forms_checks_refuse_each_bad_field_and_store_nothing(
    client, organization, categories, area
):
    response = post_json(
        client,
        f"{API}/feedback",
        {
            "kind": "concern",
            "category": "pothole",
            "description": "x" * 4001,
            "contact_email": "not-an-address",
            "latitude": 10.0,
            "longitude": 10.0,
        },
    )

    body = error_of(response, 400)
    assert fields_of(body) == ["category", "contact_email", "description", "latitude"]
    assert Item.objects.count() == 0


def test_html_in_a_description_is_kept_as_text(client, organization, categories):
    words = "<script>alert('x')</script> by the <b>bridge</b>"

    response = post_json(client, f"{API}/feedback", {**SUBMISSION, "description": words})

    assert response.status_code == 201
    assert Item.objects.get().description == words


def test_the_same_words_again_are_refused_with_the_earlier_code(client, organization, categories):
    first = post_json(client, f"{API}/feedback", SUBMISSION)

    again = post_json(client, f"{API}/feedback", SUBMISSION)

    body = error_of(again, 409)
    assert first.json()["reference"] in body["detail"]
    assert Item.objects.count() == 1


def test_a_flood_from_one_address_is_told_politely_when_to_come_back(
    client, organization, categories, settings
):
    settings.TRUSTBRIDGE_FEEDBACK_RATE_LIMITS = {"api": [(2, 600)]}
    seconds = time.time() % 600
    if seconds > 595:  # the limit counts per fixed window: keep the three in one
        time.sleep(600.5 - seconds)

    answers = [
        post_json(client, f"{API}/feedback", {**SUBMISSION, "description": f"Report {n}."})
        for n in range(3)
    ]

    assert [a.status_code for a in answers] == [201, 201, 429]
    body = error_of(answers[2], 429)
    assert "Please wait" in body["detail"]
    assert 1 <= int(answers[2]["Retry-After"]) <= 600
    assert Item.objects.count() == 2


def test_an_unknown_organisation_is_not_found(client, db):
    error_of(post_json(client, "/api/v1/organizations/nowhere/feedback", SUBMISSION), 404)
    assert Item.objects.count() == 0


# Following one's own item ------------------------------------------------------------------


def test_the_secret_opens_the_residents_own_view_never_cached(client, organization, categories):
    created = post_json(client, f"{API}/feedback", SUBMISSION).json()
    item = Item.objects.get()
    move(item, Status.ACKNOWLEDGED, timezone.now())
    reply(item, timezone.now(), "Thank you, we are looking into it.")
    note(item, timezone.now(), "Internal: ask the night shift.")

    response = client.get(
        f"{API}/feedback/{created['reference']}", HTTP_X_TRACKING_SECRET=created["secret"]
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert (body["reference"], body["status"], body["category_code"]) == (
        item.reference,
        "acknowledged",
        "safety",
    )
    assert body["description"] == SUBMISSION["description"]
    assert [(e["kind"], e["status"]) for e in body["timeline"]] == [
        ("submitted", "new"),
        ("status", "acknowledged"),
        ("reply", None),
    ]
    assert body["timeline"][2]["text"] == "Thank you, we are looking into it."
    assert "Internal" not in response.content.decode()


@pytest.mark.parametrize("secret", ["", "forged-secret"])
def test_a_missing_or_wrong_secret_is_not_found(client, organization, categories, secret):
    created = post_json(client, f"{API}/feedback", SUBMISSION).json()
    headers = {"HTTP_X_TRACKING_SECRET": secret} if secret else {}

    response = client.get(f"{API}/feedback/{created['reference']}", **headers)

    error_of(response, 404)
    assert SUBMISSION["description"] not in response.content.decode()


def test_a_secret_opens_nothing_under_another_organisation(
    client, organization, other_organization, categories
):
    created = post_json(client, f"{API}/feedback", SUBMISSION).json()

    response = client.get(
        f"/api/v1/organizations/elsewhere/feedback/{created['reference']}",
        HTTP_X_TRACKING_SECRET=created["secret"],
    )

    error_of(response, 404)


# The public list ---------------------------------------------------------------------------


@pytest.fixture
def public_items(organization, categories, area, member, now):
    approved = make_item(organization, "nuisance", now - dt.timedelta(days=10), area=area)
    move(approved, Status.ACKNOWLEDGED, now - dt.timedelta(days=9))
    reply(approved, now - dt.timedelta(days=9), "We will patrol on Friday.")
    note(approved, now - dt.timedelta(days=8), f"{SECRET_NAME} called again.")
    publish(approved, "Loud music every Friday night near the park.")
    newer = make_item(organization, "compliment", now - dt.timedelta(days=1))
    publish(newer, "Thank you for the bike safety day.")
    waiting = make_item(organization, "safety", now - dt.timedelta(days=2), wants_public=True)
    conduct = make_item(organization, "conduct", now - dt.timedelta(days=3))
    publish(conduct, "Rude at the desk.")
    return approved, newer, waiting, conduct


def test_the_public_list_has_approved_items_only_with_their_public_timeline(
    client, organization, public_items
):
    approved, newer, _waiting, _conduct = public_items

    response = client.get(f"{API}/accountability/items")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [i["reference"] for i in body["items"]] == [newer.reference, approved.reference]
    shown = body["items"][1]
    assert shown == {
        "reference": approved.reference,
        "kind": "concern",
        "category_code": "nuisance",
        "category_name": "Noise or nuisance",
        "area_slug": "old-mill",
        "area_name": "Old Mill",
        "month": approved.submitted_at.astimezone(TORONTO).strftime("%Y-%m"),
        "status": "acknowledged",
        "text": "Loud music every Friday night near the park.",
        "timeline": [
            {"at": shown["timeline"][0]["at"], "kind": "submitted", "status": "new", "text": ""},
            {
                "at": shown["timeline"][1]["at"],
                "kind": "status",
                "status": "acknowledged",
                "text": "",  # the reason was written for the resident, not the public
            },
            {
                "at": shown["timeline"][2]["at"],
                "kind": "reply",
                "status": None,
                "text": "We will patrol on Friday.",
            },
        ],
    }
    text = response.content.decode()
    assert [m for m in PRIVATE_MARKERS if m in text] == []
    assert "Rude" not in text
    assert "public" in response["Cache-Control"]


def test_personal_details_in_public_replies_are_removed(client, organization, public_items, now):
    approved = public_items[0]
    reply(approved, now, f"Thanks, {SECRET_EMAIL} will hear from Officer Miller.")

    response = client.get(f"{API}/accountability/items")

    timeline = response.json()["items"][1]["timeline"]
    assert timeline[-1]["text"] == "Thanks, [removed] will hear from Officer [removed]."
    assert SECRET_EMAIL not in response.content.decode()


def test_the_public_list_pages(client, organization, public_items):
    first = client.get(f"{API}/accountability/items?page_size=1").json()
    second = client.get(f"{API}/accountability/items?page_size=1&page=2").json()

    assert (first["count"], len(first["items"]), len(second["items"])) == (2, 1, 1)
    assert first["items"][0]["reference"] != second["items"][0]["reference"]


@pytest.mark.parametrize("extra", [0, 4])
def test_the_public_list_costs_a_fixed_number_of_queries(
    client, organization, public_items, now, extra, django_assert_num_queries
):
    for n in range(extra):
        item = make_item(organization, "safety", now - dt.timedelta(hours=n + 1))
        reply(item, now, "r")
        publish(item, f"Approved text {n}.")
    # organisation, count, page, public events of the page
    with django_assert_num_queries(4):
        response = client.get(f"{API}/accountability/items")
    assert response.json()["count"] == 2 + extra


# Staff -------------------------------------------------------------------------------------


@pytest.fixture
def token_of(organization):
    def make(user, scope: str = "write") -> dict[str, str]:
        _token, secret = create_api_token(
            actor=user, organization=organization, name="integration", scope=scope
        )
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return make


@pytest.fixture
def items(organization, categories, area, member, now):
    officer = member("officer")
    concern = make_item(organization, "safety", now - dt.timedelta(days=2), area=area)
    question = make_item(organization, "question", now - dt.timedelta(days=1))
    closed = make_item(organization, "nuisance", now - dt.timedelta(days=3))
    move(closed, Status.RESOLVED, now - dt.timedelta(days=2))
    conduct = make_item(organization, "conduct", now - dt.timedelta(hours=5), subject=officer)
    return {
        "officer": officer,
        "concern": concern,
        "question": question,
        "closed": closed,
        "conduct": conduct,
    }


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [i["reference"] for i in response.json()["items"]]


def test_the_inbox_needs_a_token(client, organization, items):
    response = client.get(f"{API}/feedback-items")

    error_of(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"


def test_the_inbox_lists_open_ordinary_items_newest_first(client, organization, items, token_of):
    response = client.get(f"{API}/feedback-items", **token_of(items["officer"]))

    assert references(response) == [items["question"].reference, items["concern"].reference]
    body = response.json()
    assert (body["count"], body["count_is_lower_bound"]) == (2, False)
    first = body["items"][0]
    assert first["category_code"] == "question"
    assert first["status"] == "new"
    assert first["source"] == "web"
    assert "private" in response["Cache-Control"]
    text = response.content.decode()
    assert [m for m in PRIVATE_MARKERS if m in text] == []


@pytest.mark.parametrize(
    "query,expected",
    [
        ("status=all", ["question", "concern", "closed"]),
        ("status=resolved", ["closed"]),
        ("kind=question", ["question"]),
        ("category=safety", ["concern"]),
        ("area=old-mill", ["concern"]),
        ("assignee=unassigned", ["question", "concern"]),
        ("sort=oldest", ["concern", "question"]),
    ],
)
def test_the_inbox_filters(client, organization, items, token_of, member, query, expected):
    response = client.get(f"{API}/feedback-items?{query}", **token_of(member("supervisor")))

    assert references(response) == [items[name].reference for name in expected]


def test_a_tracking_code_finds_its_item_whatever_the_filters(
    client, organization, items, token_of, member
):
    reference = items["closed"].reference

    response = client.get(f"{API}/feedback-items?q={reference}", **token_of(member("supervisor")))

    assert references(response) == [reference]


@pytest.mark.parametrize(
    "query", ["category=pothole", "area=atlantis", "status=lost", "page_size=0"]
)
def test_unknown_filters_are_refused(client, organization, items, token_of, member, query):
    body = error_of(client.get(f"{API}/feedback-items?{query}", **token_of(member("admin"))), 422)

    assert body["errors"]


def test_pages_follow_cursors(client, organization, items, token_of, member):
    headers = token_of(member("supervisor"))

    first = client.get(f"{API}/feedback-items?status=all&page_size=2", **headers).json()
    second = client.get(
        f"{API}/feedback-items?status=all&page_size=2&after={first['next_cursor']}", **headers
    ).json()

    assert [i["reference"] for i in first["items"] + second["items"]] == [
        items["question"].reference,
        items["concern"].reference,
        items["closed"].reference,
    ]
    assert second["next_cursor"] is None
    assert second["previous_cursor"] is not None


def test_conduct_complaints_are_for_professional_standards_never_for_their_subject(
    client, organization, items, token_of, member
):
    standards = token_of(member("standards"))
    officer = token_of(items["officer"])
    reference = items["conduct"].reference

    assert references(client.get(f"{API}/feedback-items?queue=conduct", **standards)) == [reference]
    assert reference not in references(
        client.get(f"{API}/feedback-items?status=all", **token_of(member("supervisor")))
    )
    error_of(client.get(f"{API}/feedback-items?queue=conduct", **officer), 403)
    error_of(client.get(f"{API}/feedback-items/{reference}", **officer), 404)
    assert client.get(f"{API}/feedback-items/{reference}", **standards).status_code == 200


def test_another_organisations_token_finds_nothing(client, organization, other_organization, items):
    from tests.conftest import make_member

    outsider = make_member(other_organization, "admin", email="boss@elsewhere.example")
    _token, secret = create_api_token(
        actor=outsider, organization=other_organization, name="t", scope="write"
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    reference = items["concern"].reference

    error_of(client.get(f"{API}/feedback-items", **headers), 404)
    error_of(
        client.get(f"/api/v1/organizations/elsewhere/feedback-items/{reference}", **headers), 404
    )


def test_one_item_shows_its_full_history_and_no_contact_unless_asked(
    client, organization, items, token_of, member
):
    supervisor = member("supervisor")
    item = items["concern"]
    note(item, timezone.now(), "Internal: check the camera.")

    response = client.get(f"{API}/feedback-items/{item.reference}", **token_of(supervisor))

    assert response.status_code == 200
    body = response.json()
    assert body["description"] == item.description
    assert body["contact"] is None
    assert [(h["kind"], h["public"]) for h in body["history"]] == [
        ("submitted", True),
        ("note", False),
    ]
    assert body["history"][1]["text"] == "Internal: check the camera."
    assert SECRET_EMAIL not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()


def test_asking_for_the_contact_shows_it_and_records_the_read(
    client, organization, items, token_of, member
):
    supervisor = member("supervisor")
    item = items["concern"]

    response = client.get(
        f"{API}/feedback-items/{item.reference}?contact=true", **token_of(supervisor)
    )

    assert response.json()["contact"] == {
        "name": item.contact_name,
        "email": item.contact_email,
        "phone": item.contact_phone,
    }
    read = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert (read.actor, read.target_id) == (supervisor, str(item.pk))
    assert SECRET_EMAIL not in read.summary + repr(read.changes)


def test_an_anonymous_residents_contact_is_never_shown_to_staff(
    client, organization, categories, token_of, member, now
):
    item = make_item(organization, "safety", now, anonymous=True)

    response = client.get(
        f"{API}/feedback-items/{item.reference}?contact=true", **token_of(member("admin"))
    )

    assert response.json()["contact"] is None
    assert SECRET_EMAIL not in response.content.decode()
    assert SECRET_NAME not in response.content.decode()


def test_a_write_token_changes_the_status(client, organization, items, token_of, member):
    item = items["concern"]

    response = post_json(
        client,
        f"{API}/feedback-items/{item.reference}/status",
        {"status": "in_progress", "reason": "An officer is on the way."},
        Authorization=token_of(items["officer"])["HTTP_AUTHORIZATION"],
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS
    assert item.acknowledged_at is not None
    assert Event.objects.filter(item=item, kind=EventKind.STATUS, public=True).count() == 1


def test_a_refused_change_of_status_changes_nothing(client, organization, items, token_of, member):
    item = items["closed"]
    before = Event.objects.count()

    response = post_json(
        client,
        f"{API}/feedback-items/{item.reference}/status",
        {"status": "closed", "close_reason": "referred"},
        Authorization=token_of(items["officer"])["HTTP_AUTHORIZATION"],
    )

    body = error_of(response, 400)
    assert fields_of(body) == ["status"]
    item.refresh_from_db()
    assert item.status == Status.RESOLVED
    assert Event.objects.count() == before


def test_a_reply_reaches_the_resident_and_acknowledges_a_new_item(
    client, organization, items, token_of, mailbox, django_capture_on_commit_callbacks
):
    item = items["question"]

    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            client,
            f"{API}/feedback-items/{item.reference}/replies",
            {"text": "The next meeting is on Tuesday at 7 pm."},
            Authorization=token_of(items["officer"])["HTTP_AUTHORIZATION"],
        )

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "acknowledged"
    assert response.json()["text"] == "The next meeting is on Tuesday at 7 pm."
    reply_event = Event.objects.get(item=item, kind=EventKind.REPLY)
    assert reply_event.public is True
    assert len(mailbox.to(item.contact_email)) == 1


@pytest.mark.parametrize(
    "path,data",
    [("status", {"status": "in_progress"}), ("replies", {"text": "Hello"})],
)
def test_a_read_token_cannot_write(client, organization, items, token_of, member, path, data):
    item = items["concern"]

    response = post_json(
        client,
        f"{API}/feedback-items/{item.reference}/{path}",
        data,
        Authorization=token_of(items["officer"], "read")["HTTP_AUTHORIZATION"],
    )

    error_of(response, 403)
    item.refresh_from_db()
    assert item.status == Status.NEW
    assert not Event.objects.filter(item=item).exclude(kind=EventKind.SUBMITTED).exists()


@pytest.mark.parametrize("path", ["status", "replies"])
def test_tokens_are_checked_before_the_body(
    client, organization, other_organization, items, token_of, path
):
    from tests.conftest import make_member

    item = items["concern"]
    outsider = make_member(other_organization, "admin", email="boss@elsewhere.example")
    _token, secret = create_api_token(
        actor=outsider, organization=other_organization, name="t", scope="write"
    )
    url = f"{API}/feedback-items/{item.reference}/{path}"
    read_token = token_of(items["officer"], "read")["HTTP_AUTHORIZATION"]

    error_of(post_json(client, url, {"name": "junk"}, Authorization=read_token), 403)
    error_of(post_json(client, url, {"name": "junk"}, Authorization=f"Bearer {secret}"), 404)
    error_of(post_json(client, url, {"name": "junk"}), 401)
    assert not Event.objects.filter(item=item).exclude(kind=EventKind.SUBMITTED).exists()


def test_an_empty_reply_is_refused(client, organization, items, token_of, member):
    response = post_json(
        client,
        f"{API}/feedback-items/{items['concern'].reference}/replies",
        {"text": "  "},
        Authorization=token_of(items["officer"])["HTTP_AUTHORIZATION"],
    )

    assert fields_of(error_of(response, 400)) == ["text"]
    assert not Event.objects.filter(kind=EventKind.REPLY).exists()
