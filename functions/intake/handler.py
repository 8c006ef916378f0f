"""Citizen intake over the HTTP API: file a request, follow it, read the catalogue, answer the survey.

Thin: Powertools parses and validates, `civicdesk` does the work, `civicdesk.core.http` maps errors.
"""

from __future__ import annotations

import hashlib
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from civicdesk import layout, runtime
from civicdesk.catalogue.model import Catalogue
from civicdesk.core.clock import Clock, utc_now
from civicdesk.core.errors import RequestNotFound
from civicdesk.core.http import JSON_BODY_ERRORS, IdempotencyKey, JsonApi, error_responses
from civicdesk.core.observability import count_filed, logger, metrics, tracer
from civicdesk.core.settings import ApiSettings, load
from civicdesk.profile.model import Profile
from civicdesk.requests import citizens, codes, intake
from civicdesk.requests import contracts as public_api
from civicdesk.requests.models import Channel
from civicdesk.requests.repository import RequestRepository
from civicdesk.surveys import contracts as survey_api
from civicdesk.surveys import tokens
from civicdesk.surveys.model import Result, Via
from civicdesk.surveys.service import Surveys

CATALOG_MAX_AGE = 300
"""Seconds a browser may reuse `GET /catalog`; the catalogue changes rarely and the ETag revalidates."""


@cache
def settings() -> ApiSettings:
    return load(ApiSettings)


app = JsonApi(max_body_bytes=lambda: settings().max_body_bytes)
app.configure_openapi(
    title="Civic Desk API",
    version="1.0.0",
    summary="File and follow citizen requests, complaints and suggestions.",
)


def get_requests() -> RequestRepository:
    return runtime.requests()


def get_catalogue() -> Catalogue:
    return runtime.catalogue()


def get_profile() -> Profile:
    return runtime.profile()


clock: Clock = utc_now
"""The survey routes' clock (tokens expire, reopen windows close): tests move it."""


def get_surveys() -> Surveys:
    return Surveys(runtime.requests(), runtime.profile(), runtime.catalogue, clock=lambda: clock())


Token = Annotated[
    str, Path(description="the one-time token of the survey link", min_length=10, max_length=100)
]
SURVEY_ERRORS = error_responses(
    (HTTPStatus.NOT_FOUND, "Not a link we sent"), (HTTPStatus.GONE, "The link has expired")
)


@app.post(
    "/requests",
    summary="File a request, complaint or suggestion",
    tags=["citizen"],
    responses={
        201: {"description": "Filed", "content": {"application/json": {"model": public_api.RequestAccepted}}},
        **JSON_BODY_ERRORS,
        **error_responses((HTTPStatus.CONFLICT, "The first attempt with this key is still running")),
    },
)
def create_request(
    body: Annotated[public_api.NewRequestIn, Body()],
    requests: Annotated[RequestRepository, Depends(get_requests)],
    catalogue: Annotated[Catalogue, Depends(get_catalogue)],
    profile: Annotated[Profile, Depends(get_profile)],
    idempotency_key: IdempotencyKey = None,
) -> Response[public_api.RequestAccepted]:
    if body.location:
        body.location.require_inside(profile.bounds)
    new = intake.NewRequest(
        description=body.description,
        channel=Channel.WEB,
        kind=body.kind,
        category=body.category,
        neighbourhood=body.neighbourhood,
        location=body.location.to_domain() if body.location else None,
        contact=body.contact.to_domain() if body.contact else None,
        language=body.language,
        citizen=citizens.link(body.contact.phone if body.contact else None, runtime.citizen_key),
    )
    request = runtime.filing_once(layout.INTAKE_IDEMPOTENCY_PK).file(
        idempotency_key,
        body.model_dump(mode="json"),
        lambda: intake.file_request(new, catalogue=catalogue, requests=requests),
        requests=requests,
        context=app.lambda_context,
    )
    logger.info("request filed", extra={"code": request.code, "category": request.category, "channel": "web"})
    count_filed("web")
    return Response(
        status_code=HTTPStatus.CREATED.value,
        content_type="application/json",
        body=public_api.accepted(request),
        headers={"Cache-Control": "no-store"},
    )


@app.get(
    "/requests/<code>",
    summary="Follow a request by its tracking code",
    tags=["citizen"],
    responses={
        200: {
            "description": "What anyone holding the code may see",
            "content": {"application/json": {"model": public_api.PublicRequest}},
        },
        **error_responses((HTTPStatus.NOT_FOUND, "Unknown code"), HTTPStatus.UNPROCESSABLE_ENTITY),
    },
)
def get_request(
    code: Annotated[
        str, Path(description="tracking code, with or without dashes", min_length=1, max_length=32)
    ],
    requests: Annotated[RequestRepository, Depends(get_requests)],
    catalogue: Annotated[Catalogue, Depends(get_catalogue)],
) -> Response[public_api.PublicRequest]:
    canonical = codes.normalize(code)
    found = intake.public_status(canonical, requests=requests) if canonical else None
    if found is None:
        raise RequestNotFound(code)
    return Response(
        status_code=HTTPStatus.OK.value,
        content_type="application/json",
        body=public_api.public_view(*found, catalogue),
        headers={"Cache-Control": "no-store"},
    )


@app.get(
    "/catalog",
    summary="Categories, kinds and neighbourhoods to offer in a form",
    tags=["citizen"],
    responses={
        200: {
            "description": "The catalogue",
            "content": {"application/json": {"model": public_api.CatalogueOut}},
        },
        304: {"description": "Not modified since the ETag given in If-None-Match", "content": {}},
    },
)
def get_catalog(catalogue: Annotated[Catalogue, Depends(get_catalogue)]) -> Response[str]:
    body = public_api.catalogue_view(catalogue).model_dump_json()
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    headers = {"Cache-Control": f"public, max-age={CATALOG_MAX_AGE}", "ETag": etag}
    if app.current_event.headers.get("if-none-match") == etag:
        return Response(status_code=HTTPStatus.NOT_MODIFIED.value, headers=headers, body="")
    return Response(
        status_code=HTTPStatus.OK.value, content_type="application/json", body=body, headers=headers
    )


@app.get(
    "/surveys/<token>",
    summary="The survey a resolution invites to: the request's code, status, and what may be done",
    tags=["survey"],
    responses={
        200: {"description": "The survey", "content": {"application/json": {"model": survey_api.SurveyView}}},
        **SURVEY_ERRORS,
        **error_responses(HTTPStatus.UNPROCESSABLE_ENTITY),
    },
)
def get_survey(
    token: Token,
    service: Annotated[Surveys, Depends(get_surveys)],
    catalogue: Annotated[Catalogue, Depends(get_catalogue)],
) -> Response[survey_api.SurveyView]:
    now = service.clock()
    claims = tokens.read(runtime.citizen_key(), token, now)
    read = service.read(claims.code)
    return _no_store(survey_api.view(read.request, read.situation, catalogue, now), HTTPStatus.OK)


@app.post(
    "/surveys/<token>",
    summary="Answer the survey (once): solved or not, satisfaction 1-5, a comment; “no” may reopen it",
    tags=["survey"],
    responses={
        201: {"description": "Kept", "content": {"application/json": {"model": survey_api.SurveyAnswered}}},
        **SURVEY_ERRORS,
        **JSON_BODY_ERRORS,
        **error_responses((HTTPStatus.CONFLICT, "Already answered (a link is good for one answer)")),
    },
)
def answer_survey(
    token: Token,
    body: Annotated[survey_api.SurveyAnswerIn, Body()],
    service: Annotated[Surveys, Depends(get_surveys)],
) -> Response[survey_api.SurveyAnswered]:
    claims = tokens.read(runtime.citizen_key(), token, service.clock())
    result = service.answer(claims.code, body.to_domain(), Via.WEB)
    request = service.requests.get(claims.code)
    if request is None:
        raise RequestNotFound(claims.code)
    logger.info("survey answered", extra={"code": claims.code, "result": result.value, "via": "web"})
    metrics.add_metric(name="SurveysAnswered", unit=MetricUnit.Count, value=1)
    if result is Result.REOPENED:
        metrics.add_metric(name="RequestsReopened", unit=MetricUnit.Count, value=1)
    return _no_store(survey_api.answered(result, request), HTTPStatus.CREATED)


@app.post(
    "/surveys/<token>/follow-up",
    summary="After the reopen window: file a new request linked to the resolved one (once)",
    tags=["survey"],
    responses={
        201: {"description": "Filed", "content": {"application/json": {"model": public_api.RequestAccepted}}},
        **SURVEY_ERRORS,
        **JSON_BODY_ERRORS,
        **error_responses((HTTPStatus.CONFLICT, "Not resolved, or it can still be reopened")),
    },
)
def follow_up(
    token: Token,
    body: Annotated[survey_api.FollowUpIn, Body()],
    service: Annotated[Surveys, Depends(get_surveys)],
) -> Response[public_api.RequestAccepted]:
    claims = tokens.read(runtime.citizen_key(), token, service.clock())
    request = service.follow_up(claims.code, body.description, codes.new_code)
    logger.info("follow-up filed", extra={"code": request.code, "follows": claims.code, "channel": "web"})
    return _no_store(public_api.accepted(request), HTTPStatus.CREATED)


def _no_store(body: Any, status: HTTPStatus) -> Response[Any]:
    return Response(
        status_code=status.value,
        content_type="application/json",
        body=body,
        headers={"Cache-Control": "no-store"},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
