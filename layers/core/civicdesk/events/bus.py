"""The Civic Desk event bus (EventBridge): where domain events are published."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from civicdesk.core.aws import AwsGateway

PUT_EVENTS_BATCH = 10  # EventBridge's limit per PutEvents call


class EventBus(AwsGateway):
    service = "events"

    def publish(self, entries: Sequence[dict[str, Any]]) -> list[str | None]:
        """Put entries, ten per PutEvents call; for each entry, in order, None or why it was refused.

        EventBridge accepts or refuses each entry of a call on its own (`FailedEntryCount`), and a call
        that fails as a whole (after botocore's retries) refuses its ten: the caller retries exactly
        the refused ones, and what was accepted stays accepted.
        """
        outcome: list[str | None] = []
        for start in range(0, len(entries), PUT_EVENTS_BATCH):
            chunk = list(entries[start : start + PUT_EVENTS_BATCH])
            try:
                answer = self.client.put_events(Entries=chunk)
            except ClientError as error:
                outcome.extend([error.response.get("Error", {}).get("Code", "ClientError")] * len(chunk))
                continue
            except BotoCoreError as error:
                outcome.extend([type(error).__name__] * len(chunk))
                continue
            outcome.extend(e.get("ErrorCode") for e in answer["Entries"])
        return outcome
