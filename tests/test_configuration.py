"""Twelve-factor settings: every deployment value from the environment, safe demo defaults,
and production settings that refuse to start without a secret and pass ``check --deploy``.

Each case runs the settings module in a fresh process with a clean environment, since the
settings are read once per process.
"""

from __future__ import annotations

import json
import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests.processes import ROOT, run_python
from trustbridge.accounts.models import User
from trustbridge.core.models import AuditEvent

PRODUCTION_SECRET = "x3Jq8-production-only-secret-key-with-plenty-of-entropy-Zk29fLw7Pq"

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "SECRET_KEY": settings.SECRET_KEY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "DB": {k: db.get(k) for k in ("ENGINE", "NAME", "HOST", "PORT", "USER", "PASSWORD")},
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_HOST": settings.EMAIL_HOST,
    "EMAIL_PORT": settings.EMAIL_PORT,
    "EMAIL_HOST_USER": settings.EMAIL_HOST_USER,
    "EMAIL_HOST_PASSWORD": settings.EMAIL_HOST_PASSWORD,
    "EMAIL_USE_TLS": settings.EMAIL_USE_TLS,
    "DEBUG": settings.DEBUG,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
}))
"""


def settings_seen(tmp_path, **variables):
    result = run_python(["-c", PRINT_SETTINGS], tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_python(
        ["-c", "import django; django.setup()"],
        tmp_path,
        TRUSTBRIDGE_ENV="production",
        ALLOWED_HOSTS="trust.example.org",
    )

    assert result.returncode == 1
    assert (
        "django.core.exceptions.ImproperlyConfigured: "
        "SECRET_KEY must be set when TRUSTBRIDGE_ENV=production."
    ) in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = run_python(
        [str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        TRUSTBRIDGE_ENV="production",
        SECRET_KEY=PRODUCTION_SECRET,
        ALLOWED_HOSTS="trust.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_settings_are_hardened(tmp_path):
    seen = settings_seen(
        tmp_path,
        TRUSTBRIDGE_ENV="production",
        SECRET_KEY=PRODUCTION_SECRET,
        ALLOWED_HOSTS="trust.example.org,www.trust.example.org",
    )

    assert seen["SECRET_KEY"] == PRODUCTION_SECRET
    assert seen["ALLOWED_HOSTS"] == ["trust.example.org", "www.trust.example.org"]
    assert seen["DEBUG"] is False
    assert seen["SESSION_COOKIE_SECURE"] is True


def test_demo_secret_is_generated_once_under_the_var_directory_and_reused(tmp_path):
    first = settings_seen(tmp_path)["SECRET_KEY"]
    second = settings_seen(tmp_path)["SECRET_KEY"]

    key_file = tmp_path / "var" / "secret_key"
    assert first == second == key_file.read_text().strip()
    assert len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert settings_seen(elsewhere)["SECRET_KEY"] != first


def test_a_given_secret_key_is_used_and_no_demo_secret_is_written(tmp_path):
    seen = settings_seen(tmp_path, SECRET_KEY=PRODUCTION_SECRET)

    assert seen["SECRET_KEY"] == PRODUCTION_SECRET
    assert not (tmp_path / "var" / "secret_key").exists()


def test_demo_defaults_are_sqlite_under_var_and_console_mail(tmp_path):
    seen = settings_seen(tmp_path)

    assert seen["DB"]["ENGINE"] == "django.db.backends.sqlite3"
    assert seen["DB"]["NAME"] == str(tmp_path / "var" / "trustbridge.sqlite3")
    assert seen["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert seen["DEBUG"] is False


def test_database_url_and_email_url_are_honoured(tmp_path):
    seen = settings_seen(
        tmp_path,
        DATABASE_URL="postgres://trust:s3cret@db.internal:6543/trustbridge_prod",
        EMAIL_URL="smtp+tls://mailer:p%40ss@smtp.example.org:2525",
    )

    assert seen["DB"] == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "trustbridge_prod",
        "HOST": "db.internal",
        "PORT": 6543,
        "USER": "trust",
        "PASSWORD": "s3cret",
    }
    assert seen["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert seen["EMAIL_HOST"] == "smtp.example.org"
    assert seen["EMAIL_PORT"] == 2525
    assert seen["EMAIL_HOST_USER"] == "mailer"
    assert seen["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert seen["EMAIL_USE_TLS"] is True


# Request size ------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(TRUSTBRIDGE_MAX_REQUEST_BYTES=4096)
def test_an_oversized_form_is_refused_with_413_and_nothing_is_written(resident, client_for):
    client = client_for(resident)
    events_before = AuditEvent.objects.count()

    response = client.post("/account/", {"display_name": "x" * 5000})

    assert response.status_code == 413
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "The request is too large."
    assert User.objects.get(pk=resident.pk).display_name == resident.display_name
    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db
def test_a_form_over_the_form_data_limit_is_refused_with_413(resident, client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    client = client_for(resident)

    response = client.post("/account/", {"display_name": "y" * 3000})

    assert response.status_code == 413
    assert response.content.decode() == "The request is too large."
    assert User.objects.get(pk=resident.pk).display_name == resident.display_name


@pytest.mark.django_db
def test_uploaded_files_do_not_count_against_the_form_data_limit(resident, client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    client = client_for(resident)
    attachment = SimpleUploadedFile("notes.txt", b"n" * 3000, content_type="text/plain")

    response = client.post("/account/", {"display_name": "Rosa", "attachment": attachment})

    assert response.status_code == 302
    assert User.objects.get(pk=resident.pk).display_name == "Rosa"


@pytest.mark.django_db
@override_settings(TRUSTBRIDGE_MAX_REQUEST_BYTES=4096)
def test_an_oversized_api_body_is_refused_with_413_in_the_api_error_format(client, organization):
    response = client.post(
        f"/api/v1/organizations/{organization.slug}/areas",
        data=json.dumps({"name": "z" * 5000}),
        content_type="application/json",
    )

    assert response.status_code == 413
    assert response.json() == {"detail": "The request is too large.", "errors": []}


@pytest.mark.django_db
@override_settings(TRUSTBRIDGE_MAX_REQUEST_BYTES=4096)
def test_the_413_answer_is_in_the_visitors_language(client):
    client.cookies["django_language"] = "fr"

    response = client.post("/accounts/login/", {"login": "x" * 5000, "password": "p"})

    assert response.status_code == 413
    assert response.content.decode() == "La requête est trop volumineuse."
