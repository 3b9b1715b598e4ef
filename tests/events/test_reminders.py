"""Reminders the day before: each date once, to the people with a place, never for a
cancelled date, again after a date is moved."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone, translation

from tests import factories
from tests.conftest import make_member
from tests.events.conftest import local, published
from tests.events.test_notifications import (
    DASH,
    code_in,
    guest_links,
    guest_url,
    one_mail,
    path_of,
    qr_image,
    resident,
    subject_of,
)
from trustbridge.core.errors import ServiceError
from trustbridge.core.models import Role
from trustbridge.events import checkin, notifications, services
from trustbridge.events.models import Occurrence

NOW = local(2030, 3, 1, 12)
START = local(2030, 3, 4, 19)  # the fixtures' meeting
THE_DAY_BEFORE = START - dt.timedelta(hours=24)


@pytest.fixture
def sending(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def meeting(officer, organization):
    return published(officer, organization, capacity=1).occurrences.get()


def test_a_date_is_reminded_once_even_when_the_reminders_run_twice(meeting, mailbox, sending):
    services.sign_up(meeting, user=resident("holder@example.org"), now=NOW)

    with sending():
        first = notifications.send_reminders(THE_DAY_BEFORE)
    with sending():
        second = notifications.send_reminders(THE_DAY_BEFORE + dt.timedelta(minutes=5))

    assert (first.dates, first.reminders) == (1, 1)
    assert (second.dates, second.reminders) == (0, 0)
    message = one_mail(mailbox, "holder@example.org")
    assert subject_of(message) == "Reminder: “Old Mill watch meeting”, Monday at 7 p.m."
    meeting.refresh_from_db()
    assert meeting.reminded_at == THE_DAY_BEFORE


@pytest.mark.parametrize(
    ("before_start", "reminded"),
    [
        (dt.timedelta(hours=24, minutes=1), False),  # not yet
        (dt.timedelta(hours=24), True),
        (dt.timedelta(hours=2), True),  # a late run still reminds
        (dt.timedelta(hours=1, minutes=59), False),  # too late to be of use
    ],
)
def test_dates_are_reminded_from_a_day_to_two_hours_before_they_start(
    meeting, mailbox, sending, before_start, reminded
):
    services.sign_up(meeting, user=resident("holder@example.org"), now=NOW)
    with sending():
        run = notifications.send_reminders(START - before_start)
    assert run.reminders == int(reminded)
    assert len(mailbox.to("holder@example.org")) == int(reminded)


def test_only_people_with_a_place_are_reminded(meeting, mailbox, sending):
    holder = resident("holder@example.org")
    services.sign_up(meeting, user=holder, now=NOW)
    services.sign_up(meeting, user=resident("waiting@example.org"), now=NOW)
    services.sign_up(meeting, name="Pat", email="pat@example.org", now=NOW)  # not confirmed

    with sending():
        notifications.send_reminders(THE_DAY_BEFORE)

    assert [m["To"] for m in mailbox.messages] == ["holder@example.org"]


def test_a_cancelled_date_or_event_gets_no_reminder(officer, organization, mailbox, sending):
    series = published(officer, organization, recurrence_rule="FREQ=DAILY;COUNT=2")
    first, second = series.occurrences.order_by("starts_at")
    services.sign_up(first, user=resident("first@example.org"), now=NOW)
    services.sign_up(second, user=resident("second@example.org"), now=NOW)
    services.cancel_occurrence(officer, first)
    other = published(officer, organization, texts={"en": {"title": "Picnic"}}).occurrences.get()
    services.sign_up(other, user=resident("picnic@example.org"), now=NOW)
    services.cancel_event(officer, other.event)

    with sending():
        run = notifications.send_reminders(THE_DAY_BEFORE)

    assert (run.dates, run.reminders) == (0, 0)
    assert mailbox.messages == []


def test_a_date_cancelled_after_its_reminders_were_queued_sends_none(
    officer, meeting, mailbox, django_capture_on_commit_callbacks
):
    services.sign_up(meeting, user=resident("holder@example.org"), now=NOW)
    with django_capture_on_commit_callbacks() as queued:
        notifications.send_reminders(THE_DAY_BEFORE)
    services.cancel_occurrence(officer, meeting)  # before the worker gets to them
    for callback in queued:
        callback()
    assert mailbox.messages == []


def test_a_moved_date_is_reminded_again_before_its_new_time(officer, meeting, mailbox, sending):
    services.sign_up(meeting, user=resident("holder@example.org"), now=NOW)
    with sending():
        notifications.send_reminders(THE_DAY_BEFORE)
    with sending():
        services.move_occurrence(
            officer, meeting, starts_at=local(2030, 3, 6, 19), ends_at=local(2030, 3, 6, 20)
        )
    with sending():
        run = notifications.send_reminders(local(2030, 3, 5, 19))

    assert run.reminders == 1
    subjects = [subject_of(m) for m in mailbox.to("holder@example.org")]
    assert subjects == [
        "Reminder: “Old Mill watch meeting”, Monday at 7 p.m.",
        "Changed: the time or place of “Old Mill watch meeting”",
        "Reminder: “Old Mill watch meeting”, Wednesday at 7 p.m.",
    ]


def test_the_reminder_carries_a_new_check_in_code_and_a_new_guest_link(
    officer, organization, meeting, mailbox, sending
):
    guest = services.sign_up(meeting, name="Pat", email="pat@example.org", now=NOW)
    with sending():
        services.confirm_guest(guest.rsvp, guest.secret, now=NOW)
    old_code = code_in(mailbox.text_of(one_mail(mailbox, "pat@example.org")))
    mailbox.clear()

    with sending():
        notifications.send_reminders(THE_DAY_BEFORE)

    message = one_mail(mailbox, "pat@example.org")
    text = mailbox.text_of(message)
    new_code = code_in(text)
    _content_id, decoded = qr_image(message)
    assert decoded.endswith(f"?code={new_code.replace('-', '')}")
    assert "This check-in code replaces the one in our earlier e-mail" in text
    door = local(2030, 3, 4, 18, 50)
    with pytest.raises(ServiceError):
        checkin.check_in_by_code(officer, meeting, old_code, now=door)
    assert checkin.check_in_by_code(officer, meeting, new_code, now=door).pk == guest.rsvp.pk
    [link] = guest_links(organization, text)
    assert Client().get(path_of(link)).status_code == 200
    old_link = guest_url(organization, guest.rsvp, guest.secret)
    assert Client().get(path_of(old_link)).status_code == 404


def test_a_guest_is_reminded_in_the_language_they_signed_up_in(officer, mailbox, sending):
    organization = factories.OrganizationFactory(slug="quartier", languages=["en", "fr"])
    organizer = make_member(organization, Role.OFFICER)
    meeting = published(organizer, organization).occurrences.get()
    with translation.override("fr"):
        guest = services.sign_up(meeting, name="Pat", email="pat@example.org", now=NOW)
    services.confirm_guest(guest.rsvp, guest.secret, now=NOW)

    with sending():
        notifications.send_reminders(THE_DAY_BEFORE)

    message = one_mail(mailbox, "pat@example.org")
    assert message["Content-Language"] == "fr"
    assert f"lundi 4 mars 2030, 19:00{DASH}20:30" in mailbox.text_of(message)


def test_the_events_remind_command_reminds_and_says_how_many(
    officer, organization, mailbox, sending, capsys
):
    soon = timezone.now() + dt.timedelta(hours=10)
    meeting = published(
        officer, organization, starts_at=soon, ends_at=soon + dt.timedelta(hours=1)
    ).occurrences.get()
    services.sign_up(meeting, user=resident("holder@example.org"), now=timezone.now())

    with sending():
        call_command("events-remind", "--org", organization.slug)
    with sending():
        call_command("events-remind")

    assert capsys.readouterr().out.splitlines() == [
        "1 reminders queued for 1 dates.",
        "0 reminders queued for 0 dates.",
    ]
    assert len(mailbox.to("holder@example.org")) == 1
    with pytest.raises(CommandError):
        call_command("events-remind", "--org", "nowhere")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need a server database")
def test_two_runs_at_once_never_remind_a_date_twice(mailbox):
    organization = factories.OrganizationFactory(slug="twice", timezone="America/Toronto")
    organizer = make_member(organization, Role.OFFICER)
    meeting = published(organizer, organization).occurrences.get()
    for n in range(5):
        services.sign_up(meeting, user=resident(f"person{n}@example.org"), now=NOW)
    mailbox.clear()  # their "your place" e-mails
    barrier = threading.Barrier(4)
    runs = []

    def run():
        barrier.wait()
        try:
            runs.append(notifications.send_reminders(THE_DAY_BEFORE))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.reminders for r in runs) == [0, 0, 0, 5]
    assert len(mailbox.messages) == 5
    assert Occurrence.objects.get(pk=meeting.pk).reminded_at == THE_DAY_BEFORE
