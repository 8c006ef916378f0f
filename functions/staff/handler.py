"""The staff API (`/staff/...`): queues, the request workflow, caller lookup, templates.

Every route sits behind the HTTP API's JWT authorizer (the user pool's ID tokens); the claims name
the member's roles and departments, and `civicdesk.staff.policy` decides on every call. Thin:
Powertools parses and validates, `civicdesk.staff.service` does the work, `civicdesk.core.http` maps
errors. Responses carry no-store: they hold citizens' words.
"""

from __future__ import annotations

from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from civicdesk import layout, runtime
from civicdesk.core.errors import InvalidInput, RequestNotFound
from civicdesk.core.http import IdempotencyKey, JsonApi, version_from
from civicdesk.core.observability import count_filed, logger, metrics, tracer
from civicdesk.core.settings import ApiSettings, load
from civicdesk.core.validation import PhoneNumber, Timestamp
from civicdesk.requests.models import Channel, Status
from civicdesk.routing import live
from civicdesk.staff import contracts as c
from civicdesk.staff import policy
from civicdesk.staff.identity import Staff
from civicdesk.staff.media import PhotoLinks
from civicdesk.staff.queue import Filters, Order, QueueReader
from civicdesk.staff.repository import StaffRepository
from civicdesk.staff.routes import SECURITY, SECURITY_SCHEMES, answers, member, ok
from civicdesk.staff.service import StaffService


class StaffSettings(ApiSettings):
    media_bucket: str = Field(min_length=1, description="where citizens' photos are kept")


@cache
def settings() -> StaffSettings:
    return load(StaffSettings)


app = JsonApi(max_body_bytes=lambda: settings().max_body_bytes)
app.configure_openapi(
    title="Civic Desk API",
    version="1.0.0",
    summary="The staff API: queues, the request workflow, caller lookup, templates.",
    security_schemes=SECURITY_SCHEMES,
)


@cache
def service() -> StaffService:
    table = runtime.table()
    return StaffService(
        requests=runtime.requests(),
        staff_items=StaffRepository(table),
        queues=QueueReader(table),
        catalogue=runtime.catalogue,
        citizen_key=runtime.citizen_key,
        duplicates=runtime.profile().duplicates,
        institutions=runtime.profile().institutions,
    )


@cache
def photos() -> PhotoLinks:
    return PhotoLinks(settings().media_bucket)


def staff() -> Staff:
    return member(app)


IfMatch = Annotated[str | None, Header(alias="If-Match", description="the ETag you read")]
Code = Annotated[str, Path(description="tracking code, with or without dashes", max_length=32)]


def _code(code: str) -> str:
    try:
        return c.canonical_code(code)
    except ValueError as error:
        raise RequestNotFound(code) from error


@app.get(
    "/staff/me",
    summary="Who I am",
    tags=["staff"],
    security=SECURITY,
    responses=answers("You: your roles and departments, and the institutions you may refer requests to"),
)
def get_me() -> Response[c.MeOut]:
    return ok(c.me(staff(), runtime.profile().institutions))


@app.post(
    "/staff/requests",
    summary="File a request for a citizen (phone, desk, field, social media, e-mail)",
    tags=["staff"],
    security=SECURITY,
    responses={
        201: {
            "description": "Filed: read out the code",
            "content": {"application/json": {"model": c.Created}},
        },
        **answers(None, HTTPStatus.CONFLICT, body=True),
    },
)
def file_request(
    body: Annotated[c.StaffNewRequestIn, Body()], idempotency_key: IdempotencyKey = None
) -> Response[c.Created]:
    member = staff()
    if body.location:
        body.location.require_inside(runtime.profile().bounds)
    request = runtime.filing_once(layout.STAFF_IDEMPOTENCY_PK).file(
        idempotency_key,
        body.model_dump(mode="json"),
        lambda: service().file(member, body.to_domain()),
        requests=runtime.requests(),
        scope=member.user_id,  # one member's key never answers for another's
        context=app.lambda_context,
    )
    logger.info("request filed by staff", extra={"code": request.code, "channel": request.channel.value})
    count_filed(request.channel.value)
    return ok(c.created(request), HTTPStatus.CREATED, request.version)


@app.get(
    "/staff/requests",
    summary="A queue: newest or most urgent first, filtered, a page at a time",
    description="Served from indexes: status, order, date range and `due_before` select what is read; "
    "category, neighbourhood, channel and `q` narrow it. Without `department`, a department member gets "
    "their own departments; `overdue=true` lists missed deadlines, `transfer_asked=true` asked transfers.",
    tags=["staff"],
    security=SECURITY,
    responses=answers("A page of the queue, and the cursor to the next"),
)
def list_requests(
    department: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[Status | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    neighbourhood: Annotated[str | None, Query(max_length=64)] = None,
    channel: Annotated[Channel | None, Query()] = None,
    overdue: Annotated[bool, Query()] = False,
    transfer_asked: Annotated[bool, Query()] = False,
    due_before: Annotated[Timestamp | None, Query()] = None,
    created_from: Annotated[Timestamp | None, Query(alias="from")] = None,
    created_to: Annotated[Timestamp | None, Query(alias="to")] = None,
    q: Annotated[
        str | None, Query(min_length=2, max_length=100, description="a tracking code or words")
    ] = None,
    sort: Annotated[Order, Query()] = Order.NEWEST,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
) -> Response[c.QueueOut]:
    member = staff()
    code = c.codes.normalize(q) if q else None
    if code is not None:  # a code: the one request, if the member may see it
        found = service().requests.get(code)
        visible = found is not None and _may_read(member, found.department)
        items = [c.queue_item(found, service().clock())] if found is not None and visible else []
        return ok(c.QueueOut(items=items, next_cursor=None))
    filters = Filters(
        departments=frozenset({department}) if department else None,
        status=status,
        category=category,
        neighbourhood=neighbourhood,
        channel=channel,
        overdue=overdue,
        transfer_asked=transfer_asked,
        due_before=due_before,
        created_from=created_from,
        created_to=created_to,
        text=q,
        order=sort,
    )
    page = service().queue(member, filters, limit, cursor)
    now = service().clock()
    metrics.add_metric(name="QueueItemsRead", unit=MetricUnit.Count, value=page.read)
    return ok(c.QueueOut(items=[c.queue_item(r, now) for r in page.requests], next_cursor=page.next_cursor))


def _may_read(member: Staff, department: str | None) -> bool:
    return policy.covers(member, policy.Action.READ, department)


@app.post(
    "/staff/suggestions",
    summary="The classifier's guess for a text: the category suggested while an agent types, and the "
    "triage queue's guess and why (nothing is stored)",
    tags=["staff"],
    security=SECURITY,
    responses=answers("The guess: category, how sure, the keywords seen", body=True),
)
def suggest(body: Annotated[c.SuggestIn, Body()]) -> Response[c.SuggestionOut]:
    return ok(c.suggestion(service().suggest(staff(), body.text, live.classifier())))


@app.get(
    "/staff/requests/<code>",
    summary="The whole request: description, location, photos, timeline with notes, clocks",
    tags=["staff"],
    security=SECURITY,
    responses={
        200: {"description": "The request; its ETag is the version to send back in If-Match"},
        **answers(None, HTTPStatus.NOT_FOUND),
    },
)
def get_request(code: Code) -> Response[c.StaffRequest]:
    snapshot = service().read(staff(), _code(code))
    body = c.staff_request(snapshot.request, snapshot.entries, snapshot.links, photos().url, snapshot.likely)
    return ok(body, version=snapshot.request.version)


@app.get(
    "/staff/requests/<code>/contact",
    summary="The citizen's contact details (audited: who, when, which request, why)",
    tags=["staff"],
    security=SECURITY,
    responses=answers("The citizen's contact details", HTTPStatus.NOT_FOUND),
)
def get_contact(
    code: Code,
    reason: Annotated[str, Query(min_length=3, max_length=200, description="why you need them")],
) -> Response[c.ContactOut]:
    member = staff()
    found = service().contact(member, _code(code), reason)
    logger.info("contact read", extra={"code": _code(code), "actor": member.actor})
    return ok(c.contact(found))


@app.get(
    "/staff/citizens/requests",
    summary="One caller's requests from every channel, by phone number (audited)",
    tags=["staff"],
    security=SECURITY,
    responses=answers("The caller's requests, newest first"),
)
def caller_requests(
    phone: Annotated[PhoneNumber, Query(description="the caller's number, as typed (read as E.164)")],
    reason: Annotated[str, Query(min_length=3, max_length=200)] = "incoming call",
) -> Response[c.CallerOut]:
    member = staff()
    found = service().caller(member, phone, reason)
    now = service().clock()
    return ok(c.CallerOut(requests=[c.queue_item(r, now) for r in found]))


def _changed(request: Any) -> Response[c.Created]:
    return ok(c.created(request), version=request.version)


@app.post(
    "/staff/requests/<code>/replies",
    summary="A public reply: on the timeline and sent to the citizen; the first stops the 48-hour clock",
    tags=["staff"],
    security=SECURITY,
    responses=answers(
        "Done: the request's new version is in the ETag",
        HTTPStatus.NOT_FOUND,
        HTTPStatus.PRECONDITION_FAILED,
        HTTPStatus.PRECONDITION_REQUIRED,
        body=True,
    ),
)
def post_reply(
    code: Code, body: Annotated[c.TextIn, Body()], if_match: IfMatch = None
) -> Response[c.Created]:
    version = version_from(if_match)
    return _changed(service().reply(staff(), _code(code), body.text, version))


@app.post(
    "/staff/requests/<code>/notes",
    summary="An internal note (never shown to the citizen)",
    tags=["staff"],
    security=SECURITY,
    responses=answers(
        "Done: the request's new version is in the ETag",
        HTTPStatus.NOT_FOUND,
        HTTPStatus.PRECONDITION_FAILED,
        HTTPStatus.PRECONDITION_REQUIRED,
        body=True,
    ),
)
def post_note(code: Code, body: Annotated[c.TextIn, Body()], if_match: IfMatch = None) -> Response[c.Created]:
    version = version_from(if_match)
    return _changed(service().note(staff(), _code(code), body.text, version))


@app.post(
    "/staff/requests/<code>/status",
    summary="Change the status: in_progress, resolved (with a text), rejected (with a reason), reopened",
    tags=["staff"],
    security=SECURITY,
    responses=answers(
        "Done: the request's new version is in the ETag",
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.PRECONDITION_FAILED,
        HTTPStatus.PRECONDITION_REQUIRED,
        body=True,
    ),
)
def post_status(
    code: Code, body: Annotated[c.StatusIn, Body()], if_match: IfMatch = None
) -> Response[c.Created]:
    version = version_from(if_match)
    return _changed(service().change_status(staff(), _code(code), body.to_domain(), version))


@app.post(
    "/staff/requests/<code>/transfer",
    summary="Move to another department (a supervisor); a department member asks for it",
    tags=["staff"],
    security=SECURITY,
    responses=answers(
        "Done: the request's new version is in the ETag",
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.PRECONDITION_FAILED,
        HTTPStatus.PRECONDITION_REQUIRED,
        body=True,
    ),
)
def post_transfer(
    code: Code, body: Annotated[c.TransferIn, Body()], if_match: IfMatch = None
) -> Response[c.Created]:
    version = version_from(if_match)
    return _changed(service().transfer(staff(), _code(code), body.department, body.text, version))


@app.post(
    "/staff/requests/<code>/classify",
    summary="Route a triage request by hand (kept as a labelled example for the classifier)",
    tags=["staff"],
    security=SECURITY,
    responses=answers(
        "Done: the request's new version is in the ETag",
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.PRECONDITION_FAILED,
        HTTPStatus.PRECONDITION_REQUIRED,
        body=True,
    ),
)
def post_classify(
    code: Code, body: Annotated[c.ClassifyIn, Body()], if_match: IfMatch = None
) -> Response[c.Created]:
    version = version_from(if_match)
    return _changed(service().classify(staff(), _code(code), body.category, body.neighbourhood, version))


@app.get(
    "/staff/templates",
    summary="Response templates",
    tags=["staff"],
    security=SECURITY,
    responses=answers("The response templates"),
)
def get_templates() -> Response[c.TemplatesOut]:
    return ok(c.TemplatesOut(templates=[c.template(t) for t in service().templates(staff())]))


@app.post(
    "/staff/templates",
    summary="Add a response template (admin)",
    tags=["staff"],
    security=SECURITY,
    responses={
        201: {"description": "Added", "content": {"application/json": {"model": c.TemplateOut}}},
        **answers(None, HTTPStatus.PRECONDITION_FAILED, body=True),
    },
)
def post_template(body: Annotated[c.TemplateIn, Body()]) -> Response[c.TemplateOut]:
    saved = service().save_template(staff(), body.to_domain(), None)
    return ok(c.template(saved), HTTPStatus.CREATED, saved.version)


@app.put(
    "/staff/templates/<template_id>",
    summary="Change a response template (admin; If-Match the version you read)",
    tags=["staff"],
    security=SECURITY,
    responses=answers(
        "Changed: the template's new version is in the ETag",
        HTTPStatus.NOT_FOUND,
        HTTPStatus.PRECONDITION_FAILED,
        HTTPStatus.PRECONDITION_REQUIRED,
        body=True,
    ),
)
def put_template(
    template_id: Annotated[str, Path(max_length=64)],
    body: Annotated[c.TemplateIn, Body()],
    if_match: IfMatch = None,
) -> Response[c.TemplateOut]:
    if body.id != template_id:
        raise InvalidInput({"id": "the body's id must be the path's"})
    saved = service().save_template(staff(), body.to_domain(), version_from(if_match))
    return ok(c.template(saved), version=saved.version)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
