"""Background e-mail to residents about their item: a public reply, or a change of status.

Sent in the item's language to the address the resident left, even when they asked to stay
anonymous (the system writes to them; staff never see the address). The private link's
secret is stored nowhere, so the mail carries a signed link instead
(``resident_queries.signed_tracking_path``), valid for a month, and the tracking code.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from trustbridge.core.mail import send_templated_mail
from trustbridge.feedback.models import CloseReason, Event, EventKind, Status
from trustbridge.feedback.resident_queries import SIGNED_LINK_DAYS, signed_tracking_path


def _absolute(path: str) -> str:
    return str(settings.TRUSTBRIDGE_BASE_URL) + path


def _language(code: str) -> str:
    known = {language for language, _name in settings.LANGUAGES}
    return code if code in known else settings.LANGUAGE_CODE


@task()
def send_update(*, event_id: int) -> None:
    """E-mail the resident one public event of their item (a reply or a new status).

    Nothing is sent if the event is not public or the address was removed meanwhile.
    """
    event = (
        Event.objects.select_related("item__organization", "item__category")
        .filter(pk=event_id, public=True, kind__in=[EventKind.REPLY, EventKind.STATUS])
        .first()
    )
    if event is None or not event.item.contact_email:
        return
    item = event.item
    organization = item.organization
    context = {
        "organization": organization,
        "item": item,
        "event": event,
        "reference": item.reference,
        "is_reply": event.kind == EventKind.REPLY,
        "status": Status(item.status).label,
        "event_status": Status(event.status).label if event.status else "",
        # Lazy labels: they are translated when the mail is rendered, in the item's language.
        "close_reason": CloseReason(item.close_reason).label if item.close_reason else "",
        "organization_page": _absolute(reverse("core:organization", args=[organization.slug])),
        "tracking_link": _absolute(signed_tracking_path(item)),
        "link_days": SIGNED_LINK_DAYS,
    }
    send_templated_mail(
        "feedback/email/update", [item.contact_email], context, language=_language(item.language)
    )
