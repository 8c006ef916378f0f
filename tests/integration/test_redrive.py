"""Re-drive: a time range's events rebuilt from the table, published again with the ids they had, and
recognised by a consumer that handled them already.

Runs `python -m local.redrive` (what `make redrive` runs) against the deployed function's stand-in:
the template's re-drive function, invoked through the emulator's Lambda API.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from civicdesk import layout
from civicdesk.core.clock import iso
from civicdesk.events.consumer import once
from local import redrive
from local.calls import counting_aws_calls
from tests.support import pool

from .conftest import Cloud
from .test_router import CLEAR, UNCLEAR, file, received_events, settle, subscribe


def run_redrive(cloud: Cloud, start: datetime, end: datetime) -> int:
    function = cloud.function("RouterEventRedrive")
    return redrive.main(["--from", iso(start), "--to", iso(end), "--function", function])


def test_a_ranges_events_come_again_with_the_same_ids_and_details(
    cloud: Cloud, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two requests filed and handled, their events delivered once to a consumer's queue
    queue = subscribe(cloud)
    start = datetime.now(UTC) - timedelta(seconds=1)
    codes = {file(cloud, description=CLEAR), file(cloud, description=UNCLEAR)}
    settle(cloud)
    first = received_events(queue)
    assert len(first) == 4  # received and routed, received and triaged
    # When an operator re-drives the range (as if the stream's records had been lost)
    with counting_aws_calls() as calls:
        status = run_redrive(cloud, start, datetime.now(UTC) + timedelta(seconds=1))
    cloud.emulated.settle()
    # Then the same events arrive again: same ids, same details, nothing else
    again = received_events(queue)
    assert status == 0
    assert sorted(e["detail"]["event_id"] for e in again) == sorted(e["detail"]["event_id"] for e in first)
    by_id = {e["detail"]["event_id"]: e for e in first}
    for event in again:
        assert event["detail"] == by_id[event["detail"]["event_id"]]["detail"]
        assert event["detail-type"] == by_id[event["detail"]["event_id"]]["detail-type"]
    assert {e["detail"]["code"] for e in again} == codes
    # And the table was read through the timeline index, one Query for the day, never a Scan
    table_calls = {op: n for op, n in calls.items() if op.startswith("dynamodb:")}
    assert table_calls == {"dynamodb:Query": 1}
    assert '"published": 4' in capsys.readouterr().out


def test_entries_outside_the_range_are_not_republished(cloud: Cloud) -> None:
    # Given a request handled now
    queue = subscribe(cloud)
    file(cloud, description=CLEAR)
    settle(cloud)
    received_events(queue)
    # When the range re-driven is the previous hour (and the day before: two day partitions)
    now = datetime.now(UTC)
    assert run_redrive(cloud, now - timedelta(days=1), now - timedelta(hours=1)) == 0
    cloud.emulated.settle()
    # Then nothing comes
    assert received_events(queue) == []


def test_a_consumer_keyed_on_the_event_id_handles_a_redriven_event_once(cloud: Cloud) -> None:
    # Given a consumer that counts what it handles, once per event id (docs/events.md)
    queue = subscribe(cloud)
    start = datetime.now(UTC) - timedelta(seconds=1)
    file(cloud, description=CLEAR)
    settle(cloud)
    store = pool(cloud.table)
    persistence = DynamoDBPersistenceLayer(
        table_name=cloud.table,
        key_attr=layout.PK,
        sort_key_attr=layout.SK,
        static_pk_value=layout.idempotency_pk("test-consumer"),
        expiry_attr=layout.TTL,
        boto3_client=store.table.client,
    )
    handled: list[str] = []

    def handle(event: dict[str, Any]) -> dict[str, str]:
        handled.append(event["detail"]["event_id"])
        return {"counted": event["detail-type"]}

    handle_once = once(persistence)(handle)
    for event in received_events(queue):
        handle_once(event=event)
    # When the range is re-driven and the consumer reads its queue again
    assert run_redrive(cloud, start, datetime.now(UTC) + timedelta(seconds=1)) == 0
    cloud.emulated.settle()
    redriven = received_events(queue)
    answers = [handle_once(event=event) for event in redriven]
    # Then each event was handled once, and the repeats got the first answers back
    assert len(redriven) == 2
    assert len(handled) == len(set(handled)) == 2
    assert sorted(a["counted"] for a in answers) == ["RequestReceived", "RequestRouted"]
