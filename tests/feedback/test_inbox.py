"""The staff reads: the inbox's filters, search, keyset pages and bounded counts, the conduct
and moderation queues, an item's history, and what each read costs in queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from tests.factories import AreaFactory
from tests.feedback import conftest_staff
from tests.feedback.conftest_staff import make_item
from trustbridge.feedback import inbox, workflow
from trustbridge.feedback.inbox import Cursor, InboxFilter, Queue
from trustbridge.feedback.models import Item, Kind, Status

pytestmark = pytest.mark.django_db

staff, item, complaint = conftest_staff.staff, conftest_staff.item, conftest_staff.complaint


def references(page):
    return [row.item.reference for row in page.rows]


def listed(viewer, organization, queue=Queue.INBOX, **filters):
    page = inbox.inbox_page(viewer, organization, InboxFilter(**filters), queue=queue, limit=100)
    return references(page)


def test_the_inbox_lists_open_ordinary_items_newest_first(organization, staff, complaint):
    first, second, third = (make_item(organization) for _ in range(3))
    workflow.change_status(staff["officer"], second, Status.RESOLVED)
    make_item(organization, kind=Kind.QUESTION)  # newest of all

    shown = listed(staff["officer"], organization)

    question = Item.objects.filter(kind=Kind.QUESTION).get()
    assert shown == [question.reference, third.reference, first.reference]
    assert complaint.reference not in listed(staff["admin"], organization, status="all")


@pytest.mark.parametrize(
    "filters,expected",
    [
        ({"status": "all"}, ["question", "mine", "team", "waiting", "north", "done"]),
        ({"status": Status.RESOLVED}, ["done"]),
        ({"status": Status.WAITING}, ["waiting"]),
        ({"kind": Kind.QUESTION}, ["question"]),
        ({"area": "north"}, ["north"]),
        ({"assignee": "mine"}, ["mine"]),
        ({"assignee": "unassigned"}, ["question", "waiting", "north"]),
        ({"assignee": "supervisor"}, ["team"]),
        ({"team": "night"}, ["team"]),
        ({"q": "LAMP post"}, ["north"]),
        ({"q": "lamp", "status": "all"}, ["north", "done"]),
        ({"q": "lamp broken"}, []),
    ],
)
def test_each_filter_narrows_the_inbox(organization, staff, filters, expected):
    officer, supervisor = staff["officer"], staff["supervisor"]
    north = AreaFactory(organization=organization, slug="north", name="North")
    team = workflow.create_team(supervisor, organization, name="Night")
    made = {
        "done": make_item(organization, description="The lamp post fell."),
        "north": make_item(organization, area=north, description="A lamp post leans."),
        "waiting": make_item(organization),
        "team": make_item(organization),
        "mine": make_item(organization),
        "question": make_item(organization, kind=Kind.QUESTION),
    }
    workflow.change_status(officer, made["done"], Status.RESOLVED)
    workflow.change_status(officer, made["waiting"], Status.WAITING)
    workflow.assign(supervisor, made["team"], user=supervisor, team=team)
    workflow.assign(supervisor, made["mine"], user=officer)
    values = {"north": north.pk, "night": team.pk, "supervisor": str(supervisor.pk)}
    filters = {k: values.get(v, v) if isinstance(v, str) else v for k, v in filters.items()}

    shown = listed(officer, organization, **filters)

    assert shown == [made[name].reference for name in expected]


def test_the_target_flags_filter_approaching_and_overdue_items(organization, staff):
    now = timezone.now()
    # Targets of a day or more ago: the acknowledgement target (8 business hours) has
    # passed for an item received two weeks ago, and is close for one received just now
    # with its warning moved to the past.
    overdue = make_item(organization, submitted_at=now - dt.timedelta(days=14))
    approaching = make_item(organization)
    Item.objects.filter(pk=approaching.pk).update(
        next_warning=now - dt.timedelta(minutes=1), next_due=now + dt.timedelta(hours=1)
    )
    calm = make_item(organization)
    Item.objects.filter(pk=calm.pk).update(
        next_warning=now + dt.timedelta(hours=1), next_due=now + dt.timedelta(hours=2)
    )
    officer = staff["officer"]

    assert listed(officer, organization, flag="overdue") == [overdue.reference]
    assert listed(officer, organization, flag="approaching") == [approaching.reference]
    assert listed(officer, organization, flag="flagged") == [
        approaching.reference,
        overdue.reference,
    ]
    page = inbox.inbox_page(officer, organization, InboxFilter(), now=now)
    flags = {row.item.reference: row.flag for row in page.rows}
    assert flags == {
        calm.reference: "",
        approaching.reference: "approaching",
        overdue.reference: "overdue",
    }


def test_possible_duplicates_are_found_by_fingerprint_within_the_viewers_queue(organization, staff):
    words = "Cars race down Elm Street every night."
    first = make_item(organization, description=words)
    second = make_item(organization, description="cars race down elm street every night")
    make_item(organization, kind=Kind.CONDUCT, description=words)  # another queue
    alone = make_item(organization, description="Something else entirely.")
    officer = staff["officer"]

    assert listed(officer, organization, duplicates=True) == [second.reference, first.reference]
    page = inbox.inbox_page(officer, organization, InboxFilter())
    counts = {row.item.reference: row.duplicates for row in page.rows}
    assert counts == {alone.reference: 0, second.reference: 1, first.reference: 1}
    assert inbox.possible_duplicates(officer, first) == [second]


def test_a_tracking_code_finds_its_item_whatever_the_other_filters_say(organization, staff):
    done = make_item(organization)
    workflow.change_status(staff["officer"], done, Status.RESOLVED)
    make_item(organization)

    page = inbox.inbox_page(
        staff["officer"], organization, InboxFilter(q=done.reference.lower(), kind="question")
    )

    assert references(page) == [done.reference]
    assert page.reference_match is True


def test_keyset_pages_walk_every_item_once_in_both_directions(organization, staff):
    same_time = timezone.now() - dt.timedelta(days=1)
    made = [make_item(organization, submitted_at=same_time) for _ in range(4)]
    made += [make_item(organization) for _ in range(3)]
    officer = staff["officer"]
    expected = [
        i.reference for i in sorted(made, key=lambda i: (i.submitted_at, i.pk), reverse=True)
    ]

    pages, after = [], None
    while True:
        page = inbox.inbox_page(officer, organization, InboxFilter(), after=after, limit=3)
        pages.append(references(page))
        after = page.next_cursor
        if after is None:
            break
    assert pages == [expected[0:3], expected[3:6], expected[6:7]]
    assert page.count == 7

    back = inbox.inbox_page(
        officer, organization, InboxFilter(), before=page.previous_cursor, limit=3
    )
    assert references(back) == expected[3:6]
    assert back.previous_cursor is not None
    assert back.next_cursor is not None

    oldest = inbox.inbox_page(officer, organization, InboxFilter(sort="oldest"), limit=3)
    assert references(oldest) == list(reversed(expected))[:3]


@pytest.mark.parametrize("cursor", ["", "garbage", "1.2.3", "99999999999999999999999.1", "x.y"])
def test_a_malformed_cursor_gives_the_first_page(organization, staff, cursor):
    made = make_item(organization)
    page = inbox.inbox_page(staff["officer"], organization, InboxFilter(), after=cursor)
    assert references(page) == [made.reference]
    assert Cursor.decode(cursor) is None


def test_counts_stop_at_the_limit(organization, staff, monkeypatch):
    for _ in range(4):
        make_item(organization)
    monkeypatch.setattr(inbox, "COUNT_LIMIT", 3)

    page = inbox.inbox_page(staff["officer"], organization, InboxFilter(), limit=2)

    assert (page.count, page.count_is_lower_bound) == (3, True)
    monkeypatch.setattr(inbox, "COUNT_LIMIT", 4)
    page = inbox.inbox_page(staff["officer"], organization, InboxFilter(), limit=2)
    assert (page.count, page.count_is_lower_bound) == (4, False)


@pytest.mark.parametrize("size", [6, 20])
def test_a_page_of_the_inbox_costs_the_same_queries_whatever_its_size(
    organization, staff, django_assert_num_queries, size
):
    team = workflow.create_team(staff["admin"], organization, name="Days")
    area = AreaFactory(organization=organization)
    for _ in range(size):
        made = make_item(organization, area=area)
        workflow.assign(staff["admin"], made, user=staff["officer"], team=team)
    officer = Item.objects.first().assignee  # a fresh user object: no cached memberships

    # memberships (the rule), the reference search, the page, its duplicates, the count
    with django_assert_num_queries(5):
        page = inbox.inbox_page(officer, organization, InboxFilter(q="light"), limit=5)
        shown = [
            (row.item.category.name, row.item.area.name, row.item.assignee, row.item.team.name)
            for row in page.rows
        ]
    assert len(shown) == 5
    assert page.count == size


def test_a_result_that_fits_on_one_page_is_counted_without_another_query(
    organization, staff, django_assert_num_queries
):
    for _ in range(3):
        make_item(organization)

    with django_assert_num_queries(3):  # memberships, the page, its duplicates
        page = inbox.inbox_page(staff["officer"], organization, InboxFilter(), limit=3)

    assert (page.count, page.count_is_lower_bound, page.next_cursor) == (3, False, None)


def test_queues_are_refused_to_those_who_may_not_work_them(organization, staff):
    with pytest.raises(PermissionDenied):
        inbox.inbox_page(staff["standards"], organization, InboxFilter())
    with pytest.raises(PermissionDenied):
        inbox.inbox_page(staff["officer"], organization, InboxFilter(), queue=Queue.CONDUCT)
    with pytest.raises(PermissionDenied):
        inbox.inbox_page(staff["partner"], organization, InboxFilter())
    with pytest.raises(PermissionDenied):
        inbox.moderation_queue(staff["officer"], organization)


def test_the_conduct_queue_lists_complaints_for_professional_standards(
    organization, staff, complaint, item
):
    assert listed(staff["standards"], organization, Queue.CONDUCT) == [complaint.reference]
    assert listed(staff["admin"], organization, Queue.CONDUCT) == [complaint.reference]
    assert listed(staff["admin"], organization) == [item.reference]
    counts = inbox.queue_counts(staff["standards"], organization)
    assert counts == {"inbox": None, "overdue": None, "conduct": 1}


def test_an_item_is_reached_by_reference_only_by_those_who_may_see_it(
    organization, other_organization, staff, item, complaint
):
    assert inbox.access_item(staff["officer"], organization, item.reference) == item
    with pytest.raises(Http404):
        inbox.access_item(staff["officer"], organization, complaint.reference)
    with pytest.raises(Http404):
        inbox.access_item(staff["officer"], other_organization, item.reference)
    with pytest.raises(Http404):
        inbox.access_item(staff["officer"], organization, "NOPE-0000")


def test_the_history_names_colleagues_and_never_their_addresses(organization, staff, item):
    supervisor = staff["supervisor"]
    supervisor.display_name = ""
    supervisor.save(update_fields=["display_name"])
    workflow.assign(staff["admin"], item, user=supervisor)
    workflow.reply(staff["officer"], item, "On our way.")
    workflow.add_note(staff["officer"], item, "Called the city.")

    entries = inbox.history(staff["moderator"], item)

    assert [(e.event.kind, e.actor, e.summary) for e in entries] == [
        ("submitted", "", "Received"),
        ("assigned", "Admin Person", f"Assigned to Staff member {supervisor.pk}"),
        ("status", "Officer Person", "Status: Acknowledged"),
        ("reply", "Officer Person", "Reply"),
        ("note", "Officer Person", "Internal note"),
    ]
    assert supervisor.email not in str(entries)


def test_the_history_says_in_words_which_target_was_escalated(organization, staff):
    from trustbridge.feedback.escalation import escalate_due

    late = make_item(organization, submitted_at=timezone.now() - dt.timedelta(days=14))

    escalate_due(organization, timezone.now())

    [entry] = [e for e in inbox.history(staff["admin"], late) if e.event.kind == "escalated"]
    assert entry.summary == "Escalated: the acknowledgement target is near or past"
    assert entry.shows_text is False  # its text is the clock's code


def test_the_moderation_queue_marks_personal_details_and_suggests_a_redacted_text(
    organization, staff
):
    words = "My name is Sam Lee, write to sam@example.org about the broken bench."
    waiting = make_item(organization, description=words, wants_public=True)
    make_item(organization, kind=Kind.CONDUCT, wants_public=True)  # never published
    make_item(organization)  # not asked to be public

    entries, count, more = inbox.moderation_queue(staff["moderator"], organization)

    assert (count, more) == (1, False)
    [entry] = entries
    assert entry.item == waiting
    assert entry.findings == ["email", "name"]
    assert [p.text for p in entry.pieces if p.kind] == ["Sam Lee", "sam@example.org"]
    assert "".join(p.text for p in entry.pieces) == words
    assert "sam@example.org" not in entry.suggestion
    assert "Sam Lee" not in entry.suggestion
    assert "broken bench" in entry.suggestion


def test_the_people_an_item_may_go_to_are_read_in_one_query(
    organization, staff, complaint, item, django_assert_num_queries
):
    workflow.set_subject(staff["standards"], complaint, staff["admin"])

    with django_assert_num_queries(1):
        ordinary = inbox.staff_who_may_work(item, organization)
    with django_assert_num_queries(1):
        conduct = inbox.staff_who_may_work(complaint, organization)

    assert [u.display_name for u in ordinary] == [
        "Admin Person",
        "Moderator Person",
        "Officer Person",
        "Supervisor Person",
    ]
    assert [u.display_name for u in conduct] == ["Standards Person"]
