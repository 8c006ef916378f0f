"""What one day's open-data export reads and calls (`make bench`).

Bornova's volume: the sample year's mean day (~137 requests). The pool holds that day and the two
around it (so the key ranges are seen to leave out what is not the day), each request with its tally;
the export reads the `created` index (two key ranges: Istanbul's day spans two UTC days) and the
tallies (BatchGetItem, a hundred at a time), then puts two objects. Counts, never moto's wall time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from civicdesk.core.dynamo import Table
from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.opendata.rows import day_bounds
from civicdesk.opendata.service import REFRESH_AFTER_DAYS, export_day
from civicdesk.opendata.store import DayReader, PublicationBucket
from civicdesk.profile import model as profiles
from civicdesk.reports.rebuild import tally_of
from civicdesk.reports.store import tally_item
from civicdesk.requests.repository import entry_item
from local.calls import counting_aws_calls
from local.sample import Shape, items_of, sample_requests, wire, write_history
from local.template import create_tables

DAY = date(2026, 11, 20)
UNTIL = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
WINDOW_DAYS = 30  # the sample spreads its requests over the last 30 days


def _per_day(profile: Any) -> float:
    return Shape.of(profile, profile.catalogue()).requests_per_year / 365


def _written(table: str, profile: Any) -> tuple[int, int]:
    """Write the day and its neighbours (requests, tallies); (the day's requests, items in the pool)."""
    catalogue, per_day = profile.catalogue(), _per_day(profile)
    start, end = day_bounds(DAY, profile.zone)
    near_start, near_end = start - timedelta(days=1), end + timedelta(days=1)
    on_day = 0
    wired: list[dict[str, Any]] = []
    for request, entries in sample_requests(profile, catalogue, round(per_day * WINDOW_DAYS), until=UNTIL):
        if not near_start <= request.created_at < near_end:
            continue
        items = list(items_of([(request, entries)]))
        tally = tally_of(items[0], [entry_item(e) for e in entries])
        wired += [wire(items[0]), wire(tally_item(request.code, tally))]
        on_day += start <= request.created_at < end
    written = write_history(table, wired)
    return on_day, written


def report(template: dict[str, Any]) -> None:
    profile = profiles.load(DEFAULT_PROFILE)
    names = {n.code: n.name for n in profile.neighbourhoods}
    with mock_aws():
        (table,) = create_tables(template, boto3.client("dynamodb")).values()
        boto3.client("s3").create_bucket(
            Bucket="opendata", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
        )
        on_day, in_pool = _written(table, profile)
        reader, bucket = DayReader(Table(table)), PublicationBucket("opendata")
        with counting_aws_calls() as calls:
            done = export_day(DAY, reader, bucket, profile.zone, names)
    total, items, days = sum(calls.values()), reader.reads.items, len(REFRESH_AFTER_DAYS)
    print(f"Open data: one day's export at Bornova's volume (~{_per_day(profile):.0f} requests a day, mean)")
    print(
        f"  requests filed on {DAY} (Istanbul) {done.rows} (the pool: {in_pool} items, 3 days with tallies)"
    )
    print(f"  items read                          {items} ({items / done.rows:.2f} per row)")
    print(
        f"  AWS calls                           {total}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
    )
    print(f"  ratio                               {total / done.rows:.3f} calls per row written")
    print(
        f"  the daily run writes {days} days (yesterday, a week and a month back): "
        f"~{days * items} items, ~{days * total} calls a day"
    )
    print("  (a Scan would read every item of the pool, a year's requests and their timelines: never done)")
    assert done.rows == on_day, "the export holds exactly the day's requests"
    print()
