"""What the resident-side tests share (H1): areas, a valid submission, photos, a sender.

Plain helpers rather than fixtures, so that each test file says what it builds.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import AreaFactory, square
from trustbridge.core.models import Area, Organization
from trustbridge.feedback import intake
from trustbridge.feedback.intake import Submission

SENDER = "addr:198.51.100.7 device:abcdefghijklmnopqrstuv"
HARBOUR_POINT = {"latitude": 43.605, "longitude": -79.395}
OLD_MILL_POINT = {"latitude": 43.605, "longitude": -79.375}
OUTSIDE_POINT = {"latitude": 43.75, "longitude": -79.10}


def two_areas(organization: Organization) -> tuple[Area, Area]:
    """Two neighbouring squares: Harbour (west) and Old Mill (east)."""
    harbour = AreaFactory(
        organization=organization, slug="harbour", name="Harbour", geometry=square(-79.40, 43.60)
    )
    old_mill = AreaFactory(
        organization=organization, slug="old-mill", name="Old Mill", geometry=square(-79.38, 43.60)
    )
    return harbour, old_mill


def concern(**changes: Any) -> Submission:
    """A valid concern about safety; ``changes`` replace any field."""
    values: dict[str, Any] = {
        "kind": "concern",
        "category": "safety",
        "description": "The street light at the bus stop has been out for a week.",
    }
    return Submission(**{**values, **changes})


def submit(organization: Organization, *, actor: Any = None, sender: str = SENDER, **changes: Any):
    return intake.submit_item(
        actor=actor, organization=organization, submission=concern(**changes), sender=sender
    )


def jpeg_with_gps(name: str = "john-smith-at-home.jpg") -> SimpleUploadedFile:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (43.0, 39.0, 1.5), 3: "W", 4: (79.0, 23.0, 2.5)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    assert b"SpyCam" in data
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 10)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def executable_named_jpg() -> SimpleUploadedFile:
    """A Windows program's first bytes, named and typed as a photo."""
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 512
    return SimpleUploadedFile("holiday.jpg", program, content_type="image/jpeg")
