"""Routing's writes: `received` -> `routed` or `triage`, each only if the request is still `received`.

A second routing run, or the SLA checker's sweep racing the router, therefore changes nothing.
"""

from __future__ import annotations

from datetime import datetime

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
        after = request.model_copy(update={"status": Status.TRIAGE, "updated_at": entry.at})
        return self.requests.update(request, after, entry, require=STILL_RECEIVED)

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
        """`received` -> `routed` to `department` (queue keys and deadline follow), only if still
        `received` at this version: a second routing run changes nothing."""
        after = request.model_copy(
            update={
                "status": Status.ROUTED,
                "category": category,
                "department": department,
                "neighbourhood": neighbourhood or request.neighbourhood,
                "due_at": due_at,
                "resolution_due_at": resolution_due_at,
                "updated_at": entry.at,
            }
        )
        due_key = {layout.DUE.sk: layout.time_sort_key(iso(due_at), request.code)}
        return self.requests.update(request, after, entry, set_=due_key, require=STILL_RECEIVED)
