"""The pool: one DynamoDB table holding requests, their timelines, contacts and the catalogue.

Item shapes live here and nowhere else. Every change to a request is one write call: a
transaction where the request item and its timeline entry change together, guarded by
conditions (`attribute_not_exists` on create, the `version` attribute on update).
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from civicdesk.catalogue import Catalogue, Category, Department, Neighbourhood
from civicdesk.clock import iso, parse_iso
from civicdesk.errors import CodeCollision, ConflictingUpdate
from civicdesk.models import (
    OPEN_STATUSES,
    Contact,
    EntryType,
    Language,
    Location,
    ServiceRequest,
    Status,
    TimelineEntry,
)

DynamoDBClient = Any  # botocore clients are generated at run time

REQUEST_SK = "REQ"
CONTACT_SK = "CONTACT"
ENTRY_PREFIX = "EVT#"
CATALOG_PK = "CATALOG"
SETTINGS_SK = "SETTINGS"
CONVERSATION_SK = "STATE"
OUTBOUND_SK = "OUT"
DUE_SHARDS = 16
"""Deadline index partitions: spreads a city's due items so one hot key never throttles the checker."""

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def request_pk(code: str) -> str:
    return f"REQ#{code}"


def citizen_pk(citizen: str) -> str:
    """`CIT#<keyed hash of the phone>`: a citizen's requests across channels, never the number itself."""
    return f"CIT#{citizen}"


def conversation_pk(citizen: str) -> str:
    """`CONV#<keyed hash>`: the WhatsApp dialogue state (the DESIGN's `CONV#<wa_id>`, without the number)."""
    return f"CONV#{citizen}"


def outbound_pk(message_ref: str) -> str:
    """`OUT#<hash of the provider's message id>`: points a delivery callback at its timeline entry."""
    return f"OUT#{message_ref}"


def due_shard(code: str) -> int:
    return zlib.crc32(code.encode()) % DUE_SHARDS


DUE_INDEX = "due"
QUEUE_INDEX = "queue"


class DueStage(StrEnum):
    """A request's place in the sparse due index: the next thing the SLA checker must do for it.

    Each stage has its own 16 partitions, so one key-range query per shard reads exactly the items
    whose moment has come, and each item is read once per stage; the sort key is always the
    deadline of that stage (`<iso>#<code>`).
    """

    WARN = "warn"  # first-response clock running, not warned yet (as intake writes it)
    OVERDUE = "overdue"  # warned; flagged when the first-response deadline passes
    RESOLUTION = "resolution"  # answered; flagged when the resolution deadline passes


def due_partition(shard: int, stage: DueStage) -> str:
    """`DUE#07` for a fresh request (the key intake writes), `DUE#07#overdue`, `DUE#07#resolution`."""
    base = f"DUE#{shard:02d}"
    return base if stage is DueStage.WARN else f"{base}#{stage.value}"


def queue_partition(department: str | None, status: Status) -> str:
    return f"{department or '-'}#{status.value}"


def _clean(value: Any) -> Any:
    """Plain JSON-like data -> what DynamoDB accepts: floats as Decimal, no None attributes."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """DynamoDB's Decimals back to int/float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in _clean(item).items()}


def deserialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return _plain({k: _deserializer.deserialize(v) for k, v in item.items()})


# --- item shapes -------------------------------------------------------------------------


def request_item(request: ServiceRequest) -> dict[str, Any]:
    created = iso(request.created_at)
    item: dict[str, Any] = {
        "pk": request_pk(request.code),
        "sk": REQUEST_SK,
        "item_type": "request",
        "code": request.code,
        "kind": request.kind.value,
        "channel": request.channel.value,
        "category": request.category,
        "department": request.department,
        "neighbourhood": request.neighbourhood,
        "description": request.description,
        "location": request.location.model_dump() if request.location else None,
        "language": request.language.value,
        "status": request.status.value,
        "created_at": created,
        "updated_at": iso(request.updated_at),
        "due_at": iso(request.due_at),
        "resolution_due_at": iso(request.resolution_due_at) if request.resolution_due_at else None,
        "first_response_at": iso(request.first_response_at) if request.first_response_at else None,
        "first_response_met": request.first_response_met,
        "has_contact": request.has_contact,
        "photos": list(request.photos) or None,
        "version": request.version,
        # staff queue: a department's requests in one status, newest first
        "queue_pk": f"{request.department or '-'}#{request.status.value}",
        "queue_sk": f"{created}#{request.code}",
        # listing and date filters: one partition per UTC day
        "created_pk": f"DAY#{created[:10]}",
        "created_sk": f"{created}#{request.code}",
    }
    if request.first_response_at is None and request.status in OPEN_STATUSES:
        # sparse: present only while the first-response clock runs
        item["due_pk"] = f"DUE#{due_shard(request.code):02d}"
        item["due_sk"] = f"{iso(request.due_at)}#{request.code}"
    return item


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
        resolution_due_at=parse_iso(item["resolution_due_at"]) if item.get("resolution_due_at") else None,
        first_response_at=parse_iso(item["first_response_at"]) if item.get("first_response_at") else None,
        first_response_met=item.get("first_response_met"),
        has_contact=item.get("has_contact", False),
        photos=tuple(item.get("photos") or ()),
        version=item["version"],
    )


def entry_item(entry: TimelineEntry) -> dict[str, Any]:
    # the random suffix keeps two entries written in the same millisecond apart
    return {
        "pk": request_pk(entry.code),
        "sk": f"{ENTRY_PREFIX}{iso(entry.at)}#{secrets.token_hex(2)}",
        "item_type": "entry",
        "code": entry.code,
        "at": iso(entry.at),
        "type": entry.type.value,
        "public": entry.public,
        "status": entry.status.value if entry.status else None,
        "previous_status": entry.previous_status.value if entry.previous_status else None,
        "text": entry.text,
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
        actor=item.get("actor", "system"),
        detail=item.get("detail"),
    )


def contact_item(code: str, contact: Contact) -> dict[str, Any]:
    return {"pk": request_pk(code), "sk": CONTACT_SK, "item_type": "contact", **contact.model_dump()}


def catalogue_items(catalogue: Catalogue) -> Iterator[dict[str, Any]]:
    """The editable part of the catalogue as items under one partition (one Query reads it all)."""
    yield {
        "pk": CATALOG_PK,
        "sk": SETTINGS_SK,
        "version": catalogue.version,
        "default_first_response_hours": catalogue.default_first_response_hours,
    }
    for dept in catalogue.departments:
        yield {"pk": CATALOG_PK, "sk": f"DEPT#{dept.code}", **dept.model_dump()}
    for cat in catalogue.categories:
        yield {"pk": CATALOG_PK, "sk": f"CAT#{cat.code}", **cat.model_dump()}
    for nbh in catalogue.neighbourhoods:
        yield {"pk": CATALOG_PK, "sk": f"NBH#{nbh.code}", **nbh.model_dump()}


def catalogue_from_items(items: Iterable[Mapping[str, Any]], fixed: Catalogue) -> Catalogue:
    """Rebuild the catalogue from its items; kinds and channels are fixed vocabularies from `fixed`."""
    settings: Mapping[str, Any] = {}
    departments, categories, neighbourhoods = [], [], []
    for item in items:
        body = {k: v for k, v in item.items() if k not in ("pk", "sk")}
        kind = item["sk"].split("#", 1)[0]
        if item["sk"] == SETTINGS_SK:
            settings = body
        elif kind == "DEPT":
            departments.append(Department.model_validate(body))
        elif kind == "CAT":
            categories.append(Category.model_validate(body))
        elif kind == "NBH":
            neighbourhoods.append(Neighbourhood.model_validate(body))
    return Catalogue(
        version=settings.get("version", fixed.version),
        default_first_response_hours=settings.get(
            "default_first_response_hours", fixed.default_first_response_hours
        ),
        departments=tuple(departments),
        categories=tuple(sorted(categories, key=lambda c: (c.position, c.code))),
        neighbourhoods=tuple(sorted(neighbourhoods, key=lambda n: n.name)),
        kinds=fixed.kinds,
        channels=fixed.channels,
    )


# --- the store ---------------------------------------------------------------------------


class Store:
    """The table's gateway. The boto3 client is created on first use (nothing AWS at import)."""

    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = boto3.client("dynamodb")
        return self._client

    def _put(self, item: Mapping[str, Any], condition: str | None = None) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self.table_name, "Item": serialize(item)}
        if condition:
            put["ConditionExpression"] = condition
        return put

    def create_request(
        self,
        request: ServiceRequest,
        entry: TimelineEntry,
        contact: Contact | None = None,
        *,
        citizen: str | None = None,
    ) -> None:
        """Request, first timeline entry, contact and citizen index in one transaction: all or nothing."""
        items = [
            {"Put": self._put(request_item(request), "attribute_not_exists(pk)")},
            {"Put": self._put(entry_item(entry))},
        ]
        if contact is not None and not contact.is_empty():
            items.append({"Put": self._put(contact_item(request.code, contact))})
        if citizen is not None:
            index = {"pk": citizen_pk(citizen), "sk": request_pk(request.code), "code": request.code}
            index.update(item_type="citizen_request", created_at=iso(request.created_at))
            items.append({"Put": self._put(index)})
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            reasons = error.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise CodeCollision(request.code) from error
            raise

    def get_request(self, code: str) -> ServiceRequest | None:
        answer = self.client.get_item(
            TableName=self.table_name,
            Key=serialize({"pk": request_pk(code), "sk": REQUEST_SK}),
            ConsistentRead=True,
        )
        return request_from_item(deserialize(answer["Item"])) if "Item" in answer else None

    def get_request_with_timeline(self, code: str) -> tuple[ServiceRequest, list[TimelineEntry]] | None:
        """The request and its whole timeline in one Query, never touching the contact item.

        Sort keys order as CONTACT < EVT#... < REQ, so `sk >= EVT#` reads exactly the entries
        and the request: personal data is not even read on the public path.
        """
        items = self._query(
            KeyConditionExpression="pk = :pk AND sk >= :from",
            ExpressionAttributeValues=serialize({":pk": request_pk(code), ":from": ENTRY_PREFIX}),
            ConsistentRead=True,
        )
        request = next((request_from_item(i) for i in items if i["sk"] == REQUEST_SK), None)
        if request is None:
            return None
        entries = [entry_from_item(i) for i in items if i["sk"].startswith(ENTRY_PREFIX)]
        return request, entries

    def get_contact(self, code: str) -> Contact | None:
        answer = self.client.get_item(
            TableName=self.table_name, Key=serialize({"pk": request_pk(code), "sk": CONTACT_SK})
        )
        if "Item" not in answer:
            return None
        item = deserialize(answer["Item"])
        return Contact.model_validate({k: item.get(k) for k in Contact.model_fields})

    def load_catalogue(self, fixed: Catalogue) -> Catalogue:
        items = self._query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=serialize({":pk": CATALOG_PK}),
        )
        return catalogue_from_items(items, fixed)

    def seed_catalogue(self, catalogue: Catalogue) -> int:
        """Insert each catalogue item that is absent; never overwrite what staff edited. Returns inserts."""
        inserted = 0
        for item in catalogue_items(catalogue):
            try:
                self.client.put_item(**self._put(item, "attribute_not_exists(pk)"))
                inserted += 1
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
        return inserted

    # --- citizens, conversations, outbound notifications --------------------------------------

    def owns(self, citizen: str, code: str) -> bool:
        """Is `code` one of this citizen's requests? (the citizen index; one read, no personal data)"""
        answer = self.client.get_item(
            TableName=self.table_name,
            Key=serialize({"pk": citizen_pk(citizen), "sk": request_pk(code)}),
            ProjectionExpression="pk",
        )
        return "Item" in answer

    def get_conversation(self, citizen: str) -> tuple[dict[str, Any], int] | None:
        """The dialogue state and its version (the TTL may not have removed an expired one yet)."""
        answer = self.client.get_item(
            TableName=self.table_name,
            Key=serialize({"pk": conversation_pk(citizen), "sk": CONVERSATION_SK}),
            ConsistentRead=True,
        )
        if "Item" not in answer:
            return None
        item = deserialize(answer["Item"])
        return item.get("state") or {}, int(item["version"])

    def put_conversation(
        self, citizen: str, state: Mapping[str, Any], *, version: int, expires_at: int
    ) -> bool:
        """Write state `version` only over `version - 1` (or nothing): False when another message won."""
        item = {
            "pk": conversation_pk(citizen),
            "sk": CONVERSATION_SK,
            "item_type": "conversation",
            "state": state,
            "version": version,
            "expires_at": expires_at,
        }
        put = self._put(item, "attribute_not_exists(pk) OR #version = :previous")
        put["ExpressionAttributeNames"] = {"#version": "version"}
        put["ExpressionAttributeValues"] = serialize({":previous": version - 1})
        try:
            self.client.put_item(**put)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def add_entry(self, entry: TimelineEntry) -> None:
        """A timeline entry that changes nothing else on the request (e.g. a failed notification)."""
        self.client.put_item(**self._put(entry_item(entry)))

    def record_notification(self, entry: TimelineEntry, message_ref: str, expires_at: int) -> None:
        """A `notification_sent` entry and the pointer a delivery callback finds it by, in one write."""
        item = entry_item(entry)
        pointer = {
            "pk": outbound_pk(message_ref),
            "sk": OUTBOUND_SK,
            "item_type": "outbound",
            "code": entry.code,
            "entry_sk": item["sk"],
            "expires_at": expires_at,
        }
        self.client.transact_write_items(
            TransactItems=[{"Put": self._put(item)}, {"Put": self._put(pointer)}]
        )

    def find_notification(self, message_ref: str) -> tuple[str, str] | None:
        """(request code, entry sort key) of a notification we sent, or None for any other message."""
        answer = self.client.get_item(
            TableName=self.table_name, Key=serialize({"pk": outbound_pk(message_ref), "sk": OUTBOUND_SK})
        )
        if "Item" not in answer:
            return None
        item = deserialize(answer["Item"])
        return item["code"], item["entry_sk"]

    def record_delivery(self, code: str, entry_sk: str, *, status: str, rank: int, at: datetime) -> bool:
        """Move a notification's delivery status forward only (callbacks arrive out of order)."""
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key=serialize({"pk": request_pk(code), "sk": entry_sk}),
                UpdateExpression="SET #detail.#delivery = :status, #rank = :rank, #at = :at",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(#rank) OR #rank < :rank)",
                ExpressionAttributeNames={
                    "#detail": "detail",
                    "#delivery": "delivery",
                    "#rank": "delivery_rank",
                    "#at": "delivery_at",
                },
                ExpressionAttributeValues=serialize({":status": status, ":rank": rank, ":at": iso(at)}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _query(self, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(TableName=self.table_name, **kwargs):
            items.extend(deserialize(i) for i in page["Items"])
        return items

    # --- SLA: the due index, the stuck-request sweep, the first-response clock ----------------

    def due_page(
        self, shard: int, stage: DueStage, *, until: datetime, limit: int, start: PageStart = None
    ) -> Page:
        """One page of a due partition: requests whose deadline key is at or before `until`."""
        return self._page(
            limit,
            start,
            IndexName=DUE_INDEX,
            KeyConditionExpression="due_pk = :pk AND due_sk <= :until",
            # `~` sorts after every code symbol: the bound takes in everything due at `until` itself
            ExpressionAttributeValues=serialize(
                {":pk": due_partition(shard, stage), ":until": f"{iso(until)}#~"}
            ),
        )

    def received_page(self, *, created_before: datetime, limit: int, start: PageStart = None) -> Page:
        """One page of requests still `received` (never routed), created before `created_before`."""
        return self._page(
            limit,
            start,
            IndexName=QUEUE_INDEX,
            KeyConditionExpression="queue_pk = :pk AND queue_sk < :before",
            ExpressionAttributeValues=serialize(
                {":pk": queue_partition(None, Status.RECEIVED), ":before": iso(created_before)}
            ),
        )

    def warn_due_soon(self, request: ServiceRequest, entry: TimelineEntry) -> bool:
        """WARN -> OVERDUE stage (same deadline key) with the `due_soon` entry; False if beaten to it."""
        overdue = due_partition(due_shard(request.code), DueStage.OVERDUE)
        return self._change(
            request, entry, stage=DueStage.WARN, set_={"due_pk": overdue, "due_soon_at": iso(entry.at)}
        )

    def flag_overdue(self, request: ServiceRequest, entry: TimelineEntry, stage: DueStage) -> bool:
        """Mark the deadline of `stage` as missed and take the request out of the due index."""
        mark = "resolution_overdue_at" if stage is DueStage.RESOLUTION else "overdue_at"
        return self._change(
            request, entry, stage=stage, set_={mark: iso(entry.at)}, remove=("due_pk", "due_sk")
        )

    def leave_due_index(self, request: ServiceRequest, stage: DueStage, at: datetime) -> bool:
        """Housekeeping for a request whose clock another writer stopped without clearing the keys."""
        return self._change(request, None, at=at, stage=stage, remove=("due_pk", "due_sk"))

    def rekey_due(self, request: ServiceRequest, stage: DueStage, due: datetime, at: datetime) -> bool:
        """Housekeeping for a deadline changed without its index key: the key follows the deadline."""
        return self._change(request, None, at=at, stage=stage, set_={"due_sk": f"{iso(due)}#{request.code}"})

    def send_to_triage(self, request: ServiceRequest, entry: TimelineEntry) -> bool:
        """`received` -> `triage` (the queue key follows), only if still `received` at this version."""
        return self._change(
            request,
            entry,
            expect_status=Status.RECEIVED,
            set_={
                "status": Status.TRIAGE.value,
                "queue_pk": queue_partition(request.department, Status.TRIAGE),
            },
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
            "queue_pk": queue_partition(department, Status.ROUTED),
            "due_at": iso(due_at),
            "due_sk": f"{iso(due_at)}#{request.code}",
        }
        if neighbourhood:
            set_["neighbourhood"] = neighbourhood
        if resolution_due_at is not None:
            set_["resolution_due_at"] = iso(resolution_due_at)
        return self._change(request, entry, expect_status=Status.RECEIVED, set_=set_)

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
        set_: dict[str, Any] = {
            "first_response_at": iso(entry.at),
            "first_response_met": met,
            "status": status.value,
            "queue_pk": queue_partition(request.department, status),
        }
        remove: tuple[str, ...] = ()
        if resolution_due_at is not None:
            set_["due_pk"] = due_partition(due_shard(request.code), DueStage.RESOLUTION)
            set_["due_sk"] = f"{iso(resolution_due_at)}#{request.code}"
        else:
            remove = ("due_pk", "due_sk")
        if not self._change(request, entry, set_=set_, remove=remove, first_response_unset=True):
            raise ConflictingUpdate(request.code, "changed meanwhile, or its first response is recorded")

    def _page(self, limit: int, start: PageStart, **kwargs: Any) -> Page:
        params: dict[str, Any] = {"TableName": self.table_name, "Limit": limit, **kwargs}
        if start is not None:
            params["ExclusiveStartKey"] = start
        answer = self.client.query(**params)
        return Page(
            requests=[request_from_item(deserialize(i)) for i in answer["Items"]],
            read=answer["ScannedCount"],
            next_start=answer.get("LastEvaluatedKey"),
        )

    def _change(
        self,
        request: ServiceRequest,
        entry: TimelineEntry | None,
        *,
        at: datetime | None = None,
        set_: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        stage: DueStage | None = None,
        expect_status: Status | None = None,
        first_response_unset: bool = False,
    ) -> bool:
        """One guarded write: the request update (+ its timeline entry, in one transaction).

        Always conditional on the `version` that was read, and bumps it; `stage` also requires the
        request to still sit in that stage of the due index. Returns False when a condition failed
        (someone else changed the request first): the caller skips it, nothing is half-written.
        """
        changed_at = entry.at if entry is not None else at
        assert changed_at is not None, "a change needs a time: its entry's or `at`"
        names: dict[str, str] = {"#version": "version", "#updated_at": "updated_at"}
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
        if stage is not None:
            names["#due_pk"] = "due_pk"
            values[":stage"] = due_partition(due_shard(request.code), stage)
            conditions.append("#due_pk = :stage")
        if expect_status is not None:
            names["#status"] = "status"
            values[":expected_status"] = expect_status.value
            conditions.append("#status = :expected_status")
        if first_response_unset:
            names["#first_response_at"] = "first_response_at"
            conditions.append("attribute_not_exists(#first_response_at)")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        update = {
            "TableName": self.table_name,
            "Key": serialize({"pk": request_pk(request.code), "sk": REQUEST_SK}),
            "UpdateExpression": expression,
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": serialize(values),
        }
        try:
            if entry is None:
                self.client.update_item(**update)
            else:
                self.client.transact_write_items(
                    TransactItems=[{"Update": update}, {"Put": self._put(entry_item(entry))}]
                )
        except ClientError as error:
            if _lost_the_race(error):
                return False
            raise
        return True


PageStart = dict[str, Any] | None
"""Where the next page of a query starts (DynamoDB's LastEvaluatedKey, opaque to callers)."""


@dataclass(frozen=True)
class Page:
    requests: list[ServiceRequest]
    read: int
    """Items the query read (its ScannedCount): what the page cost."""
    next_start: PageStart


def _lost_the_race(error: ClientError) -> bool:
    """A condition failed or another transaction held the item: a normal outcome, not a fault."""
    code = error.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    if code != "TransactionCanceledException":
        return False
    reasons = {r.get("Code") for r in error.response.get("CancellationReasons", [])}
    return reasons <= {"ConditionalCheckFailed", "TransactionConflict", "None", None} and bool(
        reasons & {"ConditionalCheckFailed", "TransactionConflict"}
    )
