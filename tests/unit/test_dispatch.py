"""The stream dispatcher: one PutEvents per ten entries of a batch, and each failure reported alone.

The router and EventBridge are stand-ins here (what they answer is the point); the emulated
end-to-end path is in tests/integration/test_router.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from civicdesk.events import domain
from civicdesk.events.bus import EventBus
from civicdesk.events.stream import StreamRecord, dispatch
from civicdesk.requests.models import (
    Channel,
    EntryType,
    Kind,
    Language,
    ServiceRequest,
    Status,
    TimelineEntry,
)
from civicdesk.requests.repository import entry_item, request_item
from civicdesk.routing.gateway import Router

AT = datetime(2026, 4, 1, 9, 15, 2, 114000, tzinfo=UTC)


class Events:
    """A PutEvents stand-in: records every call, refuses the entries whose detail names a refused code."""

    def __init__(self, refused: frozenset[str] = frozenset(), down: bool = False) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.refused, self.down = refused, down

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Entries)
        if self.down:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutEvents")
        answers = [
            {"ErrorCode": "InternalFailure"}
            if json.loads(e["Detail"])["code"] in self.refused
            else {"EventId": "x"}
            for e in Entries
        ]
        return {"FailedEntryCount": sum("ErrorCode" in a for a in answers), "Entries": answers}


class StepFunctions:
    """A StartExecution stand-in: records what started, throttles the requests named `failing`."""

    def __init__(self, failing: frozenset[str] = frozenset()) -> None:
        self.started: list[tuple[str, dict[str, Any]]] = []
        self.failing = failing

    def start_execution(self, stateMachineArn: str, name: str, input: str) -> dict[str, Any]:
        payload = json.loads(input)
        if payload["code"] in self.failing:
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "StartExecution"
            )
        self.started.append((name, payload))
        return {"executionArn": f"{stateMachineArn}:{name}"}


def router(client: StepFunctions) -> Router:
    return Router("arn:aws:states:eu-central-1:123456789012:stateMachine:router", client=client)


def entry(code: str, n: int) -> StreamRecord:
    item = entry_item(
        TimelineEntry(code=code, at=AT + timedelta(seconds=n), type=EntryType.RECEIVED, public=True)
    )
    return StreamRecord(sequence=f"{n:04d}", item=item)


def new_request(code: str, sequence: str) -> StreamRecord:
    request = ServiceRequest(
        code=code,
        kind=Kind.REQUEST,
        channel=Channel.WEB,
        category=None,
        department=None,
        neighbourhood=None,
        description="Parkta yaralı bir köpek var.",
        location=None,
        language=Language.TR,
        status=Status.RECEIVED,
        created_at=AT,
        updated_at=AT,
        due_at=AT + timedelta(hours=48),
    )
    return StreamRecord(sequence=sequence, item=request_item(request))


def test_a_batchs_entries_go_out_ten_per_call_in_order() -> None:
    # Given a stream batch with 23 new timeline entries and one new request
    records = [entry(f"CODE{n:05d}", n) for n in range(23)]
    records.insert(5, new_request("NEWREQ001", "0100"))
    events, sfn = Events(), StepFunctions()
    # When it is dispatched
    done = dispatch(records, router=router(sfn), bus=EventBus(client=events), bus_name="bus")
    # Then three PutEvents calls carry the 23 events (10 + 10 + 3), in stream order, and one execution starts
    assert [len(call) for call in events.calls] == [10, 10, 3]
    sent = [json.loads(e["Detail"])["code"] for call in events.calls for e in call]
    assert sent == [f"CODE{n:05d}" for n in range(23)]
    assert (done.published, done.started, done.failed) == (23, 1, [])
    # And the execution starts with the request as the stream carried it (no step reads it again)
    [(name, payload)] = sfn.started
    assert name == "NEWREQ001-0100"
    assert payload["code"] == "NEWREQ001"
    assert payload["request"]["description"] == "Parkta yaralı bir köpek var."
    assert payload["request"]["version"] == 1


def test_only_the_records_whose_event_or_execution_failed_are_reported() -> None:
    # Given EventBridge refuses one entry of a call, and Step Functions throttles one start
    records = [entry(f"CODE{n:05d}", n) for n in range(12)]
    records.append(new_request("NEWREQ002", "0200"))
    events, sfn = Events(refused=frozenset({"CODE00003"})), StepFunctions(failing=frozenset({"NEWREQ002"}))
    # When the batch is dispatched
    done = dispatch(records, router=router(sfn), bus=EventBus(client=events), bus_name="bus")
    # Then exactly those two records are reported for redelivery, and the rest stay published
    assert sorted(done.failed) == ["0003", "0200"]
    assert done.published == 11


def test_a_call_that_fails_as_a_whole_reports_its_ten_records_and_no_others() -> None:
    # Given EventBridge is throttling every call
    records = [entry(f"CODE{n:05d}", n) for n in range(3)]
    done = dispatch(
        records, router=router(StepFunctions()), bus=EventBus(client=Events(down=True)), bus_name="bus"
    )
    # Then each of the batch's entries is reported, nothing is lost silently
    assert done.failed == ["0000", "0001", "0002"]
    assert done.published == 0


def test_an_event_is_named_by_its_entrys_key_wherever_it_is_rebuilt_from() -> None:
    # Given a timeline entry item as the stream carries it, and as the timeline index projects it
    record = entry("7KPM4YP2T", 1)
    projected = {k: v for k, v in record.item.items() if k not in ("text", "note")}
    # When its event is built from either
    _, streamed = domain.from_entry_item(record.item)
    _, rebuilt = domain.from_entry_item(projected)
    # Then both carry the same id: the entry's table key
    assert streamed.event_id == rebuilt.event_id == f"REQ#7KPM4YP2T/{record.item['sk']}"
    assert streamed == rebuilt
