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
    handler.notifier().clock = lambda: datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
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
        "alindi" in texts[0],
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
            "event_id": f"REQ#{code}/{received['sk']['S']}",  # the entry's key, as every delivery names it
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


def test_a_provider_that_keeps_failing_is_retried_then_recorded_and_left_to_the_dead_letter_queue(
    cloud: Cloud, daytime: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
    from botocore.exceptions import ClientError

    from civicdesk.notify.senders import SnsSms
    from functions.notifier import handler

    # Given an SMS provider that refuses everything, and a routed request with a phone
    filed = cloud.call(
        "POST", "/requests", {"description": "Kaldırım taşları kırık", "contact": {"phone": "0532 555 22 33"}}
    )
    settle(cloud)
    code = codes.normalize(filed.body["code"])

    def refuse(self: SnsSms, phone: str, text: str) -> str:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "down"}}, "Publish")

    monkeypatch.setattr(SnsSms, "send", refuse)
    detail = {
        "code": code,
        "entry_type": "status_changed",
        "at": "2026-11-30T10:00:00.000Z",
        "status": "in_progress",
    }
    event = {"detail-type": "StatusChanged", "detail": {**detail, "facts": {}}}

    def deliver(receive_count: int) -> dict[str, Any]:
        attributes = {"ApproximateReceiveCount": str(receive_count)}
        record = {"messageId": f"m{receive_count}", "body": json.dumps(event), "attributes": attributes}
        return dict(handler.lambda_handler({"Records": [record]}, LambdaContext(function_name="notifier")))

    # When the queue delivers it, and later for the last time, each attempt fails the batch (SQS
    # delivers it again after the visibility timeout, then moves it to the dead-letter queue)
    for attempt in (1, handler.settings().max_receives):
        with pytest.raises(BatchProcessingError):
            deliver(attempt)
    # Then nothing was marked as done, and the last attempt left a failed notification for staff
    items = boto3.client("dynamodb").query(
        TableName=cloud.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"REQ#{code}"}},
    )["Items"]
    failed = [i for i in items if i.get("type", {}).get("S") == "notification_failed"]
    assert len(failed) == 1
    assert failed[0]["detail"]["M"]["stage"]["S"] == "in_progress"


def test_a_missed_deadline_reaches_the_supervisors_topic_once(cloud: Cloud, daytime: None) -> None:
    from moto.sns.models import sns_backends

    from functions.notifier import handler

    # Given an overdue flag on a request
    filed = cloud.call("POST", "/requests", {"description": "Çöp konteyneri taşıyor"})
    settle(cloud)
    code = codes.normalize(filed.body["code"])
    facts = {
        "deadline": "first_response",
        "department": "cleaning_services",
        "due_at": "2026-11-30T08:00:00.000Z",
    }
    detail = {"code": code, "entry_type": "overdue", "at": "2026-11-30T09:00:00.000Z", "status": "routed"}
    event = {"detail-type": "RequestOverdue", "detail": {**detail, "facts": facts}}
    record = {"messageId": "o1", "body": json.dumps(event), "attributes": {"ApproximateReceiveCount": "1"}}
    backend = sns_backends[DEFAULT_ACCOUNT_ID][REGION]
    (topic,) = [t for arn, t in backend.topics.items() if "SupervisorAlerts" in arn]
    before = len(topic.sent_notifications)
    # When it is delivered twice
    handler.lambda_handler({"Records": [record]}, LambdaContext(function_name="notifier"))
    handler.lambda_handler({"Records": [record]}, LambdaContext(function_name="notifier"))
    # Then the supervisors heard once, with the code and the department, and nothing of the citizen
    sent = topic.sent_notifications[before:]
    assert len(sent) == 1
    assert codes.display(code) in sent[0][1]
    assert "Temizlik" in sent[0][1]


def test_a_message_held_by_quiet_hours_goes_out_when_they_end_and_only_once(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC

    from functions.notifier import handler

    # Given the notifier's clock at 23:30 in Istanbul, and a routed web request with a phone
    night = datetime(2026, 11, 30, 20, 30, tzinfo=UTC)
    handler.notifier.cache_clear()
    handler.notifier().clock = lambda: night
    filed = cloud.call(
        "POST", "/requests", {"description": "Sokak lambası yanmıyor", "contact": {"phone": "0532 555 77 88"}}
    )
    settle(cloud)
    texts = [m["text"] for m in sms_sent() if m["to"] == "+905325557788"]
    # Then only the acknowledgement went out at night; the routing update waits
    assert len(texts) == 1
    assert "alindi" in texts[0]
    # When the release runs before and after 08:00
    handler.notifier().clock = lambda: datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    assert handler.release_handler({}, LambdaContext(function_name="release"))["released"] == 0
    handler.notifier().clock = lambda: datetime(2026, 12, 1, 5, 5, tzinfo=UTC)
    released = [handler.release_handler({}, LambdaContext(function_name="release")) for _ in range(2)]
    # Then the held update went out once, at the end of the quiet hours
    assert [r["released"] for r in released] == [1, 0]
    texts = [m["text"] for m in sms_sent() if m["to"] == "+905325557788"]
    assert len(texts) == 2
    assert codes.display(codes.normalize(filed.body["code"]) or "") in texts[1]
    handler.notifier.cache_clear()
