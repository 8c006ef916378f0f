"""The daily open-data export: a day's requests, anonymised, as CSV and Parquet under fixed keys.

Rerunning a day overwrites the same two objects (the bucket is versioned, so nothing is lost).
The schedule writes yesterday, and writes again the days a week and a month before it, so each
day's file catches up as its requests are answered and resolved (`REFRESH_AFTER_DAYS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from civicdesk.opendata.files import CSV_TYPE, PARQUET_TYPE, to_csv, to_parquet
from civicdesk.opendata.rows import day_bounds, row_of
from civicdesk.opendata.store import DayReader, PublicationBucket

DATASET = "requests"
METRIC_DAYS_WRITTEN = "OpenDataDaysWritten"
"""Counted per day written: the alarm fires when a whole day passes without one."""
REFRESH_AFTER_DAYS = (0, 7, 30)
"""Days after yesterday that the schedule writes again (0: yesterday itself)."""


def csv_key(day: date) -> str:
    """`requests/csv/date=2026-11-30/requests.csv`: Hive-style partitions, one folder per format so
    Athena's Parquet table never reads a CSV file."""
    return f"{DATASET}/csv/date={day.isoformat()}/{DATASET}.csv"


def parquet_key(day: date) -> str:
    return f"{DATASET}/parquet/date={day.isoformat()}/{DATASET}.parquet"


def scheduled_days(now: datetime, zone: ZoneInfo) -> list[date]:
    """Yesterday on the municipality's calendar, then the refreshed days before it."""
    yesterday = now.astimezone(zone).date() - timedelta(days=1)
    return [yesterday - timedelta(days=n) for n in REFRESH_AFTER_DAYS]


@dataclass(frozen=True)
class Written:
    day: date
    rows: int
    keys: tuple[str, str]


def export_day(
    day: date,
    reader: DayReader,
    bucket: PublicationBucket,
    zone: ZoneInfo,
    neighbourhoods: Mapping[str, str],
) -> Written:
    """Read the requests filed on `day` (the municipality's calendar) and put both files."""
    start, end = day_bounds(day, zone)
    items = reader.requests(start, end)
    resolved = reader.resolutions([str(item["code"]) for item in items])
    rows = [row_of(item, resolved.get(str(item["code"])), zone, neighbourhoods) for item in items]
    keys = (csv_key(day), parquet_key(day))
    bucket.put(keys[0], to_csv(rows), CSV_TYPE)
    bucket.put(keys[1], to_parquet(rows), PARQUET_TYPE)
    return Written(day=day, rows=len(rows), keys=keys)
