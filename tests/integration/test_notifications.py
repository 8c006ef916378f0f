"""Citizens told at every stage, through the whole wiring the template defines (moto, in-process):
intake or staff write -> stream -> dispatcher -> bus -> rule -> the notifier's queue -> the notifier
-> SMS (SNS) / e-mail (SES) / WhatsApp, each message recorded on the timeline, exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from civicdesk.requests import codes

from .conftest import Cloud, LambdaContext, http_event
from .test_router import settle

REGION = "eu-central-1"


def sms_sent() -> list[dict[str, Any]]:
    from moto.sns.models import sns_backends

    messages = sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()
    return [{"to": number, "text": text} for number, text in messages]


def mail_sent() -> list[Any]:
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


@pytest.fixture
def daytime(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The notifier's clock at noon in Istanbul (outside quiet hours), whatever the machine's time."""
    from datetime import UTC

    from functions.notifier import handler

    handler.notifier.cache_clear()
    monkeypatch.setattr(handler.Notifier, "clock", lambda self: datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    yield
    handler.notifier.cache_clear()


def staff_call(
    cloud: Cloud, method: str, path: str, body: Any = None, etag: str | None = None
) -> dict[str, Any]:
    event = http_event(method, path, json.dumps(body) if body is not None else None, {"if-match": etag or ""})
    event["requestContext"]["authorizer"] = {
        "jwt": {"claims": {"sub": "sup-1", "email": "s@civicdesk.local", "cognito:groups": "[supervisor]"}}
    }
    answer = cloud.emulated.handler("StaffHandler")(event, LambdaContext(function_name="staff"))
    return {
        "status": answer["statusCode"],
        "body": json.loads(answer.get("body") or "null"),
        "etag": answer.get("headers", {}).get("ETag"),
    }


def test_a_web_citizen_who_left_a_phone_hears_each_stage_by_sms_once(cloud: Cloud, daytime: None) -> None:
    # Given a web request with a phone number, routed by the router
    filed = cloud.call(
        "POST",
        "/requests",
        {"description": "Sokakta yaralı bir köpek var, kanıyor", "contact": {"phone": "0532 555 66 77"}},
    )
    assert filed.status == 201
    code = codes.normalize(filed.body["code"])
    settle(cloud)
    # When the department answers and resolves it
    read = staff_call(cloud, "GET", f"/staff/requests/{code}")
    replied = staff_call(
        cloud, "POST", f"/staff/requests/{code}/replies", {"text": "Ekibimiz yolda."}, read["etag"]
    )
    staff_call(
        cloud,
        "POST",
        f"/staff/requests/{code}/status",
        {"status": "resolved", "text": "Tedavi edildi."},
        replied["etag"],
    )
    settle(cloud)
    # Then the citizen got exactly one SMS per stage, in order, each with the code and the link
    texts = [m["text"] for m in sms_sent() if m["to"] == "+905325556677"]
    shown = codes.display(code)
    assert len(texts) == 4, "\n".join(texts)
    assert [
        "alındı" in texts[0],
        "iletildi" in texts[1],
        "Ekibimiz yolda." in texts[2],
        "Tedavi edildi." in texts[3],
    ] == [True] * 4
    assert all(shown in t and f"?code={shown}" in t for t in texts)
    # And each is on the timeline as an internal notification entry, without the number
    items = boto3.client("dynamodb").query(
        TableName=cloud.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"REQ#{code}"}},
    )["Items"]
    sent = [i for i in items if i.get("type", {}).get("S") == "notification_sent"]
    assert len(sent) == 4
    assert "5556677" not in json.dumps(sent)


def test_a_redelivered_event_sends_nothing_more(cloud: Cloud, daytime: None) -> None:
    # Given a request whose acknowledgement was sent
    filed = cloud.call(
        "POST",
        "/requests",
        {"description": "Çöpler günlerdir alınmadı", "contact": {"phone": "0532 555 00 11"}},
    )
    settle(cloud)
    before = [m for m in sms_sent() if m["to"] == "+905325550011"]
    # When the same event is delivered to the notifier again (a retried batch, a re-drive)
    from functions.notifier import handler

    code = codes.normalize(filed.body["code"])
    items = boto3.client("dynamodb").query(
        TableName=cloud.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"REQ#{code}"}},
    )["Items"]
    received = next(i for i in items if i.get("type", {}).get("S") == "received")
    event = {
        "detail-type": "RequestReceived",
        "detail": {
            "code": code,
            "entry_type": "received",
            "at": received["at"]["S"],
            "status": "received",
            "facts": {},
        },
    }
    record = {
        "messageId": "m1",
        "body": json.dumps(event),
        "attributes": {"ApproximateReceiveCount": "1"},
        "eventSource": "aws:sqs",
    }
    handler.lambda_handler({"Records": [record]}, LambdaContext(function_name="notifier"))
    # Then no second message went out
    assert [m for m in sms_sent() if m["to"] == "+905325550011"] == before
    assert len(before) >= 1


def test_a_citizen_without_contact_details_gets_nothing_pushed(cloud: Cloud, daytime: None) -> None:
    sms, mails = len(sms_sent()), len(mail_sent())
    cloud.call("POST", "/requests", {"description": "Parktaki salıncak kırık, tehlikeli"})
    settle(cloud)
    assert (len(sms_sent()), len(mail_sent())) == (sms, mails)


def test_an_email_is_sent_from_the_verified_identity_when_one_was_given(cloud: Cloud, daytime: None) -> None:
    cloud.call(
        "POST",
        "/requests",
        {"description": "Sokak lambası yanmıyor, çok karanlık", "contact": {"email": "a@b.org"}},
    )
    settle(cloud)
    mails = [m for m in mail_sent() if "a@b.org" in json.dumps(m.destinations)]
    assert mails
    assert "Bornova Belediyesi" in mails[0].subject
