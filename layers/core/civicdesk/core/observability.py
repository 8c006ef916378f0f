"""One Logger, Tracer and Metrics for every function (service `civic-desk`).

Personal data never goes to logs: handlers log codes and categories, never bodies or contacts,
and never log the incoming event.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "civic-desk"
NAMESPACE = "CivicDesk"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

FILED = "RequestsFiled"
METRICS_DISABLED = "POWERTOOLS_METRICS_DISABLED"
CHANNEL_DIMENSION = "channel"


def count_filed(channel: str) -> None:
    """One request filed, counted per channel (its own EMF record, so the invocation's other metrics
    keep only the service dimension): the operators' dashboard plots filings by channel."""
    if os.environ.get(METRICS_DISABLED, "").lower() in ("1", "true"):  # single_metric ignores it
        return
    with single_metric(
        name=FILED,
        unit=MetricUnit.Count,
        value=1,
        namespace=NAMESPACE,
        default_dimensions={"service": SERVICE},
    ) as metric:
        metric.add_dimension(name=CHANNEL_DIMENSION, value=channel)
