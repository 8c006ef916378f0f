"""The reports API (`GET /staff/reports/...`): what the district asks for, where, through which
channel, and how fast it is answered, for any period on the municipality's calendar.

Behind the HTTP API's JWT authorizer like every staff route; `civicdesk.staff.policy` says whose
figures a member reads (supervisor, admin, analyst: all; a department member: their own). The
figures are read from the counters alone (`civicdesk.reports`), never from requests: no personal
data can reach an answer. Thin: Powertools validates, `ReportsService` does the work.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from civicdesk import runtime
from civicdesk.core.clock import utc_now
from civicdesk.core.errors import Forbidden
from civicdesk.core.http import JsonApi, error_responses
from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.reports import contracts as c
from civicdesk.reports.periods import Granularity, Period
from civicdesk.reports.service import ReportsService, period_of
from civicdesk.reports.store import StatsStore
from civicdesk.staff.identity import Staff, from_claims

SECURITY: list[dict[str, list[str]]] = [{"staffToken": []}]
CACHE = {"Cache-Control": "private, max-age=60"}  # counters move by the minute; no personal data

app = JsonApi()
app.configure_openapi(
    title="Civic Desk API",
    version="1.0.0",
    summary="Needs analysis: requests by period, channel, category and neighbourhood; the 48-hour promise.",
    security_schemes={
        "staffToken": HTTPBearer(
            description="An ID token of the staff user pool (Cognito); `GET /staff/config.json` says where "
            "to sign in.",
            bearerFormat="JWT",
        )
    },
)


@cache
def service() -> ReportsService:
    return ReportsService(StatsStore(runtime.table()), runtime.catalogue, runtime.profile(), utc_now)


def staff() -> Staff:
    """The member the authorizer vouched for; a route reached without claims is refused."""
    claims = app.current_event.request_context.authorizer.jwt_claim or {}
    if not claims.get("sub"):
        raise Forbidden("No staff identity in the request.")
    return from_claims(claims)


_ANSWERS = error_responses(
    (HTTPStatus.UNAUTHORIZED, "No valid staff token"),
    (HTTPStatus.FORBIDDEN, "Your role may not read these reports"),
    HTTPStatus.UNPROCESSABLE_ENTITY,
)
From = Annotated[
    date | None,
    Query(alias="from", description="first day, YYYY-MM-DD, on the municipality's calendar (default: 1st)"),
]
To = Annotated[date | None, Query(alias="to", description="last day, included (default: today)")]
Department = Annotated[
    str | None, Query(max_length=64, description="one department's figures (a department member: their own)")
]


def _period(first: date | None, last: date | None) -> Period:
    return period_of(first, last, service().today())


def _ok(body: BaseModel, report: str) -> Response[Any]:
    store = service().store
    metrics.add_metric(name="ReportItemsRead", unit=MetricUnit.Count, value=store.reads.items)
    logger.info("report", extra={"report": report, "items": store.reads.items, "calls": store.reads.calls})
    store.reads.items = store.reads.calls = 0
    return Response(status_code=200, content_type="application/json", body=body, headers=dict(CACHE))


@app.get(
    "/staff/reports/summary",
    summary="Totals of a period by channel, category, neighbourhood and department; the 48-hour promise",
    tags=["reports"],
    security=SECURITY,
    responses={
        200: {"description": "The period's figures (requests filed in it, as they stand now)"},
        **_ANSWERS,
    },
)
def get_summary(first: From = None, last: To = None, department: Department = None) -> Response[c.Summary]:
    return _ok(service().summary(staff(), _period(first, last), department), "summary")


@app.get(
    "/staff/reports/series",
    summary="Requests per day, week or month, by channel, against the period before and a year before",
    tags=["reports"],
    security=SECURITY,
    responses={200: {"description": "One point per day, ISO week or month of the period"}, **_ANSWERS},
)
def get_series(
    first: From = None,
    last: To = None,
    granularity: Annotated[Granularity, Query()] = Granularity.DAY,
    department: Department = None,
) -> Response[c.Series]:
    return _ok(service().series(staff(), _period(first, last), granularity, department), "series")


@app.get(
    "/staff/reports/places",
    summary="Top categories and neighbourhoods, and which problem where (per 1 000 residents where known)",
    tags=["reports"],
    security=SECURITY,
    responses={200: {"description": "Rankings and the category x neighbourhood table"}, **_ANSWERS},
)
def get_places(first: From = None, last: To = None, department: Department = None) -> Response[c.Places]:
    return _ok(service().places(staff(), _period(first, last), department), "places")


@app.get(
    "/staff/reports/promise",
    summary="The 48-hour promise by department and category; time to first response and to resolution",
    tags=["reports"],
    security=SECURITY,
    responses={200: {"description": "Compliance, medians and 90th percentiles"}, **_ANSWERS},
)
def get_promise(first: From = None, last: To = None, department: Department = None) -> Response[c.Promise]:
    return _ok(service().promise(staff(), _period(first, last), department), "promise")


@app.get(
    "/staff/reports/routing",
    summary="The triage share, and how the classifier's routings fared against staff decisions",
    tags=["reports"],
    security=SECURITY,
    responses={
        200: {"description": "Routing sources, triage reasons, corrections by confidence and model"},
        **_ANSWERS,
    },
)
def get_routing(first: From = None, last: To = None, department: Department = None) -> Response[c.Routing]:
    return _ok(service().routing(staff(), _period(first, last), department), "routing")


@app.get(
    "/staff/reports/satisfaction",
    summary="Satisfaction survey answers (solved, scores) and reopen rates by department, category, place",
    tags=["reports"],
    security=SECURITY,
    responses={200: {"description": "Answers, share solved, average score and reopen rate"}, **_ANSWERS},
)
def get_satisfaction(
    first: From = None, last: To = None, department: Department = None
) -> Response[c.SatisfactionReport]:
    return _ok(service().satisfaction(staff(), _period(first, last), department), "satisfaction")


@app.get(
    "/staff/reports/backlog",
    summary="Open requests now, by department and age",
    tags=["reports"],
    security=SECURITY,
    responses={200: {"description": "The open backlog by department, in age groups"}, **_ANSWERS},
)
def get_backlog(department: Department = None) -> Response[c.Backlog]:
    return _ok(service().backlog(staff(), department), "backlog")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
