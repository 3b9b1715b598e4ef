"""Personal API tokens on /account/tokens/: shown once, stored hashed, scoped, revocable."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.conftest import make_member
from trustbridge.accounts.models import ApiToken
from trustbridge.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

SECRET = re.compile(r'<code class="token-secret">(tb_[\w-]+)</code>')


def create(client, organization, name="Dispatch feed", scope="read"):
    return client.post(
        "/account/tokens/", {"name": name, "organization": organization.pk, "scope": scope}
    )


def test_new_token_secret_is_shown_once_and_stored_only_as_its_digest(
    member, organization, client_for
):
    officer = member("officer")
    client = client_for(officer)

    response = create(client, organization)

    assert response.status_code == 200
    [secret] = SECRET.findall(response.content.decode())
    token = ApiToken.objects.get(user=officer)
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:10]
    assert token.name == "Dispatch feed"
    assert token.scope == "read"
    assert token.organization == organization
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert not any(secret in value for value in stored)
    again = client.get("/account/tokens/").content.decode()
    assert secret not in again
    assert SECRET.findall(again) == []
    assert f"{token.prefix}…" in again
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.CREATE, target_type="accounts.apitoken", target_id=str(token.pk)
        ).count()
        == 1
    )


@pytest.mark.parametrize(("scope", "allows_write"), [("read", False), ("write", True)])
def test_token_carries_the_chosen_scope_to_the_api(
    member, organization, client_for, scope, allows_write
):
    client = client_for(member("admin"))
    [secret] = SECRET.findall(create(client, organization, scope=scope).content.decode())

    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert me.status_code == 200
    assert me.json() == {
        "email": "admin@riverside.example",
        "organization": "riverside",
        "role": "admin",
        "scope": scope,
    }
    assert ApiToken.objects.get().allows_write is allows_write


def test_token_form_refuses_an_unknown_scope_and_creates_nothing(member, organization, client_for):
    response = create(client_for(member("officer")), organization, scope="admin")

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["scope"]
    assert not ApiToken.objects.exists()


def test_revoked_token_no_longer_opens_the_api(member, organization, client_for):
    client = client_for(member("officer"))
    [secret] = SECRET.findall(create(client, organization).content.decode())
    token = ApiToken.objects.get()

    response = client.post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == "/account/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert "revoked" in client.get("/account/tokens/").content.decode()


def test_nobody_can_revoke_another_persons_token(member, organization, client_for):
    owner = member("officer")
    [secret] = SECRET.findall(create(client_for(owner), organization).content.decode())
    token = ApiToken.objects.get()
    colleague = member("admin")

    response = client_for(colleague).post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert (
        client_for(owner).get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").json()["scope"]
        == "read"
    )


def test_member_without_two_factor_is_sent_to_enrol_before_seeing_tokens(
    member, organization, client_for
):
    officer = member("officer", mfa=False)
    client = client_for(officer)

    page = client.get("/account/tokens/")
    post = create(client, organization)

    assert page.status_code == post.status_code == 302
    assert page["Location"] == post["Location"] == "/accounts/2fa/totp/activate/"
    assert not ApiToken.objects.exists()


def test_resident_is_offered_no_token_and_a_forged_organisation_is_refused(
    resident, organization, client_for
):
    client = client_for(resident)

    page = client.get("/account/tokens/")
    forged = create(client, organization, scope="write")

    assert page.status_code == 200
    assert page.context["can_create"] is False
    assert 'name="organization"' not in page.content.decode()
    assert forged.status_code == 200
    assert list(forged.context["form"].errors) == ["organization"]
    assert not ApiToken.objects.exists()


def test_staff_cannot_create_a_token_for_another_organisation(
    member, organization, other_organization, client_for
):
    make_member(other_organization, "admin")
    client = client_for(member("admin"))

    forged = create(client, other_organization, scope="write")

    assert forged.status_code == 200
    assert list(forged.context["form"].errors) == ["organization"]
    assert not ApiToken.objects.exists()


def test_partner_is_offered_no_token(member, organization, client_for):
    client = client_for(member("partner"))

    forged = create(client, organization)

    assert forged.status_code == 200
    assert forged.context["can_create"] is False
    assert list(forged.context["form"].errors) == ["organization"]
    assert not ApiToken.objects.exists()


def test_tokens_page_needs_a_signed_in_person(client):
    response = client.get("/account/tokens/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/account/tokens/"


def test_an_empty_token_form_is_answered_with_field_errors(member, client_for):
    response = client_for(member("officer")).post("/account/tokens/", {})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": ["This field is required."],
        "organization": ["This field is required."],
        "scope": ["This field is required."],
    }
    assert not ApiToken.objects.exists()
