"""Deadline arithmetic beyond tests/unit/test_sla.py: every category, the Istanbul calendar, what is
stored, what stops the first-response clock, and where a deadline sits in the due index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civicdesk.catalogue import model as catalogue
from civicdesk.core.clock import ISTANBUL, iso, local
from civicdesk.core.errors import ConflictingUpdate
from civicdesk.layout import DUE_SHARDS, DueStage, due_partition, due_shard
from civicdesk.requests.models import (
    Channel,
    EntryType,
    Kind,
    Language,
    ServiceRequest,
    Status,
    TimelineEntry,
)
from civicdesk.requests.repository import request_item
from civicdesk.sla import deadlines as sla
from tests.support import SHIPPED


def _request(received: datetime, category: str | None) -> ServiceRequest:
    cat = SHIPPED.category(category) if category else None
    return ServiceRequest(
        code="7KPM4YP2T",
        kind=Kind.COMPLAINT,
        channel=Channel.WHATSAPP,
        category=category,
        department=None,
        neighbourhood=None,
        description="Sokakta yaralı bir kedi var.",
        location=None,
        language=Language.TR,
        status=Status.RECEIVED,
        created_at=received,
        updated_at=received,
        due_at=sla.first_response_deadline(received, cat, SHIPPED),
        resolution_due_at=sla.resolution_deadline(received, cat),
    )


@pytest.mark.parametrize("category", SHIPPED.categories, ids=lambda c: c.code)
def test_each_category_promises_its_own_hours(category: catalogue.Category) -> None:
    # Given a request of this category received at 15:45 UTC
    received = datetime(2026, 6, 15, 15, 45, tzinfo=UTC)
    # When its deadlines are computed
    due = sla.first_response_deadline(received, category, SHIPPED)
    resolution = sla.resolution_deadline(received, category)
    # Then they are exactly the catalogue's hours after receipt (absolute hours, not working hours)
    assert due - received == timedelta(hours=category.first_response_hours)
    if category.resolution_hours is None:
        assert resolution is None
    else:
        assert resolution is not None
        assert resolution - received == timedelta(hours=category.resolution_hours)


def test_an_injured_animal_at_night_is_due_before_dawn_on_istanbul_time() -> None:
    # Given a veterinary request (4 hours) received at 22:30 in Istanbul
    received = datetime(2026, 7, 10, 22, 30, tzinfo=ISTANBUL)
    # When its request item is built
    item = request_item(_request(received, "veterinary"))
    # Then the deadline is stored in UTC (23:30 the same UTC day) and shown as 02:30 the next local day
    assert item["due_at"] == "2026-07-10T23:30:00.000Z"
    shown = local(datetime.fromisoformat(item["due_at"]))
    assert (shown.day, shown.hour, shown.minute) == (11, 2, 30)


def test_a_day_long_promise_across_a_local_month_end() -> None:
    # Given a garbage complaint (24 hours) at 01:30 on 1 March in Istanbul: still 28 February in UTC
    received = datetime(2026, 3, 1, 1, 30, tzinfo=ISTANBUL)
    request = _request(received, "garbage")
    # Then it is stored as 22:30 UTC on 1 March and shown as 01:30 on 2 March
    assert iso(request.created_at) == "2026-02-28T22:30:00.000Z"
    assert iso(request.due_at) == "2026-03-01T22:30:00.000Z"
    assert local(request.due_at).strftime("%d.%m %H:%M") == "02.03 01:30"


def test_a_long_resolution_target_crosses_month_and_year_ends() -> None:
    # Given a road repair (resolution target 720 hours = 30 days) received on 15 December, 12:00 UTC
    received = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
    # Then the target is 14 January of the next year, same time
    assert sla.resolution_deadline(received, SHIPPED.category("road_sidewalk")) == datetime(
        2027, 1, 14, 12, 0, tzinfo=UTC
    )


def test_the_due_index_key_is_the_deadline_in_utc_in_the_requests_shard() -> None:
    # Given a request received with a +03:00 offset
    request = _request(datetime(2026, 5, 1, 9, 0, tzinfo=ISTANBUL), None)
    # When it is stored
    item = request_item(request)
    # Then its index key is the UTC deadline, sortable as text, in the fresh (warning) stage of its shard
    assert item["due_sk"] == f"2026-05-03T06:00:00.000Z#{request.code}"
    assert item["due_pk"] == due_partition(due_shard(request.code), DueStage.WARN)


def test_each_stage_has_its_own_partitions() -> None:
    # Given the three stages / Then every shard has one partition per stage and none is shared
    partitions = {due_partition(shard, stage) for shard in range(DUE_SHARDS) for stage in DueStage}
    assert len(partitions) == DUE_SHARDS * len(DueStage)
    assert due_partition(7, DueStage.WARN) == "DUE#07"
    assert due_partition(7, DueStage.OVERDUE) == "DUE#07#overdue"


def test_an_answered_or_closed_request_leaves_the_due_index() -> None:
    # Given a request answered two hours after receipt, and one closed unanswered
    received = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    answered = _request(received, None).model_copy(
        update={"first_response_at": received + timedelta(hours=2)}
    )
    closed = _request(received, None).model_copy(update={"status": Status.CLOSED})
    # When they are stored / Then neither carries due-index keys: no checker run will read them
    assert "due_pk" not in request_item(answered)
    assert "due_pk" not in request_item(closed)


# --- what stops the first-response clock -------------------------------------------------------------


def _entry(
    entry_type: EntryType, *, public: bool = True, status: Status | None = None, text: str | None = None
) -> TimelineEntry:
    return TimelineEntry(
        code="7KPM4YP2T",
        at=datetime(2026, 5, 1, tzinfo=UTC),
        type=entry_type,
        public=public,
        status=status,
        text=text,
        actor="staff",
    )


@pytest.mark.parametrize(
    ("entry", "stops"),
    [
        (_entry(EntryType.PUBLIC_REPLY, text="Yarın geliyoruz."), True),
        (_entry(EntryType.STATUS_CHANGED, status=Status.RESOLVED), True),
        (
            _entry(EntryType.STATUS_CHANGED, status=Status.REJECTED, text="Bizim sorumluluğumuzda değil."),
            True,
        ),
        (_entry(EntryType.STATUS_CHANGED, status=Status.IN_PROGRESS, text="Ekip yolda."), True),
        # the citizen sees "İşlemde" on the status page: that is an answer too
        (_entry(EntryType.STATUS_CHANGED, status=Status.IN_PROGRESS), True),
        (_entry(EntryType.STATUS_CHANGED, status=Status.ROUTED), False),
        (_entry(EntryType.STATUS_CHANGED, status=Status.TRIAGE), False),
        (_entry(EntryType.INTERNAL_NOTE, public=False, text="ara"), False),
        (_entry(EntryType.PUBLIC_REPLY, public=False, text="taslak"), False),
    ],
    ids=[
        "public-reply",
        "resolved",
        "rejected",
        "in-progress-with-note",
        "in-progress-silent",
        "routed",
        "triage",
        "internal-note",
        "unpublished-reply",
    ],
)
def test_only_a_citizen_visible_staff_action_is_a_first_response(entry: TimelineEntry, stops: bool) -> None:
    # Given a staff action / When we ask whether it answers the citizen / Then only visible answers do
    assert sla.is_first_response(entry) is stops


# --- deadlines once the category is known, and the first response ------------------------------------

RECEIVED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_routing_tightens_the_first_response_deadline_and_starts_the_resolution_target() -> None:
    # Given a request filed without a category (48 hours, no resolution target)
    request = _request(RECEIVED, None)
    # When it is routed as an injured animal (4 hours, 72 to resolve)
    due_at, resolution = sla.deadlines_on_routing(request, SHIPPED.category("veterinary"))
    # Then both count from receipt
    assert due_at == RECEIVED + timedelta(hours=4)
    assert resolution == RECEIVED + timedelta(hours=72)


def test_routing_never_extends_a_promise_nor_replaces_a_resolution_target() -> None:
    # Given an injured-animal request (4 hours, 72 to resolve)
    request = _request(RECEIVED, "veterinary")
    # When it is routed under a slower category (road works: 48 hours, 720 to resolve)
    due_at, resolution = sla.deadlines_on_routing(request, SHIPPED.category("road_sidewalk"))
    # Then the citizen keeps both earlier promises
    assert (due_at, resolution) == (request.due_at, request.resolution_due_at)


def test_a_category_without_a_resolution_target_sets_none() -> None:
    # Given a request without a category / When routed to water and sewage (no resolution target)
    due_at, resolution = sla.deadlines_on_routing(_request(RECEIVED, None), SHIPPED.category("water_sewage"))
    # Then only the first-response deadline moves (24 hours)
    assert due_at == RECEIVED + timedelta(hours=24)
    assert resolution is None


class _Due:
    """Records what the due index is asked to write (tests/integration covers the real one)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []

    def record_first_response(self, request: ServiceRequest, entry: TimelineEntry, **kwargs: object) -> None:
        self.calls.append({"request": request, "entry": entry, **kwargs})


def _reply(at: datetime, code: str = "7KPM4YP2T") -> TimelineEntry:
    return TimelineEntry(code=code, at=at, type=EntryType.PUBLIC_REPLY, public=True, text="Ekibimiz yolda.")


@pytest.mark.parametrize(("late", "met"), [(timedelta(0), True), (timedelta(seconds=1), False)])
def test_the_first_response_is_met_up_to_the_deadline_itself(late: timedelta, met: bool) -> None:
    # Given a routed veterinary request
    request = _request(RECEIVED, "veterinary").model_copy(update={"status": Status.ROUTED})
    due = _Due()
    # When staff reply exactly at the deadline (or a second after)
    reply = _reply(request.due_at + late)
    answered = sla.record_first_response(request, reply, due=due)  # type: ignore[arg-type]
    # Then the clock stops, met or not, in one write of this request and entry that keeps the request open
    # with its resolution target
    (call,) = due.calls
    assert (call["request"], call["entry"]) == (request, reply)
    assert call["met"] is met
    assert call["status"] is Status.ROUTED
    assert call["resolution_due_at"] == request.resolution_due_at
    assert (answered.first_response_at, answered.first_response_met) == (request.due_at + late, met)
    assert (answered.status, answered.version, answered.updated_at) == (
        Status.ROUTED,
        request.version + 1,
        request.due_at + late,
    )


def test_a_first_response_that_closes_the_request_drops_its_resolution_target() -> None:
    # Given a request answered by resolving it
    request = _request(RECEIVED, "veterinary").model_copy(update={"status": Status.ROUTED})
    due = _Due()
    entry = TimelineEntry(
        code=request.code, at=RECEIVED, type=EntryType.STATUS_CHANGED, public=True, status=Status.RESOLVED
    )
    # When the first response is recorded with the new status
    answered = sla.record_first_response(request, entry, due=due, status=Status.RESOLVED)  # type: ignore[arg-type]
    # Then the request leaves the resolution clock too
    assert due.calls[0]["status"] is Status.RESOLVED
    assert due.calls[0]["resolution_due_at"] is None
    assert answered.status is Status.RESOLVED


def test_only_a_first_response_to_this_request_stops_its_clock() -> None:
    # Given a request
    request = _request(RECEIVED, "veterinary")
    due = _Due()
    internal = TimelineEntry(
        code=request.code, at=RECEIVED, type=EntryType.INTERNAL_NOTE, public=False, text="iç not"
    )
    # When the entry is another request's reply, or not visible to the citizen / Then it is refused
    with pytest.raises(ValueError, match="not a first response"):
        sla.record_first_response(request, _reply(RECEIVED, code="OTHERCODE"), due=due)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a first response"):
        sla.record_first_response(request, internal, due=due)  # type: ignore[arg-type]
    assert due.calls == []


def test_a_second_first_response_is_a_conflict() -> None:
    # Given a request already answered
    request = _request(RECEIVED, "veterinary").model_copy(update={"first_response_at": RECEIVED})
    # When another reply is recorded as its first response / Then it conflicts and nothing is written
    due = _Due()
    with pytest.raises(ConflictingUpdate, match=f"{request.code}.*first response is already recorded"):
        sla.record_first_response(request, _reply(RECEIVED), due=due)  # type: ignore[arg-type]
    assert due.calls == []
