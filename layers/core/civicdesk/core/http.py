"""HTTP error answers shared by every API handler: one JSON shape, mapped in one place.

Every error body is `{"error": <machine code>, "message": <text>, "fields": [...]}`, where each
field entry names a bad input (`description`, `location.lat`, `contact.phone`) and says why.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header
from pydantic import BaseModel, Field

from civicdesk.core.errors import (
    ConflictingUpdate,
    Forbidden,
    InvalidInput,
    KeyReused,
    PreconditionFailed,
    PreconditionRequired,
    RequestNotFound,
    StillFiling,
)

_LOCATIONS = ("body", "path", "query", "header")


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
        fields = [FieldError(field=f, message=m, type="unknown_value") for f, m in error.fields.items()]
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


def too_large(limit: int) -> dict[str, Any]:
    """A 413 in API Gateway v2's proxy shape, answered before the body is parsed at all."""
    body = ErrorBody(error="body_too_large", message=f"The body is larger than {limit} bytes.")
    return {
        "statusCode": HTTPStatus.REQUEST_ENTITY_TOO_LARGE.value,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(body.model_dump()),
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
