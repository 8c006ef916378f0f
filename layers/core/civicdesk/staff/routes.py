"""What every `/staff/...` route shares, whichever function serves it (the staff API, the privacy
routes, the reports): the token scheme, the documented error answers, no-store answers, and the
member the JWT authorizer vouched for."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, SecurityScheme
from pydantic import BaseModel

from civicdesk.core.errors import Forbidden
from civicdesk.core.http import error_responses, etag
from civicdesk.staff.identity import Staff, from_claims

SECURITY: list[dict[str, list[str]]] = [{"staffToken": []}]
SECURITY_SCHEMES: dict[str, SecurityScheme] = {
    "staffToken": HTTPBearer(
        description="An ID token of the staff user pool (Cognito); `GET /staff/config.json` says where "
        "to sign in.",
        bearerFormat="JWT",
    )
}
NO_STORE = {"Cache-Control": "no-store"}

DESCRIBED = {
    HTTPStatus.UNAUTHORIZED: "No valid staff token",
    HTTPStatus.FORBIDDEN: "Your role may not do this",
    HTTPStatus.NOT_FOUND: "No such request (or not one you may see)",
    HTTPStatus.CONFLICT: "Not a change this request's status allows",
    HTTPStatus.PRECONDITION_FAILED: "Someone changed it since you read it (If-Match is stale)",
    HTTPStatus.PRECONDITION_REQUIRED: "If-Match is missing",
}
BODY_ERRORS = (HTTPStatus.BAD_REQUEST, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)


def answers(ok: str | None, *statuses: HTTPStatus, body: bool = False) -> dict[int, Any]:
    """A staff route's answers: `ok` as its 200 (the route's return model), unless it lists its own
    success (None); errors 401, 403 and 422 always, with a JSON body 400, 413 and 415 too."""
    wanted = {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN, HTTPStatus.UNPROCESSABLE_ENTITY, *statuses}
    wanted |= set(BODY_ERRORS) if body else set()
    errors = error_responses(*((s, DESCRIBED[s]) if s in DESCRIBED else s for s in sorted(wanted)))
    return {HTTPStatus.OK.value: {"description": ok}, **errors} if ok else errors


def ok(body: BaseModel, status: HTTPStatus = HTTPStatus.OK, version: int | None = None) -> Response[Any]:
    """A JSON answer that no cache keeps (it may hold citizens' words), with the ETag of a version."""
    headers = dict(NO_STORE)
    if version is not None:
        headers["ETag"] = etag(version)
    return Response(status_code=status.value, content_type="application/json", body=body, headers=headers)


def member(app: ApiGatewayResolver) -> Staff:
    """The member the authorizer vouched for; a route reached without claims is refused."""
    claims = app.current_event.request_context.authorizer.jwt_claim or {}  # type: ignore[attr-defined]
    found = from_claims(claims)
    if not found.user_id:
        raise Forbidden("No staff identity in the request.")
    return found
