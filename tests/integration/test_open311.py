"""Open311 GeoReport v2 through the real handler and the template's table: every endpoint in JSON and
XML against the specification's field lists, errors, date windows, API keys, and privacy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as Xml

import pytest

from civicdesk.core.dynamo import Table
from civicdesk.open311.keys import KeyRepository, Operation
from civicdesk.requests.repository import RequestRepository
from civicdesk.staff import workflow
from civicdesk.staff.identity import Role, Staff
from tests.integration.conftest import LambdaContext, citizen_key_secret, http_event
from tests.support import SHIPPED

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}  # fmt: skip
UPDATE_FIELDS = {"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"}
EXTENDED = {
    "OPEN", "IN_PROGRESS", "ACTION_SCHEDULED", "INVESTIGATING", "FIXED", "DUPLICATE",
    "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION", "INTERNAL_REFERRAL", "FOR_TRIAGE", "CLOSED",
    "CANCELLED", "REOPEN",
}  # fmt: skip
BASE = "/open311/v2"
POINT = {"lat": "38.46612345", "long": "27.21998765"}
CITIZEN = {
    "first_name": "Zeynep",
    "last_name": "Kayaoğlu",
    "phone": "0532 111 22 33",
    "email": "z.k@example.com",
}
SUPERVISOR = Staff(user_id="sup-1", username="s@civicdesk.local", roles=frozenset({Role.SUPERVISOR}))


@dataclass
class Answer:
    status: int
    content_type: str
    text: str

    @property
    def json(self) -> Any:
        assert self.content_type.startswith("application/json"), self.content_type
        return json.loads(self.text)

    @property
    def xml(self) -> Xml.Element:
        assert self.content_type.startswith("application/xml"), self.content_type
        assert self.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
        return Xml.fromstring(self.text)  # noqa: S314 - our own answer, in a test


@dataclass
class Open311:
    handler: ModuleType
    table: str

    def call(self, method: str, path: str, query: dict[str, str] | None = None, form: Any = None,
             content_type: str = "application/x-www-form-urlencoded") -> Answer:  # fmt: skip
        body = urlencode(form) if isinstance(form, dict) else form
        event = http_event(method, path, body, {"content-type": content_type})
        if query:
            event["rawQueryString"] = urlencode(query)
            event["queryStringParameters"] = query
        answer = self.handler.lambda_handler(event, LambdaContext(function_name="open311"))
        return Answer(answer["statusCode"], answer["headers"]["Content-Type"], answer.get("body") or "")

    def key(self, *operations: Operation, rate: int = 100) -> str:
        key, _ = KeyRepository(Table(self.table)).issue("FixMyStreet İzmir", operations, rate, "admin:test")
        return key

    def file(self, key: str, fmt: str = "json", **fields: str) -> Answer:
        form = {"api_key": key, "service_code": "road_sidewalk", **POINT, **fields}
        return self.call("POST", f"{BASE}/requests.{fmt}", form=form)


@pytest.fixture
def open311(table_name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Open311]:
    from civicdesk import runtime
    from functions.open311 import handler

    monkeypatch.setenv("TABLE_NAME", table_name)
    monkeypatch.setenv("CATALOG_CACHE_SECONDS", "0")
    monkeypatch.setenv("CITIZEN_KEY_SECRET_ID", citizen_key_secret())

    def fresh() -> None:
        runtime.reset()
        for cached in (handler.settings, handler.open311, handler.keys):
            cached.cache_clear()

    fresh()
    yield Open311(handler, table_name)
    fresh()


def _fields(element: Xml.Element) -> set[str]:
    return {child.tag for child in element}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_and_services_list_the_catalogue_as_the_specification_says(
    open311: Open311, fmt: str
) -> None:
    # When a client reads the discovery document and the services
    discovery = open311.call("GET", f"{BASE}/discovery.{fmt}")
    services = open311.call("GET", f"{BASE}/services.{fmt}")
    # Then both answer in the format asked for, with the specification's fields only
    assert discovery.status == services.status == 200
    if fmt == "json":
        endpoint = discovery.json["endpoints"][0]
        listed = services.json
        assert all(set(s) == SERVICE_FIELDS for s in listed)
        codes = {s["service_code"] for s in listed}
        assert {s["type"] for s in listed} == {"realtime"}
        assert {s["metadata"] for s in listed} == {False}
    else:
        root = discovery.xml
        assert root.tag == "discovery"
        endpoint = {e.tag: e.text for e in root.find("endpoints/endpoint")}  # type: ignore[union-attr]
        endpoint["formats"] = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
        assert services.xml.tag == "services"
        assert all(_fields(s) == SERVICE_FIELDS for s in services.xml.findall("service"))
        codes = {s.findtext("service_code") for s in services.xml.findall("service")}
    assert {"specification", "url", "changeset", "type", "formats"} <= set(endpoint)
    assert "application/json" in endpoint["formats"]
    assert "text/xml" in endpoint["formats"]
    # And every active category is a service
    assert codes == {c.code for c in SHIPPED.active_categories()}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_service_definition_and_an_unknown_service(open311: Open311, fmt: str) -> None:
    found = open311.call("GET", f"{BASE}/services/road_sidewalk.{fmt}")
    missing = open311.call("GET", f"{BASE}/services/no_such_thing.{fmt}")
    assert found.status == 200
    assert missing.status == 404
    if fmt == "json":
        assert found.json == {"service_code": "road_sidewalk", "attributes": []}
        assert missing.json == [{"code": 404, "description": "no service 'no_such_thing'"}]
    else:
        assert found.xml.tag == "service_definition"
        assert found.xml.findtext("service_code") == "road_sidewalk"
        assert missing.xml.tag == "errors"
        assert missing.xml.findtext("error/code") == "404"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_filing_needs_a_valid_key_allowed_to_file(open311: Open311, fmt: str) -> None:
    # Given a key that may only follow updates, and one revoked
    follower = open311.key(Operation.UPDATES)
    revoked = open311.key(Operation.FILE)
    KeyRepository(Table(open311.table)).revoke(
        KeyRepository(Table(open311.table)).list()[-1].key_id, "admin:t"
    )
    # When a request is filed without a key, with a wrong one, a revoked one, one not allowed to file
    answers = [open311.file(k, fmt) for k in ("", "not-a-key", revoked, follower)]
    # Then each is refused with 403 and Open311's error list
    assert [a.status for a in answers] == [403] * 4
    for answer in answers:
        codes = (
            [e["code"] for e in answer.json] if fmt == "json" else [e.findtext("code") for e in answer.xml]
        )
        assert codes in ([403], ["403"])


def test_a_filing_is_refused_with_every_problem_at_once(open311: Open311) -> None:
    key = open311.key(Operation.FILE)
    # When a form names an unknown service, no location, and a malformed e-mail
    answer = open311.call(
        "POST",
        f"{BASE}/requests.json",
        form={"api_key": key, "service_code": "no_such", "email": "not-an-address", "lat": "38.4"},
    )
    # Then 400 lists the problems together, each with code 400
    described = " ".join(e["description"] for e in answer.json)
    assert answer.status == 400
    assert len(answer.json) == 3
    assert {e["code"] for e in answer.json} == {400}
    assert "email" in described
    assert "service_code" in described
    assert "long" in described
    # And a form with no location at all says so, beside the unknown service
    answer = open311.call("POST", f"{BASE}/requests.json", form={"api_key": key, "service_code": "no_such"})
    described = " ".join(e["description"] for e in answer.json)
    assert answer.status == 400
    assert len(answer.json) == 2
    assert "service_code" in described
    assert "location" in described
    # And a JSON body is not what the specification sends: refused, in Open311's shape
    answer = open311.call("POST", f"{BASE}/requests.json", form="{}", content_type="application/json")
    assert answer.status == 400
    assert answer.json[0]["code"] == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_filed_request_is_routed_like_any_and_shown_without_personal_data(
    open311: Open311, fmt: str
) -> None:
    # Given a key for a client, and a request filed with the citizen's name, phone and e-mail
    key = open311.key(Operation.FILE)
    answer = open311.file(key, fmt, description="Kaldırımda büyük bir çukur var.", **CITIZEN)
    # Then it is filed: the tracking code and a notice come back
    assert answer.status == 201
    if fmt == "json":
        (created,) = answer.json
        code = created["service_request_id"]
        assert set(created) == {"service_request_id", "service_notice"}
    else:
        assert answer.xml.tag == "service_requests"
        code = answer.xml.findtext("request/service_request_id") or ""
    stored = RequestRepository(Table(open311.table)).get(code.replace("-", ""))
    assert stored is not None
    assert stored.channel.value == "open311"
    assert stored.category == "road_sidewalk"
    assert RequestRepository(Table(open311.table)).get_contact(stored.code) is not None  # kept, for replies
    # When anyone reads it back
    read = open311.call("GET", f"{BASE}/requests/{code}.{fmt}")
    assert read.status == 200
    if fmt == "json":
        (shown,) = read.json
    else:
        assert read.xml.tag == "service_requests"
        shown = {e.tag: e.text for e in read.xml.find("request")}  # type: ignore[union-attr]
    # Then it has the specification's fields only, with no name, phone or e-mail anywhere
    assert set(shown) <= REQUEST_FIELDS
    for secret in ("Zeynep", "Kayaoğlu", "532", "example.com"):
        assert secret not in read.text
    # And the Open311 client's own (personal-data-free) description is shown, coordinates rounded
    assert shown["description"] == "Kaldırımda büyük bir çukur var."
    assert float(shown["lat"]) == 38.466
    assert float(shown["long"]) == 27.22
    assert shown["status"] == "open"
    assert shown["service_code"] == "road_sidewalk"
    assert shown["requested_datetime"].endswith("+03:00")
    assert shown["expected_datetime"].endswith("+03:00")


def test_a_description_holding_personal_data_is_left_out(open311: Open311) -> None:
    key = open311.key(Operation.FILE)
    code = open311.file(key, description="Beni 0532 111 22 33 numarasından arayın, çukur var.").json[0][
        "service_request_id"
    ]
    (shown,) = open311.call("GET", f"{BASE}/requests/{code}.json").json
    assert "description" not in shown
    assert "0532" not in json.dumps(shown)


def test_requests_by_date_window_status_and_ids(open311: Open311) -> None:
    # Given two filed requests, one of them resolved by staff
    key = open311.key(Operation.FILE)
    first = open311.file(key, description="Çukur bir").json[0]["service_request_id"]
    second = open311.file(key, description="Çukur iki").json[0]["service_request_id"]
    _resolve(open311.table, second.replace("-", ""))
    # When a client lists the last 90 days (the default), only open, only closed, and by ids
    every = open311.call("GET", f"{BASE}/requests.json").json
    opened = open311.call("GET", f"{BASE}/requests.json", {"status": "open"}).json
    closed = open311.call("GET", f"{BASE}/requests.xml", {"status": "closed"}).xml
    by_ids = open311.call(
        "GET",
        f"{BASE}/requests.json",
        {"service_request_id": f"{first},{second},XXX-XXX-XXX", "status": "open"},
    ).json
    # Then each answers what it asked for, newest first
    assert [r["service_request_id"] for r in every] == [second, first]
    assert [r["service_request_id"] for r in opened] == [first]
    assert [r.findtext("service_request_id") for r in closed.findall("request")] == [second]
    # And ids override every other filter; the resolved one carries its resolution as status_notes
    assert [r["service_request_id"] for r in by_ids] == [first, second]
    assert by_ids[1]["status"] == "closed"
    assert by_ids[1]["status_notes"] == "Onarıldı."
    # And a window in the past holds nothing
    past = open311.call(
        "GET", f"{BASE}/requests.json", {"start_date": "2025-01-01", "end_date": "2025-02-01"}
    )
    assert past.status == 200
    assert past.json == []
    # And an unknown request is 404
    assert open311.call("GET", f"{BASE}/requests/XXX-XXX-XXX.json").status == 404


@pytest.mark.parametrize(
    ("query", "problems"),
    [
        ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, 1),  # more than 90 days
        ({"start_date": "2026-06-01", "end_date": "2026-05-01"}, 1),  # backwards
        ({"start_date": "2026-13-01T00:00"}, 1),  # no 13th month
        ({"start_date": "yesterday", "end_date": "not-a-date", "status": "pending"}, 3),
        ({"jurisdiction_id": "elsewhere"}, 1),
    ],
)
def test_a_bad_window_or_filter_is_400_with_each_problem(
    open311: Open311, query: dict[str, str], problems: int
) -> None:
    for fmt in ("json", "xml"):
        answer = open311.call("GET", f"{BASE}/requests.{fmt}", query)
        assert answer.status == 400
        listed = answer.json if fmt == "json" else answer.xml.findall("error")
        assert len(listed) == problems, answer.text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_updates_follow_status_changes_in_the_extended_vocabulary(open311: Open311, fmt: str) -> None:
    # Given a request filed and resolved
    key = open311.key(Operation.FILE, Operation.UPDATES)
    code = open311.file(key).json[0]["service_request_id"]
    _resolve(open311.table, code.replace("-", ""))
    # When a partner with an `updates` key asks what changed today; and one without a key
    today = datetime.now(UTC).date().isoformat()
    answer = open311.call("GET", f"{BASE}/servicerequestupdates.{fmt}", {"api_key": key, "start_date": today})
    refused = open311.call("GET", f"{BASE}/servicerequestupdates.{fmt}", {"start_date": today})
    # Then it reads the routing and the resolution, oldest first, in the specification's fields
    assert answer.status == 200
    assert refused.status == 403
    if fmt == "json":
        updates = answer.json
    else:
        assert answer.xml.tag == "service_request_updates"
        updates = [{e.tag: e.text for e in u} for u in answer.xml.findall("request_update")]
    mine = [u for u in updates if u["service_request_id"] == code]
    assert [u["status"] for u in mine] == ["ACTION_SCHEDULED", "FIXED"]
    assert all(set(u) <= UPDATE_FIELDS and u["status"] in EXTENDED and u["description"] for u in mine)
    assert len({u["update_id"] for u in mine}) == 2
    # And no staff text reaches an update (the timeline index holds none)
    assert "Onarıldı" not in answer.text


def test_a_key_is_held_to_its_rate_limit(open311: Open311) -> None:
    # Given a key allowed two calls a minute, and three filings within one minute (the clock is pinned:
    # on a loaded machine three filings can straddle a minute's boundary and fall in two windows)
    key = open311.key(Operation.FILE, rate=2)
    minute = datetime.now(UTC).replace(second=30)
    open311.handler.keys().clock = lambda: minute
    # When the partner files three times / Then the third is refused until the next minute
    answers = [open311.file(key).status for _ in range(3)]
    assert answers == [201, 201, 429]
    open311.handler.keys().clock = lambda: minute + timedelta(minutes=1)
    assert open311.file(key).status == 201


def test_lists_read_only_the_window_s_days_from_the_created_index(open311: Open311) -> None:
    # Given a request filed now
    key = open311.key(Operation.FILE)
    open311.file(key)
    # When the last 90 days are listed through the service
    listing = open311.handler.open311().search()
    # Then one Query per day of the window was made, and only the filed request was read
    assert listing.queries == 91
    assert listing.read == 1


def _resolve(table: str, code: str) -> None:
    """Staff route it by hand and resolve it, through the staff workflow."""
    requests = RequestRepository(Table(table))
    request = requests.get(code)
    assert request is not None
    now = datetime.now(UTC)
    routed = workflow.apply(
        requests,
        request,
        workflow.classify(request, "road_sidewalk", None, SUPERVISOR, now, SHIPPED),
        request.version,
    )
    change = workflow.StatusChange(status=workflow.Status.RESOLVED, text="Onarıldı.")
    later = now + timedelta(milliseconds=5)
    workflow.apply(
        requests, routed, workflow.change_status(routed, change, SUPERVISOR, later, SHIPPED), routed.version
    )


def test_open311_keys_are_issued_listed_and_revoked_by_an_admin_only(open311: Open311) -> None:
    from functions.open311_keys import handler as admin_api

    admin_api.keys.cache_clear()

    def as_member(groups: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        event = http_event(method, path, json.dumps(body) if body is not None else None)
        event["requestContext"]["authorizer"] = {"jwt": {"claims": {"sub": "u-1", "cognito:groups": groups}}}
        answer = admin_api.lambda_handler(event, LambdaContext(function_name="open311_keys"))
        return answer["statusCode"], json.loads(answer.get("body") or "null")

    new = {"client": "FixMyStreet İzmir", "operations": ["file"], "rate_per_minute": 30}
    # When a supervisor tries to issue a key / Then it is refused: keys are the admins'
    assert as_member("[supervisor]", "POST", "/staff/open311/keys", new)[0] == 403
    # When an admin issues one
    status, issued = as_member("[admin]", "POST", "/staff/open311/keys", new)
    assert status == 201
    # Then the key is shown once, and the table holds only its hash
    key = issued["api_key"]
    items = Table(open311.table).query_all(
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "OPEN311#KEYS"}}
    )
    assert key not in json.dumps(items)
    status, listed = as_member("[admin]", "GET", "/staff/open311/keys")
    assert status == 200
    assert [k["key_id"] for k in listed["keys"]] == [issued["key_id"]]
    assert "api_key" not in listed["keys"][0]
    # And the key files; once revoked, it no longer does
    assert open311.file(key).status == 201
    status, revoked = as_member("[admin]", "POST", f"/staff/open311/keys/{issued['key_id']}/revoke")
    assert status == 200
    assert revoked["revoked_at"]
    assert open311.file(key).status == 403
    assert as_member("[admin]", "POST", "/staff/open311/keys/0123456789abcdef/revoke")[0] == 404
