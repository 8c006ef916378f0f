"""API keys of the systems that call our Open311 endpoint: issued, listed and revoked by an admin.

A key is 32 random bytes shown once, when issued; the table keeps only its SHA-256 (a key has the
entropy of a random token, so a fast hash cannot be reversed by trying guesses), with its client's
name, the operations it may do and its rate limit. A call's key is checked with one GetItem, and its
limit with one conditional counter per key and minute (`OPEN311#RATE#<id>`, expiring by TTL): the
call that would exceed it is refused before anything else is read or written.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

from civicdesk import layout
from civicdesk.core.clock import Clock, iso, parse_iso, utc_now
from civicdesk.core.dynamo import Item, Table, serialize
from civicdesk.open311.errors import KeyRefused, TooMany, one

KEY_BYTES = 32
DEFAULT_RATE_PER_MINUTE = 60
RATE_WINDOW = timedelta(minutes=1)


class Operation(StrEnum):
    """What a key may do. Reading requests and services needs no key (the pool is open data)."""

    FILE = "file"  # POST requests
    UPDATES = "updates"  # GET servicerequestupdates (a partner following what became of its referrals)


class ApiKey(BaseModel):
    model_config = ConfigDict(frozen=True)

    key_id: str = Field(description="the first 16 hex digits of the key's hash: names it in lists and logs")
    client: str = Field(description="the client system, e.g. `FixMyStreet İzmir`; the channel's actor")
    operations: frozenset[Operation]
    rate_per_minute: int = Field(gt=0)
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


class KeyRepository:
    """The key items (one partition) and the rate counters; shares the `Table` with the others."""

    def __init__(self, table: Table, clock: Clock = utc_now) -> None:
        self.table = table
        self.clock = clock

    def issue(
        self,
        client: str,
        operations: Iterable[Operation],
        rate_per_minute: int,
        actor: str,
        key: str | None = None,
    ) -> tuple[str, ApiKey]:
        """A fresh key (returned once, never stored) and its record."""
        key = key or new_key()
        digest = hash_of(key)
        record = ApiKey(
            key_id=digest[:16],
            client=client,
            operations=frozenset(operations),
            rate_per_minute=rate_per_minute,
            created_at=self.clock(),
            created_by=actor,
        )
        self.table.put(_item(digest, record), f"attribute_not_exists({layout.PK})")
        return key, record

    def list(self) -> list[ApiKey]:
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :key)",
            ExpressionAttributeValues=serialize(
                {":pk": layout.OPEN311_KEYS_PK, ":key": layout.OPEN311_KEY_PREFIX}
            ),
        )
        return sorted((_record(i) for i in items), key=lambda k: k.created_at)

    def revoke(self, key_id: str, actor: str) -> ApiKey | None:
        """Revoke the key with this id (None if there is none); a revoked key stays listed, refused."""
        found = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :key)",
            ExpressionAttributeValues=serialize(
                {":pk": layout.OPEN311_KEYS_PK, ":key": layout.open311_key_sk(key_id)}
            ),
        )
        if len(found) != 1:
            return None
        record = _record(found[0])
        if not record.active:
            return record
        revoked = record.model_copy(update={"revoked_at": self.clock(), "revoked_by": actor})
        self.table.put({**found[0], **_item(found[0]["key_hash"], revoked)})
        return revoked

    def check(self, key: str | None, operation: Operation) -> ApiKey:
        """The key's record if it may do `operation` now; KeyRefused or TooMany otherwise.

        Two calls: the key (GetItem) and its minute's counter (a conditional UpdateItem)."""
        if not key:
            raise KeyRefused(one("403", "api_key is required"))
        item = self.table.get(layout.OPEN311_KEYS_PK, layout.open311_key_sk(hash_of(key)))
        record = _record(item) if item else None
        if record is None or not record.active:
            raise KeyRefused(one("403", "api_key is not valid"))
        if operation not in record.operations:
            raise KeyRefused(one("403", f"this api_key may not {operation.value}"))
        self._count(record)
        return record

    def _count(self, record: ApiKey) -> None:
        """One more call in this minute's window, refused (429) at the key's limit."""
        now = self.clock()
        minute = iso(now)[:16]
        expires = int((now + 2 * RATE_WINDOW).timestamp())
        try:
            self.table.client.update_item(
                TableName=self.table.name,
                Key=serialize({layout.PK: layout.open311_rate_pk(record.key_id), layout.SK: minute}),
                UpdateExpression="ADD calls :one SET #ttl = :ttl",
                ConditionExpression="attribute_not_exists(calls) OR calls < :limit",
                ExpressionAttributeNames={"#ttl": layout.TTL},
                ExpressionAttributeValues=serialize(
                    {":one": 1, ":ttl": expires, ":limit": record.rate_per_minute}
                ),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise TooMany(
                one("429", f"this api_key may make {record.rate_per_minute} calls a minute; try again soon")
            ) from error


def _item(digest: str, record: ApiKey) -> Item:
    return {
        layout.PK: layout.OPEN311_KEYS_PK,
        layout.SK: layout.open311_key_sk(digest),
        layout.ITEM_TYPE: layout.ItemType.OPEN311_KEY.value,
        "key_hash": digest,
        "key_id": record.key_id,
        "client": record.client,
        "operations": sorted(o.value for o in record.operations),
        "rate_per_minute": record.rate_per_minute,
        "created_at": iso(record.created_at),
        "created_by": record.created_by,
        "revoked_at": iso(record.revoked_at) if record.revoked_at else None,
        "revoked_by": record.revoked_by,
    }


def _record(item: dict[str, Any]) -> ApiKey:
    return ApiKey(
        key_id=item["key_id"],
        client=item["client"],
        operations=frozenset(Operation(o) for o in item.get("operations", [])),
        rate_per_minute=item["rate_per_minute"],
        created_at=parse_iso(item["created_at"]),
        created_by=item["created_by"],
        revoked_at=parse_iso(item["revoked_at"]) if item.get("revoked_at") else None,
        revoked_by=item.get("revoked_by"),
    )
