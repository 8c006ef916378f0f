"""Photos from the web form, over the template's system in moto: the presigned POST's policy, filing with
the uploads' keys, the cleaned copy staff see (no GPS) and its thumbnail, refusals of what is not ours,
too big or not an image — each refused upload deleted.

moto accepts a presigned POST without checking its policy (type, size); so the policy's conditions are
asserted here as S3 reads them, and the size is checked again when the photo is taken at filing.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from PIL import Image

from civicdesk.requests import codes
from civicdesk.requests.photos import MAX_BYTES, UPLOAD_SECONDS
from tests.integration.conftest import Cloud
from tests.integration.test_notifications import staff_call
from tests.unit.test_photos import GPS_IFD, jpeg_with_gps

DESCRIPTION = "Kaldırımdaki parke taşları yerinden çıkmış, yaşlılar düşüyor"


def bucket(cloud: Cloud) -> str:
    import os

    return os.environ["MEDIA_BUCKET"]


def signed(cloud: Cloud, content_type: str = "image/jpeg", size: int = 50_000) -> Any:
    return cloud.call("POST", "/requests/photos", {"content_type": content_type, "size": size})


def upload(cloud: Cloud, data: bytes, content_type: str = "image/jpeg") -> str:
    """What the browser does with the presigned POST (the object lands under its key)."""
    answer = signed(cloud, content_type, len(data))
    assert answer.status == 201, answer.body
    boto3.client("s3").put_object(
        Bucket=bucket(cloud), Key=answer.body["key"], Body=data, ContentType=content_type
    )
    return str(answer.body["key"])


def versions(cloud: Cloud, key: str) -> list[dict[str, Any]]:
    listed = boto3.client("s3").list_object_versions(Bucket=bucket(cloud), Prefix=key)
    return [v for v in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])] if v["Key"] == key]


def test_the_presigned_post_fixes_the_key_type_size_and_a_short_expiry(cloud: Cloud) -> None:
    # Given a page about to upload a 2 MB JPEG
    before = datetime.now(UTC)
    # When it asks for an upload
    answer = signed(cloud, "image/jpeg", 2_000_000)
    # Then it gets a key under uploads/ and a policy S3 enforces: this key, this type, 1 B..10 MB, 5 minutes
    assert answer.status == 201, answer.body
    key, fields = answer.body["key"], answer.body["fields"]
    assert key.startswith("uploads/")
    assert fields["key"] == key
    assert fields["Content-Type"] == "image/jpeg"
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, MAX_BYTES] in conditions
    assert {"key": key} in conditions
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert before < expires <= datetime.now(UTC) + timedelta(seconds=UPLOAD_SECONDS + 1)
    # And a second upload gets another key
    assert signed(cloud).body["key"] != key


@pytest.mark.parametrize(
    ("content_type", "size", "field"),
    [
        ("application/pdf", 1000, "content_type"),
        ("image/gif", 1000, "content_type"),
        ("image/png", MAX_BYTES + 1, "size"),
    ],
)
def test_a_wrong_type_or_an_oversize_photo_gets_no_upload(
    cloud: Cloud, content_type: str, size: int, field: str
) -> None:
    # Given a page asking to upload a PDF, a GIF or an 11 MB PNG
    # When it asks for an upload
    answer = signed(cloud, content_type, size)
    # Then it is refused in the API's error shape, naming the field
    assert answer.status == 422, answer.body
    assert [f["field"] for f in answer.body["fields"]] == [field]


def test_a_request_filed_with_photos_keeps_cleaned_copies_without_gps_and_staff_see_thumbnails(
    cloud: Cloud,
) -> None:
    # Given two photos uploaded from the form, one of them with a GPS position in its EXIF
    keys = [upload(cloud, jpeg_with_gps()), upload(cloud, jpeg_with_gps((300, 300)))]
    # When the request is filed with their keys
    filed = cloud.call("POST", "/requests", {"description": DESCRIPTION, "photos": keys})
    # Then it is filed with two cleaned copies under web/, and the originals are gone, every version
    assert filed.status == 201, filed.body
    code = codes.normalize(filed.body["code"])
    view = staff_call(cloud, "GET", f"/staff/requests/{code}")
    assert view["status"] == 200
    photos = view["body"]["photos"]
    assert [p["key"] for p in photos] == [k.replace("uploads/", "web/") + ".jpg" for k in keys]
    for key in keys:
        assert versions(cloud, key) == []
    # And the copy staff open has no EXIF at all (no GPS), and each has a thumbnail link
    s3 = boto3.client("s3")
    for photo in photos:
        data = s3.get_object(Bucket=bucket(cloud), Key=photo["key"])["Body"].read()
        image = Image.open(__import__("io").BytesIO(data))
        assert not image.getexif().get_ifd(GPS_IFD)
        assert len(image.getexif()) == 0
        assert photo["thumbnail_url"]
        assert photo["key"].replace(".jpg", ".thumb.jpg") in photo["thumbnail_url"]
        thumb = s3.get_object(Bucket=bucket(cloud), Key=photo["key"].replace(".jpg", ".thumb.jpg"))
        assert thumb["ContentType"] == "image/jpeg"


def test_an_upload_that_is_not_an_image_refuses_the_filing_and_is_deleted(cloud: Cloud) -> None:
    # Given a "photo" that is really an HTML page, uploaded as image/jpeg
    good = upload(cloud, jpeg_with_gps())
    fake = upload(cloud, b"<html><script>alert(1)</script></html>" * 20)
    # When the request is filed with it
    filed = cloud.call("POST", "/requests", {"description": DESCRIPTION, "photos": [good, fake]})
    # Then the filing is refused, pointing at the second photo, with a message in Turkish and English
    assert filed.status == 422, filed.body
    (problem,) = filed.body["fields"]
    assert problem["field"] == "photos.1"
    assert "fotoğraf değil" in problem["message"]
    assert "not a photo" in problem["message"]
    # And the fake is deleted for good; the good upload stays for the citizen's next try
    assert versions(cloud, fake) == []
    assert versions(cloud, good)


def test_keys_we_did_not_issue_too_many_or_too_big_are_refused(cloud: Cloud) -> None:
    # Given keys of another shape, a well-formed key never uploaded, four photos, and an 11 MB upload
    # (S3's policy refuses that; the filing checks again)
    never = "uploads/" + "0" * 32
    four = [upload(cloud, jpeg_with_gps((40, 40))) for _ in range(4)]
    big = signed(cloud, "image/jpeg", 1000).body["key"]  # declared small; what lands is not
    boto3.client("s3").put_object(Bucket=bucket(cloud), Key=big, Body=b"\xff" * (MAX_BYTES + 1))
    # When requests are filed with them
    answers = {
        "shape": cloud.call("POST", "/requests", {"description": DESCRIPTION, "photos": ["web/x.jpg"]}),
        "never": cloud.call("POST", "/requests", {"description": DESCRIPTION, "photos": [never]}),
        "four": cloud.call("POST", "/requests", {"description": DESCRIPTION, "photos": four}),
        "big": cloud.call("POST", "/requests", {"description": DESCRIPTION, "photos": [big]}),
    }
    # Then each is a 422 naming the photos, and the oversize upload is deleted
    for name, answer in answers.items():
        assert answer.status == 422, (name, answer.body)
        assert all(f["field"].startswith("photos") for f in answer.body["fields"]), (name, answer.body)
    assert versions(cloud, big) == []
