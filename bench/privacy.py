"""What the KVKK retention job reads and calls per anonymised request (`make bench`).

A pool shaped like two and a half years of requests: each filed with a contact, its citizen-index
entry, a first entry and a reply; most closed, a share still open. The job runs as on the first day
the oldest closures pass the period: it must read only what is due (the `purge` index and each due
request's own partition), never the rest of the pool.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from bench.sla import _code, _without_whole_table_work, put_into_moto
from civicdesk.catalogue.repository import CatalogueRepository
from civicdesk.core.dynamo import Table
from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.privacy.media import MediaEraser
from civicdesk.privacy.repository import PrivacyRepository
from civicdesk.privacy.service import Privacy
from civicdesk.profile import model as profiles
from civicdesk.requests.citizens import citizen_id
from civicdesk.requests.models import (
    Channel,
    Contact,
    EntryType,
    Kind,
    Language,
    ServiceRequest,
    Status,
    TimelineEntry,
)
from civicdesk.requests.repository import (
    RequestRepository,
    citizen_item,
    contact_item,
    entry_item,
    request_item,
)
from civicdesk.staff.repository import StaffRepository
from local.calls import counting_aws_calls
from local.template import create_tables

NOW = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)
POOL = 2_000
OPEN_SHARE = 0.15
KEY = "bench-key-" * 4


def _pool(catalogue: Any) -> tuple[list[dict[str, Any]], int]:
    """POOL requests over 30 months, each with its items; and how many closed more than 2 years ago."""
    rng = random.Random(11)
    categories = list(catalogue.categories)
    items, due = [], 0
    for i in range(POOL):
        created = NOW - timedelta(days=rng.uniform(1, 900))
        closed = rng.random() > OPEN_SHARE
        category = rng.choice(categories)
        request = ServiceRequest(
            code=_code(i), kind=Kind.REQUEST, channel=Channel.CALL_CENTER, category=category.code,
            department=category.department, neighbourhood=None, description="Sokakta yaralı köpek var",
            location=None, language=Language.TR, status=Status.RESOLVED if closed else Status.ROUTED,
            created_at=created, updated_at=created + timedelta(days=2), due_at=created + timedelta(hours=48),
            has_contact=True,
        )  # fmt: skip
        phone = f"+90532{i:07d}"
        entries = [
            TimelineEntry(code=request.code, at=created, type=EntryType.RECEIVED, public=True, text="Alındı"),
            TimelineEntry(
                code=request.code, at=created + timedelta(days=1), type=EntryType.PUBLIC_REPLY, public=True,
                text="Ekibimiz yolda.",
            ),
        ]  # fmt: skip
        items += [request_item(request), *map(entry_item, entries)]
        items += [contact_item(request.code, Contact(phone=phone, name="Bench"))]
        items += [citizen_item(citizen_id(KEY, phone), request)]
        due += closed and request.updated_at <= NOW - timedelta(days=730)
    return items, due


def report(template: dict[str, Any]) -> None:
    with mock_aws():
        client = boto3.client("dynamodb")
        table_name = next(iter(create_tables(template, client).values()))
        table = Table(table_name, client)
        profile = profiles.load(DEFAULT_PROFILE)
        CatalogueRepository(table).seed(profile.catalogue())
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="media", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        requests = RequestRepository(table)
        items, expected = _pool(profile.catalogue())
        put_into_moto(table_name, items)
        job = Privacy(
            repository=PrivacyRepository(table), requests=requests, audit=StaffRepository(table),
            media=MediaEraser("media", s3), catalogue=profile.catalogue, profile=profile,
            citizen_key=lambda: KEY, clock=lambda: NOW,
        )  # fmt: skip
        with _without_whole_table_work(), counting_aws_calls() as calls:
            run = job.run()
        with _without_whole_table_work():
            again = job.run()
        done = max(run.anonymised, 1)
        listed = ", ".join(f"{op.split(':')[1]} {n}" for op, n in sorted(calls.items()))
        print(f"KVKK retention job: {POOL:,} requests ({len(items):,} items), {expected} past the period")
        print(
            f"  anonymised {run.anonymised} (a second run: {again.anonymised}); "
            f"{run.items_read / done:.2f} items read per anonymised request "
            f"({run.items_read} in all; a Scan would read the whole pool every night)"
        )
        print(f"  AWS calls per anonymised request: {sum(calls.values()) / done:.2f} ({listed})")
