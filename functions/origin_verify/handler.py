"""HTTP API Lambda authorizer (simple responses) on the citizen routes: CloudFront or nothing.

API Gateway answers 401 itself when the header is missing (it is the identity source) and caches each
answer per header value, so this runs about once per warm API Gateway host every few minutes, not per
request. Never logs the header: it is a credential.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.typing import LambdaContext

from civicdesk.core import origin
from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.core.settings import OriginSettings, load


@cache
def settings() -> OriginSettings:
    return load(OriginSettings)


@cache
def _secrets() -> SecretsProvider:
    return SecretsProvider(boto3_client=boto3.client("secretsmanager"))


def expected() -> str:
    """The secret, cached per warm function for SECRET_MAX_AGE seconds (a rotation needs no deploy)."""
    config = settings()
    return str(_secrets().get(config.origin_secret_id, max_age=config.secret_max_age))


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, bool]:
    presented = (event.get("headers") or {}).get(origin.HEADER)
    allowed = origin.verified(presented, expected())
    if not allowed:
        logger.warning("origin-verify header rejected", extra={"route": event.get("routeKey")})
    return {"isAuthorized": allowed}
