"""What the table's stream means: a new request starts the router, a new timeline entry is an event.

One stream batch costs one StartExecution per new request and one PutEvents per ten entries. A
record that could not be handled is reported by its sequence number (Lambda's partial batch
response); the stream then redelivers from the first of them, so records after it can come again:
their executions change nothing (routing writes only a request still `received`), and their events
carry the same `event_id` for consumers to recognise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from civicdesk import layout
from civicdesk.events import domain
from civicdesk.events.bus import EventBus
from civicdesk.requests.models import Status
from civicdesk.routing.gateway import Router
from civicdesk.routing.rules import execution_input


@dataclass(frozen=True)
class StreamRecord:
    """An INSERT on the table's stream: its sequence number and the item it wrote."""

    sequence: str
    item: Mapping[str, Any]


@dataclass
class Dispatched:
    """What one batch did (counts for the log line) and the records to be redelivered."""

    started: int = 0
    published: int = 0
    failed: list[str] = field(default_factory=list)


def execution_name(code: str, sequence: str) -> str:
    """Named after the request for tracing; the sequence number keeps redeliveries recognisable."""
    return f"{code}-{sequence or 'x'}"[-80:]


def is_new_request(item: Mapping[str, Any]) -> bool:
    """A request as intake writes it (`received`), not imported history."""
    return (
        item.get(layout.ITEM_TYPE) == layout.ItemType.REQUEST.value
        and item.get("status") == Status.RECEIVED.value
    )


def dispatch(records: Iterable[StreamRecord], *, router: Router, bus: EventBus, bus_name: str) -> Dispatched:
    """Start routing for each new request, and publish every new timeline entry, ten per call."""
    done = Dispatched()
    entries: list[dict[str, Any]] = []
    sources: list[str] = []
    for record in records:
        item = record.item
        if is_new_request(item):
            try:
                router.start(execution_name(item["code"], record.sequence), execution_input(item))
            except (ClientError, BotoCoreError):  # throttled or unreachable after botocore's retries
                done.failed.append(record.sequence)
                continue
            done.started += 1
        elif item.get(layout.ITEM_TYPE) == layout.ItemType.ENTRY.value:
            entries.append(domain.put_events_entry(bus_name, item))
            sources.append(record.sequence)
    for sequence, refused in zip(sources, bus.publish(entries), strict=True):
        if refused:
            done.failed.append(sequence)
        else:
            done.published += 1
    return done
