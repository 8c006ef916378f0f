"""Re-drive: rebuild a time range's domain events from the table and publish them again.

The stream keeps records for 24 hours, and its on-failure queue receives only their positions, so
events lost to an outage are rebuilt from what the table still holds: every timeline entry is in the
timeline index of the UTC day it was written (`civicdesk.layout.TIMELINE`), one Query per day and
page, never a Scan. The events carry the ids they had the first time (`event_id`: the entry's key),
so consumers that already handled one recognise it (`civicdesk.events.consumer`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from civicdesk import layout
from civicdesk.core.clock import iso
from civicdesk.core.dynamo import Item, PageStart, Table, serialize
from civicdesk.events import domain
from civicdesk.events.bus import PUT_EVENTS_BATCH, EventBus

PAGE = 100
"""Entries read per Query: ten PutEvents calls' worth."""


@dataclass
class Redriven:
    """What a run did. `resume_from` is set when it stopped early (out of time): run again from there."""

    read: int = 0
    published: int = 0
    refused: int = 0
    resume_from: str | None = None


def days(start: datetime, end: datetime) -> Iterator[str]:
    """Each UTC day that [start, end) touches, as `yyyy-mm-dd`."""
    day, last = start.astimezone(UTC).date(), (end.astimezone(UTC) - timedelta(milliseconds=1)).date()
    while day <= last:
        yield day.isoformat()
        day += timedelta(days=1)


def entries(table: Table, start: datetime, end: datetime) -> Iterator[Item]:
    """The timeline entries written in [start, end), oldest first per day, a page at a time."""
    low, high = iso(start), iso(end)  # `<end>#<code>` sorts after `<end>`: the end is excluded
    for day in days(start, end):
        page_start: PageStart = None
        while True:
            items, _, page_start = table.query_page(
                PAGE,
                page_start,
                IndexName=layout.TIMELINE.name,
                KeyConditionExpression="#pk = :pk AND #sk BETWEEN :low AND :high",
                ExpressionAttributeNames={"#pk": layout.TIMELINE.pk, "#sk": layout.TIMELINE.sk},
                ExpressionAttributeValues=serialize(
                    {":pk": layout.timeline_partition(day), ":low": low, ":high": high}
                ),
            )
            yield from items
            if page_start is None:
                break


def redrive(
    table: Table,
    bus: EventBus,
    bus_name: str,
    start: datetime,
    end: datetime,
    *,
    time_left: Callable[[], bool] = lambda: True,
) -> Redriven:
    """Publish again the events of every entry written in [start, end), ten per PutEvents call.

    Stops between calls once `time_left()` is False, and says where to resume (an entry's time:
    resuming there may publish a few events twice, which consumers recognise by their ids).
    """
    done = Redriven()
    batch: list[Item] = []

    def flush() -> None:
        outcome = bus.publish([domain.put_events_entry(bus_name, item) for item in batch])
        done.refused += sum(1 for refused in outcome if refused)
        done.published += sum(1 for refused in outcome if not refused)
        batch.clear()

    for item in entries(table, start, end):
        if not batch and not time_left():
            done.resume_from = item["at"]
            return done
        done.read += 1
        batch.append(item)
        if len(batch) == PUT_EVENTS_BATCH:
            flush()
    if batch:
        flush()
    return done
