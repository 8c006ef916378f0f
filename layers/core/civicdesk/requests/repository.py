"""Requests in the pool: the request item, its timeline entries, its contact, the citizen index.

Item shapes of a request's partition live here (keys come from `civicdesk.layout`). Every change to
a request is one write call: a transaction where the request item and its timeline entry change
together, guarded by conditions (`attribute_not_exists` on create, the `version` attribute on update).
Other capabilities (routing, the SLA checker, staff) change requests through `change`, with their
own extra conditions, so the guard is written once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from civicdesk import layout
from civicdesk.core.clock import iso, parse_iso
from civicdesk.core.dynamo import Item, PageStart, Table, Write, serialize
from civicdesk.core.errors import CodeCollision
from civicdesk.requests.models import (
    OPEN_STATUSES,
    WORK_STATUSES,
    Contact,
    EntryType,
    Language,
    Location,
    ServiceRequest,
    Status,
    TimelineEntry,
)


def _iso(moment: datetime | None) -> str | None:
    return iso(moment) if moment is not None else None


def index_keys(request: ServiceRequest) -> Item:
    """The index attributes a request's state implies (queue, work, attention, created). Derived here,
    in one place, so that every writer keeps them right by writing the state it wants."""
    created = iso(request.created_at)
    keys: Item = {
        layout.QUEUE.pk: layout.queue_partition(request.department, request.status),
        layout.QUEUE.sk: layout.time_sort_key(created, request.code),
        layout.CREATED.pk: layout.created_partition(created),
        layout.CREATED.sk: layout.time_sort_key(created, request.code),
    }
    if request.department and request.status in WORK_STATUSES:
        keys[layout.WORK.pk] = layout.work_partition(request.department)
        keys[layout.WORK.sk] = layout.time_sort_key(created, request.code)
        keys[layout.WORK_DUE.sk] = layout.time_sort_key(iso(request.due_at), request.code)
    attention = _attention(request)
    if attention is not None:
        kind, since = attention
        keys[layout.ATTENTION.pk] = kind.value
        keys[layout.ATTENTION.sk] = layout.time_sort_key(iso(since), request.code)
    return keys


def _attention(request: ServiceRequest) -> tuple[layout.Attention, datetime] | None:
    """What a supervisor must look at: a transfer a member asked for, else a missed deadline."""
    if request.status not in OPEN_STATUSES:
        return None
    if request.transfer_asked:
        return layout.Attention.TRANSFER, request.updated_at
    if request.overdue_at is not None and request.first_response_at is None:
        return layout.Attention.OVERDUE, request.overdue_at
    if request.resolution_overdue_at is not None:
        return layout.Attention.OVERDUE, request.resolution_overdue_at
    return None


def request_item(request: ServiceRequest) -> Item:
    """The request as its item: its state, and the index keys that state implies (no None values).

    A new request also enters the first stage of the SLA checker's due index; after that the due
    index is moved by the SLA code alone (its stage is not part of the request's state)."""
    item: Item = {
        layout.PK: layout.request_pk(request.code),
        layout.SK: layout.REQUEST_SK,
        layout.ITEM_TYPE: layout.ItemType.REQUEST.value,
        "code": request.code,
        "kind": request.kind.value,
        "channel": request.channel.value,
        "category": request.category,
        "department": request.department,
        "neighbourhood": request.neighbourhood,
        "description": request.description,
        "location": request.location.model_dump(exclude_none=True) if request.location else None,
        "language": request.language.value,
        "status": request.status.value,
        "created_at": iso(request.created_at),
        "updated_at": iso(request.updated_at),
        "due_at": iso(request.due_at),
        "resolution_due_at": _iso(request.resolution_due_at),
        "first_response_at": _iso(request.first_response_at),
        "first_response_met": request.first_response_met,
        "has_contact": request.has_contact,
        "photos": list(request.photos) or None,
        "overdue_at": _iso(request.overdue_at),
        "resolution_overdue_at": _iso(request.resolution_overdue_at),
        "transfer_asked": request.transfer_asked,
        "rejection": request.rejection.value if request.rejection else None,
        "duplicate_of": request.duplicate_of,
        "referred_to": request.referred_to,
        layout.VERSION: request.version,
        **index_keys(request),
    }
    if request.first_response_at is None and request.status in OPEN_STATUSES:
        # sparse: present only while the first-response clock runs
        item[layout.DUE.pk] = layout.due_partition(layout.due_shard(request.code), layout.DueStage.WARN)
        item[layout.DUE.sk] = layout.time_sort_key(iso(request.due_at), request.code)
    return {k: v for k, v in item.items() if v is not None}


_NOT_STATE = frozenset({layout.VERSION, "updated_at", layout.DUE.pk, layout.DUE.sk})
"""Written by `change` itself (version, time) or by the SLA code alone (the due index)."""


def state_changes(before: ServiceRequest, after: ServiceRequest) -> tuple[Item, list[str]]:
    """The attributes to set and remove to take a request's item from `before` to `after`."""
    old, new = request_item(before), request_item(after)
    set_ = {k: v for k, v in new.items() if k not in _NOT_STATE and old.get(k) != v}
    remove = [k for k in old if k not in new and k not in _NOT_STATE]
    return set_, remove


def request_from_item(item: Mapping[str, Any]) -> ServiceRequest:
    return ServiceRequest(
        code=item["code"],
        kind=item["kind"],
        channel=item["channel"],
        category=item.get("category"),
        department=item.get("department"),
        neighbourhood=item.get("neighbourhood"),
        description=item["description"],
        location=Location.model_validate(item["location"]) if item.get("location") else None,
        language=Language(item["language"]),
        status=Status(item["status"]),
        created_at=parse_iso(item["created_at"]),
        updated_at=parse_iso(item["updated_at"]),
        due_at=parse_iso(item["due_at"]),
        resolution_due_at=_parsed(item.get("resolution_due_at")),
        first_response_at=_parsed(item.get("first_response_at")),
        first_response_met=item.get("first_response_met"),
        has_contact=item.get("has_contact", False),
        photos=tuple(item.get("photos") or ()),
        overdue_at=_parsed(item.get("overdue_at")),
        resolution_overdue_at=_parsed(item.get("resolution_overdue_at")),
        transfer_asked=item.get("transfer_asked"),
        rejection=item.get("rejection"),
        duplicate_of=item.get("duplicate_of"),
        referred_to=item.get("referred_to"),
        version=item[layout.VERSION],
    )


def _parsed(text: str | None) -> datetime | None:
    return parse_iso(text) if text else None


def entry_item(entry: TimelineEntry) -> Item:
    """The entry as its item, in the timeline index of its day (what re-drives domain events)."""
    at = iso(entry.at)
    return {
        layout.PK: layout.request_pk(entry.code),
        layout.SK: layout.entry_sk(at, secrets.token_hex(2)),
        layout.ITEM_TYPE: layout.ItemType.ENTRY.value,
        layout.TIMELINE.pk: layout.timeline_partition(at),
        layout.TIMELINE.sk: layout.time_sort_key(at, entry.code),
        "code": entry.code,
        "at": at,
        "type": entry.type.value,
        "public": entry.public,
        "status": entry.status.value if entry.status else None,
        "previous_status": entry.previous_status.value if entry.previous_status else None,
        "text": entry.text,
        "note": entry.note,
        "actor": entry.actor,
        "detail": entry.detail,
    }


def entry_from_item(item: Mapping[str, Any]) -> TimelineEntry:
    return TimelineEntry(
        code=item["code"],
        at=parse_iso(item["at"]),
        type=EntryType(item["type"]),
        public=item["public"],
        status=Status(item["status"]) if item.get("status") else None,
        previous_status=Status(item["previous_status"]) if item.get("previous_status") else None,
        text=item.get("text"),
        note=item.get("note"),
        actor=item.get("actor", "system"),
        detail=item.get("detail"),
    )


def is_entry(item: Mapping[str, Any]) -> bool:
    return item.get(layout.ITEM_TYPE) == layout.ItemType.ENTRY.value


def contact_item(code: str, contact: Contact) -> Item:
    return {
        layout.PK: layout.request_pk(code),
        layout.SK: layout.CONTACT_SK,
        layout.ITEM_TYPE: layout.ItemType.CONTACT.value,
        **contact.model_dump(),
    }


def citizen_item(citizen: str, request: ServiceRequest) -> Item:
    return {
        layout.PK: layout.citizen_pk(citizen),
        layout.SK: layout.request_pk(request.code),
        layout.ITEM_TYPE: layout.ItemType.CITIZEN_REQUEST.value,
        "code": request.code,
        "created_at": iso(request.created_at),
    }


@dataclass(frozen=True)
class Page:
    requests: list[ServiceRequest]
    read: int
    """Items the query read (its ScannedCount): what the page cost."""
    next_start: PageStart


class RequestRepository:
    """Reads and guarded writes of requests. Shares the `Table` (and its client) with the others."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(
        self,
        request: ServiceRequest,
        entry: TimelineEntry,
        contact: Contact | None = None,
        *,
        citizen: str | None = None,
    ) -> None:
        """Request, first timeline entry, contact and citizen index in one transaction: all or nothing."""
        put = self.table.put_params
        items = [
            {"Put": put(request_item(request), f"attribute_not_exists({layout.PK})")},
            {"Put": put(entry_item(entry))},
        ]
        if contact is not None and not contact.is_empty():
            items.append({"Put": put(contact_item(request.code, contact))})
        if citizen is not None:
            items.append({"Put": put(citizen_item(citizen, request))})
        if not self.table.transact(items):
            raise CodeCollision(request.code)

    def get(self, code: str) -> ServiceRequest | None:
        item = self.table.get(layout.request_pk(code), layout.REQUEST_SK, consistent=True)
        return request_from_item(item) if item else None

    def get_with_timeline(self, code: str) -> tuple[ServiceRequest, list[TimelineEntry]] | None:
        """The request and its whole timeline in one Query, never touching the contact item.

        Sort keys order as CONTACT < EVT#... < REQ, so `sk >= EVT#` reads exactly the entries
        and the request: personal data is not even read on the public path.
        """
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND sk >= :from",
            ExpressionAttributeValues=serialize(
                {":pk": layout.request_pk(code), ":from": layout.ENTRY_PREFIX}
            ),
            ConsistentRead=True,
        )
        request = next((request_from_item(i) for i in items if i[layout.SK] == layout.REQUEST_SK), None)
        if request is None:
            return None
        entries = [entry_from_item(i) for i in items if i[layout.SK].startswith(layout.ENTRY_PREFIX)]
        return request, entries

    def get_contact(self, code: str) -> Contact | None:
        item = self.table.get(layout.request_pk(code), layout.CONTACT_SK)
        if item is None:
            return None
        return Contact.model_validate({k: item.get(k) for k in Contact.model_fields})

    def owns(self, citizen: str, code: str) -> bool:
        """Is `code` one of this citizen's requests? (the citizen index; one read, no personal data)"""
        found = self.table.get(layout.citizen_pk(citizen), layout.request_pk(code), projection=layout.PK)
        return found is not None

    def add_entry(self, entry: TimelineEntry) -> None:
        """A timeline entry that changes nothing else on the request (e.g. a failed notification)."""
        self.table.put(entry_item(entry))

    def page(self, index: layout.Index, limit: int, start: PageStart = None, **query: Any) -> Page:
        """One page of requests from one of the table's indexes (every index projects the whole item)."""
        items, read, next_start = self.table.query_page(limit, start, IndexName=index.name, **query)
        return Page(requests=[request_from_item(i) for i in items], read=read, next_start=next_start)

    def change(
        self,
        request: ServiceRequest,
        entry: TimelineEntry | None,
        *,
        at: datetime | None = None,
        set_: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        require: Mapping[str, Any] | None = None,
        absent: Iterable[str] = (),
        also: Sequence[Write] = (),
    ) -> bool:
        """One guarded write: the request update (+ its timeline entry, in one transaction).

        Always conditional on the `version` that was read, and bumps it; `require` adds equality
        conditions (`status`, a due stage) and `absent` attributes that must not exist yet. Returns
        False when a condition failed (someone else changed the request first): the caller decides,
        and nothing is half-written. `also` are further transaction items written with it (a link
        to another request, a labelled example), all or nothing.
        """
        changed_at = entry.at if entry is not None else at
        assert changed_at is not None, "a change needs a time: its entry's or `at`"
        names: dict[str, str] = {"#version": layout.VERSION, "#updated_at": "updated_at"}
        values: dict[str, Any] = {":v": request.version, ":next": request.version + 1, ":at": iso(changed_at)}
        sets = ["#version = :next", "#updated_at = :at"]
        for i, (attribute, value) in enumerate((set_ or {}).items()):
            names[f"#s{i}"], values[f":s{i}"] = attribute, value
            sets.append(f"#s{i} = :s{i}")
        removes = []
        for i, attribute in enumerate(remove):
            names[f"#r{i}"] = attribute
            removes.append(f"#r{i}")
        conditions = ["#version = :v"]
        for i, (attribute, value) in enumerate((require or {}).items()):
            names[f"#c{i}"], values[f":c{i}"] = attribute, value
            conditions.append(f"#c{i} = :c{i}")
        for i, attribute in enumerate(absent):
            names[f"#a{i}"] = attribute
            conditions.append(f"attribute_not_exists(#a{i})")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        update = {
            "TableName": self.table.name,
            "Key": serialize({layout.PK: layout.request_pk(request.code), layout.SK: layout.REQUEST_SK}),
            "UpdateExpression": expression,
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": serialize(values),
        }
        if entry is None and not also:
            return self.table.update(update)
        items: list[dict[str, Any]] = [{"Update": update}]
        if entry is not None:
            items.append({"Put": self.table.put_params(entry_item(entry))})
        items.extend(self.table.transaction_item(w) for w in also)
        return self.table.transact(items)

    def update(
        self,
        before: ServiceRequest,
        after: ServiceRequest,
        entry: TimelineEntry | None,
        *,
        set_: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        require: Mapping[str, Any] | None = None,
        absent: Iterable[str] = (),
        also: Sequence[Write] = (),
    ) -> bool:
        """`change` from one state to another: the writer says what the request becomes, and the
        attributes and index keys that differ are written (`set_`/`remove` add what state does not
        hold, such as the due index's stage)."""
        changes, gone = state_changes(before, after)
        return self.change(
            before,
            entry,
            at=after.updated_at,
            set_={**changes, **(set_ or {})},
            remove=[*gone, *remove],
            require=require,
            absent=absent,
            also=also,
        )
