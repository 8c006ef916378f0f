"""Routing, end to end in the emulator: the synthesized state machine with the real handlers.

The definition is the template's `DefinitionString` with tokens resolved to local ARNs — the ASL
that would be deployed — executed by moto's Step Functions interpreter; Lambda tasks call the
handlers in-process through local.lambdas.
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest

from civicdesk.requests import codes
from tests.support import pool

from .conftest import Cloud

CLEAR = "Sokağımızda yaralı bir köpek yatıyor, arka ayağı kanıyor, yürüyemiyor."
UNCLEAR = "Merhaba, dün konuştuğumuz konu hakkında tekrar yazıyorum, lütfen dönüş yapın."


def executions(cloud: Cloud) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions")
    machine = next(iter(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]))
    return sfn.list_executions(stateMachineArn=machine)["executions"]


def settle(cloud: Cloud, timeout: float = 20) -> list[dict[str, Any]]:
    """Wait until every router execution and every stream consumer has finished."""
    sfn = boto3.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        cloud.emulated.settle(timeout)
        described = [sfn.describe_execution(executionArn=e["executionArn"]) for e in executions(cloud)]
        if described and all(d["status"] != "RUNNING" for d in described):
            cloud.emulated.settle(timeout)  # the last entries' events
            return described
        assert time.monotonic() < deadline, f"router still running: {described}"
        time.sleep(0.05)


def file(cloud: Cloud, **body: Any) -> str:
    answer = cloud.call("POST", "/requests", body)
    assert answer.status == 201, answer.body
    return str(codes.normalize(answer.body["code"]))


def timeline(cloud: Cloud, code: str) -> list[dict[str, Any]]:
    return cloud.call("GET", f"/requests/{code}").body["timeline"]


def test_a_classified_request_is_routed_to_the_catalogues_department(cloud: Cloud) -> None:
    # When a citizen describes an injured dog without choosing a category
    code = file(cloud, description=CLEAR)
    # Then the router classifies it and assigns it to the veterinary department
    [execution] = settle(cloud)
    assert execution["status"] == "SUCCEEDED", execution
    request = pool(cloud.table).requests.get(code)
    assert request is not None
    assert (request.status.value, request.category, request.department) == (
        "routed",
        "veterinary",
        "veterinary_affairs",
    )
    # And the deadline tightened to the category's promise, and the citizen sees the step
    assert (request.due_at - request.created_at).total_seconds() == 4 * 3600
    assert [e["status"] for e in timeline(cloud, code)] == ["received", "routed"]
    # And the routing entry names the classifier model that chose the category
    _, entries = pool(cloud.table).requests.get_with_timeline(code) or (None, [])
    assert str(entries[-1].detail.get("model", "")).startswith("bornova-")


def test_a_chosen_category_is_kept(cloud: Cloud) -> None:
    code = file(cloud, description="Köşedeki lamba yanmıyor ama asıl sorun çöpler.", category="lighting")
    settle(cloud)
    request = pool(cloud.table).requests.get(code)
    assert request is not None
    assert (request.category, request.department, request.status.value) == (
        "lighting",
        "technical_works",
        "routed",
    )


def test_an_unclear_request_goes_to_triage_with_the_reason(cloud: Cloud) -> None:
    code = file(cloud, description=UNCLEAR)
    [execution] = settle(cloud)
    assert execution["status"] == "SUCCEEDED"
    request = pool(cloud.table).requests.get(code)
    assert request is not None
    assert request.status.value == "triage"
    assert request.department is None
    assert [e["status"] for e in timeline(cloud, code)] == ["received", "triage"]


def test_a_classifier_crash_ends_in_triage_with_the_error(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the classifier crashes (the learned one, and the keywords a profile without a model uses)
    from civicdesk.routing.classifier import KeywordClassifier
    from civicdesk.routing.learned import LearnedClassifier

    def crash(self: Any, text: str, catalogue: Any) -> Any:
        raise RuntimeError("classifier exploded")

    monkeypatch.setattr(KeywordClassifier, "classify", crash)
    monkeypatch.setattr(LearnedClassifier, "classify", crash)
    # When a request is filed
    code = file(cloud, description=CLEAR)
    # Then the execution still succeeds, through triage, with the error recorded for a supervisor
    [execution] = settle(cloud)
    assert execution["status"] == "SUCCEEDED"
    history = pool(cloud.table).requests.get_with_timeline(code)
    assert history is not None
    request, entries = history
    assert request.status.value == "triage"
    assert entries[-1].detail is not None
    assert entries[-1].detail["reason"] == "step_failed"
    assert "classifier exploded" in entries[-1].detail["cause"]


def test_a_replayed_stream_record_routes_nothing_twice(cloud: Cloud) -> None:
    # Given a request that was routed
    code = file(cloud, description=CLEAR)
    settle(cloud)
    store = pool(cloud.table)
    routed = store.requests.get(code)
    assert routed is not None
    # When the stream redelivers its INSERT record to the dispatcher (as after a timeout)
    item = boto3.client("dynamodb").get_item(
        TableName=cloud.table, Key={"pk": {"S": f"REQ#{code}"}, "sk": {"S": "REQ"}}
    )
    original = {**item["Item"], "status": {"S": "received"}, "version": {"N": "1"}}  # the INSERT's image
    record = {
        "eventID": "replay",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "eventSourceARN": "arn:aws:dynamodb:eu-central-1:123456789012:table/x/stream/1",
        "dynamodb": {
            "NewImage": original,
            "SequenceNumber": "999",
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    from tests.integration.conftest import LambdaContext

    answer = cloud.emulated.handler("RouterDispatcher")({"Records": [record]}, LambdaContext())
    assert answer == {"batchItemFailures": []}
    # Then a second execution ran, and changed nothing
    described = settle(cloud)
    assert len(described) == 2
    assert store.requests.get(code) == routed
    assert [e["status"] for e in timeline(cloud, code)] == ["received", "routed"]


def test_every_timeline_entry_becomes_a_domain_event_without_personal_data(cloud: Cloud) -> None:
    # Given a queue subscribed to everything on the bus
    sqs, bus_events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName="all-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = cloud.resources.environment()["EVENT_BUS_NAME"]
    bus_events.put_rule(Name="all", EventBusName=bus, EventPattern=json.dumps({"source": ["civicdesk"]}))
    bus_events.put_targets(Rule="all", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    # When a request with contact details is filed and routed
    code = file(
        cloud,
        description=CLEAR,
        contact={"name": "Mehmet Öztürk", "phone": "05051234567"},
        neighbourhood="erzene",
    )
    settle(cloud)
    # Then RequestReceived and RequestRouted arrived, versioned, and nothing personal in them
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    everything = [json.loads(m["Body"]) for m in messages]
    # (the notifier's own NotificationSent entries, for the SMS it sent, are events too)
    received = [e for e in everything if e["detail-type"] != "NotificationSent"]
    assert [e["detail-type"] for e in received] == ["RequestReceived", "RequestRouted"]
    assert {e["detail"]["code"] for e in received} == {code}
    assert received[0]["detail"]["facts"] == {"channel": "web", "kind": "request", "neighbourhood": "erzene"}
    assert received[1]["detail"]["facts"]["department"] == "veterinary_affairs"
    assert all(e["detail"]["schema_version"] == "1" for e in received)
    text = json.dumps(received, ensure_ascii=False)
    assert "Mehmet" not in text
    assert "5051234567" not in text  # the number in any of its forms (random ids may hold short digit runs)
    assert "köpek" not in text
