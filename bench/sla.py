"""What one SLA checker run reads and calls, in a pool of 300,000 requests (`make bench`).

100,000 open requests of which 1,000 are past their first-response deadline, and 200,000 already
flagged or closed. Figures are counts (ScannedCount, botocore calls), never moto's wall time:

- items read by one run / items due (goal <= 1.1), beside the same figure for a naive Scan
- AWS calls per flagged request

Two concessions to moto's speed, neither of which touches what is counted:
- the pool is loaded straight into moto's backend (~300k put_item calls would take ~12 minutes);
- moto does work on the whole table that DynamoDB never does (a deep copy per transaction, a sort
  per GSI query, a sort per Scan page): the run skips the first two (see `_without_whole_table_work`),
  and the naive Scan is only run for real at a tenth of the size (`BENCH_SLA_SCALE=0.1`, the same
  mix), where it shows that a Scan reads exactly the table's ItemCount; at full size that count is
  its figure.
"""

from __future__ import annotations

import copy
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import boto3
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from civicdesk.catalogue.repository import CatalogueRepository
from civicdesk.core.clock import iso
from civicdesk.core.dynamo import Table, serialize
from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.layout import DueStage, due_partition, due_shard
from civicdesk.profile import model as profiles
from civicdesk.requests.codes import ALPHABET, LENGTH
from civicdesk.requests.models import Channel, Kind, Language, ServiceRequest, Status
from civicdesk.requests.repository import RequestRepository, request_item
from civicdesk.sla import checker as sla_checker
from civicdesk.sla import deadlines as sla
from local.calls import counting_aws_calls
from local.template import create_tables

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
NEXT_RUN = timedelta(minutes=5)
SHIPPED = profiles.load(DEFAULT_PROFILE).catalogue()
REAL_SCAN_MAX_ITEMS = 50_000
"""moto re-sorts the whole table for every Scan page: hours at full size, seconds at a tenth."""
OPEN_STATUSES = (Status.ROUTED.value, Status.IN_PROGRESS.value, Status.TRIAGE.value, Status.REOPENED.value)

# (how many at full scale, what they are). The first two groups are the 1,000 due now.
MIX: tuple[tuple[int, str], ...] = (
    (900, "due: warned earlier, deadline passed within the last run interval"),
    (100, "due: 4-hour veterinary case past its deadline, never warned"),
    (3_000, "open: warned, deadline in the next 6 hours"),
    (66_000, "open: deadline more than 6 hours away"),
    (20_000, "open: answered, resolution target ahead"),
    (10_000, "open: answered, no resolution target"),
    (80_000, "flagged earlier, still open"),
    (120_000, "closed"),
)


def _code(i: int) -> str:
    """Distinct, evenly spread tracking codes: i times a prime is a bijection modulo 27^9."""
    n = (i * 1_000_003 + 7) % len(ALPHABET) ** LENGTH
    symbols = []
    for _ in range(LENGTH):
        n, digit = divmod(n, len(ALPHABET))
        symbols.append(ALPHABET[digit])
    return "".join(symbols)


def _item(code: str, group: int, k: int) -> dict[str, Any]:
    """One request item, as the store writes it, for the k-th member of a MIX group."""
    minutes = timedelta(minutes=1)
    category = "veterinary" if group == 1 else "road_sidewalk"
    cat = SHIPPED.category(category)
    hours = timedelta(hours=cat.first_response_hours)
    created = {
        0: NOW - hours - (k % 300) * timedelta(seconds=1),  # due within the last 5 minutes
        1: NOW - hours - (k % 300) * timedelta(seconds=1),
        2: NOW - hours + 1 * minutes + (k % 355) * minutes,  # due within 6 hours
        3: NOW - hours + timedelta(hours=6, minutes=1) + (k % 2_500) * minutes,  # due after 6 hours
    }.get(group, NOW - timedelta(days=3) - (k % 20_000) * minutes)
    answered = group in (4, 5)
    status = {4: Status.IN_PROGRESS, 5: Status.IN_PROGRESS, 7: Status.CLOSED}.get(group, Status.ROUTED)
    request = ServiceRequest(
        code=code,
        kind=Kind.COMPLAINT,
        channel=Channel.CALL_CENTER,
        category=category,
        department=cat.department,
        neighbourhood=None,
        description="Kaldırım taşları kırık, yaşlılar düşüyor; aylardır bekliyoruz.",
        location=None,
        language=Language.TR,
        status=status,
        created_at=created,
        updated_at=created,
        due_at=created + hours,
        resolution_due_at=sla.resolution_deadline(created, cat) if group != 5 else None,
        first_response_at=created + timedelta(hours=2) if answered else None,
        first_response_met=True if answered else None,
        version=3,
    )
    item = request_item(request)
    if group in (0, 2):
        item["due_pk"] = due_partition(due_shard(code), DueStage.OVERDUE)
    elif group == 4 and request.resolution_due_at is not None:
        item["due_pk"] = due_partition(due_shard(code), DueStage.RESOLUTION)
        item["due_sk"] = f"{iso(request.resolution_due_at)}#{code}"  # weeks ahead
    elif group == 6:
        item.pop("due_pk"), item.pop("due_sk")
        item["overdue_at"] = iso(request.due_at + minutes)
    return item


def put_into_moto(table_name: str, items: Iterable[dict[str, Any]]) -> None:
    """Put items straight into moto's backend (no stream records, no per-item API call): a large pool
    loads in seconds instead of minutes."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]].get_table(table_name)
    for item in items:
        attrs = serialize(item)
        pk, sk = DynamoType(attrs["pk"]), DynamoType(attrs["sk"])
        table.items[pk][sk] = Item(pk, sk, attrs)


def _load(table_name: str, scale: float) -> Counter[str]:
    """Put the pool straight into moto's backend. Counts requests, open, due."""
    counts: Counter[str] = Counter()
    items = []
    for group, (count, _) in enumerate(MIX):
        for k in range(max(1, round(count * scale))):
            items.append(_item(_code(counts["requests"]), group, k))
            counts["requests"] += 1
            counts["open"] += group < 6
            counts["due"] += group < 2
            # work for the next run, 5 minutes later: deadlines passing, and deadlines 6 hours away
            counts["flag_next"] += group == 2 and k % 355 <= 4
            counts["warn_next"] += group == 3 and k % 2_500 <= 4
    put_into_moto(table_name, items)
    return counts


@contextmanager
def _without_whole_table_work() -> Iterator[None]:
    """During the checker's run only: skip moto's work on the whole table that DynamoDB never does.

    - TransactWriteItems deep-copies every table it touches, for rollback: skipped (the caller then
      checks that no transaction was cancelled, so no rollback was ever needed);
    - every GSI Query first sorts the whole table: skipped, because moto sorts the matching items
      again itself, so a Query's result and ScannedCount cannot change.
    """
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    if getattr(models, "copy", None) is not copy or not hasattr(Table, "all_items"):
        raise RuntimeError("moto.dynamodb changed: revisit bench/sla.py's shortcuts")

    class _Copy:
        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def unsorted_items(table: Table) -> list[Any]:
        return [item for hash_set in table.items.values() for item in hash_set.values()]

    with mock.patch.object(models, "copy", _Copy), mock.patch.object(Table, "all_items", unsorted_items):
        yield


def _naive_scan(client: Any, table_name: str) -> tuple[int, int, int]:
    """What a checker without the due index would do. Returns (items read, matches, Scan calls)."""
    read = matched = calls = 0
    params: dict[str, Any] = {
        "TableName": table_name,
        "Select": "COUNT",
        "FilterExpression": "item_type = :request AND due_at <= :now AND #status IN (:s0, :s1, :s2, :s3) "
        "AND attribute_not_exists(first_response_at) AND attribute_not_exists(overdue_at)",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": serialize(
            {":request": "request", ":now": iso(NOW), **{f":s{i}": s for i, s in enumerate(OPEN_STATUSES)}}
        ),
    }
    while True:
        page = client.scan(**params)
        read, matched, calls = read + page["ScannedCount"], matched + page["Count"], calls + 1
        if "LastEvaluatedKey" not in page:
            return read, matched, calls
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _calls(calls: Counter[str]) -> str:
    return ", ".join(f"{op.split(':')[1]} {n:,}" for op, n in sorted(calls.items()))


def report(template: dict[str, Any] | None = None) -> None:
    if template is None:
        import tempfile
        from pathlib import Path

        from bench.intake import synth_template

        with tempfile.TemporaryDirectory() as outdir:
            template = synth_template(Path(outdir))
    scale = float(os.environ.get("BENCH_SLA_SCALE", "1"))
    with mock_aws():
        client = boto3.client("dynamodb")
        table_name = next(iter(create_tables(template, client).values()))
        table = Table(table_name, client)
        CatalogueRepository(table).seed(SHIPPED)
        repository = RequestRepository(table)
        started = time.perf_counter()
        pool = _load(table_name, scale)
        loaded = time.perf_counter() - started
        items = client.describe_table(TableName=table_name)["Table"]["ItemCount"]

        started = time.perf_counter()
        scan = _naive_scan(client, table_name) if items <= REAL_SCAN_MAX_ITEMS else None
        scanned = time.perf_counter() - started
        started = time.perf_counter()
        with _without_whole_table_work():
            with counting_aws_calls() as calls:
                run = sla_checker.run(repository, remaining_ms=lambda: 900_000, clock=lambda: NOW)
            later = sla_checker.run(repository, remaining_ms=lambda: 900_000, clock=lambda: NOW + NEXT_RUN)
        checked = time.perf_counter() - started
        if any(r.lost_races or not r.complete for r in (run, later)):
            raise RuntimeError(f"the bench runs must be complete and uncontested: {run}, {later}")

    requests, due = pool["requests"], pool["due"]
    print(f"SLA checker: one run over {requests:,} requests (scale {scale:g})")
    print(
        f"  pool                        : {pool['open']:,} open of which {due:,} due, "
        f"{requests - pool['open']:,} already flagged or closed ({items:,} items with the catalogue)"
    )
    print(
        f"  items read / items due      : {run.items_read / due:.3f}  "
        f"({run.items_read:,} read by {run.queries} queries, {run.flagged:,} flagged; goal <= 1.1)"
    )
    if scan is None:
        print(
            f"  naive Scan, same figure     : {items / due:,.1f}  (a Scan reads all {items:,} items; "
            "at BENCH_SLA_SCALE=0.1 a real paginated Scan shows ScannedCount == ItemCount)"
        )
    else:
        scan_read, scan_matched, scan_calls = scan
        print(
            f"  naive Scan, same figure     : {scan_read / due:,.1f}  "
            f"({scan_read:,} read in {scan_calls} Scan calls; its filter finds {scan_matched:,})"
        )
    print(f"  AWS calls per flagged       : {calls.total() / run.flagged:.3f}  ({_calls(calls)})")
    print(
        f"  the next run, 5 min later   : {later.items_read:,} read for {pool['flag_next']:,} to flag and "
        f"{pool['warn_next']:,} to warn: {later.flagged:,} flagged, {later.warned:,} warned "
        f"(the {run.flagged:,} flagged before are out of the index)"
    )
    scan_time = f", scan {scanned:.0f} s" if scan is not None else ""
    print(
        f"  (moto wall time, not a figure: load {loaded:.0f} s, two runs {checked:.0f} s{scan_time}; "
        "no transaction was cancelled)\n"
    )
