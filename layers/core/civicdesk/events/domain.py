"""Domain events: every timeline entry, as the stream shows it, becomes one event on the bus.

Events are derived from the table's stream (no dual writes). Their detail is versioned and
carries no personal data: never a name, phone, e-mail, WhatsApp id, description or reply text —
only codes, statuses, times and the PII-free `detail` facts an entry carries. See docs/events.md.

Every event carries `event_id`, its entry's table key: the same entry always makes the same id, so
a retried stream batch or a re-drive (`civicdesk.events.redrive`) republishes an event consumers
recognise (`civicdesk.events.consumer`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from civicdesk import layout
from civicdesk.core.clock import iso
from civicdesk.requests.models import EntryType, Status, TimelineEntry
from civicdesk.requests.repository import entry_from_item

SOURCE = "civicdesk"
SCHEMA_VERSION = "1"


class DomainEvent(BaseModel):
    """The `detail` of every Civic Desk event (schema version 1)."""

    model_config = ConfigDict(frozen=True)

    schema_version: str = SCHEMA_VERSION
    event_id: str
    code: str
    entry_type: EntryType
    at: str
    status: Status | None = None
    previous_status: Status | None = None
    public: bool
    actor_type: str
    facts: dict[str, str] = {}


def detail_type(entry_type: EntryType, status: Status | None) -> str:
    """The event's name: what happened, in the past tense consumers subscribe to."""
    if entry_type is EntryType.STATUS_CHANGED:
        return {Status.ROUTED: "RequestRouted", Status.TRIAGE: "RequestTriaged"}.get(
            status or Status.RECEIVED, "StatusChanged"
        )
    return {
        EntryType.RECEIVED: "RequestReceived",
        EntryType.PUBLIC_REPLY: "CitizenReplied",
        EntryType.INTERNAL_NOTE: "NoteAdded",
        EntryType.INBOUND_MESSAGE: "CitizenWrote",
        EntryType.NOTIFICATION_SENT: "NotificationSent",
        EntryType.NOTIFICATION_FAILED: "NotificationFailed",
        EntryType.DUE_SOON: "RequestDueSoon",
        EntryType.OVERDUE: "RequestOverdue",
        EntryType.TRANSFERRED: "RequestTransferred",
        EntryType.TRANSFER_ASKED: "TransferAsked",
        EntryType.SURVEY_ANSWERED: "SurveyAnswered",
        EntryType.REFERRAL: "ReferralUpdated",
    }[entry_type]


def _actor_type(actor: str) -> str:
    """`staff:ali` -> `staff`: who acted, never which person."""
    return actor.split(":", 1)[0] if actor else "system"


def event_id(item: Mapping[str, Any]) -> str:
    """`REQ#<code>/EVT#<at>#<n>`: the entry's table key, unique and stable however often it is sent."""
    return f"{item[layout.PK]}/{item[layout.SK]}"


def from_entry(entry: TimelineEntry, entry_id: str) -> tuple[str, DomainEvent]:
    """(detail-type, detail) for a timeline entry whose key makes `entry_id`."""
    event = DomainEvent(
        event_id=entry_id,
        code=entry.code,
        entry_type=entry.type,
        at=iso(entry.at),
        status=entry.status,
        previous_status=entry.previous_status,
        public=entry.public,
        actor_type=_actor_type(entry.actor),
        facts={k: str(v) for k, v in (entry.detail or {}).items()},
    )
    return detail_type(entry.type, entry.status), event


def from_entry_item(item: Mapping[str, Any]) -> tuple[str, DomainEvent]:
    """(detail-type, detail) for a timeline entry item, as the stream or the timeline index holds it."""
    return from_entry(entry_from_item(item), event_id(item))


def put_events_entry(bus_name: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """One PutEvents entry for a timeline entry item."""
    name, event = from_entry_item(item)
    return {
        "Source": SOURCE,
        "DetailType": name,
        "Detail": json.dumps(event.model_dump(mode="json", exclude_none=True)),
        "EventBusName": bus_name,
        "Resources": [],
    }
