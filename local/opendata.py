"""`make run`'s open data: the sample's last week written by the real open-data function at start-up,
and every file of the publication bucket copied to `build/opendata/` so a person can open them.

The deployed schedule writes yesterday each night; locally the timer keeps intervals, not a calendar,
so start-up writes the week a person wants to look at (the emulator's bucket keeps later runs too).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3

from local.cloud import LocalResources

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "build" / "opendata"
DAYS = 7
FUNCTION = "OpenDataExport"
BUCKET = "OpenDataPublication"


def _one(found: list[str], what: str) -> str:
    if len(found) != 1:
        raise RuntimeError(f"expected one {what} in the template, found {found}")
    return found[0]


def publish_sample_week(
    resources: LocalResources,
    invoke: Callable[[str, dict[str, Any]], Any],
    zone: ZoneInfo,
    now: datetime,
    folder: Path = FOLDER,
) -> Path:
    """Write the last `DAYS` days (Istanbul's calendar, yesterday back) and copy the bucket to `folder`."""
    function = _one([f.name for k, f in resources.functions.items() if k.startswith(FUNCTION)], "function")
    buckets = [v for k, v in resources.refs.items() if k.startswith(BUCKET) and "Logs" not in k]
    bucket = _one(buckets, "bucket")
    yesterday = now.astimezone(zone).date() - timedelta(days=1)
    for back in range(DAYS):
        invoke(function, {"day": (yesterday - timedelta(days=back)).isoformat()})
    return copy_bucket(bucket, folder)


def copy_bucket(bucket: str, folder: Path) -> Path:
    """Every object of `bucket` as a file under `folder` (emptied first: only this run's files), keys as
    paths (`requests/csv/date=.../requests.csv`)."""
    shutil.rmtree(folder, ignore_errors=True)
    s3 = boto3.client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for listed in page.get("Contents", []):
            target = folder / listed["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=bucket, Key=listed["Key"])["Body"].read())
    return folder
