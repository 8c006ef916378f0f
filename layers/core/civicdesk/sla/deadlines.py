"""The response promise: when a request must first be answered, and when resolved.

Deadlines are absolute durations from receipt, computed and stored in UTC; they are shown in
Europe/Istanbul. (Türkiye has no daylight saving time since 2016, but nothing here relies on it.)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from civicdesk.catalogue.model import Catalogue, Category
from civicdesk.core.errors import ConflictingUpdate
from civicdesk.requests.models import OPEN_STATUSES, EntryType, ServiceRequest, Status, TimelineEntry

if TYPE_CHECKING:
    from civicdesk.sla.repository import DueIndex


def first_response_deadline(
    received_at: datetime, category: Category | None, catalogue: Catalogue
) -> datetime:
    hours = category.first_response_hours if category else catalogue.default_first_response_hours
    return received_at + timedelta(hours=hours)


def resolution_deadline(received_at: datetime, category: Category | None) -> datetime | None:
    if category is None or category.resolution_hours is None:
        return None
    return received_at + timedelta(hours=category.resolution_hours)


ANSWERING_STATUSES = frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED})


def deadlines_on_routing(request: ServiceRequest, category: Category) -> tuple[datetime, datetime | None]:
    """The deadlines once a request's category is known (by the router or by a person): a category
    may tighten the first-response deadline (an injured animal: 4 hours, not 48) but never extends
    what the citizen was promised at filing; its resolution target applies if none was set."""
    due_at = min(request.due_at, request.created_at + timedelta(hours=category.first_response_hours))
    resolution_due_at = request.resolution_due_at
    if resolution_due_at is None and category.resolution_hours is not None:
        resolution_due_at = request.created_at + timedelta(hours=category.resolution_hours)
    return due_at, resolution_due_at


def is_first_response(entry: TimelineEntry) -> bool:
    """The first-response clock stops at a citizen-visible staff action: a public reply, or a status
    change to `in_progress`, `resolved` or `rejected` (the citizen's status page shows it). Anything
    the citizen cannot see does not count."""
    if not entry.public:
        return False
    if entry.type is EntryType.PUBLIC_REPLY:
        return True
    return entry.type is EntryType.STATUS_CHANGED and entry.status in ANSWERING_STATUSES


def record_first_response(
    request: ServiceRequest, entry: TimelineEntry, *, due: DueIndex, status: Status | None = None
) -> ServiceRequest:
    """Stop the first-response clock in the staff action's own write; returns the updated request.

    `entry` is that action (see `is_first_response`), `status` the request's new status if the action
    changes it. One conditional transaction sets `first_response_at`/`first_response_met`, takes the
    request out of the first-response stages of the due index and, if the category sets a resolution
    target and the request stays open, starts the resolution clock. Raises ConflictingUpdate when the
    request changed since it was read (re-read and retry) or was already answered (a plain update then).
    """
    if entry.code != request.code or not is_first_response(entry):
        raise ValueError(f"a {entry.type} entry on {entry.code} is not a first response to {request.code}")
    if request.first_response_at is not None:
        raise ConflictingUpdate(request.code, "its first response is already recorded")
    new_status = status or request.status
    met = entry.at <= request.due_at
    resolution = request.resolution_due_at if new_status in OPEN_STATUSES else None
    due.record_first_response(request, entry, met=met, status=new_status, resolution_due_at=resolution)
    return request.model_copy(
        update={
            "status": new_status,
            "first_response_at": entry.at,
            "first_response_met": met,
            "updated_at": entry.at,
            "version": request.version + 1,
        }
    )
