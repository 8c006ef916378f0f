"""The 48-hour promise enforced: the SLA checker against moto, with an injected clock.

Requests are filed through the real intake domain at a fixed time; the checker runs through its real
handler (or its domain `run` where a test needs a small page or a short time budget).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest
from pydantic import ValidationError

from civicdesk.core.dynamo import PageStart, Table, serialize
from civicdesk.core.errors import ConflictingUpdate
from civicdesk.layout import DUE, DueStage, Index, due_partition, due_shard
from civicdesk.requests import intake
from civicdesk.requests.models import Channel, EntryType, ServiceRequest, Status, TimelineEntry
from civicdesk.requests.repository import Page, RequestRepository
from civicdesk.sla import checker as sla_checker
from civicdesk.sla import deadlines as sla
from tests.support import SHIPPED, Pool, pool

T0 = datetime(2026, 3, 30, 21, 15, tzinfo=UTC)  # 00:15 on the 31st in Istanbul: the month turns over
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


@dataclass
class FakeContext:
    """A Lambda context whose remaining time the test controls: `budget` calls with ample time each."""

    budget: int = 1_000_000
    function_name: str = "sla_checker"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-central-1:123456789012:function:sla_checker"
    aws_request_id: str = "test-run"

    def get_remaining_time_in_millis(self) -> int:
        self.budget -= 1
        return 60_000 if self.budget >= 0 else 1_000


def scheduled_event(at: datetime) -> dict[str, Any]:
    """What an EventBridge schedule (`rate(5 minutes)`) delivers to its target."""
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-central-1",
        "resources": ["arn:aws:events:eu-central-1:123456789012:rule/sla-check"],
        "detail": {},
    }


@pytest.fixture
def store(table_name: str) -> Pool:
    return pool(table_name)


@pytest.fixture
def file(store: Pool) -> Callable[..., ServiceRequest]:
    """File a request through the intake domain at a given moment (default: T0)."""

    def _file(at: datetime = T0, category: str | None = None) -> ServiceRequest:
        new = intake.NewRequest(
            description="Sokakta yaralı bir köpek var, yürüyemiyor.", channel=Channel.WEB, category=category
        )
        return intake.file_request(new, catalogue=SHIPPED, requests=store.requests, clock=lambda: at)

    return _file


def route(store: Pool, request: ServiceRequest, department: str = "technical_works") -> ServiceRequest:
    """Stand-in for the router (another issue): `received` -> `routed` with a department, version bumped."""
    boto3.client("dynamodb").update_item(
        TableName=store.table.name,
        Key=serialize({"pk": f"REQ#{request.code}", "sk": "REQ"}),
        UpdateExpression="SET #s = :s, department = :d, queue_pk = :q, version = version + :one",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues=serialize(
            {":s": "routed", ":d": department, ":q": f"{department}#routed", ":one": 1}
        ),
    )
    routed = store.requests.get(request.code)
    assert routed is not None
    return routed


def filed_and_routed(file: Callable[..., ServiceRequest], store: Pool, **kwargs: Any) -> ServiceRequest:
    return route(store, file(**kwargs))


def entries(store: Pool, code: str, entry_type: EntryType) -> list[TimelineEntry]:
    found = store.requests.get_with_timeline(code)
    assert found is not None
    return [e for e in found[1] if e.type is entry_type]


def raw_item(store: Pool, code: str) -> dict[str, Any]:
    item = boto3.client("dynamodb").get_item(
        TableName=store.table.name, Key=serialize({"pk": f"REQ#{code}", "sk": "REQ"})
    )["Item"]
    return {k: next(iter(v.values())) for k, v in item.items()}


def in_due_index(store: Pool, code: str) -> bool:
    return "due_pk" in raw_item(store, code)


@pytest.fixture
def checker(table_name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., dict[str, Any]]]:
    """Run the real handler at a chosen moment; returns its summary."""
    from functions.sla_checker import handler

    monkeypatch.setenv("TABLE_NAME", table_name)
    monkeypatch.setenv("SLA_WARN_LEAD_HOURS", "6")
    monkeypatch.setenv("STUCK_RECEIVED_MINUTES", "10")
    monkeypatch.setenv("SLA_TIME_BUDGET_MARGIN_MS", "5000")
    handler.settings.cache_clear()
    handler.get_requests.cache_clear()

    def _run(at: datetime, context: FakeContext | None = None) -> dict[str, Any]:
        monkeypatch.setattr(handler, "clock", lambda: at)
        return handler.lambda_handler(scheduled_event(at), context or FakeContext())  # type: ignore[no-any-return]

    yield _run
    handler.settings.cache_clear()
    handler.get_requests.cache_clear()


def run_domain(
    store: Pool | RequestRepository, at: datetime, *, page_size: int = 100, budget: int = 1_000_000
) -> sla_checker.RunReport:
    context = FakeContext(budget=budget)
    policy = sla_checker.Policy(margin_ms=5_000, page_size=page_size)
    requests = store.requests if isinstance(store, Pool) else store
    return sla_checker.run(
        requests, remaining_ms=context.get_remaining_time_in_millis, clock=lambda: at, policy=policy
    )


# --- overdue ----------------------------------------------------------------------------------------


def test_a_request_past_its_deadline_is_flagged_once_and_never_read_again(
    store: Pool, file: Callable[..., ServiceRequest], checker: Callable[..., dict[str, Any]]
) -> None:
    # Given a routed request with the default 48-hour promise that nobody answered
    request = filed_and_routed(file, store)
    # When the checker runs one minute after the deadline
    first = checker(T0 + 48 * HOUR + MINUTE)
    # Then it is flagged once, a minute late, with an internal entry that names the missed deadline
    assert (first["flagged"], first["lag_seconds"]) == (1, 60.0)
    (entry,) = entries(store, request.code, EntryType.OVERDUE)
    assert entry.public is False
    assert entry.actor == sla_checker.ACTOR
    assert entry.detail == {
        "deadline": "first_response",
        "due_at": "2026-04-01T21:15:00.000Z",
        "status": "routed",
        "department": "technical_works",
    }
    # And the request records it, one version on, and has left the due index
    item = raw_item(store, request.code)
    assert item["overdue_at"] == "2026-04-01T21:16:00.000Z"
    assert int(item["version"]) == request.version + 1
    assert item["updated_at"] == item["overdue_at"]
    assert "due_pk" not in item
    # When the checker runs again, and again a day later
    again = [checker(T0 + 48 * HOUR + 6 * MINUTE), checker(T0 + 72 * HOUR)]
    # Then it reads nothing at all: the old breach is out of the index
    assert [(r["flagged"], r["items_read"]) for r in again] == [(0, 0), (0, 0)]
    assert len(entries(store, request.code, EntryType.OVERDUE)) == 1


def test_a_request_is_warned_once_before_its_deadline_then_flagged_at_it(
    store: Pool, file: Callable[..., ServiceRequest], checker: Callable[..., dict[str, Any]]
) -> None:
    # Given a routed request due at T0+48h and a 6-hour warning lead
    request = filed_and_routed(file, store)
    # When the checker runs before, at, after the warning moment, and after the deadline
    runs = [
        checker(T0 + 41 * HOUR),
        checker(T0 + 42 * HOUR),
        checker(T0 + 42 * HOUR + 5 * MINUTE),
        checker(T0 + 47 * HOUR + 55 * MINUTE),
        checker(T0 + 48 * HOUR),
    ]
    # Then it is warned exactly once, flagged exactly once, and read only by the two runs that acted
    assert [(r["warned"], r["flagged"], r["items_read"]) for r in runs] == [
        (0, 0, 0),
        (1, 0, 1),
        (0, 0, 0),
        (0, 0, 0),
        (0, 1, 1),
    ]
    (warning,) = entries(store, request.code, EntryType.DUE_SOON)
    assert warning.public is False
    assert warning.detail is not None
    assert warning.detail["due_at"] == "2026-04-01T21:15:00.000Z"
    # And the staff text shows the deadline on Istanbul's clock (00:15 on 2 April)
    assert warning.text is not None
    assert "02.04.2026 00:15" in warning.text
    assert len(entries(store, request.code, EntryType.OVERDUE)) == 1


def test_a_category_shorter_than_the_lead_is_warned_at_once_and_flagged_at_its_own_deadline(
    store: Pool, file: Callable[..., ServiceRequest], checker: Callable[..., dict[str, Any]]
) -> None:
    # Given an injured-animal request: 4 hours to the first response, shorter than the 6-hour lead
    request = route(store, file(category="veterinary"), department="veterinary_affairs")
    # When the checker runs 5 minutes after filing, then 3h59m, then 4h after
    runs = [checker(T0 + 5 * MINUTE), checker(T0 + 3 * HOUR + 59 * MINUTE), checker(T0 + 4 * HOUR)]
    # Then the first run warns (less than the lead is left), and the 4-hour mark flags it
    assert [(r["warned"], r["flagged"]) for r in runs] == [(1, 0), (0, 0), (0, 1)]
    assert request.due_at == T0 + 4 * HOUR


def test_a_request_nobody_warned_in_time_is_flagged_without_a_late_warning(
    store: Pool, file: Callable[..., ServiceRequest], checker: Callable[..., dict[str, Any]]
) -> None:
    # Given a request whose whole warning window passed without a run (the checker was down)
    request = filed_and_routed(file, store)
    # When the first run after the deadline comes
    summary = checker(T0 + 50 * HOUR)
    # Then it is flagged, two hours late, and not warned after the fact
    assert (summary["warned"], summary["flagged"], summary["lag_seconds"]) == (0, 1, 7200.0)
    assert entries(store, request.code, EntryType.DUE_SOON) == []


# --- the first-response clock ------------------------------------------------------------------------


def public_reply(request: ServiceRequest, at: datetime) -> TimelineEntry:
    return TimelineEntry(
        code=request.code,
        at=at,
        type=EntryType.PUBLIC_REPLY,
        public=True,
        text="Ekibimiz yarın sabah bölgede olacak. / Our team will be there tomorrow morning.",
        actor="staff",
    )


def test_answered_requests_are_never_warned_or_flagged(
    store: Pool, file: Callable[..., ServiceRequest], checker: Callable[..., dict[str, Any]]
) -> None:
    # Given two routed requests, one answered by staff an hour after filing
    answered = filed_and_routed(file, store)
    silent = filed_and_routed(file, store)
    updated = sla.record_first_response(answered, public_reply(answered, T0 + HOUR), due=store.due)
    # When the checker runs through the warning window and past the deadline
    runs = [checker(T0 + 43 * HOUR), checker(T0 + 49 * HOUR)]
    # Then only the silent one is warned and flagged; the answered one kept the promise
    assert [(r["warned"], r["flagged"]) for r in runs] == [(1, 0), (0, 1)]
    assert entries(store, answered.code, EntryType.DUE_SOON) == []
    assert entries(store, answered.code, EntryType.OVERDUE) == []
    assert len(entries(store, silent.code, EntryType.OVERDUE)) == 1
    stored = store.requests.get(answered.code)
    assert stored == updated
    assert (stored.first_response_at, stored.first_response_met) == (T0 + HOUR, True)
    assert not in_due_index(store, answered.code)  # technical_works/road: no resolution target set here


def test_a_late_first_response_is_recorded_as_a_missed_promise(
    store: Pool, file: Callable[..., ServiceRequest]
) -> None:
    # Given a request answered 49 hours after filing (the promise was 48)
    request = filed_and_routed(file, store)
    # When the reply is recorded
    updated = sla.record_first_response(request, public_reply(request, T0 + 49 * HOUR), due=store.due)
    # Then the clock stopped at the reply and the promise is recorded as missed
    assert (updated.first_response_at, updated.first_response_met) == (T0 + 49 * HOUR, False)
    stored = store.requests.get(request.code)
    assert stored is not None
    assert stored.first_response_met is False
    # And the reply itself is the public timeline entry written in the same transaction
    (reply,) = entries(store, request.code, EntryType.PUBLIC_REPLY)
    assert reply.public is True


def test_an_answer_exactly_at_the_deadline_keeps_the_promise(
    store: Pool, file: Callable[..., ServiceRequest]
) -> None:
    # Given a request answered at the very millisecond of its deadline
    request = filed_and_routed(file, store)
    # When the reply is recorded
    updated = sla.record_first_response(request, public_reply(request, request.due_at), due=store.due)
    # Then the promise counts as kept (the deadline is inclusive)
    assert updated.first_response_met is True


def test_a_stale_or_repeated_first_response_changes_nothing(
    store: Pool, file: Callable[..., ServiceRequest]
) -> None:
    # Given a request a staff member read at version 1, which the router changed since
    filed = file()
    route(store, filed)
    # When the reply is recorded against the stale copy
    with pytest.raises(ConflictingUpdate):
        sla.record_first_response(filed, public_reply(filed, T0 + HOUR), due=store.due)
    # Then neither the request nor its timeline changed
    current = store.requests.get(filed.code)
    assert current is not None
    assert (current.version, current.first_response_at, current.status) == (2, None, Status.ROUTED)
    assert entries(store, filed.code, EntryType.PUBLIC_REPLY) == []
    assert in_due_index(store, filed.code)
    # And once answered, a second "first" response is refused as well
    answered = sla.record_first_response(current, public_reply(current, T0 + HOUR), due=store.due)
    with pytest.raises(ConflictingUpdate):
        sla.record_first_response(answered, public_reply(answered, T0 + 2 * HOUR), due=store.due)


def test_an_internal_note_does_not_stop_the_clock(store: Pool, file: Callable[..., ServiceRequest]) -> None:
    # Given a routed request and a staff member's internal note on it
    request = filed_and_routed(file, store)
    note = TimelineEntry(
        code=request.code, at=T0 + HOUR, type=EntryType.INTERNAL_NOTE, public=False, text="ekip yolda"
    )
    # When the note is offered as the first response / Then it is refused and the clock keeps running
    with pytest.raises(ValueError, match="not a first response"):
        sla.record_first_response(request, note, due=store.due)
    assert in_due_index(store, request.code)


def test_resolution_target_is_flagged_once_after_the_first_response(
    store: Pool, file: Callable[..., ServiceRequest], checker: Callable[..., dict[str, Any]]
) -> None:
    # Given a garbage complaint (24 h first response, 48 h resolution target), taken in hand publicly
    request = route(store, file(category="garbage"), department="cleaning_services")
    taken = TimelineEntry(
        code=request.code,
        at=T0 + 2 * HOUR,
        type=EntryType.STATUS_CHANGED,
        public=True,
        status=Status.IN_PROGRESS,
        previous_status=Status.ROUTED,
        text="Ekip yönlendirildi. / A crew is on its way.",
        actor="staff",
    )
    sla.record_first_response(request, taken, due=store.due, status=Status.IN_PROGRESS)
    # When the checker runs past the first-response time, then past the resolution target twice
    runs = [checker(T0 + 30 * HOUR), checker(T0 + 48 * HOUR + MINUTE), checker(T0 + 49 * HOUR)]
    # Then nothing happens at the (met) first-response deadline, and the missed resolution is flagged once
    assert [(r["warned"], r["flagged"], r["items_read"]) for r in runs] == [(0, 0, 0), (0, 1, 1), (0, 0, 0)]
    (entry,) = entries(store, request.code, EntryType.OVERDUE)
    assert entry.detail is not None
    assert entry.detail["deadline"] == "resolution"
    assert entry.status is Status.IN_PROGRESS
    assert "resolution_overdue_at" in raw_item(store, request.code)


def test_a_request_closed_without_clearing_its_clock_is_dropped_from_the_index_silently(
    store: Pool, file: Callable[..., ServiceRequest], checker: Callable[..., dict[str, Any]]
) -> None:
    # Given a request some writer resolved without taking it out of the due index
    request = filed_and_routed(file, store)
    boto3.client("dynamodb").update_item(
        TableName=store.table.name,
        Key=serialize({"pk": f"REQ#{request.code}", "sk": "REQ"}),
        UpdateExpression="SET #s = :s, version = version + :one",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues=serialize({":s": "resolved", ":one": 1}),
    )
    # When its deadline passes
    summary = checker(T0 + 49 * HOUR)
    # Then it is not flagged, only removed from the index (once), with no entry
    assert (summary["flagged"], summary["cleaned"]) == (0, 1)
    assert not in_due_index(store, request.code)
    assert entries(store, request.code, EntryType.OVERDUE) == []


def test_a_deadline_moved_without_its_key_is_re_keyed_once_then_flagged_at_the_new_time(
    store: Pool, file: Callable[..., ServiceRequest], checker: Callable[..., dict[str, Any]]
) -> None:
    # Given a routed request whose deadline a writer moved a day later without moving its index key
    request = filed_and_routed(file, store)
    later = "2026-04-02T21:15:00.000Z"
    boto3.client("dynamodb").update_item(
        TableName=store.table.name,
        Key=serialize({"pk": f"REQ#{request.code}", "sk": "REQ"}),
        UpdateExpression="SET due_at = :later, version = version + :one",
        ExpressionAttributeValues=serialize({":later": later, ":one": 1}),
    )
    # When the checker passes the old deadline, runs again, and passes the new one
    runs = [checker(T0 + 49 * HOUR), checker(T0 + 50 * HOUR), checker(T0 + 72 * HOUR + MINUTE)]
    # Then the first run only moves the key to the new deadline, the second reads nothing,
    # and the third flags it against the new deadline
    assert [(r["flagged"], r["cleaned"], r["items_read"]) for r in runs] == [(0, 1, 1), (0, 0, 0), (1, 0, 1)]
    (entry,) = entries(store, request.code, EntryType.OVERDUE)
    assert entry.detail is not None
    assert entry.detail["due_at"] == later


# --- overlapping runs ---------------------------------------------------------------------------------


class InterleavingRequests(RequestRepository):
    """Runs a whole second checker run right after this repository's first due-index read: two
    overlapping runs that both read the same due request before either writes."""

    def __init__(self, table_name: str, other_run: Callable[[], sla_checker.RunReport]) -> None:
        super().__init__(Table(table_name))
        self.other_run: Callable[[], sla_checker.RunReport] | None = other_run
        self.other_report: sla_checker.RunReport | None = None

    def page(self, index: Index, limit: int, start: PageStart = None, **query: Any) -> Page:
        page = super().page(index, limit, start, **query)
        if index is DUE and page.requests and self.other_run is not None:
            run, self.other_run = self.other_run, None
            self.other_report = run()
        return page


def test_two_overlapping_runs_flag_a_request_once(store: Pool, file: Callable[..., ServiceRequest]) -> None:
    # Given a due request, and a run that reads it while a second run reads, flags and finishes
    request = filed_and_routed(file, store)
    at = T0 + 49 * HOUR
    interleaved = InterleavingRequests(store.table.name, lambda: run_domain(store, at))
    # When both runs are done
    first = run_domain(interleaved, at)
    second = interleaved.other_report
    # Then exactly one of them flagged it; the other's conditional write lost, leaving no trace
    assert second is not None
    assert (second.flagged, first.flagged, first.lost_races) == (1, 0, 1)
    assert len(entries(store, request.code, EntryType.OVERDUE)) == 1
    assert int(raw_item(store, request.code)["version"]) == request.version + 1


def test_two_overlapping_runs_warn_and_sweep_once(store: Pool, file: Callable[..., ServiceRequest]) -> None:
    # Given a request never routed, 43 hours old (stuck, and inside the warning window)
    request = file()
    at = T0 + 43 * HOUR
    interleaved = InterleavingRequests(store.table.name, lambda: run_domain(store, at))
    # When two runs overlap
    first = run_domain(interleaved, at)
    second = interleaved.other_report
    assert second is not None
    # Then it went to triage once and was warned once
    assert first.swept + second.swept == 1
    assert first.warned + second.warned == 1
    assert len(entries(store, request.code, EntryType.DUE_SOON)) == 1
    changes = entries(store, request.code, EntryType.STATUS_CHANGED)
    assert [e.status for e in changes] == [Status.TRIAGE]


# --- the stuck-request sweep --------------------------------------------------------------------------


def test_a_request_never_routed_goes_to_triage_after_ten_minutes(
    store: Pool,
    file: Callable[..., ServiceRequest],
    checker: Callable[..., dict[str, Any]],
    call_public: Any,
) -> None:
    # Given a request the router lost, and one it routed
    lost = file()
    routed = filed_and_routed(file, store)
    # When the checker runs 9 minutes, then 11 minutes after filing
    runs = [checker(T0 + 9 * MINUTE), checker(T0 + 11 * MINUTE), checker(T0 + 16 * MINUTE)]
    # Then the lost one goes to triage once, when it is 10 minutes overdue for routing
    assert [r["swept"] for r in runs] == [0, 1, 0]
    stored = store.requests.get(lost.code)
    assert stored is not None
    assert stored.status is Status.TRIAGE
    assert raw_item(store, lost.code)["queue_pk"] == "-#triage"
    assert store.requests.get(routed.code) == routed
    # And the change is an ordinary status change with the reason for staff
    (change,) = entries(store, lost.code, EntryType.STATUS_CHANGED)
    assert (change.previous_status, change.status, change.actor) == (
        Status.RECEIVED,
        Status.TRIAGE,
        "system:sla-checker",
    )
    assert change.text is None  # nothing for the citizen to read; the reason is for staff
    assert change.note is not None
    assert "el ile" in change.note
    # And its deadline clock keeps running: triage is still open
    assert in_due_index(store, lost.code)
    # And the citizen sees the new status in the public timeline, without the internal reason
    public = call_public(lost.code)
    assert public["status"] == "triage"
    assert public["timeline"][-1]["status"] == "triage"
    assert public["timeline"][-1]["text"] is None


@pytest.fixture
def call_public(intake: ModuleType) -> Callable[[str], dict[str, Any]]:
    from tests.integration.conftest import LambdaContext, http_event

    def _get(code: str) -> dict[str, Any]:
        answer = intake.lambda_handler(http_event("GET", f"/requests/{code}"), LambdaContext())
        assert answer["statusCode"] == 200
        return json.loads(answer["body"])  # type: ignore[no-any-return]

    return _get


# --- paging, time budget, read cost ----------------------------------------------------------------------


def test_paging_reads_every_due_request_in_one_run(store: Pool, file: Callable[..., ServiceRequest]) -> None:
    # Given 12 due requests and pages of 2 items
    codes = {filed_and_routed(file, store).code for _ in range(12)}
    # When one run pages through the shards
    report = run_domain(store, T0 + 49 * HOUR, page_size=2)
    # Then every one is flagged in that run
    assert (report.flagged, report.complete) == (12, True)
    assert all(len(entries(store, code, EntryType.OVERDUE)) == 1 for code in codes)


def test_a_run_short_of_time_stops_and_the_next_run_finishes(
    store: Pool, file: Callable[..., ServiceRequest]
) -> None:
    # Given 20 due requests
    codes = [filed_and_routed(file, store).code for _ in range(20)]
    at = T0 + 49 * HOUR
    # When the first run's Lambda has time for only a few of them
    short = run_domain(store, at, page_size=3, budget=45)
    # Then it stops early, saying so, having flagged some
    assert short.complete is False
    assert 0 < short.flagged < 20
    # And the next run flags exactly the rest
    rest = run_domain(store, at + 5 * MINUTE)
    assert rest.complete is True
    assert short.flagged + rest.flagged == 20
    assert all(len(entries(store, code, EntryType.OVERDUE)) == 1 for code in codes)


def test_a_run_reads_only_what_is_due(store: Pool, file: Callable[..., ServiceRequest]) -> None:
    # Given 3 due requests among 10 not due yet (filed a day later), 2 already flagged and 1 answered
    for _ in range(3):
        filed_and_routed(file, store)
    for _ in range(10):
        filed_and_routed(file, store, at=T0 + 24 * HOUR)
    for _ in range(2):
        filed_and_routed(file, store, at=T0 - 24 * HOUR)
    assert run_domain(store, T0 + 25 * HOUR).flagged == 2
    answered = filed_and_routed(file, store)
    sla.record_first_response(answered, public_reply(answered, T0 + HOUR), due=store.due)
    # When the checker runs just after the 3 deadlines
    report = run_domain(store, T0 + 48 * HOUR + MINUTE)
    # Then it read exactly the 3 it flagged (no Scan, no old breach, nothing not yet due)
    assert (report.flagged, report.items_read) == (3, 3)
    assert report.queries == 3 * 16 + 1  # one query per shard and stage, and one for the sweep


# --- the handler's contract ----------------------------------------------------------------------------


def test_the_run_publishes_its_counts_as_metrics(
    store: Pool,
    file: Callable[..., ServiceRequest],
    checker: Callable[..., dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given one due request
    filed_and_routed(file, store)
    capsys.readouterr()
    # When the checker runs 90 seconds after its deadline
    checker(T0 + 48 * HOUR + 90 * timedelta(seconds=1))
    # Then the metrics blob (CloudWatch EMF) carries the counts and the lag the alarm watches
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (emf,) = [b for b in blobs if "LagSeconds" in b]
    assert (emf["Flagged"], emf["Warned"], emf["Swept"], emf["LagSeconds"]) == ([1.0], [0.0], [0.0], [90.0])
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "CivicDesk"
    assert emf["service"] == "civic-desk"


def test_an_event_that_is_not_a_schedule_tick_fails_loudly_and_changes_nothing(
    store: Pool, file: Callable[..., ServiceRequest], checker: Callable[..., dict[str, Any]]
) -> None:
    from functions.sla_checker import handler

    # Given a due request
    request = filed_and_routed(file, store)
    # When the checker is invoked with something that is not an EventBridge event
    with pytest.raises(ValidationError):
        handler.lambda_handler({"detail": {}}, FakeContext())
    # Then the invocation fails (Errors alarm, on-failure queue) and nothing was changed
    assert store.requests.get(request.code) == request


def test_the_checker_refuses_to_start_without_its_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from civicdesk.core.settings import ConfigurationError, load
    from functions.sla_checker import handler

    # Given an environment without the table and with a negative warning lead
    monkeypatch.delenv("TABLE_NAME", raising=False)
    monkeypatch.setenv("SLA_WARN_LEAD_HOURS", "-1")
    # When the settings are read / Then the cold start fails naming both variables
    with pytest.raises(ConfigurationError, match=r"TABLE_NAME.*SLA_WARN_LEAD_HOURS"):
        load(handler.CheckerSettings)


def test_a_filed_request_starts_in_the_warning_stage_of_its_shard(
    store: Pool, file: Callable[..., ServiceRequest]
) -> None:
    # Given a request filed through intake / Then it sits in the warning stage of its own shard
    request = file()
    assert raw_item(store, request.code)["due_pk"] == due_partition(due_shard(request.code), DueStage.WARN)
