"""The table stream's consumer: starts routing for new requests, publishes entries as events.

Thin: the batch is read with Powertools' data classes, `civicdesk.events.stream` decides what each
record means and publishes a batch's events together; a record that failed is reported alone
(partial batch response) and, after the mapping's retries, lands in the on-failure queue.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecordEventName,
    DynamoDBStreamEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.core.settings import FunctionSettings, load
from civicdesk.events import stream
from civicdesk.events.bus import EventBus
from civicdesk.routing.gateway import Router


class DispatcherSettings(FunctionSettings):
    router_arn: str = Field(min_length=1)
    event_bus_name: str = Field(min_length=1)


@cache
def settings() -> DispatcherSettings:
    return load(DispatcherSettings)


@cache
def router() -> Router:
    return Router(settings().router_arn)


@cache
def bus() -> EventBus:
    return EventBus()


def inserts(event: dict[str, Any]) -> list[stream.StreamRecord]:
    """The batch's INSERT records (the mapping's filter already drops the rest in AWS; the emulator
    does not filter)."""
    return [
        stream.StreamRecord(sequence=record.dynamodb.sequence_number or "", item=record.dynamodb.new_image)
        for record in DynamoDBStreamEvent(event).records
        if record.event_name is DynamoDBRecordEventName.INSERT and record.dynamodb is not None
    ]


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    done = stream.dispatch(inserts(event), router=router(), bus=bus(), bus_name=settings().event_bus_name)
    logger.info(
        "stream batch dispatched",
        extra={"started": done.started, "published": done.published, "failed": len(done.failed)},
    )
    if done.published:
        metrics.add_metric(name="DomainEventsPublished", unit=MetricUnit.Count, value=done.published)
    if done.failed:
        metrics.add_metric(name="StreamRecordsFailed", unit=MetricUnit.Count, value=len(done.failed))
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in done.failed]}
