"""Daily, on schedules: the open-data files of yesterday (and the days it refreshes), and the start
of the table's export to the private analytics bucket. Thin: `civicdesk.opendata` holds the rules.

An event with `{"day": "YYYY-MM-DD"}` writes that one day again (an operator's invoke); the files are
replaced whole, so any rerun is safe. `{"full": true}` to the export handler starts a full export on
any day (after the first deploy, so the daily increments have a base before the first Monday).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from civicdesk import runtime
from civicdesk.core.clock import utc_now
from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.core.settings import load
from civicdesk.opendata import exports
from civicdesk.opendata.config import OpenDataSettings, TableExportSettings
from civicdesk.opendata.service import METRIC_DAYS_WRITTEN, export_day, scheduled_days
from civicdesk.opendata.store import DayReader, PublicationBucket


@cache
def opendata_settings() -> OpenDataSettings:
    return load(OpenDataSettings)


@cache
def export_settings() -> TableExportSettings:
    return load(TableExportSettings)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config, profile = opendata_settings(), runtime.profile()
    zone = profile.zone
    days = [date.fromisoformat(event["day"])] if event.get("day") else scheduled_days(utc_now(), zone)
    reader = DayReader(runtime.table())
    bucket = PublicationBucket(config.opendata_bucket)
    names = {n.code: n.name for n in profile.neighbourhoods}
    written = [export_day(day, reader, bucket, zone, names) for day in days]
    metrics.add_metric(name=METRIC_DAYS_WRITTEN, unit=MetricUnit.Count, value=len(written))
    metrics.add_metric(name="OpenDataRows", unit=MetricUnit.Count, value=sum(w.rows for w in written))
    logger.info(
        "open data written",
        extra={"days": [w.day.isoformat() for w in written], "items_read": reader.reads.items},
    )
    return {"days": {w.day.isoformat(): w.rows for w in written}, "reads": reader.reads.calls}


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def export_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config = export_settings()
    plan = exports.plan(utc_now(), full=event.get("full") is True)
    arn = exports.TableExports().start(plan, config.table_arn, config.export_bucket, config.export_key_arn)
    metrics.add_metric(name=exports.METRIC_STARTED, unit=MetricUnit.Count, value=1)
    logger.info("table export started", extra={"kind": plan.kind, "prefix": plan.prefix})
    return {"export": arn, "kind": plan.kind, "prefix": plan.prefix}
