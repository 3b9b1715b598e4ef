"""Initiatives: who may draft and publish, photos, followers by e-mail, before/after figures."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.transparency.builders import incidents, local, roll_up, town
from trustbridge.core.errors import ServiceError
from trustbridge.core.models import AuditEvent
from trustbridge.transparency import initiative_queries
from trustbridge.transparency import initiatives as services
from trustbridge.transparency.models import Follower, Initiative, InitiativeUpdate, Milestone

FIELDS = {"title": "Foot patrols on Main Street", "summary": "After dark.", "goal": "Fewer thefts."}


def draft(actor, organization, **extra):
    return services.create_initiative(actor=actor, organization=organization, **FIELDS, **extra)


def published(organization, admin, **extra):
    initiative = draft(admin, organization, **extra)
    return services.set_initiative_published(actor=admin, initiative=initiative, published=True)


@pytest.mark.parametrize(
    "role,allowed", [("admin", True), ("supervisor", True), ("officer", True), ("partner", False)]
)
def test_admins_supervisors_and_officers_may_draft_an_initiative(
    organization, member, role, allowed
):
    actor = member(role)
    if allowed:
        initiative = draft(actor, organization)
        assert (initiative.slug, initiative.published) == ("foot-patrols-on-main-street", False)
        assert AuditEvent.objects.filter(target_id=str(initiative.pk)).count() == 1
    else:
        with pytest.raises(PermissionDenied):
            draft(actor, organization)
        assert Initiative.objects.count() == 0


@pytest.mark.parametrize(
    "role,allowed", [("admin", True), ("supervisor", True), ("officer", False), ("partner", False)]
)
def test_only_admins_and_supervisors_publish(organization, member, admin, role, allowed):
    initiative = draft(admin, organization)
    actor = member(role, email=f"{role}.publisher@riverside.example")
    if allowed:
        services.set_initiative_published(actor=actor, initiative=initiative, published=True)
        assert Initiative.objects.get().published is True
    else:
        with pytest.raises(PermissionDenied):
            services.set_initiative_published(actor=actor, initiative=initiative, published=True)
        assert Initiative.objects.get().published is False


def test_an_officer_may_change_a_draft_but_not_a_published_initiative(organization, member, admin):
    officer = member("officer")
    initiative = draft(officer, organization)
    services.update_initiative(actor=officer, initiative=initiative, title="Bike patrols")
    services.set_initiative_published(actor=admin, initiative=initiative, published=True)

    with pytest.raises(PermissionDenied):
        services.update_initiative(actor=officer, initiative=initiative, title="Changed")
    with pytest.raises(PermissionDenied):
        services.add_milestone(actor=officer, initiative=initiative, title="Start")
    assert Initiative.objects.get().title == "Bike patrols"
    assert Milestone.objects.count() == 0


def test_areas_of_another_organisation_are_refused(organization, other_organization, admin):
    from tests.factories import AreaFactory

    foreign = AreaFactory(organization=other_organization)
    with pytest.raises(ServiceError) as refused:
        draft(admin, organization, areas=[foreign])
    assert refused.value.field == "areas"
    assert Initiative.objects.count() == 0


def test_a_milestone_is_added_then_marked_done_once(organization, admin):
    initiative = draft(admin, organization)
    milestone = services.add_milestone(
        actor=admin, initiative=initiative, title="Recruit", due_on=dt.date(2025, 5, 1)
    )
    services.complete_milestone(actor=admin, milestone=milestone, done_on=dt.date(2025, 4, 20))
    services.complete_milestone(actor=admin, milestone=milestone, done_on=dt.date(2025, 4, 25))
    assert Milestone.objects.get().done_on == dt.date(2025, 4, 20)


def jpeg_with_gps():
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (43.0, 39.0, 1.5), 3: "W", 4: (79.0, 23.0, 2.5)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    assert b"SpyCam" in data
    return SimpleUploadedFile("patrol.jpg", data, content_type="image/jpeg")


def test_an_update_photo_is_stripped_of_its_metadata(organization, admin):
    initiative = draft(admin, organization)

    update = services.post_update(
        actor=admin,
        initiative=initiative,
        title="First week",
        body="Twelve patrols.",
        photo=jpeg_with_gps(),
        photo_alt="Two officers talking to a shopkeeper",
    )

    with update.photo.open("rb") as stored:
        content = stored.read()
    assert b"SpyCam" not in content
    with Image.open(io.BytesIO(content)) as reopened:
        assert (reopened.format, reopened.size) == ("JPEG", (40, 30))
        assert dict(reopened.getexif()) == {}


def test_a_photo_without_a_description_or_that_is_not_an_image_is_refused(organization, admin):
    initiative = draft(admin, organization)
    with pytest.raises(ServiceError) as no_alt:
        services.post_update(
            actor=admin, initiative=initiative, title="t", body="b", photo=jpeg_with_gps()
        )
    fake = SimpleUploadedFile("x.jpg", b"<script>", content_type="image/jpeg")
    with pytest.raises(ServiceError) as not_image:
        services.post_update(
            actor=admin, initiative=initiative, title="t", body="b", photo=fake, photo_alt="x"
        )
    assert (no_alt.value.field, not_image.value.field) == ("photo_alt", "photo")
    assert InitiativeUpdate.objects.count() == 0


# Followers ---------------------------------------------------------------------------------


def link_in(mailbox, message):
    return re.search(r"http://\S+", mailbox.text_of(message)).group(0)


def follow(client, initiative, email, **extra):
    return client.post(
        f"/o/riverside/initiatives/{initiative.slug}/follow/", {"email": email, **extra}
    )


def test_a_resident_follows_by_e_mail_and_receives_updates_until_they_unsubscribe(
    client, organization, admin, mailbox, django_capture_on_commit_callbacks
):
    initiative = published(organization, admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = follow(client, initiative, "Neighbour@Example.org")
    assert response.status_code == 200
    assert "Check your e-mail" in response.content.decode()
    assert Follower.objects.count() == 0  # nothing stored before the address is confirmed
    [confirmation] = mailbox.to("neighbour@example.org")
    assert confirmation["Subject"].strip() == (
        "Confirm that you want updates on “Foot patrols on Main Street”"
    )
    confirm = link_in(mailbox, confirmation)
    assert confirm.startswith("http://127.0.0.1:8000/o/riverside/initiatives/follow/")

    assert client.get(confirm.removeprefix("http://127.0.0.1:8000")).status_code == 200
    assert client.get(confirm.removeprefix("http://127.0.0.1:8000")).status_code == 200
    follower = Follower.objects.get()
    assert (follower.email, follower.confirmed_at is not None) == ("neighbour@example.org", True)

    mailbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_update(actor=admin, initiative=initiative, title="Week 1", body="Done.")
    [update] = mailbox.to("neighbour@example.org")
    assert update["Subject"] == "Foot patrols on Main Street: Week 1"
    assert "Done." in mailbox.text_of(update)
    assert "Done." in mailbox.html_of(update)
    unsubscribe = update["List-Unsubscribe"].strip().strip("<>")
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in mailbox.text_of(update)

    path = unsubscribe.removeprefix("http://127.0.0.1:8000")
    assert "Stop the e-mails" in client.get(path).content.decode()
    assert Follower.objects.count() == 1
    assert client.post(path).status_code == 200  # no sign-in, no CSRF token (one-click)
    assert Follower.objects.count() == 0

    mailbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_update(actor=admin, initiative=initiative, title="Week 2", body="More.")
    assert mailbox.messages == []


def test_updates_go_to_confirmed_followers_of_that_initiative_only(
    client, organization, admin, mailbox, django_capture_on_commit_callbacks
):
    initiative = published(organization, admin)
    other = published(organization, admin)
    for target, email in ((initiative, "a@example.org"), (other, "b@example.org")):
        Follower.objects.create(
            initiative=target,
            email=email,
            digest=services.follower_digest(target, email),
            confirmed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        )
    Follower.objects.create(initiative=initiative, email="unconfirmed@example.org", digest="x" * 64)

    with django_capture_on_commit_callbacks(execute=True):
        services.post_update(actor=admin, initiative=initiative, title="Week 1", body="Done.")

    assert [str(m["To"]) for m in mailbox.messages] == ["a@example.org"]


def test_updates_of_an_unpublished_initiative_are_not_e_mailed(
    organization, admin, mailbox, django_capture_on_commit_callbacks
):
    initiative = draft(admin, organization)
    Follower.objects.create(
        initiative=initiative,
        email="a@example.org",
        digest="y" * 64,
        confirmed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_update(actor=admin, initiative=initiative, title="Week 1", body="Done.")
    assert mailbox.messages == []


def test_the_follow_form_is_rate_limited_per_address(
    client, organization, admin, mailbox, django_capture_on_commit_callbacks
):
    initiative = published(organization, admin)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [follow(client, initiative, "a@example.org").status_code for _ in range(4)]
        other = follow(client, initiative, "b@example.org").status_code
    assert answers == [200, 200, 200, 429]
    assert other == 200
    assert len(mailbox.to("a@example.org")) == 3


def test_a_robot_filling_the_hidden_field_is_told_the_same_and_sent_nothing(
    client, organization, admin, mailbox, django_capture_on_commit_callbacks
):
    initiative = published(organization, admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = follow(client, initiative, "a@example.org", website="http://spam.example")
    assert response.status_code == 200
    assert "Check your e-mail" in response.content.decode()
    assert mailbox.messages == []


def test_forged_or_foreign_links_confirm_and_unsubscribe_nothing(
    client, organization, other_organization, admin
):
    initiative = published(organization, admin)
    follower = Follower.objects.create(
        initiative=initiative,
        email="a@example.org",
        digest=services.follower_digest(initiative, "a@example.org"),
        confirmed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    token = services.unsubscribe_token(follower)

    assert client.get("/o/riverside/initiatives/follow/forged/").status_code == 400
    assert client.post("/o/riverside/initiatives/unfollow/forged/").status_code == 400
    assert client.post(f"/o/elsewhere/initiatives/unfollow/{token}/").status_code == 200
    assert Follower.objects.count() == 1


# Before / after ----------------------------------------------------------------------------


def test_before_and_after_compare_equal_whole_months_of_published_cells(organization, admin):
    t = town(organization)
    # Before (Jan-Feb 2025): 5 + 3 thefts in Riverside, 2 in Old Mill (a small group).
    incidents(t, 5, category="theft", area="riverside", at=local(organization, 2025, 1, 10, 12))
    incidents(t, 3, category="theft", area="riverside", at=local(organization, 2025, 2, 10, 12))
    incidents(t, 2, category="theft", area="old-mill", at=local(organization, 2025, 2, 11, 12))
    # After (Mar-Apr 2025): 2 thefts in Riverside only (below k).
    incidents(t, 2, category="theft", area="riverside", at=local(organization, 2025, 3, 10, 12))
    # Not targeted: assaults, and thefts in Harbour.
    incidents(t, 9, category="assault", area="riverside", at=local(organization, 2025, 3, 1, 12))
    incidents(t, 9, category="theft", area="harbour", at=local(organization, 2025, 3, 1, 12))
    roll_up(t)
    initiative = draft(
        admin,
        organization,
        areas=[t.areas["riverside"], t.areas["old-mill"]],
        categories=[t.categories["theft"]],
        started_on=dt.date(2025, 3, 15),
    )

    result = initiative_queries.before_after(initiative, today=dt.date(2025, 5, 20))

    assert result.months == 2
    assert (result.before_start, result.before_end) == (dt.date(2025, 1, 1), dt.date(2025, 3, 1))
    assert (result.after_start, result.after_end) == (dt.date(2025, 3, 1), dt.date(2025, 5, 1))
    assert (result.before.value, result.before.suppressed_cells) == (8, 1)
    assert (result.after.value, result.after.suppressed_cells, str(result.after)) == (
        0,
        1,
        "0",
    )


@pytest.mark.parametrize(
    "started,ended,today,expected",
    [
        (None, None, dt.date(2025, 5, 1), None),
        (dt.date(2025, 5, 3), None, dt.date(2025, 5, 20), None),
        (
            dt.date(2025, 1, 31),
            dt.date(2025, 2, 2),
            dt.date(2025, 9, 1),
            (dt.date(2024, 11, 1), dt.date(2025, 1, 1), dt.date(2025, 1, 1), dt.date(2025, 3, 1)),
        ),
    ],
)
def test_comparison_periods(started, ended, today, expected):
    assert initiative_queries.comparison_periods(started, ended, today) == expected
