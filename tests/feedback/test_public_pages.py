"""The public pages: accountability figures, feedback made public, an item, compliments."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.test import Client
from django.utils import formats, timezone, translation

from tests.feedback.builders_public import make_item, move, publish, reply
from trustbridge.feedback.defaults import ensure_feedback_setup
from trustbridge.feedback.models import Event, EventKind, Kind, Moderation, Status

PRIVATE = {
    "contact_name": "Jane Resident",
    "contact_email": "jane.resident@example.org",
    "contact_phone": "+1 416 555 0199",
    "address": "12 Elm Street",
    "latitude": 43.6512,
    "longitude": -79.3834,
}
PRIVATE_MARKERS = ("Jane", "jane.resident", "555 0199", "Elm Street", "43.6512", "79.3834")


@pytest.fixture
def categories(organization):
    return ensure_feedback_setup(organization)


@pytest.fixture
def received():
    """An instant 45 days ago: always in the last twelve whole months."""
    return timezone.now() - dt.timedelta(days=45)


def urls(slug="riverside"):
    return {
        "figures": f"/o/{slug}/accountability/",
        "items": f"/o/{slug}/accountability/items/",
        "compliments": f"/o/{slug}/accountability/compliments/",
    }


def text_of(response):
    return re.sub(r"\s+", " ", response.content.decode())


# The figures ------------------------------------------------------------------------------


def test_the_figures_page_says_what_the_figures_mean_and_their_base(
    organization, categories, area, received
):
    for minutes in (30, 60, 90, 120, 150, 180):
        item = make_item(organization, categories["safety"], received, area=area)
        move(item, Status.ACKNOWLEDGED, received + dt.timedelta(minutes=minutes))
    response = Client().get(urls()["figures"])
    assert response.status_code == 200
    text = text_of(response)
    assert "How quickly we answer" in text
    assert "<strong>6</strong> <span>items received</span>" in text
    assert "(of 6 acknowledged)" in text
    assert "Time to resolve: too few items to say (0 resolved)." in text
    assert (
        "Our working hours: Monday, Tuesday, Wednesday, Thursday, Friday, 09:00 to 17:00 "
        "(America/Toronto time), except public holidays." in text
    )
    assert "With fewer than 5 items, we say “too few to say”" in text
    assert "too few to say" in text
    assert '<svg class="chart bar-chart"' in text
    assert "public" in response["Cache-Control"].split(", ")
    assert response.has_header("ETag")
    again = Client().get(urls()["figures"], headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304


def test_the_figures_page_keeps_its_filters_in_the_address(organization, categories, area):
    response = Client().get(
        urls()["figures"], {"period": "last-year", "category": "safety", "area": "old-mill"}
    )
    text = text_of(response)
    assert '<option value="last-year" selected>' in text
    assert '<option value="safety" selected>' in text
    assert '<option value="old-mill" selected>' in text
    assert "Safety concern, items received" in text


def test_unknown_filters_are_explained_and_shown_as_text(organization, categories):
    response = Client().get(urls()["figures"], {"category": "<script>alert(1)</script>"})
    assert response.status_code == 200
    text = text_of(response)
    assert "There is no category “&lt;script&gt;alert(1)&lt;/script&gt;”" in text
    assert "<script>alert(1)" not in text


def test_conduct_complaints_are_counted_but_never_by_area(organization, categories, area, received):
    for _ in range(5):
        make_item(organization, categories["conduct"], received, area=area, kind=Kind.CONDUCT)
    text = text_of(Client().get(urls()["figures"], {"category": "conduct"}))
    assert "<strong>5</strong> <span>items received</span>" in text
    assert "By area" not in text
    assert "Complaints about conduct are counted by category only, never by area." in text


def test_the_figures_page_reads_a_fixed_number_of_queries(
    organization, categories, area, received, django_assert_num_queries
):
    for _ in range(30):
        make_item(organization, categories["safety"], received, area=area)
    Client().get(urls()["figures"])  # builds the roll-up
    # organisation, categories, areas, roll-up age, roll-up rows, settings, holidays twice,
    # commitments made at events
    with django_assert_num_queries(9):
        Client().get(urls()["figures"])


# Feedback made public ----------------------------------------------------------------------


def test_only_moderated_items_are_listed_and_nothing_about_the_resident(
    organization, categories, area, received
):
    shown = publish(
        make_item(organization, categories["safety"], received, area=area, **PRIVATE),
        "The street light at the corner has been out for a week.",
    )
    pending = make_item(organization, categories["safety"], received, wants_public=True)
    pending.moderation = Moderation.PENDING
    pending.public_text = "Not yet approved text"
    pending.save()
    publish(
        make_item(organization, categories["conduct"], received, kind=Kind.CONDUCT),
        "An approved complaint about conduct",
    )
    response = Client().get(urls()["items"])
    text = text_of(response)
    assert "The street light at the corner has been out for a week." in text
    assert "Safety concern in Old Mill" in text
    assert shown.reference in text
    for absent in ("Not yet approved text", "An approved complaint about conduct"):
        assert absent not in text
    for marker in PRIVATE_MARKERS:
        assert marker not in text
    assert "A broken street light" not in text  # the resident's own words, unmoderated


def test_no_public_page_shows_the_residents_details_or_own_words(
    organization, categories, area, received
):
    item = make_item(
        organization,
        categories["compliment"],
        received,
        area=area,
        description="Officer Smith helped me at 12 Elm Street",
        **PRIVATE,
    )
    publish(item, "An officer helped me carry my shopping.")
    item.photos.create(organization=organization, image="feedback/2025/06/p.jpg")
    pages = [*urls().values(), f"/o/riverside/accountability/items/{item.reference}/"]
    for url in pages:
        response = Client().get(url)
        assert response.status_code == 200, url
        text = text_of(response)
        for marker in (*PRIVATE_MARKERS, "Officer Smith", "p.jpg", "feedback/2025"):
            assert marker not in text, (url, marker)


def test_html_in_public_text_is_shown_as_text(organization, categories, received):
    publish(
        make_item(organization, categories["compliment"], received),
        '<script>alert("x")</script><b>Thank you</b>',
    )
    for url in (urls()["items"], urls()["compliments"]):
        text = text_of(Client().get(url))
        assert (
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;Thank you&lt;/b&gt;" in text
        )
        assert "<script>alert" not in text


def test_the_list_is_paginated_and_keeps_its_filters(organization, categories, received):
    for i in range(21):
        publish(
            make_item(organization, categories["safety"], received - dt.timedelta(hours=i)),
            f"Number {i}.",
        )
    publish(make_item(organization, categories["nuisance"], received), "Noise.")
    first = text_of(Client().get(urls()["items"], {"category": "safety"}))
    assert "Number 0." in first and "Number 19." in first and "Number 20." not in first
    assert "Noise." not in first
    assert 'href="?category=safety&amp;page=2" rel="next"' in first
    second = text_of(Client().get(urls()["items"], {"category": "safety", "page": "2"}))
    assert "Number 20." in second and "Page 2" in second
    assert 'href="?category=safety&amp;page=1" rel="prev"' in second
    assert 'rel="next"' not in second
    beyond = text_of(Client().get(urls()["items"], {"category": "safety", "page": "9"}))
    assert "There are no more items." in beyond
    assert "Number" not in beyond


def test_the_list_reads_a_fixed_number_of_queries(
    organization, categories, area, received, django_assert_num_queries
):
    for i in range(25):
        item = publish(make_item(organization, categories["safety"], received, area=area), "Text")
        reply(item, received + dt.timedelta(hours=1), f"Reply {i}")
    # organisation, categories, areas, page of items, their events: no count of the whole list
    with django_assert_num_queries(5):
        response = Client().get(urls()["items"])
    assert response.status_code == 200


# One public item ---------------------------------------------------------------------------


def test_a_public_item_shows_its_timeline_and_redacted_replies_but_no_notes_or_reasons(
    organization, categories, area, received
):
    item = make_item(organization, categories["safety"], received, area=area)
    move(item, Status.ACKNOWLEDGED, received + dt.timedelta(hours=1))
    Event.objects.filter(item=item, kind=EventKind.STATUS).update(
        text="Reason: Sgt Brown knows the caller"
    )
    reply(item, received + dt.timedelta(hours=2), "Thank you. Call Officer Perez on 416 555 0100.")
    reply(item, received + dt.timedelta(hours=3), "Internal: repeat caller", public=False)
    publish(item, "The corner is dark at night.")
    response = Client().get(f"/o/riverside/accountability/items/{item.reference}/")
    assert response.status_code == 200
    text = text_of(response)
    assert "The corner is dark at night." in text
    assert "Acknowledged" in text
    assert "Thank you. Call Officer [removed] on [removed]." in text
    for absent in ("Sgt Brown", "Perez", "555 0100", "repeat caller", "Reason:"):
        assert absent not in text


@pytest.mark.parametrize("case", ["pending", "not-asked", "rejected", "conduct", "unknown"])
def test_an_item_that_is_not_public_is_not_found(organization, categories, received, case):
    if case == "unknown":
        reference = "NOPE1234"
    else:
        kind = Kind.CONDUCT if case == "conduct" else None
        category = categories["conduct" if case == "conduct" else "safety"]
        item = make_item(organization, category, received, kind=kind, public_text="Words")
        item.moderation = {
            "pending": Moderation.PENDING,
            "not-asked": Moderation.NOT_ASKED,
            "rejected": Moderation.REJECTED,
            "conduct": Moderation.APPROVED,
        }[case]
        item.save()
        reference = item.reference
    response = Client().get(f"/o/riverside/accountability/items/{reference}/")
    assert response.status_code == 404
    assert "Words" not in response.content.decode()


def test_another_organisations_public_item_is_not_found_here(
    organization, other_organization, received
):
    theirs = publish(
        make_item(
            other_organization, ensure_feedback_setup(other_organization)["safety"], received
        ),
        "Theirs",
    )
    assert Client().get(f"/o/riverside/accountability/items/{theirs.reference}/").status_code == 404
    assert Client().get(f"/o/elsewhere/accountability/items/{theirs.reference}/").status_code == 200


# Compliments -------------------------------------------------------------------------------


def test_the_compliments_wall_shows_approved_compliments_only(
    organization, categories, area, received
):
    publish(make_item(organization, categories["compliment"], received, area=area), "Thanks!")
    publish(make_item(organization, categories["safety"], received), "A concern")
    unapproved = make_item(organization, categories["compliment"], received, wants_public=True)
    unapproved.public_text = "Waiting"
    unapproved.save()
    text = text_of(Client().get(urls()["compliments"]))
    assert "Thanks!" in text and "Old Mill" in text
    assert "A concern" not in text and "Waiting" not in text


@pytest.mark.parametrize("page", ["figures", "items", "compliments"])
def test_public_pages_answer_only_get(organization, categories, page):
    assert Client().post(urls()[page]).status_code == 405


def test_an_unknown_organisation_has_no_accountability_pages(db):
    for url in urls("nowhere").values():
        assert Client().get(url).status_code == 404


def test_a_signed_in_visitor_gets_a_private_copy(organization, categories, resident, client_for):
    response = client_for(resident).get(urls()["figures"])
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


def test_the_figures_page_follows_the_visitors_language(organization, categories):
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(organization.timezone))
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    with translation.override("fr"):
        french_month = formats.date_format(last_month, "YEAR_MONTH_FORMAT")
    response = Client().get(urls()["figures"], headers={"accept-language": "fr"})
    assert response.status_code == 200
    text = text_of(response)
    assert '<html lang="fr">' in text
    assert f'<th scope="row">{french_month}</th>' in text
