"""Closing the loop (feedback.survey): three questions once an item is resolved, answered once."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from tests.feedback.conftest_resident import submit
from trustbridge.core.errors import ErrorCode, ServiceError, ServiceErrors
from trustbridge.feedback.models import Status, Survey
from trustbridge.feedback.survey import answer_survey, invite_to_survey
from trustbridge.feedback.targets import Calendar, record_transition


def resolved(organization, **changes):
    submitted = submit(organization, **changes)
    item = submitted.item
    record_transition(item, Status.RESOLVED, timezone.now(), Calendar.of(organization))
    item.save()
    return submitted


def invited(organization, mailbox, capture) -> tuple[Survey, str]:
    """A resolved item's survey and the path of its link, as e-mailed."""
    item = resolved(organization, contact_email="pat@example.org").item  # no receipt: not run
    with capture(execute=True):
        survey = invite_to_survey(item)
    [message] = mailbox.to("pat@example.org")
    link = re.search(r"http://\S+", mailbox.text_of(message)).group(0)
    return survey, link.removeprefix("http://127.0.0.1:8000")


def test_a_resolved_item_with_an_address_gets_one_survey_by_e_mail(
    organization, mailbox, django_capture_on_commit_callbacks
):
    survey, path = invited(organization, mailbox, django_capture_on_commit_callbacks)

    assert (survey.item.status, survey.answered_at, survey.organization) == (
        Status.RESOLVED,
        None,
        organization,
    )
    assert re.fullmatch(rf"/o/riverside/feedback/survey/{survey.item.reference}/[\w-]{{32}}/", path)
    [message] = mailbox.messages
    assert survey.item.reference in message["Subject"]
    assert path in mailbox.html_of(message)
    mailbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert invite_to_survey(survey.item) is None  # once per item
    assert (Survey.objects.count(), mailbox.messages) == (1, [])


def test_nobody_is_asked_without_an_address(organization, django_capture_on_commit_callbacks):
    item = resolved(organization).item

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert invite_to_survey(item) is None

    assert (Survey.objects.count(), callbacks) == (0, [])


def test_the_survey_link_keeps_only_the_digest_of_its_secret(
    organization, mailbox, django_capture_on_commit_callbacks
):
    survey, path = invited(organization, mailbox, django_capture_on_commit_callbacks)
    secret = path.rstrip("/").rsplit("/", 1)[1]

    assert secret not in survey.secret_digest
    assert len(survey.secret_digest) == 64


def test_the_answers_are_recorded_once(organization, mailbox, django_capture_on_commit_callbacks):
    survey, _path = invited(organization, mailbox, django_capture_on_commit_callbacks)

    answer_survey(survey=survey, listened=4, respected=5, explained=2)
    with pytest.raises(ServiceError) as again:
        answer_survey(survey=Survey.objects.get(), listened=1, respected=1, explained=1)

    assert again.value.code == ErrorCode.ALREADY_USED
    stored = Survey.objects.get()
    assert (stored.listened, stored.respected, stored.explained) == (4, 5, 2)
    assert stored.answered_at is not None


@pytest.mark.parametrize("bad", [0, 6, -1, True, "3"])
def test_an_answer_outside_one_to_five_is_refused_and_nothing_is_recorded(
    organization, mailbox, django_capture_on_commit_callbacks, bad
):
    survey, _path = invited(organization, mailbox, django_capture_on_commit_callbacks)

    with pytest.raises(ServiceErrors) as refused:
        answer_survey(survey=survey, listened=3, respected=bad, explained=3)

    assert [e.field for e in refused.value.errors] == ["respected"]
    assert Survey.objects.get().answered_at is None


# The page ----------------------------------------------------------------------------------------


def test_the_survey_page_asks_three_questions_with_words_on_every_point(
    organization, mailbox, django_capture_on_commit_callbacks
):
    _survey, path = invited(organization, mailbox, django_capture_on_commit_callbacks)

    response = Client().get(path)

    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    for question in (
        "Were you listened to?",
        "Were you treated with respect?",
        "Was the outcome explained to you?",
    ):
        assert f"<legend>{question}</legend>" in page
    for words in ("1 · Not at all", "3 · Somewhat", "5 · Completely"):
        assert page.count(words) == 3


def test_a_resident_answers_by_the_page_and_a_second_answer_changes_nothing(
    organization, mailbox, django_capture_on_commit_callbacks
):
    _survey, path = invited(organization, mailbox, django_capture_on_commit_callbacks)
    client = Client()

    response = client.post(path, {"listened": "5", "respected": "4", "explained": "3"})
    again = client.post(path, {"listened": "1", "respected": "1", "explained": "1"})

    assert (response.status_code, response["Location"]) == (302, path)
    assert again.status_code == 200
    assert "Thank you for your answers." in again.content.decode()
    stored = Survey.objects.get()
    assert (stored.listened, stored.respected, stored.explained) == (5, 4, 3)


def test_a_missing_answer_is_asked_again(organization, mailbox, django_capture_on_commit_callbacks):
    _survey, path = invited(organization, mailbox, django_capture_on_commit_callbacks)

    response = Client().post(path, {"listened": "5", "respected": "4"})

    assert response.status_code == 400
    assert 'id="id_explained_error"' in response.content.decode()
    assert Survey.objects.get().answered_at is None


def test_a_forged_or_borrowed_survey_link_is_not_found(
    organization, other_organization, mailbox, django_capture_on_commit_callbacks
):
    submitted = resolved(organization, contact_email="pat@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        invite_to_survey(submitted.item)
    [message] = mailbox.to("pat@example.org")
    path = re.search(r"/o/\S+", mailbox.text_of(message)).group(0)
    reference, secret = path.rstrip("/").rsplit("/", 2)[1:]
    tracking = submitted.secret
    altered = secret[:-1] + ("y" if secret.endswith("x") else "x")

    for forged in (
        f"/o/riverside/feedback/survey/{reference}/{altered}/",
        f"/o/riverside/feedback/survey/{reference}/{tracking}/",  # the item's tracking secret
        f"/o/elsewhere/feedback/survey/{reference}/{secret}/",
        f"/o/riverside/feedback/survey/ZZZZ-ZZZZ/{secret}/",
    ):
        assert (
            Client().post(forged, {"listened": "1", "respected": "1", "explained": "1"}).status_code
            == 404
        )
    assert Survey.objects.get().answered_at is None
