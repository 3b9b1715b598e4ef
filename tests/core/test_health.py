"""``/healthz`` says the process is up; ``/readyz`` that the database answers and is migrated."""

from __future__ import annotations

import json

import pytest

from tests.processes import run_python

pytestmark = pytest.mark.django_db

READYZ = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/readyz")
print(json.dumps({"status": response.status_code, "body": response.json(),
                  "cache": response["Cache-Control"]}))
"""


def readyz_in_a_fresh_process(tmp_path, database_url):
    result = run_python(
        ["-c", READYZ], tmp_path, ALLOWED_HOSTS="testserver", DATABASE_URL=database_url
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_healthz_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_answers_ok_when_every_migration_is_applied(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_answers_503_while_migrations_are_pending(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    empty.touch()

    seen = readyz_in_a_fresh_process(tmp_path, f"sqlite:///{empty}")

    assert seen["status"] == 503
    assert seen["body"]["status"] == "unavailable"
    assert seen["body"]["database"] == "ok"
    assert seen["body"]["pending_migrations"] > 0
    assert "no-store" in seen["cache"]


def test_readyz_answers_503_when_the_database_is_unreachable(tmp_path):
    seen = readyz_in_a_fresh_process(
        tmp_path, "postgres://nobody@127.0.0.1:9/trustbridge?connect_timeout=2"
    )

    assert seen["status"] == 503
    assert seen["body"] == {"status": "unavailable", "database": "unreachable"}
