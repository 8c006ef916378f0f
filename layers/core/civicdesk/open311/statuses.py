"""Our statuses in Open311's words: the one table that maps them.

GeoReport v2 knows only `open` and `closed`; FixMyStreet's updates extension names finer states
(`IN_PROGRESS`, `FIXED`, `DUPLICATE`, ...). A rejection says which of those it was by its reason, and a
transfer between our departments is an `INTERNAL_REFERRAL`.
"""

from __future__ import annotations

from enum import StrEnum

from civicdesk.requests.models import EntryType, Rejection, Status


class State(StrEnum):
    """GeoReport v2's `status` of a request."""

    OPEN = "open"
    CLOSED = "closed"


class Extended(StrEnum):
    """FixMyStreet's extended statuses (the `status` of a `request_update`)."""

    OPEN = "OPEN"
    FOR_TRIAGE = "FOR_TRIAGE"
    IN_PROGRESS = "IN_PROGRESS"
    ACTION_SCHEDULED = "ACTION_SCHEDULED"
    INVESTIGATING = "INVESTIGATING"
    FIXED = "FIXED"
    DUPLICATE = "DUPLICATE"
    NOT_COUNCILS_RESPONSIBILITY = "NOT_COUNCILS_RESPONSIBILITY"
    NO_FURTHER_ACTION = "NO_FURTHER_ACTION"
    INTERNAL_REFERRAL = "INTERNAL_REFERRAL"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"
    REOPEN = "REOPEN"


STATUSES: dict[Status | Rejection | EntryType, tuple[State, Extended]] = {
    Status.RECEIVED: (State.OPEN, Extended.OPEN),
    Status.ROUTED: (State.OPEN, Extended.ACTION_SCHEDULED),
    Status.TRIAGE: (State.OPEN, Extended.FOR_TRIAGE),
    Status.IN_PROGRESS: (State.OPEN, Extended.IN_PROGRESS),
    Status.REOPENED: (State.OPEN, Extended.REOPEN),
    Status.RESOLVED: (State.CLOSED, Extended.FIXED),
    Status.CLOSED: (State.CLOSED, Extended.CLOSED),
    Status.REJECTED: (State.CLOSED, Extended.NO_FURTHER_ACTION),  # a rejection without a known reason
    Rejection.DUPLICATE: (State.CLOSED, Extended.DUPLICATE),
    Rejection.NOT_OURS: (State.CLOSED, Extended.NOT_COUNCILS_RESPONSIBILITY),
    Rejection.INVALID: (State.CLOSED, Extended.NO_FURTHER_ACTION),
    EntryType.TRANSFERRED: (State.OPEN, Extended.INTERNAL_REFERRAL),
    EntryType.PUBLIC_REPLY: (State.OPEN, Extended.OPEN),  # an answer on an open request
}
"""Status (or, for a rejection, its reason; for an update without a status, its kind) -> Open311's two."""


def of_request(status: Status, rejection: Rejection | None = None) -> tuple[State, Extended]:
    if status is Status.REJECTED and rejection is not None:
        return STATUSES[rejection]
    return STATUSES[status]


def of_update(kind: EntryType, status: Status | None, reason: str | None) -> tuple[State, Extended]:
    """A timeline entry's Open311 status: its new status (a rejection by reason), else its kind's."""
    if status is not None and kind is not EntryType.TRANSFERRED:
        rejection = Rejection(reason) if reason in {r.value for r in Rejection} else None
        return of_request(status, rejection)
    return STATUSES[kind]


def _reversed() -> dict[Extended, tuple[State, Status]]:
    """The table read backwards: each extended status as the first of ours that maps to it (a rejection
    reason as `rejected`, a transfer as `routed`), plus the two our table never produces."""
    found: dict[Extended, tuple[State, Status]] = {}
    for key, (state, extended) in STATUSES.items():
        if isinstance(key, Status):
            ours = key
        elif isinstance(key, Rejection):
            ours = Status.REJECTED
        else:
            ours = Status.ROUTED if key is EntryType.TRANSFERRED else Status.IN_PROGRESS
        found.setdefault(extended, (state, ours))
    found[Extended.INVESTIGATING] = (State.OPEN, Status.IN_PROGRESS)
    found[Extended.CANCELLED] = (State.CLOSED, Status.CLOSED)
    return found


REVERSED = _reversed()


def from_extended(status: str) -> tuple[State, Status]:
    """Another system's update status in our words; a value the standard allows but we do not know
    counts as still open (`in_progress`): following stops only on a status we know is final."""
    try:
        return REVERSED[Extended(status.strip().upper())]
    except ValueError:
        return State.OPEN, Status.IN_PROGRESS


def open_statuses() -> frozenset[Status]:
    """Our statuses Open311 calls `open` (the `status=open` filter)."""
    return frozenset(s for s in Status if STATUSES[s][0] is State.OPEN)
