"""Routing a new request to its department: classify, decide, assign — or hand it to a human.

The state machine (infra) orders the steps; each step's rule lives here. Nothing is read twice: the
dispatcher hands the router the request as the stream showed it (`execution_input`), Classify decides
from that and from the catalogue it already holds (category, confidence and department at once), and
Assign writes with the version that came along. Only when that write loses to another change does
Assign read again: a request still `received` is assigned again (a due-soon warning bumped its
version, nothing more); one that moved on (a supervisor routed it, the SLA sweep triaged it) is left
as it is, and says so. Every step is safe to run twice: assigning and triaging are conditional on
the request still being `received`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from civicdesk.catalogue.model import Catalogue
from civicdesk.core.clock import Clock, utc_now
from civicdesk.core.errors import InvalidInput, RequestNotFound
from civicdesk.requests.models import EntryType, ServiceRequest, Status, TimelineEntry
from civicdesk.requests.repository import RequestRepository, request_from_item
from civicdesk.routing.classifier import Classifier
from civicdesk.routing.repository import RoutingRepository
from civicdesk.sla import deadlines as sla

CHOSEN = "chosen"  # a citizen or an agent picked the category
CLASSIFIED = "classified"
WRITE_ATTEMPTS = 3
"""Writes Assign (and Triage) try while the request stays `received`: each loss means another write
landed in between (at most a due-soon warning, while a request is new), so a third loss is contention
worth a person's look."""
_ERROR_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,63}")


class Outcome(StrEnum):
    """How a routing write ended; the state machine branches on it."""

    DONE = "done"  # routed (Assign) or triaged (Triage)
    MOVED_ON = "moved_on"  # no longer `received`: someone else decided first
    CONTENDED = "contended"  # still `received`, but every attempt lost to another write


class Decision(BaseModel):
    """What Classify tells the state machine: the category, how sure, and the department it implies
    (absent when the category has none the catalogue knows), at the version that was read."""

    model_config = ConfigDict(frozen=True)

    code: str
    category: str
    confidence: float
    runner_up: str | None = None
    source: str
    neighbourhood: str | None = None
    department: str | None = None
    version: int
    model: str | None = None
    """The classifier model's version that chose the category (recorded on the routing entry)."""


def execution_input(item: Mapping[str, Any]) -> dict[str, Any]:
    """What one router execution starts with: the new request's item as the stream carried it."""
    request = request_from_item(item)
    return {"code": request.code, "request": request.model_dump(mode="json")}


def classify(request: ServiceRequest, *, catalogue: Catalogue, classifier: Classifier) -> Decision:
    """Keep a chosen category (confidence 1); otherwise classify the description.

    The neighbourhood is taken from the text when none was given; the department is the category's,
    from the same catalogue, so category, promise and department never come from two versions of it.
    """
    result = classifier.classify(request.description, catalogue)
    chosen = request.category is not None
    category = request.category if request.category is not None else result.category
    return Decision(
        code=request.code,
        category=category,
        confidence=1.0 if chosen else result.confidence,
        runner_up=None if chosen else result.runner_up,
        source=CHOSEN if chosen else CLASSIFIED,
        neighbourhood=request.neighbourhood or result.neighbourhood,
        department=_department(catalogue, category),
        version=request.version,
        model=None if chosen else result.model,
    )


def _department(catalogue: Catalogue, category: str) -> str | None:
    """The active category's department, if the catalogue knows it; None sends the request to triage."""
    try:
        department = catalogue.category(category).department
    except InvalidInput:
        return None
    return department if catalogue.department(department) is not None else None


def assign(
    request: ServiceRequest,
    decision: Decision,
    *,
    requests: RequestRepository,
    catalogue: Catalogue,
    clock: Clock = utc_now,
) -> Outcome:
    """`received` -> `routed` to the decided department, starting from the request as Classify saw it.

    A category learnt by classification may tighten the first-response deadline (an injured
    animal: 4 hours, not 48) but never extends what the citizen was promised at filing.
    """
    category = catalogue.category(decision.category)
    department = decision.department or category.department
    routing = RoutingRepository(requests)

    def write(current: ServiceRequest) -> bool:
        due_at, resolution_due_at = sla.deadlines_on_routing(current, category)
        entry = TimelineEntry(
            code=current.code,
            at=clock(),
            type=EntryType.STATUS_CHANGED,
            public=True,
            status=Status.ROUTED,
            previous_status=Status.RECEIVED,
            detail={
                "category": category.code,
                "department": department,
                "source": decision.source,
                "confidence": f"{decision.confidence:.2f}",
                "channel": current.channel.value,
                **({"model": decision.model} if decision.model else {}),
            },
        )
        return routing.assign(
            current,
            entry,
            category=category.code,
            department=department,
            neighbourhood=decision.neighbourhood,
            due_at=due_at,
            resolution_due_at=resolution_due_at,
        )

    return _while_received(request, write, requests)


def send_to_triage(
    code: str,
    reason: str,
    *,
    requests: RequestRepository,
    error: str | None = None,
    clock: Clock = utc_now,
) -> Outcome:
    """`received` -> `triage` with the reason, for a supervisor.

    A failed step leaves only its error's type (`States.Timeout`, `RuntimeError`) in the entry's
    internal note: an error's message or cause can quote the request's own text (pydantic's
    `input_value`), and the entry's facts become a domain event kept for months.
    """
    request = requests.get(code)
    if request is None:
        raise RequestNotFound(code)
    error_type = _error_type(error)
    routing = RoutingRepository(requests)

    def write(current: ServiceRequest) -> bool:
        entry = TimelineEntry(
            code=current.code,
            at=clock(),
            type=EntryType.STATUS_CHANGED,
            public=True,
            status=Status.TRIAGE,
            previous_status=current.status,
            note=f"error: {error_type}" if error_type else None,
            detail={"reason": reason, "channel": current.channel.value},
        )
        return routing.send_to_triage(current, entry)

    return _while_received(request, write, requests)


def _error_type(error: str | None) -> str | None:
    """An error's type as Step Functions names it, if it looks like one; never free text."""
    if not error:
        return None
    return error if _ERROR_TYPE.fullmatch(error) else "unknown"


def _while_received(
    request: ServiceRequest, write: Callable[[ServiceRequest], bool], requests: RequestRepository
) -> Outcome:
    """Write from `request`; after a lost race read it again and retry while it is still `received`."""
    current: ServiceRequest | None = request
    for _ in range(WRITE_ATTEMPTS):
        if current is None or current.status is not Status.RECEIVED:
            return Outcome.MOVED_ON
        if write(current):
            return Outcome.DONE
        current = requests.get(request.code)
    return Outcome.MOVED_ON if current is None or current.status is not Status.RECEIVED else Outcome.CONTENDED
