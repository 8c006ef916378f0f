"""The local stack's lean moto tables answer exactly as moto does (local/tables.py).

`make run` and the emulated system in tests read and write through these shortcuts; if an answer, a
page or a cancelled transaction ever differed from moto's own, the local system would lie.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from civicdesk import layout
from civicdesk.core.dynamo import serialize
from civicdesk.requests.models import EntryType, TimelineEntry
from local.sample import load_sample, sample_requests
from local.tables import lean_tables
from tests.support import PROFILE, SHIPPED, pool

UNTIL = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
COUNT = 150


def reads(table_name: str, codes: list[str]) -> dict[str, Any]:
    """Table queries, index queries a page at a time, and a paginated Scan: everything as answered."""
    client = boto3.client("dynamodb")
    store = pool(table_name)
    answers: dict[str, Any] = {"timelines": [store.requests.get_with_timeline(c) for c in codes]}
    answers["catalogue"] = store.catalogue.load(SHIPPED)
    for index, pk in (
        (layout.QUEUE, layout.queue_partition("veterinary_affairs", "closed")),
        (layout.CREATED, layout.created_partition("2026-11-27")),
        (layout.DUE, layout.due_partition(3, layout.DueStage.RESOLUTION)),
    ):
        pages, start = [], None
        while True:
            page = store.requests.page(
                index,
                3,
                start,
                KeyConditionExpression=f"{index.pk} = :pk",
                ExpressionAttributeValues=serialize({":pk": pk}),
                ScanIndexForward=False,
            )
            pages.append(([r.code for r in page.requests], page.read))
            if page.next_start is None:
                break
            start = page.next_start
        answers[index.name] = pages
    scan: list[Any] = []
    for page in client.get_paginator("scan").paginate(
        TableName=table_name, PaginationConfig={"PageSize": 97}
    ):
        scan.append((page["Items"], page["Count"], page["ScannedCount"]))
    answers["scan"] = scan
    return answers


def test_reads_answer_exactly_as_moto_does(table_name: str) -> None:
    # Given a pool with a month of requests
    load_sample(table_name, PROFILE, SHIPPED, COUNT, until=UNTIL, workers=1)
    codes = [r.code for r, _ in sample_requests(PROFILE, SHIPPED, COUNT, until=UNTIL)][::10]
    # When the same reads are made through moto as it is and through the lean tables
    plain = reads(table_name, codes)
    with lean_tables():
        lean = reads(table_name, codes)
    # Then every answer, page and count is the same
    assert sum(len(p[0]) for p in plain["queue"]) > 3  # more than one page
    assert lean == plain


def test_a_cancelled_transaction_changes_nothing_and_a_good_one_everything(table_name: str) -> None:
    # Given a request in the pool
    load_sample(table_name, PROFILE, SHIPPED, 3, until=UNTIL, workers=1)
    request = next(iter(sample_requests(PROFILE, SHIPPED, 3, until=UNTIL)))[0]
    store = pool(table_name)
    before = store.requests.get_with_timeline(request.code)
    entry = TimelineEntry(code=request.code, at=UNTIL, type=EntryType.INTERNAL_NOTE, public=False, text="not")
    with lean_tables():
        # When a change is written against a stale version (its entry comes after the failed update)
        stale = request.model_copy(update={"version": request.version - 1})
        assert store.requests.change(stale, entry, set_={"status": "triage"}) is False
        # And a transaction puts a new item first and then fails its condition
        client = boto3.client("dynamodb")
        new_item = {"pk": {"S": "REQ#NEWNEWNEW"}, "sk": {"S": "REQ"}, "item_type": {"S": "request"}}
        failing = {
            "TableName": table_name,
            "Key": {"pk": {"S": layout.request_pk(request.code)}, "sk": {"S": layout.REQUEST_SK}},
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": "0"}},
        }
        with pytest.raises(ClientError, match="TransactionCanceled"):
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": table_name, "Item": new_item}},
                    {"ConditionCheck": failing},
                ]
            )
        # Then nothing of either is in the pool
        assert store.requests.get_with_timeline(request.code) == before
        assert (
            client.get_item(TableName=table_name, Key={"pk": new_item["pk"], "sk": new_item["sk"]}).get(
                "Item"
            )
            is None
        )
        # When the change is written against the version read / Then both parts of it are there
        assert store.requests.change(request, entry, set_={"status": "triage"}) is True
    after = store.requests.get_with_timeline(request.code)
    assert after is not None
    assert after[0].version == request.version + 1
    assert after[1][-1] == entry
