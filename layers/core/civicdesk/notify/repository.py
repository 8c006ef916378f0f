"""The notifier's own items: messages held back by quiet hours, and reading back an event's entry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from civicdesk import layout
from civicdesk.core.clock import iso
from civicdesk.core.dynamo import Table, key, serialize
from civicdesk.requests.models import EntryType, TimelineEntry
from civicdesk.requests.repository import entry_from_item

HELD_PK = layout.HELD_NOTIFICATIONS_PK
HELD_TTL = timedelta(days=3)


class NotifyRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def hold(self, notice_key: str, notice: dict[str, Any], release: datetime) -> None:
        """Keep a notice until `release` (the end of quiet hours); the TTL tidies what is never sent."""
        self.table.put(
            {
                layout.PK: HELD_PK,
                layout.SK: f"{iso(release)}#{notice_key}",
                layout.ITEM_TYPE: "held_notification",
                "notice": notice,
                layout.TTL: int((release + HELD_TTL).timestamp()),
            }
        )

    def held_until(self, moment: datetime) -> list[tuple[str, dict[str, Any]]]:
        """(sort key, notice) of every held notice whose release time has come."""
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND sk <= :until",
            ExpressionAttributeValues=serialize({":pk": HELD_PK, ":until": iso(moment) + layout.UNTIL_END}),
        )
        return [(str(i[layout.SK]), dict(i["notice"])) for i in items]

    def release(self, sort_key: str) -> None:
        self.table.client.delete_item(TableName=self.table.name, Key=key(HELD_PK, sort_key))

    def linked(self, code: str) -> list[str]:
        """The codes of the requests merged into this one (its `LINK#` items, written by the merge)."""
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :link)",
            ExpressionAttributeValues=serialize(
                {":pk": layout.request_pk(code), ":link": layout.LINK_PREFIX}
            ),
        )
        return sorted(str(i["linked"]) for i in items if i.get("relation") == "duplicate")

    def entry(self, code: str, at_iso: str, entry_type: EntryType) -> TimelineEntry | None:
        """The timeline entry an event was made from (its code, time and type name it)."""
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :at)",
            ExpressionAttributeValues=serialize(
                {":pk": layout.request_pk(code), ":at": layout.entry_sk(at_iso, "")}
            ),
        )
        entries = [entry_from_item(i) for i in items if i.get("type") == entry_type.value]
        return entries[0] if entries else None
