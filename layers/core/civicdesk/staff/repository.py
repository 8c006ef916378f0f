"""The staff side's items: the access audit, response templates, labelled examples, request links,
and a caller's requests through the citizen index.

Keys come from `civicdesk.layout`. Audit records are written before the data they record is
returned (no read goes unrecorded) and expire after three years (KVKK's minimum for such logs).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from civicdesk import layout
from civicdesk.catalogue.model import ResponseTemplate as Template
from civicdesk.catalogue.repository import template_item
from civicdesk.core.clock import iso
from civicdesk.core.dynamo import Check, Item, Put, Table, deserialize, serialize
from civicdesk.privacy.redact import redact
from civicdesk.requests.models import ServiceRequest
from civicdesk.requests.repository import request_from_item

AUDIT_RETENTION = timedelta(days=3 * 366)
EXAMPLE_RETENTION = timedelta(days=2 * 366)
"""Examples are free text (names cannot be masked reliably): kept like the requests' free text."""
BATCH_GET_LIMIT = 100


def link_puts(original: str, duplicate: str, at: datetime) -> list[Check | Put]:
    """The original must exist, and gets a link to its duplicate (so both citizens can be told)."""
    return [
        Check(layout.request_pk(original), layout.REQUEST_SK, f"attribute_exists({layout.PK})"),
        Put(
            {
                layout.PK: layout.request_pk(original),
                layout.SK: layout.link_sk(duplicate),
                layout.ITEM_TYPE: "link",
                "code": original,
                "linked": duplicate,
                "relation": "duplicate",
                "at": iso(at),
            }
        ),
    ]


def example_put(
    request: ServiceRequest, at: datetime, *, department: str, category: str | None, source: str
) -> Put:
    """A staff decision as a labelled example for the classifier: the text with contact details masked,
    what staff chose, and where it came from (`triage`, `transfer`); no code, no person."""
    stamp = iso(at)
    return Put(
        {
            layout.PK: layout.example_pk(stamp),
            layout.SK: f"{stamp}#{secrets.token_hex(4)}",
            layout.ITEM_TYPE: "example",
            "text": redact(request.description),
            "department": department,
            "category": category,
            "classified_as": request.category,
            "source": source,
            "language": request.language.value,
            layout.TTL: int((at + EXAMPLE_RETENTION).timestamp()),
        }
    )


@dataclass(frozen=True)
class AuditRecord:
    actor: str
    action: str
    codes: tuple[str, ...]
    reason: str
    at: datetime


class StaffRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    # --- the access audit ------------------------------------------------------------------------------

    def audit(self, record: AuditRecord) -> None:
        stamp = iso(record.at)
        self.table.put(
            {
                layout.PK: layout.audit_pk(stamp),
                layout.SK: f"{stamp}#{record.actor}#{secrets.token_hex(3)}",
                layout.ITEM_TYPE: "audit",
                "actor": record.actor,
                "action": record.action,
                "codes": list(record.codes),
                "reason": record.reason,
                "at": stamp,
                layout.TTL: int((record.at + AUDIT_RETENTION).timestamp()),
            }
        )

    def audit_day(self, day: str) -> list[Item]:
        return self.table.query_all(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=serialize({":pk": layout.audit_pk(day)}),
        )

    # --- a caller's requests -----------------------------------------------------------------------------

    def citizen_codes(self, citizen: str, limit: int = 100) -> list[str]:
        """The codes in a citizen's index (newest first), without reading any request yet."""
        items, _, _ = self.table.query_page(
            limit,
            None,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=serialize({":pk": layout.citizen_pk(citizen)}),
            ScanIndexForward=False,
        )
        return [str(i["code"]) for i in sorted(items, key=lambda i: i.get("created_at", ""), reverse=True)]

    def requests(self, codes: Sequence[str]) -> list[ServiceRequest]:
        """Several requests in one BatchGetItem per hundred, in the order asked."""
        found: dict[str, ServiceRequest] = {}
        for start in range(0, len(codes), BATCH_GET_LIMIT):
            keys = [
                serialize({layout.PK: layout.request_pk(c), layout.SK: layout.REQUEST_SK})
                for c in codes[start : start + BATCH_GET_LIMIT]
            ]
            pending: dict[str, Any] = {self.table.name: {"Keys": keys}}
            while pending:
                answer = self.table.client.batch_get_item(RequestItems=pending)
                for raw in answer.get("Responses", {}).get(self.table.name, []):
                    request = request_from_item(deserialize(raw))
                    found[request.code] = request
                pending = answer.get("UnprocessedKeys") or {}
        return [found[c] for c in codes if c in found]

    def links(self, code: str) -> list[Item]:
        return self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :link)",
            ExpressionAttributeValues=serialize(
                {":pk": layout.request_pk(code), ":link": layout.LINK_PREFIX}
            ),
        )

    # --- response templates -------------------------------------------------------------------------------

    def templates(self) -> list[Template]:
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :tpl)",
            ExpressionAttributeValues=serialize({":pk": layout.CATALOGUE_PK, ":tpl": layout.TEMPLATE_PREFIX}),
        )
        return sorted((_template(i) for i in items), key=lambda t: (t.category or "", t.status or "", t.id))

    def template(self, template_id: str) -> Template | None:
        item = self.table.get(layout.CATALOGUE_PK, layout.template_sk(template_id), consistent=True)
        return _template(item) if item else None

    def put_template(self, template: Template, *, expected_version: int | None) -> bool:
        """Create (`expected_version` None: only if new) or replace the version the editor read."""
        item = template_item(template)
        if expected_version is None:
            return self.table.put(item, f"attribute_not_exists({layout.PK})")
        return self.table.put(
            item,
            "#version = :expected",
            names={"#version": layout.VERSION},
            values={":expected": expected_version},
        )


def _template(item: Item) -> Template:
    return Template.model_validate({k: v for k, v in item.items() if k in Template.model_fields})
