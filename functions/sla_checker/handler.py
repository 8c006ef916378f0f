"""The scheduled SLA checker: an EventBridge rule invokes it every few minutes.

Thin: Powertools parses the scheduled event, `civicdesk.sla.checker` does the work within the time the
Lambda has left, and the run's counts become metrics. Errors are not caught: they fail the invocation
into the Errors alarm and the on-failure queue, and the next scheduled run retries the work.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from civicdesk.core.clock import Clock, utc_now
from civicdesk.core.dynamo import Table
from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.core.settings import TableSettings, load
from civicdesk.requests.repository import RequestRepository
from civicdesk.sla import checker as sla_checker

METRIC_LAG_SECONDS = "LagSeconds"
"""Alarmed on in infra/constructs/sla.py (names.METRIC_SLA_LAG_SECONDS; a test keeps them equal)."""
COUNT_METRICS = {"Flagged": "flagged", "Warned": "warned", "Swept": "swept", "ItemsRead": "items_read"}

clock: Clock = utc_now
"""The checker's notion of now; tests replace it to move time."""


DEFAULT = sla_checker.Policy()


class CheckerSettings(TableSettings):
    """Unset variables keep the domain's defaults (`Policy`): one place for each number."""

    sla_warn_lead_hours: float = Field(default=DEFAULT.warn_lead.total_seconds() / 3600, gt=0)
    stuck_received_minutes: float = Field(default=DEFAULT.stuck_after.total_seconds() / 60, gt=0)
    sla_time_budget_margin_ms: int = Field(default=DEFAULT.margin_ms, ge=0)

    def policy(self) -> sla_checker.Policy:
        return sla_checker.Policy(
            warn_lead=timedelta(hours=self.sla_warn_lead_hours),
            stuck_after=timedelta(minutes=self.stuck_received_minutes),
            margin_ms=self.sla_time_budget_margin_ms,
        )


@cache
def settings() -> CheckerSettings:
    return load(CheckerSettings)


@cache
def get_requests() -> RequestRepository:
    return RequestRepository(Table(settings().table_name))


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    tick = parse(event=event, model=EventBridgeModel)
    report = sla_checker.run(
        get_requests(),
        remaining_ms=context.get_remaining_time_in_millis,
        clock=clock,
        policy=settings().policy(),
    )
    for metric_name, field in COUNT_METRICS.items():
        metrics.add_metric(name=metric_name, unit=MetricUnit.Count, value=getattr(report, field))
    metrics.add_metric(name=METRIC_LAG_SECONDS, unit=MetricUnit.Seconds, value=report.lag_seconds)
    summary = asdict(report)
    logger.info(
        "sla check finished", extra={"tick": tick.id, "scheduled_at": tick.time.isoformat(), **summary}
    )
    return summary
