"""One Logger, Tracer and Metrics for every function (service `civic-desk`).

Personal data never goes to logs: handlers log codes and categories, never bodies or contacts,
and never log the incoming event.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "civic-desk"
NAMESPACE = "CivicDesk"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
