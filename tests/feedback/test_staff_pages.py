"""The staff feedback pages: who may open each, what the forms do and refuse, what the pages
show and hide, and what the inbox costs in queries."""

from __future__ import annotations

import html
import re

import pytest

from tests.feedback import conftest_staff
from tests.feedback.conftest_staff import add_photo, make_item
from trustbridge.core.models import AuditAction, AuditEvent
from trustbridge.feedback import workflow
from trustbridge.feedback.models import (
    CannedReply,
    Category,
    Event,
    EventKind,
    FeedbackSettings,
    Holiday,
    Item,
    Moderation,
    Status,
    Team,
)

pytestmark = pytest.mark.django_db

staff, item, complaint = conftest_staff.staff, conftest_staff.item, conftest_staff.complaint

BASE = "/o/riverside/staff/feedback/"
WORKERS = {"admin", "supervisor", "officer", "moderator"}
MANAGERS = {"admin", "supervisor"}
PAGES = {
    "": WORKERS,
    "conduct/": {"admin", "standards"},
    "moderation/": {"admin", "supervisor", "moderator"},
    "settings/": MANAGERS,
    "settings/categories/": MANAGERS,
    "settings/categories/new/": MANAGERS,
    "settings/teams/": MANAGERS,
    "settings/teams/new/": MANAGERS,
    "settings/replies/": MANAGERS,
    "settings/replies/new/": MANAGERS,
    "settings/calendar/": MANAGERS,
}


def text_of(response):
    return html.unescape(response.content.decode())


def page_of(client, path):
    response = client.get(BASE + path)
    assert response.status_code == 200, response.status_code
    return text_of(response)


@pytest.mark.parametrize("role", ["admin", "supervisor", "officer", "moderator", "standards"])
@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_opens_for_the_roles_it_serves_and_refuses_the_others(
    staff, client_for, role, path
):
    response = client_for(staff[role]).get(BASE + path)
    if role in PAGES[path]:
        assert response.status_code == 200
    elif path == "" and role == "standards":  # their work is the conduct queue
        assert response.status_code == 302
        assert response["Location"] == BASE + "conduct/"
    else:
        assert response.status_code == 403


def test_people_who_are_not_staff_find_no_feedback_pages(staff, client_for, resident, item):
    for user in (staff["partner"], resident):
        client = client_for(user)
        assert client.get(BASE).status_code == 404
        assert client.get(f"{BASE}items/{item.reference}/").status_code == 404


def test_the_inbox_shows_each_item_with_its_target_in_words(organization, staff, client_for):
    made = make_item(organization, description="<script>alert('x')</script> Dark alley")
    Item.objects.filter(pk=made.pk).update(next_due=made.submitted_at)

    response = client_for(staff["officer"]).get(BASE)

    page = response.content.decode()
    assert "Overdue" in page
    assert made.reference in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Dark alley" in page
    assert "1 item matches." in text_of(response)


def test_the_inbox_never_shows_contact_details(staff, client_for, item):
    page = page_of(client_for(staff["officer"]), "?status=all")
    assert item.reference in page
    for detail in ("Rosa Resident", "rosa@example.org", "555 0100 200"):
        assert detail not in page


def test_filters_live_in_the_address_and_the_next_page_keeps_them(organization, staff, client_for):
    for _ in range(30):
        make_item(organization, description="Loud music at night")
    make_item(organization, description="Graffiti")

    page = page_of(client_for(staff["officer"]), "?q=music&status=all")

    assert page.count('name="items"') == 25
    assert "30 items match." in page
    older = re.search(r'href="\?([^"]*after=[^"]+)" rel="next"', page).group(1)
    assert "q=music" in older
    assert "status=all" in older
    second = page_of(client_for(staff["officer"]), "?" + older)
    assert second.count('name="items"') == 5


def test_a_bulk_action_changes_the_ticked_items_and_returns_to_the_same_view(
    organization, staff, client_for
):
    items = [make_item(organization) for _ in range(3)]
    client = client_for(staff["supervisor"])

    response = client.post(
        BASE + "bulk/?status=open&q=light",
        {
            "queue": "inbox",
            "items": [items[0].reference, items[2].reference],
            "action": "assign",
            "assignee": str(staff["officer"].pk),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == BASE + "?status=open&q=light"
    assert [i.assignee_id for i in Item.objects.order_by("pk")] == [
        staff["officer"].pk,
        None,
        staff["officer"].pk,
    ]


def test_a_refused_bulk_action_changes_nothing_and_keeps_the_ticks(organization, staff, client_for):
    items = [make_item(organization) for _ in range(2)]
    workflow.change_status(staff["officer"], items[1], Status.RESOLVED)
    client = client_for(staff["officer"])

    response = client.post(
        BASE + "bulk/?status=all",
        {
            "queue": "inbox",
            "items": [i.reference for i in items],
            "action": "not_actionable",
            "reason": "Spam.",
        },
    )

    assert response.status_code == 200
    page = text_of(response)
    assert f"Nothing was changed. {items[1].reference}:" in page
    assert page.count("checked") >= 2
    assert list(Item.objects.order_by("pk").values_list("status", flat=True)) == [
        "new",
        "resolved",
    ]
    empty = client.post(BASE + "bulk/", {"queue": "inbox", "action": "assign"})
    assert empty.status_code == 200
    assert "Select at least one item." in text_of(empty)


def test_the_item_page_shows_the_residents_words_history_and_every_action(staff, client_for, item):
    workflow.add_note(staff["admin"], item, "Checked the camera.")
    page = page_of(client_for(staff["officer"]), f"items/{item.reference}/")

    assert "The street light on Mill Road has been out for a week." in page
    assert "Checked the camera." in page
    assert "Staff only" in page
    for heading in ("Reply", "Status", "Internal note", "Assignment", "Merge as a duplicate"):
        assert f">{heading}</h2>" in page
    assert "Staff member concerned" not in page  # not a conduct complaint
    # The contact details are there, but only on demand.
    assert "rosa@example.org" not in page
    assert "Show the contact details" in page


def test_contact_details_appear_on_demand_and_the_view_is_audited(staff, client_for, item):
    page = page_of(client_for(staff["officer"]), f"items/{item.reference}/?contact=1")

    for detail in ("Rosa Resident", "rosa@example.org", "555 0100 200"):
        assert detail in page
    read = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert (read.actor, read.target_id) == (staff["officer"], str(item.pk))


def test_an_anonymous_residents_contact_details_never_reach_staff(organization, staff, client_for):
    hidden = make_item(
        organization,
        contact_name="Ann Onymous",
        contact_email="ann@example.org",
        contact_phone="555 0199 999",
        anonymous=True,
    )
    client = client_for(staff["admin"])

    for path in (
        f"items/{hidden.reference}/",
        f"items/{hidden.reference}/?contact=1",
        "?status=all",
    ):
        page = page_of(client, path)
        for detail in ("Ann Onymous", "ann@example.org", "555 0199 999"):
            assert detail not in page
    assert "asked to stay anonymous, even to staff" in page_of(client, f"items/{hidden.reference}/")
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()


def test_a_canned_reply_is_filled_in_the_items_language_and_sent(
    organization, staff, client_for, mailbox, django_capture_on_commit_callbacks
):
    french = make_item(organization, language="fr", contact_email="jeanne@example.org")
    canned = CannedReply.objects.create(
        organization=organization,
        title="Thanks",
        text_en="Thank you for telling us.",
        text_fr="Merci de nous l'avoir signalé.",
    )
    client = client_for(staff["officer"])

    page = page_of(client, f"items/{french.reference}/?canned={canned.pk}")
    assert "Merci de nous l'avoir signalé.</textarea>" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{BASE}items/{french.reference}/reply/",
            {"reply-text": "Merci de nous l'avoir signalé."},
        )
    assert response.status_code == 302
    assert Event.objects.get(item=french, kind=EventKind.REPLY).text == (
        "Merci de nous l'avoir signalé."
    )
    assert len(mailbox.to("jeanne@example.org")) == 1


def test_a_status_form_with_errors_links_them_to_their_fields(staff, client_for, item):
    response = client_for(staff["officer"]).post(
        f"{BASE}items/{item.reference}/status/", {"status-status": "closed", "status-reason": ""}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-describedby="id_status-close_reason_helptext id_status-close_reason_error"' in page
    assert 'id="id_status-close_reason_error"' in page
    assert "Say why the item is closed." in page
    assert Item.objects.get(pk=item.pk).status == Status.NEW


def test_the_status_is_changed_from_the_item_page(staff, client_for, item):
    client = client_for(staff["officer"])
    client.post(f"{BASE}items/{item.reference}/status/", {"status-status": "acknowledged"})
    response = client.post(
        f"{BASE}items/{item.reference}/status/",
        {"status-status": "resolved", "status-reason": "Fixed on Tuesday."},
    )
    assert response.status_code == 302
    assert Item.objects.get(pk=item.pk).status == Status.RESOLVED
    page = page_of(client, f"items/{item.reference}/")
    assert "Fixed on Tuesday." in page


def test_items_are_merged_by_tracking_code_from_the_item_page(
    organization, staff, client_for, item
):
    original = make_item(organization)
    client = client_for(staff["officer"])

    unknown = client.post(f"{BASE}items/{item.reference}/merge/", {"merge-original": "NOPE-0000"})
    assert unknown.status_code == 200
    assert "No item of this queue has this tracking code." in text_of(unknown)

    response = client.post(
        f"{BASE}items/{item.reference}/merge/", {"merge-original": original.reference.lower()}
    )
    assert response.status_code == 302
    assert Item.objects.get(pk=item.pk).duplicate_of == original


def test_an_item_is_assigned_from_its_page(organization, staff, client_for, item):
    team = Team.objects.create(organization=organization, name="Days")
    response = client_for(staff["officer"]).post(
        f"{BASE}items/{item.reference}/assign/",
        {"assign-user": str(staff["moderator"].pk), "assign-team": str(team.pk)},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.assignee, item.team) == (staff["moderator"], team)


def test_an_items_photo_is_served_to_staff_who_may_see_the_item(
    organization, staff, client_for, item, complaint
):
    photo = add_photo(item)
    other = add_photo(complaint)
    client = client_for(staff["officer"])

    response = client.get(f"{BASE}items/{item.reference}/photos/{photo.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content[:2] == b"\xff\xd8"
    # another item's photo under this item, or the photo of an item the officer may not see
    assert client.get(f"{BASE}items/{item.reference}/photos/{other.pk}/").status_code == 404
    assert client.get(f"{BASE}items/{complaint.reference}/photos/{other.pk}/").status_code == 404
    assert f"photos/{photo.pk}/" in page_of(client, f"items/{item.reference}/")


def test_the_moderation_page_highlights_personal_details_and_publishes_a_clean_text(
    organization, staff, client_for
):
    waiting = make_item(
        organization,
        description="Ask Officer Smith, or mail me at kim@example.org. The bench is broken.",
        wants_public=True,
    )
    client = client_for(staff["moderator"])

    page = client.get(BASE + "moderation/").content.decode()
    assert '<mark class="personal">kim@example.org' in page
    assert "1 item waits for a moderator." in page
    prefix = f"m-{waiting.reference}"

    refused = client.post(
        f"{BASE}moderation/{waiting.reference}/",
        {f"{prefix}-decision": "approve", f"{prefix}-public_text": waiting.description},
    )
    assert refused.status_code == 200
    assert "Remove the personal details" in text_of(refused)
    assert Item.objects.get(pk=waiting.pk).moderation == Moderation.PENDING

    response = client.post(
        f"{BASE}moderation/{waiting.reference}/",
        {f"{prefix}-decision": "approve", f"{prefix}-public_text": "The bench is broken."},
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.moderation, waiting.public_text) == (
        Moderation.APPROVED,
        "The bench is broken.",
    )
    assert "Nothing waits for a moderator." in page_of(client, "moderation/")


def test_categories_and_their_targets_are_added_and_changed_from_the_settings(
    organization, staff, client_for
):
    client = client_for(staff["supervisor"])
    fields = {
        "code": "graffiti",
        "name": "Graffiti",
        "kind": "",
        "acknowledge_hours": "4",
        "resolve_hours": "2",
        "position": "8",
        "active": "on",
    }
    refused = client.post(BASE + "settings/categories/new/", fields)
    assert refused.status_code == 200
    assert "cannot be shorter than the target to acknowledge" in text_of(refused)

    response = client.post(BASE + "settings/categories/new/", {**fields, "resolve_hours": "40"})
    assert response.status_code == 302
    category = Category.objects.get(code="graffiti")
    assert (category.acknowledge_hours, category.resolve_hours) == (4, 40)

    client.post(
        f"{BASE}settings/categories/{category.pk}/",
        {**fields, "name": "Graffiti and tags", "resolve_hours": "60"},
    )
    category.refresh_from_db()
    assert (category.name, category.resolve_hours, category.code) == (
        "Graffiti and tags",
        60,
        "graffiti",
    )
    assert "Graffiti and tags" in page_of(client, "settings/categories/")
    response = client.post(f"{BASE}settings/categories/{category.pk}/delete/")
    assert response.status_code == 302
    assert not Category.objects.filter(code="graffiti").exists()


def test_teams_canned_replies_and_the_calendar_are_kept_from_the_settings(
    organization, staff, client_for
):
    client = client_for(staff["admin"])

    client.post(
        BASE + "settings/teams/new/", {"name": "Nights", "members": [str(staff["officer"].pk)]}
    )
    team = Team.objects.get()
    assert list(team.members.all()) == [staff["officer"]]
    client.post(f"{BASE}settings/teams/{team.pk}/delete/")
    assert Team.objects.count() == 0

    client.post(
        BASE + "settings/replies/new/",
        {"title": "Thanks", "text_en": "Thank you.", "text_fr": "Merci.", "text_es": "Gracias."},
    )
    canned = CannedReply.objects.get()
    assert (canned.text_fr, canned.text_es) == ("Merci.", "Gracias.")

    response = client.post(
        BASE + "settings/calendar/",
        {
            "work_start": "08:30",
            "work_end": "16:30",
            "work_days": ["0", "1", "2"],
            "warn_at_share": "60",
        },
    )
    assert response.status_code == 302
    config = FeedbackSettings.objects.get(organization=organization)
    assert (config.work_days, config.warn_at_share, config.allow_anonymous) == ("0,1,2", 60, False)

    client.post(
        BASE + "settings/calendar/holidays/",
        {"holiday-day": "2025-07-01", "holiday-name": "Canada Day"},
    )
    holiday = Holiday.objects.get()
    assert "Canada Day" in page_of(client, "settings/calendar/")
    client.post(f"{BASE}settings/calendar/holidays/{holiday.pk}/delete/")
    assert Holiday.objects.count() == 0


def test_settings_objects_of_another_organisation_are_not_found(
    organization, other_organization, staff, client_for
):
    foreign = Team.objects.create(organization=other_organization, name="Theirs")
    client = client_for(staff["admin"])
    assert client.get(f"{BASE}settings/teams/{foreign.pk}/").status_code == 404
    assert client.post(f"{BASE}settings/teams/{foreign.pk}/delete/").status_code == 404
    assert Team.objects.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize("size", [2, 12])
def test_the_inbox_page_costs_the_same_queries_whatever_its_size(
    organization, staff, client_for, django_assert_num_queries, size
):
    for _ in range(size):
        made = make_item(organization)
        workflow.assign(staff["admin"], made, user=staff["officer"])
    client = client_for(staff["officer"])
    client.get(BASE)  # the session is warm

    # session, user, organisation, memberships, MFA; filter choices (categories, areas,
    # memberships, teams); the page (reference search, rows, duplicates: every row fits on
    # the page, so it is its own count); bulk choices (memberships, teams)
    with django_assert_num_queries(14):
        response = client.get(BASE + "?q=light")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["", "moderation/", "settings/calendar/", "settings/teams/new/"])
def test_pages_carry_no_inline_script_or_style(organization, staff, client_for, item, path):
    page = client_for(staff["admin"]).get(BASE + path).content.decode()
    assert " style=" not in page
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    item_page = client_for(staff["admin"]).get(f"{BASE}items/{item.reference}/").content.decode()
    assert " style=" not in item_page
