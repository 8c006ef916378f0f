"""Citizens' photos: fetched from the Cloud API at once (its URL lives five minutes), checked
against the sha256 Meta gives, and kept in the private, encrypted media bucket.

The object key is derived from the media id, so a redelivered or retried message writes the same
object again instead of a second one; it carries no personal data (`whatsapp/2026/11/<hash>.jpg`).
A photo is tagged `stage=draft` until its request is filed (`stage=filed`): the bucket's lifecycle
expires drafts within days, so photos of cancelled or abandoned conversations are not kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime
from typing import Any

import boto3

from civicdesk.whatsapp.client import CloudApiClient

PREFIX = "whatsapp"
STAGE_TAG = "stage"
DRAFT = "draft"
FILED = "filed"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class MediaRejected(RuntimeError):
    """The bytes are not what Meta said they are (hash), or not an image we keep."""


def digest_matches(data: bytes, expected: str) -> bool:
    """Meta's media endpoint gives the sha256 in hex; older webhook payloads in base64. Either counts."""
    digest = hashlib.sha256(data).digest()
    candidate = expected.strip()
    if len(candidate) == 64:
        try:
            return hmac.compare_digest(bytes.fromhex(candidate), digest)
        except ValueError:
            return False
    try:
        return hmac.compare_digest(base64.b64decode(candidate, validate=True), digest)
    except (binascii.Error, ValueError):
        return False


def object_key(media_id: str, mime_type: str, at: datetime) -> str:
    name = hashlib.sha256(media_id.encode()).hexdigest()[:32]
    return f"{PREFIX}/{at:%Y}/{at:%m}/{name}.{EXTENSIONS.get(mime_type, 'bin')}"


class MediaStore:
    """Downloads through the client, verifies, writes to S3 (the client is created on first use)."""

    def __init__(self, bucket: str, api: CloudApiClient, s3: Any = None) -> None:
        self.bucket = bucket
        self.api = api
        self._s3 = s3

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            self._s3 = boto3.client("s3")
        return self._s3

    def keep(self, media_id: str, at: datetime, webhook_sha256: str | None = None) -> str:
        """Store one image; returns its object key. Raises MediaRejected or CloudApiError."""
        info, data = self.api.media(media_id)
        if not digest_matches(data, info.sha256):
            raise MediaRejected("sha256 of the download differs from the media endpoint's")
        if webhook_sha256 and not digest_matches(data, webhook_sha256):
            raise MediaRejected("sha256 of the download differs from the webhook's")
        mime_type = info.mime_type.split(";")[0].strip().lower()
        if mime_type not in EXTENSIONS:
            raise MediaRejected(f"not an image we keep: {mime_type}")
        key = object_key(media_id, mime_type, at)
        self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=mime_type,
            ChecksumSHA256=base64.b64encode(hashlib.sha256(data).digest()).decode(),
            Metadata={"source": "whatsapp"},
            Tagging=f"{STAGE_TAG}={DRAFT}",
        )
        return key

    def mark_filed(self, keys: tuple[str, ...]) -> None:
        """The photos now belong to a request: out of the draft expiry, into the retention period."""
        for key in keys:
            self.s3.put_object_tagging(
                Bucket=self.bucket, Key=key, Tagging={"TagSet": [{"Key": STAGE_TAG, "Value": FILED}]}
            )
