"""Complaints about conduct stay with professional standards, and never reach the staff
member they are about.

The subject of a complaint is tried in the roles that would otherwise see it (professional
standards and administrator): it must not appear for them in any list, search, count,
duplicate hint, page, photo, form, API answer, e-mail or history. Ordinary staff never see
conduct complaints at all; professional standards see and work them.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from tests.conftest import make_member
from tests.feedback import conftest_staff
from tests.feedback.conftest_staff import add_photo, make_item
from trustbridge.accounts.services import create_api_token
from trustbridge.core.errors import ServiceError
from trustbridge.feedback import inbox, workflow
from trustbridge.feedback.escalation import escalate_due
from trustbridge.feedback.inbox import InboxFilter, Queue
from trustbridge.feedback.models import Item, Kind, Status

pytestmark = pytest.mark.django_db

staff = conftest_staff.staff

BASE = "/o/riverside/staff/feedback/"
WORDS = "Sergeant Vale shouted at my son outside the library on Friday."


@pytest.fixture(params=["standards", "admin"])
def case(request, organization, staff):
    """A complaint about ``subject`` (a member who could otherwise see it), named by a
    colleague of professional standards, with a photo; and another complaint, not about
    them, with the same words (a possible duplicate)."""
    subject = make_member(
        organization, request.param, email=f"vale.{request.param}@riverside.example"
    )
    subject.display_name = "Sergeant Vale"
    subject.save(update_fields=["display_name"])
    colleague = staff["standards"]
    about_them = make_item(
        organization,
        kind=Kind.CONDUCT,
        description=WORDS,
        contact_name="Mina Mother",
        contact_email="mina@example.org",
    )
    photo = add_photo(about_them)
    workflow.assign(colleague, about_them, user=subject)
    workflow.set_subject(colleague, about_them, subject)
    other = make_item(organization, kind=Kind.CONDUCT, description=WORDS)
    return {
        "subject": subject,
        "colleague": colleague,
        "item": Item.objects.get(pk=about_them.pk),
        "photo": photo,
        "other": other,
    }


def test_naming_the_subject_takes_the_complaint_from_them(case):
    item = case["item"]
    assert item.subject == case["subject"]
    assert item.assignee is None  # they were its assignee: no longer


def test_the_subject_finds_the_complaint_in_no_list_search_or_count(case, organization):
    subject, item, other = case["subject"], case["item"], case["other"]

    def shown(**filters):
        page = inbox.inbox_page(subject, organization, InboxFilter(**filters), queue=Queue.CONDUCT)
        return [row.item.reference for row in page.rows], page.count

    assert shown(status="all") == ([other.reference], 1)
    assert shown(q=item.reference) == ([], 0)
    assert shown(q="Sergeant Vale shouted") == ([other.reference], 1)
    assert shown(duplicates=True) == ([], 0)  # its twin is invisible, so no duplicate
    rows = inbox.inbox_page(subject, organization, InboxFilter(), queue=Queue.CONDUCT).rows
    assert [row.duplicates for row in rows] == [0]
    assert inbox.queue_counts(subject, organization)["conduct"] == 1
    assert inbox.possible_duplicates(subject, other) == []
    with pytest.raises(Http404):
        inbox.access_item(subject, organization, item.reference)
    with pytest.raises(PermissionDenied):
        inbox.history(subject, item)


def test_the_colleagues_of_professional_standards_see_and_work_the_complaint(case, organization):
    colleague, item, other = case["colleague"], case["item"], case["other"]
    page = inbox.inbox_page(colleague, organization, InboxFilter(), queue=Queue.CONDUCT)
    assert {row.item.reference for row in page.rows} == {item.reference, other.reference}
    assert inbox.possible_duplicates(colleague, other) == [item]
    workflow.reply(colleague, item, "We are looking into it.")
    assert Item.objects.get(pk=item.pk).status == Status.ACKNOWLEDGED
    assert [e.summary for e in inbox.history(colleague, item)][-3] == (
        "Staff member concerned: Sergeant Vale"
    )


def test_every_page_and_form_of_the_complaint_is_not_found_for_the_subject(case, client_for):
    client = client_for(case["subject"])
    item, photo = case["item"], case["photo"]
    before = Item.objects.filter(pk=item.pk).values().get()
    path = f"{BASE}items/{item.reference}/"

    assert client.get(path).status_code == 404
    assert client.get(f"{path}?contact=1").status_code == 404
    assert client.get(f"{path}photos/{photo.pk}/").status_code == 404
    for action, data in [
        ("reply/", {"reply-text": "Hello"}),
        ("note/", {"note-text": "Hello"}),
        (
            "status/",
            {
                "status-status": "closed",
                "status-close_reason": "not_actionable",
                "status-reason": "x",
            },
        ),
        ("assign/", {"assign-user": str(case["subject"].pk)}),
        ("merge/", {"merge-original": case["other"].reference}),
        ("subject/", {"subject-user": str(case["colleague"].pk)}),
    ]:
        assert client.post(path + action, data).status_code == 404, action
    assert client.post(f"{BASE}moderation/{item.reference}/", {}).status_code in (403, 404)
    refused = client.post(
        f"{BASE}bulk/",
        {"queue": "conduct", "items": [item.reference], "action": "status", "status": "resolved"},
    )
    assert refused.status_code == 200  # nothing of theirs was ticked
    assert item.reference not in refused.content.decode()
    after = Item.objects.filter(pk=item.pk).values().get()
    assert after == before


def test_the_conduct_queue_page_never_shows_the_complaint_to_its_subject(case, client_for):
    client = client_for(case["subject"])
    reference = case["item"].reference
    for query in ("", "?status=all", f"?q={reference}", "?q=Vale"):
        page = client.get(f"{BASE}conduct/{query}").content.decode()
        assert f"items/{reference}/" not in page  # (a searched code is echoed in the form)
        assert f'name="items" value="{reference}"' not in page
        assert "Mina Mother" not in page
        assert "mina@example.org" not in page
    assert "0 items match." in client.get(f"{BASE}conduct/?q={reference}").content.decode()


def test_the_api_never_shows_the_complaint_to_its_subject(case, client):
    _token, secret = create_api_token(
        actor=case["subject"], organization=case["item"].organization, name="Sync", scope="write"
    )
    headers = {"Authorization": f"Bearer {secret}"}
    api = "/api/v1/organizations/riverside/feedback-items"
    item = case["item"]

    listed = client.get(f"{api}?queue=conduct&status=all", headers=headers)
    assert listed.status_code == 200
    assert item.reference not in listed.content.decode()
    searched = client.get(f"{api}?queue=conduct&q={item.reference}", headers=headers)
    assert searched.json()["items"] == []
    assert client.get(f"{api}/{item.reference}", headers=headers).status_code == 404
    replied = client.post(
        f"{api}/{item.reference}/replies",
        json.dumps({"text": "It was not me."}),
        content_type="application/json",
        headers=headers,
    )
    assert replied.status_code == 404
    assert Item.objects.get(pk=item.pk).status == Status.NEW


def test_no_e_mail_about_the_complaint_reaches_its_subject(
    case, organization, mailbox, django_capture_on_commit_callbacks
):
    colleague, item, subject = case["colleague"], case["item"], case["subject"]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(colleague, item, "We are looking into it.")
        workflow.change_status(colleague, item, Status.IN_PROGRESS)
        workflow.assign(colleague, item, user=colleague)
        # Its target passes unanswered: supervisors, admins and standards are alerted.
        Item.objects.filter(pk=item.pk).update(
            next_warning=timezone.now() - dt.timedelta(hours=2),
            next_due=timezone.now() - dt.timedelta(hours=1),
        )
        escalate_due(organization, timezone.now())

    recipients = {str(m["To"]) for m in mailbox.messages}
    assert "mina@example.org" in recipients  # the resident
    assert colleague.email in recipients  # the escalation, to professional standards
    assert subject.email not in recipients


def test_the_subject_can_be_neither_assigned_nor_offered_the_complaint(case, organization):
    colleague, item, subject = case["colleague"], case["item"], case["subject"]
    with pytest.raises(ServiceError):
        workflow.assign(colleague, item, user=subject)
    assert subject not in inbox.staff_who_may_work(item, organization)
    assert Item.objects.get(pk=item.pk).assignee is None


def test_a_merge_into_the_complaint_names_it_only_to_those_who_may_see_it(case):
    colleague, item, other, subject = (
        case["colleague"],
        case["item"],
        case["other"],
        case["subject"],
    )
    workflow.merge(colleague, other, item)

    for_subject = inbox.history(subject, other)
    assert [e.summary for e in for_subject][-1] == "Merged into another item"
    assert item.reference not in str([(e.summary, e.reference) for e in for_subject])
    for_colleague = inbox.history(colleague, other)
    assert for_colleague[-1].summary == f"Merged into {item.reference}"


@pytest.mark.parametrize("role", ["supervisor", "officer", "moderator"])
def test_ordinary_staff_never_see_complaints_about_conduct(organization, staff, client_for, role):
    complaint = make_item(organization, kind=Kind.CONDUCT, description=WORDS, wants_public=True)
    person = staff[role]
    client = client_for(person)

    page = inbox.inbox_page(person, organization, InboxFilter(status="all", q=complaint.reference))
    assert page.rows == []
    page = inbox.inbox_page(person, organization, InboxFilter(status="all", q="shouted"))
    assert page.rows == []
    with pytest.raises(Http404):
        inbox.access_item(person, organization, complaint.reference)
    assert client.get(f"{BASE}items/{complaint.reference}/").status_code == 404
    assert client.get(f"{BASE}conduct/").status_code == 403
    assert complaint.reference not in client.get(f"{BASE}?status=all").content.decode()
    if role != "officer":
        assert complaint.reference not in client.get(f"{BASE}moderation/").content.decode()
    with pytest.raises(PermissionDenied):
        workflow.reply(person, complaint, "Hello")
    with pytest.raises(PermissionDenied):
        workflow.set_subject(person, complaint, staff["officer"])


def test_only_professional_standards_name_a_subject_and_only_on_complaints(organization, staff):
    with pytest.raises(ServiceError):  # an administrator sees both kinds
        workflow.set_subject(staff["admin"], make_item(organization), staff["officer"])
    with pytest.raises(PermissionDenied):  # professional standards do not see the others
        workflow.set_subject(staff["standards"], make_item(organization), staff["officer"])
    complaint = make_item(organization, kind=Kind.CONDUCT)
    with pytest.raises(ServiceError):  # a resident is not staff
        workflow.set_subject(
            staff["standards"], complaint, make_member(organization, "partner", email="p@x.example")
        )
    assert Item.objects.filter(subject__isnull=False).count() == 0


def test_a_standards_colleague_who_names_themselves_is_sent_back_to_the_queue(
    organization, staff, client_for
):
    complaint = make_item(organization, kind=Kind.CONDUCT)
    colleague = staff["standards"]

    response = client_for(colleague).post(
        f"{BASE}items/{complaint.reference}/subject/", {"subject-user": str(colleague.pk)}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{BASE}conduct/"
    assert client_for(colleague).get(f"{BASE}items/{complaint.reference}/").status_code == 404
