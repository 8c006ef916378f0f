"""moto's DynamoDB with its answers kept and its whole-table work taken out, for a pool of a year.

moto does work on the whole table that DynamoDB never does: every Query and Scan first sorts every
item of the table (comparing them in Python), and every TransactWriteItems deep-copies every table it
touches, for a rollback. With a year of sample requests (~300,000 items) a status look-up then takes
half a minute and filing a request longer. While `lean_tables()` is active:

- a table Query reads only its own partition (moto sorts it by sort key);
- an index Query reads the items unsorted (moto sorts what matches the index itself);
- a Scan sorts by the keys' plain string values (the same order moto's comparison gives for the
  string keys our table has; other key types keep moto's own sort);
- a transaction saves the items it touches, not whole tables, and puts them back if it is cancelled.

Answers, pages and cancellations stay exactly moto's (tests/integration/test_local_tables.py checks
them side by side). This is moto's private model: `check_emulator_contract` fails loudly when it moves.
"""

from __future__ import annotations

import copy
import inspect
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from moto.dynamodb import models
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

_QUERY_INDEX_NAME = 8
"""`Table.query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
scan_index_forward, projection_expressions, index_name, ...)`: where `index_name` sits."""
_reading = threading.local()
"""Which table's Query is running on this thread, and what it needs from `all_items`."""
_PARTITION, _UNSORTED = "partition", "unsorted"


def check_emulator_contract() -> None:
    """Raise if moto's DynamoDB is not what these shortcuts were written for."""
    query = list(inspect.signature(Table.query).parameters)
    problems = []
    if query[: _QUERY_INDEX_NAME + 1][-2:] != ["projection_expressions", "index_name"]:
        problems.append(f"Table.query{query}")
    if getattr(models, "copy", None) is not copy:
        problems.append("moto.dynamodb.models no longer deep-copies through `copy`")
    if not callable(getattr(Table, "all_items", None)) or not hasattr(
        models.DynamoDBBackend, "transact_write_items"
    ):
        problems.append("Table.all_items or DynamoDBBackend.transact_write_items is gone")
    if problems:
        raise RuntimeError(f"moto.dynamodb changed, revisit local/tables.py: {'; '.join(problems)}")


@contextmanager
def lean_tables() -> Iterator[None]:
    """While active, moto's DynamoDB answers as before without its whole-table work."""
    check_emulator_contract()
    original_query, original_all_items = Table.query, Table.all_items
    original_transact = models.DynamoDBBackend.transact_write_items

    def query(self: Table, hash_key: DynamoType, *args: Any, **kwargs: Any) -> Any:
        index_name = (
            args[_QUERY_INDEX_NAME - 2] if len(args) > _QUERY_INDEX_NAME - 2 else kwargs.get("index_name")
        )
        _reading.table, _reading.need, _reading.partition = (
            self,
            _UNSORTED if index_name else _PARTITION,
            hash_key,
        )
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _reading.table = None

    def all_items(self: Table) -> list[Item]:
        if getattr(_reading, "table", None) is self and self.range_key_attr is not None:
            if _reading.need == _UNSORTED:
                return [item for partition in self.items.values() for item in partition.values()]
            return list(self.items.get(_reading.partition, {}).values())  # moto sorts them by sort key
        if _string_keys(self):
            items = [item for partition in self.items.values() for item in partition.values()]
            return sorted(items, key=lambda item: (item.hash_key.value, item.range_key.value))
        return original_all_items(self)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _touched(self, transact_items)
        try:
            original_transact(self, transact_items)
        except Exception:  # cancelled or refused: what moto's rollback would have restored
            _restore(saved)
            raise

    class _TablesNotCopied:
        """moto's `copy` module as its transactions see it: a whole Table is not copied."""

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    with (
        mock.patch.object(Table, "query", query),
        mock.patch.object(Table, "all_items", all_items),
        mock.patch.object(models.DynamoDBBackend, "transact_write_items", transact_write_items),
        mock.patch.object(models, "copy", _TablesNotCopied),
    ):
        yield


def _string_keys(table: Table) -> bool:
    types = {a["AttributeName"]: a["AttributeType"] for a in table.attr}
    return (
        table.range_key_attr is not None
        and types.get(table.hash_key_attr) == types.get(table.range_key_attr) == "S"
    )


Saved = list[tuple[Table, DynamoType, DynamoType, Item | None]]


def _touched(backend: Any, transact_items: list[dict[str, Any]]) -> Saved:
    """A copy of each item a transaction may change (None where there is none yet)."""
    saved: Saved = []
    for operation in transact_items:
        kind, op = next(iter(operation.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None or table.range_key_attr is None:
            continue
        key = op["Item"] if kind == "Put" else op.get("Key", {})
        if table.hash_key_attr not in key or table.range_key_attr not in key:
            continue
        pk, sk = DynamoType(key[table.hash_key_attr]), DynamoType(key[table.range_key_attr])
        current = table.items[pk].get(sk) if pk in table.items else None
        saved.append((table, pk, sk, copy.deepcopy(current)))
    return saved


def _restore(saved: Saved) -> None:
    for table, pk, sk, item in reversed(saved):
        if item is not None:
            table.items[pk][sk] = item
        elif pk in table.items:
            table.items[pk].pop(sk, None)
            if not table.items[pk]:
                del table.items[pk]
