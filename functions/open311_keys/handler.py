"""The API keys of Open311 client systems (`/staff/open311/keys`): issued, listed and revoked by an admin.

Behind the HTTP API's staff JWT authorizer like every staff route; the role policy
(`Action.OPEN311_KEYS`) admits administrators only. A key is shown once, when issued; the table keeps
its hash (`civicdesk.open311.keys`).
"""

from __future__ import annotations

from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from civicdesk import runtime
from civicdesk.core.errors import RequestNotFound
from civicdesk.core.http import JsonApi, error_responses
from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.core.settings import ApiSettings, load
from civicdesk.open311.admin import IssuedKey, KeyIn, KeyOut, KeysOut
from civicdesk.open311.keys import KeyRepository
from civicdesk.staff import policy
from civicdesk.staff.identity import Staff
from civicdesk.staff.routes import SECURITY, SECURITY_SCHEMES, answers, member, ok


@cache
def settings() -> ApiSettings:
    return load(ApiSettings)


@cache
def keys() -> KeyRepository:
    return KeyRepository(runtime.table())


app = JsonApi(max_body_bytes=lambda: settings().max_body_bytes)
app.configure_openapi(
    title="Civic Desk API",
    version="1.0.0",
    summary="Open311 API keys of client systems (admin).",
    security_schemes=SECURITY_SCHEMES,
)


def admin() -> Staff:
    found = member(app)
    policy.require(found, policy.Action.OPEN311_KEYS)
    return found


@app.get(
    "/staff/open311/keys",
    summary="The Open311 API keys: client, operations, rate limit, revoked or not (never the key)",
    tags=["open311"],
    security=SECURITY,
    responses=answers("Every key issued, oldest first"),
)
def list_keys() -> Response[KeysOut]:
    admin()
    return ok(KeysOut(keys=[KeyOut.of(k) for k in keys().list()]))


@app.post(
    "/staff/open311/keys",
    summary="Issue an API key to a client system (shown once)",
    tags=["open311"],
    security=SECURITY,
    responses={
        201: {"description": "Issued", "content": {"application/json": {"model": IssuedKey}}},
        **answers(None, body=True),
    },
)
def issue_key(body: Annotated[KeyIn, Body()]) -> Response[IssuedKey]:
    actor = admin().actor
    key, record = keys().issue(body.client, body.operations, body.rate_per_minute, actor)
    logger.info("open311 key issued", extra={"key_id": record.key_id})
    return ok(IssuedKey(**KeyOut.of(record).model_dump(), api_key=key), HTTPStatus.CREATED)


@app.post(
    "/staff/open311/keys/<key_id>/revoke",
    summary="Revoke an API key: its next call is refused (403)",
    tags=["open311"],
    security=SECURITY,
    responses={
        **answers("Revoked", HTTPStatus.NOT_FOUND, body=True),
        **error_responses((HTTPStatus.NOT_FOUND, "No key with this id")),
    },
)
def revoke_key(key_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]) -> Response[KeyOut]:
    revoked = keys().revoke(key_id, admin().actor)
    if revoked is None:
        raise RequestNotFound(key_id)
    logger.info("open311 key revoked", extra={"key_id": key_id})
    return ok(KeyOut.of(revoked))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
