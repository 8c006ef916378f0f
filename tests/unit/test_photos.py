"""Cleaning a web form photo without AWS: the copy staff see carries the pixels only (no EXIF, no GPS),
a file that is not an image is refused, and the key rules the privacy erasure relies on."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from civicdesk.requests.photos import (
    PHOTO_SIDE,
    THUMBNAIL_SIDE,
    NotAnImage,
    clean,
    photo_key,
    thumbnail_key,
    with_thumbnails,
)

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps(size: tuple[int, int] = (640, 480), orientation: int = 1) -> bytes:
    """A phone photo as it arrives: EXIF with the camera, a GPS position in Bornova, an orientation."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue: shows the turn
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (38.0, 27.0, 36.0), 3: "E", 4: (27.0, 13.0, 12.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"Ayse's phone")
    return out.getvalue()


def test_the_copy_staff_see_has_no_exif_or_gps_and_is_turned_upright() -> None:
    # Given a phone photo with GPS, camera details, a comment, taken on its side (orientation 6)
    original = jpeg_with_gps(orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test's premise
    # When it is cleaned
    cleaned = clean(original)
    # Then the copy and the thumbnail are JPEGs with no EXIF (no GPS, no camera), no comment, no ICC
    for data in (cleaned.photo, cleaned.thumbnail):
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
        assert not image.getexif().get_ifd(GPS_IFD)
        assert b"PhoneMaker" not in data
        assert b"Ayse" not in data
        assert "exif" not in image.info
        assert "icc_profile" not in image.info
        assert "comment" not in image.info
    # And the copy is upright as the camera meant it (640x480 on its side -> 480x640)
    assert Image.open(io.BytesIO(cleaned.photo)).size == (480, 640)
    assert max(Image.open(io.BytesIO(cleaned.thumbnail)).size) == THUMBNAIL_SIDE


def test_a_large_photo_is_scaled_down_and_png_and_webp_are_accepted() -> None:
    # Given a large PNG and a WebP
    big = io.BytesIO()
    Image.new("RGBA", (4000, 3000), (0, 128, 0, 255)).save(big, "PNG")
    webp = io.BytesIO()
    Image.new("RGB", (300, 200), (0, 0, 0)).save(webp, "WEBP")
    # When they are cleaned
    # Then the PNG's copy is at most the staff side, the WebP's as it was
    assert max(Image.open(io.BytesIO(clean(big.getvalue()).photo)).size) == PHOTO_SIDE
    assert Image.open(io.BytesIO(clean(webp.getvalue()).photo)).size == (300, 200)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7 not a photo at all",
        b"<html><script>alert(1)</script></html>",
        jpeg_with_gps()[:200],  # a JPEG cut short
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",  # an image, but not a type the form accepts
    ],
    ids=["pdf", "html", "truncated-jpeg", "gif"],
)
def test_a_file_that_is_not_an_accepted_image_is_refused(data: bytes) -> None:
    # Given an upload that is not a JPEG, PNG, WebP or HEIC photo
    # When it is cleaned
    # Then it is refused
    with pytest.raises(NotAnImage):
        clean(data)


def test_only_our_upload_keys_name_photos_and_erasure_finds_the_thumbnails() -> None:
    # Given an upload key, a WhatsApp photo key and things that are not upload keys
    upload = "uploads/" + "a" * 32
    # When the copy's and thumbnail's keys are made
    copy = photo_key(upload)
    # Then the web photo has a thumbnail, the WhatsApp photo none, and erasure lists both of the first
    assert (copy, thumbnail_key(copy)) == ("web/" + "a" * 32 + ".jpg", "web/" + "a" * 32 + ".thumb.jpg")
    assert thumbnail_key("whatsapp/2026/11/abc.jpg") is None
    assert with_thumbnails([copy, "whatsapp/2026/11/abc.jpg"]) == [
        copy, thumbnail_key(copy), "whatsapp/2026/11/abc.jpg",
    ]  # fmt: skip
    for bad in ("uploads/../web/x", "web/" + "a" * 32 + ".jpg", "uploads/" + "A" * 32):
        with pytest.raises(ValueError, match=r"uploads|web"):
            photo_key(bad)
