"""Routing's writes: `received` -> `routed` or `triage`, each only if the request is still `received`.

A second routing run, or the SLA checker's sweep racing the router, therefore changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from civicdesk import layout
from civicdesk.core.clock import iso
from civicdesk.requests.models import ServiceRequest, Status, TimelineEntry
from civicdesk.requests.repository import RequestRepository

STILL_RECEIVED = {"status": Status.RECEIVED.value}


class RoutingRepository:
    def __init__(self, requests: RequestRepository) -> None:
        self.requests = requests

    def send_to_triage(self, request: ServiceRequest, entry: TimelineEntry) -> bool:
        """`received` -> `triage` (the queue key follows), only if still `received` at this version."""
        return self.requests.change(
            request,
            entry,
            set_={
                "status": Status.TRIAGE.value,
                layout.QUEUE.pk: layout.queue_partition(request.department, Status.TRIAGE),
            },
            require=STILL_RECEIVED,
        )

    def assign(
        self,
        request: ServiceRequest,
        entry: TimelineEntry,
        *,
        category: str,
        department: str,
        neighbourhood: str | None,
        due_at: datetime,
        resolution_due_at: datetime | None,
    ) -> bool:
        """`received` -> `routed` to `department` (queue key and deadline follow), only if still
        `received` at this version: a second routing run changes nothing."""
        set_: dict[str, Any] = {
            "status": Status.ROUTED.value,
            "category": category,
            "department": department,
            layout.QUEUE.pk: layout.queue_partition(department, Status.ROUTED),
            "due_at": iso(due_at),
            layout.DUE.sk: layout.time_sort_key(iso(due_at), request.code),
        }
        if neighbourhood:
            set_["neighbourhood"] = neighbourhood
        if resolution_due_at is not None:
            set_["resolution_due_at"] = iso(resolution_due_at)
        return self.requests.change(request, entry, set_=set_, require=STILL_RECEIVED)
