"""The door (check-in on a phone), recaps, commitments followed up in public, the informal
engagement log and its public figures: the pages."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from tests import factories
from tests.conftest import make_member, signed_in
from tests.events.conftest import TORONTO, published
from trustbridge.core.errors import ServiceErrors
from trustbridge.core.models import Role
from trustbridge.events import checkin, engagement, recaps, services
from trustbridge.events.models import (
    Commitment,
    CommitmentStatus,
    InformalContact,
    Recap,
    RecapPhoto,
    Rsvp,
)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def org_today() -> dt.date:
    return timezone.now().astimezone(TORONTO).date()


def soon() -> dict[str, dt.datetime]:
    """A date that starts within the hour: people may still sign up."""
    start = timezone.now() + dt.timedelta(minutes=30)
    return {"starts_at": start, "ends_at": start + dt.timedelta(hours=2)}


def yesterday() -> dict[str, dt.datetime]:
    """A date that is over."""
    start = timezone.now() - dt.timedelta(days=1, hours=3)
    return {"starts_at": start, "ends_at": start + dt.timedelta(hours=2)}


@pytest.fixture
def staff(officer):
    return signed_in(officer)


@pytest.fixture
def meeting(officer, organization):
    return published(officer, organization, capacity=10, **soon()).occurrences.get()


def door_url(occurrence) -> str:
    return (
        f"/o/{occurrence.organization.slug}/staff/events/{occurrence.event_id}"
        f"/dates/{occurrence.pk}/check-in/"
    )


def attendee(occurrence, email, display_name="", *, now=None):
    user = factories.UserFactory(email=email, display_name=display_name)
    return services.sign_up(occurrence, user=user, now=now).rsvp


def guest(occurrence, name, email):
    signed = services.sign_up(occurrence, name=name, email=email)
    return services.confirm_guest(signed.rsvp, signed.secret)


# The door ---------------------------------------------------------------------------------


def test_the_qr_code_address_shows_who_it_belongs_to_and_changes_nothing(staff, meeting):
    rsvp = guest(meeting, "Amira Haddad", "amira@example.org")
    code = checkin.issue_code(rsvp)

    response = staff.get(door_url(meeting), {"code": code})

    assert response.status_code == 200
    text = text_of(response)
    assert '<p class="door-person">Amira Haddad</p>' in text
    assert "Place confirmed, not checked in yet." in text
    assert f'<input type="hidden" name="code" value="{code}">' in text
    assert Rsvp.objects.get(pk=rsvp.pk).checked_in_at is None


def test_a_code_read_out_and_typed_in_small_letters_is_found(staff, meeting):
    rsvp = guest(meeting, "Amira Haddad", "amira@example.org")
    code = checkin.issue_code(rsvp)
    typed = f"{code[:4]}-{code[4:8]} {code[8:]}".lower()

    looked_up = staff.get(door_url(meeting), {"code": typed})
    checked = staff.post(door_url(meeting), {"action": "code", "code": typed})

    assert '<p class="door-person">Amira Haddad</p>' in text_of(looked_up)
    assert checked.status_code == 302
    assert Rsvp.objects.get(pk=rsvp.pk).checked_in_at is not None


def test_the_check_in_button_checks_the_holder_in_once(staff, meeting):
    rsvp = guest(meeting, "Amira Haddad", "amira@example.org")
    code = checkin.issue_code(rsvp)

    response = staff.post(door_url(meeting), {"action": "code", "code": code})

    assert response.status_code == 302
    assert response["Location"] == door_url(meeting)
    checked_at = Rsvp.objects.get(pk=rsvp.pk).checked_in_at
    assert checked_at is not None
    assert "Amira Haddad is checked in." in text_of(staff.get(response["Location"]))

    again = staff.post(door_url(meeting), {"action": "code", "code": code})
    assert again.status_code == 400
    assert "Already checked in at" in text_of(again)
    assert Rsvp.objects.get(pk=rsvp.pk).checked_in_at == checked_at
    looked_up = text_of(staff.get(door_url(meeting), {"code": code}))
    assert "Already checked in at" in looked_up
    assert 'name="action" value="code"' not in looked_up


@pytest.mark.parametrize("which", ["another date", "unknown"])
def test_a_code_of_another_date_or_an_unknown_code_is_refused_and_changes_nothing(
    staff, officer, organization, meeting, which
):
    other = published(officer, organization, texts={"en": {"title": "Other"}}, **soon())
    holder = guest(other.occurrences.get(), "Ben Okafor", "ben@example.org")
    code = checkin.issue_code(holder) if which == "another date" else "not-a-real-code"
    message = (
        "This code is for another event or date."
        if which == "another date"
        else "This code is not on any list."
    )

    looked_up = staff.get(door_url(meeting), {"code": code})
    refused = staff.post(door_url(meeting), {"action": "code", "code": code})

    assert looked_up.status_code == 200
    assert message in text_of(looked_up)
    assert "Ben Okafor" not in text_of(looked_up)
    assert refused.status_code == 400
    assert message in text_of(refused)
    assert Rsvp.objects.filter(checked_in_at__isnull=False).count() == 0


def test_a_code_of_another_organisation_is_not_on_any_list(staff, meeting, other_organization):
    their_officer = make_member(other_organization, Role.OFFICER)
    theirs = published(their_officer, other_organization, **soon()).occurrences.get()
    code = checkin.issue_code(guest(theirs, "Cleo Marsh", "cleo@example.org"))

    refused = staff.post(door_url(meeting), {"action": "code", "code": code})

    assert refused.status_code == 400
    assert "This code is not on any list." in text_of(refused)
    assert "Cleo Marsh" not in text_of(refused)
    assert Rsvp.objects.filter(checked_in_at__isnull=False).count() == 0


def test_staff_find_people_by_name_and_check_them_in(staff, meeting):
    amira = guest(meeting, "Amira Haddad", "amira@example.org")
    attendee(meeting, "dan@example.org", "Dan Ruiz")
    attendee(meeting, "no.name@example.org")

    everyone = text_of(staff.get(door_url(meeting)))
    found = text_of(staff.get(door_url(meeting), {"q": "amira"}))

    assert [n in everyone for n in ("Amira Haddad", "Dan Ruiz", "no.name@example.org")] == [
        True,
        True,
        True,
    ]
    assert "Amira Haddad" in found
    assert "Dan Ruiz" not in found

    response = staff.post(door_url(meeting), {"action": "name", "rsvp": amira.pk, "q": "amira"})

    assert response.status_code == 302
    assert response["Location"] == door_url(meeting) + "?q=amira"
    assert Rsvp.objects.get(pk=amira.pk).checked_in_at is not None
    assert "Checked in at" in text_of(staff.get(response["Location"]))


def test_someone_checked_in_already_is_not_checked_in_again_by_name(staff, officer, meeting):
    amira = guest(meeting, "Amira Haddad", "amira@example.org")
    first = checkin.check_in_by_name(officer, amira, now=timezone.now()).checked_in_at

    refused = staff.post(door_url(meeting), {"action": "name", "rsvp": amira.pk})

    assert refused.status_code == 400
    assert "Amira Haddad: Already checked in at" in text_of(refused)
    assert Rsvp.objects.get(pk=amira.pk).checked_in_at == first


def test_a_sign_up_of_another_date_is_not_found_from_this_page(
    staff, officer, organization, meeting
):
    other = published(officer, organization, **soon()).occurrences.get()
    elsewhere = guest(other, "Ben Okafor", "ben@example.org")

    response = staff.post(door_url(meeting), {"action": "name", "rsvp": elsewhere.pk})

    assert response.status_code == 404
    assert Rsvp.objects.get(pk=elsewhere.pk).checked_in_at is None


def test_walk_ins_are_counted_one_by_one_or_by_a_number(staff, meeting):
    assert staff.post(door_url(meeting), {"action": "walk_ins", "count": "1"}).status_code == 302
    assert staff.post(door_url(meeting), {"action": "walk_ins", "count": "5"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.walk_ins == 6

    refused = staff.post(door_url(meeting), {"action": "walk_ins", "count": "-7"})

    assert refused.status_code == 400
    assert "There are fewer walk-ins than that." in text_of(refused)
    meeting.refresh_from_db()
    assert meeting.walk_ins == 6


def test_the_counts_show_no_shows_only_once_the_date_is_over(staff, officer, organization):
    upcoming = published(officer, organization, **soon()).occurrences.get()
    text = text_of(staff.get(door_url(upcoming)))
    assert "Attendance so far" in text
    assert "No-shows" not in text

    over = published(officer, organization, **yesterday()).occurrences.get()
    before_it = over.starts_at - dt.timedelta(days=1)
    came = attendee(over, "came@example.org", "Came", now=before_it)
    attendee(over, "absent@example.org", "Absent", now=before_it)
    checkin.check_in_by_name(officer, came, now=over.starts_at)
    checkin.add_walk_ins(officer, over, 3)

    text = text_of(staff.get(door_url(over)))

    assert "<dt>Places taken</dt><dd>2</dd>" in text
    assert "<dt>Checked in</dt><dd>1</dd>" in text
    assert "<dt>Walk-ins</dt><dd>3</dd>" in text
    assert "<dt>Came in all</dt><dd>4</dd>" in text
    assert "<dt>First-time attendees</dt><dd>1</dd>" in text
    assert "<dt>No-shows</dt><dd>1 (50 %)</dd>" in text


def test_the_counts_alone_are_answered_for_the_page_to_refresh_them(staff, officer, meeting):
    checkin.add_walk_ins(officer, meeting, 2)

    response = staff.get(door_url(meeting), {"part": "attendance"})

    text = text_of(response)
    assert text.startswith('<section id="attendance"')
    assert "<dt>Walk-ins</dt><dd>2</dd>" in text
    assert f'hx-get="{door_url(meeting)}?part=attendance"' in text


def test_the_camera_scanner_is_a_static_script_and_hidden_until_it_can_work(staff, meeting):
    html = staff.get(door_url(meeting)).content.decode()

    assert '<script src="/static/events/door.js" defer></script>' in html
    assert re.search(r'<div id="door-scanner"[^>]* hidden[ >]', html)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert 'id="door-code-form"' in html


def test_a_date_is_reached_only_through_its_own_event_and_organisation(
    staff, officer, organization, meeting, other_organization
):
    other_event = published(officer, organization, **soon())
    wrong_event = f"/o/riverside/staff/events/{other_event.pk}/dates/{meeting.pk}/check-in/"
    assert staff.get(wrong_event).status_code == 404

    their_officer = make_member(other_organization, Role.OFFICER)
    theirs = published(their_officer, other_organization, **soon()).occurrences.get()
    under_ours = f"/o/riverside/staff/events/{theirs.event_id}/dates/{theirs.pk}/check-in/"
    assert staff.get(under_ours).status_code == 404


def test_an_unknown_action_changes_nothing(staff, meeting):
    response = staff.post(door_url(meeting), {"count": "4"})

    assert response.status_code == 400
    assert "Choose what to do." in text_of(response)
    meeting.refresh_from_db()
    assert meeting.walk_ins == 0


# Recaps -----------------------------------------------------------------------------------


@pytest.fixture
def town_hall(officer, organization):
    return published(officer, organization, kind="town_hall", **yesterday())


def recap_url(event) -> str:
    return f"/o/{event.organization.slug}/staff/events/{event.pk}/recap/"


def publish_form(**changes):
    form = {
        "action": "publish",
        "summary_en": "Forty minutes on traffic, then street lights.",
        "summary_fr": "",
        "summary_es": "",
        "commitments-TOTAL_FORMS": "3",
        "commitments-INITIAL_FORMS": "0",
        "commitments-0-text": "Add two street lights on Mill Road",
        "commitments-0-due_on": "2030-06-01",
        "commitments-1-text": "",
        "commitments-1-due_on": "",
        "commitments-2-text": "Monthly walkabouts",
        "commitments-2-due_on": "",
    }
    form.update(changes)
    return form


def test_a_recap_is_published_with_its_summaries_commitments_and_door_figures(
    staff, officer, town_hall
):
    checkin.add_walk_ins(officer, town_hall.occurrences.get(), 12)

    response = staff.post(
        recap_url(town_hall), publish_form(summary_fr="Quarante minutes sur la circulation.")
    )

    assert response.status_code == 302
    recap = Recap.objects.get(event=town_hall)
    assert recap.texts == {
        "en": {"summary": "Forty minutes on traffic, then street lights."},
        "fr": {"summary": "Quarante minutes sur la circulation."},
    }
    assert (recap.attended, recap.questions_answered, recap.author) == (12, 0, officer)
    assert [(c.text, c.due_on) for c in recap.commitments.order_by("id")] == [
        ("Add two street lights on Mill Road", dt.date(2030, 6, 1)),
        ("Monthly walkabouts", None),
    ]
    page = text_of(staff.get(recap_url(town_hall)))
    assert "12 people came (counted at the door, with walk-ins)." in page


def test_a_recap_waits_for_the_end_of_the_event(staff, officer, organization):
    upcoming = published(officer, organization, **soon())

    shown = text_of(staff.get(recap_url(upcoming)))
    refused = staff.post(recap_url(upcoming), publish_form())

    assert "The recap can be published once the event is over." in shown
    assert 'name="action" value="publish"' not in shown
    assert refused.status_code == 400
    assert "Publish the recap once the event is over." in text_of(refused)
    assert Recap.objects.count() == Commitment.objects.count() == 0


def test_a_recap_without_a_summary_is_refused_and_nothing_is_written(staff, town_hall):
    refused = staff.post(recap_url(town_hall), publish_form(summary_en=" "))

    assert refused.status_code == 400
    assert "Write a summary of the event." in text_of(refused)
    assert Recap.objects.count() == Commitment.objects.count() == 0


@pytest.fixture
def recap(officer, town_hall):
    return recaps.publish_recap(
        officer, town_hall, texts={"en": {"summary": "It went well."}}, now=timezone.now()
    )


def test_the_summary_is_corrected_and_the_figures_taken_again(staff, officer, town_hall, recap):
    checkin.add_walk_ins(officer, town_hall.occurrences.get(), 4)

    response = staff.post(
        recap_url(town_hall),
        {"action": "summary", "summary_en": "It went well.", "summary_es": "Fue bien."},
    )

    assert response.status_code == 302
    recap.refresh_from_db()
    assert recap.texts == {"en": {"summary": "It went well."}, "es": {"summary": "Fue bien."}}
    assert recap.attended == 4


def test_a_commitment_is_added_after_the_recap_went_out(staff, town_hall, recap):
    response = staff.post(
        recap_url(town_hall),
        {"action": "commitment", "commitment-text": "Fix the bus shelter light"},
    )

    assert response.status_code == 302
    assert [(c.text, c.status) for c in recap.commitments.all()] == [
        ("Fix the bus shelter light", CommitmentStatus.OPEN)
    ]


def jpeg_with_gps() -> SimpleUploadedFile:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (43.0, 39.0, 1.5), 3: "W", 4: (79.0, 23.0, 2.5)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    assert b"SpyCam" in data
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(0x8825)  # the GPS position is really there
    return SimpleUploadedFile("barbecue.jpg", data, content_type="image/jpeg")


def photo_form(**changes):
    form = {
        "action": "photo",
        "photo-image": jpeg_with_gps(),
        "photo-alt": "Residents and two officers at the barbecue",
        "photo-consent": "on",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def test_a_photo_is_published_without_its_location_or_camera_data(staff, officer, town_hall, recap):
    response = staff.post(recap_url(town_hall), photo_form())

    assert response.status_code == 302
    photo = RecapPhoto.objects.get()
    assert (photo.recap, photo.alt, photo.consent_confirmed_by) == (
        recap,
        "Residents and two officers at the barbecue",
        officer,
    )
    with photo.image.open("rb") as stored:
        content = stored.read()
    assert b"SpyCam" not in content
    with Image.open(io.BytesIO(content)) as reopened:
        assert (reopened.format, reopened.size) == ("JPEG", (40, 30))
        assert dict(reopened.getexif()) == {}
        assert reopened.getexif().get_ifd(0x8825) == {}


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"photo-consent": None}, "A photo is published only if everyone recognisable in it"),
        ({"photo-alt": ""}, "This field is required."),
        (
            {"photo-image": SimpleUploadedFile("notes.jpg", b"not an image", "image/jpeg")},
            "This file is not an image we can read.",
        ),
    ],
    ids=["without consent", "without a description", "not an image"],
)
def test_a_photo_is_refused_without_consent_a_description_or_an_image(
    staff, town_hall, recap, changes, message
):
    refused = staff.post(recap_url(town_hall), photo_form(**changes))

    assert refused.status_code == 400
    assert message in text_of(refused)
    assert RecapPhoto.objects.count() == 0


def test_the_service_refuses_a_photo_without_consent_whatever_the_page(officer, recap):
    with pytest.raises(ServiceErrors) as refused:
        recaps.add_photo(officer, recap, image=jpeg_with_gps(), alt="A crowd", consent=False)
    assert [e.field for e in refused.value.errors] == ["consent"]
    assert RecapPhoto.objects.count() == 0


@pytest.mark.parametrize("role", [Role.PARTNER, Role.MODERATOR, None])
def test_only_organisers_add_or_remove_photos(officer, organization, recap, role):
    photo = recaps.add_photo(officer, recap, image=jpeg_with_gps(), alt="A crowd", consent=True)
    someone = (
        make_member(organization, role) if role else factories.UserFactory(email="r@example.org")
    )
    with pytest.raises(PermissionDenied):
        recaps.add_photo(someone, recap, image=jpeg_with_gps(), alt="Another", consent=True)
    with pytest.raises(PermissionDenied):
        recaps.remove_photo(someone, photo)
    assert list(RecapPhoto.objects.values_list("alt", flat=True)) == ["A crowd"]


def test_a_photo_is_removed_with_its_file(
    staff, officer, town_hall, recap, django_capture_on_commit_callbacks
):
    photo = recaps.add_photo(officer, recap, image=jpeg_with_gps(), alt="A crowd", consent=True)
    storage, name = photo.image.storage, photo.image.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            recap_url(town_hall), {"action": "remove_photo", "remove-photo": photo.pk}
        )

    assert response.status_code == 302
    assert RecapPhoto.objects.count() == 0
    assert not storage.exists(name)


def test_a_photo_of_another_recap_is_not_found(staff, officer, organization, recap):
    other = published(officer, organization, **yesterday())
    other_recap = recaps.publish_recap(
        officer, other, texts={"en": {"summary": "Also fine."}}, now=timezone.now()
    )
    photo = recaps.add_photo(
        officer, other_recap, image=jpeg_with_gps(), alt="A crowd", consent=True
    )

    response = staff.post(
        recap_url(recap.event), {"action": "remove_photo", "remove-photo": photo.pk}
    )

    assert response.status_code == 404
    assert RecapPhoto.objects.filter(pk=photo.pk).exists()


# Commitments ------------------------------------------------------------------------------


def commitments(officer, event, *texts_and_dates):
    recap = recaps.publish_recap(
        officer,
        event,
        texts={"en": {"summary": "Notes."}},
        commitments=list(texts_and_dates),
        now=timezone.now(),
    )
    return list(recap.commitments.order_by("id"))


def test_open_commitments_are_listed_with_their_event_and_overdue_ones_marked(
    staff, officer, town_hall
):
    late, _undated = commitments(
        officer, town_hall, ("Repaint the crossing", dt.date(2020, 1, 1)), ("Walkabouts", None)
    )

    text = text_of(staff.get("/o/riverside/staff/events/commitments/"))

    assert text.index("Repaint the crossing") < text.index("Walkabouts")
    assert "Old Mill watch meeting" in text
    assert text.count('<strong class="door-overdue">overdue</strong>') == 1
    assert f"/o/riverside/staff/events/commitments/{late.pk}/" in text


def test_dropping_a_commitment_needs_the_reason_the_public_reads(staff, officer, town_hall):
    [promise] = commitments(officer, town_hall, ("Monthly walkabouts", None))
    url = f"/o/riverside/staff/events/commitments/{promise.pk}/"

    refused = staff.post(url, {"status": "dropped", "update": ""})

    assert refused.status_code == 400
    assert "Tell the public why this commitment was dropped." in text_of(refused)
    promise.refresh_from_db()
    assert (promise.status, promise.closed_at) == (CommitmentStatus.OPEN, None)

    dropped = staff.post(url, {"status": "dropped", "update": "The hall closed for repairs."})

    assert dropped.status_code == 302
    promise.refresh_from_db()
    assert (promise.status, promise.update) == (
        CommitmentStatus.DROPPED,
        "The hall closed for repairs.",
    )
    assert promise.closed_at is not None


def test_a_commitment_of_another_organisation_is_not_found(staff, other_organization):
    their_officer = make_member(other_organization, Role.OFFICER)
    theirs = published(their_officer, other_organization, **yesterday())
    [promise] = commitments(their_officer, theirs, ("Their promise", None))

    url = f"/o/riverside/staff/events/commitments/{promise.pk}/"
    assert staff.get(url).status_code == 404
    assert staff.post(url, {"status": "done", "update": "x"}).status_code == 404
    promise.refresh_from_db()
    assert promise.status == CommitmentStatus.OPEN


# The public accountability page -----------------------------------------------------------


def test_the_accountability_page_shows_open_and_recently_closed_commitments(
    officer, organization, town_hall
):
    _late, _later, done, dropped, long_ago = commitments(
        officer,
        town_hall,
        ("Repaint the crossing", dt.date(2020, 1, 1)),
        ("Add two street lights", dt.date(2099, 6, 1)),
        ("Open the community room", None),
        ("Monthly walkabouts", None),
        ("Fix the old fence", None),
    )
    now = timezone.now()
    recaps.follow_up(officer, done, status="done", update="Opened in May.", now=now)
    recaps.follow_up(officer, dropped, status="dropped", update="The hall closed.", now=now)
    recaps.follow_up(officer, long_ago, status="done", update="", now=now)
    Commitment.objects.filter(pk=long_ago.pk).update(closed_at=now - dt.timedelta(days=91))

    text = text_of(Client().get("/o/riverside/accountability/"))

    section = text[text.index("Commitments made at events") :]
    assert section.index("Repaint the crossing") < section.index("Add two street lights")
    assert section.count("overdue") == 1
    assert "Open the community room" in section
    assert "Opened in May." in section
    assert "Why: The hall closed." in section
    assert "Fix the old fence" not in section


def test_the_accountability_page_reads_its_commitments_in_one_query(officer, town_hall):
    commitments(officer, town_hall, *[(f"Promise {n}", None) for n in range(6)])
    Client().get("/o/riverside/accountability/")  # builds the feedback roll-up

    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/o/riverside/accountability/")

    assert response.status_code == 200
    touching = [q["sql"] for q in queries.captured_queries if "events_commitment" in q["sql"]]
    assert len(touching) == 1


def test_the_accountability_page_has_no_commitments_section_without_any(organization):
    text = text_of(Client().get("/o/riverside/accountability/"))
    assert "Commitments made at events" not in text


# The engagement log -----------------------------------------------------------------------

CONTACTS = "/o/riverside/staff/events/contacts/"


def contact_form(**changes):
    form = {
        "kind": "foot_patrol",
        "area": "",
        "topic": "Parking near the school",
        "minutes": "15",
        "people": "3",
        "happened_on": org_today().isoformat(),
    }
    form.update(changes)
    return form


def test_an_officer_logs_a_contact_and_sees_only_their_own(staff, officer, organization, area):
    response = staff.post(CONTACTS, contact_form(area=str(area.pk)))

    assert response.status_code == 302
    contact = InformalContact.objects.get()
    assert (contact.officer, contact.area, contact.minutes, contact.people) == (
        officer,
        area,
        15,
        3,
    )
    assert "Parking near the school" in text_of(staff.get(CONTACTS))
    colleague = signed_in(make_member(organization, Role.SUPERVISOR))
    assert "Parking near the school" not in text_of(colleague.get(CONTACTS))


def test_a_topic_naming_someone_is_refused_on_its_field(staff):
    refused = staff.post(CONTACTS, contact_form(topic="Talked to jane.doe@example.org"))

    assert refused.status_code == 400
    assert re.search(
        r'<ul class="errorlist" id="id_topic_error"><li>Leave out names', text_of(refused)
    )
    assert InformalContact.objects.count() == 0


def test_an_area_of_another_organisation_cannot_be_chosen(staff, other_organization):
    theirs = factories.AreaFactory(organization=other_organization, slug="hilltop")

    refused = staff.post(CONTACTS, contact_form(area=str(theirs.pk)))

    assert refused.status_code == 400
    assert InformalContact.objects.count() == 0


def test_the_engagement_figures_list_every_area_with_counts_only(officer, organization, area):
    factories.AreaFactory(organization=organization, slug="quiet", name="Quiet Hollow")
    today = org_today()
    for minutes in (15, 25):
        engagement.log_contact(
            officer,
            organization,
            kind="business_visit",
            topic="Shoplifting worries on Main",
            minutes=minutes,
            people=2,
            happened_on=today,
            today=today,
            area=area,
        )

    response = Client().get("/o/riverside/events/engagement/")

    assert response.status_code == 200
    text = text_of(response)
    row = re.search(r'<th scope="row">Old Mill</th>(.*?)</tr>', text)
    assert row is not None
    assert re.findall(r'<td class="num">(\d+)</td>', row.group(1)) == ["2", "40", "4"]
    quiet_row = re.search(r'<th scope="row">Quiet Hollow</th>(.*?)</tr>', text)
    assert quiet_row is not None
    assert re.findall(r'<td class="num">(\d+)</td>', quiet_row.group(1)) == ["0", "0", "0"]
    assert "Shoplifting" not in text
    assert officer.email not in text
    assert '<svg class="chart door-chart"' in text
    assert response["ETag"]


def test_the_period_is_read_from_the_address_and_checked(officer, organization, area):
    today = org_today()
    for days_ago in (5, 40):
        engagement.log_contact(
            officer,
            organization,
            kind="foot_patrol",
            topic="Lights",
            minutes=10,
            happened_on=today - dt.timedelta(days=days_ago),
            today=today,
            area=area,
        )
    url = "/o/riverside/events/engagement/"
    start = (today - dt.timedelta(days=10)).isoformat()

    recent = text_of(Client().get(url, {"from": start, "to": today.isoformat()}))
    default = text_of(Client().get(url))
    backwards = Client().get(url, {"from": today.isoformat(), "to": start})
    future = Client().get(url, {"to": (today + dt.timedelta(days=1)).isoformat()})
    garbage = Client().get(url, {"from": "next tuesday"})

    assert "<strong>1</strong> <span>contact logged</span>" in recent
    assert "<strong>2</strong> <span>contacts logged</span>" in default
    assert backwards.status_code == future.status_code == garbage.status_code == 400
    assert "The period must start before it ends." in text_of(backwards)
    assert "The period cannot end after today." in text_of(future)
    assert "Enter a valid date." in text_of(garbage)


def test_the_engagement_figures_take_no_post(organization):
    assert Client().post("/o/riverside/events/engagement/").status_code == 405


def test_the_chart_is_drawn_with_plain_numbers_in_every_language(officer, organization, area):
    today = org_today()
    engagement.log_contact(
        officer,
        organization,
        kind="foot_patrol",
        topic="Lights",
        minutes=10,
        happened_on=today,
        today=today,
        area=area,
    )
    client = Client()
    client.cookies["django_language"] = "fr"

    html = client.get("/o/riverside/events/engagement/").content.decode()

    assert '<html lang="fr">' in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    coordinates = re.findall(r'\b(?:x|y|width|height|x1|x2|y1|y2)="([^"]*)"', svg)
    assert coordinates
    assert [c for c in coordinates if not re.fullmatch(r"-?\d+(\.\d+)?", c)] == []


# Query budgets ----------------------------------------------------------------------------

# Signed-in staff: session, user, organisation, membership, TOTP enrolment.
STAFF_GUARD = 5


def test_each_page_reads_a_fixed_number_of_queries_whatever_it_lists(
    staff, officer, organization, area, town_hall, meeting, django_assert_num_queries
):
    recap = recaps.publish_recap(
        officer,
        town_hall,
        texts={"en": {"summary": "Notes."}},
        commitments=[(f"Promise {n}", None) for n in range(8)],
        now=timezone.now(),
    )
    for n in range(3):
        recaps.add_photo(officer, recap, image=jpeg_with_gps(), alt=f"Photo {n}", consent=True)
    for n in range(12):
        attendee(meeting, f"a{n}@example.org", f"Attendee {n}")
    today = org_today()
    for n in range(6):
        factories.AreaFactory(organization=organization, slug=f"area-{n}", name=f"Area {n}")
        engagement.log_contact(
            officer,
            organization,
            kind="foot_patrol",
            topic="Lights",
            minutes=5,
            happened_on=today,
            today=today,
            area=area,
        )
    pages = [
        # event, date, the sign-ups listed, places, checked in, first-time attendees
        (staff, door_url(meeting), STAFF_GUARD + 6),
        # event, recap, dates (is it over?), commitments, photos
        (staff, recap_url(town_hall), STAFF_GUARD + 5),
        (staff, "/o/riverside/staff/events/commitments/", STAFF_GUARD + 1),
        (
            staff,
            f"/o/riverside/staff/events/commitments/{recap.commitments.first().pk}/",
            STAFF_GUARD + 1,
        ),
        # areas for the form, the officer's own entries
        (staff, CONTACTS, STAFF_GUARD + 2),
        # organisation, figures per area, areas
        (Client(), "/o/riverside/events/engagement/", 3),
    ]
    for client, url, budget in pages:
        with django_assert_num_queries(budget):
            assert client.get(url).status_code == 200
