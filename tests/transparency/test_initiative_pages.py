"""Initiative pages: staff drafting and publishing through the browser, public pages."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from tests.transparency.test_initiatives import FIELDS, draft, jpeg_with_gps, published
from trustbridge.transparency import initiatives as services
from trustbridge.transparency.models import Initiative, InitiativeUpdate, Milestone, SuccessStory

STAFF = "/o/riverside/staff/initiatives"


def public_status(path):
    return Client().get(path).status_code


def public_page(path):
    response = Client().get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_an_officer_drafts_an_initiative_from_the_staff_pages(
    organization, member, client_for, area
):
    officer = member("officer")
    client = client_for(officer)

    response = client.post(
        f"{STAFF}/new/",
        {**FIELDS, "status": "active", "areas": [area.pk], "started_on": "2025-03-01"},
    )

    initiative = Initiative.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{STAFF}/foot-patrols-on-main-street/"
    assert (initiative.status, initiative.published, list(initiative.areas.all())) == (
        "active",
        False,
        [area],
    )
    page = client.get(response["Location"]).content.decode()
    assert "A supervisor or administrator publishes it." in page
    assert client.post(f"{STAFF}/foot-patrols-on-main-street/publish/").status_code == 403
    assert Initiative.objects.get().published is False


def test_a_supervisor_publishes_and_withdraws_an_initiative(
    organization, member, client_for, admin
):
    initiative = draft(admin, organization)
    client = client_for(member("supervisor"))

    client.post(f"{STAFF}/{initiative.slug}/publish/")
    assert Initiative.objects.get().published is True
    assert public_status(f"/o/riverside/initiatives/{initiative.slug}/") == 200

    client.post(f"{STAFF}/{initiative.slug}/unpublish/")
    assert Initiative.objects.get().published is False
    assert public_status(f"/o/riverside/initiatives/{initiative.slug}/") == 404


def test_milestones_are_added_and_marked_done_from_the_staff_pages(organization, admin, client_for):
    initiative = draft(admin, organization)
    client = client_for(admin)

    client.post(
        f"{STAFF}/{initiative.slug}/milestones/", {"title": "Recruit", "due_on": "2025-04-01"}
    )
    milestone = Milestone.objects.get()
    client.post(f"{STAFF}/{initiative.slug}/milestones/{milestone.pk}/done/")

    milestone.refresh_from_db()
    assert (milestone.title, milestone.due_on, milestone.done_on is not None) == (
        "Recruit",
        dt.date(2025, 4, 1),
        True,
    )


def test_an_update_with_a_photo_needs_its_description(organization, admin, client_for):
    initiative = published(organization, admin)
    client = client_for(admin)
    url = f"{STAFF}/{initiative.slug}/updates/new/"

    refused = client.post(url, {"title": "Week 1", "body": "Done.", "photo": jpeg_with_gps()})
    assert refused.status_code == 200
    assert "Describe the photo for people who cannot see it." in refused.content.decode()
    assert InitiativeUpdate.objects.count() == 0

    client.post(
        url,
        {"title": "Week 1", "body": "Done.", "photo": jpeg_with_gps(), "photo_alt": "A patrol"},
    )
    update = InitiativeUpdate.objects.get()
    public = public_page(f"/o/riverside/initiatives/{initiative.slug}/")
    photo_url = f"/o/riverside/initiatives/{initiative.slug}/updates/{update.pk}/photo"
    assert f'<img src="{photo_url}" alt="A patrol">' in public
    photo = Client().get(photo_url)
    assert (photo.status_code, photo["Content-Type"]) == (200, "image/jpeg")
    assert b"SpyCam" not in photo.content


def test_a_published_story_links_to_its_initiative(organization, admin, member, client_for):
    initiative = published(organization, admin)
    supervisor = client_for(member("supervisor"))
    supervisor.post(
        f"{STAFF}/stories/new/",
        {"title": "A safer walk home", "body": "Residents say so.", "initiative": initiative.pk},
    )
    story = SuccessStory.objects.get()

    page = public_page(f"/o/riverside/initiatives/stories/{story.slug}/")
    assert "Residents say so." in page
    assert f'href="/o/riverside/initiatives/{initiative.slug}/"' in page
    assert "A safer walk home" in public_page(f"/o/riverside/initiatives/{initiative.slug}/")
    assert (
        client_for(member("officer"))
        .post(f"{STAFF}/stories/new/", {"title": "x", "body": "y"})
        .status_code
        == 403
    )


def test_nothing_unpublished_is_visible_to_the_public(client, organization, admin):
    initiative = draft(admin, organization)
    services.post_update(
        actor=admin,
        initiative=initiative,
        title="Hidden",
        body="b",
        photo=jpeg_with_gps(),
        photo_alt="x",
    )
    update = InitiativeUpdate.objects.get()
    story = services.create_story(
        actor=admin,
        organization=organization,
        title="Hidden story",
        body="b",
        initiative=initiative,
    )

    for path in (
        f"/o/riverside/initiatives/{initiative.slug}/",
        f"/o/riverside/initiatives/{initiative.slug}/follow/",
        f"/o/riverside/initiatives/{initiative.slug}/updates/{update.pk}/photo",
        f"/o/riverside/initiatives/stories/{story.slug}/",
    ):
        assert client.get(path).status_code == 404, path
    assert (
        client.post(
            f"/o/riverside/initiatives/{initiative.slug}/follow/", {"email": "a@example.org"}
        ).status_code
        == 404
    )
    listing = client.get("/o/riverside/initiatives/").content.decode()
    assert "Foot patrols" not in listing
    assert "Hidden story" not in listing


def test_the_public_detail_shows_before_and_after_with_its_periods(client, organization, admin):
    from tests.transparency.builders import incidents, local, roll_up, town

    t = town(organization)
    incidents(t, 4, category="theft", area="riverside", at=local(organization, 2025, 1, 10, 12))
    incidents(t, 1, category="theft", area="riverside", at=local(organization, 2025, 2, 10, 12))
    roll_up(t)
    initiative = published(
        organization,
        admin,
        areas=[t.areas["riverside"]],
        categories=[t.categories["theft"]],
        started_on=dt.date(2025, 2, 1),
        ended_on=dt.date(2025, 2, 28),
    )

    page = public_page(f"/o/riverside/initiatives/{initiative.slug}/")

    assert '<td>Jan. 1, 2025</td><td>Jan. 31, 2025</td><td class="num">4</td>' in page
    assert (
        '<td>Feb. 1, 2025</td><td>Feb. 28, 2025</td><td class="num">0<br>'
        "<small>not counting 1 small group of fewer than 3 incidents</small></td>"
    ) in page
