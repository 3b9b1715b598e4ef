"""Background work: tasks wait in the database queue until ``trustbridge worker`` runs them."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from tests.processes import ROOT, run_python
from trustbridge.core import services
from trustbridge.core.models import Role

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_trustbridge_worker_command_exists(tmp_path):
    result = run_python([str(ROOT / "manage.py"), "help", "worker"], tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: trustbridge worker")
    assert "Run Trustbridge's background tasks" in result.stdout
    assert "--batch" in result.stdout


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_QUEUE)
def test_invitation_email_waits_in_the_queue_until_the_worker_sends_it(member, mailbox):
    admin = member("admin")

    invitation, secret = services.invite(
        actor=admin,
        organization=admin.memberships.get().organization,
        email="queued@example.org",
        role=Role.OFFICER,
    )

    [queued] = DBTaskResult.objects.all()
    assert queued.status == "READY"
    assert queued.task_path == "trustbridge.core.tasks.send_invitation_email"
    assert mailbox.to("queued@example.org") == []

    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)

    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    [mail] = mailbox.to("queued@example.org")
    assert mail["Subject"] == "You are invited to join Riverside Police on Trustbridge"
    assert f"/invitations/{secret}/" in mailbox.text_of(mail)
    assert f"/invitations/{secret}/" in mailbox.html_of(mail)
    assert invitation.pk == queued.args_kwargs["kwargs"]["invitation_id"]
