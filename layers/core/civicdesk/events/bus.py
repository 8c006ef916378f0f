"""The Civic Desk event bus (EventBridge): where domain events are published."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civicdesk.core.aws import AwsGateway

PUT_EVENTS_BATCH = 10  # EventBridge's limit per PutEvents call


class PublishFailed(RuntimeError):
    """EventBridge refused some entries; the stream record is retried (partial batch failure)."""


class EventBus(AwsGateway):
    service = "events"

    def put(self, entries: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(entries), PUT_EVENTS_BATCH):
            answer = self.client.put_events(Entries=list(entries[start : start + PUT_EVENTS_BATCH]))
            if answer.get("FailedEntryCount"):
                codes = sorted({e.get("ErrorCode", "?") for e in answer["Entries"] if e.get("ErrorCode")})
                raise PublishFailed(f"{answer['FailedEntryCount']} event(s) refused: {', '.join(codes)}")
