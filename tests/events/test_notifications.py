"""E-mails about events: who is told what, in which language, with links and a QR code that
work; and organisers' messages to attendees."""

from __future__ import annotations

import io
import logging
import re

import pytest
import zxingcpp
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tests import factories
from tests.conftest import make_member
from tests.events.conftest import local, published
from trustbridge.core.errors import ServiceError, ServiceErrors
from trustbridge.core.models import AuditEvent, Role
from trustbridge.events import checkin, notifications, services
from trustbridge.events.models import Rsvp, RsvpStatus

NOW = local(2030, 3, 1, 12)  # the fixtures' meeting is on Monday 4 March 2030, 19:00-20:30
BASE = settings.TRUSTBRIDGE_BASE_URL
LINK = re.compile(r"https?://\S+")
DASH = "\N{EN DASH}"  # between the start and the end of a date


@pytest.fixture
def sending(django_capture_on_commit_callbacks):
    """Run what services queue after commit (tasks run at once in the test settings)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def subject_of(message):
    """The subject as a reader sees it (Python's parser keeps the space before a folded
    encoded word)."""
    return str(message["Subject"]).strip()


def one_mail(mailbox, address):
    [message] = mailbox.to(address)
    return message


def links(text):
    return LINK.findall(text)


def guest_url(organization, rsvp, secret):
    return BASE + reverse(
        "events:guest",
        kwargs={"org_slug": organization.slug, "rsvp_id": rsvp.pk, "secret": secret},
    )


def guest_links(organization, text):
    prefix = BASE + f"/o/{organization.slug}/events/rsvp/"
    return [link for link in links(text) if link.startswith(prefix)]


def path_of(url):
    return url.removeprefix(BASE)


def qr_image(message):
    """The inline QR image: its Content-ID and the text it decodes to."""
    [part] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(part.get_content())))
    return part["Content-ID"].strip("<>"), decoded.text


def code_in(text):
    """The check-in code printed in a mail (in any language): three groups of four."""
    return re.search(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b", text).group(1)


def resident(email, **fields):
    return factories.UserFactory(email=email, **fields)


@pytest.fixture
def meeting(officer, organization):
    return published(
        officer,
        organization,
        capacity=1,
        address="12 Mill Lane",
        step_free=True,
        interpretation="ASL",
    ).occurrences.get()


# Signing up --------------------------------------------------------------------------------


def test_a_guest_is_sent_a_link_that_confirms_their_place(meeting, organization, mailbox, sending):
    with sending():
        signed = services.sign_up(meeting, name="Pat", email="pat@example.org", now=NOW)

    message = one_mail(mailbox, "pat@example.org")
    text = mailbox.text_of(message)
    assert subject_of(message) == "Confirm your place at “Old Mill watch meeting”"
    assert guest_links(organization, text) == [guest_url(organization, signed.rsvp, signed.secret)]
    assert "No place is held for you until you confirm" in text
    assert f"Monday March 4, 2030, 7 p.m.{DASH}8:30 p.m. (America/Toronto)" in text
    assert "Old Mill library, 12 Mill Lane" in text
    assert "this address was given to sign up for “Old Mill watch meeting”" in text  # why
    page = Client().get(path_of(guest_links(organization, text)[0]))
    assert page.status_code == 200
    assert Rsvp.objects.get().status == RsvpStatus.PENDING  # following the link changed nothing


def test_a_guest_who_confirms_gets_their_place_with_a_qr_code_of_the_door_page(
    officer, meeting, organization, mailbox, sending, client_for
):
    with sending():
        signed = services.sign_up(meeting, name="Pat", email="pat@example.org", now=NOW)
    link = path_of(guest_links(organization, mailbox.text_of(mailbox.messages[0]))[0])
    mailbox.clear()

    with sending():
        response = Client().post(link, {"action": "confirm"})
    assert response.status_code == 302

    message = one_mail(mailbox, "pat@example.org")
    text, html = mailbox.text_of(message), mailbox.html_of(message)
    assert subject_of(message) == "Your place at “Old Mill watch meeting”"
    assert message.get_content_type() == "multipart/related"
    code = code_in(text)
    door = BASE + reverse(
        "events:checkin",
        kwargs={
            "org_slug": organization.slug,
            "event_id": meeting.event_id,
            "occurrence_id": meeting.pk,
        },
    )
    content_id, decoded = qr_image(message)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)  # easy to read out
    assert decoded == f"{door}?code={code.replace('-', '')}"
    assert f'src="cid:{content_id}"' in html
    assert "step-free access" in text and "interpretation: ASL" in text
    calendar = BASE + reverse(
        "events:event_ics", kwargs={"org_slug": organization.slug, "event_id": meeting.event_id}
    )
    assert calendar in links(text)
    # The guest's link is the one they used: it still opens their sign-up.
    assert guest_links(organization, text) == [guest_url(organization, signed.rsvp, signed.secret)]
    assert Client().get(link).status_code == 200
    # The door page opens at the QR code's address, and the code, even typed carelessly,
    # checks the guest in.
    door_page = client_for(officer).get(path_of(decoded))
    assert door_page.status_code == 200
    assert door_page.context["lookup"].rsvp.pk == signed.rsvp.pk
    typed = code.lower().replace("-", " ")
    checked = checkin.check_in_by_code(officer, meeting, typed, now=local(2030, 3, 4, 18, 55))
    assert checked.pk == signed.rsvp.pk


def test_a_second_confirmation_sends_nothing(meeting, mailbox, sending):
    signed = services.sign_up(meeting, name="Pat", email="pat@example.org", now=NOW)
    with sending():
        services.confirm_guest(signed.rsvp, signed.secret, now=NOW)
    with sending():
        services.confirm_guest(signed.rsvp, signed.secret, now=NOW)
    assert len(mailbox.to("pat@example.org")) == 1


def test_a_signed_in_resident_gets_their_place_at_once_in_their_preferred_language(
    meeting, organization, mailbox, sending
):
    person = resident("ana@example.org", preferred_language="fr")
    with sending():
        services.sign_up(meeting, user=person, now=NOW)  # the request is in English

    message = one_mail(mailbox, "ana@example.org")
    text = mailbox.text_of(message)
    assert message["Content-Language"] == "fr"
    assert '<html lang="fr">' in mailbox.html_of(message)
    assert f"lundi 4 mars 2030, 19:00{DASH}20:30" in text
    mine = BASE + reverse("events:mine", kwargs={"org_slug": organization.slug})
    assert mine in links(text)
    assert guest_links(organization, text) == []
    assert code_in(text)


def test_a_guest_is_written_to_in_the_language_they_signed_up_in(meeting, mailbox, sending):
    with translation.override("es"), sending():
        services.sign_up(meeting, name="Luz", email="luz@example.org", now=NOW)
    message = one_mail(mailbox, "luz@example.org")
    assert message["Content-Language"] == "es"
    assert "4 de marzo de 2030" in mailbox.text_of(message)


def test_a_full_date_puts_people_on_the_waiting_list_with_their_number(
    meeting, organization, mailbox, sending
):
    with sending():
        for name in ("first", "second", "third"):
            services.sign_up(meeting, user=resident(f"{name}@example.org"), now=NOW)

    assert subject_of(one_mail(mailbox, "first@example.org")) == (
        "Your place at “Old Mill watch meeting”"
    )
    second, third = one_mail(mailbox, "second@example.org"), one_mail(mailbox, "third@example.org")
    assert subject_of(second) == "You are number 1 on the waiting list for “Old Mill watch meeting”"
    assert subject_of(third) == "You are number 2 on the waiting list for “Old Mill watch meeting”"
    text = mailbox.text_of(third)
    assert "To leave the waiting list, open this link:" in text
    assert "check-in code" not in text
    assert [p for p in third.walk() if p.get_content_maintype() == "image"] == []


# The waiting list moves up -----------------------------------------------------------------


def test_when_a_place_is_given_back_only_the_first_on_the_waiting_list_is_told(
    meeting, mailbox, sending
):
    holder, first, second = (resident(f"{n}@example.org") for n in ("holder", "first", "second"))
    rsvps = [services.sign_up(meeting, user=u, now=NOW).rsvp for u in (holder, first, second)]

    with sending():
        services.cancel_sign_up(rsvps[0], now=NOW)

    assert [m["To"] for m in mailbox.messages] == ["first@example.org"]
    message = mailbox.messages[0]
    assert subject_of(message) == "A place came free: you are going to “Old Mill watch meeting”"
    assert "you were next on the waiting list: you have been moved up" in mailbox.text_of(message)
    assert code_in(mailbox.text_of(message))


def test_a_guest_moved_up_gets_a_new_link_and_the_old_one_stops_working(
    meeting, organization, mailbox, sending
):
    holder = services.sign_up(meeting, user=resident("holder@example.org"), now=NOW).rsvp
    guest = services.sign_up(meeting, name="Pat", email="pat@example.org", now=NOW)
    services.confirm_guest(guest.rsvp, guest.secret, now=NOW)
    old = guest_url(organization, guest.rsvp, guest.secret)

    with sending():
        services.cancel_sign_up(holder, now=NOW)

    text = mailbox.text_of(one_mail(mailbox, "pat@example.org"))
    [new] = guest_links(organization, text)
    assert new != old
    assert "This link replaces the one in our earlier e-mails, which no longer works." in text
    assert Client().get(path_of(old)).status_code == 404
    assert Client().get(path_of(new)).status_code == 200


def test_more_places_tell_those_moved_up_from_the_waiting_list(officer, meeting, mailbox, sending):
    services.sign_up(meeting, user=resident("holder@example.org"), now=NOW)
    services.sign_up(meeting, user=resident("next@example.org"), now=NOW)
    mailbox.clear()

    with sending():
        services.update_event(officer, meeting.event, capacity=2)

    assert "A place came free" in one_mail(mailbox, "next@example.org")["Subject"]
    assert mailbox.to("holder@example.org") == []


def test_giving_back_a_place_with_nobody_waiting_sends_nothing(meeting, mailbox, sending):
    rsvp = services.sign_up(meeting, user=resident("holder@example.org"), now=NOW).rsvp
    with sending():
        services.cancel_sign_up(rsvp, now=NOW)
    assert mailbox.messages == []


# Organisers' changes -----------------------------------------------------------------------


@pytest.fixture
def series(officer, organization):
    event = published(officer, organization, capacity=1, recurrence_rule="FREQ=WEEKLY;COUNT=3")
    return event, list(event.occurrences.order_by("starts_at"))


def test_cancelling_an_event_tells_everyone_signed_up_once_each(officer, series, mailbox, sending):
    event, (first, second, third) = series
    regular = resident("regular@example.org")
    services.sign_up(first, user=regular, now=NOW)
    services.sign_up(second, user=regular, now=NOW)
    services.sign_up(first, user=resident("waiting@example.org"), now=NOW)
    services.sign_up(third, name="Pat", email="pat@example.org", now=NOW)  # not confirmed
    gone = services.sign_up(third, user=resident("gone@example.org"), now=NOW).rsvp
    services.cancel_sign_up(gone, now=NOW)

    with sending():
        services.cancel_event(officer, event)

    assert sorted(m["To"] for m in mailbox.messages) == [
        "pat@example.org",
        "regular@example.org",
        "waiting@example.org",
    ]
    regular_mail = one_mail(mailbox, "regular@example.org")
    assert subject_of(regular_mail) == "Cancelled: “Old Mill watch meeting”"
    text = mailbox.text_of(regular_mail)
    assert "You had signed up for these dates, which will not take place:" in text
    assert "March 4, 2030" in text and "March 11, 2030" in text
    assert "March 18, 2030" not in text
    assert "you signed up for “Old Mill watch meeting”" in text


def test_cancelling_one_date_tells_only_its_people_and_only_once(officer, series, mailbox, sending):
    _event, (first, second, _third) = series
    services.sign_up(first, user=resident("first@example.org"), now=NOW)
    services.sign_up(second, user=resident("second@example.org"), now=NOW)

    with sending():
        services.cancel_occurrence(officer, first)
    with sending():
        services.cancel_occurrence(officer, first)

    message = one_mail(mailbox, "first@example.org")
    assert subject_of(message) == "A date of “Old Mill watch meeting” is cancelled"
    assert "You had signed up for this date" in mailbox.text_of(message)
    assert mailbox.to("second@example.org") == []


def test_moving_a_date_tells_its_people_the_new_time(
    officer, series, organization, mailbox, sending
):
    _event, (first, second, _third) = series
    services.sign_up(first, user=resident("first@example.org"), now=NOW)
    guest = services.sign_up(first, name="Pat", email="pat@example.org", now=NOW)
    services.sign_up(second, user=resident("second@example.org"), now=NOW)

    with sending():
        services.move_occurrence(
            officer, first, starts_at=local(2030, 3, 5, 18), ends_at=local(2030, 3, 5, 19)
        )

    assert sorted(m["To"] for m in mailbox.messages) == ["first@example.org", "pat@example.org"]
    message = one_mail(mailbox, "first@example.org")
    assert subject_of(message) == "Changed: the time or place of “Old Mill watch meeting”"
    assert f"Tuesday March 5, 2030, 6 p.m.{DASH}7 p.m." in mailbox.text_of(message)
    # The guest, who has not confirmed yet, gets a new link to confirm or cancel.
    guest_text = mailbox.text_of(one_mail(mailbox, "pat@example.org"))
    assert "To confirm your place, or to cancel, open this link:" in guest_text
    [new] = guest_links(organization, guest_text)
    assert new != guest_url(organization, guest.rsvp, guest.secret)
    assert Client().get(path_of(new)).status_code == 200


def test_moving_a_date_to_the_time_it_already_has_sends_nothing(officer, series, mailbox, sending):
    _event, (first, _second, _third) = series
    services.sign_up(first, user=resident("first@example.org"), now=NOW)
    with sending():
        services.move_occurrence(officer, first, starts_at=first.starts_at, ends_at=first.ends_at)
    assert mailbox.messages == []


def test_changing_the_event_time_tells_the_people_of_every_date_once(
    officer, series, mailbox, sending
):
    event, (first, second, _third) = series
    regular = resident("regular@example.org")
    services.sign_up(first, user=regular, now=NOW)
    services.sign_up(second, user=regular, now=NOW)

    with sending():
        services.update_event(
            officer, event, starts_at=local(2030, 3, 4, 18), ends_at=local(2030, 3, 4, 19, 30)
        )

    text = mailbox.text_of(one_mail(mailbox, "regular@example.org"))
    assert "Your dates, as they are now:" in text
    assert f"Monday March 4, 2030, 6 p.m.{DASH}7:30 p.m." in text
    assert f"Monday March 11, 2030, 6 p.m.{DASH}7:30 p.m." in text


def test_changing_the_place_tells_everyone_and_a_change_of_text_tells_nobody(
    officer, series, mailbox, sending
):
    event, (first, _second, _third) = series
    services.sign_up(first, user=resident("first@example.org"), now=NOW)

    with sending():
        services.update_event(
            officer, event, texts={"en": {"title": "Old Mill watch meeting", "description": "New"}}
        )
    assert mailbox.messages == []

    with sending():
        services.update_event(officer, event, venue="Community centre")
    text = mailbox.text_of(one_mail(mailbox, "first@example.org"))
    assert "Where: Community centre" in text


# Messages from organisers ------------------------------------------------------------------


def test_organisers_write_to_the_people_with_a_place(
    officer, organization, meeting, mailbox, sending
):
    services.sign_up(meeting, user=resident("holder@example.org"), now=NOW)
    services.sign_up(meeting, user=resident("waiting@example.org"), now=NOW)
    services.sign_up(meeting, name="Pat", email="pat@example.org", now=NOW)  # not confirmed
    body = "Bring a torch.\n<script>alert('x')</script>"

    with sending():
        count = notifications.message_attendees(
            officer, meeting.event, meeting, "  Parking  ", body
        )

    assert count == 1
    message = one_mail(mailbox, "holder@example.org")
    assert subject_of(message) == "“Old Mill watch meeting”: Parking"
    assert body in mailbox.text_of(message).replace("\r\n", "\n")
    html = mailbox.html_of(message)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "you signed up for “Old Mill watch meeting”" in mailbox.text_of(message)
    [entry] = AuditEvent.objects.filter(
        target_id=str(meeting.event_id), changes=["body", "subject"]
    )
    assert entry.actor == officer
    assert entry.summary == f"message to attendees: 1 people, date {meeting.pk}"


def test_organisers_may_write_to_the_waiting_list_too_and_to_all_dates(
    officer, series, mailbox, sending
):
    event, (first, second, third) = series
    regular = resident("regular@example.org")
    services.sign_up(first, user=regular, now=NOW)
    services.sign_up(second, user=regular, now=NOW)
    services.sign_up(first, user=resident("waiting@example.org"), now=NOW)
    services.sign_up(third, user=resident("third@example.org"), now=NOW)
    services.cancel_occurrence(officer, third)

    with sending():
        count = notifications.message_attendees(
            officer, event, None, "Hello", "See you there.", include_waitlist=True
        )

    assert count == 2
    assert sorted(m["To"] for m in mailbox.messages) == [
        "regular@example.org",
        "waiting@example.org",
    ]
    assert "Your sign-ups:" in mailbox.text_of(one_mail(mailbox, "regular@example.org"))
    assert "(on the waiting list)" in mailbox.text_of(one_mail(mailbox, "waiting@example.org"))


@pytest.mark.parametrize(
    ("subject", "body", "fields"),
    [
        ("", "Hello", {"subject"}),
        ("Hi", "   ", {"body"}),
        ("x" * 151, "y" * 5001, {"subject", "body"}),
    ],
)
def test_a_message_needs_a_subject_and_a_body_of_reasonable_length(
    officer, meeting, mailbox, sending, subject, body, fields
):
    services.sign_up(meeting, user=resident("holder@example.org"), now=NOW)
    with sending(), pytest.raises(ServiceErrors) as refused:
        notifications.message_attendees(officer, meeting.event, meeting, subject, body)
    assert {error.field for error in refused.value.errors} == fields
    assert mailbox.messages == []
    assert not AuditEvent.objects.filter(changes=["body", "subject"]).exists()


def test_only_organisers_of_the_event_may_write_to_its_attendees(
    organization, other_organization, officer, meeting, series, mailbox, sending
):
    services.sign_up(meeting, user=resident("holder@example.org"), now=NOW)
    for outsider in (
        make_member(organization, Role.MODERATOR),
        make_member(other_organization, Role.OFFICER),
    ):
        with sending(), pytest.raises(PermissionDenied):
            notifications.message_attendees(outsider, meeting.event, meeting, "Hi", "Hello")
    _other_event, (other_date, *_rest) = series
    with pytest.raises(ServiceError):
        notifications.message_attendees(officer, meeting.event, other_date, "Hi", "Hello")
    assert mailbox.messages == []


def test_a_message_to_nobody_sends_and_records_nothing(officer, meeting, mailbox, sending):
    with sending():
        assert notifications.message_attendees(officer, meeting.event, meeting, "Hi", "Hi") == 0
    assert mailbox.messages == []
    assert not AuditEvent.objects.filter(changes=["body", "subject"]).exists()


# Privacy -----------------------------------------------------------------------------------


def test_no_address_is_written_to_the_log(officer, meeting, mailbox, sending, caplog):
    caplog.set_level(logging.DEBUG)
    holder = services.sign_up(meeting, user=resident("holder@example.org"), now=NOW).rsvp
    with sending():
        guest = services.sign_up(meeting, name="Pat", email="pat@example.org", now=NOW)
    with sending():
        services.confirm_guest(guest.rsvp, guest.secret, now=NOW)
    with sending():
        services.cancel_sign_up(holder, now=NOW)
    with sending():
        services.cancel_event(officer, meeting.event)
    assert len(mailbox.to("pat@example.org")) == 4  # confirm, waiting list, place, cancelled
    ours = [r.getMessage() for r in caplog.records if r.name != "mail.log"]  # not the capture's
    assert ours
    assert not [line for line in ours if "@example.org" in line]


def test_a_closed_account_is_not_written_to(meeting, mailbox, sending):
    person = resident("closed@example.org")
    rsvp = services.sign_up(meeting, user=person, now=NOW).rsvp
    person.is_active = False
    person.save(update_fields=["is_active"])
    with sending():
        notifications.promoted(rsvp)
    assert mailbox.messages == []
