"""What every HTTP API handler shares: JSON bodies only, and one JSON shape for errors, mapped in one place.

Every error body is `{"error": <machine code>, "message": <text>, "fields": [...]}`, where each
field entry names a bad input (`description`, `location.lat`, `contact.phone`) and says why.
A new API is a `JsonApi` (see there); its routes list their errors with `error_responses`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from civicdesk.core.errors import (
    ConflictingUpdate,
    Forbidden,
    InvalidInput,
    KeyReused,
    LinkExpired,
    LinkInvalid,
    PreconditionFailed,
    PreconditionRequired,
    RequestNotFound,
    StillFiling,
)

_LOCATIONS = ("body", "path", "query", "header")
JSON = "application/json"

_DESCRIPTIONS = {
    HTTPStatus.BAD_REQUEST: "Body is not JSON",
    HTTPStatus.UNAUTHORIZED: "Not signed in",
    HTTPStatus.FORBIDDEN: "Not allowed",
    HTTPStatus.NOT_FOUND: "Not found",
    HTTPStatus.CONFLICT: "Changed by someone else",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "Body too large",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "Body is not application/json",
    HTTPStatus.UNPROCESSABLE_ENTITY: "Invalid input",
}


class FieldError(BaseModel):
    field: str = Field(description="dotted path of the bad input, e.g. `location.lat`")
    message: str
    type: str = Field(description="machine-readable reason, e.g. `string_too_short`, `unknown_value`")


class ErrorBody(BaseModel):
    error: str = Field(description="machine-readable error code")
    message: str
    fields: list[FieldError] = Field(default_factory=list)


def error_response(
    status: HTTPStatus, error: str, message: str, fields: Sequence[FieldError] = ()
) -> Response:
    body = ErrorBody(error=error, message=message, fields=list(fields))
    return Response(
        status_code=status.value,
        content_type="application/json",
        body=body.model_dump_json(),
        headers={"Cache-Control": "no-store"},
    )


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if isinstance(p, str)]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _field_errors(errors: Sequence[dict[str, Any]]) -> list[FieldError]:
    return [
        FieldError(
            field=_field_name(e.get("loc", ())),
            message=str(e.get("msg", "invalid")),
            type=e.get("type", "invalid"),
        )
        for e in errors
    ]


def register_error_handlers(app: ApiGatewayResolver) -> None:
    """Map validation and domain errors to 4xx answers with a JSON body naming what is wrong."""

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        errors = list(error.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(HTTPStatus.BAD_REQUEST, "invalid_json", "The body is not valid JSON.")
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "validation_failed",
            "Some fields are invalid.",
            _field_errors(errors),
        )

    @app.exception_handler(InvalidInput)
    def _invalid_input(error: InvalidInput) -> Response:
        fields = [FieldError(field=f, message=m, type=error.reason) for f, m in error.fields.items()]
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY, "validation_failed", "Some fields are invalid.", fields
        )

    @app.exception_handler(RequestNotFound)
    def _no_request(error: RequestNotFound) -> Response:
        return error_response(HTTPStatus.NOT_FOUND, "not_found", "No request has this tracking code.")

    @app.exception_handler(ConflictingUpdate)
    def _conflict(error: ConflictingUpdate) -> Response:
        return error_response(HTTPStatus.CONFLICT, "conflict", error.detail)

    @app.exception_handler(Forbidden)
    def _forbidden(error: Forbidden) -> Response:
        return error_response(HTTPStatus.FORBIDDEN, "forbidden", str(error))

    @app.exception_handler(PreconditionRequired)
    def _no_version(error: PreconditionRequired) -> Response:
        return error_response(
            HTTPStatus.PRECONDITION_REQUIRED,
            "precondition_required",
            "Send the ETag you read in If-Match, so that no one else's change is overwritten.",
        )

    @app.exception_handler(PreconditionFailed)
    def _stale(error: PreconditionFailed) -> Response:
        response = error_response(
            HTTPStatus.PRECONDITION_FAILED,
            "precondition_failed",
            "Someone else changed this since you read it; read it again to see their change.",
        )
        response.headers["ETag"] = etag(error.current_version)
        return response

    @app.exception_handler(KeyReused)
    def _key_reused(error: KeyReused) -> Response:
        field = FieldError(
            field=IDEMPOTENCY_HEADER.lower(),  # as a malformed header is named by validation
            message="This key was sent before with a different body; use a new key for a new request.",
            type="idempotency_key_reused",
        )
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "The Idempotency-Key was reused.",
            [field],
        )

    @app.exception_handler(StillFiling)
    def _still_filing(error: StillFiling) -> Response:
        return error_response(
            HTTPStatus.CONFLICT,
            "in_progress",
            "The first request with this Idempotency-Key is still being handled; try again in a moment.",
        )

    @app.exception_handler(LinkInvalid)
    def _bad_link(error: LinkInvalid) -> Response:
        return error_response(HTTPStatus.NOT_FOUND, "not_found", "This link is not valid.")

    @app.exception_handler(LinkExpired)
    def _old_link(error: LinkExpired) -> Response:
        return error_response(HTTPStatus.GONE, "expired", "This link has expired.")

    @app.not_found
    def _no_route(_: NotFoundError) -> Response:
        return error_response(HTTPStatus.NOT_FOUND, "no_route", "No such path.")


def etag(version: int) -> str:
    """A request's version as its strong ETag."""
    return f'"{version}"'


def version_from(if_match: str | None) -> int:
    """The version an `If-Match` header names (`"3"`, `W/"3"` or `3`); PreconditionRequired if none."""
    text = (if_match or "").strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise PreconditionRequired("If-Match with the request's ETag is required")
    return int(text)


def error_responses(*statuses: HTTPStatus | tuple[HTTPStatus, str]) -> dict[int, OpenAPIResponse]:
    """OpenAPI `responses` for these error answers, each in the `ErrorBody` shape.

    A status alone takes its usual description; `(status, "description")` says what it means here.
    """
    documented: dict[int, OpenAPIResponse] = {}
    for entry in statuses:
        status, description = entry if isinstance(entry, tuple) else (entry, _DESCRIPTIONS[entry])
        documented[status.value] = {"description": description, "content": {JSON: {"model": ErrorBody}}}
    return documented


JSON_BODY_ERRORS = error_responses(
    HTTPStatus.BAD_REQUEST,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    HTTPStatus.UNPROCESSABLE_ENTITY,
)
"""What any route that reads a JSON body may answer besides its own statuses."""


def is_json(content_type: str | None) -> bool:
    """`application/json`, with at most a UTF-8 charset (RFC 8259: JSON on the wire is UTF-8)."""
    media_type, *parameters = (content_type or "").split(";")
    if media_type.strip().lower() != JSON:
        return False
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "charset" or value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


def front_door(event: Mapping[str, Any], max_body_bytes: int | None) -> dict[str, Any]:
    """An API Gateway v2 event checked before anything parses its body: the refusal, or the event.

    A body over `max_body_bytes` is 413; one not declared JSON is 415; one that is not UTF-8 text
    (JSON on the wire is UTF-8, RFC 8259) is 400. An event that passes carries its body as text with
    `Content-Type: application/json`, as Powertools reads it (it refuses `Application/JSON`, and
    fails on a base64 body that is not UTF-8). A refusal is a proxy answer: it has a `statusCode`.
    """
    text = event.get("body")
    if not text:
        return dict(event)
    try:
        raw = base64.b64decode(text, validate=True) if event.get("isBase64Encoded") else text.encode()
    except (binascii.Error, ValueError):  # bad base64, or a lone surrogate that cannot be encoded
        raw = None
    if max_body_bytes is not None and len(raw if raw is not None else text) > max_body_bytes:
        return _refusal(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"The body is larger than {max_body_bytes} bytes."
        )
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    if not is_json(headers.get("content-type")):
        return _refusal(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Send the body as JSON (Content-Type: application/json)."
        )
    try:
        body = raw.decode() if raw is not None else None
    except UnicodeDecodeError:
        body = None
    if body is None:
        return _refusal(HTTPStatus.BAD_REQUEST, "The body is not UTF-8 text.")
    return {**event, "body": body, "isBase64Encoded": False, "headers": {**headers, "content-type": JSON}}


class JsonApi(APIGatewayHttpResolver):
    """A Powertools HTTP API that reads JSON bodies only and answers every error as `ErrorBody`.

    Bodies pass `front_door` before Powertools sees them: Powertools would read form and multipart
    bodies, which any web page can make a visitor's browser send without a CORS preflight
    (cross-site filing). A new API is built like this, and the rules come with it:

        app = JsonApi(max_body_bytes=lambda: settings().max_body_bytes)
        app.configure_openapi(title=..., version=..., summary=...)

        @app.post("/things", responses={201: ..., **JSON_BODY_ERRORS})
        def create(body: Annotated[ThingIn, Body()]) -> Response[ThingOut]: ...

    Request validation is on, and the domain errors are mapped by `register_error_handlers`.
    """

    def __init__(self, max_body_bytes: Callable[[], int] | None = None) -> None:
        super().__init__(enable_validation=True)
        self.max_body_bytes = max_body_bytes  # read per request: settings load lazily, after import
        register_error_handlers(self)

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        admitted = front_door(event, self.max_body_bytes() if self.max_body_bytes else None)
        return admitted if "statusCode" in admitted else super().resolve(admitted, context)


_REFUSALS = {
    HTTPStatus.BAD_REQUEST: "invalid_json",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "body_too_large",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
}


def _refusal(status: HTTPStatus, message: str) -> dict[str, Any]:
    """An error in API Gateway v2's proxy shape, for answers given before the resolver runs."""
    return {
        "statusCode": status.value,
        "headers": {"Content-Type": JSON, "Cache-Control": "no-store"},
        "body": ErrorBody(error=_REFUSALS[status], message=message).model_dump_json(),
        "isBase64Encoded": False,
    }


IDEMPOTENCY_HEADER = "Idempotency-Key"
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$",  # a UUID, a ULID, any client's random token
        description="Optional: one fresh random key (a UUID) per submission. Sent again with the same "
        "body within 24 hours, the request is not filed twice: the answer names the request the first "
        "attempt filed. The same key with a different body is refused (422, `idempotency_key_reused`); "
        "while the first attempt is still running the answer is 409 (`in_progress`).",
        examples=["5f0c2a1e-8d4b-4c7e-9a51-2f3d6b7c8e90"],
    ),
]
"""The `Idempotency-Key` header of a route that files a request (`civicdesk.requests.idempotency`)."""
