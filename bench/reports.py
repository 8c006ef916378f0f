"""What a needs-analysis report reads, and what counting one event costs (`make bench`).

- items read and AWS calls per report over a whole year, for the Bornova sample year (~50,000
  requests, `local/sample.py`'s `sample_year`) and for a synthetic metropolitan year of 3 million
  (counters only: the sample year's counters scaled up, the same items with 60x the numbers —
  which is the point: what a report reads depends on the calendar and the catalogue, not the volume);
  The metropolitan year is read from memory through the same batching code (`StatsStore.counters`):
  moto spends minutes serializing items of a thousand numbers, and the items are the same ones;
- the largest counter item (DynamoDB's item limit is 400 KB) and the number of counter items a year;
- AWS calls per counted event, first delivery and repeat, through `civicdesk.reports.counting`;
- the year's story: the busiest categories, neighbourhoods and channels.

Counts, never moto's wall time. The sample year's counters are computed in memory as a rebuild does
and only the counter items go into the emulator: the reports read nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from civicdesk.core.dynamo import Table
from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.profile import model as profiles
from civicdesk.reports.counting import count
from civicdesk.reports.figures import Reports
from civicdesk.reports.periods import Granularity, Period
from civicdesk.reports.rebuild import tally_of
from civicdesk.reports.store import StatsStore, counter_item
from civicdesk.reports.tally import Contribution, Occurrence, add_into, contribution
from civicdesk.requests.repository import entry_item
from local.calls import counting_aws_calls
from local.sample import items_of, sample_year, wire, write_history
from local.tables import lean_tables

UNTIL = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
METRO_YEAR = 3_000_000
GOAL_METRO = 10_000
"""The issue's bound: a year's report reads at most this many items at 3 million requests a year."""


def _table() -> Table:
    client = boto3.client("dynamodb")
    client.create_table(
        TableName="pool",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return Table("pool", client)


def _year_counters() -> tuple[Contribution, int, list[Any]]:
    """The sample year's counters (as a rebuild makes them), its size, and a few lives to replay."""
    profile = profiles.load(DEFAULT_PROFILE)
    counters: Contribution = {}
    requests = 0
    lives: list[Any] = []
    for request, entries in sample_year(profile, profile.catalogue(), until=UNTIL):
        items = list(items_of([(request, entries)]))
        tally = tally_of(items[0], items[1:])
        add_into(counters, contribution(tally.snapshot, tally.digest, profile.zone))
        requests += 1
        if requests % 500 == 0:
            lives.append((items[0], [entry_item(e) for e in entries]))
    return counters, requests, lives


def _scaled(counters: Contribution, factor: int) -> Contribution:
    return {k: {a: n * factor for a, n in v.items()} for k, v in counters.items()}


def _item_bytes(key: tuple[str, str], attributes: dict[str, int]) -> int:
    """DynamoDB's item size: names plus values (numbers: about 1 byte per 2 digits + 1)."""
    size = len(key[0]) + len(key[1]) + 4
    return size + sum(len(a) + 1 + math.ceil(len(str(n)) / 2) for a, n in attributes.items())


REPORTS: tuple[tuple[str, Callable[[Reports, Period], Any]], ...] = (
    ("summary", lambda r, p: r.summary(p)),
    ("series by day", lambda r, p: r.series(p, Granularity.DAY)),
    ("series by month", lambda r, p: r.series(p, Granularity.MONTH)),
    ("places", lambda r, p: r.places(p)),
    ("promise", lambda r, p: r.promise(p)),
    ("routing", lambda r, p: r.routing(p)),
    ("backlog", lambda r, p: r.backlog()),
)


class MemoryStats(StatsStore):
    """Counter items held in memory, read in the same batches of a hundred keys as from DynamoDB."""

    def __init__(self, counters: Contribution) -> None:
        super().__init__(Table("memory"))  # never asked: `_batch_get` is answered from memory
        self.items = counters

    def _batch_get(self, keys: Any) -> tuple[list[Any], list[Any]]:
        found = [{"pk": pk, "sk": sk, **self.items[pk, sk]} for pk, sk in keys if (pk, sk) in self.items]
        return found, []


def _measure(store: StatsStore, today: date) -> tuple[list[tuple[str, int, int]], Any]:
    """(report, items read, calls) for each report over the year to `today`, and the year's summary."""
    profile = profiles.load(DEFAULT_PROFILE)
    reports = Reports(store, profile.catalogue(), profile.time_zone, today)
    year = Period(today - timedelta(days=364), today)
    rows, summary = [], None
    for name, run in REPORTS:
        store.reads.items = store.reads.calls = 0
        answer = run(reports, year)
        summary = summary or answer
        rows.append((name, store.reads.items, store.reads.calls))
    store.reads.items = store.reads.calls = 0
    reports.summary(year, frozenset({"veterinary_affairs"}))
    rows.append(("summary, one department", store.reads.items, store.reads.calls))
    return rows, summary


def _in_moto(counters: Contribution, today: date) -> tuple[list[tuple[str, int, int]], Any]:
    """`_measure` against the emulator, the AWS calls counted by botocore."""
    with mock_aws():
        table = _table()
        write_history(table.name, (wire(counter_item(k, v)) for k, v in counters.items()))
        with counting_aws_calls() as calls:
            rows, summary = _measure(StatsStore(table), today)
        assert sum(calls.values()) == sum(r[2] for r in rows), calls  # the store counts every call
    return rows, summary


def _story(summary: Any) -> str:
    top = lambda rows: ", ".join(f"{r.code} {r.filed:,}" for r in rows[:4])  # noqa: E731
    return (
        f"    categories: {top(summary.by_category)}\n"
        f"    neighbourhoods: {top(summary.by_neighbourhood)}\n"
        f"    channels: {top(summary.by_channel)}\n"
        f"    48-hour promise kept: {summary.compliance.share_in_time:.1%}"
    )


def _counting_calls(lives: list[Any]) -> tuple[float, float, dict[str, int]]:
    """AWS calls per event counted the first time, per event seen again, and the first's operations."""
    profile = profiles.load(DEFAULT_PROFILE)
    with mock_aws(), lean_tables():  # no whole-table copy per transaction: not what DynamoDB does
        table = _table()
        store = StatsStore(table)
        events = []
        for request, entries in lives:
            table.put(request)
            for entry in entries:
                table.put(entry)
                events.append((request["code"], Occurrence.of_entry_item(entry)))
        with counting_aws_calls() as first:
            for code, event in events:
                count(code, event, store, profile.zone)
        with counting_aws_calls() as again:
            for code, event in events:
                count(code, event, store, profile.zone)
    operations = {op.split(":")[1]: n for op, n in first.items()}
    return sum(first.values()) / len(events), sum(again.values()) / len(events), operations


def report(template: dict[str, Any] | None = None) -> None:
    print("Needs analysis (reports from counters kept from the events)")
    counters, requests, lives = _year_counters()
    today = (UNTIL.astimezone(profiles.load(DEFAULT_PROFILE).zone)).date()
    sizes = sorted(_item_bytes(k, v) for k, v in counters.items())
    print(
        f"  sample year: {requests:,} requests -> {len(counters):,} counter items; "
        f"largest {sizes[-1]:,} bytes"
    )
    rows, summary = _in_moto(counters, today)
    print(_story(summary))
    factor = round(METRO_YEAR / requests)
    metro = _scaled(counters, factor)
    metro_rows, _ = _measure(MemoryStats(metro), today)
    metro_largest = max(_item_bytes(k, v) for k, v in metro.items())
    print(
        f"  a year's report, items read / AWS calls (sample year | {METRO_YEAR:,}-request year, x{factor}):"
    )
    for (name, items, calls), (_, m_items, m_calls) in zip(rows, metro_rows, strict=True):
        print(f"    {name:<24} {items:>5} items {calls:>3} calls | {m_items:>5} items {m_calls:>3} calls")
    worst = max(items for _, items, _ in metro_rows)
    verdict = "within" if worst <= GOAL_METRO else "OVER"
    print(f"  most items any year's report reads at 3M/year: {worst} ({verdict} the goal of {GOAL_METRO:,})")
    print(f"  largest counter item at 3M/year: {metro_largest:,} bytes (DynamoDB's limit: 409,600)")
    per_event, per_repeat, operations = _counting_calls(lives)
    listed = ", ".join(f"{op} {n}" for op, n in sorted(operations.items()))
    print(
        f"  AWS calls per counted event: {per_event:.2f} first time ({listed}); "
        f"{per_repeat:.2f} again (reads only)"
    )
    print()


if __name__ == "__main__":
    report()
