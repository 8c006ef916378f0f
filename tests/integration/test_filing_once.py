"""A request is filed once, however often it is sent: the client's Idempotency-Key on the API, and a
ClientRequestToken on the transaction botocore resends when a response is lost."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto.core.botocore_stubber import MockRawResponse

from civicdesk import layout
from civicdesk.core.dynamo import Table
from civicdesk.requests import intake
from civicdesk.requests.models import Channel
from civicdesk.requests.repository import RequestRepository
from tests.support import SHIPPED

from .conftest import HttpAnswer, LambdaContext, citizen_key_secret, http_event

Call = Callable[..., HttpAnswer]
KEY = "5f0c2a1e-8d4b-4c7e-9a51-2f3d6b7c8e90"
BODY = {"description": "Parkın önünde yaralı bir köpek yatıyor, yürüyemiyor.", "neighbourhood": "ataturk"}


def requests_in(table_name: str) -> list[str]:
    """The codes of every request item in the pool (a test table holds a handful of items)."""
    items = boto3.client("dynamodb").scan(TableName=table_name)["Items"]
    return sorted(i["code"]["S"] for i in items if i["sk"]["S"] == layout.REQUEST_SK)


# --- Idempotency-Key on POST /requests ---------------------------------------------------------


def test_a_citizen_who_sends_again_with_the_same_key_gets_the_same_code(call: Call, table_name: str) -> None:
    # Given a request filed with an Idempotency-Key, whose answer the citizen never saw (a timeout)
    first = call("POST", "/requests", BODY, headers={"idempotency-key": KEY})
    assert first.status == 201, first.body
    # When the page sends the same form again with the same key
    again = call("POST", "/requests", BODY, headers={"idempotency-key": KEY})
    # Then the answer names the same request, and only one was filed
    assert again.status == 201, again.body
    assert again.body["code"] == first.body["code"]
    assert requests_in(table_name) == [first.body["code"].replace("-", "")]


def test_without_a_key_every_post_files_a_request(call: Call, table_name: str) -> None:
    # Given no key (a client that does not send one) / When the same body is sent twice
    codes = {call("POST", "/requests", BODY).body["code"] for _ in range(2)}
    # Then that is two requests, as before
    assert len(codes) == 2
    assert len(requests_in(table_name)) == 2


def test_a_key_sent_again_with_another_body_is_refused_and_files_nothing(call: Call, table_name: str) -> None:
    # Given a key already used for one request
    first = call("POST", "/requests", BODY, headers={"idempotency-key": KEY})
    # When a client reuses it for a different request
    other = {**BODY, "description": "Sokak lambası üç gündür yanmıyor, çok karanlık."}
    answer = call("POST", "/requests", other, headers={"idempotency-key": KEY})
    # Then it is told so in our JSON error shape, and nothing more is filed
    assert answer.status == 422, answer.body
    assert answer.body["error"] == "idempotency_key_reused"
    assert answer.body["fields"] == [
        {
            "field": "idempotency-key",
            "message": answer.body["fields"][0]["message"],
            "type": "idempotency_key_reused",
        }
    ]
    assert requests_in(table_name) == [first.body["code"].replace("-", "")]


def test_a_malformed_key_is_a_validation_error_naming_the_header(call: Call, table_name: str) -> None:
    answer = call("POST", "/requests", BODY, headers={"idempotency-key": "short"})
    assert answer.status == 422, answer.body
    assert [f["field"] for f in answer.body["fields"]] == ["idempotency-key"]
    assert requests_in(table_name) == []


def test_the_key_record_holds_no_personal_data(call: Call, table_name: str) -> None:
    # Given a request with contact details filed with a key
    body = {**BODY, "contact": {"name": "Zeynep Kayaoğlu", "phone": "0532 111 22 33"}}
    code = call("POST", "/requests", body, headers={"idempotency-key": KEY}).body["code"]
    # When we read the key's record
    records = boto3.client("dynamodb").query(
        TableName=table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": layout.INTAKE_IDEMPOTENCY_PK}},
    )["Items"]
    # Then it sits in intake's own partition, keeps the code, and the body only as a hash
    assert len(records) == 1
    text = json.dumps(records, ensure_ascii=False)
    assert code.replace("-", "") in text
    assert "Zeynep" not in text
    assert "5321112233" not in text
    assert "köpek" not in text


# --- Idempotency-Key on POST /staff/requests ---------------------------------------------------


@pytest.fixture
def staff_call(table_name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., HttpAnswer]]:
    """The staff handler, called as the HTTP API calls it once the JWT authorizer let a member in."""
    from civicdesk import runtime
    from functions.staff import handler

    monkeypatch.setenv("TABLE_NAME", table_name)
    monkeypatch.setenv("MEDIA_BUCKET", "media")
    monkeypatch.setenv("CITIZEN_KEY_SECRET_ID", citizen_key_secret())
    runtime.reset()
    handler.settings.cache_clear()
    handler.service.cache_clear()

    def _call(user: str, body: Any, key: str | None = None) -> HttpAnswer:
        event = http_event(
            "POST", "/staff/requests", json.dumps(body), {"idempotency-key": key} if key else None
        )
        claims = {"sub": user, "cognito:username": user, "cognito:groups": "[agent]"}
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        answer = handler.lambda_handler(event, LambdaContext())
        return HttpAnswer(status=answer["statusCode"], body=json.loads(answer["body"]))

    yield _call
    runtime.reset()
    handler.settings.cache_clear()
    handler.service.cache_clear()


STAFF_BODY = {
    "description": "Arayan vatandaş: parkta yaralı bir köpek var.",
    "channel": "call_center",
    "contact": {"phone": "0532 400 10 20"},
}


def test_an_agent_who_presses_send_twice_files_one_request(staff_call: Any, table_name: str) -> None:
    first = staff_call("ayse", STAFF_BODY, KEY)
    again = staff_call("ayse", STAFF_BODY, KEY)
    assert (first.status, again.status) == (201, 201), (first.body, again.body)
    assert again.body["code"] == first.body["code"]
    assert len(requests_in(table_name)) == 1


def test_one_members_key_never_answers_for_another(staff_call: Any, table_name: str) -> None:
    # Given two agents whose clients happen to send the same key
    mine = staff_call("ayse", STAFF_BODY, KEY)
    theirs = staff_call("mehmet", STAFF_BODY, KEY)
    # Then each files their own request
    assert (mine.status, theirs.status) == (201, 201), (mine.body, theirs.body)
    assert mine.body["code"] != theirs.body["code"]
    assert len(requests_in(table_name)) == 2


# --- ClientRequestToken: a lost response, resent by botocore ----------------------------------


def lossy_dynamodb() -> Any:
    """A DynamoDB client whose first TransactWriteItems response is lost after the write happened.

    botocore then resends the very same request (its retry), as it does after a dropped connection.
    DynamoDB answers a ClientRequestToken it has seen within 10 minutes with the first outcome and does
    not run the transaction again; moto ignores the token, so that one documented behaviour is played
    here, before moto sees the resend.
    """
    client = boto3.client("dynamodb")
    succeeded: set[str] = set()
    lost: list[bool] = []

    def token(request_body: Any) -> str | None:
        body = request_body.decode() if isinstance(request_body, bytes) else request_body
        return json.loads(body or "{}").get("ClientRequestToken")

    def lose_first_response(response: Any, attempts: int, request_dict: Any, **_: Any) -> int | None:
        if not lost and response is not None and response[0].status_code == 200:
            lost.append(True)
            if (sent := token(request_dict["body"])) is not None:
                succeeded.add(sent)
            return 0  # retry at once, as after a connection that dropped before the answer came
        return None

    def answer_a_seen_token(request: Any, **_: Any) -> AWSResponse | None:
        if token(request.body) in succeeded:
            return AWSResponse(request.url, 200, {}, MockRawResponse(b"{}"))
        return None

    client.meta.events.register_first("needs-retry.dynamodb.TransactWriteItems", lose_first_response)
    client.meta.events.register_first("before-send.dynamodb.TransactWriteItems", answer_a_seen_token)
    return client


def test_a_filing_whose_response_was_lost_is_written_once(table_name: str) -> None:
    # (A guard: botocore itself fills in a token when none is given, so this held before the token was
    # written explicitly; it fails if a resend ever goes out without the first call's token.)
    # Given the table's answer to the filing transaction is lost and botocore resends it
    requests = RequestRepository(Table(table_name, lossy_dynamodb()))
    new = intake.NewRequest(description=BODY["description"], channel=Channel.WEB)
    # When a request is filed
    filed = intake.file_request(new, catalogue=SHIPPED, requests=requests)
    # Then exactly one request is in the pool, under the code the citizen is told
    assert requests_in(table_name) == [filed.code]
