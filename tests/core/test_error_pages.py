"""Errors outside any view: translated pages for people, the JSON format for the API."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_unknown_api_path_answers_404_in_the_api_error_format(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "errors": []}


def test_wrong_api_method_answers_405_in_the_api_error_format_with_allow(client):
    response = client.put("/api/v1/organizations")
    assert response.status_code == 405
    assert response.json() == {"detail": "This method is not allowed here.", "errors": []}
    assert response["Allow"] == "GET"


def test_unknown_page_is_a_translated_page_in_the_site_layout(client):
    client.cookies["django_language"] = "fr"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert '<html lang="fr">' in body
    assert 'class="skip-link"' in body
