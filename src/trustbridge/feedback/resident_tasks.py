"""Background e-mail to residents: the receipt with their private link, and the survey.

Both e-mails carry a secret that is stored nowhere but in the resident's mailbox. The task
queue keeps a task's arguments in the database (even after it ran), so the secret travels
sealed (encrypted with a key derived from the site's secret) and is opened only to write
the e-mail.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet
from django.conf import settings
from django_tasks import task

from trustbridge.core.mail import send_templated_mail
from trustbridge.feedback.defaults import category_label
from trustbridge.feedback.models import Item, Survey
from trustbridge.feedback.resident_queries import survey_path, tracking_path

SEAL_CONTEXT = b"trustbridge.feedback.mail-secret:"


def _fernet() -> Fernet:
    material = (settings.TRUSTBRIDGE_SECRETS_KEY or settings.SECRET_KEY).encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(SEAL_CONTEXT + material).digest()))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    return _fernet().decrypt(sealed.encode()).decode()


def _absolute(path: str) -> str:
    return str(settings.TRUSTBRIDGE_BASE_URL) + path


@task()
def send_receipt(*, item_id: int, sealed_secret: str) -> None:
    """Tell the resident we have their item: its tracking code and private link."""
    item = Item.objects.select_related("organization", "category").get(pk=item_id)
    if not item.contact_email:
        return
    send_templated_mail(
        "feedback/email/receipt",
        [item.contact_email],
        {
            "item": item,
            "organization": item.organization,
            "category": category_label(item.category),
            "link": _absolute(tracking_path(item, unseal(sealed_secret))),
        },
        language=item.language,
    )


@task()
def send_survey_invitation(*, survey_id: int, sealed_secret: str) -> None:
    """Ask the resident the three questions about how their item was handled."""
    survey = Survey.objects.select_related("organization", "item").get(pk=survey_id)
    item = survey.item
    if not item.contact_email or survey.answered_at is not None:
        return
    send_templated_mail(
        "feedback/email/survey",
        [item.contact_email],
        {
            "item": item,
            "organization": survey.organization,
            "link": _absolute(survey_path(survey, unseal(sealed_secret))),
        },
        language=item.language,
    )
