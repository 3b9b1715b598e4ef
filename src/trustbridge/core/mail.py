"""E-mail as HTML plus plain text, rendered from ``<name>_subject.txt``, ``.txt`` and ``.html``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_templated_mail(
    template: str,
    to: list[str],
    context: dict[str, Any],
    language: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Render ``template`` in ``language`` (the recipient's) and send it as text + HTML.

    ``headers`` are extra message headers (e.g. ``List-Unsubscribe``)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip().replace("\n", " ")
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, headers=headers)
    message.attach_alternative(html, "text/html")
    message.send()
