"""Sample history in the template's table: what the store, its indexes and the SLA checker find there.

History is written straight into the emulator (no stream records, so nothing is routed or published
again); it must then look exactly as if the system had lived through it: the repository reads each
request and its timeline back, and the SLA checker's next run has only the work production would.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from civicdesk.core.dynamo import Table
from civicdesk.reports.figures import Reports
from civicdesk.reports.periods import Period
from civicdesk.reports.store import StatsStore
from civicdesk.requests.models import OPEN_STATUSES, EntryType, ServiceRequest, Status, TimelineEntry
from civicdesk.sla import checker as sla_checker
from local.sample import CHUNK, load_sample, sample_requests
from tests.support import PROFILE, SHIPPED, pool

UNTIL = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
WARN_LEAD = sla_checker.Policy().warn_lead
MONTH = 400


def test_loaded_history_reads_back_and_leaves_the_checker_only_what_is_due(table_name: str) -> None:
    # Given a month of sample requests written into the pool as history
    # (a few hundred: moto copies the whole table for each of the checker's transactions)
    loaded = load_sample(table_name, PROFILE, SHIPPED, MONTH, until=UNTIL, workers=1)
    samples = list(sample_requests(PROFILE, SHIPPED, MONTH, until=UNTIL))
    assert loaded.requests == len(samples)
    assert loaded.items == sum(1 + len(entries) for _, entries in samples)
    store = pool(table_name)
    # Then the repository reads each request and its whole timeline back as they were made
    for request, entries in samples[::5]:
        assert store.requests.get_with_timeline(request.code) == (request, entries)
    # When the SLA checker next runs, a day after the history ends (nobody answered meanwhile)
    later = UNTIL + timedelta(days=1)
    report = sla_checker.run(store.requests, remaining_ms=lambda: 900_000, clock=lambda: later)
    # Then it flags and warns exactly what came due meanwhile, and finds nothing to tidy
    flags, warnings = due_at(samples, later)
    assert flags + warnings > 0
    assert (report.flagged, report.warned) == (flags, warnings)
    assert (report.cleaned, report.swept, report.lost_races) == (0, 0, 0)
    assert report.complete
    # And the reports' counters were written with the history: the month's requests, by channel
    reports = Reports(StatsStore(Table(table_name)), SHIPPED, PROFILE.time_zone, today=UNTIL.date())
    summary = reports.summary(Period(UNTIL.date() - timedelta(days=31), UNTIL.date()))
    assert loaded.counters > 0
    assert summary.filed.current == len(samples)
    channels = Counter(r.channel.value for r, _ in samples)
    assert {row.code: row.filed for row in summary.by_channel} == dict(channels)


def due_at(samples: list[tuple[ServiceRequest, list[TimelineEntry]]], now: datetime) -> tuple[int, int]:
    """(to flag, to warn) at `now`, from the timelines: deadlines passed or near without the entry yet."""
    flags = warnings = 0
    for request, entries in samples:
        if request.status not in OPEN_STATUSES:
            continue
        done = {(e.type, (e.detail or {}).get("deadline")) for e in entries}
        if request.first_response_at is None:
            if (EntryType.OVERDUE, "first_response") in done:
                continue
            if request.due_at <= now:
                flags += 1
            elif request.due_at <= now + WARN_LEAD and (EntryType.DUE_SOON, "first_response") not in done:
                warnings += 1
        elif request.resolution_due_at and request.resolution_due_at <= now:
            flags += (EntryType.OVERDUE, "resolution") not in done
    return flags, warnings


def test_a_year_made_in_worker_processes_is_the_same_as_made_in_one(table_name: str) -> None:
    # Given more requests than one chunk, made by two worker processes
    count = CHUNK + 40
    loaded = load_sample(table_name, PROFILE, SHIPPED, count, until=UNTIL, workers=2)
    # Then they are the requests one process makes, every one in the pool
    assert loaded.workers == 2
    store = pool(table_name)
    expected = list(sample_requests(PROFILE, SHIPPED, count, until=UNTIL))
    assert loaded.requests == len(expected)
    for request, _ in expected[:: count // 50]:
        assert store.requests.get(request.code) == request
    # And the month is as busy as the profile says: the call center first
    channels = [r.channel for r, _ in expected]
    assert max(set(channels), key=channels.count).value == "call_center"
    assert all(UNTIL - timedelta(days=31) < r.created_at < UNTIL for r, _ in expected)
    assert any(r.status is Status.CLOSED for r, _ in expected)
