"""Open data from the template's stack in moto: a sample month in the pool, the real open-data
function writes a day's CSV and Parquet files; they agree, hold that day's requests and no personal
data, and a rerun replaces them. The table's export starts into its own bucket."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from civicdesk.core.dynamo import Table, deserialize
from civicdesk.opendata.files import read_parquet
from civicdesk.opendata.rows import COLUMNS
from civicdesk.opendata.service import csv_key, parquet_key
from civicdesk.requests.models import Contact
from civicdesk.requests.repository import contact_item, request_item
from local.sample import load_sample, sample_requests
from tests.integration.conftest import Cloud, LambdaContext
from tests.support import PROFILE, SHIPPED

UNTIL = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MONTH = 300
DAY = date(2026, 11, 20)
PHONE = re.compile(r"(?:\+?90)?\s?0?5\d{2}\s?\d{3}\s?\d{2}\s?\d{2}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture
def seeded(cloud: Cloud) -> Cloud:
    """The stack with a sample month of requests (descriptions, places and photos too)."""
    load_sample(cloud.table, PROFILE, SHIPPED, MONTH, until=UNTIL, workers=1)
    return cloud


def _open_data(cloud: Cloud, day: date) -> dict[str, Any]:
    answer: dict[str, Any] = cloud.emulated.handler("OpenDataExport")(
        {"day": day.isoformat()}, LambdaContext()
    )
    return answer


def _bucket(cloud: Cloud, logical_prefix: str) -> str:
    (name,) = [v for k, v in cloud.resources.refs.items() if k.startswith(logical_prefix) and "Logs" not in k]
    return name


def _files(cloud: Cloud, day: date) -> tuple[list[dict[str, str]], list[dict[str, Any]], bytes]:
    s3, bucket = boto3.client("s3"), _bucket(cloud, "OpenDataPublication")
    text = s3.get_object(Bucket=bucket, Key=csv_key(day))["Body"].read()
    parquet = s3.get_object(Bucket=bucket, Key=parquet_key(day))["Body"].read()
    return list(csv.DictReader(io.StringIO(text.decode("utf-8")))), read_parquet(parquet), text


def _filed_on(day: date) -> list[Any]:
    samples = sample_requests(PROFILE, SHIPPED, MONTH, until=UNTIL)
    return [r for r, _ in samples if r.created_at.astimezone(PROFILE.zone).date() == day]


def test_a_day_is_written_as_csv_and_parquet_that_agree_and_hold_that_days_requests(seeded: Cloud) -> None:
    # Given a sample month in the pool
    expected = _filed_on(DAY)
    assert expected, "the sample has requests on that day"
    # When the open-data function writes that day
    answer = _open_data(seeded, DAY)
    # Then both files are there, with one row per request filed that day (Istanbul's calendar)
    rows, records, _ = _files(seeded, DAY)
    assert answer["days"] == {DAY.isoformat(): len(expected)}
    assert len(rows) == len(records) == len(expected)
    assert {r["filed_date"] for r in rows} == {DAY.isoformat()}
    # And they agree, value for value
    as_text = [{k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
                for k, v in record.items()} for record in records]  # fmt: skip
    assert as_text == rows

    # And each row has the request's codes (no code of its own to match them by: compare as multisets)
    def codes(r: Any) -> tuple[str, str, str, str]:
        return (r.channel.value, r.kind.value, r.category or "", r.neighbourhood or "")

    assert sorted((r["channel"], r["kind"], r["category"], r["neighbourhood"]) for r in rows) == sorted(
        codes(r) for r in expected
    )


def test_no_personal_data_or_free_text_reaches_either_file(seeded: Cloud) -> None:
    # Given what the pool holds about citizens: descriptions, addresses, points, codes, and the
    # contact details of that day's callers
    pool = Table(seeded.table)
    for n, request in enumerate(_filed_on(DAY)):
        contact = Contact(name=f"Ayşe Yılmaz {n}", phone=f"+90532123{n:04d}", email=f"ayse{n}@example.com.tr")
        pool.put(contact_item(request.code, contact))
    citizens = ("request", "contact", "entry")
    items = [i for i in map(deserialize, _scan(seeded.table)) if i.get("item_type") in citizens]
    secrets: set[str] = set()
    for item in items:
        for field in ("name", "phone", "email", "whatsapp_id", "description", "code", "text", "note"):
            if isinstance(item.get(field), str) and len(item[field]) >= 4:
                secrets.add(item[field])
        location = item.get("location") or {}
        secrets.update(str(location[k]) for k in ("lat", "lon", "address") if location.get(k) is not None)
    assert any("@" in s for s in secrets)
    assert len(secrets) > 300  # codes, descriptions, places, texts
    # When a day is written
    _open_data(seeded, DAY)
    rows, records, text = _files(seeded, DAY)
    # Then no cell of either file is, or contains, any of it; nothing looks like a phone or e-mail
    cells = {str(v) for row in rows for v in row.values()} | {str(v) for r in records for v in r.values()}
    assert not [s for s in secrets if any(s in cell for cell in cells)]
    assert not PHONE.search(text.decode())
    assert not EMAIL.search(text.decode())
    # And only the published columns are there: no coordinate finer than the neighbourhood
    assert tuple(rows[0]) == COLUMNS == tuple(records[0])


def test_rerunning_a_day_replaces_the_same_two_objects(seeded: Cloud) -> None:
    # Given a day written once
    _open_data(seeded, DAY)
    s3, bucket = boto3.client("s3"), _bucket(seeded, "OpenDataPublication")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == sorted((csv_key(DAY), parquet_key(DAY)))
    # And one more request filed that day, found later (a late import, say)
    late = _filed_on(DAY)[0].model_copy(update={"code": "LATE0001"})
    Table(seeded.table).put(request_item(late))
    # When the day is written again
    _open_data(seeded, DAY)
    # Then the same two keys hold the day with it, and nothing else was added
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]) == keys
    rows, records, _ = _files(seeded, DAY)
    assert len(rows) == len(records) == len(_filed_on(DAY)) + 1


def test_the_scheduled_run_writes_yesterday_and_the_days_it_refreshes(
    seeded: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the schedule fires at 00:15 Istanbul on 1 December
    from functions.opendata import handler

    monkeypatch.setattr(handler, "utc_now", lambda: datetime(2026, 11, 30, 21, 15, tzinfo=UTC))
    # When it runs with EventBridge's scheduled event
    answer = seeded.emulated.handler("OpenDataExport")({"detail-type": "Scheduled Event"}, LambdaContext())
    # Then yesterday (30 November), a week and a month before it were written
    assert list(answer["days"]) == ["2026-11-30", "2026-11-23", "2026-10-31"]
    for day in (date(2026, 11, 30), date(2026, 11, 23)):
        rows, _, _ = _files(seeded, day)
        assert len(rows) == len(_filed_on(day))


def test_the_table_export_starts_into_its_own_encrypted_bucket(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a Monday's run (the full export's day)
    from functions.opendata import handler

    monkeypatch.setattr(handler, "utc_now", lambda: datetime(2026, 11, 30, 2, 0, 5, tzinfo=UTC))
    # When the export function runs
    answer = cloud.emulated.handler("OpenDataTableExport")({}, LambdaContext())
    # Then DynamoDB exports the table into the export bucket under the day's prefix
    description = boto3.client("dynamodb").describe_export(ExportArn=answer["export"])["ExportDescription"]
    assert description["S3Bucket"] == _bucket(cloud, "OpenDataTableExports")
    assert description["S3Prefix"] == "table/full/2026-11-30/"
    assert answer["kind"] == "FULL_EXPORT"


def _scan(table: str) -> Iterator[dict[str, Any]]:
    """Every item (a test may look at all of it; the functions never scan)."""
    for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table):
        yield from page["Items"]


def test_the_day_reads_two_key_ranges_of_the_created_index(seeded: Cloud) -> None:
    # Given the day reader over the pool
    from civicdesk.opendata.rows import day_bounds
    from civicdesk.opendata.store import DayReader

    reader = DayReader(Table(seeded.table))
    # When it reads one Istanbul day
    start, end = day_bounds(DAY, PROFILE.zone)
    items = reader.requests(start, end)
    # Then two queries (the UTC days it spans) return exactly that day's requests, nothing else
    assert reader.reads.calls == 2
    assert reader.reads.items == len(items) == len(_filed_on(DAY))
    assert all(start <= datetime.fromisoformat(i["created_at"].replace("Z", "+00:00")) < end for i in items)
    assert timedelta(0) < end - start
