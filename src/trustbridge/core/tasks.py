"""Background work of the core app: e-mails that must not slow a request."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from trustbridge.core.mail import send_templated_mail
from trustbridge.core.models import Invitation


@task()
def send_invitation_email(*, invitation_id: int, secret: str) -> None:
    invitation = Invitation.objects.select_related("organization").get(pk=invitation_id)
    link = settings.TRUSTBRIDGE_BASE_URL + reverse("core:invitation", args=[secret])
    send_templated_mail(
        "core/email/invitation",
        [invitation.email],
        {"invitation": invitation, "organization": invitation.organization, "link": link},
        language=(invitation.organization.languages or [None])[0],
    )
