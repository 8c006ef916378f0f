"""The counting consumer: domain events from its SQS queue (a rule on the bus) move the request's
tally and the counters (`civicdesk.reports.counting`). Thin: Powertools batch processing reports each
failed record on its own, so SQS retries only that one and then leaves it to the dead-letter queue.

Delivery is at least once; counting is idempotent on its own (a repeated event id changes nothing and
writes nothing), so no idempotency record is kept: it would cost a write per event for no gain.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from civicdesk import runtime
from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.reports.counting import count
from civicdesk.reports.store import StatsStore
from civicdesk.reports.tally import Occurrence

processor = BatchProcessor(event_type=EventType.SQS)


def handle(record: SQSRecord) -> None:
    detail = json.loads(record.body)["detail"]
    outcome = count(
        detail["code"], Occurrence.of_event(detail), StatsStore(runtime.table()), runtime.profile().zone
    )
    metrics.add_metric(name=f"Stats{outcome.value.title().replace('_', '')}", unit=MetricUnit.Count, value=1)
    logger.debug("event counted", extra={"code": detail["code"], "outcome": outcome.value})


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle, processor=processor, context=context)
