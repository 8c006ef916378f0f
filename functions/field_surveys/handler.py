"""Field surveys (`/staff/field-surveys...`): supervisors define them, field teams answer them on a
phone, analysts read the results (JSON or CSV) beside the requests filed in the same neighbourhoods.

Behind the HTTP API's staff JWT authorizer like every staff route; `civicdesk.staff.policy` says who
may do what (`define_surveys`, `answer_surveys`, `survey_results`). Thin: Powertools validates,
`civicdesk.fieldsurveys.service.FieldSurveys` does the work. Answers are free text at times: nothing of
them is logged.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from civicdesk import runtime
from civicdesk.core.clock import utc_now
from civicdesk.core.http import JsonApi, error_response, error_responses, version_from
from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.fieldsurveys import contracts as c
from civicdesk.fieldsurveys.beside import request_figures
from civicdesk.fieldsurveys.model import Definition
from civicdesk.fieldsurveys.repository import FieldSurveyRepository
from civicdesk.fieldsurveys.service import FieldSurveys, SurveyNotFound, results_csv
from civicdesk.reports.store import StatsStore
from civicdesk.staff.routes import NO_STORE, SECURITY, SECURITY_SCHEMES, answers, member, ok

MAX_BODY_BYTES = 131_072
"""A survey of 50 questions with tr/en texts and choices fits; an answer is far smaller."""


@cache
def service() -> FieldSurveys:
    table = runtime.table()
    profile = runtime.profile()
    return FieldSurveys(
        FieldSurveyRepository(table),
        runtime.catalogue,
        profile,
        utc_now,
        request_figures(StatsStore(table), profile, utc_now),
    )


app = JsonApi(max_body_bytes=lambda: MAX_BODY_BYTES)
app.configure_openapi(
    title="Civic Desk API",
    version="1.0.0",
    summary="Field surveys: defined by supervisors, answered by field teams, read beside the requests.",
    security_schemes=SECURITY_SCHEMES,
)


@app.exception_handler(SurveyNotFound)
def _no_survey(_: SurveyNotFound) -> Response[Any]:
    return error_response(HTTPStatus.NOT_FOUND, "not_found", "No field survey (or version) with this id.")


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


SurveyId = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="the survey's id")]
Version = Annotated[int | None, Query(ge=1, description="a version (default: the current one)")]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="the ETag (version) you edited")]
NOT_FOUND = error_responses((HTTPStatus.NOT_FOUND, "No field survey (or version) with this id"))


@app.get(
    "/staff/field-surveys",
    summary="The field surveys a member may see (a field member: their team's)",
    tags=["field surveys"],
    security=SECURITY,
    responses=answers("Current versions, running ones first"),
)
def list_surveys() -> Response[c.SurveysOut]:
    return ok(service().visible(member(app)))


@app.post(
    "/staff/field-surveys",
    summary="Define a field survey: questions, neighbourhoods, team, period (supervisor, admin)",
    tags=["field surveys"],
    security=SECURITY,
    responses={
        201: {
            "description": "Defined, as version 1",
            "content": {"application/json": {"model": c.SurveyOut}},
        },
        **answers(None, body=True),
    },
)
def define(body: Annotated[Definition, Body()]) -> Response[c.SurveyOut]:
    staff = member(app)
    survey = service().define(staff, body)
    logger.info("field survey defined", extra={"survey": survey.id, "questions": len(body.questions)})
    return ok(service().view(staff, survey, survey.version), HTTPStatus.CREATED, survey.version)


@app.get(
    "/staff/field-surveys/<survey_id>",
    summary="One field survey: the current version, or an older one (old answers keep their version)",
    tags=["field surveys"],
    security=SECURITY,
    responses={**answers("The survey; its ETag is the version to send in If-Match"), **NOT_FOUND},
)
def get_survey(survey_id: SurveyId, version: Version = None) -> Response[c.SurveyOut]:
    found = service().get(member(app), survey_id, version)
    return ok(found, version=found.current_version)


@app.put(
    "/staff/field-surveys/<survey_id>",
    summary="Edit a field survey: a new version (answers given so far keep theirs)",
    tags=["field surveys"],
    security=SECURITY,
    responses={
        **answers(
            "The new version", HTTPStatus.PRECONDITION_FAILED, HTTPStatus.PRECONDITION_REQUIRED, body=True
        ),
        **NOT_FOUND,
    },
)
def revise(
    survey_id: SurveyId, body: Annotated[Definition, Body()], if_match: IfMatch = None
) -> Response[c.SurveyOut]:
    staff = member(app)
    survey = service().revise(staff, survey_id, version_from(if_match), body)
    logger.info("field survey revised", extra={"survey": survey_id, "version": survey.version})
    return ok(service().view(staff, survey, survey.version), version=survey.version)


@app.post(
    "/staff/field-surveys/<survey_id>/answers",
    summary="Send one answer; sending the same id again is safe and never counts twice",
    tags=["field surveys"],
    security=SECURITY,
    responses={
        201: {"description": "Recorded and counted", "content": {"application/json": {"model": c.AnswerOut}}},
        **answers("Already recorded (a resend): not counted again", HTTPStatus.CONFLICT, body=True),
        **NOT_FOUND,
    },
)
def post_answer(survey_id: SurveyId, body: Annotated[c.AnswerIn, Body()]) -> Response[c.AnswerOut]:
    recorded = service().answer(member(app), survey_id, body)
    metrics.add_metric(
        name="FieldAnswersResent" if recorded.duplicate else "FieldAnswers", unit=MetricUnit.Count, value=1
    )
    logger.info("field answer", extra={"survey": survey_id, "duplicate": recorded.duplicate})
    return ok(recorded, HTTPStatus.OK if recorded.duplicate else HTTPStatus.CREATED)


@app.get(
    "/staff/field-surveys/<survey_id>/results",
    summary="Results per neighbourhood and question (counts, shares, averages) beside the requests there",
    tags=["field surveys"],
    security=SECURITY,
    responses={
        200: {
            "description": "The results (JSON), or the same as CSV with `format=csv`",
            "content": {
                "application/json": {"model": c.ResultsOut},
                "text/csv": {
                    "schema": {"type": "string", "description": "one row per place, question, choice"}
                },
            },
        },
        **answers(None),
        **NOT_FOUND,
    },
)
def get_results(
    survey_id: SurveyId,
    version: Version = None,
    fmt: Annotated[Format, Query(alias="format", description="json (default) or csv")] = Format.JSON,
) -> Response[Any]:  # the JSON's model is declared above: the CSV is text
    results = service().results(member(app), survey_id, version)
    if fmt is Format.CSV:
        filename = f"field-survey-{survey_id}-v{results.version}.csv"
        headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{filename}"'}
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=results_csv(results),
            headers=headers,
        )
    return ok(results)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
