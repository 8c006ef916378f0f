"""The WhatsApp Business webhook: Meta's verification handshake and signed message deliveries.

Thin: the signature is checked over the raw body before anything is parsed, the payload is parsed
into `civicdesk.whatsapp.payloads`, and `civicdesk.whatsapp.service` does the work, message by
message. A signed message or status that cannot be what it claims is refused on its own and counted
in the answer (`refused`); a body that is not a delivery at all is `ignored`. Both are answered 200
(logged without content): Meta would otherwise redeliver for days something that can never succeed.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from http import HTTPStatus
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field, ValidationError

from civicdesk.core.http import JsonApi, error_response, error_responses
from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.whatsapp import runtime, signature
from civicdesk.whatsapp.payloads import Delivery

PATH = "/webhooks/whatsapp"
MAX_LOGGED_ERRORS = 10

# Meta posts JSON (`Content-Type: application/json`, UTF-8); anything else is not Meta.
app = JsonApi(max_body_bytes=lambda: runtime.settings().max_body_bytes)
app.configure_openapi(title="Civic Desk API", version="1.0.0", summary="The WhatsApp Business webhook.")


class Refused(Exception):
    """A delivery or handshake that is not Meta's (or not yet configured): answered with a JSON error."""

    def __init__(self, status: HTTPStatus, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


@app.exception_handler(Refused)
def _refused(refusal: Refused) -> Response[str]:
    return error_response(refusal.status, refusal.error, refusal.message)


class Received(BaseModel):
    status: Literal["received", "ignored"] = Field(description='"ignored": the body is not a delivery at all')
    messages: int = Field(default=0, description="messages handled")
    statuses: int = Field(default=0, description="delivery statuses recorded")
    refused: int = Field(default=0, description="messages and statuses refused on their own")


@app.get(
    PATH,
    summary="Webhook verification (Meta's subscription handshake)",
    description="Answers `hub.challenge` as plain text when `hub.mode` is `subscribe` and "
    "`hub.verify_token` matches the configured token.",
    tags=["whatsapp"],
    responses={
        200: {
            "description": "The challenge, echoed",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        **error_responses(
            (HTTPStatus.FORBIDDEN, "Wrong mode or token"),
            (HTTPStatus.UNPROCESSABLE_ENTITY, "A query parameter is too long"),
        ),
    },
)
def verify(
    mode: Annotated[str | None, Query(alias="hub.mode", max_length=32)] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token", max_length=256)] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=256)] = None,
) -> Response[str]:
    credentials = runtime.credentials()
    expected = credentials.verify_token
    if (
        mode == "subscribe"
        and token
        and challenge
        and credentials.usable(expected)
        and hmac.compare_digest(token.encode(), expected.encode())
    ):
        return Response(status_code=HTTPStatus.OK.value, content_type="text/plain", body=challenge)
    raise Refused(HTTPStatus.FORBIDDEN, "verification_failed", "Wrong hub.mode or hub.verify_token.")


@app.post(
    PATH,
    summary="Message and status deliveries from the WhatsApp Cloud API",
    description="Meta's `messages` webhook, signed with `X-Hub-Signature-256` (HMAC-SHA256 of the raw "
    "body with the app secret). Idempotent on each message id.",
    tags=["whatsapp"],
    responses={
        200: {
            "description": "Accepted, element by element (or ignored: not a delivery)",
            "content": {"application/json": {"model": Received}},
        },
        **error_responses(
            (HTTPStatus.BAD_REQUEST, "Body is not UTF-8 text"),
            (HTTPStatus.UNAUTHORIZED, "No signature"),
            (HTTPStatus.FORBIDDEN, "Wrong signature"),
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            (HTTPStatus.SERVICE_UNAVAILABLE, "The app secret is not configured yet"),
        ),
    },
)
def receive() -> Response[Received]:
    event = app.current_event
    raw = raw_body(event.get("body"), bool(event.get("isBase64Encoded")))
    credentials = runtime.credentials()
    if not credentials.usable(credentials.app_secret):
        raise Refused(
            HTTPStatus.SERVICE_UNAVAILABLE, "not_configured", "The WhatsApp app secret is not configured."
        )
    verdict = signature.check(raw or b"", event.headers.get(signature.HEADER), credentials.app_secret)
    if verdict is signature.Verdict.MISSING:
        raise Refused(HTTPStatus.UNAUTHORIZED, "missing_signature", "X-Hub-Signature-256 is required.")
    if verdict is not signature.Verdict.VALID or raw is None:
        raise Refused(HTTPStatus.FORBIDDEN, "invalid_signature", "X-Hub-Signature-256 does not match.")
    try:
        delivery = Delivery.model_validate_json(raw)
    except ValidationError as error:  # not JSON, or no list of entries: nothing in it can be read
        problems = [{"loc": e["loc"], "type": e["type"]} for e in error.errors(include_input=False)]
        logger.warning("malformed webhook ignored", extra={"problems": problems[:MAX_LOGGED_ERRORS]})
        metrics.add_metric(name="WhatsAppMalformed", unit=MetricUnit.Count, value=1)
        return _ok(Received(status="ignored"))
    summary = runtime.service().handle(delivery)
    return _ok(
        Received(
            status="received", messages=summary.messages, statuses=summary.statuses, refused=summary.refused
        )
    )


def raw_body(body: str | None, is_base64: bool) -> bytes | None:
    """The bytes Meta signed: the body as API Gateway passed it, base64-decoded when it says so."""
    if body is None:
        return None
    if not is_base64:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None


def _ok(body: Received) -> Response[Received]:
    return Response(
        status_code=HTTPStatus.OK.value,
        content_type="application/json",
        body=body,
        headers={"Cache-Control": "no-store"},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("requestContext", {}).get("http", {}).get("method") == "POST":
        runtime.service().register(context)
    return app.resolve(event, context)
