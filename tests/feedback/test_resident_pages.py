"""The resident pages: the feedback form, the private tracking page (feedback.resident_views)."""

from __future__ import annotations

import re
import time

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.factories import AreaFactory
from tests.feedback.conftest_resident import (
    OUTSIDE_POINT,
    executable_named_jpg,
    jpeg_with_gps,
    submit,
    two_areas,
)
from trustbridge.feedback import abuse, resident_queries
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import (
    Category,
    Event,
    EventKind,
    FeedbackSettings,
    Item,
    Photo,
    Status,
)
from trustbridge.feedback.targets import Calendar, record_transition

NEW = "/o/riverside/feedback/new"
FORM = {
    "kind": "concern",
    "category": "safety",
    "description": "The light at the bus stop is out.",
}
TRACK = re.compile(r"^/o/riverside/feedback/track/(?P<reference>[\w-]+)/(?P<secret>[\w-]+)/$")


def page_of(response) -> str:
    return response.content.decode()


# The form ----------------------------------------------------------------------------------------


def test_showing_the_form_writes_nothing_and_offers_the_default_categories(organization):
    response = Client().get(NEW)

    page = page_of(response)
    assert response.status_code == 200
    assert Category.objects.count() == FeedbackSettings.objects.count() == 0
    assert '<option value="safety" data-kind="">Safety concern</option>' in page
    assert '<option value="conduct" data-kind="conduct">Complaint about conduct</option>' in page
    assert 'name="website"' in page and 'class="field-trap"' in page
    assert 'name="anonymous"' in page
    assert "Not needed for: Question, Suggestion, Compliment, Complaint about conduct." in page
    cookie = response.cookies[abuse.DEVICE_COOKIE]
    assert (cookie["httponly"], cookie["samesite"]) == (True, "Lax")


def test_the_form_offers_only_active_categories_and_the_organisations_areas(
    organization, other_organization
):
    ensure_feedback_setup(organization)
    Category.objects.filter(organization=organization, code="traffic").update(active=False)
    two_areas(organization)
    AreaFactory(organization=other_organization, slug="docks", name="Elsewhere Docks")

    page = page_of(Client().get(NEW))

    assert 'value="traffic"' not in page
    assert '<option value="harbour">Harbour</option>' in page
    assert "Elsewhere Docks" not in page
    assert 'data-area="old-mill"' in page  # the map a tap can fill the point from
    assert 'name="latitude"' in page


def test_without_areas_the_form_asks_for_an_address_only(organization):
    page = page_of(Client().get(NEW))

    assert 'name="address"' in page
    assert 'name="area"' not in page and 'name="latitude"' not in page


def test_without_anonymity_on_offer_the_form_does_not_promise_it(organization):
    FeedbackSettings.objects.create(organization=organization, allow_anonymous=False)

    assert 'name="anonymous"' not in page_of(Client().get(NEW))


def test_a_resident_sends_the_form_and_lands_on_their_private_page(organization):
    two_areas(organization)
    client = Client()

    response = client.post(
        NEW,
        {
            **FORM,
            "area": "harbour",
            "address": "Quay Street bus stop",
            "photos": [jpeg_with_gps()],
            "anonymous": "on",
            "contact_email": "pat@example.org",
            "contact_name": "Pat Doe",
        },
    )

    item = Item.objects.get()
    assert response.status_code == 302
    link = TRACK.match(response["Location"])
    assert link is not None and link["reference"] == item.reference
    assert (item.area.slug, item.address, item.anonymous, item.contact_name) == (
        "harbour",
        "Quay Street bus stop",
        True,
        "",
    )
    assert Photo.objects.filter(item=item).count() == 1
    page = client.get(response["Location"])
    text = page_of(page)
    assert page.status_code == 200
    assert f"Tracking code {item.reference}" in text
    assert "Thank you. We have received your message." in text
    assert "The light at the bus stop is out." in text
    assert f"http://testserver{response['Location']}" in text
    assert "pat@example.org" not in text and "Pat Doe" not in text


def test_a_signed_in_resident_is_linked_to_their_item_unless_anonymous(
    organization, resident, client_for
):
    client = client_for(resident)

    client.post(NEW, FORM)
    client.post(NEW, {**FORM, "description": "Another light is out.", "anonymous": "on"})

    assert list(Item.objects.order_by("pk").values_list("submitter", flat=True)) == [
        resident.pk,
        None,
    ]


def test_html_and_script_in_the_message_are_shown_as_text(organization):
    client = Client()
    response = client.post(NEW, {**FORM, "description": '<script>alert("x")</script> <b>bold</b>'})

    text = page_of(client.get(response["Location"]))

    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in text
    assert '<script>alert("x")' not in text and "<b>bold</b>" not in text


def test_a_filled_robot_field_stores_nothing_but_looks_like_success(organization):
    response = Client().post(NEW, {**FORM, "website": "https://spam.example"})

    assert response.status_code == 302
    assert TRACK.match(response["Location"])
    assert Client().get(response["Location"]).status_code == 404
    assert (Item.objects.count(), Category.objects.count()) == (0, 0)


# Refused input -----------------------------------------------------------------------------------


def test_a_missing_description_is_shown_in_the_residents_language_and_linked_to_its_field(
    organization,
):
    response = Client().post(NEW, {**FORM, "description": ""}, HTTP_ACCEPT_LANGUAGE="fr")

    text = page_of(response)
    assert response.status_code == 400
    assert re.search(
        r'<textarea[^>]*aria-describedby="id_description_helptext id_description_error"', text
    )
    assert (
        '<ul class="errorlist" id="id_description_error"><li>Ce champ est obligatoire.</li></ul>'
        in text
    )
    assert Item.objects.count() == 0


def test_a_1_mb_description_is_refused_with_a_field_error_and_kept_in_the_form(organization):
    huge = "a" * 1_000_000

    response = Client().post(NEW, {**FORM, "description": huge})

    assert response.status_code == 400
    assert "Ensure this value has at most 4000 characters (it has 1000000)." in page_of(response)
    assert Item.objects.count() == 0


def test_a_point_outside_every_area_gets_a_field_error(organization):
    two_areas(organization)

    response = Client().post(NEW, {**FORM, **OUTSIDE_POINT})

    text = page_of(response)
    assert response.status_code == 400
    assert (
        '<ul class="errorlist" id="id_latitude_error"><li>This point is outside every area' in text
    )
    assert '<details class="point" open>' in text
    assert Item.objects.count() == 0


def test_an_unknown_category_gets_a_field_error(organization):
    response = Client().post(NEW, {**FORM, "category": "made-up"})

    assert response.status_code == 400
    assert 'id="id_category_error"' in page_of(response)
    assert Item.objects.count() == 0


def test_a_category_of_another_kind_gets_the_services_field_error(organization):
    response = Client().post(NEW, {**FORM, "kind": "conduct"})

    assert response.status_code == 400
    assert (
        '<ul class="errorlist" id="id_category_error"><li>This category is not for this kind '
        "of feedback. Choose another.</li></ul>"
    ) in page_of(response)


def test_an_executable_named_like_a_photo_gets_a_field_error(organization):
    response = Client().post(NEW, {**FORM, "photos": [executable_named_jpg()]})

    assert response.status_code == 400
    assert (
        '<ul class="errorlist" id="id_photos_error"><li>This file is not an image we can read.'
        in page_of(response)
    )
    assert (Item.objects.count(), Photo.objects.count()) == (0, 0)


def test_a_50_mb_photo_is_refused_with_413_before_it_is_read(organization, settings):
    settings.TRUSTBRIDGE_MAX_REQUEST_BYTES = 32 * 1024 * 1024  # as asked of the lead
    photo = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"\x00" * (50 * 1024 * 1024), "image/jpeg")

    response = Client().post(NEW, {**FORM, "photos": [photo]})

    assert response.status_code == 413
    assert page_of(response) == "The request is too large."
    assert Item.objects.count() == 0


# Repeats and floods ------------------------------------------------------------------------------


def test_the_same_message_twice_is_told_politely_with_the_earlier_tracking_code(organization):
    client = Client()
    client.get(NEW)  # the device cookie
    client.post(NEW, FORM)

    again = client.post(NEW, FORM)

    reference = Item.objects.get().reference
    assert again.status_code == 409
    assert (
        f"You already sent us this a short while ago, with the tracking code {reference}."
        in page_of(again)
    )


def test_over_the_limit_the_page_answers_429_and_keeps_what_was_typed(organization):
    client = Client()
    for n in range(5):
        assert (
            client.post(NEW, {**FORM, "description": f"Light number {n} is out."}).status_code
            == 302
        )

    response = client.post(
        NEW, {**FORM, "description": "Light number 6 is out.", "address": "Elm Street"}
    )

    text = page_of(response)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 600
    assert "You have sent several messages in a short time." in text
    assert "Light number 6 is out.</textarea>" in text
    assert 'value="Elm Street"' in text
    assert Item.objects.count() == 5


# The private page --------------------------------------------------------------------------------


def tracked(organization, **changes):
    submitted = submit(organization, **changes)
    return submitted.item, submitted.tracking_path


def test_the_private_page_is_never_cached_indexed_or_sent_as_a_referrer(organization):
    _item, path = tracked(organization)

    response = Client().get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_forged_or_borrowed_tracking_link_is_not_found(organization, other_organization):
    item, path = tracked(organization)
    other = submit(organization, description="Something else entirely", sender="")
    secret = path.rstrip("/").rsplit("/", 1)[1]

    forged = [
        f"/o/riverside/feedback/track/{item.reference}/{secret[:-2]}xx/",
        f"/o/riverside/feedback/track/{item.reference}/{other.secret}/",  # another item's secret
        f"/o/riverside/feedback/track/ZZZZ-ZZZZ/{secret}/",
        f"/o/elsewhere/feedback/track/{item.reference}/{secret}/",  # another organisation
    ]
    answers = [Client().get(url) for url in forged]
    posts = [Client().post(url, {"message": "hello"}) for url in forged]

    assert [r.status_code for r in answers + posts] == [404] * 8
    assert all("<h1>Page not found</h1>" in page_of(r) for r in answers)
    assert Event.objects.filter(kind=EventKind.RESIDENT).count() == 0


def test_the_private_page_shows_public_events_and_replies_but_never_internal_notes(organization):
    item, path = tracked(organization)
    Event.objects.create(
        organization=organization,
        item=item,
        at=timezone.now(),
        kind=EventKind.NOTE,
        text="Internal: the caller sounded upset",
    )
    Event.objects.create(
        organization=organization,
        item=item,
        at=timezone.now(),
        kind=EventKind.REPLY,
        text="We have asked the city to fix it.",
        public=True,
    )

    text = page_of(Client().get(path))

    assert "Reply from Riverside Police" in text
    assert "We have asked the city to fix it." in text
    assert "Internal: the caller sounded upset" not in text
    assert "We received it." in text


def test_a_message_from_the_private_page_starts_a_waiting_items_clock_again(organization):
    item, path = tracked(organization)
    calendar = Calendar.of(organization)
    record_transition(item, Status.WAITING, timezone.now(), calendar)
    item.save()
    client = Client()
    assert "We are waiting for your answer." in page_of(client.get(path))

    response = client.post(path, {"message": "It is the second lamp from the corner."})

    assert (response.status_code, response["Location"]) == (302, path)
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS
    text = page_of(client.get(path))
    assert "Your message has been sent." in text
    assert "It is the second lamp from the corner." in text
    assert "Status: In progress" in text


def test_an_empty_message_gets_a_field_error(organization):
    _item, path = tracked(organization)

    response = Client().post(path, {"message": ""})

    assert response.status_code == 400
    assert 'id="id_message_error"' in page_of(response)


def test_a_finished_item_offers_new_feedback_instead_of_a_message(organization):
    item, path = tracked(organization)
    record_transition(item, Status.RESOLVED, timezone.now(), Calendar.of(organization))
    item.save()

    text = page_of(Client().get(path))

    assert 'name="message"' not in text
    assert f'href="{NEW}"' in text


@pytest.mark.parametrize("anonymous", [True, False])
def test_the_private_page_never_shows_the_residents_contact_details(organization, anonymous):
    _item, path = tracked(
        organization,
        anonymous=anonymous,
        contact_name="Pat Doe",
        contact_email="pat@example.org",
        contact_phone="416 555 0199",
    )

    text = page_of(Client().get(path))

    assert [m for m in ("Pat Doe", "pat@example.org", "416 555 0199") if m in text] == []
    assert "We have also e-mailed it to the address you gave." in text


def test_the_receipt_link_opens_the_private_page(
    organization, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(NEW, {**FORM, "contact_email": "pat@example.org"})

    [receipt] = mailbox.to("pat@example.org")
    link = re.search(r"http://\S+", mailbox.text_of(receipt)).group(0)
    response = Client().get(link.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    assert Item.objects.get().reference in page_of(response)


# The signed link of update e-mails ---------------------------------------------------------------


class _SignedLongAgo(signing.TimestampSigner):
    def timestamp(self) -> str:
        return signing.b62_encode(
            int(time.time()) - (resident_queries.SIGNED_LINK_DAYS + 1) * 86400
        )


def test_a_signed_link_from_an_update_e_mail_opens_the_private_page_for_writing(organization):
    item, private = tracked(organization)
    path = resident_queries.signed_tracking_path(item)
    client = Client()

    response = client.get(path)

    text = page_of(response)
    assert path.startswith(f"/o/riverside/feedback/track/{item.reference}/?t=")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert f"Tracking code {item.reference}" in text
    assert "You opened this page from one of our e-mails: its link works for 30 days." in text
    assert private not in text  # the secret is known to the resident only
    sent = client.post(path, {"message": "Thank you, it is fixed."})
    assert (sent.status_code, sent["Location"]) == (302, path)
    assert Event.objects.get(kind=EventKind.RESIDENT).text == "Thank you, it is fixed."


def test_a_forged_or_borrowed_signed_link_is_not_found(organization, other_organization):
    item, _private = tracked(organization)
    other, _ = tracked(organization, description="Another matter", sender="")
    token = resident_queries.signed_tracking_path(item).split("?t=")[1]
    other_token = resident_queries.signed_tracking_path(other).split("?t=")[1]
    forged_token = signing.dumps([item.reference, "0" * 16], salt=resident_queries.TRACK_SALT)

    for path in (
        f"/o/riverside/feedback/track/{item.reference}/?t={token[:-3]}abc",
        f"/o/riverside/feedback/track/{item.reference}/?t={other_token}",
        f"/o/riverside/feedback/track/{item.reference}/?t={forged_token}",
        f"/o/riverside/feedback/track/{item.reference}/",
        f"/o/elsewhere/feedback/track/{item.reference}/?t={token}",
    ):
        assert Client().get(path).status_code == 404, path
        assert Client().post(path, {"message": "hi"}).status_code == 404, path
    assert Event.objects.filter(kind=EventKind.RESIDENT).count() == 0


def test_a_signed_link_older_than_30_days_says_so(organization):
    item, _private = tracked(organization)
    old = _SignedLongAgo(salt=resident_queries.TRACK_SALT).sign_object(
        [item.reference, item.secret_digest[:16]]
    )

    response = Client().get(f"/o/riverside/feedback/track/{item.reference}/?t={old}")

    assert response.status_code == 410
    assert "<h1>This link has expired</h1>" in page_of(response)
    assert f"Tracking code {item.reference}" not in page_of(response)


@pytest.mark.parametrize("replies", [1, 12])
def test_the_private_page_costs_the_same_queries_however_long_its_history(
    organization, django_assert_num_queries, replies
):
    item, path = tracked(organization)
    Event.objects.bulk_create(
        Event(
            organization=organization,
            item=item,
            at=timezone.now(),
            kind=EventKind.REPLY,
            text=f"Reply {n}",
            public=True,
        )
        for n in range(replies)
    )
    client = Client()

    # The organisation, the item with its category and area, its timeline.
    with django_assert_num_queries(3):
        response = client.get(path)

    assert page_of(response).count("Reply from Riverside Police") == replies
