"""Open311 GeoReport v2 (`/open311/v2/...`): the standard civic-issue API, in JSON and XML.

Its own front door: `POST requests` is form-encoded, as the specification says (every other route of
Civic Desk takes JSON only), and needs an `api_key`; errors are Open311's list of `{code, description}`
in the format the path asks for. Thin: `civicdesk.open311` decides what is shown and files requests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Form, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, RootModel

from civicdesk import runtime
from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.core.settings import ApiSettings, load
from civicdesk.open311 import contracts as c
from civicdesk.open311.errors import Open311Error, Unknown, one
from civicdesk.open311.keys import KeyRepository, Operation
from civicdesk.open311.service import Open311
from civicdesk.requests import citizens

BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded"


@cache
def settings() -> ApiSettings:
    return load(ApiSettings)


@cache
def open311() -> Open311:
    return Open311(
        requests=runtime.requests(),
        catalogue=runtime.catalogue,
        profile=runtime.profile(),
        citizen=lambda phone: citizens.link(phone, runtime.citizen_key),
        stage=settings().stage,
    )


@cache
def keys() -> KeyRepository:
    return KeyRepository(runtime.table())


class Errors(RootModel[list[c.ErrorOut]]):
    """Open311's error answer: every problem found, each `{code, description}`."""


class Services(RootModel[list[c.Service]]):
    pass


class Requests(RootModel[list[c.RequestOut]]):
    pass


class CreatedList(RootModel[list[c.Created]]):
    pass


class Updates(RootModel[list[c.UpdateOut]]):
    pass


def _format_of(path: str) -> c.Format:
    return c.Format.XML if path.endswith(".xml") else c.Format.JSON


def _errors(status: HTTPStatus, errors: list[tuple[str, str]], fmt: c.Format) -> Response[str]:
    body = [
        c.ErrorOut(code=int(code) if code.isdigit() else status.value, description=d) for code, d in errors
    ]
    return Response(
        status_code=status.value,
        content_type=fmt.content_type,
        body=c.render(body, fmt, c.ErrorOut),
        headers={"Cache-Control": "no-store"},
    )


class Open311Api(APIGatewayHttpResolver):
    """A Powertools HTTP API answering in Open311's shapes; `POST` bodies must be form-encoded."""

    def __init__(self, max_body_bytes: Callable[[], int]) -> None:
        super().__init__(enable_validation=True)
        self.max_body_bytes = max_body_bytes

        @self.exception_handler(Open311Error)
        def _refused(error: Open311Error) -> Response[str]:
            return _errors(error.status, error.errors, _format_of(self.current_event.path))

        @self.exception_handler(RequestValidationError)
        def _invalid(error: RequestValidationError) -> Response[str]:
            problems = [
                (
                    "400",
                    f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg', 'invalid')}",
                )
                for e in error.errors()
            ]
            return _errors(HTTPStatus.BAD_REQUEST, problems, _format_of(self.current_event.path))

        @self.not_found
        def _no_route(_: NotFoundError) -> Response[str]:
            return _errors(
                HTTPStatus.NOT_FOUND, one("404", "no such resource"), _format_of(self.current_event.path)
            )

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        """A POST body over the limit or not a form is refused before anything parses it."""
        method = event.get("requestContext", {}).get("http", {}).get("method", "GET")
        fmt = _format_of(str(event.get("rawPath", "")))
        if method == "POST":
            headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
            body = event.get("body") or ""
            if len(body) > self.max_body_bytes():
                return _proxy(
                    _errors(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, one("413", "the body is too large"), fmt)
                )
            if str(headers.get("content-type", "")).split(";")[0].strip().lower() != FORM:
                return _proxy(_errors(HTTPStatus.BAD_REQUEST, one("400", f"send the body as {FORM}"), fmt))
            event = {**event, "headers": {**headers, "content-type": FORM}}
        return super().resolve(event, context)


def _proxy(response: Response[str]) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": response.headers["Content-Type"], "Cache-Control": "no-store"},
        "body": response.body,
        "isBase64Encoded": False,
    }


app = Open311Api(max_body_bytes=lambda: settings().max_body_bytes)
app.configure_openapi(
    title="Civic Desk API",
    version="1.0.0",
    summary="Open311 GeoReport v2: services, requests and updates, in JSON and XML.",
)

Jurisdiction = Annotated[
    str | None, Query(max_length=64, description="optional; if given, this municipality's profile code")
]
Date = Annotated[
    str | None,
    Query(
        max_length=40,
        pattern=r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$",
        description="ISO 8601; without an offset, the municipality's clock",
    ),
]
ApiKeyParam = Annotated[str | None, Query(alias="api_key", max_length=128, description="your API key")]
FormText = Annotated[str | None, Form(max_length=4000)]


def _answers(fmt: c.Format, ok: type[BaseModel], *errors: HTTPStatus, status: int = 200) -> dict[int, Any]:
    """A route's documented answers: its success and Open311's error list, in the path's format."""

    def content(model: type[BaseModel]) -> dict[str, Any]:
        if fmt is c.Format.XML:
            return {"application/xml": {"schema": {"type": "string"}}}
        return {"application/json": {"model": model}}

    answers: dict[int, Any] = {status: {"description": "OK", "content": content(ok)}}
    for error in (HTTPStatus.BAD_REQUEST, *errors):
        answers[error.value] = {"description": error.phrase, "content": content(Errors)}
    return answers


def _both(ok: type[BaseModel], *errors: HTTPStatus) -> dict[int, Any]:
    """Answers of a path whose last part names the format (`{service_code}.json` or `.xml`)."""
    json, xml = _answers(c.Format.JSON, ok, *errors), _answers(c.Format.XML, ok, *errors)
    return {s: {**a, "content": {**a["content"], **xml[s]["content"]}} for s, a in json.items()}


def _ok(
    answer: Any, fmt: c.Format, model: type[BaseModel], status: HTTPStatus = HTTPStatus.OK
) -> Response[str]:
    return Response(
        status_code=status.value,
        content_type=fmt.content_type,
        body=c.render(answer, fmt, model),
        headers={"Cache-Control": "no-store" if status is HTTPStatus.CREATED else "max-age=60"},
    )


def _split(resource: str) -> tuple[str, c.Format]:
    """`potholes.json` -> ("potholes", json); an unknown suffix is an unknown resource."""
    name, _, suffix = resource.rpartition(".")
    if not name or suffix not in {f.value for f in c.Format}:
        raise Unknown(one("404", "name the format: .json or .xml"))
    return name, c.Format(suffix)


def _routes(fmt: c.Format) -> None:
    """The specification's fixed paths, once per format (`discovery.json`, `discovery.xml`, ...)."""

    @app.get(
        f"{BASE}/discovery.{fmt}",
        summary=f"The endpoint's description ({fmt})",
        tags=["open311"],
        responses=_answers(fmt, c.Discovery),
    )
    def discovery(jurisdiction_id: Jurisdiction = None) -> Response[str]:
        open311().check_jurisdiction(jurisdiction_id)
        url = f"https://{app.current_event.request_context.domain_name}{BASE}"
        return _ok(open311().discovery(url), fmt, c.Discovery)

    @app.get(
        f"{BASE}/services.{fmt}",
        summary=f"The services (our categories) ({fmt})",
        tags=["open311"],
        responses=_answers(fmt, Services),
    )
    def services(jurisdiction_id: Jurisdiction = None) -> Response[str]:
        open311().check_jurisdiction(jurisdiction_id)
        return _ok(open311().services(), fmt, c.Service)

    @app.post(
        f"{BASE}/requests.{fmt}",
        summary=f"File a request (form-encoded, with an api_key) ({fmt})",
        tags=["open311"],
        responses=_answers(fmt, CreatedList, HTTPStatus.FORBIDDEN, HTTPStatus.TOO_MANY_REQUESTS, status=201),
    )
    def file(
        api_key: Annotated[str | None, Form(max_length=128)] = None,
        service_code: Annotated[str | None, Form(max_length=64)] = None,
        lat: Annotated[str | None, Form(max_length=32)] = None,
        long: Annotated[str | None, Form(max_length=32)] = None,
        address_string: Annotated[str | None, Form(max_length=300)] = None,
        description: FormText = None,
        email: Annotated[str | None, Form(max_length=254)] = None,
        phone: Annotated[str | None, Form(max_length=32)] = None,
        first_name: Annotated[str | None, Form(max_length=60)] = None,
        last_name: Annotated[str | None, Form(max_length=60)] = None,
        media_url: Annotated[str | None, Form(max_length=2000)] = None,
        jurisdiction_id: Annotated[str | None, Form(max_length=64)] = None,
    ) -> Response[str]:
        open311().check_jurisdiction(jurisdiction_id)
        key = keys().check(api_key, Operation.FILE)
        form = dict(parse_qsl(app.current_event.decoded_body or "", keep_blank_values=True))
        created = open311().file(key, form)
        logger.info("request filed", extra={"code": created.service_request_id, "channel": "open311"})
        metrics.add_metric(name="RequestsFiled", unit=MetricUnit.Count, value=1)
        return _ok([created], fmt, c.Created, HTTPStatus.CREATED)

    @app.get(
        f"{BASE}/requests.{fmt}",
        summary=f"Requests: by ids, or filed in a window of at most 90 days, newest first ({fmt})",
        tags=["open311"],
        responses=_answers(fmt, Requests),
    )
    def requests(
        jurisdiction_id: Jurisdiction = None,
        service_request_id: Annotated[str | None, Query(max_length=2000)] = None,
        service_code: Annotated[str | None, Query(max_length=64)] = None,
        start_date: Date = None,
        end_date: Date = None,
        status: Annotated[str | None, Query(pattern=r"^(open|closed)(,(open|closed))?$")] = None,
    ) -> Response[str]:
        open311().check_jurisdiction(jurisdiction_id)
        if service_request_id:
            found = open311().by_ids(service_request_id)
        else:
            found = open311().search(start_date, end_date, status, service_code)
        metrics.add_metric(name="Open311ItemsRead", unit=MetricUnit.Count, value=found.read)
        return _ok(found.items, fmt, c.RequestOut)

    @app.get(
        f"{BASE}/servicerequestupdates.{fmt}",
        summary=f"What changed in a window of at most 90 days, oldest first (api_key: `updates`) ({fmt})",
        tags=["open311"],
        responses=_answers(fmt, Updates, HTTPStatus.FORBIDDEN, HTTPStatus.TOO_MANY_REQUESTS),
    )
    def updates(
        api_key: ApiKeyParam = None,
        jurisdiction_id: Jurisdiction = None,
        start_date: Date = None,
        end_date: Date = None,
    ) -> Response[str]:
        open311().check_jurisdiction(jurisdiction_id)
        keys().check(api_key, Operation.UPDATES)
        found = open311().updates(start_date, end_date)
        return _ok(found.items, fmt, c.UpdateOut)


for _fmt in c.Format:
    _routes(_fmt)


@app.get(
    f"{BASE}/services/<service_file>",
    summary="A service's definition: `{service_code}.json` or `.xml`",
    tags=["open311"],
    responses=_both(c.ServiceDefinition, HTTPStatus.NOT_FOUND),
)
def service_definition(
    service_file: Annotated[str, Path(max_length=80)], jurisdiction_id: Jurisdiction = None
) -> Response[str]:
    service_code, fmt = _split(service_file)
    open311().check_jurisdiction(jurisdiction_id)
    return _ok(open311().definition(service_code), fmt, c.ServiceDefinition)


@app.get(
    f"{BASE}/requests/<request_file>",
    summary="One request, as a list of one: `{service_request_id}.json` or `.xml`",
    tags=["open311"],
    responses=_both(Requests, HTTPStatus.NOT_FOUND),
)
def one_request(
    request_file: Annotated[str, Path(max_length=80)], jurisdiction_id: Jurisdiction = None
) -> Response[str]:
    code, fmt = _split(request_file)
    open311().check_jurisdiction(jurisdiction_id)
    return _ok([open311().request(code)], fmt, c.RequestOut)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
