"""Referrals out against the table as the template defines it (moto) and a stand-in for the other
institution's Open311 server on loopback: the real handlers, filing once however often the event comes,
following each update once however often the schedule runs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from civicdesk import layout
from civicdesk.core.dynamo import Table
from civicdesk.open311.referrals import State
from civicdesk.requests.models import Channel, EntryType, Kind, Language, Location, ServiceRequest, Status
from civicdesk.requests.repository import RequestRepository, request_item

from .conftest import LambdaContext

NOW = datetime.now(UTC).replace(microsecond=0)
CODE = "7KPM4YP2T"
MAIL_FROM = "beyazmasa@bornova.example"


@dataclass
class OtherSide:
    """The other institution's Open311 server: files with id 4711, answers the updates it is given."""

    status: int = 201
    filings: list[dict[str, list[str]]] = field(default_factory=list)
    update_queries: list[dict[str, list[str]]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        side = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                side.filings.append(parse_qs(self.rfile.read(length).decode()))
                body = (
                    [{"service_request_id": "4711"}]
                    if side.status < 300
                    else [{"code": 403, "description": "api_key: invalid"}]
                )
                self._answer(side.status, body)

            def do_GET(self) -> None:
                side.update_queries.append(parse_qs(urlsplit(self.path).query))
                self._answer(200, side.updates)

            def _answer(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def other_side() -> Iterator[tuple[OtherSide, str]]:
    side = OtherSide()
    server = ThreadingHTTPServer(("127.0.0.1", 0), side.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield side, f"http://127.0.0.1:{server.server_port}/open311/v2/"
    server.shutdown()


@pytest.fixture
def referrals(
    table_name: str, other_side: tuple[OtherSide, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[ModuleType]:
    """The referral handlers, for this test's table, with our key at `ornek` pointing at the stand-in."""
    from civicdesk import runtime
    from functions.referrals import handler

    _, endpoint = other_side
    secret = boto3.client("secretsmanager").create_secret(
        Name="referral-keys", SecretString=json.dumps({"ornek": {"api_key": "k-ornek", "endpoint": endpoint}})
    )["ARN"]
    boto3.client("sesv2").create_email_identity(EmailIdentity=MAIL_FROM)
    monkeypatch.setenv("TABLE_NAME", table_name)
    monkeypatch.setenv("CATALOG_CACHE_SECONDS", "0")
    monkeypatch.setenv("REFERRAL_SECRET_ID", secret)
    monkeypatch.setenv("MAIL_FROM", MAIL_FROM)
    runtime.reset()
    for cached in (handler.settings, handler._secrets, handler.referrals):
        cached.cache_clear()
    yield handler
    runtime.reset()


def referred(table_name: str, institution: str) -> ServiceRequest:
    """A request staff rejected as not ours, naming `institution`."""
    request = ServiceRequest(
        code=CODE, kind=Kind.REQUEST, channel=Channel.CALL_CENTER, category="road_sidewalk",
        department="technical_works", neighbourhood="erzene", description="Kaldırım çökmüş, 0532 111 22 33",
        location=Location(lat=38.4621, lon=27.2163), language=Language.TR, status=Status.REJECTED,
        created_at=NOW - timedelta(hours=2), updated_at=NOW - timedelta(hours=1),
        due_at=NOW + timedelta(hours=46),
        referred_to=institution,
    )  # fmt: skip
    Table(table_name).put(request_item(request))
    return request


def event(institution: str, message: str = "m1") -> dict[str, Any]:
    body = {
        "detail-type": "StatusChanged",
        "detail": {"event_id": f"REQ#{CODE}/EVT#x", "code": CODE, "entry_type": "status_changed",
                   "at": NOW.isoformat(), "status": "rejected",
                   "facts": {"reason": "not_ours", "institution": institution}},
    }  # fmt: skip
    record = {"messageId": message, "body": json.dumps(body), "attributes": {"ApproximateReceiveCount": "1"},
              "eventSource": "aws:sqs"}  # fmt: skip
    return {"Records": [record]}


def timeline(table_name: str) -> list[dict[str, Any]]:
    found = RequestRepository(Table(table_name)).get_with_timeline(CODE)
    assert found is not None
    return [e.model_dump(mode="json") for e in found[1] if e.type is EntryType.REFERRAL]


def referral(table_name: str) -> dict[str, Any]:
    item = Table(table_name).get(layout.referral_pk(CODE), layout.REFERRAL_SK)
    assert item is not None
    return item


def test_a_referral_is_filed_once_however_often_its_event_arrives(
    referrals: ModuleType, table_name: str, other_side: tuple[OtherSide, str]
) -> None:
    side, _ = other_side
    # Given a request referred to an institution with an Open311 endpoint
    referred(table_name, "ornek")
    # When its event is delivered three times (a redelivery, a re-drive)
    for message in ("m1", "m2", "m3"):
        answer = referrals.lambda_handler(event("ornek", message), LambdaContext(function_name="referrals"))
        assert answer == {"batchItemFailures": []}
    # Then the other side got one filing: our key, their service code, no personal data
    assert len(side.filings) == 1
    (filing,) = side.filings
    assert filing["api_key"] == ["k-ornek"]
    assert filing["service_code"] == ["road_sidewalk"]
    assert not {"email", "phone", "first_name", "last_name"} & set(filing)
    assert "532" not in filing["description"][0]
    # And their id is kept, the referral followed, and one public entry tells the citizen their number
    item = referral(table_name)
    assert (item["state"], item["their_id"]) == (State.FILED.value, "4711")
    followed = Table(table_name).get(layout.followed_pk("ornek"), layout.followed_sk("4711"))
    assert followed is not None
    assert followed["code"] == CODE
    (entry,) = timeline(table_name)
    assert entry["public"] is True
    assert "4711" in entry["text"]


def test_a_refusal_is_kept_with_the_other_sides_words_and_not_retried(
    referrals: ModuleType, table_name: str, other_side: tuple[OtherSide, str]
) -> None:
    side, _ = other_side
    side.status = 403
    # Given a request referred to an institution that refuses our key
    referred(table_name, "ornek")
    # When the event is handled, and delivered again
    for message in ("m1", "m2"):
        referrals.lambda_handler(event("ornek", message), LambdaContext(function_name="referrals"))
    # Then it was tried once, the referral says why it failed, and staff see it on the internal timeline
    assert len(side.filings) == 1
    item = referral(table_name)
    assert item["state"] == State.FAILED.value
    assert "api_key: invalid" in item["error_description"]
    (entry,) = timeline(table_name)
    assert entry["public"] is False
    assert "api_key: invalid" in entry["note"]


def test_an_attempt_that_ended_without_an_outcome_is_never_filed_again(
    referrals: ModuleType, table_name: str, other_side: tuple[OtherSide, str]
) -> None:
    side, _ = other_side
    # Given a referral an earlier attempt claimed, whose lease has passed without an outcome written
    referred(table_name, "ornek")
    from civicdesk.open311.referrals import ReferralRepository

    ReferralRepository(Table(table_name)).claim(CODE, "ornek", NOW - timedelta(hours=1), timedelta(minutes=2))
    # When the event comes again
    referrals.lambda_handler(event("ornek"), LambdaContext(function_name="referrals"))
    # Then nothing is sent: it is marked uncertain for a person to check
    assert side.filings == []
    assert referral(table_name)["state"] == State.UNCERTAIN.value


def test_an_institution_without_open311_gets_the_referral_by_e_mail_once(
    referrals: ModuleType, table_name: str
) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    # Given a request referred to İZSU, which has no Open311 endpoint
    referred(table_name, "izsu")
    # When its event arrives twice
    for message in ("m1", "m2"):
        referrals.lambda_handler(event("izsu", message), LambdaContext(function_name="referrals"))
    # Then one e-mail went to İZSU's address, naming our code, without the citizen's phone
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sent_messages
    mails = [m for m in sent if "basvuru@izsu.example" in json.dumps(m.destinations)]
    assert len(mails) == 1
    assert "7KP" in mails[0].body
    assert "532" not in mails[0].body
    assert referral(table_name)["state"] == State.EMAILED.value


def test_the_other_sides_updates_reach_our_timeline_once_and_following_stops_when_closed(
    referrals: ModuleType, table_name: str, other_side: tuple[OtherSide, str]
) -> None:
    side, _ = other_side
    # Given a filed referral, and the other side's updates (one of another request of theirs)
    referred(table_name, "ornek")
    referrals.lambda_handler(event("ornek"), LambdaContext(function_name="referrals"))
    at = (NOW - timedelta(minutes=2)).astimezone().isoformat(timespec="seconds")
    side.updates = [
        {"update_id": "u1", "service_request_id": "4711", "status": "IN_PROGRESS", "updated_datetime": at,
         "description": "Ekip yönlendirildi"},
        {"update_id": "u9", "service_request_id": "9999", "status": "FIXED", "updated_datetime": at},
    ]  # fmt: skip
    # When the follower runs twice
    for _ in range(2):
        referrals.follow_handler({}, LambdaContext(function_name="follower"))
    # Then the update is on our public timeline once, and the other request's is not
    updates = [e for e in timeline(table_name) if e["detail"]["step"] == "update"]
    assert len(updates) == 1
    assert updates[0]["public"] is True
    assert "Ekip yönlendirildi" in updates[0]["text"]
    assert updates[0]["detail"]["state"] == "open"
    # When it is fixed there, and the follower runs again (twice)
    side.updates.append(
        {"update_id": "u2", "service_request_id": "4711", "status": "FIXED",
         "updated_datetime": (NOW - timedelta(minutes=1)).isoformat(timespec="seconds"),
         "description": "Kaldırım onarıldı"}
    )  # fmt: skip
    for _ in range(2):
        referrals.follow_handler({}, LambdaContext(function_name="follower"))
    # Then the fix is on our timeline once, as closed, and the referral is no longer followed
    updates = [e for e in timeline(table_name) if e["detail"]["step"] == "update"]
    assert [u["detail"]["open311_status"] for u in updates] == ["IN_PROGRESS", "FIXED"]
    assert updates[1]["detail"]["state"] == "closed"
    assert referral(table_name)["state"] == State.CLOSED.value
    assert Table(table_name).get(layout.followed_pk("ornek"), layout.followed_sk("4711")) is None
    # And a run with nothing left to follow asks the other side nothing; each run asked from the last seen
    asked = len(side.update_queries)
    referrals.follow_handler({}, LambdaContext(function_name="follower"))
    assert len(side.update_queries) == asked
    assert all("start_date" in q and "end_date" in q for q in side.update_queries)
    assert all(q["api_key"] == ["k-ornek"] for q in side.update_queries)
