"""Short-lived links to the photos of a request, for staff only (the media bucket is private)."""

from __future__ import annotations

from civicdesk.core.aws import AwsClient, AwsGateway

LINK_SECONDS = 300


class PhotoLinks(AwsGateway):
    """Presigned GET URLs: signed locally with the function's role, no call to S3 is made."""

    service = "s3"

    def __init__(self, bucket: str, client: AwsClient | None = None) -> None:
        super().__init__(client)
        self.bucket = bucket

    def url(self, key: str) -> str:
        return str(
            self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=LINK_SECONDS
            )
        )
