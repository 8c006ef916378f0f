"""What every HTTP API handler shares: JSON bodies only, and one JSON shape for errors, mapped in one place.

Every error body is `{"error": <machine code>, "message": <text>, "fields": [...]}`, where each
field entry names a bad input (`description`, `location.lat`, `contact.phone`) and says why.
A new API is a `JsonApi` (see there); its routes list their errors with `error_responses`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from civicdesk.core.errors import ConflictingUpdate, InvalidInput, RequestNotFound

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

    @app.not_found
    def _no_route(_: NotFoundError) -> Response:
        return error_response(HTTPStatus.NOT_FOUND, "no_route", "No such path.")


def too_large(limit: int) -> dict[str, Any]:
    """A 413 in API Gateway v2's proxy shape, answered before the body is parsed at all."""
    body = ErrorBody(error="body_too_large", message=f"The body is larger than {limit} bytes.")
    return _proxy_answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, body)


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


def unsupported_media_type(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """A 415 for an API Gateway v2 event whose body is not declared JSON; None when it may go on."""
    if not event.get("body"):
        return None
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    if is_json(headers.get("content-type")):
        return None
    message = "Send the body as JSON (Content-Type: application/json)."
    return _proxy_answer(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE, ErrorBody(error="unsupported_media_type", message=message)
    )


class JsonApi(APIGatewayHttpResolver):
    """A Powertools HTTP API that reads JSON bodies only and answers every error as `ErrorBody`.

    Any other body is refused with 415 before Powertools parses it: Powertools would read form and
    multipart bodies, which any web page can make a visitor's browser send without a CORS preflight
    (cross-site filing). A new API is built like this, and the rule comes with it:

        app = JsonApi()
        app.configure_openapi(title=..., version=..., summary=...)

        @app.post("/things", responses={201: ..., **JSON_BODY_ERRORS})
        def create(body: Annotated[ThingIn, Body()]) -> Response[ThingOut]: ...

    Request validation is on, and the domain errors are mapped by `register_error_handlers`.
    """

    def __init__(self) -> None:
        super().__init__(enable_validation=True)
        register_error_handlers(self)

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        refused = unsupported_media_type(event)
        if refused is not None:
            return refused
        if event.get("body"):  # spelt as Powertools expects it (`Application/JSON` is the same type)
            headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
            event = {**event, "headers": {**headers, "content-type": JSON}}
        return super().resolve(event, context)


def _proxy_answer(status: HTTPStatus, body: ErrorBody) -> dict[str, Any]:
    return {
        "statusCode": status.value,
        "headers": {"Content-Type": JSON, "Cache-Control": "no-store"},
        "body": body.model_dump_json(),
        "isBase64Encoded": False,
    }
