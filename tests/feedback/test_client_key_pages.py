"""The staff page of Open311 application keys: administrators issue a key, see its secret
once, and revoke it; nobody else may."""

from __future__ import annotations

import pytest

from trustbridge.feedback import client_keys
from trustbridge.feedback.models import ClientKey

pytestmark = pytest.mark.django_db


def keys_url(organization):
    return f"/o/{organization.slug}/staff/feedback/settings/keys/"


def test_an_administrator_issues_a_key_and_sees_its_secret_once(organization, admin, client_for):
    client = client_for(admin)

    issued = client.post(keys_url(organization), {"name": "City 311 app"})

    key = ClientKey.objects.get(organization=organization)
    body = issued.content.decode()
    assert issued.status_code == 200
    assert issued["Cache-Control"] == "no-store"
    secret = body.split("<code>")[1].split("</code>")[0]
    assert client_keys.find_key(organization, secret) == key
    again = client.get(keys_url(organization)).content.decode()
    assert secret not in again
    assert "City 311 app" in again and key.prefix in again


def test_a_key_without_a_name_is_refused_with_the_fields_error(organization, admin, client_for):
    answer = client_for(admin).post(keys_url(organization), {"name": " "})

    assert answer.status_code == 200
    assert "This field is required." in answer.content.decode()
    assert not ClientKey.objects.exists()


def test_a_revoked_key_stops_working(organization, admin, client_for):
    key, secret = client_keys.issue_key(admin, organization, "Old app")

    answer = client_for(admin).post(f"{keys_url(organization)}{key.pk}/revoke/")

    assert answer.status_code == 302
    assert client_keys.find_key(organization, secret) is None
    assert "Revoked on" in client_for(admin).get(keys_url(organization)).content.decode()


@pytest.mark.parametrize("role", ["supervisor", "officer", "moderator"])
def test_only_administrators_manage_keys(organization, member, client_for, role):
    client = client_for(member(role))

    assert client.get(keys_url(organization)).status_code == 403
    assert client.post(keys_url(organization), {"name": "Sneaky"}).status_code == 403
    assert not ClientKey.objects.exists()


def test_the_settings_page_links_to_keys_for_administrators_only(
    organization, admin, member, client_for
):
    settings_url = f"/o/{organization.slug}/staff/feedback/settings/"
    assert keys_url(organization) in client_for(admin).get(settings_url).content.decode()
    supervisor = client_for(member("supervisor")).get(settings_url).content.decode()
    assert keys_url(organization) not in supervisor
