"""What staff queues read and what a staff action calls, in a pool of 100,000 requests (`make bench`).

The pool is shaped like a municipality's year: 15% of requests still open, spread over the profile's
departments by its categories' weights. Items read (ScannedCount) per page is the honest cost of a
queue page: DynamoDB bills reads by what a Query reads, not by what it returns.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from bench.sla import _code, _without_whole_table_work, put_into_moto
from civicdesk.catalogue.repository import CatalogueRepository
from civicdesk.core.dynamo import Table
from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.profile import model as profiles
from civicdesk.requests.models import Channel, Kind, Language, ServiceRequest, Status
from civicdesk.requests.repository import RequestRepository, request_item
from civicdesk.staff.identity import Role, Staff
from civicdesk.staff.queue import Filters, Order, QueueReader
from civicdesk.staff.repository import StaffRepository
from civicdesk.staff.service import StaffService
from local.calls import counting_aws_calls
from local.template import create_tables

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PAGE = 25
OPEN_SHARE = 0.15
SUPERVISOR = Staff(user_id="bench", username="bench", roles=frozenset({Role.SUPERVISOR}))


def _pool(scale: float) -> list[dict[str, Any]]:
    profile = profiles.load(DEFAULT_PROFILE)
    catalogue = profile.catalogue()
    weights = profile.sample.categories if profile.sample else {c.code: 1.0 for c in catalogue.categories}
    rng = random.Random(7)
    items = []
    for i in range(round(100_000 * scale)):
        category = catalogue.category(rng.choices(list(weights), list(weights.values()))[0])
        created = NOW - timedelta(minutes=rng.randint(10, 365 * 24 * 60))
        open_ = rng.random() < OPEN_SHARE
        status = (
            rng.choice([Status.ROUTED, Status.IN_PROGRESS, Status.REOPENED]) if open_ else Status.RESOLVED
        )
        request = ServiceRequest(
            code=_code(i), kind=Kind.REQUEST, channel=Channel.CALL_CENTER, category=category.code,
            department=category.department, neighbourhood=None, description="Bench talebi", location=None,
            language=Language.TR, status=status, created_at=created, updated_at=created,
            due_at=created + timedelta(hours=category.first_response_hours),
            first_response_at=None if status is Status.ROUTED else created + timedelta(hours=1),
        )  # fmt: skip
        items.append(request_item(request))
    return items


def report(template: dict[str, Any]) -> None:
    scale = float(os.environ.get("BENCH_STAFF_SCALE", "1"))
    with mock_aws():
        client = boto3.client("dynamodb")
        table_name = next(iter(create_tables(template, client).values()))
        table = Table(table_name, client)
        profile = profiles.load(DEFAULT_PROFILE)
        CatalogueRepository(table).seed(profile.catalogue())
        items = _pool(scale)
        put_into_moto(table_name, items)
        reader = QueueReader(table)
        departments = [d.code for d in profile.departments]
        vet = frozenset({"veterinary_affairs"})
        cases = {
            "a department's open work, newest first": Filters(departments=vet),
            "the same, most urgent first": Filters(departments=vet, order=Order.DUE),
            "one status (in progress) of a department": Filters(departments=vet, status=Status.IN_PROGRESS),
            "every department's open work (supervisor)": Filters(departments=None),
        }
        print(
            f"Staff queues: {len(items):,} requests, {OPEN_SHARE:.0%} open (scale {scale:g}), pages of {PAGE}"
        )
        with _without_whole_table_work():
            for label, filters in cases.items():
                first = reader.page(filters, departments, PAGE, None)
                second = reader.page(filters, departments, PAGE, first.next_cursor)
                shown = len(first.requests) + len(second.requests)
                read = first.read + second.read
                print(
                    f"  {label}: {read / shown:.2f} items read per item shown "
                    f"({read} read for {shown} over 2 pages, {first.queries + second.queries} queries)"
                )
            print(f"  a Scan-based queue would read {len(items):,} items per page")
            service = StaffService(
                requests=RequestRepository(table), staff_items=StaffRepository(table), queues=reader,
                catalogue=profile.catalogue, citizen_key=lambda: "bench-key-" * 4, clock=lambda: NOW,
            )  # fmt: skip
            target = next(i for i in items if i["status"] == Status.ROUTED.value)
            with counting_aws_calls() as calls:
                service.reply(SUPERVISOR, target["code"], "Ekibimiz yolda.", int(target["version"]))
            operations = {op.split(":")[1]: n for op, n in calls.items()}
            writes = sum(
                n for op, n in operations.items() if op in ("TransactWriteItems", "PutItem", "UpdateItem")
            )
            listed = ", ".join(f"{op} {n}" for op, n in sorted(operations.items()))
            print(f"  AWS calls per staff action (a reply): {sum(calls.values())} ({listed}; {writes} write)")
