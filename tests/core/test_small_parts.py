"""Small parts with exact contracts: brand colour contrast, formula-safe CSV cells and the
cleaning of uploaded images."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from trustbridge.core import colours
from trustbridge.core.errors import ErrorCode, ServiceError
from trustbridge.core.images import clean_image
from trustbridge.core.safe_csv import safe_cell, safe_row

# Colours -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first,second,ratio",
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#777777", "#ffffff", 4.48)],
)
def test_contrast_ratio_follows_wcag(first, second, ratio):
    assert colours.contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)
    assert colours.contrast_ratio(second, first) == pytest.approx(ratio, abs=0.01)


@pytest.mark.parametrize(
    "background,text",
    [
        ("#1d4e89", "#ffffff"),
        ("#ffff00", "#000000"),
        ("#000000", "#ffffff"),
        ("#FFFFFF", "#000000"),
    ],
)
def test_the_text_colour_is_the_more_readable_of_black_and_white(background, text):
    assert colours.best_text_colour(background) == text


@given(st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True))
def test_any_brand_colour_gets_a_text_colour_that_meets_aa(background):
    text = colours.best_text_colour(background)
    assert colours.contrast_ratio(background, text) >= colours.AA_NORMAL_TEXT


# Formula-safe CSV ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,cell",
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        ("\uff1d1", "'\uff1d1"),  # a full-width equals sign
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-3, "-3"),
        (2.5, "2.5"),
        (True, "True"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_neutralised(value, cell):
    assert safe_cell(value) == cell


def test_a_row_is_made_safe_cell_by_cell():
    assert safe_row(["=1", 2, None, "ok"]) == ["'=1", "2", "", "ok"]


@given(st.text())
def test_no_text_cell_ever_starts_a_formula(text):
    assert not safe_cell(text).startswith(("=", "+", "-", "@", "\t", "\r", "\n"))


# Images ------------------------------------------------------------------------------------


def image_bytes(format, size=(40, 20), mode="RGB", **save):
    buffer = io.BytesIO()
    Image.new(mode, size, "red" if mode != "P" else 1).save(buffer, format=format, **save)
    return buffer.getvalue()


def reopened(cleaned):
    return Image.open(io.BytesIO(cleaned.read()))


@pytest.mark.parametrize("format,extension", [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_supported_images_are_reencoded_in_their_own_format(format, extension):
    upload = SimpleUploadedFile("picture.bin", image_bytes(format))
    cleaned = clean_image(upload, "logo")
    assert cleaned.name == f"picture.{extension}"
    with reopened(cleaned) as image:
        assert (image.format, image.size) == (format, (40, 20))


def test_exif_and_gps_are_removed():
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif.get_ifd(0x8825)[2] = (43.0, 39.0, 12.0)
    upload = SimpleUploadedFile("photo.jpg", image_bytes("JPEG", exif=exif))
    with Image.open(io.BytesIO(upload.read())) as original:
        assert dict(original.getexif()) != {}
    upload.seek(0)
    with reopened(clean_image(upload, "logo")) as image:
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info


def test_the_orientation_tag_is_applied_before_it_is_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    upload = SimpleUploadedFile("photo.jpg", image_bytes("JPEG", size=(40, 20), exif=exif))
    with reopened(clean_image(upload, "logo")) as image:
        assert image.size == (20, 40)


def test_large_images_are_shrunk_to_the_longest_side():
    upload = SimpleUploadedFile("big.png", image_bytes("PNG", size=(2000, 500)))
    with reopened(clean_image(upload, "logo", max_side=512)) as image:
        assert image.size == (512, 128)


def test_a_palette_image_keeps_its_palette():
    upload = SimpleUploadedFile("pal.png", image_bytes("PNG", mode="P"))
    with reopened(clean_image(upload, "logo")) as image:
        assert image.mode == "P"
        assert image.convert("RGB").getpixel((0, 0)) == Image.open(
            io.BytesIO(image_bytes("PNG", mode="P"))
        ).convert("RGB").getpixel((0, 0))


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("logo.png", b"just some text\n", "This file is not an image we can read."),
        ("logo.jpg", b"", "This file is not an image we can read."),
        ("logo.gif", image_bytes("GIF"), "Upload a JPEG, PNG or WebP image."),
        ("logo.png", image_bytes("BMP"), "Upload a JPEG, PNG or WebP image."),
    ],
)
def test_anything_but_a_jpeg_png_or_webp_image_is_refused(name, content, message):
    with pytest.raises(ServiceError) as refused:
        clean_image(SimpleUploadedFile(name, content), "logo")
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        ErrorCode.INVALID,
        "logo",
        message,
    )


def test_an_upload_over_10_mb_is_refused_before_it_is_read():
    upload = SimpleUploadedFile("huge.png", b"\0" * (10 * 1024 * 1024 + 1))
    with pytest.raises(ServiceError) as refused:
        clean_image(upload, "photo")
    assert (refused.value.field, refused.value.message) == (
        "photo",
        "The image is larger than 10 MB.",
    )
