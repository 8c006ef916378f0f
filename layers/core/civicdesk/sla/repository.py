"""The SLA's persistence: the sparse due index, the stuck-request sweep, the first-response clock.

Every change goes through `RequestRepository.change` (one guarded write with its timeline entry);
what this adds is the due index's keys and the stage conditions that make two overlapping checker
runs, or a checker run and a staff action, act once.
"""

from __future__ import annotations

from datetime import datetime

from civicdesk import layout
from civicdesk.core.clock import iso
from civicdesk.core.dynamo import Item, PageStart, serialize
from civicdesk.core.errors import ConflictingUpdate
from civicdesk.layout import DueStage
from civicdesk.requests.models import OPEN_STATUSES, ServiceRequest, Status, TimelineEntry
from civicdesk.requests.repository import Page, RequestRepository, request_item

DUE_KEYS = (layout.DUE.pk, layout.DUE.sk)
# When the checker acted on a request: set once, kept after the clock stops (reports read them).
WARNED_AT = "due_soon_at"
OVERDUE_AT = "overdue_at"
RESOLUTION_OVERDUE_AT = "resolution_overdue_at"


def as_history(
    request: ServiceRequest,
    *,
    warned_at: datetime | None = None,
    overdue_at: datetime | None = None,
    resolution_overdue_at: datetime | None = None,
) -> Item:
    """The request's item as it stands after the checker warned and flagged at these times.

    For history written in bulk (sample data, imports), where the checker's own writes never ran:
    the marks are set (and with them the attention index), and the request sits in the due stage the
    checker would have left it in (none once flagged or closed), so the next run does exactly what it
    would do in production.
    """
    flagged = request.model_copy(
        update={
            "overdue_at": overdue_at or request.overdue_at,
            "resolution_overdue_at": resolution_overdue_at or request.resolution_overdue_at,
        }
    )
    history = {k: v for k, v in request_item(flagged).items() if k not in DUE_KEYS}
    if warned_at is not None:
        history[WARNED_AT] = iso(warned_at)
    if request.status not in OPEN_STATUSES:
        return history
    stage = DueStage.OVERDUE if warned_at else DueStage.WARN
    due: datetime | None = request.due_at
    if request.first_response_at is not None:
        stage, due = DueStage.RESOLUTION, request.resolution_due_at
    missed = flagged.resolution_overdue_at if stage is DueStage.RESOLUTION else flagged.overdue_at
    if due is not None and missed is None:
        history[layout.DUE.pk] = layout.due_partition(layout.due_shard(request.code), stage)
        history[layout.DUE.sk] = layout.time_sort_key(iso(due), request.code)
    return history


def _stage_of(request: ServiceRequest, stage: DueStage) -> dict[str, str]:
    """The condition that the request still sits in `stage` of the due index."""
    return {layout.DUE.pk: layout.due_partition(layout.due_shard(request.code), stage)}


class DueIndex:
    def __init__(self, requests: RequestRepository) -> None:
        self.requests = requests

    def due_page(
        self, shard: int, stage: DueStage, *, until: datetime, limit: int, start: PageStart = None
    ) -> Page:
        """One page of a due partition: requests whose deadline key is at or before `until`."""
        return self.requests.page(
            layout.DUE,
            limit,
            start,
            KeyConditionExpression="due_pk = :pk AND due_sk <= :until",
            ExpressionAttributeValues=serialize(
                {":pk": layout.due_partition(shard, stage), ":until": iso(until) + layout.UNTIL_END}
            ),
        )

    def received_page(self, *, created_before: datetime, limit: int, start: PageStart = None) -> Page:
        """One page of requests still `received` (never routed), created before `created_before`."""
        return self.requests.page(
            layout.QUEUE,
            limit,
            start,
            KeyConditionExpression="queue_pk = :pk AND queue_sk < :before",
            ExpressionAttributeValues=serialize(
                {":pk": layout.queue_partition(None, Status.RECEIVED), ":before": iso(created_before)}
            ),
        )

    def warn_due_soon(self, request: ServiceRequest, entry: TimelineEntry) -> bool:
        """WARN -> OVERDUE stage (same deadline key) with the `due_soon` entry; False if beaten to it."""
        overdue = layout.due_partition(layout.due_shard(request.code), DueStage.OVERDUE)
        return self.requests.change(
            request,
            entry,
            set_={layout.DUE.pk: overdue, WARNED_AT: iso(entry.at)},
            require=_stage_of(request, DueStage.WARN),
        )

    def flag_overdue(self, request: ServiceRequest, entry: TimelineEntry, stage: DueStage) -> bool:
        """Mark the deadline of `stage` as missed and take the request out of the due index."""
        mark = RESOLUTION_OVERDUE_AT if stage is DueStage.RESOLUTION else OVERDUE_AT
        after = request.model_copy(update={mark: entry.at, "updated_at": entry.at})
        return self.requests.update(request, after, entry, remove=DUE_KEYS, require=_stage_of(request, stage))

    def leave(self, request: ServiceRequest, stage: DueStage, at: datetime) -> bool:
        """Housekeeping for a request whose clock another writer stopped without clearing the keys."""
        return self.requests.change(request, None, at=at, remove=DUE_KEYS, require=_stage_of(request, stage))

    def rekey(self, request: ServiceRequest, stage: DueStage, due: datetime, at: datetime) -> bool:
        """Housekeeping for a deadline changed without its index key: the key follows the deadline."""
        return self.requests.change(
            request,
            None,
            at=at,
            set_={layout.DUE.sk: layout.time_sort_key(iso(due), request.code)},
            require=_stage_of(request, stage),
        )

    def record_first_response(
        self,
        request: ServiceRequest,
        entry: TimelineEntry,
        *,
        met: bool,
        status: Status,
        resolution_due_at: datetime | None,
    ) -> None:
        """The staff action's entry, its status and the stopped clock in one conditional transaction.

        The request leaves the first-response stages of the due index; with `resolution_due_at` it
        moves to the RESOLUTION stage instead. Raises ConflictingUpdate when the request changed
        since it was read, or its first response was already recorded.
        """
        after = request.model_copy(
            update={
                "status": status,
                "first_response_at": entry.at,
                "first_response_met": met,
                "updated_at": entry.at,
            }
        )
        set_, remove = clock_keys(request.code, resolution_due_at)
        if not self.requests.update(
            request, after, entry, set_=set_, remove=remove, absent=("first_response_at",)
        ):
            raise ConflictingUpdate(request.code, "changed meanwhile, or its first response is recorded")


def warn_stage_keys(code: str, due_at: datetime) -> dict[str, str]:
    """The due index's first stage, for a first-response clock that starts (again) now."""
    return {
        layout.DUE.pk: layout.due_partition(layout.due_shard(code), DueStage.WARN),
        layout.DUE.sk: layout.time_sort_key(iso(due_at), code),
    }


def clock_keys(code: str, resolution_due_at: datetime | None) -> tuple[dict[str, str], tuple[str, ...]]:
    """The due index after a first response: the resolution stage if a resolution clock runs, else out."""
    if resolution_due_at is None:
        return {}, DUE_KEYS
    return {
        layout.DUE.pk: layout.due_partition(layout.due_shard(code), DueStage.RESOLUTION),
        layout.DUE.sk: layout.time_sort_key(iso(resolution_due_at), code),
    }, ()
