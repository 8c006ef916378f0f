"""The pool table as every repository sees it: item (de)serialisation, puts, queries, guarded writes.

Repositories (one per capability: `requests`, `catalogue`, `sla`, `whatsapp`, ...) build their
items with `civicdesk.layout` and go through one `Table`, so they share one client per warm Lambda.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from civicdesk import layout
from civicdesk.core.aws import AwsClient, AwsGateway

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]


@dataclass(frozen=True)
class Put:
    """An item to put inside a transaction (optionally only if `condition` holds)."""

    item: Mapping[str, Any]
    condition: str | None = None


@dataclass(frozen=True)
class Check:
    """A condition on another item that the whole transaction depends on (e.g. that it exists)."""

    pk: str
    sk: str
    condition: str


Write = Put | Check
PageStart = dict[str, Any] | None
"""Where the next page of a query starts (DynamoDB's LastEvaluatedKey, opaque to callers)."""


def _clean(value: Any) -> Any:
    """Plain JSON-like data -> what DynamoDB accepts: floats as Decimal, no None attributes."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """DynamoDB's Decimals back to int/float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in _clean(item).items()}


def deserialize(item: Mapping[str, Any]) -> Item:
    return _plain({k: _deserializer.deserialize(v) for k, v in item.items()})


def key(pk: str, sk: str) -> dict[str, Any]:
    return serialize({layout.PK: pk, layout.SK: sk})


def lost_the_race(error: ClientError) -> bool:
    """A condition failed or another transaction held the item: a normal outcome, not a fault."""
    code = error.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    if code != "TransactionCanceledException":
        return False
    reasons = {r.get("Code") for r in error.response.get("CancellationReasons", [])}
    return reasons <= {"ConditionalCheckFailed", "TransactionConflict", "None", None} and bool(
        reasons & {"ConditionalCheckFailed", "TransactionConflict"}
    )


class Table(AwsGateway):
    """One DynamoDB table, by name; the client is created on first use (nothing AWS at import)."""

    service = "dynamodb"

    def __init__(self, name: str, client: AwsClient | None = None) -> None:
        super().__init__(client)
        self.name = name

    def put_params(self, item: Mapping[str, Any], condition: str | None = None) -> dict[str, Any]:
        """The parameters of one Put (for `put_item` or inside a transaction)."""
        put: dict[str, Any] = {"TableName": self.name, "Item": serialize(item)}
        if condition:
            put["ConditionExpression"] = condition
        return put

    def put(
        self,
        item: Mapping[str, Any],
        condition: str | None = None,
        *,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> bool:
        """Put one item; False when `condition` (with its attribute `names` and `values`) failed."""
        params = self.put_params(item, condition)
        if names:
            params["ExpressionAttributeNames"] = dict(names)
        if values:
            params["ExpressionAttributeValues"] = serialize(values)
        try:
            self.client.put_item(**params)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(
        self, pk: str, sk: str, *, consistent: bool = False, projection: str | None = None
    ) -> Item | None:
        params: dict[str, Any] = {"TableName": self.name, "Key": key(pk, sk), "ConsistentRead": consistent}
        if projection:
            params["ProjectionExpression"] = projection
        answer = self.client.get_item(**params)
        return deserialize(answer["Item"]) if "Item" in answer else None

    def query_all(self, **kwargs: Any) -> list[Item]:
        """Every item of a query, page after page."""
        items: list[Item] = []
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(TableName=self.name, **kwargs):
            items.extend(deserialize(i) for i in page["Items"])
        return items

    def query_page(
        self, limit: int, start: PageStart = None, **kwargs: Any
    ) -> tuple[list[Item], int, PageStart]:
        """One page: (items, items read, where the next page starts or None)."""
        params: dict[str, Any] = {"TableName": self.name, "Limit": limit, **kwargs}
        if start is not None:
            params["ExclusiveStartKey"] = start
        answer = self.client.query(**params)
        items = [deserialize(i) for i in answer["Items"]]
        return items, answer["ScannedCount"], answer.get("LastEvaluatedKey")

    def update(self, params: dict[str, Any]) -> bool:
        """One UpdateItem (`params` without TableName is completed); False when its condition failed."""
        try:
            self.client.update_item(**{"TableName": self.name, **params})
        except ClientError as error:
            if lost_the_race(error):
                return False
            raise
        return True

    def transaction_item(self, write: Write) -> dict[str, Any]:
        if isinstance(write, Put):
            return {"Put": self.put_params(write.item, write.condition)}
        return {
            "ConditionCheck": {
                "TableName": self.name,
                "Key": key(write.pk, write.sk),
                "ConditionExpression": write.condition,
            }
        }

    def transact(self, items: Sequence[dict[str, Any]], token: str | None = None) -> bool:
        """One TransactWriteItems; False when a condition failed (nothing was written).

        Always with a `ClientRequestToken` (a fresh one unless given): when a response is lost, botocore
        resends the same call and DynamoDB answers a token it has seen (for 10 minutes) with the first
        outcome, so a resent create does not fail its own `attribute_not_exists` and file again under a
        new code. botocore would add one too (the parameter is an idempotency token in its model); it
        is written here so the guarantee does not rest on that.
        """
        params: dict[str, Any] = {
            "TransactItems": list(items),
            "ClientRequestToken": token or str(uuid.uuid4()),
        }
        try:
            self.client.transact_write_items(**params)
        except ClientError as error:
            if lost_the_race(error):
                return False
            raise
        return True
