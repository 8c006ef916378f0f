"""A consumer's own queue of domain events: the bus rule that fills it, and its dead-letter queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.capabilities.monitoring import Monitoring

RETENTION = Duration.days(4)


@dataclass(frozen=True)
class EventQueue:
    queue: sqs.Queue
    dead_letters: sqs.Queue


def event_queue(
    scope: Construct,
    *,
    bus: events.IEventBus,
    monitoring: Monitoring,
    detail_types: Sequence[str],
    description: str,
    holds: str,
    consumer_timeout: Duration,
    max_receives: int,
    detail: Mapping[str, Any] | None = None,
) -> EventQueue:
    """Constructs `Failed` (the alarmed dead-letter queue, holding `holds`), `Queue` (encrypted, SSL only,
    visible again after six times the consumer's timeout, as Lambda's SQS mapping advises) and `Events`
    (the rule sending the bus's `detail_types` to it, only those matching `detail` if given) in `scope`."""
    dead_letters = monitoring.dead_letter_queue(scope, "Failed", holds=holds)
    queue = sqs.Queue(
        scope,
        "Queue",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        visibility_timeout=Duration.seconds(consumer_timeout.to_seconds() * 6),
        retention_period=RETENTION,
        dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=max_receives, queue=dead_letters),
    )
    events.Rule(
        scope,
        "Events",
        event_bus=bus,
        description=description,
        event_pattern=events.EventPattern(
            source=["civicdesk"], detail_type=list(detail_types), detail=dict(detail) if detail else None
        ),
        targets=[targets.SqsQueue(queue)],
    )
    return EventQueue(queue, dead_letters)
