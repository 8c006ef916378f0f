"""The privacy capability's reads and writes: what is due for destruction, a request's whole partition,
the anonymising transaction, conversations, and the destruction log (keys from `civicdesk.layout`).

Anonymising one request is one transaction, guarded by the version that was read: the request's new
state (which drops it from the `purge` index), the contact and citizen-index deletes, every timeline
text destroyed, and the destruction record. A request changed meanwhile fails the guard and is simply
taken again by the next run; a second run finds nothing left to do.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from civicdesk import layout
from civicdesk.core.clock import iso
from civicdesk.core.dynamo import Item, Table, key, serialize
from civicdesk.privacy.anonymise import ERASED, Destruction, holds_text
from civicdesk.requests.models import Contact, ServiceRequest, TimelineEntry
from civicdesk.requests.repository import (
    RequestRepository,
    entry_from_item,
    is_entry,
    request_from_item,
    state_changes,
)

MAX_TRANSACTION_ITEMS = 100
"""DynamoDB's limit; a timeline longer than that has its texts destroyed in earlier transactions."""


@dataclass(frozen=True)
class Held:
    """Everything the pool holds in one request's partition."""

    request: ServiceRequest
    contact: Contact | None
    entries: list[tuple[str, TimelineEntry]]
    """(sort key, entry), in time order."""
    read: int
    """Items the query read: what looking at this request cost."""


@dataclass(frozen=True)
class Due:
    pk: str
    """The item's own key: `REQ#<code>` or `CONV#<citizen>`."""
    sk: str
    version: int | None


class PrivacyRepository:
    def __init__(self, table: Table) -> None:
        self.table = table
        self.requests = RequestRepository(table)

    # --- what is due ---------------------------------------------------------------------------------

    def due(self, purge: layout.Purge, until: datetime, limit: int) -> Iterator[list[Due]]:
        """Pages of the `purge` index partition whose moment is at or before `until` (oldest first)."""
        start = None
        while True:
            items, _, start = self.table.query_page(
                limit,
                start,
                IndexName=layout.PURGE.name,
                KeyConditionExpression="#pk = :pk AND #sk <= :until",
                ExpressionAttributeNames={"#pk": layout.PURGE.pk, "#sk": layout.PURGE.sk},
                ExpressionAttributeValues=serialize(
                    {":pk": purge.value, ":until": iso(until) + layout.UNTIL_END}
                ),
            )
            yield [Due(i[layout.PK], i[layout.SK], i.get(layout.VERSION)) for i in items]
            if start is None:
                return

    # --- one request, whole ----------------------------------------------------------------------------

    def held(self, code: str) -> Held | None:
        """The request, its contact and its timeline: one Query of its partition (links are ignored)."""
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=serialize({":pk": layout.request_pk(code)}),
            ConsistentRead=True,
        )
        request = next((i for i in items if i[layout.SK] == layout.REQUEST_SK), None)
        if request is None:
            return None
        contact = next((i for i in items if i[layout.SK] == layout.CONTACT_SK), None)
        return Held(
            request=request_from_item(request),
            contact=Contact.model_validate(_fields(contact)) if contact else None,
            entries=[(i[layout.SK], entry_from_item(i)) for i in items if is_entry(i)],
            read=len(items),
        )

    def anonymise(
        self,
        held: Held,
        after: ServiceRequest,
        record: Destruction,
        *,
        citizens: Iterable[str],
        kept: timedelta,
    ) -> bool:
        """Destroy one request's personal data in one guarded transaction (False: it changed meanwhile).

        `kept`: how long the destruction record itself is kept."""
        texts = [self._erase_text(held.request.code, sk) for sk, e in held.entries if holds_text(e)]
        while len(texts) > MAX_TRANSACTION_ITEMS - 4:  # a very long timeline: its texts go first
            self.table.transact(texts[:MAX_TRANSACTION_ITEMS])
            texts = texts[MAX_TRANSACTION_ITEMS:]
        changes, gone = state_changes(held.request, after)
        update = self.requests.update_params(held.request, after.updated_at, set_=changes, remove=gone)
        items: list[dict[str, Any]] = [{"Update": update}, *texts]
        items.append({"Delete": {"TableName": self.table.name, "Key": key(_pk(held), layout.CONTACT_SK)}})
        for citizen in citizens:
            citizen_key = key(layout.citizen_pk(citizen), _pk(held))
            items.append({"Delete": {"TableName": self.table.name, "Key": citizen_key}})
        items.append({"Put": self.table.put_params(destruction_item(record, kept))})
        return self.table.transact(items)

    def _erase_text(self, code: str, sk: str) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table.name,
                "Key": key(layout.request_pk(code), sk),
                "UpdateExpression": "SET #text = :erased, #note = :erased",
                "ExpressionAttributeNames": {"#text": "text", "#note": "note"},
                "ExpressionAttributeValues": serialize({":erased": ERASED}),
            }
        }

    # --- conversations ---------------------------------------------------------------------------------

    def conversation(self, citizen: str) -> Item | None:
        return self.table.get(layout.conversation_pk(citizen), layout.CONVERSATION_SK, consistent=True)

    def delete_conversation(
        self, citizen_pk: str, version: int | None, record: Destruction, *, kept: timedelta
    ) -> bool:
        """Delete a WhatsApp dialogue's state (only the version that was read, when one was) and log it."""
        delete: dict[str, Any] = {
            "TableName": self.table.name,
            "Key": key(citizen_pk, layout.CONVERSATION_SK),
        }
        if version is not None:
            delete["ConditionExpression"] = "#version = :v"
            delete["ExpressionAttributeNames"] = {"#version": layout.VERSION}
            delete["ExpressionAttributeValues"] = serialize({":v": version})
        log = {"Put": self.table.put_params(destruction_item(record, kept))}
        return self.table.transact([{"Delete": delete}, log])

    # --- a citizen ------------------------------------------------------------------------------------

    def citizen_codes(self, citizen: str) -> list[str]:
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=serialize({":pk": layout.citizen_pk(citizen)}),
        )
        return sorted(str(i["code"]) for i in items)

    # --- the destruction log ---------------------------------------------------------------------------

    def destructions(self, month: str) -> list[Item]:
        return self.table.query_all(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=serialize({":pk": layout.destruction_pk(month)}),
        )


def destruction_item(record: Destruction, kept: timedelta) -> Item:
    stamp = iso(record.at)
    item: Item = {
        layout.PK: layout.destruction_pk(stamp),
        layout.SK: f"{stamp}#{secrets.token_hex(4)}",
        layout.ITEM_TYPE: layout.ItemType.DESTRUCTION.value,
        "at": stamp,
        "actor": record.actor,
        "reason": record.reason.value,
        "kinds": [k.value for k in record.kinds],
        "codes": list(record.codes),
        "reference": record.reference,
        "note": record.note,
        layout.TTL: int((record.at + kept).timestamp()),
    }
    return {k: v for k, v in item.items() if v is not None}


def _pk(held: Held) -> str:
    return layout.request_pk(held.request.code)


def _fields(item: Item) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k in Contact.model_fields}
