"""The router state machine's Lambda tasks: Classify, Assign and Triage (thin; rules in civicdesk)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from civicdesk import runtime
from civicdesk.core.observability import logger, tracer
from civicdesk.requests.models import ServiceRequest
from civicdesk.routing import live
from civicdesk.routing import rules as routing


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def classify(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ServiceRequest.model_validate(event["request"])
    decision = routing.classify(request, catalogue=runtime.catalogue(), classifier=live.classifier())
    logger.info(
        "classified",
        extra={"code": decision.code, "category": decision.category, "confidence": decision.confidence},
    )
    return decision.model_dump(exclude_none=True)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def assign(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ServiceRequest.model_validate(event["request"])
    decision = routing.Decision.model_validate(event["decision"])
    outcome = routing.assign(request, decision, requests=runtime.requests(), catalogue=runtime.catalogue())
    logger.info("assigned", extra={"code": decision.code, "outcome": outcome.value})
    return {"outcome": outcome.value}


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def triage(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    reason, error = event["triage"]["reason"], event["triage"].get("error")
    outcome = routing.send_to_triage(event["code"], reason, requests=runtime.requests(), error=error)
    logger.info("triage", extra={"code": event["code"], "reason": reason, "outcome": outcome.value})
    return {"outcome": outcome.value}
