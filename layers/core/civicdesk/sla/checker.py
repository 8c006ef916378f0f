"""The SLA checker: warns before the first-response deadline, flags missed deadlines, sweeps lost requests.

It reads only what is due: one key-range query per shard and stage of the sparse due index (and one
on the `-#received` queue partition), never a Scan. Every change is one conditional transaction (the
request and its timeline entry) guarded by `version` and the due stage, so two overlapping runs act
once. Nothing is published from here: the dispatcher turns the entries this writes (`due_soon`,
`overdue`, `status_changed`) into `RequestDueSoon`, `RequestOverdue` and `StatusChanged` events from
the table's stream (docs/events.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from civicdesk.core.clock import Clock, iso, local, utc_now
from civicdesk.core.dynamo import PageStart
from civicdesk.layout import DUE_SHARDS, DueStage
from civicdesk.requests.models import OPEN_STATUSES, EntryType, ServiceRequest, Status, TimelineEntry
from civicdesk.requests.repository import Page, RequestRepository
from civicdesk.routing.repository import RoutingRepository
from civicdesk.sla.repository import DueIndex

ACTOR = "system:sla-checker"
"""`system` to the event (actor_type); the component for staff reading the timeline."""
RemainingMs = Callable[[], int]


class Deadline(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class Policy:
    """How the checker behaves; the handler reads it from the environment."""

    warn_lead: timedelta = timedelta(hours=6)
    """`RequestDueSoon` once less than this is left of the first-response time (at once if the
    category's whole window is shorter, e.g. the 4-hour veterinary cases)."""
    stuck_after: timedelta = timedelta(minutes=10)
    """A request still `received` this long after filing was lost by routing: it goes to triage."""
    margin_ms: int = 20_000
    """Stop taking new work when the Lambda has less than this left; the next run continues."""
    page_size: int = 100


@dataclass
class RunReport:
    """What one run did; the handler turns it into metrics and one log line (codes never logged)."""

    flagged: int = 0
    warned: int = 0
    swept: int = 0
    cleaned: int = 0
    """Index housekeeping: keys removed for a clock another writer stopped, or moved to a changed deadline."""
    lost_races: int = 0
    """Changes skipped because someone else changed the request first (another run, or staff)."""
    items_read: int = 0
    queries: int = 0
    lag_seconds: float = 0.0
    """The longest time between a deadline and its flag in this run (0 when nothing was flagged)."""
    complete: bool = True
    """False when the run stopped for time and left due work for the next run."""


class _OutOfTime(Exception):
    pass


def run(
    requests: RequestRepository,
    *,
    remaining_ms: RemainingMs,
    clock: Clock = utc_now,
    policy: Policy | None = None,
) -> RunReport:
    """One checker run: broken promises first, then lost requests, then warnings, then resolution."""
    checker = _Run(requests, remaining_ms, clock, policy or Policy())
    try:
        checker.due_stage(DueStage.OVERDUE, until=checker.now)
        checker.sweep()
        checker.due_stage(DueStage.WARN, until=checker.now + checker.policy.warn_lead)
        checker.due_stage(DueStage.RESOLUTION, until=checker.now)
    except _OutOfTime:
        checker.report.complete = False
    return checker.report


class _Run:
    def __init__(
        self, requests: RequestRepository, remaining_ms: RemainingMs, clock: Clock, policy: Policy
    ) -> None:
        self.due = DueIndex(requests)
        self.routing = RoutingRepository(requests)
        self.remaining_ms = remaining_ms
        self.clock = clock
        self.policy = policy
        self.now = clock()
        self.report = RunReport()

    def _in_time(self) -> None:
        if self.remaining_ms() < self.policy.margin_ms:
            raise _OutOfTime

    def _read(self, page: Page) -> list[ServiceRequest]:
        self.report.queries += 1
        self.report.items_read += page.read
        return page.requests

    def due_stage(self, stage: DueStage, *, until: datetime) -> None:
        """Every shard of one stage, a page at a time in turn, so a backlog never starves a shard."""
        starts: dict[int, PageStart] = dict.fromkeys(range(DUE_SHARDS))
        while starts:
            for shard in list(starts):
                self._in_time()
                page = self.due.due_page(
                    shard, stage, until=until, limit=self.policy.page_size, start=starts[shard]
                )
                for request in self._read(page):
                    self._in_time()
                    self._act(stage, request)
                if page.next_start is None:
                    del starts[shard]
                else:
                    starts[shard] = page.next_start

    def sweep(self) -> None:
        start: PageStart = None
        while True:
            self._in_time()
            page = self.due.received_page(
                created_before=self.now - self.policy.stuck_after, limit=self.policy.page_size, start=start
            )
            for request in self._read(page):
                self._in_time()
                if request.status is Status.RECEIVED:
                    self._count(
                        self.routing.send_to_triage(request, _triage_entry(request, self.clock())), "swept"
                    )
            if page.next_start is None:
                return
            start = page.next_start

    def _act(self, stage: DueStage, request: ServiceRequest) -> None:
        if _clock_stopped(stage, request):
            self._count(self.due.leave(request, stage, self.clock()), "cleaned")
            return
        if stage is DueStage.RESOLUTION:
            deadline, due = Deadline.RESOLUTION, request.resolution_due_at
        else:
            deadline, due = Deadline.FIRST_RESPONSE, request.due_at
        if due is None:  # a resolution key without a target: nothing to wait for
            self._count(self.due.leave(request, stage, self.clock()), "cleaned")
        elif due <= self.now:
            at = self.clock()
            if self._count(
                self.due.flag_overdue(request, overdue_entry(request, at, deadline, due), stage), "flagged"
            ):
                self.report.lag_seconds = max(self.report.lag_seconds, (at - due).total_seconds())
        elif stage is DueStage.WARN and due <= self.now + self.policy.warn_lead:
            self._count(self.due.warn_due_soon(request, due_soon_entry(request, self.clock())), "warned")
        else:  # the deadline moved without its key: re-key it, or every run would read it again
            self._count(self.due.rekey(request, stage, due, self.clock()), "cleaned")

    def _count(self, applied: bool, outcome: str) -> bool:
        if applied:
            setattr(self.report, outcome, getattr(self.report, outcome) + 1)
        else:
            self.report.lost_races += 1
        return applied


def _clock_stopped(stage: DueStage, request: ServiceRequest) -> bool:
    """The index said a clock runs, the request says it stopped (closed, or answered without the index
    being cleared): the writer that stopped it did not remove the keys."""
    if request.status not in OPEN_STATUSES:
        return True
    return stage is not DueStage.RESOLUTION and request.first_response_at is not None


# --- the entries (staff-facing, Turkish first; the structured `detail` feeds the domain event) ------


def _shown(moment: datetime) -> str:
    return local(moment).strftime("%d.%m.%Y %H:%M")


def _detail(request: ServiceRequest, deadline: Deadline, due: datetime) -> dict[str, str]:
    detail = {"deadline": deadline.value, "due_at": iso(due), "status": request.status.value}
    if request.category:
        detail["category"] = request.category
    if request.department:
        detail["department"] = request.department
    return detail


def due_soon_entry(request: ServiceRequest, at: datetime) -> TimelineEntry:
    """The warning before the first-response deadline (sample history writes the same entry)."""
    due = _shown(request.due_at)
    return TimelineEntry(
        code=request.code,
        at=at,
        type=EntryType.DUE_SOON,
        public=False,
        status=request.status,
        actor=ACTOR,
        text=f"İlk yanıt süresi doluyor: son an {due} (İstanbul). / First response due by {due} (Istanbul).",
        detail=_detail(request, Deadline.FIRST_RESPONSE, request.due_at),
    )


def overdue_entry(request: ServiceRequest, at: datetime, deadline: Deadline, due: datetime) -> TimelineEntry:
    """The flag of a missed deadline (sample history writes the same entry)."""
    shown = _shown(due)
    if deadline is Deadline.RESOLUTION:
        text = f"Çözüm hedefi aşıldı (son an {shown}). / Resolution target missed (due {shown})."
    else:
        text = f"İlk yanıt süresi aşıldı (son an {shown}). / First-response deadline missed (due {shown})."
    return TimelineEntry(
        code=request.code,
        at=at,
        type=EntryType.OVERDUE,
        public=False,
        status=request.status,
        actor=ACTOR,
        text=text,
        detail=_detail(request, deadline, due),
    )


def _triage_entry(request: ServiceRequest, at: datetime) -> TimelineEntry:
    """Public: the citizen sees the status change (`Değerlendiriliyor`); the reason is a staff note."""
    waited = int((at - request.created_at).total_seconds() // 60)
    return TimelineEntry(
        code=request.code,
        at=at,
        type=EntryType.STATUS_CHANGED,
        public=True,
        status=Status.TRIAGE,
        previous_status=Status.RECEIVED,
        actor=ACTOR,
        note=f"{waited} dakikada otomatik yönlendirilmedi; el ile yönlendirilmeli. "
        f"/ Not routed automatically within {waited} minutes; route by hand.",
        detail={"reason": "not_routed", "received_at": iso(request.created_at)},
    )
