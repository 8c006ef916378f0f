"""The counters and the requests' tallies in the pool table (keys from `civicdesk.layout`).

A change is one transaction: the request's tally, conditional on the version that was read, and an
ADD on every counter item the change touches. Two consumers working on one request cannot both win;
the loser reads again. Reports read counter items by key, a hundred per BatchGetItem.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from civicdesk import layout
from civicdesk.core.dynamo import Item, Table, deserialize, key, serialize
from civicdesk.reports.tally import FORMULA, Contribution, Digest, Key, Snapshot

BATCH_GET = 100  # DynamoDB's limit per BatchGetItem


@dataclass(frozen=True)
class Tally:
    """What a request has added to the counters so far: the state and digest they were computed from."""

    version: int
    snapshot: Snapshot
    digest: Digest
    formula: int = FORMULA


def tally_item(code: str, tally: Tally) -> Item:
    return {
        layout.PK: layout.tally_pk(code),
        layout.SK: layout.TALLY_SK,
        layout.VERSION: tally.version,
        "formula": tally.formula,
        "snapshot": tally.snapshot.as_item(),
        "digest": tally.digest.as_item(),
    }


def tally_from_item(item: Mapping[str, Any]) -> Tally:
    return Tally(
        version=int(item[layout.VERSION]),
        snapshot=Snapshot.of(item["snapshot"]),
        digest=Digest.of(item.get("digest")),
        formula=int(item.get("formula", FORMULA)),
    )


def counter_item(item_key: Key, attributes: Mapping[str, int]) -> Item:
    pk, sk = item_key
    return {layout.PK: pk, layout.SK: sk, **attributes}


@dataclass
class Reads:
    """What reading cost: items returned and AWS calls made (the bench prints both)."""

    items: int = 0
    calls: int = 0


class StatsStore:
    """Counters and tallies over one table."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.reads = Reads()

    # --- counting ---------------------------------------------------------------------------------

    def tally(self, code: str) -> Tally | None:
        item = self.table.get(layout.tally_pk(code), layout.TALLY_SK, consistent=True)
        return tally_from_item(item) if item else None

    def snapshot(self, code: str) -> Snapshot | None:
        """The request as it is now, without its description, location, photos or contact."""
        names = {f"#a{i}": name for i, name in enumerate(Snapshot.ATTRIBUTES)}
        answer = self.table.client.get_item(
            TableName=self.table.name,
            Key=key(layout.request_pk(code), layout.REQUEST_SK),
            ConsistentRead=True,
            ProjectionExpression=", ".join(names),
            ExpressionAttributeNames=names,
        )
        return Snapshot.of(deserialize(answer["Item"])) if "Item" in answer else None

    def commit(self, code: str, read: Tally | None, tally: Tally, change: Contribution) -> bool:
        """Write the new tally and ADD `change` to the counters, in one transaction; False when
        another consumer changed this request's tally since it was read (read again and retry)."""
        if read is None:
            condition, values = "attribute_not_exists(#pk)", {}
        else:
            condition, values = "#v = :v", {":v": read.version}
        put: dict[str, Any] = {
            "TableName": self.table.name,
            "Item": serialize(tally_item(code, tally)),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#pk": layout.PK} if read is None else {"#v": layout.VERSION},
        }
        if values:
            put["ExpressionAttributeValues"] = serialize(values)
        writes: list[dict[str, Any]] = [{"Put": put}]
        writes.extend(
            {"Update": self._add(item_key, amounts)} for item_key, amounts in sorted(change.items())
        )
        return self.table.transact(writes)

    def _add(self, item_key: Key, amounts: Mapping[str, int]) -> dict[str, Any]:
        names = {f"#a{i}": name for i, name in enumerate(sorted(amounts))}
        values = {f":a{i}": amounts[name] for i, name in enumerate(sorted(amounts))}
        return {
            "TableName": self.table.name,
            "Key": key(*item_key),
            "UpdateExpression": "ADD " + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": serialize(values),
        }

    # --- reading --------------------------------------------------------------------------------------

    def counters(self, keys: Iterable[Key]) -> dict[Key, dict[str, int]]:
        """The counter items with these keys (absent ones are left out: nothing was counted there)."""
        wanted: Sequence[Key] = sorted(set(keys))
        found: dict[Key, dict[str, int]] = {}
        for start in range(0, len(wanted), BATCH_GET):
            pending: list[Key] = list(wanted[start : start + BATCH_GET])
            while pending:
                items, pending = self._batch_get(pending)
                self.reads.calls += 1
                for item in items:
                    self.reads.items += 1
                    pk, sk = item.pop(layout.PK), item.pop(layout.SK)
                    found[pk, sk] = {k: int(v) for k, v in item.items() if isinstance(v, int | float)}
        return found

    def _batch_get(self, keys: Sequence[Key]) -> tuple[list[Item], list[Key]]:
        """One BatchGetItem: the items found, and the keys DynamoDB left for another call."""
        answer = self.table.client.batch_get_item(
            RequestItems={self.table.name: {"Keys": [key(pk, sk) for pk, sk in keys]}}
        )
        items = [deserialize(raw) for raw in answer["Responses"].get(self.table.name, [])]
        left = (answer.get("UnprocessedKeys") or {}).get(self.table.name, {}).get("Keys", [])
        return items, [(deserialize(k)[layout.PK], deserialize(k)[layout.SK]) for k in left]
