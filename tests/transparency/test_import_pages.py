"""Incident imports from the staff pages (upload, progress, problems) and the token API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import make_member
from tests.transparency.test_importer import CHICAGO, make_chicago
from trustbridge.accounts.services import create_api_token
from trustbridge.transparency.models import ImportProblem, ImportRun, ImportStatus, Incident

ROWS = 40


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def chicago(db):
    return make_chicago()


@pytest.fixture
def chicago_head():
    """The header and the first ROWS rows of the real Chicago file, and a refused row."""
    lines = CHICAGO.read_bytes().splitlines(keepends=True)
    bad = lines[1].replace(b",08B,", b",99Z,").replace(b"13364090", b"99999999")
    return b"".join([*lines[: ROWS + 1], bad])


@pytest.fixture
def staff(chicago):
    return {role: make_member(chicago, role) for role in ("admin", "supervisor", "officer")}


def upload(client, org, data, mapping="chicago"):
    return client.post(
        reverse("transparency:imports", kwargs={"org_slug": org.slug}),
        {
            "file": SimpleUploadedFile("crimes.csv", data, content_type="text/csv"),
            "mapping": mapping,
        },
    )


def stored_files(tmp_path):
    return sorted(p.name for p in (tmp_path / "imports").rglob("*") if p.is_file())


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_staff_upload_runs_the_import_in_the_background_and_shows_its_result(
    chicago, staff, chicago_head, client_for, django_capture_on_commit_callbacks, tmp_path, role
):
    client = client_for(staff[role])

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, chicago, chicago_head)

    run = ImportRun.objects.get(organization=chicago)
    page = reverse("transparency:import", kwargs={"org_slug": chicago.slug, "import_id": run.pk})
    assert (response.status_code, response["Location"]) == (302, page)
    assert (run.status, run.created, run.rejected, run.started_by) == (
        ImportStatus.SUCCEEDED,
        ROWS,
        1,
        staff[role],
    )
    assert Incident.objects.filter(organization=chicago).count() == ROWS
    assert stored_files(tmp_path) == []  # the upload is deleted once imported

    shown = client.get(page)
    html = shown.content.decode()
    assert shown.status_code == 200
    assert f'<progress id="import-bar" max="{run.total_bytes}" value="{run.total_bytes}">' in html
    assert f"{ROWS + 1} rows read: {ROWS} created, 0 updated, 0 unchanged, 1 refused." in html
    assert "hx-get" not in html  # finished: nothing to poll
    assert re.search(
        rf"<td>{ROWS + 2}</td><td>offence_code</td><td>Unknown offence code “99Z” \(ucr_summary\).</td>",
        html,
    )


def test_a_queued_import_is_stored_outside_served_files_and_its_page_polls_for_progress(
    chicago, staff, chicago_head, client_for, tmp_path
):
    client = client_for(staff["supervisor"])

    response = upload(client, chicago, chicago_head)  # the task waits for the commit

    run = ImportRun.objects.get(organization=chicago)
    assert response.status_code == 302
    assert run.status == ImportStatus.PENDING
    assert Path(run.stored_file).parent == tmp_path / "imports" / str(chicago.pk)
    assert Path(run.stored_file).read_bytes() == chicago_head
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.RUNNING, bytes_read=run.total_bytes // 2
    )
    kwargs = {"org_slug": chicago.slug, "import_id": run.pk}

    html = client.get(reverse("transparency:import", kwargs=kwargs)).content.decode()
    partial = client.get(reverse("transparency:import_progress", kwargs=kwargs))

    progress_url = reverse("transparency:import_progress", kwargs=kwargs)
    assert f'hx-get="{progress_url}" hx-trigger="every 2s"' in html
    assert (
        f'<progress id="import-bar" max="{run.total_bytes}" value="{run.total_bytes // 2}">' in html
    )
    assert f'href="{reverse("transparency:import", kwargs=kwargs)}">Refresh</a>' in html
    assert partial.status_code == 200
    assert partial.content.decode().startswith('<section id="import-progress"')
    assert "<html" not in partial.content.decode()


def test_officers_may_not_import_and_nothing_is_stored(
    chicago, staff, chicago_head, client_for, tmp_path
):
    client = client_for(staff["officer"])

    page = client.get(reverse("transparency:imports", kwargs={"org_slug": chicago.slug}))
    posted = upload(client, chicago, chicago_head)

    assert (page.status_code, posted.status_code) == (403, 403)
    assert ImportRun.objects.count() == 0
    assert not (tmp_path / "imports").exists()


def test_the_import_list_shows_recent_runs_of_this_organisation_only(
    chicago, staff, client_for, other_organization
):
    ImportRun.objects.create(organization=chicago, source_name="ours.csv", created=7)
    ImportRun.objects.create(organization=other_organization, source_name="theirs.csv")

    html = (
        client_for(staff["admin"])
        .get(reverse("transparency:imports", kwargs={"org_slug": chicago.slug}))
        .content.decode()
    )

    assert "ours.csv" in html
    assert "theirs.csv" not in html


def test_an_unknown_mapping_is_refused_on_the_form(chicago, staff, chicago_head, client_for):
    response = upload(client_for(staff["admin"]), chicago, chicago_head, mapping="../../etc/x")

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert ImportRun.objects.count() == 0


# API ----------------------------------------------------------------------------------------


def token_for(user, org, scope):
    return create_api_token(actor=user, organization=org, name="integration", scope=scope)[1]


def test_a_write_token_imports_a_file_and_follows_its_run(
    chicago, staff, chicago_head, client, django_capture_on_commit_callbacks
):
    secret = token_for(staff["supervisor"], chicago, "write")
    headers = {"Authorization": f"Bearer {secret}"}

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            f"/api/v1/organizations/{chicago.slug}/incident-imports",
            {"file": SimpleUploadedFile("crimes.csv", chicago_head), "mapping": "chicago"},
            headers=headers,
        )
    run = ImportRun.objects.get(organization=chicago)
    followed = client.get(
        f"/api/v1/organizations/{chicago.slug}/incident-imports/{run.pk}", headers=headers
    )

    assert created.status_code == 202
    assert created.json()["id"] == run.pk
    assert created.json()["status"] == "pending"
    assert followed.status_code == 200
    body = followed.json()
    assert {k: body[k] for k in ("status", "encoding", "rows_read", "created", "rejected")} == {
        "status": "succeeded",
        "encoding": "utf-8-sig",
        "rows_read": ROWS + 1,
        "created": ROWS,
        "rejected": 1,
    }
    assert body["problems"] == [
        {
            "line": ROWS + 2,
            "field": "offence_code",
            "reason": "Unknown offence code “99Z” (ucr_summary).",
        }
    ]


def test_a_read_token_may_not_import(chicago, staff, chicago_head, client):
    secret = token_for(staff["admin"], chicago, "read")

    response = client.post(
        f"/api/v1/organizations/{chicago.slug}/incident-imports",
        {"file": SimpleUploadedFile("crimes.csv", chicago_head), "mapping": "chicago"},
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "This token may only read.", "errors": []}
    assert ImportRun.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"mapping": "chicago"}, "file", "Attach the incident file as “file”."),
        ({"mapping": "nowhere"}, "mapping", None),
    ],
    ids=["no-file", "unknown-mapping"],
)
def test_an_api_import_without_a_file_or_with_an_unknown_mapping_is_refused(
    chicago, staff, chicago_head, client, data, field, message
):
    secret = token_for(staff["admin"], chicago, "write")
    if field == "mapping":
        data = {**data, "file": SimpleUploadedFile("crimes.csv", chicago_head)}

    response = client.post(
        f"/api/v1/organizations/{chicago.slug}/incident-imports",
        data,
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    if message:
        assert errors[0]["message"] == message
    else:
        assert errors[0]["message"].startswith("Unknown mapping “nowhere”. Choose one of: ")
    assert ImportRun.objects.count() == 0
    assert ImportProblem.objects.count() == 0
