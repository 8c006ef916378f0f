"""The needs-analysis counters, kept from the events, equal a recount of the pool: whatever the order,
however many duplicates, retries and races on one request.

A randomised history writes requests and their entries as the system would (filing, routing or
triage, a supervisor's routing, warnings, answers in time or late, transfers, resolutions,
rejections, satisfaction survey answers, reopenings); the events of those writes reach the counting
consumer late, out of order, twice, after failed attempts, and two at once on one request. At the end
every counter item and every tally equals what `rebuild` computes from the table's requests and
timelines.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from civicdesk import layout
from civicdesk.core.dynamo import Table, deserialize
from civicdesk.events import domain
from civicdesk.reports.counting import Counted, count
from civicdesk.reports.figures import Reports
from civicdesk.reports.periods import Period
from civicdesk.reports.rebuild import rebuild
from civicdesk.reports.store import StatsStore
from civicdesk.reports.tally import Occurrence
from civicdesk.requests.codes import ALPHABET, LENGTH
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
from local.tables import lean_tables
from tests.support import PROFILE, SHIPPED

ZONE = PROFILE.zone


@pytest.fixture
def table(aws: None) -> Iterator[Table]:
    """A bare pool table (keys only: counting needs no index), in moto without its whole-table copy
    on every transaction (`local.tables.lean_tables`, which answers exactly as moto does)."""
    with lean_tables():
        yield _create_table()


def _create_table() -> Table:
    client = boto3.client("dynamodb")
    client.create_table(
        TableName="pool",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return Table("pool", client)


def _event(item: dict[str, Any]) -> tuple[str, Occurrence]:
    """What the consumer receives for an entry item: the event's detail, as the dispatcher puts it."""
    parsed = json.loads(domain.put_events_entry("bus", item)["Detail"])
    parsed.setdefault("event_id", f"{item['pk']}/{item['sk']}")
    return parsed["code"], Occurrence.of_event(parsed)


@dataclass
class Life:
    """One request living through random steps; each step writes its item and one entry."""

    rng: random.Random
    request: ServiceRequest
    clock: datetime
    surveyed: bool = False

    def _entry(self, kind: EntryType, status: Status | None = None, **facts: str) -> TimelineEntry:
        self.clock += timedelta(minutes=self.rng.uniform(1, 60 * 30))
        previous = self.request.status if status else None
        return TimelineEntry(
            code=self.request.code,
            at=self.clock.replace(microsecond=self.clock.microsecond // 1000 * 1000),
            type=kind,
            public=kind is not EntryType.OVERDUE,
            status=status,
            previous_status=previous,
            detail={"channel": self.request.channel.value, **facts},
        )

    def next(self) -> tuple[ServiceRequest, TimelineEntry] | None:
        """The next step of this life, or None when it is over."""
        r, rng = self.request, self.rng
        category = rng.choice([c for c in SHIPPED.categories if c.active])
        if r.status is Status.RECEIVED:
            if rng.random() < 0.25:
                e = self._entry(EntryType.STATUS_CHANGED, Status.TRIAGE, reason="low_confidence")
                after = r.model_copy(update={"status": Status.TRIAGE})
            else:
                source = rng.choice(["classified", "classified", "chosen"])
                facts = {"category": category.code, "department": category.department, "source": source}
                facts["confidence"] = f"{rng.uniform(0.5, 1):.2f}"
                if source == "classified" and rng.random() < 0.5:
                    facts["model"] = "bornova-2026-11-01"
                e = self._entry(EntryType.STATUS_CHANGED, Status.ROUTED, **facts)
                nbh = r.neighbourhood or rng.choice(SHIPPED.neighbourhoods).code
                after = r.model_copy(
                    update={
                        "status": Status.ROUTED,
                        "category": category.code,
                        "department": category.department,
                        "neighbourhood": nbh,
                    }
                )
        elif r.status is Status.TRIAGE:
            nbh = rng.choice(SHIPPED.neighbourhoods).code
            e = self._entry(
                EntryType.STATUS_CHANGED,
                Status.ROUTED,
                category=category.code,
                department=category.department,
                source="staff",
            )
            after = r.model_copy(
                update={
                    "status": Status.ROUTED,
                    "category": category.code,
                    "department": category.department,
                    "neighbourhood": nbh,
                }
            )
        elif r.status in (Status.ROUTED, Status.IN_PROGRESS, Status.REOPENED):
            roll = rng.random()
            if roll < 0.15 and r.overdue_at is None and r.first_response_at is None:
                e = self._entry(EntryType.OVERDUE, None, deadline="first_response")
                after = r.model_copy(update={"overdue_at": e.at})
            elif roll < 0.3:
                other = rng.choice([d.code for d in SHIPPED.departments if d.code != r.department])
                e = self._entry(EntryType.TRANSFERRED, Status.ROUTED, department=other)
                after = r.model_copy(update={"department": other, "status": Status.ROUTED})
            elif roll < 0.4:
                e = self._entry(EntryType.PUBLIC_REPLY)
                after = self._answered(r, e)
            else:
                status = rng.choice([Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED])
                if status is r.status:
                    return None
                e = self._entry(EntryType.STATUS_CHANGED, status)
                after = self._answered(r.model_copy(update={"status": status}), e)
        elif r.status is Status.RESOLVED and not self.surveyed and rng.random() < 0.5:
            self.surveyed = True  # the citizen answers the survey once; the request stays as it is
            solved = rng.choice(["yes", "partly", "no"])
            e = self._entry(EntryType.SURVEY_ANSWERED, None, solved=solved, score=str(rng.randint(1, 5)))
            after = r
        elif r.status in (Status.RESOLVED, Status.REJECTED) and rng.random() < 0.2:
            e = self._entry(EntryType.STATUS_CHANGED, Status.REOPENED)
            after = r.model_copy(
                update={"status": Status.REOPENED, "first_response_at": None, "first_response_met": None,
                        "overdue_at": None, "due_at": e.at + timedelta(hours=48)}
            )  # fmt: skip
        else:
            return None
        self.request = after.model_copy(update={"version": r.version + 1, "updated_at": e.at})
        return self.request, e

    @staticmethod
    def _answered(r: ServiceRequest, e: TimelineEntry) -> ServiceRequest:
        if r.first_response_at is not None:
            return r
        return r.model_copy(update={"first_response_at": e.at, "first_response_met": e.at <= r.due_at})


def _lives(rng: random.Random, n: int, start: datetime) -> list[Life]:
    lives = []
    for _ in range(n):
        created = start + timedelta(minutes=rng.uniform(0, 60 * 24 * 70))
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)
        chosen = rng.random() < 0.3
        category = rng.choice(SHIPPED.categories)
        lives.append(
            Life(
                rng,
                ServiceRequest(
                    code="".join(rng.choice(ALPHABET) for _ in range(LENGTH)),
                    kind=rng.choice(list(Kind)),
                    channel=rng.choice(list(Channel)),
                    category=category.code if chosen else None,
                    department=None,
                    neighbourhood=rng.choice([None, rng.choice(SHIPPED.neighbourhoods).code]),
                    description="—",
                    location=None,
                    language=Language.TR,
                    status=Status.RECEIVED,
                    created_at=created,
                    updated_at=created,
                    due_at=created + timedelta(hours=48),
                ),
                created,
            )
        )
    return lives


class Flaky(StatsStore):
    """A store whose commits sometimes fail as a whole (the record goes back to the queue), and
    sometimes let another event of the same request commit first (a race the version guard loses)."""

    def __init__(self, table: Table, rng: random.Random) -> None:
        super().__init__(table)
        self.rng = rng
        self.racer: Any = None

    def commit(self, code: str, read: Any, tally: Any, change: Any) -> bool:
        roll = self.rng.random()
        if roll < 0.05:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException"}}, "TransactWriteItems"
            )
        if roll < 0.15 and self.racer is not None:
            racer, self.racer = self.racer, None
            racer()  # another consumer gets there first
        return super().commit(code, read, tally, change)


def _stats(table: Table) -> tuple[dict[tuple[str, str], dict[str, int]], dict[str, Any]]:
    counters: dict[tuple[str, str], dict[str, int]] = {}
    tallies: dict[str, Any] = {}
    for page in table.client.get_paginator("scan").paginate(TableName=table.name):  # test only
        for raw in page["Items"]:
            item = deserialize(raw)
            pk, sk = item.pop("pk"), item.pop("sk")
            if pk.startswith(layout.STATS_PREFIX) and any(item.values()):
                counters[pk, sk] = {k: v for k, v in item.items() if v}
            elif pk.startswith(layout.TALLY_PREFIX):
                tallies[pk] = {k: item[k] for k in ("snapshot", "digest")}
    return counters, tallies


def _recount(table: Table) -> tuple[dict[tuple[str, str], dict[str, int]], dict[str, Any]]:
    requests: dict[str, dict[str, Any]] = {}
    entries: dict[str, list[dict[str, Any]]] = {}
    for page in table.client.get_paginator("scan").paginate(TableName=table.name):  # test only
        for raw in page["Items"]:
            item = deserialize(raw)
            if item.get(layout.ITEM_TYPE) == layout.ItemType.REQUEST.value:
                requests[item["code"]] = item
            elif item.get(layout.ITEM_TYPE) == layout.ItemType.ENTRY.value:
                entries.setdefault(item["code"], []).append(item)
    done = rebuild(((r, entries.get(code, [])) for code, r in requests.items()), ZONE)
    counters = {k: {a: n for a, n in v.items() if n} for k, v in done.counters.items()}
    tallies = {t["pk"]: {"snapshot": t["snapshot"], "digest": t["digest"]} for t in done.tallies}
    return {k: v for k, v in counters.items() if v}, tallies


@pytest.mark.parametrize("seed", [1, 2])
def test_counters_kept_from_late_repeated_and_racing_events_equal_a_recount_of_the_pool(
    table: Table, seed: int
) -> None:
    # Given a randomised history of 30 requests written step by step, as the system writes them
    rng = random.Random(seed)
    store = Flaky(table, rng)
    lives = _lives(rng, 30, datetime(2026, 3, 1, tzinfo=UTC))
    pending: list[tuple[str, Occurrence]] = []
    outcomes: dict[Counted, int] = dict.fromkeys(Counted, 0)

    def deliver(index: int) -> None:
        code, event = pending[index]
        if rng.random() < 0.7:  # at least once: a delivered event may come again later
            pending.pop(index)
        try:
            outcomes[count(code, event, store, ZONE)] += 1
        except ClientError:
            pending.append((code, event))  # the record returns to the queue and is retried

    def write(life: Life) -> bool:
        step = life.next()
        if step is None:
            return False
        request, entry = step
        item = entry_item(entry)
        table.client.transact_write_items(
            TransactItems=[
                {"Put": table.put_params(request_item(request))},
                {"Put": table.put_params(item)},
            ]
        )
        pending.append(_event(item))
        if rng.random() < 0.1:
            pending.append(_event(item))  # a retried stream batch publishes it twice
        return True

    for life in lives:  # filing: the request and its `received` entry
        received = TimelineEntry(
            code=life.request.code,
            at=life.request.created_at,
            type=EntryType.RECEIVED,
            public=True,
            status=Status.RECEIVED,
            detail={"channel": life.request.channel.value, "kind": life.request.kind.value},
        )
        item = entry_item(received)
        table.put(request_item(life.request))
        table.put(item)
        pending.append(_event(item))
    alive = list(lives)

    # When the writes go on while the consumer takes events late, out of order, twice, after failures,
    # and sometimes two at once on one request
    while alive or pending:
        if alive and (not pending or rng.random() < 0.5):
            life = rng.choice(alive)
            if not write(life):
                alive.remove(life)
            continue
        index = rng.randrange(len(pending))
        same = [i for i, (code, _) in enumerate(pending) if code == pending[index][0] and i != index]
        if same:
            other_code, other_event = pending[rng.choice(same)]
            store.racer = lambda c=other_code, e=other_event: count(c, e, StatsStore(table), ZONE)
        deliver(index)
        store.racer = None

    # Then every counter and every tally equals a recount of the pool
    counters, tallies = _stats(table)
    expected_counters, expected_tallies = _recount(table)
    assert counters == expected_counters
    assert tallies == expected_tallies
    # and the history really had repeats and retries to shrug off
    assert outcomes[Counted.UNCHANGED] > 0
    assert outcomes[Counted.COUNTED] > len(lives)
    # and the survey answers and reopenings were among what was counted
    months = [v for (pk, sk), v in counters.items() if sk == "all" and pk.count("#") == 1]
    answered, reopened = (sum(v.get(name, 0) for v in months) for name in ("sat_answered", "reopened"))
    assert answered == sum(life.surveyed for life in lives) > 0
    assert reopened > 0


def test_a_request_filed_at_2330_utc_on_the_last_day_of_a_month_counts_on_the_first_of_the_next(
    table: Table,
) -> None:
    # Given a request filed at 23:30 UTC on 31 March 2026 (02:30 on 1 April in Istanbul)
    filed = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    request = ServiceRequest(
        code="AAAAAAAAA", kind=Kind.REQUEST, channel=Channel.WEB, category=None, department=None,
        neighbourhood="erzene", description="—", location=None, language=Language.TR,
        status=Status.RECEIVED, created_at=filed, updated_at=filed, due_at=filed + timedelta(hours=48),
    )  # fmt: skip
    entry = TimelineEntry(
        code="AAAAAAAAA", at=filed, type=EntryType.RECEIVED, public=True, status=Status.RECEIVED,
        detail={"channel": "web", "kind": "request"},
    )  # fmt: skip
    table.put(request_item(request))
    item = entry_item(entry)
    table.put(item)
    # When its event is counted
    code, event = _event(item)
    assert count(code, event, StatsStore(table), ZONE) is Counted.COUNTED
    # Then April's first day holds it, and March holds nothing
    reports = Reports(StatsStore(table), SHIPPED, PROFILE.time_zone, today=date(2026, 4, 30))
    april_first = reports.summary(Period(date(2026, 4, 1), date(2026, 4, 1)))
    march = reports.summary(Period(date(2026, 3, 1), date(2026, 3, 31)))
    assert april_first.filed.current == 1
    assert april_first.by_neighbourhood[0].code == "erzene"
    assert march.filed.current == 0
    assert march.by_channel == []
    assert [
        (p.start, p.filed) for p in reports.series(Period(date(2026, 3, 31), date(2026, 4, 1)), "day").points
    ] == [
        (date(2026, 3, 31), 0),
        (date(2026, 4, 1), 1),
    ]


def test_an_empty_period_reports_zeros_and_no_shares(table: Table) -> None:
    # Given no request at all
    reports = Reports(StatsStore(table), SHIPPED, PROFILE.time_zone, today=date(2026, 11, 30))
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    # When every report is asked for November
    summary, promise = reports.summary(period), reports.promise(period)
    routing, places, backlog = reports.routing(period), reports.places(period), reports.backlog()
    series = reports.series(period, "week")
    # Then they answer zeros, empty lists and no shares, never an error or a division by zero
    assert summary.filed.current == 0
    assert summary.compliance.share_in_time is None
    assert summary.filed.change_previous is None
    assert summary.by_category == []
    assert promise.overall.first_response.median_hours is None
    assert promise.by_department == []
    assert routing.triage_share is None
    assert routing.by_confidence == []
    assert places.cells == []
    assert places.neighbourhoods == []
    assert backlog.total == 0
    assert backlog.by_department == []
    assert [p.filed for p in series.points] == [0] * len(series.points)
    assert len(series.points) == 6  # 1 November 2026 is a Sunday: a one-day week, then four, then the 30th
