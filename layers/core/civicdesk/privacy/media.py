"""Destroying citizens' photos for good: the media bucket is versioned, so a plain delete would only
hide a photo behind a delete marker; every version of the object (and the marker) is removed."""

from __future__ import annotations

from collections.abc import Iterable

from civicdesk.core.aws import AwsClient, AwsGateway


class MediaNotDestroyed(RuntimeError):
    """S3 refused to delete a version: the request is left as it is, to be taken again."""


class MediaEraser(AwsGateway):
    service = "s3"

    def __init__(self, bucket: str, client: AwsClient | None = None) -> None:
        super().__init__(client)
        self.bucket = bucket

    def destroy(self, keys: Iterable[str]) -> int:
        """Delete every version of each object; returns how many versions went (0 when already gone)."""
        removed = 0
        for key in keys:
            paginator = self.client.get_paginator("list_object_versions")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=key):
                versions = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
                doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions if v["Key"] == key]
                if not doomed:
                    continue
                answer = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": doomed, "Quiet": True}
                )
                if answer.get("Errors"):  # the job runs again; the request stays due until this succeeds
                    raise MediaNotDestroyed(
                        f"{len(answer['Errors'])} versions of a photo could not be deleted"
                    )
                removed += len(doomed)
        return removed
