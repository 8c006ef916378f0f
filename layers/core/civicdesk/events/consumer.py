"""How a consumer of domain events handles each event once, however often it arrives.

An event can arrive twice: the stream redelivers a batch after a partial failure, and a re-drive
publishes a range again. Each carries the same `detail.event_id` every time (its timeline entry's
key), so a consumer makes its per-event work a Powertools idempotent function keyed by it:

    handle_once = once(persistence)(handle)        # persistence: under idempotency_pk("<consumer>")
    for record in batch:                            # an SQS record of the rule's queue
        handle_once(event=json.loads(record.body))  # the EventBridge event: {"detail": {...}, ...}

A counter keeps its own guard instead (a conditional write on the event id), which is one write.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

EVENT_ID = "detail.event_id"
"""Where the id sits in an EventBridge event (what a rule's SQS target delivers as the body)."""
WINDOW = timedelta(days=30)
"""How long an event is remembered: longer than the stream's retries (24 hours) and a re-drive of
the recent past; a re-drive of older events is a deliberate replay."""

F = TypeVar("F", bound=Callable[..., Any])


def once(persistence: BasePersistenceLayer, window: timedelta = WINDOW) -> Callable[[F], F]:
    """Wraps `handle(event=...)` so each event id is handled once (the first answer is returned again)."""
    config = IdempotencyConfig(
        event_key_jmespath=EVENT_ID,
        raise_on_no_idempotency_key=True,
        expires_after_seconds=int(window.total_seconds()),
        hash_function="sha256",
    )
    return idempotent_function(data_keyword_argument="event", persistence_store=persistence, config=config)
