"""The WhatsApp channel's items: conversation state and pointers from sent messages to their entries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from civicdesk import layout
from civicdesk.core.clock import iso
from civicdesk.core.dynamo import Table, serialize
from civicdesk.requests.models import TimelineEntry
from civicdesk.requests.repository import entry_item


class ConversationRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, citizen: str) -> tuple[dict[str, Any], int] | None:
        """The dialogue state and its version (the TTL may not have removed an expired one yet)."""
        item = self.table.get(layout.conversation_pk(citizen), layout.CONVERSATION_SK, consistent=True)
        if item is None:
            return None
        return item.get("state") or {}, int(item[layout.VERSION])

    def put(self, citizen: str, state: Mapping[str, Any], *, version: int, expires_at: int) -> bool:
        """Write state `version` only over `version - 1` (or nothing): False when another message won."""
        item = {
            layout.PK: layout.conversation_pk(citizen),
            layout.SK: layout.CONVERSATION_SK,
            layout.ITEM_TYPE: layout.ItemType.CONVERSATION.value,
            "state": state,
            layout.VERSION: version,
            layout.TTL: expires_at,
        }
        return self.table.put(
            item,
            f"attribute_not_exists({layout.PK}) OR #version = :previous",
            names={"#version": layout.VERSION},
            values={":previous": version - 1},
        )


class OutboundRepository:
    """A sent message's timeline entry, found again by the provider's message id when its status comes."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def record(self, entry: TimelineEntry, message_ref: str, expires_at: int) -> None:
        """A `notification_sent` entry and the pointer a delivery callback finds it by, in one write."""
        item = entry_item(entry)
        pointer = {
            layout.PK: layout.outbound_pk(message_ref),
            layout.SK: layout.OUTBOUND_SK,
            layout.ITEM_TYPE: layout.ItemType.OUTBOUND.value,
            "code": entry.code,
            "entry_sk": item[layout.SK],
            layout.TTL: expires_at,
        }
        self.table.transact([{"Put": self.table.put_params(item)}, {"Put": self.table.put_params(pointer)}])

    def find(self, message_ref: str) -> tuple[str, str] | None:
        """(request code, entry sort key) of a notification we sent, or None for any other message."""
        item = self.table.get(layout.outbound_pk(message_ref), layout.OUTBOUND_SK)
        return (item["code"], item["entry_sk"]) if item else None

    def record_delivery(self, code: str, entry_sk: str, *, status: str, rank: int, at: datetime) -> bool:
        """Move a notification's delivery status forward only (callbacks arrive out of order)."""
        return self.table.update(
            {
                "Key": serialize({layout.PK: layout.request_pk(code), layout.SK: entry_sk}),
                "UpdateExpression": "SET #detail.#delivery = :status, #rank = :rank, #at = :at",
                "ConditionExpression": "attribute_exists(pk) AND "
                "(attribute_not_exists(#rank) OR #rank < :rank)",
                "ExpressionAttributeNames": {
                    "#detail": "detail",
                    "#delivery": "delivery",
                    "#rank": "delivery_rank",
                    "#at": "delivery_at",
                },
                "ExpressionAttributeValues": serialize({":status": status, ":rank": rank, ":at": iso(at)}),
            }
        )
