"""Routing a new request to its department: classify, decide, assign — or hand it to a human.

The state machine (infra) orders the steps; each step's rule lives here. Every step is safe to
run twice: assigning and triaging are conditional on the request still being `received`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from civicdesk.catalogue.model import Catalogue
from civicdesk.core.clock import Clock, utc_now
from civicdesk.core.errors import RequestNotFound
from civicdesk.requests.models import EntryType, ServiceRequest, Status, TimelineEntry
from civicdesk.requests.repository import RequestRepository
from civicdesk.routing.classifier import Classifier
from civicdesk.routing.repository import RoutingRepository
from civicdesk.sla import deadlines as sla

CHOSEN = "chosen"  # a citizen or an agent picked the category
CLASSIFIED = "classified"


class Decision(BaseModel):
    """What Classify tells the state machine: the category and how sure we are of it."""

    model_config = ConfigDict(frozen=True)

    code: str
    category: str
    confidence: float
    runner_up: str | None = None
    source: str
    neighbourhood: str | None = None
    version: int
    model: str | None = None
    """The classifier model's version that chose the category (recorded on the routing entry)."""


def classify(
    code: str, *, requests: RequestRepository, catalogue: Catalogue, classifier: Classifier
) -> Decision:
    """Keep a chosen category (confidence 1); otherwise classify the description.

    The neighbourhood is taken from the text when none was given.
    """
    request = _request(requests, code)
    result = classifier.classify(request.description, catalogue)
    if request.category:
        return Decision(
            code=code,
            category=request.category,
            confidence=1.0,
            source=CHOSEN,
            neighbourhood=request.neighbourhood or result.neighbourhood,
            version=request.version,
        )
    return Decision(
        code=code,
        category=result.category,
        confidence=result.confidence,
        runner_up=result.runner_up,
        source=CLASSIFIED,
        neighbourhood=request.neighbourhood or result.neighbourhood,
        version=request.version,
        model=result.model,
    )


def assign(
    decision: Decision,
    department: str,
    *,
    requests: RequestRepository,
    catalogue: Catalogue,
    clock: Clock = utc_now,
) -> bool:
    """`received` -> `routed` with the department; False if the request had already moved on.

    A category learnt by classification may tighten the first-response deadline (an injured
    animal: 4 hours, not 48) but never extends what the citizen was promised at filing.
    """
    request = _request(requests, decision.code)
    category = catalogue.category(decision.category)
    due_at, resolution_due_at = sla.deadlines_on_routing(request, category)
    now = clock()
    entry = TimelineEntry(
        code=request.code,
        at=now,
        type=EntryType.STATUS_CHANGED,
        public=True,
        status=Status.ROUTED,
        previous_status=Status.RECEIVED,
        detail={
            "category": category.code,
            "department": department,
            "source": decision.source,
            "confidence": f"{decision.confidence:.2f}",
            "channel": request.channel.value,
            **({"model": decision.model} if decision.model else {}),
        },
    )
    return RoutingRepository(requests).assign(
        request,
        entry,
        category=category.code,
        department=department,
        neighbourhood=decision.neighbourhood,
        due_at=due_at,
        resolution_due_at=resolution_due_at,
    )


def send_to_triage(
    code: str,
    reason: str,
    *,
    requests: RequestRepository,
    error: dict[str, Any] | None = None,
    clock: Clock = utc_now,
) -> bool:
    """`received` -> `triage` with the reason (and the error, if a step failed) for a supervisor."""
    request = _request(requests, code)
    detail = {"reason": reason, "channel": request.channel.value}
    if error:
        detail["error"] = str(error.get("Error", "unknown"))[:100]
        detail["cause"] = str(error.get("Cause", ""))[:300]
    entry = TimelineEntry(
        code=request.code,
        at=clock(),
        type=EntryType.STATUS_CHANGED,
        public=True,
        status=Status.TRIAGE,
        previous_status=request.status,
        detail=detail,
    )
    return RoutingRepository(requests).send_to_triage(request, entry)


def _request(requests: RequestRepository, code: str) -> ServiceRequest:
    request = requests.get(code)
    if request is None:
        raise RequestNotFound(code)
    return request
