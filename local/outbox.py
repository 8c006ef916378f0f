"""The local outbox (`/simulator/outbox`, `/simulator/outbox.json`): every message "sent" by the
local stack — e-mails in the emulator's SES, SMS in its SNS, WhatsApp messages at the fake Cloud
API — with the request each is about and its delivery status, so a person can follow a request from
filing to resolution and see what the citizen was told. Local only, never deployed.

Messages are joined to their request through the notifier's timeline entries, which record the
provider's message id as a hash (`civicdesk.whatsapp.identity.message_ref`), never the address.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID
from werkzeug.wrappers import Request, Response

from civicdesk.core.dynamo import deserialize
from civicdesk.whatsapp.identity import message_ref
from local.cloud import REGION
from local.whatsapp_fake import FakeCloudApi, body_text

PAGES = Path(__file__).resolve().parent / "simulator"
PREFIX = "/simulator/outbox"
FILES = {
    PREFIX: ("outbox.html", "text/html"),
    f"{PREFIX}.js": ("outbox.js", "text/javascript"),
    f"{PREFIX}.css": ("outbox.css", "text/css"),
}


class Outbox:
    def __init__(self, whatsapp: FakeCloudApi | None, table: str) -> None:
        self.whatsapp = whatsapp
        self.table = table

    def __call__(self, request: Request) -> Response | None:
        path = request.path.rstrip("/")
        if request.method != "GET":
            return None
        if path == f"{PREFIX}.json":
            return Response(json.dumps({"messages": self.messages()}), content_type="application/json")
        if path not in FILES:
            return None
        name, content_type = FILES[path]
        response = Response((PAGES / name).read_bytes(), content_type=f"{content_type}; charset=utf-8")
        response.headers["Cache-Control"] = "no-cache"
        return response

    def messages(self) -> list[dict[str, Any]]:
        """Every message, oldest first: channel, to, text, at, status and the request's code."""
        from moto.ses.models import ses_backends
        from moto.sns.models import sns_backends

        notes = self._notifications()
        found: list[dict[str, Any]] = []
        for message in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
            to = ", ".join(getattr(message, "destinations", {}).get("ToAddresses", []))
            text = f"{getattr(message, 'subject', '')}\n\n{getattr(message, 'body', '')}".strip()
            found.append(self._row("email", to, text, notes.get(message_ref(message.id))))
        for message_id, (phone, text) in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.items():
            found.append(self._row("sms", phone, text, notes.get(message_ref(message_id))))
        for sent in self.whatsapp.messages() if self.whatsapp else []:
            note = notes.get(message_ref(sent["id"]))
            at = datetime.fromtimestamp(sent["at"], UTC).isoformat(timespec="milliseconds")
            row = self._row("whatsapp", str(sent["body"].get("to", "")), body_text(sent["body"]), note, at)
            row["template"] = sent["body"].get("type") == "template"
            found.append(row)
        return sorted(found, key=lambda m: m["at"] or "")

    def _notifications(self) -> dict[str, dict[str, Any]]:
        """The notifier's entries by message reference (a local Scan: this page is never deployed)."""
        client = boto3.client("dynamodb")
        entries: dict[str, dict[str, Any]] = {}
        for page in client.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="#t = :sent",
            ExpressionAttributeNames={"#t": "type"},
            ExpressionAttributeValues={":sent": {"S": "notification_sent"}},
        ):
            for raw in page["Items"]:
                item = deserialize(raw)
                reference = (item.get("detail") or {}).get("message")
                if reference:
                    entries[str(reference)] = item
        return entries

    @staticmethod
    def _row(
        channel: str, to: str, text: str, note: dict[str, Any] | None, at: str | None = None
    ) -> dict[str, Any]:
        detail = (note or {}).get("detail") or {}
        return {
            "channel": channel,
            "to": to,
            "text": text,
            "at": (note or {}).get("at") or at,
            "status": detail.get("delivery", "sent"),
            "stage": detail.get("stage"),
            "code": (note or {}).get("code"),
        }
