"""The router state machine's Lambda tasks: Classify, Assign and Triage (thin; rules in civicdesk)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from civicdesk import runtime
from civicdesk.core.observability import logger, tracer
from civicdesk.routing import live
from civicdesk.routing import rules as routing


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def classify(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    decision = routing.classify(
        event["code"],
        requests=runtime.requests(),
        catalogue=runtime.catalogue(),
        classifier=live.classifier(),
    )
    logger.info(
        "classified",
        extra={"code": decision.code, "category": decision.category, "confidence": decision.confidence},
    )
    return decision.model_dump()


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def assign(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    decision = routing.Decision.model_validate(event["decision"])
    assigned = routing.assign(
        decision, event["department"], requests=runtime.requests(), catalogue=runtime.catalogue()
    )
    logger.info("assigned", extra={"code": decision.code, "assigned": assigned})
    return {"assigned": assigned}


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def triage(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    triaged = routing.send_to_triage(
        event["code"], event["reason"], requests=runtime.requests(), error=event.get("error")
    )
    logger.info("triage", extra={"code": event["code"], "reason": event["reason"], "triaged": triaged})
    return {"triaged": triaged}
