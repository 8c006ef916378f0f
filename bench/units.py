"""DynamoDB capacity units from the items themselves: what each write and read costs on demand.

Patches botocore like `local.calls` and sizes each item as DynamoDB does (attribute names plus values;
1 kB per write unit, 4 kB per read unit; transactions twice; a global secondary index one write per
item that carries its keys). An UpdateItem is sized by the item it leaves (read back, not counted).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from unittest import mock

from botocore.client import BaseClient

from civicdesk import layout
from local.calls import _original as uncounted

KB = 1024
READS = {"GetItem", "Query", "Scan", "TransactGetItems", "BatchGetItem"}


def value_size(value: dict[str, Any]) -> int:
    """The size of one low-level attribute value (`{"S": ...}`, `{"N": ...}`, `{"M": {...}}`, ...)."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        digits = str(Decimal(str(inner)).normalize()).lstrip("-").replace(".", "")
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: v}) for v in inner)
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _index_writes(item: dict[str, Any]) -> float:
    """Write units the table's global secondary indexes take for one written item."""
    units = 0.0
    for index in layout.INDEXES:
        if index.pk in item and index.sk in item:
            projected = (
                item
                if not index.projection
                else {
                    k: v
                    for k, v in item.items()
                    if k in (*index.projection, index.pk, index.sk, layout.PK, layout.SK)
                }
            )
            units += math.ceil(item_size(projected) / KB)
    return units


class Units:
    """Write and read units counted while the block runs, and the items' sizes."""

    def __init__(self) -> None:
        self.write = 0.0
        self.index_write = 0.0
        self.read = 0.0
        self.sizes: Counter[str] = Counter()
        self.items = 0

    def _written(self, item: dict[str, Any], transactional: bool) -> None:
        size = item_size(item)
        self.items += 1
        self.sizes["bytes"] += size
        self.write += math.ceil(size / KB) * (2 if transactional else 1)
        self.index_write += _index_writes(item)

    def _read(self, size: int, *, consistent: bool, transactional: bool = False) -> None:
        per = 2.0 if transactional else (1.0 if consistent else 0.5)
        self.read += max(1, math.ceil(size / (4 * KB))) * per


@contextmanager
def counting_units() -> Iterator[Units]:
    """Enter inside `local.calls.counting_aws_calls` (it calls botocore directly, past this patch)."""
    units = Units()
    original = BaseClient._make_api_call

    def after_update(client: BaseClient, table: str, key: dict[str, Any]) -> dict[str, Any]:
        found = uncounted(client, "GetItem", {"TableName": table, "Key": key})  # not one of the flow's calls
        return dict(found.get("Item") or key)

    def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        result = original(client, operation, params)
        if client.meta.service_model.service_name != "dynamodb":
            return result
        if operation == "PutItem":
            units._written(params["Item"], transactional=False)
        elif operation == "UpdateItem":
            units._written(after_update(client, params["TableName"], params["Key"]), transactional=False)
        elif operation == "DeleteItem":
            units.write += 1
        elif operation == "TransactWriteItems":
            for action in params["TransactItems"]:
                ((kind, body),) = action.items()
                if kind == "Put":
                    units._written(body["Item"], transactional=True)
                elif kind == "Update":
                    units._written(after_update(client, body["TableName"], body["Key"]), transactional=True)
                else:  # ConditionCheck, Delete: one transactional unit pair per item
                    units.write += 2
        elif operation == "GetItem":
            size = item_size(result.get("Item") or {})
            units._read(size, consistent=bool(params.get("ConsistentRead")))
        elif operation == "Query":
            size = sum(item_size(i) for i in result.get("Items", []))
            units._read(size, consistent=bool(params.get("ConsistentRead")))
        elif operation == "TransactGetItems":
            for response in result.get("Responses", []):
                units._read(item_size(response.get("Item") or {}), consistent=True, transactional=True)
        return result

    with mock.patch.object(BaseClient, "_make_api_call", counted):
        yield units
