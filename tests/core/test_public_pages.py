"""Public pages of an organisation: reachable by anyone, in three languages, cacheable."""

from __future__ import annotations

import pytest

from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "language,greeting", [("en", "Areas we serve"), ("fr", 'lang="fr"'), ("es", 'lang="es"')]
)
def test_organization_home_answers_in_each_language(client, organization, language, greeting):
    client.cookies["django_language"] = language
    response = client.get(f"/o/{organization.slug}/")
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()


def test_unknown_organization_is_not_found(client):
    assert client.get("/o/no-such-org/").status_code == 404


def test_area_page_shows_its_map_and_name(client, organization):
    area = AreaFactory(organization=organization, name="Old Mill", slug="old-mill")
    response = client.get(f"/o/{organization.slug}/areas/{area.slug}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Old Mill</h1>" in body
    assert "<svg" in body


def test_area_of_another_organization_is_not_found(client, organization, other_organization):
    area = AreaFactory(organization=other_organization, slug="theirs")
    assert client.get(f"/o/{organization.slug}/areas/{area.slug}/").status_code == 404


def test_public_page_carries_etag_and_answers_304_when_unchanged(client, organization):
    first = client.get(f"/o/{organization.slug}/")
    assert first["Cache-Control"] == "public, max-age=60"
    again = client.get(f"/o/{organization.slug}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_pages_send_a_strict_content_security_policy(client, organization):
    policy = client.get(f"/o/{organization.slug}/")["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
