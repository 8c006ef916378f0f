"""The pool: one DynamoDB table holding requests, their timelines, contacts and the catalogue.

Item shapes live here and nowhere else. Every change to a request is one write call: a
transaction where the request item and its timeline entry change together, guarded by
conditions (`attribute_not_exists` on create, the `version` attribute on update).
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from civicdesk.catalogue import Catalogue, Category, Department, Neighbourhood
from civicdesk.clock import iso, parse_iso
from civicdesk.errors import CodeCollision
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
DUE_SHARDS = 16
"""Deadline index partitions: spreads a city's due items so one hot key never throttles the checker."""

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def request_pk(code: str) -> str:
    return f"REQ#{code}"


def due_shard(code: str) -> int:
    return zlib.crc32(code.encode()) % DUE_SHARDS


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
        "has_contact": request.has_contact,
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
        has_contact=item.get("has_contact", False),
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
        categories=tuple(categories),
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
        self, request: ServiceRequest, entry: TimelineEntry, contact: Contact | None = None
    ) -> None:
        """Request, first timeline entry and contact in one transaction: all or nothing."""
        items = [
            {"Put": self._put(request_item(request), "attribute_not_exists(pk)")},
            {"Put": self._put(entry_item(entry))},
        ]
        if contact is not None and not contact.is_empty():
            items.append({"Put": self._put(contact_item(request.code, contact))})
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

    def _query(self, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(TableName=self.table_name, **kwargs):
            items.extend(deserialize(i) for i in page["Items"])
        return items
