"""The counters recomputed from the pool: every request's tally from its item and its timeline.

The same functions as the event consumer (`tally.contribution` of a snapshot and a digest), summed
over requests instead of moved one event at a time. Used where history was written without the
stream (the sample loader), to fill the counters for a deployment that had requests before them,
and by the test that checks the consumer's counters against the pool.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from civicdesk import layout
from civicdesk.core.dynamo import Item, PageStart, Table, serialize
from civicdesk.reports.store import Tally, counter_item, tally_item
from civicdesk.reports.tally import Contribution, Occurrence, Snapshot, add_into, contribution, digest

Timeline = tuple[Mapping[str, Any], Iterable[Mapping[str, Any]]]
"""A request item and its timeline entry items, as the pool holds them."""


@dataclass
class Rebuilt:
    counters: Contribution = field(default_factory=dict)
    tallies: list[Item] = field(default_factory=list)
    requests: int = 0

    def items(self) -> Iterator[Item]:
        """Every item to write: the counters, then the tallies."""
        for item_key, attributes in sorted(self.counters.items()):
            yield counter_item(item_key, attributes)
        yield from self.tallies


def tally_of(request: Mapping[str, Any], entries: Iterable[Mapping[str, Any]]) -> Tally:
    """A request's tally from its item and its entries, as the consumer would have left it."""
    return Tally(
        version=1,
        snapshot=Snapshot.of(request),
        digest=digest(Occurrence.of_entry_item(e) for e in entries),
    )


def rebuild(timelines: Iterable[Timeline], zone: ZoneInfo) -> Rebuilt:
    """Every counter and every tally for these requests, summed in memory."""
    done = Rebuilt()
    for request, entries in timelines:
        tally = tally_of(request, entries)
        add_into(done.counters, contribution(tally.snapshot, tally.digest, zone))
        done.tallies.append(tally_item(request["code"], tally))
        done.requests += 1
    return done


def pool_timelines(table: Table, first: date, last: date) -> Iterator[Timeline]:
    """The requests filed on UTC days `first`..`last` with their timelines: one Query per day and page
    of the `created` index, one per request of its partition (from `EVT#`: never the contact)."""
    day = first
    while day <= last:
        start: PageStart = None
        while True:
            found, _, start = table.query_page(
                100,
                start,
                IndexName=layout.CREATED.name,
                KeyConditionExpression="#pk = :pk",
                ExpressionAttributeNames={"#pk": layout.CREATED.pk},
                ExpressionAttributeValues=serialize({":pk": layout.created_partition(day.isoformat())}),
            )
            for listed in found:
                yield _timeline(table, listed["code"])
            if start is None:
                break
        day += timedelta(days=1)


def _timeline(table: Table, code: str) -> Timeline:
    items = table.query_all(
        KeyConditionExpression="#pk = :pk AND #sk >= :from",
        ExpressionAttributeNames={"#pk": layout.PK, "#sk": layout.SK},
        ExpressionAttributeValues=serialize({":pk": layout.request_pk(code), ":from": layout.ENTRY_PREFIX}),
        ConsistentRead=True,
    )
    request = next(i for i in items if i[layout.SK] == layout.REQUEST_SK)
    return request, [i for i in items if i.get(layout.ITEM_TYPE) == layout.ItemType.ENTRY.value]
