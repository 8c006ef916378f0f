"""The request workflow staff drive: reply, note, change status, transfer, classify from triage.

Each action is a pure function from the request as read to a `Change` — the request as it will be,
its timeline entry and anything written with it — and `apply` makes it one conditional write guarded
by the version the client read (`If-Match`). The first citizen-visible action stops the 48-hour
clock in that same write (`sla.deadlines.is_first_response`); which status may follow which is the
`TRANSITIONS` table. Domain events follow from the entries through the table's stream.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from civicdesk import layout
from civicdesk.catalogue.model import Catalogue
from civicdesk.core.clock import iso
from civicdesk.core.dynamo import Write
from civicdesk.core.errors import ConflictingUpdate, InvalidInput, PreconditionFailed
from civicdesk.profile.model import Institution
from civicdesk.requests.models import (
    OPEN_STATUSES,
    EntryType,
    Language,
    Rejection,
    ServiceRequest,
    Status,
    TimelineEntry,
)
from civicdesk.requests.repository import RequestRepository
from civicdesk.sla import deadlines as sla
from civicdesk.sla.repository import DUE_KEYS, clock_keys, warn_stage_keys
from civicdesk.staff import texts
from civicdesk.staff.identity import Staff
from civicdesk.staff.repository import example_put, link_puts

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.ROUTED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED}),
    Status.IN_PROGRESS: frozenset({Status.RESOLVED, Status.REJECTED}),
    Status.REOPENED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED}),
    Status.TRIAGE: frozenset({Status.REJECTED}),  # route it with `classify`; or close spam here
    Status.RESOLVED: frozenset({Status.REOPENED}),
    Status.REJECTED: frozenset({Status.REOPENED}),
    Status.CLOSED: frozenset({Status.REOPENED}),
    Status.RECEIVED: frozenset(),  # the router is at work; the SLA sweep hands it to triage if stuck
}
"""Which status staff may set after which (409 otherwise). `received -> routed` is the router's, and
`triage -> routed` the supervisor's `classify`."""
TRANSFERABLE = frozenset({Status.ROUTED, Status.IN_PROGRESS, Status.REOPENED})
CLASSIFIABLE = frozenset({Status.TRIAGE, Status.RECEIVED})


@dataclass(frozen=True)
class Change:
    """What one staff action writes: the request as it becomes, its entry, and what goes with them."""

    after: ServiceRequest
    entry: TimelineEntry
    set_: Mapping[str, Any] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    also: Sequence[Write] = ()


@dataclass(frozen=True)
class StatusChange:
    status: Status
    text: str | None = None
    reason: Rejection | None = None
    duplicate_of: str | None = None
    referred_to: str | None = None


def reply(request: ServiceRequest, text: str, staff: Staff, at: datetime) -> Change:
    """A public reply: on the citizen's timeline, and sent to them (the notifier delivers it)."""
    entry = _entry(request, staff, at, EntryType.PUBLIC_REPLY, public=True, text=text)
    return _answered(request, request.model_copy(update={"updated_at": at}), entry)


def note(request: ServiceRequest, text: str, staff: Staff, at: datetime) -> Change:
    """An internal note: staff read it, the citizen never does; the clock runs on."""
    entry = _entry(request, staff, at, EntryType.INTERNAL_NOTE, public=False, note=text)
    return Change(after=request.model_copy(update={"updated_at": at}), entry=entry)


def change_status(
    request: ServiceRequest,
    change: StatusChange,
    staff: Staff,
    at: datetime,
    catalogue: Catalogue,
    institutions: Sequence[Institution] = (),
) -> Change:
    """A status change allowed by `TRANSITIONS`, with what each status needs said to the citizen.
    `institutions`: the profile's, which a `not_ours` rejection may name by code to have it referred."""
    if change.status not in TRANSITIONS.get(request.status, frozenset()):
        raise ConflictingUpdate(
            request.code, f"a request that is {request.status.value} cannot become {change.status.value}"
        )
    updates: dict[str, Any] = {"status": change.status, "updated_at": at, "transfer_asked": None}
    detail: dict[str, str] = {}
    also: Sequence[Write] = ()
    text = change.text
    if change.status is Status.RESOLVED and not text:
        raise InvalidInput({"text": "a resolution needs a public text saying what was done"})
    if change.status is Status.REJECTED:
        text, reject_updates, also = _rejection(request, change, staff, at, institutions)
        updates.update(reject_updates)
        detail["reason"] = change.reason.value if change.reason else ""
        if reject_updates.get("referred_to") and _institution(reject_updates["referred_to"], institutions):
            detail["institution"] = reject_updates["referred_to"]  # a code: the referral consumer files it
    entry = _entry(
        request, staff, at, EntryType.STATUS_CHANGED, public=True, text=text, status=change.status, **detail
    )
    after = request.model_copy(update=updates)
    if change.status is Status.REOPENED:
        return reopened(request, after, entry, catalogue)
    return _answered(request, after, entry, also=also)


def transfer(
    request: ServiceRequest, department: str, reason: str, staff: Staff, at: datetime, catalogue: Catalogue
) -> Change:
    """Move a request to another department's queue (a supervisor); the clock runs on, unchanged."""
    _check_transfer(request, department, catalogue)
    after = request.model_copy(
        update={"department": department, "status": Status.ROUTED, "updated_at": at, "transfer_asked": None}
    )
    entry = _entry(
        request,
        staff,
        at,
        EntryType.TRANSFERRED,
        public=True,
        status=Status.ROUTED,
        note=reason,
        from_department=request.department or "",
        department=department,
    )
    example = example_put(request, at, department=department, category=None, source="transfer")
    return Change(after=after, entry=entry, also=[example])


def ask_transfer(
    request: ServiceRequest, department: str, reason: str, staff: Staff, at: datetime, catalogue: Catalogue
) -> Change:
    """A department member asks for a transfer: it lands in the supervisors' attention list."""
    _check_transfer(request, department, catalogue)
    entry = _entry(
        request, staff, at, EntryType.TRANSFER_ASKED, public=False, note=reason, department=department
    )
    return Change(
        after=request.model_copy(update={"transfer_asked": department, "updated_at": at}), entry=entry
    )


def classify(
    request: ServiceRequest,
    category_code: str,
    neighbourhood: str | None,
    staff: Staff,
    at: datetime,
    catalogue: Catalogue,
) -> Change:
    """Route by hand what the classifier could not: the category's department and deadlines follow,
    and the decision is kept as a labelled example for the classifier."""
    if request.status not in CLASSIFIABLE:
        raise ConflictingUpdate(request.code, f"a request that is {request.status.value} is not in triage")
    problems: dict[str, str] = {}
    try:
        category = catalogue.category(category_code)
    except InvalidInput as error:
        problems.update(error.fields)
    if neighbourhood is not None:
        try:
            catalogue.neighbourhood(neighbourhood)
        except InvalidInput as error:
            problems.update(error.fields)
    if problems:
        raise InvalidInput(problems)
    due_at, resolution_due_at = sla.deadlines_on_routing(request, category)
    after = request.model_copy(
        update={
            "status": Status.ROUTED,
            "category": category.code,
            "department": category.department,
            "neighbourhood": neighbourhood or request.neighbourhood,
            "due_at": due_at,
            "resolution_due_at": resolution_due_at,
            "updated_at": at,
        }
    )
    entry = _entry(
        request,
        staff,
        at,
        EntryType.STATUS_CHANGED,
        public=True,
        status=Status.ROUTED,
        category=category.code,
        department=category.department,
        source="staff",
        channel=request.channel.value,
    )
    example = example_put(
        request, at, department=category.department, category=category.code, source="triage"
    )
    set_: dict[str, Any] = {}
    if request.first_response_at is None and request.overdue_at is None:  # the due key follows the deadline
        set_ = {layout.DUE.sk: layout.time_sort_key(iso(due_at), request.code)}
    return Change(after=after, entry=entry, set_=set_, also=[example])


def apply(
    requests: RequestRepository, request: ServiceRequest, change: Change, expected_version: int
) -> ServiceRequest:
    """Write the change if the request is still at `expected_version` (the client's `If-Match`);
    PreconditionFailed otherwise. Returns the request as written."""
    if request.version != expected_version:
        raise PreconditionFailed(request.code, request.version)
    written = requests.update(
        request,
        change.after,
        change.entry,
        set_=change.set_,
        remove=change.remove,
        absent=change.absent,
        also=change.also,
    )
    if not written:
        current = requests.get(request.code)
        raise PreconditionFailed(request.code, current.version if current else request.version)
    return change.after.model_copy(update={"version": request.version + 1})


# --- the clock ------------------------------------------------------------------------------------------


def _answered(
    request: ServiceRequest,
    after: ServiceRequest,
    entry: TimelineEntry,
    also: Sequence[Write] = (),
) -> Change:
    """The change, with the 48-hour clock stopped if this is the first answer the citizen sees, and
    every running clock stopped if the request is finished."""
    finished = after.status not in OPEN_STATUSES
    if request.first_response_at is None and sla.is_first_response(entry):
        met = entry.at <= request.due_at
        after = after.model_copy(update={"first_response_at": entry.at, "first_response_met": met})
        set_, remove = clock_keys(request.code, None if finished else request.resolution_due_at)
        return Change(after, entry, set_=set_, remove=remove, absent=("first_response_at",), also=also)
    return Change(after, entry, remove=DUE_KEYS if finished else (), also=also)


def reopened(
    request: ServiceRequest, after: ServiceRequest, entry: TimelineEntry, catalogue: Catalogue
) -> Change:
    """A reopened request is answered again within its category's first-response time, from now
    (by staff, or by its citizen through the survey: `civicdesk.surveys`)."""
    hours = catalogue.default_first_response_hours
    if request.category:
        hours = next(
            (c.first_response_hours for c in catalogue.categories if c.code == request.category), hours
        )
    due_at = entry.at + timedelta(hours=hours)
    after = after.model_copy(
        update={
            "due_at": due_at,
            "first_response_at": None,
            "first_response_met": None,
            "overdue_at": None,
            "resolution_overdue_at": None,
            "rejection": None,
        }
    )
    return Change(after, entry, set_=warn_stage_keys(request.code, due_at))


# --- parts ------------------------------------------------------------------------------------------------


def _entry(
    request: ServiceRequest,
    staff: Staff,
    at: datetime,
    kind: EntryType,
    *,
    public: bool,
    text: str | None = None,
    note: str | None = None,
    status: Status | None = None,
    **facts: str,
) -> TimelineEntry:
    """A staff entry; its `detail` carries the PII-free facts the domain event needs."""
    detail = {"channel": request.channel.value, "role": ",".join(sorted(r.value for r in staff.roles))}
    if request.department:
        detail["department"] = request.department
    if request.category:
        detail["category"] = request.category
    detail.update({k: v for k, v in facts.items() if v})
    return TimelineEntry(
        code=request.code,
        at=at,
        type=kind,
        public=public,
        status=status,
        previous_status=request.status if status else None,
        text=text,
        note=note,
        actor=staff.actor,
        detail=detail,
    )


def _rejection(
    request: ServiceRequest,
    change: StatusChange,
    staff: Staff,
    at: datetime,
    institutions: Sequence[Institution] = (),
) -> tuple[str, dict[str, Any], Sequence[Write]]:
    """What a rejection says to the citizen and links: the other code, or where to turn."""
    language = request.language
    if change.reason is None:
        raise InvalidInput({"reason": "say why: duplicate, not_ours or invalid"})
    if change.reason is Rejection.DUPLICATE:
        other = change.duplicate_of
        if not other:
            raise InvalidInput({"duplicate_of": "the code of the request this one repeats"})
        if other == request.code:
            raise InvalidInput({"duplicate_of": "a request cannot repeat itself"})
        text = change.text or texts.duplicate(other, language)
        return (
            text,
            {"rejection": Rejection.DUPLICATE, "duplicate_of": other},
            link_puts(other, request.code, at),
        )
    if change.reason is Rejection.NOT_OURS:
        if not change.referred_to:
            raise InvalidInput({"referred_to": "the institution the citizen should turn to"})
        known = _institution(change.referred_to, institutions)
        if known is None:  # free text: nothing is filed; the citizen is told where to turn
            text = change.text or texts.turn_to(change.referred_to, language)
            return text, {"rejection": Rejection.NOT_OURS, "referred_to": change.referred_to}, []
        name = known.name.en if language is Language.EN else known.name.tr
        text = change.text or texts.referred(name, language)
        return text, {"rejection": Rejection.NOT_OURS, "referred_to": known.code}, []
    return change.text or texts.invalid(language), {"rejection": Rejection.INVALID}, []


def _institution(referred_to: str, institutions: Sequence[Institution]) -> Institution | None:
    wanted = referred_to.strip().lower()
    return next((i for i in institutions if i.code == wanted), None)


def _check_transfer(request: ServiceRequest, department: str, catalogue: Catalogue) -> None:
    if request.status not in TRANSFERABLE:
        raise ConflictingUpdate(
            request.code, f"a request that is {request.status.value} cannot be transferred"
        )
    if catalogue.department(department) is None:
        raise InvalidInput({"department": f"unknown department {department!r}"})
    if department == request.department:
        raise InvalidInput({"department": "the request is already with this department"})
