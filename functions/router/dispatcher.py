"""The table stream's consumer: starts routing for new requests, publishes entries as events.

Thin: Powertools' batch processor reports partial failures (a failed record is retried alone and,
after the retries, lands in the on-failure queue); the domain decides what each record means.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.core.settings import FunctionSettings, load
from civicdesk.events import domain as events
from civicdesk.events.bus import EventBus
from civicdesk.routing.gateway import Router

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


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


def execution_name(code: str, record: DynamoDBRecord) -> str:
    """Named after the request for tracing; the sequence number keeps redeliveries recognisable."""
    sequence = record.dynamodb.sequence_number if record.dynamodb else None
    return f"{code}-{sequence or 'x'}"[-80:]


def handle(record: DynamoDBRecord) -> None:
    if record.event_name is not DynamoDBRecordEventName.INSERT or record.dynamodb is None:
        return  # the mapping's filter already drops these in AWS; the emulator does not filter
    item = record.dynamodb.new_image
    kind = item.get("item_type")
    if kind == "request" and item.get("status") == "received":  # a new request, not imported history
        started = router().start(execution_name(item["code"], record), {"code": item["code"]})
        logger.info("routing started", extra={"code": item["code"], "started": started})
    elif kind == "entry":
        bus().put([events.put_events_entry(settings().event_bus_name, item)])


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle, processor=processor, context=context)
