"""The public events pages (events.public_views): lists, calendar, past events, one event,
signing up as a resident or a guest, the guest's e-mail link, and "my events"."""

from __future__ import annotations

import datetime as dt
import io
import re
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from PIL import Image

from tests import factories
from tests.conftest import make_member, signed_in
from tests.events.conftest import local, new_event, published
from trustbridge.core.models import Role
from trustbridge.events import checkin, questions, recaps, services
from trustbridge.events.models import RecapPhoto, Rsvp, RsvpStatus
from trustbridge.events.public_views import RSVP_LIMITS

LIST = "/o/riverside/events/"
CALENDAR = "/o/riverside/events/calendar/"
PAST = "/o/riverside/events/past/"
MINE = "/o/riverside/events/mine/"
GUEST = {"name": "Sam Guest", "email": "sam.guest@example.org"}
PAST_START, PAST_END = local(2024, 5, 1, 19), local(2024, 5, 1, 21)
AFTER_PAST = local(2024, 5, 2, 9)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def detail_url(event) -> str:
    return f"/o/{event.organization.slug}/events/{event.pk}/"


def rsvp_url(occurrence) -> str:
    return f"/o/{occurrence.organization.slug}/events/{occurrence.event_id}/dates/{occurrence.pk}/rsvp/"


def guest_url(rsvp, secret) -> str:
    return f"/o/{rsvp.organization.slug}/events/rsvp/{rsvp.pk}/{secret}/"


def states():
    return sorted(Rsvp.objects.values_list("name", "email", "status"))


@pytest.fixture
def meeting(officer, organization):
    """A published watch meeting on Monday 4 March 2030, 19:00 to 20:30 in Toronto."""
    return published(officer, organization, capacity=2, step_free=True, hearing_loop=True)


def guest_signed_up(occurrence, **who):
    return services.sign_up(occurrence, **{**GUEST, **who})


# The list ------------------------------------------------------------------------------------


def test_the_list_shows_dates_to_come_by_local_day_with_what_a_visitor_needs(
    officer, organization, area
):
    # 23:30 in Toronto is already the 5th in UTC: the day shown is the organisation's.
    published(
        officer,
        organization,
        kind="town_hall",
        texts={
            "en": {"title": "Spring town hall", "description": ""},
            "fr": {"title": "Assemblée du printemps", "description": ""},
        },
        starts_at=local(2030, 3, 4, 23, 30),
        ends_at=local(2030, 3, 5, 0, 30),
        venue="Old Mill library",
        address="1 Mill Road",
        capacity=40,
        step_free=True,
        hearing_loop=True,
        interpretation="ASL",
        childcare=True,
        areas=[area],
    )

    response = Client().get(LIST)

    page = text_of(response)
    assert response.status_code == 200
    assert (
        '<h2 id="day-2030-03-04"><time datetime="2030-03-04">Monday, March 4, 2030</time></h2>'
        in (page)
    )
    assert ">Spring town hall</a>" in page
    assert "Town hall" in page
    assert "Old Mill library, 1 Mill Road" in page
    assert "Areas: Old Mill" in page
    for need in ("Step-free access", "Hearing loop", "Interpretation: ASL", "Childcare"):
        assert need in page
    assert "40 places left" in page
    assert re.search(r"11:30\s*p\.m\.", page)

    french = Client(headers={"accept-language": "fr"}).get(LIST)
    assert "Assemblée du printemps" in text_of(french)


def test_the_list_leaves_out_drafts_cancelled_and_past_dates_and_other_organisations(
    officer, organization, other_organization
):
    published(officer, organization, texts={"en": {"title": "Shown", "description": ""}})
    new_event(officer, organization, texts={"en": {"title": "Draft one", "description": ""}})
    called_off = published(officer, organization, texts={"en": {"title": "Called off"}})
    services.cancel_event(officer, called_off)
    series = published(
        officer,
        organization,
        texts={"en": {"title": "Weekly walk", "description": ""}},
        recurrence_rule="FREQ=WEEKLY;COUNT=2",
    )
    services.cancel_occurrence(officer, series.occurrences.order_by("starts_at").first())
    published(
        officer,
        organization,
        texts={"en": {"title": "Long gone", "description": ""}},
        starts_at=PAST_START,
        ends_at=PAST_END,
    )
    elsewhere = make_member(other_organization, Role.OFFICER)
    published(elsewhere, other_organization, texts={"en": {"title": "Elsewhere meeting"}})

    page = text_of(Client().get(LIST))

    assert "Shown" in page
    assert page.count(">Weekly walk</a>") == 1  # its cancelled date is not listed
    for hidden in ("Draft one", "Called off", "Long gone", "Elsewhere meeting"):
        assert hidden not in page


def test_the_list_filters_by_area_and_kind_and_offers_the_areas_feed(officer, organization, area):
    other_area = factories.AreaFactory(
        organization=organization, slug="harbour", name="Harbour", geometry=factories.square(-79.3)
    )
    published(officer, organization, texts={"en": {"title": "Mill watch"}}, areas=[area])
    published(
        officer,
        organization,
        kind="town_hall",
        texts={"en": {"title": "Mill town hall"}},
        areas=[area],
    )
    published(officer, organization, texts={"en": {"title": "Harbour watch"}}, areas=[other_area])

    by_area = text_of(Client().get(LIST, {"area": "old-mill"}))
    by_both = text_of(Client().get(LIST, {"area": "old-mill", "kind": "town_hall"}))

    assert "Mill watch" in by_area and "Mill town hall" in by_area
    assert "Harbour watch" not in by_area
    assert "<h1>Events in Old Mill</h1>" in by_area
    assert 'href="/o/riverside/areas/old-mill/events.ics"' in by_area
    assert 'href="/o/riverside/events.ics"' in by_area
    assert "Mill town hall" in by_both and "Mill watch" not in by_both
    everything = text_of(Client().get(LIST))
    assert "areas/old-mill/events.ics" not in everything


def test_an_unknown_filter_is_refused_on_its_field_and_everything_is_listed(
    officer, organization, area
):
    published(officer, organization, texts={"en": {"title": "Mill watch"}}, areas=[area])

    response = Client().get(LIST, {"area": "atlantis", "kind": "rave"})

    page = text_of(response)
    assert response.status_code == 400
    assert "There is no area “atlantis”; showing every area." in page
    assert "There is no kind of event “rave”; showing every kind." in page
    assert "Mill watch" in page


def test_the_area_map_links_each_area_to_its_filtered_list(officer, organization, area):
    page = text_of(Client().get(LIST, {"kind": "forum"}))

    assert '<a href="/o/riverside/events/?area=old-mill&amp;kind=forum"' in page
    assert 'class="area-shape"' in page
    assert "Events in Old Mill" in page


def test_the_list_is_cacheable_for_visitors_and_private_with_a_residents_own_places(
    meeting, resident
):
    anonymous = Client().get(LIST)
    assert "public" in anonymous["Cache-Control"] and anonymous.has_header("ETag")

    services.sign_up(meeting.occurrences.get(), user=resident)
    own = signed_in(resident).get(LIST)

    assert "private" in own["Cache-Control"] and not own.has_header("ETag")
    assert "You have a place." in text_of(own)
    assert "You have a place." not in text_of(Client().get(LIST))


def test_the_list_costs_the_same_queries_however_many_events(officer, organization, area):
    resident = factories.UserFactory(email="counted@example.org")

    def add(count, offset):
        """Full dates, each with a place taken, a guest pending and the resident waiting."""
        for n in range(offset, offset + count):
            event = published(
                officer,
                organization,
                texts={"en": {"title": f"Meeting {n}"}},
                starts_at=local(2030, 3, 4, 8) + dt.timedelta(hours=n),
                ends_at=local(2030, 3, 4, 9) + dt.timedelta(hours=n),
                capacity=1,
                areas=[area],
            )
            occurrence = event.occurrences.get()
            services.sign_up(occurrence, user=factories.UserFactory(email=f"u{n}@example.org"))
            services.sign_up(occurrence, name="A", email=f"a{n}@example.org")
            services.sign_up(occurrence, user=resident)

    def queries_for(client):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(captured), text_of(response).count("Full — you will join the waiting list")

    add(2, 0)
    few = (queries_for(Client()), queries_for(signed_in(resident)))
    add(10, 2)
    many = (queries_for(Client()), queries_for(signed_in(resident)))

    assert [count for count, _shown in few] == [count for count, _shown in many]
    assert [shown for _count, shown in many] == [12, 12]
    assert text_of(signed_in(resident).get(LIST)).count("waiting list (number 1).") == 12


def test_the_list_pages_keep_the_filters(officer, organization, area):
    for n in range(21):
        published(
            officer,
            organization,
            texts={"en": {"title": f"Walk {n}"}},
            starts_at=local(2030, 4, 1, 8) + dt.timedelta(hours=n),
            ends_at=local(2030, 4, 1, 9) + dt.timedelta(hours=n),
            areas=[area],
        )

    first = text_of(Client().get(LIST, {"area": "old-mill"}))
    second = text_of(Client().get(LIST, {"area": "old-mill", "page": "2"}))

    assert 'href="?area=old-mill&amp;page=2" rel="next"' in first
    assert "Page 1 of 2" in first
    assert ">Walk 20</a>" in second and ">Walk 0</a>" not in second


# The calendar --------------------------------------------------------------------------------


def test_the_calendar_draws_the_month_with_links_to_each_days_dates(meeting, officer, area):
    response = Client().get(CALENDAR, {"month": "2030-03"})

    page = text_of(response)
    assert response.status_code == 200
    assert '<caption id="month-caption">Events in March 2030</caption>' in page
    assert '<a href="#day-2030-03-04"><span class="day-number">4</span>' in page
    assert 'id="day-2030-03-04"' in page
    assert ">Old Mill watch meeting</a>" in page
    assert 'href="?month=2030-02" rel="prev"' in page
    assert 'href="?month=2030-04" rel="next"' in page
    # Sunday is the first column in English (Django's FIRST_DAY_OF_WEEK).
    assert re.search(r"<thead> <tr><th scope=\"col\"><abbr title=\"Sunday\">", page)


def test_the_calendar_keeps_the_filters_in_its_month_links(meeting, area):
    page = text_of(Client().get(CALENDAR, {"month": "2030-03", "kind": "watch_meeting"}))

    assert 'href="?kind=watch_meeting&amp;month=2030-04" rel="next"' in page


@pytest.mark.parametrize(
    "month,message",
    [
        ("2030-13", "Give the month as year-month, for example 2030-03. Showing this month."),
        ("March", "Give the month as year-month, for example 2030-03. Showing this month."),
        ("1990-01", "Choose a month between"),
    ],
)
def test_an_invalid_month_is_refused_and_the_current_month_shown(organization, month, message):
    response = Client().get(CALENDAR, {"month": month})

    page = text_of(response)
    this_month = timezone.now().astimezone(zoneinfo.ZoneInfo(organization.timezone))
    assert response.status_code == 400
    assert message in page
    assert f"Events in {this_month:%B %Y}</caption>" in page


# Past events ---------------------------------------------------------------------------------


def test_past_events_come_newest_first_with_their_recaps(officer, organization):
    older = published(
        officer,
        organization,
        texts={"en": {"title": "Winter forum"}},
        starts_at=local(2024, 1, 10, 19),
        ends_at=local(2024, 1, 10, 20),
    )
    recapped = published(
        officer,
        organization,
        kind="town_hall",
        texts={"en": {"title": "Spring town hall"}},
        starts_at=PAST_START,
        ends_at=PAST_END,
    )
    rsvp = services.sign_up(recapped.occurrences.get(), user=officer, now=local(2024, 4, 1)).rsvp
    checkin.check_in_by_name(officer, rsvp, now=PAST_START)
    recaps.publish_recap(
        officer,
        recapped,
        texts={"en": {"summary": "We talked about traffic on Mill Road."}},
        now=AFTER_PAST,
    )
    published(officer, organization, texts={"en": {"title": "Still to come"}})

    response = Client().get(PAST)

    page = text_of(response)
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    assert page.index("Spring town hall") < page.index("Winter forum")
    assert "We talked about traffic on Mill Road." in page
    assert "1 person came" in page and "0 questions answered" in page
    assert "No recap has been published yet." in page  # the winter forum's
    assert "Still to come" not in page
    assert f'href="/o/riverside/events/{older.pk}/">Winter forum' in page


# One event -----------------------------------------------------------------------------------


def test_an_event_page_shows_dates_places_accessibility_hosts_and_calendar_link(
    officer, organization
):
    host = make_member(organization, Role.OFFICER, email="host.private@riverside.example")
    host.display_name = "Constable Rivera"
    host.save()
    unnamed = make_member(organization, Role.SUPERVISOR, email="unnamed.private@riverside.example")
    unnamed.display_name = ""
    unnamed.save()
    event = published(
        officer,
        organization,
        capacity=1,
        step_free=True,
        accessibility_notes="Lift at the side door.",
        hosts=[host, unnamed],
        recurrence_rule="FREQ=WEEKLY;COUNT=3",
    )
    first, second, third = event.occurrences.order_by("starts_at")
    services.sign_up(first, user=factories.UserFactory(email="taken@example.org"))
    services.cancel_occurrence(officer, second)
    services.move_occurrence(
        officer, third, starts_at=local(2030, 3, 19, 18), ends_at=local(2030, 3, 19, 19, 30)
    )

    response = Client().get(detail_url(event))

    page = text_of(response)
    assert response.status_code == 200
    assert "Constable Rivera" in page
    assert "private@riverside.example" not in page
    assert "Lift at the side door." in page and "Step-free access" in page
    assert "Full — you will join the waiting list" in page
    assert "Join the waiting list" in page
    assert "Cancelled</strong> — this date will not take place." in page
    assert "Moved from March 18, 2030, 7 p.m." in page
    assert "1 place left" in page
    assert f'href="/o/riverside/events/{event.pk}.ics">Add to my calendar' in page
    # The cancelled date takes no sign-up: two forms for three dates.
    assert page.count('class="rsvp-form"') == 2
    assert 'name="website"' in page and 'class="field-trap"' in page
    # A page with forms carries the visitor's CSRF token: never in a shared cache.
    assert "private" in response["Cache-Control"]


def test_a_town_hall_links_to_its_questions_when_that_page_exists(officer, organization):
    town_hall = published(officer, organization, kind="town_hall")
    gathering = published(officer, organization, kind="gathering")
    try:
        expected = reverse(
            "events:questions", kwargs={"org_slug": "riverside", "event_id": town_hall.pk}
        )
    except NoReverseMatch:
        expected = None

    town_hall_page = text_of(Client().get(detail_url(town_hall)))
    gathering_page = text_of(Client().get(detail_url(gathering)))

    assert "Questions for this event" not in gathering_page
    if expected is None:
        assert "Questions for this event" not in town_hall_page
    else:
        assert f'href="{expected}">Questions for this event' in town_hall_page


def test_a_draft_or_another_organisations_event_is_not_found(
    officer, organization, other_organization
):
    draft = new_event(officer, organization)
    elsewhere = published(make_member(other_organization, Role.OFFICER), other_organization)

    assert Client().get(detail_url(draft)).status_code == 404
    assert Client().get(f"/o/riverside/events/{elsewhere.pk}/").status_code == 404


def test_a_cancelled_event_says_so_and_takes_no_sign_up(officer, meeting):
    services.cancel_event(officer, meeting)

    response = Client().get(detail_url(meeting))

    page = text_of(response)
    assert response.status_code == 200
    assert "This event is cancelled." in page
    assert 'class="rsvp-form"' not in page
    assert "Add to my calendar" not in page
    refused = Client().post(rsvp_url(meeting.occurrences.get()), GUEST)
    assert refused.status_code == 409
    assert "This date is not taking sign-ups." in text_of(refused)
    assert Rsvp.objects.count() == 0


def test_an_event_page_never_shows_pending_questions_or_guests(officer, organization):
    town_hall = published(officer, organization, kind="town_hall")
    questions.ask(town_hall, "What about the corner of Elm and 5th?", now=timezone.now())
    guest_signed_up(town_hall.occurrences.get())

    page = text_of(Client().get(detail_url(town_hall)))

    assert "Elm and 5th" not in page
    assert "sam.guest@example.org" not in page and "Sam Guest" not in page


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, "JPEG")
    return SimpleUploadedFile("crowd.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def recapped(officer, organization):
    event = published(
        officer, organization, kind="town_hall", starts_at=PAST_START, ends_at=PAST_END
    )
    recap = recaps.publish_recap(
        officer,
        event,
        texts={
            "en": {"summary": "We heard about speeding."},
            "fr": {"summary": "Nous avons parlé de vitesse."},
        },
        commitments=[("Speed check on Mill Road", dt.date(2024, 6, 1)), ("Monthly walks", None)],
        now=AFTER_PAST,
    )
    done = recap.commitments.get(text="Monthly walks")
    recaps.follow_up(officer, done, status="done", update="First walk held", now=AFTER_PAST)
    photo = RecapPhoto.objects.create(
        organization=organization, recap=recap, image=jpeg(), alt="Residents around a map"
    )
    return event, photo


def test_the_recap_shows_in_the_visitors_language_with_photos_and_commitments(recapped):
    event, photo = recapped

    page = text_of(Client().get(detail_url(event)))
    french = text_of(Client(headers={"accept-language": "fr"}).get(detail_url(event)))

    assert "We heard about speeding." in page
    assert "Nous avons parlé de vitesse." in french
    photo_url = f"/o/riverside/events/{event.pk}/photos/{photo.pk}/"
    assert f'<img src="{photo_url}" alt="Residents around a map"' in page
    assert "0 people came" in page and "0 questions answered" in page
    assert "Speed check on Mill Road" in page and "In progress" in page
    assert "Monthly walks" in page and "Done" in page and "First walk held" in page
    assert "No dates to come. It took place on 1 date." in page


def test_a_recap_photo_is_served_only_for_its_published_event(recapped, officer, organization):
    event, photo = recapped
    other = published(officer, organization)

    served = Client().get(f"/o/riverside/events/{event.pk}/photos/{photo.pk}/")

    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served.content[:2] == b"\xff\xd8"
    assert Client().get(f"/o/riverside/events/{other.pk}/photos/{photo.pk}/").status_code == 404
    assert Client().get(f"/o/elsewhere/events/{event.pk}/photos/{photo.pk}/").status_code == 404
    services.cancel_event(officer, event)
    assert Client().get(f"/o/riverside/events/{event.pk}/photos/{photo.pk}/").status_code == 404


# Signing up --------------------------------------------------------------------------------


def test_a_resident_gets_a_place_at_once_and_is_told_so(meeting, resident):
    response = signed_in(resident).post(rsvp_url(meeting.occurrences.get()), follow=True)

    assert response.redirect_chain == [(MINE, 302)]
    assert "You have a place." in text_of(response)
    assert Rsvp.objects.get().status == RsvpStatus.CONFIRMED


def test_a_resident_joins_the_waiting_list_when_it_is_full_with_their_number(meeting):
    occurrence = meeting.occurrences.get()
    for n in range(3):  # two places, then one waiting
        services.sign_up(occurrence, user=factories.UserFactory(email=f"early{n}@example.org"))
    late = factories.UserFactory(email="late@example.org")

    response = signed_in(late).post(rsvp_url(occurrence), follow=True)

    assert "you are on the waiting list (number 2)." in text_of(response)


def test_a_residents_second_sign_up_is_refused_and_changes_nothing(meeting, resident):
    occurrence = meeting.occurrences.get()
    services.sign_up(occurrence, user=resident)

    response = signed_in(resident).post(rsvp_url(occurrence))

    assert response.status_code == 409
    assert "You have already signed up for this date." in text_of(response)
    assert Rsvp.objects.count() == 1


def test_a_guest_is_asked_to_confirm_by_e_mail_and_holds_no_place_yet(meeting):
    response = Client().post(rsvp_url(meeting.occurrences.get()), GUEST)

    page = text_of(response)
    assert response.status_code == 200
    assert "Check your e-mail to confirm" in page
    assert states() == [("Sam Guest", "sam.guest@example.org", RsvpStatus.PENDING)]
    assert "/events/rsvp/" not in page  # the secret travels only by e-mail
    assert "no-cache" in response["Cache-Control"]


def test_a_guests_mistake_comes_back_with_what_they_typed(meeting):
    response = Client().post(
        rsvp_url(meeting.occurrences.get()), {"name": "Sam Guest", "email": "not-an-address"}
    )

    page = text_of(response)
    assert response.status_code == 400
    assert 'value="Sam Guest"' in page and 'value="not-an-address"' in page
    assert "Enter a valid email address." in page
    assert Rsvp.objects.count() == 0


def test_a_guests_second_sign_up_looks_like_the_first_and_mails_the_address_again(
    meeting, mailbox, django_capture_on_commit_callbacks
):
    """Answering "already signed up" would tell anyone who is coming: the page is the same
    as for a first sign-up, and only the address's owner learns where they stand."""
    occurrence = meeting.occurrences.get()
    guest_signed_up(occurrence)
    mailbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(rsvp_url(occurrence), {**GUEST, "email": "Sam.Guest@example.org"})

    assert response.status_code == 200
    assert "Check your e-mail to confirm" in text_of(response)
    assert "already" not in text_of(response)
    assert Rsvp.objects.count() == 1
    [message] = mailbox.to("sam.guest@example.org")
    assert "until you confirm" in mailbox.text_of(message)


def test_a_date_that_is_over_takes_no_sign_up(officer, organization):
    gone = published(officer, organization, starts_at=PAST_START, ends_at=PAST_END)

    response = Client().post(rsvp_url(gone.occurrences.get()), GUEST)

    assert response.status_code == 409
    assert "This date is over." in text_of(response)
    assert Rsvp.objects.count() == 0


def test_a_robot_filling_the_hidden_field_is_answered_as_usual_and_nothing_is_stored(meeting):
    response = Client().post(
        rsvp_url(meeting.occurrences.get()), {**GUEST, "website": "https://spam.example"}
    )

    assert response.status_code == 200
    assert "Check your e-mail to confirm" in text_of(response)
    assert Rsvp.objects.count() == 0


def test_guest_sign_ups_are_limited_per_device_and_address(meeting):
    occurrence = meeting.occurrences.get()
    client = Client()
    allowed = RSVP_LIMITS[0][0]
    for n in range(allowed):
        assert (
            client.post(rsvp_url(occurrence), {**GUEST, "email": f"g{n}@example.org"}).status_code
            == 200
        )

    refused = client.post(rsvp_url(occurrence), {**GUEST, "email": "one.more@example.org"})

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= RSVP_LIMITS[0][1]
    assert "You have signed up several times in a short time." in text_of(refused)
    assert 'value="one.more@example.org"' in text_of(refused)
    assert Rsvp.objects.count() == allowed


def test_signing_up_takes_only_a_post_for_a_date_of_that_event(meeting, officer, organization):
    other = published(officer, organization)
    occurrence = meeting.occurrences.get()

    assert Client().get(rsvp_url(occurrence)).status_code == 405
    wrong = f"/o/riverside/events/{meeting.pk}/dates/{other.occurrences.get().pk}/rsvp/"
    assert Client().post(wrong, GUEST).status_code == 404
    assert (
        Client()
        .post(f"/o/elsewhere/events/{meeting.pk}/dates/{occurrence.pk}/rsvp/", GUEST)
        .status_code
        == 404
    )
    assert Rsvp.objects.count() == 0


# The guest's link ----------------------------------------------------------------------------


def test_opening_the_guest_link_shows_the_sign_up_and_changes_nothing(meeting):
    signed = guest_signed_up(meeting.occurrences.get())
    before = states()

    response = Client().get(guest_url(signed.rsvp, signed.secret))

    page = text_of(response)
    assert response.status_code == 200
    assert "Not confirmed yet" in page
    assert "Confirm my place" in page and "Cancel my place" in page
    assert states() == before
    assert "no-cache" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_wrong_secret_or_another_organisation_is_not_found(meeting, other_organization):
    signed = guest_signed_up(meeting.occurrences.get())

    wrong = Client().get(guest_url(signed.rsvp, "not-the-secret"))
    posted = Client().post(guest_url(signed.rsvp, "not-the-secret"), {"action": "confirm"})
    elsewhere = Client().get(f"/o/elsewhere/events/rsvp/{signed.rsvp.pk}/{signed.secret}/")

    assert (wrong.status_code, posted.status_code, elsewhere.status_code) == (404, 404, 404)
    assert Rsvp.objects.get().status == RsvpStatus.PENDING


def test_a_guest_confirms_then_cancels_and_the_first_waiting_gets_the_place(meeting):
    occurrence = meeting.occurrences.get()
    signed = guest_signed_up(occurrence)
    client = Client()

    confirmed = client.post(
        guest_url(signed.rsvp, signed.secret), {"action": "confirm"}, follow=True
    )

    assert "You have a place." in text_of(confirmed)
    assert "Confirmed: you have a place." in text_of(confirmed)
    services.sign_up(occurrence, user=factories.UserFactory(email="second@example.org"))
    waiting = services.sign_up(occurrence, user=factories.UserFactory(email="third@example.org"))
    assert waiting.rsvp.status == RsvpStatus.WAITLISTED

    cancelled = client.post(
        guest_url(signed.rsvp, signed.secret), {"action": "cancel"}, follow=True
    )

    assert "Your sign-up is cancelled." in text_of(cancelled)
    assert Rsvp.objects.get(pk=signed.rsvp.pk).status == RsvpStatus.CANCELLED
    assert Rsvp.objects.get(pk=waiting.rsvp.pk).status == RsvpStatus.CONFIRMED
    assert "Cancel my place" not in text_of(cancelled)


def test_a_guest_confirming_a_full_date_is_told_their_waiting_number(meeting):
    occurrence = meeting.occurrences.get()
    signed = guest_signed_up(occurrence)
    for n in range(2):
        services.sign_up(occurrence, user=factories.UserFactory(email=f"quick{n}@example.org"))

    response = Client().post(
        guest_url(signed.rsvp, signed.secret), {"action": "confirm"}, follow=True
    )

    page = text_of(response)
    assert "you are on the waiting list (number 1)." in page
    assert "On the waiting list (number 1)." in page


def test_a_guest_cannot_confirm_a_date_the_organisers_cancelled(meeting, officer):
    occurrence = meeting.occurrences.get()
    signed = guest_signed_up(occurrence)
    services.cancel_occurrence(officer, occurrence)

    shown = text_of(Client().get(guest_url(signed.rsvp, signed.secret)))
    refused = Client().post(guest_url(signed.rsvp, signed.secret), {"action": "confirm"})

    assert "The organisers cancelled this date." in shown
    assert "Confirm my place" not in shown
    assert refused.status_code == 409
    assert "This date is not taking sign-ups." in text_of(refused)
    assert Rsvp.objects.get().status == RsvpStatus.PENDING


def test_an_unknown_guest_action_is_refused_and_changes_nothing(meeting):
    signed = guest_signed_up(meeting.occurrences.get())

    response = Client().post(guest_url(signed.rsvp, signed.secret), {"action": "delete"})

    assert response.status_code == 400
    assert Rsvp.objects.get().status == RsvpStatus.PENDING


# My events -----------------------------------------------------------------------------------


def test_my_events_needs_signing_in(organization):
    response = Client().get(MINE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_my_events_lists_my_places_to_come_and_what_i_attended(officer, organization, meeting):
    me = factories.UserFactory(email="me@example.org")
    occurrence = meeting.occurrences.get()
    for n in range(2):
        services.sign_up(occurrence, user=factories.UserFactory(email=f"first{n}@example.org"))
    services.sign_up(occurrence, user=me)  # waiting, number 1
    gone = published(
        officer,
        organization,
        texts={"en": {"title": "Last spring's barbecue"}},
        starts_at=PAST_START,
        ends_at=PAST_END,
    )
    attended = services.sign_up(gone.occurrences.get(), user=me, now=local(2024, 4, 1)).rsvp
    checkin.check_in_by_name(officer, attended, now=PAST_START)
    someone_elses = published(officer, organization, texts={"en": {"title": "Not mine"}})
    services.sign_up(someone_elses.occurrences.get(), user=officer)

    response = signed_in(me).get(MINE)

    page = text_of(response)
    assert response.status_code == 200
    assert "Old Mill watch meeting" in page
    assert "You are on the waiting list (number 1)." in page
    assert "Last spring&#x27;s barbecue" in page
    assert "Not mine" not in page
    assert "no-cache" in response["Cache-Control"]


def test_i_cancel_my_own_place_and_only_mine(meeting, resident):
    occurrence = meeting.occurrences.get()
    mine = services.sign_up(occurrence, user=resident).rsvp
    theirs = services.sign_up(occurrence, user=factories.UserFactory(email="x@example.org")).rsvp
    client = signed_in(resident)

    assert client.get(f"{MINE}{mine.pk}/cancel/").status_code == 405
    assert client.post(f"{MINE}{theirs.pk}/cancel/").status_code == 404
    response = client.post(f"{MINE}{mine.pk}/cancel/", follow=True)

    assert response.redirect_chain == [(MINE, 302)]
    assert "Your place is cancelled." in text_of(response)
    assert Rsvp.objects.get(pk=mine.pk).status == RsvpStatus.CANCELLED
    assert Rsvp.objects.get(pk=theirs.pk).status == RsvpStatus.CONFIRMED
    assert client.post(f"{MINE}{mine.pk}/cancel/").status_code == 404  # once


def test_a_past_place_cannot_be_cancelled(officer, organization, resident):
    gone = published(officer, organization, starts_at=PAST_START, ends_at=PAST_END)
    rsvp = services.sign_up(gone.occurrences.get(), user=resident, now=local(2024, 4, 1)).rsvp

    assert signed_in(resident).post(f"{MINE}{rsvp.pk}/cancel/").status_code == 404
    assert Rsvp.objects.get().status == RsvpStatus.CONFIRMED


def test_cancelling_needs_signing_in(meeting, resident):
    rsvp = services.sign_up(meeting.occurrences.get(), user=resident).rsvp

    response = Client().post(f"{MINE}{rsvp.pk}/cancel/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    assert Rsvp.objects.get().status == RsvpStatus.CONFIRMED
