"""Where the open data comes from and goes: the `created` index of the pool, the requests' tallies,
and the publication bucket. Every read is a projection without personal data or free text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from civicdesk import layout
from civicdesk.core.aws import AwsClient, AwsGateway
from civicdesk.core.clock import iso
from civicdesk.core.dynamo import Item, Table, deserialize, key
from civicdesk.opendata.rows import SOURCE_ATTRIBUTES

PAGE = 500
BATCH_GET = 100  # DynamoDB's limit per BatchGetItem
READ_ATTRIBUTES = ("code", *SOURCE_ATTRIBUTES)
"""The code only finds the request's tally; it is never written to a file."""


@dataclass
class Reads:
    """What reading a day cost: items returned and AWS calls made (the bench prints both)."""

    items: int = 0
    calls: int = 0


def _names(attributes: Sequence[str]) -> dict[str, str]:
    return {f"#a{i}": name for i, name in enumerate(attributes)}


class DayReader:
    """The requests filed in a time range, from the `created` index: one partition per UTC day, so a
    day on the municipality's clock is at most two key ranges (Istanbul's day starts at 21:00 UTC)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.reads = Reads()

    def requests(self, start: datetime, end: datetime) -> list[Item]:
        """Request items filed in [start, end), `READ_ATTRIBUTES` only, in filing order."""
        low, high = iso(start), iso(end)  # `<iso>#<code>` sorts after `<iso>`: `high` itself is out
        found: list[Item] = []
        day = start.astimezone(UTC).date()
        while day <= (end - timedelta(milliseconds=1)).astimezone(UTC).date():
            found.extend(self._range(layout.created_partition(day.isoformat()), low, high))
            day += timedelta(days=1)
        return found

    def _range(self, partition: str, low: str, high: str) -> list[Item]:
        names = _names(READ_ATTRIBUTES)
        params: dict[str, Any] = {
            "IndexName": layout.CREATED.name,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :low AND :high",
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": {**names, "#pk": layout.CREATED.pk, "#sk": layout.CREATED.sk},
            "ExpressionAttributeValues": {":pk": {"S": partition}, ":low": {"S": low}, ":high": {"S": high}},
        }
        items: list[Item] = []
        start = None
        while True:
            page, _, start = self.table.query_page(PAGE, start, **params)
            self.reads.calls += 1
            self.reads.items += len(page)
            items.extend(page)
            if start is None:
                return items

    def resolutions(self, codes: Sequence[str]) -> dict[str, str]:
        """When each request was first resolved (its tally's `resolved` mark), where it was."""
        names = {"#pk": layout.PK, "#d": "digest", "#r": "resolved"}
        wanted = [key(layout.tally_pk(code), layout.TALLY_SK) for code in codes]
        found: dict[str, str] = {}
        for first in range(0, len(wanted), BATCH_GET):
            pending: list[dict[str, Any]] = wanted[first : first + BATCH_GET]
            while pending:
                answer = self.table.client.batch_get_item(
                    RequestItems={
                        self.table.name: {
                            "Keys": pending,
                            "ProjectionExpression": "#pk, #d.#r",
                            "ExpressionAttributeNames": names,
                        }
                    }
                )
                self.reads.calls += 1
                for raw in answer["Responses"].get(self.table.name, []):
                    item = deserialize(raw)
                    self.reads.items += 1
                    mark = (item.get("digest") or {}).get("resolved")
                    if mark:
                        found[str(item[layout.PK]).removeprefix(layout.TALLY_PREFIX)] = str(mark[0])
                pending = answer.get("UnprocessedKeys", {}).get(self.table.name, {}).get("Keys", [])
        return found


class PublicationBucket(AwsGateway):
    """The bucket the municipality may publish: each file is put whole, so a rerun replaces it."""

    service = "s3"

    def __init__(self, bucket: str, client: AwsClient | None = None) -> None:
        super().__init__(client)
        self.bucket = bucket
        self.calls = 0

    def put(self, object_key: str, body: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=object_key, Body=body, ContentType=content_type)
        self.calls += 1
