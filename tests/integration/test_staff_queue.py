"""Staff queues and the 48-hour clock against the table as the template defines it (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from civicdesk.core.dynamo import Table
from civicdesk.core.errors import InvalidInput
from civicdesk.requests.models import Channel, EntryType, Kind, Language, ServiceRequest, Status
from civicdesk.requests.repository import RequestRepository, request_item
from civicdesk.sla import checker as sla_checker
from civicdesk.staff.identity import Role, Staff
from civicdesk.staff.queue import Filters, Order, QueueReader
from civicdesk.staff.repository import StaffRepository
from civicdesk.staff.service import StaffService
from tests.support import SHIPPED

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DEPARTMENTS = [d.code for d in SHIPPED.departments]
VET = Staff(
    user_id="vet",
    username="vet",
    roles=frozenset({Role.DEPARTMENT}),
    departments=frozenset({"veterinary_affairs"}),
)
SUPERVISOR = Staff(user_id="sup", username="sup", roles=frozenset({Role.SUPERVISOR}))


def _code(i: int) -> str:
    alphabet = "23456789ABCDEFGHJKMNPRSTVYZ"
    return "".join(alphabet[(i // len(alphabet) ** k) % len(alphabet)] for k in range(9))


def put(
    table: Table,
    i: int,
    *,
    department: str | None = "veterinary_affairs",
    status: Status = Status.ROUTED,
    at: datetime = T0,
    category: str | None = "veterinary",
    due: timedelta = 48 * HOUR,
) -> ServiceRequest:
    request = ServiceRequest(
        code=_code(i),
        kind=Kind.REQUEST,
        channel=Channel.CALL_CENTER,
        category=category,
        department=department,
        neighbourhood="erzene",
        description=f"Talep {i}",
        location=None,
        language=Language.TR,
        status=status,
        created_at=at,
        updated_at=at,
        due_at=at + due,
    )
    table.put(request_item(request))
    return request


@pytest.fixture
def table(table_name: str) -> Table:
    return Table(table_name)


@pytest.fixture
def reader(table: Table) -> QueueReader:
    return QueueReader(table)


def pages(reader: QueueReader, filters: Filters, limit: int) -> Iterator[list[str]]:
    cursor = None
    while True:
        page = reader.page(filters, DEPARTMENTS, limit, cursor)
        yield [r.code for r in page.requests]
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def test_a_departments_queue_is_its_open_work_newest_first_and_nothing_else(
    table: Table, reader: QueueReader
) -> None:
    # Given open and closed requests of two departments, and one in triage
    vet = [put(table, i, at=T0 + i * HOUR) for i in range(5)]
    put(table, 10, status=Status.RESOLVED)
    put(table, 11, department="technical_works", category="road_sidewalk")
    put(table, 12, department=None, status=Status.TRIAGE, category=None)
    # When the veterinary queue is read
    page = reader.page(Filters(departments=frozenset({"veterinary_affairs"})), DEPARTMENTS, 25, None)
    # Then it is the five open ones, newest first, read exactly
    assert [r.code for r in page.requests] == [r.code for r in reversed(vet)]
    assert (page.read, page.queries) == (5, 1)


def test_pages_hold_still_while_new_requests_arrive(table: Table, reader: QueueReader) -> None:
    # Given 7 requests and a first page of 3
    for i in range(7):
        put(table, i, at=T0 + i * HOUR)
    filters = Filters(departments=frozenset({"veterinary_affairs"}))
    first = reader.page(filters, DEPARTMENTS, 3, None)
    # When two newer requests arrive before the next page is asked for
    put(table, 50, at=T0 + 100 * HOUR)
    put(table, 51, at=T0 + 101 * HOUR)
    second = reader.page(filters, DEPARTMENTS, 3, first.next_cursor)
    third = reader.page(filters, DEPARTMENTS, 3, second.next_cursor)
    # Then the pages continue where they were: no request twice, none skipped
    seen = [r.code for p in (first, second, third) for r in p.requests]
    assert seen == [_code(i) for i in range(6, -1, -1)]


def test_most_urgent_first_merges_departments_in_deadline_order(table: Table, reader: QueueReader) -> None:
    # Given requests of two departments with interleaved deadlines
    put(table, 1, due=10 * HOUR)
    put(table, 2, department="technical_works", category="road_sidewalk", due=5 * HOUR)
    put(table, 3, due=20 * HOUR)
    put(table, 4, department="technical_works", category="road_sidewalk", due=15 * HOUR)
    # When a supervisor reads every department's open work by deadline, two at a time
    filters = Filters(departments=None, order=Order.DUE)
    # Then the merged order is by deadline, across pages
    assert [c for page in pages(reader, filters, 2) for c in page] == [_code(2), _code(1), _code(4), _code(3)]


def test_status_date_range_and_due_before_are_served_by_the_index(table: Table, reader: QueueReader) -> None:
    for i in range(6):
        put(table, i, at=T0 + i * 24 * HOUR, status=Status.IN_PROGRESS if i % 2 else Status.ROUTED)
    only = Filters(
        departments=frozenset({"veterinary_affairs"}),
        status=Status.IN_PROGRESS,
        created_from=T0 + 24 * HOUR,
        created_to=T0 + 3 * 24 * HOUR,
    )
    page = reader.page(only, DEPARTMENTS, 25, None)
    assert [r.code for r in page.requests] == [_code(3), _code(1)]
    assert page.read == 2
    due = Filters(departments=frozenset({"veterinary_affairs"}), order=Order.DUE, due_before=T0 + 49 * HOUR)
    urgent = reader.page(due, DEPARTMENTS, 25, None)
    assert [r.code for r in urgent.requests] == [_code(0)]
    assert urgent.read == 1


def test_a_cursor_is_refused_if_tampered_with_or_used_with_other_filters(
    table: Table, reader: QueueReader
) -> None:
    for i in range(4):
        put(table, i, at=T0 + i * HOUR)
    vet = Filters(departments=frozenset({"veterinary_affairs"}))
    cursor = reader.page(vet, DEPARTMENTS, 2, None).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidInput):
        reader.page(Filters(departments=frozenset({"technical_works"})), DEPARTMENTS, 2, cursor)
    with pytest.raises(InvalidInput):
        reader.page(vet, DEPARTMENTS, 2, cursor[:-4] + "AAAA")


def test_a_member_without_a_department_filter_gets_their_own_departments(
    table_name: str, table: Table
) -> None:
    put(table, 1)
    put(table, 2, department="technical_works", category="road_sidewalk")
    service = _service(table_name)
    page = service.queue(VET, Filters(departments=None), 25, None)
    assert [r.code for r in page.requests] == [_code(1)]


# --- the 48-hour clock ------------------------------------------------------------------------------------


def _service(table_name: str, now: datetime = T0) -> StaffService:
    table = Table(table_name)
    return StaffService(
        requests=RequestRepository(table),
        staff_items=StaffRepository(table),
        queues=QueueReader(table),
        catalogue=lambda: SHIPPED,
        citizen_key=lambda: "k" * 32,
        clock=lambda: now,
    )


def _filed_and_routed(table_name: str) -> ServiceRequest:
    from civicdesk.requests import intake
    from civicdesk.routing import rules

    requests = RequestRepository(Table(table_name))
    new = intake.NewRequest(description="Çöpler üç gündür alınmadı, koku yapıyor", channel=Channel.WEB)
    filed = intake.file_request(new, catalogue=SHIPPED, requests=requests, clock=lambda: T0)
    decision = rules.Decision(
        code=filed.code,
        category="garbage",
        confidence=1.0,
        source="chosen",
        department="cleaning_services",
        version=1,
    )
    outcome = rules.assign(filed, decision, requests=requests, catalogue=SHIPPED, clock=lambda: T0)
    assert outcome is rules.Outcome.DONE
    routed = requests.get(filed.code)
    assert routed is not None
    return routed


def _check(table_name: str, at: datetime) -> sla_checker.RunReport:
    return sla_checker.run(
        RequestRepository(Table(table_name)), remaining_ms=lambda: 600_000, clock=lambda: at
    )


def _timeline(table_name: str, code: str) -> list[EntryType]:
    found = RequestRepository(Table(table_name)).get_with_timeline(code)
    assert found is not None
    return [e.type for e in found[1]]


def test_a_request_answered_in_time_is_never_flagged(table_name: str) -> None:
    # Given a routed request (garbage: 24 hours to answer, 48 to resolve) answered after 2 hours
    request = _filed_and_routed(table_name)
    _service(table_name, T0 + 2 * HOUR).reply(
        SUPERVISOR, request.code, "Ekibimiz bugün geliyor.", request.version
    )
    # When the checker runs past the answer deadline, and again before the resolution target
    reports = [_check(table_name, T0 + 25 * HOUR), _check(table_name, T0 + 47 * HOUR)]
    # Then nothing is flagged, and the promise is recorded as kept
    assert [r.flagged for r in reports] == [0, 0]
    assert EntryType.OVERDUE not in _timeline(table_name, request.code)
    stored = RequestRepository(Table(table_name)).get(request.code)
    assert stored is not None
    assert stored.first_response_met is True


def test_a_request_answered_late_is_flagged_once_and_records_the_missed_promise(table_name: str) -> None:
    # Given a routed request nobody answered within its 24 hours
    request = _filed_and_routed(table_name)
    assert _check(table_name, T0 + 25 * HOUR).flagged == 1
    flagged = RequestRepository(Table(table_name)).get(request.code)
    assert flagged is not None
    # When staff answer it late, and the checker keeps running
    _service(table_name, T0 + 26 * HOUR).reply(
        SUPERVISOR, request.code, "Gecikme için özür dileriz.", flagged.version
    )
    later = [_check(table_name, T0 + 30 * HOUR), _check(table_name, T0 + 47 * HOUR)]
    # Then it was flagged exactly once, and the late answer is recorded as a missed promise
    assert [r.flagged for r in later] == [0, 0]
    assert _timeline(table_name, request.code).count(EntryType.OVERDUE) == 1
    stored = RequestRepository(Table(table_name)).get(request.code)
    assert stored is not None
    assert (stored.first_response_met, stored.first_response_at) == (False, T0 + 26 * HOUR)


def test_an_overdue_request_waits_in_the_supervisors_list_until_it_is_answered(
    table_name: str, table: Table
) -> None:
    request = _filed_and_routed(table_name)
    _check(table_name, T0 + 25 * HOUR)
    reader = QueueReader(table)
    overdue = Filters(departments=None, overdue=True)
    assert [r.code for r in reader.page(overdue, DEPARTMENTS, 25, None).requests] == [request.code]
    flagged = RequestRepository(table).get(request.code)
    assert flagged is not None
    _service(table_name, T0 + 26 * HOUR).reply(SUPERVISOR, request.code, "Özür dileriz.", flagged.version)
    assert reader.page(overdue, DEPARTMENTS, 25, None).requests == []


def test_the_router_puts_a_request_in_its_departments_work_queue(table_name: str, table: Table) -> None:
    # Given a request the router assigned / Then it is in that department's open work, and nowhere else
    routed = _filed_and_routed(table_name)
    reader = QueueReader(table)
    work = reader.page(Filters(departments=frozenset({"cleaning_services"})), DEPARTMENTS, 25, None)
    assert [r.code for r in work.requests] == [routed.code]
    other = reader.page(Filters(departments=frozenset({"veterinary_affairs"})), DEPARTMENTS, 25, None)
    assert other.requests == []
