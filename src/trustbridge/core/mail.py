"""E-mail as HTML plus plain text, rendered from ``<name>_subject.txt``, ``.txt`` and ``.html``."""

from __future__ import annotations

from collections.abc import Mapping
from email.mime.image import MIMEImage
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
    inline_images: Mapping[str, bytes] | None = None,
) -> None:
    """Render ``template`` in ``language`` (the recipient's) and send it as text + HTML.

    ``headers`` are extra message headers (e.g. ``List-Unsubscribe``). ``inline_images`` are
    PNG images by name, which the HTML shows as ``<img src="cid:NAME">``: they travel in the
    message (``multipart/related``), because mail clients block images fetched from the web.
    """
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip().replace("\n", " ")
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, headers=headers)
    message.attach_alternative(html, "text/html")
    if inline_images:
        message.mixed_subtype = "related"
        for name, png in inline_images.items():
            image = MIMEImage(png, "png")
            image.add_header("Content-ID", f"<{name}>")
            image.add_header("Content-Disposition", "inline", filename=f"{name}.png")
            message.attach(image)
    message.send()
