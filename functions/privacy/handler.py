"""KVKK routes for supervisors (`/staff/privacy/...`) and the daily retention job.

Routes sit behind the HTTP API's JWT authorizer like every staff route; the role policy
(`Action.PRIVACY`) admits supervisors. This function alone may delete citizens' data (contact items,
citizen-index entries, dialogue states, photos): the staff API cannot. Thin: `civicdesk.privacy`
does the work; answers carry no-store (an access report is personal data).
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from civicdesk import runtime
from civicdesk.core.http import JsonApi
from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.core.settings import ApiSettings, load
from civicdesk.privacy import contracts as c
from civicdesk.privacy.media import MediaEraser
from civicdesk.privacy.repository import PrivacyRepository
from civicdesk.privacy.service import Privacy
from civicdesk.staff.repository import StaffRepository
from civicdesk.staff.routes import SECURITY, SECURITY_SCHEMES, answers, member, ok


class PrivacySettings(ApiSettings):
    media_bucket: str = Field(min_length=1, description="where citizens' photos are kept")


@cache
def settings() -> PrivacySettings:
    return load(PrivacySettings)


@cache
def privacy() -> Privacy:
    table = runtime.table()
    return Privacy(
        repository=PrivacyRepository(table),
        requests=runtime.requests(),
        audit=StaffRepository(table),
        media=MediaEraser(settings().media_bucket),
        catalogue=runtime.catalogue,
        profile=runtime.profile(),
        citizen_key=runtime.citizen_key,
    )


app = JsonApi(max_body_bytes=lambda: settings().max_body_bytes)
app.configure_openapi(
    title="Civic Desk API",
    version="1.0.0",
    summary="KVKK: erasure and access requests, the destruction log, the access audit.",
    security_schemes=SECURITY_SCHEMES,
)


@app.post(
    "/staff/privacy/erasures",
    summary="Erase everything held about a citizen (KVKK article 11), found by their phone number",
    tags=["privacy"],
    security=SECURITY,
    responses=answers("What was erased, and what is kept until it closes", body=True),
)
def post_erasure(body: Annotated[c.ErasureIn, Body()]) -> Any:
    done = privacy().erase(member(app), body.phone, body.reason, body.reference, keep_open=body.keep_open)
    logger.info("erasure done", extra={"requests": len(done.anonymised), "kept": len(done.kept_until_closed)})
    metrics.add_metric(name="RequestsErased", unit=MetricUnit.Count, value=len(done.anonymised))
    return ok(c.ErasureOut.of(done))


@app.post(
    "/staff/privacy/access-requests",
    summary="Everything held about a citizen, as one document to send them (audited)",
    tags=["privacy"],
    security=SECURITY,
    responses=answers("The document", body=True),
)
def post_access_request(body: Annotated[c.AccessIn, Body()]) -> Any:
    document = privacy().access_report(member(app), body.phone, body.reason, body.reference)
    return ok(c.AccessReport.model_validate(document))


Month = Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="yyyy-mm")]
Day = Annotated[
    str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", description="yyyy-mm-dd")
]


@app.get(
    "/staff/privacy/destructions",
    summary="The destruction log of one month: what kind of data, of which requests, why, by whom",
    tags=["privacy"],
    security=SECURITY,
    responses=answers("The month's records, oldest first"),
)
def get_destructions(month: Month) -> Any:
    return ok(c.Destructions.of(privacy().destructions(member(app), month)))


@app.get(
    "/staff/privacy/audit",
    summary="The access audit of one day: who read whose personal data, when, and why",
    tags=["privacy"],
    security=SECURITY,
    responses=answers("The day's records, oldest first"),
)
def get_audit(day: Day) -> Any:
    return ok(c.AuditLog.of(privacy().access_audit(member(app), day)))


@app.get(
    "/staff/privacy/notice",
    summary="The information notice (aydınlatma metni) to read to a caller, with the real periods",
    tags=["privacy"],
    security=SECURITY,
    responses=answers("The notice, Turkish and English"),
)
def get_notice() -> Any:
    member(app)  # any signed-in member: agents read it out
    return ok(c.notice(runtime.profile()))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def retention_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    """The daily run: anonymise what is past its period; counts become metrics, never data."""
    run = privacy().run().as_dict()
    for name, value in run.items():
        metrics.add_metric(
            name=f"Retention{name.title().replace('_', '')}", unit=MetricUnit.Count, value=value
        )
    logger.info("retention run", extra=run)
    return run
