"""Photos from the web form: uploaded by the browser straight to the private media bucket, cleaned
before anyone at the municipality sees them.

1. `POST /requests/photos` signs a presigned POST for one photo: a fresh key under `uploads/`, a
   policy that fixes the key, the declared content type and `content-length-range` 1..10 MB, valid
   for five minutes. Only our signature can write under `uploads/` (the bucket is private), so a key
   that exists there and has our shape was issued by us.
2. Filing (`POST /requests` with `photos: [key, ...]`, at most three) takes each upload: Pillow
   decodes it (an upload that is not really a JPEG, PNG, WebP or HEIC image is refused with a 422
   and its object deleted), and writes a copy made of the pixels alone (no EXIF, GPS, XMP, ICC or
   comments) and a thumbnail, under `web/`. The request keeps the copies' keys; the originals are
   deleted once the request is filed (an `uploads/` lifecycle rule removes any left behind).

Cleaning at filing time rather than from an S3 event: the request never exists with a photo that
was not cleaned (no window in which staff could open an original), a non-image is refused to the
citizen who sent it instead of vanishing later, and no second function or bucket notification is
needed. The cost is a slower filing with photos (a decode and two encodes per photo).
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from civicdesk.core.aws import AwsClient, AwsGateway
from civicdesk.core.errors import InvalidInput

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage

HEIC = find_spec("pillow_heif") is not None
"""HEIC (iPhones' default) decodes through pillow-heif, which has wheels for the Lambda's arm64 3.13;
without it HEIC is refused with a clear message."""

MAX_PHOTOS = 3
MAX_BYTES = 10 * 1024 * 1024
UPLOAD_SECONDS = 300
"""How long a presigned POST may be used: long enough for a 10 MB photo on a slow phone line."""
UPLOAD_PREFIX = "uploads/"
PHOTO_PREFIX = "web/"
CONTENT_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "HEIF"}
"""What the form accepts, and Pillow's name for each (the decoded format must be one of these)."""
MAX_PIXELS = 50_000_000
"""Larger images are refused before decoding (a decompression bomb fits in 10 MB)."""
PHOTO_SIDE = 2048
THUMBNAIL_SIDE = 320
_UPLOAD_KEY = re.compile(rf"^{UPLOAD_PREFIX}([0-9a-f]{{32}})$")


def photo_key(upload: str) -> str:
    """`uploads/<id>` -> `web/<id>.jpg`: the cleaned copy; the same upload always makes the same key."""
    found = _UPLOAD_KEY.match(upload)
    if not found:
        raise ValueError(upload)
    return f"{PHOTO_PREFIX}{found.group(1)}.jpg"


def thumbnail_key(photo: str) -> str | None:
    """The thumbnail of a web photo (`web/<id>.thumb.jpg`); None for photos that have none (WhatsApp's)."""
    if photo.startswith(PHOTO_PREFIX) and photo.endswith(".jpg") and not photo.endswith(".thumb.jpg"):
        return photo[: -len(".jpg")] + ".thumb.jpg"
    return None


def with_thumbnails(photos: Sequence[str]) -> list[str]:
    """Every object a request's photos are kept in: what erasing them must destroy."""
    return [k for p in photos for k in (p, thumbnail_key(p)) if k]


def is_upload_key(key: str) -> bool:
    return _UPLOAD_KEY.match(key) is not None


class NotAnImage(ValueError):
    """The upload does not decode as one of the accepted image formats."""


@dataclass(frozen=True)
class Cleaned:
    photo: bytes
    thumbnail: bytes


@cache
def _pillow() -> None:
    """Pillow (and its HEIC opener) are imported when a photo is cleaned, not by every importer of
    the key rules (the privacy and staff functions need the keys, not the decoder)."""
    if HEIC:
        from pillow_heif import register_heif_opener

        register_heif_opener()


def clean(data: bytes) -> Cleaned:
    """A JPEG of the pixels alone (turned upright first, as the camera said), and a thumbnail.

    Only the pixels are carried into a new image: EXIF (GPS, camera, time), XMP, ICC profiles and
    comments of the upload stay behind."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    _pillow()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in CONTENT_TYPES.values():
                raise NotAnImage(probe.format or "unknown")
            if probe.width * probe.height > MAX_PIXELS:
                raise NotAnImage("too many pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise NotAnImage(str(error)) from error
    pixels = Image.frombytes("RGB", upright.size, upright.tobytes())  # a new image: no metadata at all
    pixels.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
    small = pixels.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    return Cleaned(photo=_jpeg(pixels, 85), thumbnail=_jpeg(small, 75))


def _jpeg(image: PilImage, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def refused(index: int, why_tr: str, why_en: str) -> InvalidInput:
    return InvalidInput({f"photos.{index}": f"{why_tr} · {why_en}"}, reason="invalid_photo")


class PhotoUploads(AwsGateway):
    """Presigned POSTs for the browser, and the cleaning of what it uploaded (the media bucket)."""

    service = "s3"

    def __init__(self, bucket: str, client: AwsClient | None = None) -> None:
        super().__init__(client)
        self.bucket = bucket

    def presign(self, content_type: str, size: int) -> dict[str, Any]:
        """A presigned POST for one photo of `content_type`; S3 refuses another type or size."""
        if content_type not in CONTENT_TYPES:
            raise InvalidInput(
                {"content_type": "Yalnızca JPEG, PNG, HEIC veya WebP · Only JPEG, PNG, HEIC or WebP"},
                reason="invalid_photo",
            )
        if content_type == "image/heic" and not HEIC:  # pragma: no cover - pillow-heif is installed
            raise InvalidInput(
                {"content_type": "HEIC desteklenmiyor, JPEG gönderin · HEIC is not supported, send a JPEG"},
                reason="invalid_photo",
            )
        if size > MAX_BYTES:
            raise InvalidInput({"size": "En çok 10 MB · At most 10 MB"}, reason="invalid_photo")
        key = f"{UPLOAD_PREFIX}{uuid.uuid4().hex}"
        post = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, MAX_BYTES]],
            ExpiresIn=UPLOAD_SECONDS,
        )
        return {"key": key, "url": post["url"], "fields": post["fields"], "expires_in": UPLOAD_SECONDS}

    def keep(self, uploads: Sequence[str]) -> tuple[str, ...]:
        """Clean each upload into a copy and a thumbnail; the copies' keys. A non-image is deleted
        and refused (422), as is a key we did not issue or that has expired."""
        if len(uploads) > MAX_PHOTOS:
            raise refused(MAX_PHOTOS, "En çok 3 fotoğraf", "At most 3 photos")
        if len(set(uploads)) != len(uploads):
            raise refused(0, "Aynı fotoğraf iki kez", "The same photo twice")
        kept = []
        for index, key in enumerate(uploads):
            if not is_upload_key(key):
                raise refused(index, "Bu fotoğrafı biz vermedik", "Not a photo upload we issued")
            data = self._read(index, key)
            try:
                cleaned = clean(data)
            except NotAnImage as error:
                self.discard([key])
                raise refused(index, "Bu dosya bir fotoğraf değil", "This file is not a photo") from error
            copy = photo_key(key)
            self.client.put_object(Bucket=self.bucket, Key=copy, Body=cleaned.photo, ContentType="image/jpeg")
            thumb = thumbnail_key(copy)
            assert thumb is not None
            self.client.put_object(
                Bucket=self.bucket, Key=thumb, Body=cleaned.thumbnail, ContentType="image/jpeg"
            )
            kept.append(copy)
        return tuple(kept)

    def _read(self, index: int, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey as error:
            raise refused(
                index, "Fotoğraf bulunamadı, yeniden yükleyin", "Photo not found, please upload it again"
            ) from error
        if int(answer["ContentLength"]) > MAX_BYTES:  # the policy refuses this; checked here as well
            answer["Body"].close()
            self.discard([key])
            raise refused(index, "Fotoğraf 10 MB'tan büyük", "The photo is larger than 10 MB")
        return bytes(answer["Body"].read())

    def discard(self, uploads: Sequence[str]) -> None:
        """Delete the originals for good once their copies belong to a filed request: every version
        (the bucket is versioned; a plain delete would keep the original behind a delete marker)."""
        for key in uploads:
            listed = self.client.list_object_versions(Bucket=self.bucket, Prefix=key)
            doomed = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]
                if v["Key"] == key
            ]
            if doomed:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": doomed, "Quiet": True})
