"""Uploaded images: checked to be real images, resized, and stripped of all metadata."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from trustbridge.core.errors import ErrorCode, ServiceError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def clean_image(upload: UploadedFile, field: str, max_side: int = 1600) -> ContentFile[bytes]:
    """Re-encode ``upload`` from its pixels alone, so EXIF, GPS and any hidden payload go.

    Refuses anything that is not a JPEG, PNG or WebP image, whatever its name says.
    """
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ServiceError(ErrorCode.INVALID, _("The image is larger than 10 MB."), field)
    try:
        with Image.open(upload) as original:
            kind = original.format or ""
            if kind not in ALLOWED_FORMATS:
                raise ServiceError(ErrorCode.INVALID, _("Upload a JPEG, PNG or WebP image."), field)
            image = ImageOps.exif_transpose(original)
            image.thumbnail((max_side, max_side))
            if kind == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            pixels = Image.new(image.mode, image.size)
            pixels.putdata(list(image.getdata()))
            if image.mode == "P" and image.getpalette():
                pixels.putpalette(image.getpalette() or [])
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ServiceError(
            ErrorCode.INVALID, _("This file is not an image we can read."), field
        ) from exc
    buffer = io.BytesIO()
    pixels.save(buffer, format=kind)
    name = f"{(upload.name or 'image').rsplit('.', 1)[0][:40]}.{ALLOWED_FORMATS[kind]}"
    return ContentFile(buffer.getvalue(), name=name)
