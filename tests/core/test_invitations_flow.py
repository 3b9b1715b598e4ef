"""Staff invitations end to end: an admin invites on the members page, the e-mail arrives,
the invitee signs up with that address, verifies it, opens the link and accepts.

Links that are expired, withdrawn, already used or opened by another account say so plainly
and change nothing; a tampered link looks exactly like an unknown one.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import UserFactory
from trustbridge.core import services
from trustbridge.core.models import Invitation, Membership, Role

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
LINK = re.compile(r"https?://[^/\s]+(/\S+)")


def only_link(text):
    paths = LINK.findall(text)
    assert len(paths) == 1, paths
    return paths[0]


@pytest.fixture
def invite(admin, organization, django_capture_on_commit_callbacks):
    """Invite ``email`` as ``role`` the way the service does; returns (invitation, link path)."""

    def make(email="new.officer@example.org", role=Role.OFFICER):
        with django_capture_on_commit_callbacks(execute=True):
            invitation, secret = services.invite(
                actor=admin, organization=organization, email=email, role=role
            )
        return invitation, f"/invitations/{secret}/"

    return make


def unchanged(invitation):
    """The invitation's state, to prove that a refused acceptance changed nothing."""
    return Invitation.objects.filter(pk=invitation.pk).values().get()


def test_admin_invites_by_the_members_page_and_the_invitee_joins_with_that_role(
    admin, organization, client_for, mailbox, django_capture_on_commit_callbacks
):
    members_page = f"/o/{organization.slug}/staff/members/"
    with django_capture_on_commit_callbacks(execute=True):
        sent = client_for(admin).post(
            members_page, {"email": "New.Officer@Example.org", "role": "supervisor"}
        )
    assert sent.status_code == 302
    assert sent["Location"] == members_page
    invitation = Invitation.objects.get()
    assert invitation.email == "new.officer@example.org"
    assert invitation.role == Role.SUPERVISOR

    [mail] = mailbox.to("new.officer@example.org")
    assert mail["Subject"] == "You are invited to join Riverside Police on Trustbridge"
    text, html = mailbox.text_of(mail), mailbox.html_of(mail)
    link = only_link(text)
    assert link.startswith("/invitations/")
    assert "as Supervisor" in text
    assert f'<a href="http://127.0.0.1:8000{link}">Accept the invitation</a>' in html

    invitee = Client()
    mailbox.clear()
    signed_up = invitee.post(
        "/accounts/signup/",
        {"email": "new.officer@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert signed_up.status_code == 302
    verify = only_link(mailbox.text_of(mailbox.to("new.officer@example.org")[0]))
    assert invitee.post(verify).status_code == 302

    page = invitee.get(link)
    assert page.status_code == 200
    assert "You are invited to join Riverside Police as Supervisor." in page.content.decode()
    accepted = invitee.post(link)

    assert accepted.status_code == 302
    assert accepted["Location"] == f"/o/{organization.slug}/staff/"
    membership = Membership.objects.get(user__email="new.officer@example.org")
    assert (membership.organization, membership.role) == (organization, Role.SUPERVISOR)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    staff_home = invitee.get(accepted["Location"])
    assert staff_home.status_code == 302
    assert staff_home["Location"].startswith("/accounts/2fa/totp/activate/")


def test_invitation_link_asks_a_visitor_to_sign_in_first(invite):
    _invitation, link = invite()

    response = Client().get(link)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={link}"


def invitee_client(client_for, email="new.officer@example.org"):
    return client_for(UserFactory(email=email))


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        ("expire", "This invitation has expired. Ask for a new one."),
        ("revoke", "This invitation has been withdrawn."),
        ("use", "This invitation has already been used."),
    ],
)
def test_spoiled_invitation_says_why_and_changes_nothing(invite, admin, client_for, spoil, message):
    invitation, link = invite()
    if spoil == "expire":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    elif spoil == "revoke":
        services.revoke_invitation(actor=admin, invitation=invitation)
    else:
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    before = unchanged(invitation)
    client = invitee_client(client_for)

    page = client.get(link)
    refused = client.post(link)

    for response in (page, refused):
        assert response.status_code == 400
        body = response.content.decode()
        assert message in body
        assert "Accept the invitation</button>" not in body
    assert unchanged(invitation) == before
    assert not Membership.objects.filter(user__email="new.officer@example.org").exists()


def test_invitation_opened_by_another_account_is_refused_and_changes_nothing(invite, client_for):
    invitation, link = invite()
    before = unchanged(invitation)
    client = invitee_client(client_for, "someone.else@example.org")

    page = client.get(link)
    refused = client.post(link)

    message = "This invitation was sent to another e-mail address. Sign in with that address."
    for response in (page, refused):
        assert response.status_code == 400
        assert message in response.content.decode()
    assert unchanged(invitation) == before
    assert list(Membership.objects.values_list("user__email", flat=True)) == [
        "admin@riverside.example"
    ]


def test_a_used_invitation_cannot_be_used_twice(invite, client_for, organization):
    _invitation, link = invite(role=Role.OFFICER)
    client = invitee_client(client_for)
    assert client.post(link).status_code == 302
    membership = Membership.objects.get(user__email="new.officer@example.org")
    services.change_role(
        actor=Membership.objects.get(role=Role.ADMIN).user, membership=membership, role="moderator"
    )

    again = client.post(link)

    assert again.status_code == 400
    assert "This invitation has already been used." in again.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.MODERATOR


def test_tampered_link_gives_the_same_not_valid_page_as_an_unknown_one(invite, client_for):
    invitation, link = invite()
    secret = link.split("/")[2]
    tampered_secret = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    before = unchanged(invitation)
    client = invitee_client(client_for)

    tampered = client.get(f"/invitations/{tampered_secret}/")
    unknown = client.get("/invitations/no-such-invitation/")
    tampered_post = client.post(f"/invitations/{tampered_secret}/")

    assert tampered.status_code == unknown.status_code == tampered_post.status_code == 404
    assert "This invitation link is not valid." in tampered.content.decode()
    assert tampered.content.decode().replace(tampered_secret, "SECRET") == (
        unknown.content.decode().replace("no-such-invitation", "SECRET")
    )
    assert unchanged(invitation) == before
    assert not Membership.objects.filter(user__email="new.officer@example.org").exists()


def test_inviting_an_existing_member_is_refused_on_the_page(
    admin, organization, client_for, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            f"/o/{organization.slug}/staff/members/",
            {"email": "ADMIN@riverside.example", "role": "officer"},
        )

    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["This person is already a member."]}
    assert not Invitation.objects.exists()
    assert mailbox.messages == []


def test_inviting_with_an_unknown_role_is_refused_on_the_page(
    admin, organization, client_for, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            f"/o/{organization.slug}/staff/members/",
            {"email": "new.officer@example.org", "role": "sheriff"},
        )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["role"]
    assert not Invitation.objects.exists()
    assert mailbox.messages == []
