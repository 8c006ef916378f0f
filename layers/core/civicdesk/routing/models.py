"""Where classifier models live: versioned JSON objects in S3, and a pointer in the table to the one
the router uses (`MODEL#<profile>` / `CURRENT`), with every retrain's verdict beside it.

The bucket holds each version under `models/<profile>/<version>.json` (encrypted, versioned); the
pointer moves only when the retrain job publishes, so rolling back is pointing at an older key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from civicdesk import layout
from civicdesk.core.aws import AwsClient, AwsGateway
from civicdesk.core.clock import iso
from civicdesk.core.dynamo import Table
from civicdesk.routing.learned import LinearModel


def object_key(profile: str, version: str) -> str:
    return f"models/{profile}/{version}.json"


class ModelBucket(AwsGateway):
    service = "s3"

    def __init__(self, name: str, client: AwsClient | None = None) -> None:
        super().__init__(client)
        self.name = name

    def put(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=body, ContentType="application/json")

    def get(self, key: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.name, Key=key)["Body"].read())


@dataclass(frozen=True)
class Pointer:
    """The model the router uses: its version and where its weights are."""

    version: str
    key: str
    published_at: str


class ModelRegistry:
    def __init__(self, table: Table, bucket: ModelBucket, profile: str) -> None:
        self.table, self.bucket, self.profile = table, bucket, profile

    def current(self) -> Pointer | None:
        item = self.table.get(layout.model_pk(self.profile), layout.MODEL_CURRENT_SK)
        if item is None:
            return None
        return Pointer(version=item["version"], key=item["key"], published_at=item["published_at"])

    def load(self, pointer: Pointer) -> LinearModel:
        return LinearModel.from_json(self.bucket.get(pointer.key))

    def publish(self, model: LinearModel, at: datetime, verdict: dict[str, Any]) -> Pointer:
        """Store the weights, then move the pointer: a router that reads the pointer finds the object."""
        key = object_key(self.profile, model.version)
        self.bucket.put(key, model.to_json().encode())
        pointer = Pointer(version=model.version, key=key, published_at=iso(at))
        self.table.put(
            {
                layout.PK: layout.model_pk(self.profile),
                layout.SK: layout.MODEL_CURRENT_SK,
                layout.ITEM_TYPE: "model",
                "version": pointer.version,
                "key": pointer.key,
                "published_at": pointer.published_at,
            }
        )
        self.record(model.version, at, {**verdict, "published": True, "key": key})
        return pointer

    def record(self, version: str, at: datetime, verdict: dict[str, Any]) -> None:
        """One retrain's verdict (figures of both models, published or not), for people to read."""
        self.table.put(
            {
                layout.PK: layout.model_pk(self.profile),
                layout.SK: layout.model_version_sk(iso(at), version),
                layout.ITEM_TYPE: "model_verdict",
                "version": version,
                **verdict,
            }
        )


class ExampleReader:
    """Staff decisions kept as labelled examples (`EXAMPLE#<yyyy-mm>`, written by the staff API)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def months(self, months: Iterable[str]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for month in months:
            items.extend(
                self.table.query_all(
                    KeyConditionExpression="#pk = :pk",
                    ExpressionAttributeNames={"#pk": layout.PK},
                    ExpressionAttributeValues={":pk": {"S": layout.example_pk(month)}},
                )
            )
        return items


def last_months(now: datetime, count: int) -> list[str]:
    """`yyyy-mm` of this month and the `count - 1` before it, newest first."""
    year, month = now.year, now.month
    found = []
    for _ in range(count):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found
