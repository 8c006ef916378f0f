"""Staff queues, served from the table's indexes — never a Scan.

A queue is one or more index partitions read in sort-key order and merged: a department's open work
(`work`, newest first; `work_due`, most urgent first), one status of a department (`queue`), the
triage queue (`queue` of `-#triage`), a supervisor's attention list (`attention`). Status, order,
date range and `due_before` are key conditions, so a page reads what it shows; category,
neighbourhood, channel and text narrow within those partitions (a filter: the page reads more).

Pages hold still while requests arrive: the cursor is, for every partition, the key of the last item
*shown* from it, so the next page continues exactly there, whatever was filed meanwhile. The cursor
is opaque to clients and bound to the filters it was made for.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from civicdesk import layout
from civicdesk.core.clock import iso
from civicdesk.core.dynamo import Item, Table, serialize
from civicdesk.core.errors import InvalidInput
from civicdesk.requests.models import WORK_STATUSES, Channel, ServiceRequest, Status
from civicdesk.requests.repository import request_from_item


class Order(StrEnum):
    NEWEST = "newest"
    DUE = "due"


@dataclass(frozen=True)
class Filters:
    """What a queue page asks for. `departments` None means every department (scope ALL)."""

    departments: frozenset[str] | None
    status: Status | None = None
    category: str | None = None
    neighbourhood: str | None = None
    channel: Channel | None = None
    overdue: bool = False
    transfer_asked: bool = False
    due_before: datetime | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    text: str | None = None
    order: Order = Order.NEWEST

    def fingerprint(self) -> str:
        """What a cursor is bound to: the same filters, or the cursor is refused."""
        departments = sorted(self.departments) if self.departments is not None else None
        values = [
            departments,
            *(str(getattr(self, f)) for f in self.__dataclass_fields__ if f != "departments"),
        ]
        return hashlib.sha256(json.dumps(values).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Partition:
    index: layout.Index
    pk: str
    ascending: bool
    lower: str | None = None
    upper: str | None = None


@dataclass
class QueuePage:
    requests: list[ServiceRequest]
    next_cursor: str | None
    read: int = 0
    """Items the queries read (ScannedCount): what the page cost."""
    queries: int = 0


def plan(filters: Filters, all_departments: Iterable[str]) -> list[Partition]:
    """The index partitions that hold exactly this queue, in the order they are read."""
    everyone = sorted(all_departments)
    departments = sorted(filters.departments) if filters.departments is not None else everyone
    if filters.overdue or filters.transfer_asked:
        kind = layout.Attention.TRANSFER if filters.transfer_asked else layout.Attention.OVERDUE
        return [Partition(layout.ATTENTION, kind.value, ascending=True)]
    created = _range(filters.created_from, filters.created_to)
    if filters.status in (Status.TRIAGE, Status.RECEIVED):
        if filters.departments is not None:
            return []  # nothing unrouted belongs to a department
        return [Partition(layout.QUEUE, layout.queue_partition(None, filters.status), False, *created)]
    if filters.status is not None and not (filters.order is Order.DUE and filters.status in WORK_STATUSES):
        return [
            Partition(layout.QUEUE, layout.queue_partition(d, filters.status), False, *created)
            for d in departments
        ]
    if filters.order is Order.DUE:
        upper = iso(filters.due_before) + layout.UNTIL_END if filters.due_before else None
        return [Partition(layout.WORK_DUE, layout.work_partition(d), True, None, upper) for d in departments]
    return [Partition(layout.WORK, layout.work_partition(d), False, *created) for d in departments]


def _range(start: datetime | None, end: datetime | None) -> tuple[str | None, str | None]:
    return (iso(start) if start else None, iso(end) + layout.UNTIL_END if end else None)


def _filter(filters: Filters, partition: Partition) -> tuple[str, dict[str, str], dict[str, Any]]:
    """What the key condition cannot say, as a FilterExpression."""
    clauses: list[str] = []
    names: dict[str, str] = {}
    values: dict[str, Any] = {}

    def equal(attribute: str, value: str) -> None:
        names[f"#{attribute}"] = attribute
        values[f":{attribute}"] = value
        clauses.append(f"#{attribute} = :{attribute}")

    if filters.category:
        equal("category", filters.category)
    if filters.neighbourhood:
        equal("neighbourhood", filters.neighbourhood)
    if filters.channel:
        equal("channel", filters.channel.value)
    if filters.status and partition.index in (layout.WORK_DUE, layout.ATTENTION):
        equal("status", filters.status.value)
    if partition.index is layout.ATTENTION and filters.departments is not None:
        names["#department"] = "department"
        keys = [f":d{i}" for i in range(len(filters.departments))]
        values.update(dict(zip(keys, sorted(filters.departments), strict=True)))
        clauses.append(f"#department IN ({', '.join(keys) or ':none'})")
        if not keys:
            values[":none"] = ""
    if partition.index is not layout.WORK_DUE and filters.due_before:
        names["#due_at"] = "due_at"
        values[":due_before"] = iso(filters.due_before)
        clauses.append("#due_at <= :due_before")
    if partition.index in (layout.WORK_DUE, layout.ATTENTION) and (
        filters.created_from or filters.created_to
    ):
        names["#created_at"] = "created_at"
        lower, upper = _range(filters.created_from, filters.created_to)
        values[":created_from"] = lower or ""
        values[":created_to"] = upper or "~"
        clauses.append("#created_at BETWEEN :created_from AND :created_to")
    if filters.text:
        names["#description"] = "description"
        values[":text"] = filters.text
        clauses.append("contains(#description, :text)")
    return " AND ".join(clauses), names, values


@dataclass
class _Stream:
    """One partition being read: what was fetched and not shown yet, and where to continue."""

    partition: Partition
    start: dict[str, Any] | None
    shown_from: dict[str, Any] | None
    buffer: list[Item] = field(default_factory=list)
    done: bool = False


class QueueReader:
    def __init__(self, table: Table) -> None:
        self.table = table

    def page(
        self, filters: Filters, all_departments: Iterable[str], limit: int, cursor: str | None
    ) -> QueuePage:
        partitions = plan(filters, all_departments)
        starts = _decode(cursor, filters, partitions)
        streams = [_Stream(p, starts.get(_name(p)), starts.get(_name(p))) for p in partitions]
        result = QueuePage(requests=[], next_cursor=None)
        chunk = max(1, math.ceil(limit / max(1, len(streams))))
        while len(result.requests) < limit:
            for stream in streams:
                while not stream.buffer and not stream.done:
                    self._fetch(stream, filters, chunk, result)
            ready = [s for s in streams if s.buffer]
            if not ready:
                break
            best = _best(ready)
            item = best.buffer.pop(0)
            best.shown_from = _key(item, best.partition.index)
            result.requests.append(request_from_item(item))
        if any(s.buffer or not s.done for s in streams):
            result.next_cursor = _encode(filters, {_name(s.partition): s.shown_from for s in streams})
        return result

    def _fetch(self, stream: _Stream, filters: Filters, limit: int, result: QueuePage) -> None:
        partition = stream.partition
        condition = "#pk = :pk"
        names = {"#pk": partition.index.pk}
        values: dict[str, Any] = {":pk": partition.pk}
        if partition.lower or partition.upper:
            names["#sk"] = partition.index.sk
            if partition.lower:
                values[":lower"] = partition.lower
            if partition.upper:
                values[":upper"] = partition.upper
            bounds = {
                (True, True): "BETWEEN :lower AND :upper",
                (True, False): ">= :lower",
                (False, True): "<= :upper",
            }
            condition += f" AND #sk {bounds[bool(partition.lower), bool(partition.upper)]}"
        expression, filter_names, filter_values = _filter(filters, partition)
        params: dict[str, Any] = {
            "KeyConditionExpression": condition,
            "ScanIndexForward": partition.ascending,
            "ExpressionAttributeNames": {**names, **filter_names},
            "ExpressionAttributeValues": serialize({**values, **filter_values}),
        }
        if expression:
            params["FilterExpression"] = expression
        items, read, next_start = self.table.query_page(
            limit, stream.start, IndexName=partition.index.name, **params
        )
        result.read += read
        result.queries += 1
        stream.buffer.extend(items)
        stream.start = next_start
        stream.done = next_start is None


def _best(streams: Sequence[_Stream]) -> _Stream:
    """The stream whose next item comes first in the queue's order (all streams share one order)."""
    ascending = streams[0].partition.ascending
    index = streams[0].partition.index
    pick = min if ascending else max
    return pick(streams, key=lambda s: str(s.buffer[0].get(index.sk, "")))


def _key(item: Item, index: layout.Index) -> dict[str, Any]:
    """The exclusive start key of an index query that continues right after `item`."""
    return serialize({k: item[k] for k in (layout.PK, layout.SK, index.pk, index.sk)})


def _name(partition: Partition) -> str:
    return f"{partition.index.name}:{partition.pk}"


def _encode(filters: Filters, starts: dict[str, dict[str, Any] | None]) -> str:
    body = {"f": filters.fingerprint(), "s": {k: v for k, v in starts.items() if v is not None}}
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(
    cursor: str | None, filters: Filters, partitions: Sequence[Partition]
) -> dict[str, dict[str, Any]]:
    """The start keys a cursor holds, checked: made for these filters, each inside its own partition."""
    if not cursor:
        return {}
    refused = InvalidInput({"cursor": "not a cursor this queue gave out, or the filters changed"})
    try:
        body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        starts = body["s"]
        fingerprint = body["f"]
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise refused from error
    by_name = {_name(p): p for p in partitions}
    if (
        fingerprint != filters.fingerprint()
        or not isinstance(starts, dict)
        or not set(starts) <= set(by_name)
    ):
        raise refused
    for name, start in starts.items():
        index = by_name[name].index
        expected = {layout.PK, layout.SK, index.pk, index.sk}
        if not (
            isinstance(start, dict) and set(start) == expected and all(_is_string(v) for v in start.values())
        ):
            raise refused
        if start[index.pk]["S"] != by_name[name].pk:
            raise refused
    return starts


def _is_string(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"S"} and isinstance(value["S"], str)
