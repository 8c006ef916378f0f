"""The weekly classifier retrain: an EventBridge schedule invokes it.

Thin: `civicdesk.routing.retrain` trains on the shipped corpus and the staff decisions, judges the
candidate on the frozen evaluation set, and publishes it only if it is at least as good; a kept old
model counts one `ModelRejected` (alarmed). Errors are not caught: they fail the run into the Errors
alarm, and next week's run tries again.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from civicdesk import runtime
from civicdesk.core.clock import Clock, utc_now
from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.core.settings import TableSettings, load
from civicdesk.routing import models, retrain
from civicdesk.routing.classifier import AUTO_ROUTE_THRESHOLD

METRIC_MODEL_REJECTED = "ModelRejected"
"""Alarmed on in infra/capabilities/learning.py (names.METRIC_MODEL_REJECTED; a test keeps them equal)."""

clock: Clock = utc_now


class RetrainSettings(TableSettings):
    model_bucket: str = Field(min_length=1)
    routing_threshold: float = Field(default=AUTO_ROUTE_THRESHOLD, gt=0, le=1)
    example_months: int = Field(default=24, gt=0, description="staff decisions are kept two years")


@cache
def settings() -> RetrainSettings:
    return load(RetrainSettings)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config, table, now = settings(), runtime.table(), clock()
    staff = models.ExampleReader(table).months(models.last_months(now, config.example_months))
    outcome = retrain.retrain(
        profile=config.profile,
        catalogue=runtime.catalogue(),
        registry=models.ModelRegistry(table, models.ModelBucket(config.model_bucket), config.profile),
        staff_items=staff,
        threshold=config.routing_threshold,
        now=now,
    )
    metrics.add_metric(name=METRIC_MODEL_REJECTED, unit=MetricUnit.Count, value=0 if outcome.published else 1)
    summary = {"version": outcome.version, **outcome.verdict()}
    logger.info("classifier retrained", extra=summary)
    return summary
