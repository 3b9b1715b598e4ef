"""The town-hall question pages: anyone asks and up-votes on the public board, which shows
only what moderators approved; moderators work their queue; the presenter's screen follows
the votes; supervisors see what is overdue. Every moderation action is in a public log
without the moderator's name, and nothing ever shows who asked."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.conftest import make_member, signed_in
from tests.events.conftest import TORONTO, new_event, published
from trustbridge.core.models import Role
from trustbridge.events import questions, services
from trustbridge.events.models import ModerationEntry, Question, QuestionStatus, Vote
from trustbridge.feedback.abuse import DEVICE_COOKIE

NOW = timezone.now()
TODAY = NOW.astimezone(TORONTO).date()
HOUR = dt.timedelta(hours=1)


def hall(officer, organization, starts_at, *, kind="town_hall", title=None):
    """A town hall (or another kind) of two hours from ``starts_at``."""
    event = published(
        officer,
        organization,
        kind=kind,
        texts={"en": {"title": title or "Old Mill town hall", "description": "Questions."}},
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
    )
    return event


@pytest.fixture
def town_hall(officer, organization):
    return hall(officer, organization, NOW + dt.timedelta(days=3))


@pytest.fixture
def staff_client(officer):
    return signed_in(officer)


def asked(event, text, **kwargs):
    return questions.ask(event, text, now=event.starts_at - dt.timedelta(days=1), **kwargs)


def approved(officer, event, text, votes=0):
    question = questions.approve(officer, asked(event, text), now=NOW)
    for n in range(votes):
        questions.vote(question, questions.voter_key(device=f"device-{n}"))
    question.refresh_from_db()
    return question


def page_url(event):
    return reverse("events:questions", args=[event.organization.slug, event.pk])


def vote_url(question):
    return reverse(
        "events:question_vote",
        args=[question.organization.slug, question.event_id, question.pk],
    )


def log_url(event):
    return reverse("events:moderation_log", args=[event.organization.slug, event.pk])


def moderate_url(event):
    return reverse("events:moderate", args=[event.organization.slug, event.pk])


def presenter_url(event):
    return reverse("events:presenter", args=[event.organization.slug, event.pk])


def overdue_url(organization):
    return reverse("events:overdue_questions", args=[organization.slug])


def text_of(response) -> str:
    return response.content.decode()


def visitor() -> Client:
    """A browser that has opened a page before: it holds a device cookie."""
    client = Client()
    client.cookies[DEVICE_COOKIE] = "a-device-of-twenty-chars"
    return client


# The public board -------------------------------------------------------------------------


def test_the_board_shows_approved_questions_most_votes_first_and_never_a_pending_one(
    officer, town_hall
):
    resident = factories.UserFactory(email="asker@example.org", display_name="Robin Asker")
    fewer = approved(officer, town_hall, "Speed bumps on Mill Road?", votes=1)
    more = approved(officer, town_hall, "More foot patrols at night?", votes=2)
    questions.approve(officer, asked(town_hall, "Named asker's question", user=resident), now=NOW)
    asked(town_hall, "Still waiting for a moderator")

    response = Client().get(page_url(town_hall))

    assert response.status_code == 200
    page = text_of(response)
    assert page.index(more.text) < page.index(fewer.text)
    assert "Still waiting for a moderator" not in page
    assert "Robin Asker" not in page and "asker@example.org" not in page
    assert reverse("events:question_vote", args=["riverside", town_hall.pk, more.pk]) in page
    assert log_url(town_hall) in page


@pytest.mark.parametrize("case", ["draft", "watch_meeting", "cancelled", "other_organisation"])
def test_only_a_published_town_hall_or_forum_has_questions_pages(
    officer, organization, other_organization, case
):
    start = NOW + dt.timedelta(days=3)
    if case == "draft":
        event = new_event(
            officer, organization, kind="town_hall", starts_at=start, ends_at=start + HOUR
        )
    elif case == "watch_meeting":
        event = hall(officer, organization, start, kind="watch_meeting")
    elif case == "cancelled":
        event = services.cancel_event(officer, hall(officer, organization, start))
    else:
        theirs = make_member(other_organization, Role.OFFICER)
        event = hall(theirs, other_organization, start)
    slug = "riverside"

    for name in ("events:questions", "events:moderation_log"):
        assert Client().get(reverse(name, args=[slug, event.pk])).status_code == 404


def test_a_visitor_asks_anonymously_and_is_thanked_without_the_question_showing(town_hall):
    client = Client()
    form = text_of(client.get(page_url(town_hall)))
    assert 'name="anonymous"' not in form  # visitors are always anonymous

    response = client.post(page_url(town_hall), {"text": "  Can the lane get a lamp?  "})

    assert (response.status_code, response["Location"]) == (302, page_url(town_hall))
    question = Question.objects.get()
    assert (question.text, question.status, question.asker) == (
        "Can the lane get a lamp?",
        QuestionStatus.PENDING,
        None,
    )
    page = text_of(client.get(page_url(town_hall)))
    assert "Thank you — a moderator will review your question before it is shown." in page
    assert "Can the lane get a lamp?" not in page


@pytest.mark.parametrize(("ticked", "kept"), [(True, False), (False, True)])
def test_a_signed_in_resident_chooses_whether_the_question_is_linked_to_them(
    town_hall, resident, ticked, kept
):
    client = signed_in(resident)
    assert 'name="anonymous"' in text_of(client.get(page_url(town_hall)))
    data = {"text": "Why so few patrols?", **({"anonymous": "on"} if ticked else {})}

    assert client.post(page_url(town_hall), data).status_code == 302

    assert Question.objects.get().asker == (resident if kept else None)


def test_a_robot_that_fills_the_hidden_field_is_thanked_and_nothing_is_stored(town_hall):
    response = Client().post(
        page_url(town_hall), {"text": "Buy cheap pills", "website": "http://spam.example"}
    )
    assert (response.status_code, response["Location"]) == (302, page_url(town_hall))
    assert Question.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "This field is required."), ("x" * 501, "at most 500 characters")],
)
def test_an_empty_or_overlong_question_comes_back_with_its_error_and_nothing_is_stored(
    town_hall, text, message
):
    response = Client().post(page_url(town_hall), {"text": text})
    assert response.status_code == 400
    assert message in text_of(response)
    assert Question.objects.count() == 0


def test_asking_too_often_is_refused_with_a_time_to_wait(town_hall):
    client = visitor()
    for n in range(5):
        assert client.post(page_url(town_hall), {"text": f"Question {n}"}).status_code == 302

    response = client.post(page_url(town_hall), {"text": "One more"})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "Please wait" in text_of(response)
    assert "One more" in text_of(response)  # what was typed is still there
    assert Question.objects.count() == 5


def test_questions_close_two_hours_after_the_end(officer, organization):
    ended = hall(officer, organization, NOW - dt.timedelta(hours=5))  # ended 3 hours ago
    page = text_of(Client().get(page_url(ended)))
    assert "Questions for this event are closed." in page
    assert 'name="text"' not in page

    response = Client().post(page_url(ended), {"text": "Too late?"})

    assert response.status_code == 400
    assert "Questions for this event are closed." in text_of(response)
    assert Question.objects.count() == 0


def test_script_in_a_question_or_an_answer_is_shown_as_text(officer, town_hall):
    question = approved(officer, town_hall, "<script>alert('q')</script> why?")
    other = approved(officer, town_hall, "Plain question")
    questions.answer(officer, other, "<img src=x onerror=alert(1)>", now=NOW, live=True)

    page = text_of(Client().get(page_url(town_hall)))

    assert "<script>alert(" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;q&#x27;)&lt;/script&gt; why?" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert question.text == "<script>alert('q')</script> why?"  # stored as typed


def test_answers_say_whether_they_were_given_at_the_event_or_in_writing_and_when(
    officer, town_hall
):
    live = approved(officer, town_hall, "Answered in the room?")
    written = approved(officer, town_hall, "Answered on paper?")
    questions.answer(officer, live, "Yes, tonight.", now=NOW, live=True)
    on = dt.datetime(2030, 3, 20, 23, 30, tzinfo=dt.UTC)  # 19:30 on 20 March in Toronto
    questions.answer(officer, written, "In writing.", now=on, live=False)

    page = text_of(Client().get(page_url(town_hall)))

    assert "Answered at the event:" in page
    assert "Answered in writing on March 20, 2030:" in page
    assert "Yes, tonight." in page and "In writing." in page


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=TORONTO)


def test_unanswered_questions_after_the_event_count_down_to_their_answer_date(
    officer, organization
):
    recent = hall(officer, organization, noon(TODAY - dt.timedelta(days=5)), title="Recent")
    due_soon = approved(officer, recent, "Due in nine days?")
    older = hall(officer, organization, noon(TODAY - dt.timedelta(days=16)), title="Older")
    late = approved(officer, older, "Two days late?")
    questions.set_answer_due(recent, now=noon(TODAY - dt.timedelta(days=5)))
    questions.set_answer_due(older, now=noon(TODAY - dt.timedelta(days=16)))
    due_soon.refresh_from_db()
    assert due_soon.answer_due == TODAY + dt.timedelta(days=9)

    assert "answer due in 9 days." in text_of(Client().get(page_url(recent)))
    late_page = text_of(Client().get(page_url(older)))
    assert "overdue by 2 days." in late_page
    assert late.text in late_page


def test_a_hidden_question_shows_only_its_reason_and_a_merged_one_points_to_the_other(
    officer, town_hall
):
    kept = approved(officer, town_hall, "Speed bumps on Mill Road?")
    repeat = asked(town_hall, "Speed bumps please (a repeat)")
    questions.merge(officer, repeat, kept, now=NOW)
    rude = asked(town_hall, "Something rude about a neighbour")
    questions.hide(officer, rude, "Names a private person", now=NOW)

    page = text_of(Client().get(page_url(town_hall)))

    assert "Hidden by a moderator: Names a private person" in page
    assert "Something rude about a neighbour" not in page
    assert "Speed bumps please (a repeat)" not in page  # never approved: only the pointer
    assert f'<a href="#question-{kept.pk}">“Speed bumps on Mill Road?”</a>' in page
    assert f'id="question-{repeat.pk}"' in page


def test_the_public_board_costs_a_fixed_number_of_queries(
    officer, town_hall, django_assert_num_queries
):
    for n in range(6):
        approved(officer, town_hall, f"Question {n}", votes=n % 3)
    questions.hide(officer, asked(town_hall, "Hidden"), "Off topic", now=NOW)
    client = Client()

    # the organisation, the event, its dates, the questions (with their hidden reasons)
    with django_assert_num_queries(4):
        assert client.get(page_url(town_hall)).status_code == 200


# Votes ------------------------------------------------------------------------------------


def test_a_vote_without_javascript_counts_once_and_a_second_vote_changes_nothing_and_says_so(
    officer, town_hall
):
    question = approved(officer, town_hall, "More lighting?")
    client = visitor()

    first = client.post(vote_url(question))
    assert (first.status_code, first["Location"]) == (
        302,
        page_url(town_hall) + f"#question-{question.pk}",
    )
    assert "Thank you: your vote is counted." in text_of(client.get(page_url(town_hall)))
    again = client.post(vote_url(question), follow=True)

    assert "You have already voted for this question." in text_of(again)
    question.refresh_from_db()
    assert (question.votes, Vote.objects.count()) == (1, 1)


def test_with_htmx_a_vote_swaps_just_the_count(officer, town_hall):
    question = approved(officer, town_hall, "More lighting?", votes=2)
    page = text_of(Client().get(page_url(town_hall)))
    assert f'hx-post="{vote_url(question)}" hx-target="#votes-{question.pk}"' in page
    client = visitor()

    response = client.post(vote_url(question), HTTP_HX_REQUEST="true")
    again = client.post(vote_url(question), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert text_of(response).strip() == (
        '<strong>3</strong> votes <span class="vote-note">Thank you: your vote is counted.</span>'
    )
    assert again.status_code == 200
    assert "<strong>3</strong> votes" in text_of(again)
    assert "You have already voted for this question." in text_of(again)


def test_a_signed_in_person_has_one_vote_whatever_the_device(officer, town_hall, resident):
    question = approved(officer, town_hall, "More lighting?")
    phone, laptop = signed_in(resident), signed_in(resident)
    phone.cookies[DEVICE_COOKIE] = "phone-device-cookie-0001"
    laptop.cookies[DEVICE_COOKIE] = "laptop-device-cookie-001"

    phone.post(vote_url(question))
    laptop.post(vote_url(question))

    question.refresh_from_db()
    assert question.votes == 1


def test_a_visitor_without_a_device_cookie_gets_one_and_is_asked_to_vote_again(officer, town_hall):
    question = approved(officer, town_hall, "More lighting?")

    response = Client().post(vote_url(question))

    assert response.status_code == 400
    assert "We cannot tell who is voting." in text_of(response)
    assert response.cookies[DEVICE_COOKIE].value
    question.refresh_from_db()
    assert question.votes == 0


def test_a_vote_flood_from_one_device_is_limited(officer, town_hall):
    question = approved(officer, town_hall, "More lighting?")
    client = visitor()
    for _ in range(60):  # a vote, then 59 repeats: each attempt counts
        assert client.post(vote_url(question), HTTP_HX_REQUEST="true").status_code == 200

    response = client.post(vote_url(question), HTTP_HX_REQUEST="true")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "Please wait" in text_of(response)
    question.refresh_from_db()
    assert question.votes == 1
    # Another device behind the same address still votes.
    assert visitor_with("another-device-cookie-01").post(vote_url(question)).status_code == 302


def visitor_with(device: str) -> Client:
    client = Client()
    client.cookies[DEVICE_COOKIE] = device
    return client


def test_questions_that_are_not_approved_take_no_vote(officer, organization, town_hall):
    pending = asked(town_hall, "Pending")
    hidden = asked(town_hall, "Hidden")
    questions.hide(officer, hidden, "Off topic", now=NOW)
    elsewhere = approved(officer, hall(officer, organization, NOW + dt.timedelta(days=4)), "Other")
    client = visitor()

    assert client.post(vote_url(pending)).status_code == 404
    wrong_event = reverse("events:question_vote", args=["riverside", town_hall.pk, elsewhere.pk])
    assert client.post(wrong_event).status_code == 404
    refused = client.post(vote_url(hidden))
    assert refused.status_code == 400
    assert "Only approved questions take votes." in text_of(refused)
    assert Vote.objects.count() == 0


# The moderation log -----------------------------------------------------------------------


def test_the_moderation_log_shows_every_action_and_reason_but_never_who(
    officer, organization, town_hall, resident
):
    moderator = make_member(organization, Role.MODERATOR, email="mod.hidden@riverside.example")
    kept = questions.approve(moderator, asked(town_hall, "Kept?", user=resident), now=NOW)
    rude = asked(town_hall, "Rude text")
    questions.hide(moderator, rude, "Insults a neighbour", now=NOW)
    questions.answer(officer, kept, "Yes.", now=NOW, live=True)

    response = Client().get(log_url(town_hall))

    assert response.status_code == 200
    page = text_of(response)
    for shown in ("Approved", "Hidden", "Answered", "Insults a neighbour", f"Question {kept.pk}"):
        assert shown in page
    for never in ("mod.hidden@riverside.example", officer.email, resident.email, "Rude text"):
        assert never not in page
    assert "public" in response["Cache-Control"].split(", ")  # the same for everyone


def test_the_moderation_log_costs_a_fixed_number_of_queries(
    officer, town_hall, django_assert_num_queries
):
    for n in range(5):
        questions.hide(officer, asked(town_hall, f"Q{n}"), "Off topic", now=NOW)
    with django_assert_num_queries(4):  # the organisation, the event, its dates, the log
        assert Client().get(log_url(town_hall)).status_code == 200


# Moderators -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.SUPERVISOR, 200),
        (Role.OFFICER, 200),
        (Role.MODERATOR, 200),
        (Role.STANDARDS, 403),
    ],
)
def test_moderators_open_the_queue_and_the_presenter_screen(organization, town_hall, role, status):
    client = signed_in(make_member(organization, role, email=f"{role}-2@riverside.example"))
    assert client.get(moderate_url(town_hall)).status_code == status
    assert client.get(presenter_url(town_hall)).status_code == status


def test_the_queue_shows_pending_questions_and_approving_one_publishes_it(town_hall, staff_client):
    waiting = asked(town_hall, "Is the park patrolled?")
    assert "Is the park patrolled?" in text_of(staff_client.get(moderate_url(town_hall)))

    response = staff_client.post(
        moderate_url(town_hall), {"action": "approve", "question": waiting.pk}
    )

    assert response.status_code == 302
    assert response["Location"] == moderate_url(town_hall) + f"#question-{waiting.pk}"
    waiting.refresh_from_db()
    assert waiting.status == QuestionStatus.APPROVED
    assert "Is the park patrolled?" in text_of(Client().get(page_url(town_hall)))


def test_hiding_needs_a_public_reason(town_hall, staff_client):
    waiting = asked(town_hall, "Off topic")
    prefix = f"q{waiting.pk}"

    refused = staff_client.post(
        moderate_url(town_hall), {"action": "hide", "question": waiting.pk, f"{prefix}-reason": " "}
    )

    assert refused.status_code == 400
    assert "This field is required." in text_of(refused)
    waiting.refresh_from_db()
    assert (waiting.status, ModerationEntry.objects.count()) == (QuestionStatus.PENDING, 0)

    staff_client.post(
        moderate_url(town_hall),
        {"action": "hide", "question": waiting.pk, f"{prefix}-reason": "Not about policing"},
    )
    waiting.refresh_from_db()
    assert waiting.status == QuestionStatus.HIDDEN
    assert ModerationEntry.objects.get().reason == "Not about policing"


def test_a_repeat_is_merged_into_an_approved_question_of_the_same_event_only(
    officer, organization, town_hall, staff_client
):
    kept = approved(officer, town_hall, "Speed bumps?", votes=1)
    repeat = approved(officer, town_hall, "Speed bumps please", votes=2)
    elsewhere = approved(officer, hall(officer, organization, NOW + dt.timedelta(days=5)), "Other")
    field = f"q{repeat.pk}-into"

    refused = staff_client.post(
        moderate_url(town_hall), {"action": "merge", "question": repeat.pk, field: elsewhere.pk}
    )
    assert refused.status_code == 400
    assert "Select a valid choice." in text_of(refused)
    repeat.refresh_from_db()
    assert repeat.status == QuestionStatus.APPROVED

    done = staff_client.post(
        moderate_url(town_hall), {"action": "merge", "question": repeat.pk, field: kept.pk}
    )

    assert done.status_code == 302
    kept.refresh_from_db()
    repeat.refresh_from_db()
    # device-0 voted for both: it keeps one vote; device-1's vote moves over.
    assert (repeat.status, repeat.merged_into, kept.votes) == (QuestionStatus.MERGED, kept, 2)


@pytest.mark.parametrize(
    ("live", "shown"), [(True, "Answered at the event:"), (False, "in writing")]
)
def test_a_moderator_answers_at_the_event_or_in_writing(
    officer, town_hall, staff_client, live, shown
):
    question = approved(officer, town_hall, "When does the new patrol start?")
    prefix = f"q{question.pk}"
    data = {"action": "answer", "question": question.pk, f"{prefix}-answer": "In May."}
    if live:
        data[f"{prefix}-live"] = "on"

    assert staff_client.post(moderate_url(town_hall), data).status_code == 302

    question.refresh_from_db()
    assert (question.status, question.answer, question.answered_live) == (
        QuestionStatus.ANSWERED,
        "In May.",
        live,
    )
    assert shown in text_of(Client().get(page_url(town_hall)))


def test_an_action_that_does_not_fit_the_questions_state_is_refused_and_changes_nothing(
    officer, town_hall, staff_client
):
    question = approved(officer, town_hall, "Answered already?")
    questions.answer(officer, question, "Yes.", now=NOW, live=True)
    entries = ModerationEntry.objects.count()

    refused = staff_client.post(
        moderate_url(town_hall), {"action": "approve", "question": question.pk}
    )

    assert refused.status_code == 400
    assert "Not possible while the question is “Answered”." in text_of(refused)
    question.refresh_from_db()
    assert (question.status, ModerationEntry.objects.count()) == (
        QuestionStatus.ANSWERED,
        entries,
    )


@pytest.mark.parametrize(
    "data", [{}, {"action": "delete", "question": "1"}, {"action": "approve", "question": "x"}]
)
def test_a_post_without_a_known_action_is_refused(town_hall, staff_client, data):
    response = staff_client.post(moderate_url(town_hall), data)
    assert response.status_code == 400
    assert "Choose an action" in text_of(response)


def test_a_question_of_another_event_is_not_found_from_this_queue(
    officer, organization, town_hall, staff_client
):
    other = asked(hall(officer, organization, NOW + dt.timedelta(days=5)), "Other event's")
    response = staff_client.post(
        moderate_url(town_hall), {"action": "approve", "question": other.pk}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == QuestionStatus.PENDING


def test_the_queue_costs_a_fixed_number_of_queries(
    officer, town_hall, staff_client, django_assert_num_queries
):
    for n in range(4):
        asked(town_hall, f"Pending {n}")
        approved(officer, town_hall, f"Approved {n}")
    staff_client.get(moderate_url(town_hall))  # the session and the TOTP check, once

    # session, user, memberships, TOTP, the organisation, the event, its dates, the questions
    with django_assert_num_queries(8):
        assert staff_client.get(moderate_url(town_hall)).status_code == 200


# The presenter's screen ----------------------------------------------------------------------


def test_the_presenter_screen_lists_approved_questions_by_votes_and_polls_for_changes(
    officer, town_hall, staff_client
):
    approved(officer, town_hall, "Fewer votes", votes=1)
    approved(officer, town_hall, "Most votes", votes=3)
    asked(town_hall, "Not approved yet")

    page = text_of(staff_client.get(presenter_url(town_hall)))
    fragment = staff_client.get(presenter_url(town_hall) + "?fragment=1")

    assert page.index("Most votes") < page.index("Fewer votes")
    assert "Not approved yet" not in page
    assert f'hx-get="{presenter_url(town_hall)}?fragment=1" hx-trigger="every 5s"' in page
    assert f'<a href="{presenter_url(town_hall)}">Refresh the list</a>' in page  # without JS
    assert fragment.status_code == 200
    assert "<html" not in text_of(fragment)
    assert text_of(fragment).index("Most votes") < text_of(fragment).index("Fewer votes")


def test_marking_a_question_answered_on_the_presenter_screen_records_a_live_answer(
    officer, town_hall, staff_client
):
    question = approved(officer, town_hall, "Will the station open on Sundays?")
    field = f"q{question.pk}-answer"

    refused = staff_client.post(
        presenter_url(town_hall), {"action": "answer", "question": question.pk, field: ""}
    )
    assert refused.status_code == 400
    assert "This field is required." in text_of(refused)
    assert 'hx-trigger="every 5s"' not in text_of(refused)  # no refresh would wipe the error
    done = staff_client.post(
        presenter_url(town_hall),
        {"action": "answer", "question": question.pk, field: "From June, yes."},
    )

    assert (done.status_code, done["Location"]) == (302, presenter_url(town_hall))
    question.refresh_from_db()
    assert (question.status, question.answer, question.answered_live) == (
        QuestionStatus.ANSWERED,
        "From June, yes.",
        True,
    )
    assert "Will the station open on Sundays?" not in text_of(
        staff_client.get(presenter_url(town_hall))
    )


# Overdue questions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN, 200), (Role.SUPERVISOR, 200), (Role.OFFICER, 403), (Role.MODERATOR, 403)],
)
def test_supervisors_and_administrators_see_the_overdue_questions(organization, role, status):
    client = signed_in(make_member(organization, role, email=f"{role}-3@riverside.example"))
    assert client.get(overdue_url(organization)).status_code == status


def test_the_overdue_list_is_oldest_first_with_a_link_to_answer_each(
    officer, organization, other_organization
):
    older = hall(officer, organization, noon(TODAY - dt.timedelta(days=20)), title="Older hall")
    recent = hall(officer, organization, noon(TODAY - dt.timedelta(days=16)), title="Recent hall")
    late = approved(officer, recent, "Two days late")
    later = approved(officer, older, "Six days late")
    approved(officer, hall(officer, organization, noon(TODAY - dt.timedelta(days=2))), "Not due")
    theirs_officer = make_member(other_organization, Role.OFFICER)
    theirs = hall(theirs_officer, other_organization, noon(TODAY - dt.timedelta(days=30)))
    approved(theirs_officer, theirs, "Another organisation's late question")
    for event in (older, recent, theirs):
        questions.set_answer_due(event, now=event.ends_at)
    supervisor = make_member(organization, Role.SUPERVISOR)

    page = text_of(signed_in(supervisor).get(overdue_url(organization)))

    assert page.index("Six days late") < page.index("Two days late")
    assert "overdue by 6 days" in page and "overdue by 2 days" in page
    assert "Older hall" in page and "Recent hall" in page
    assert f"{moderate_url(older)}#question-{later.pk}" in page
    assert f"{moderate_url(recent)}#question-{late.pk}" in page
    assert "Not due" not in page
    assert "Another organisation" not in page


def test_the_questions_page_leads_moderators_to_their_queue_and_nobody_else(
    town_hall, organization
):
    moderator = make_member(organization, Role.MODERATOR)
    partner = make_member(organization, Role.PARTNER)

    def links_to_the_queue(client: Client) -> bool:
        return moderate_url(town_hall) in client.get(page_url(town_hall)).content.decode()

    assert links_to_the_queue(signed_in(moderator))
    assert not links_to_the_queue(signed_in(partner))
    assert not links_to_the_queue(Client())


def test_moderators_start_from_the_events_taking_questions_with_what_waits(
    officer, organization, town_hall
):
    moderator = make_member(organization, Role.MODERATOR)
    asked(town_hall, "Will the park lights be fixed?")
    approved(officer, town_hall, "When does the bus shelter come back?")
    hall(officer, organization, NOW + dt.timedelta(days=5), kind="gathering", title="Barbecue")

    response = signed_in(moderator).get(f"/o/{organization.slug}/staff/events/questions/")

    page = response.content.decode()
    assert response.status_code == 200
    assert moderate_url(town_hall) in page
    assert "Barbecue" not in page
    row = re.search(r"<tr>\s*<td><a[^>]*>[^<]*</a></td>(.*?)</tr>", page, flags=re.S).group(1)
    assert re.findall(r"<td>(?:<strong>)?(\d+)", row) == ["1", "1", "0"]
    assert f'href="/o/{organization.slug}/staff/events/questions/"' in page
