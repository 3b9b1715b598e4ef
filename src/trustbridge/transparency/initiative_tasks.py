"""Background e-mail of initiatives: follow confirmations and progress updates."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from trustbridge.core.mail import send_templated_mail
from trustbridge.transparency.initiatives import unsubscribe_token
from trustbridge.transparency.models import Follower, Initiative, InitiativeUpdate


def _absolute(path: str) -> str:
    return str(settings.TRUSTBRIDGE_BASE_URL) + path


@task()
def send_follow_confirmation(
    *, initiative_id: int, email: str, token: str, language: str | None = None
) -> None:
    initiative = Initiative.objects.select_related("organization").get(pk=initiative_id)
    organization = initiative.organization
    link = _absolute(
        reverse(
            "transparency:follow_confirm", kwargs={"org_slug": organization.slug, "token": token}
        )
    )
    send_templated_mail(
        "transparency/email/follow_confirm",
        [email],
        {"initiative": initiative, "organization": organization, "link": link},
        language=language or (organization.languages or [None])[0],
    )


@task()
def send_update_to_followers(*, update_id: int) -> None:
    """E-mail a progress update to every confirmed follower, each with their own unsubscribe link.

    Nothing is sent if the initiative was withdrawn from publication meanwhile.
    """
    update = InitiativeUpdate.objects.select_related("initiative__organization").get(pk=update_id)
    initiative = update.initiative
    if not initiative.published:
        return
    organization = initiative.organization
    page = _absolute(
        reverse(
            "transparency:initiative",
            kwargs={"org_slug": organization.slug, "initiative_slug": initiative.slug},
        )
    )
    followers = Follower.objects.filter(initiative=initiative, confirmed_at__isnull=False)
    for follower in followers.order_by("pk").iterator(chunk_size=500):
        unsubscribe = _absolute(
            reverse(
                "transparency:unfollow",
                kwargs={"org_slug": organization.slug, "token": unsubscribe_token(follower)},
            )
        )
        send_templated_mail(
            "transparency/email/initiative_update",
            [follower.email],
            {
                "initiative": initiative,
                "organization": organization,
                "update": update,
                "page": page,
                "unsubscribe": unsubscribe,
            },
            language=(organization.languages or [None])[0],
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
