"""Routing, end to end in the emulator: the synthesized state machine with the real handlers.

The definition is the template's `DefinitionString` with tokens resolved to local ARNs — the ASL
that would be deployed — executed by moto's Step Functions interpreter; Lambda tasks call the
handlers in-process through local.lambdas.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from civicdesk.requests import codes
from local.calls import counting_aws_calls
from tests.support import pool

from .conftest import Cloud

CLEAR = "Sokağımızda yaralı bir köpek yatıyor, arka ayağı kanıyor, yürüyemiyor."
UNCLEAR = "Merhaba, dün konuştuğumuz konu hakkında tekrar yazıyorum, lütfen dönüş yapın."
OBSERVATION = {"ListStateMachines", "ListExecutions", "DescribeExecution", "GetExecutionHistory"}
"""The test's own polling, not the system's work."""


def executions(cloud: Cloud) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions")
    machine = next(iter(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]))
    return sfn.list_executions(stateMachineArn=machine)["executions"]


def settle(cloud: Cloud, timeout: float = 90) -> list[dict[str, Any]]:
    """Wait until every router execution and every stream consumer has finished (seconds here; a
    generous limit because a loaded machine runs the consumers many times slower)."""
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


def states_entered(execution: dict[str, Any]) -> list[str]:
    history = boto3.client("stepfunctions").get_execution_history(executionArn=execution["executionArn"])
    return [
        e["stateEnteredEventDetails"]["name"] for e in history["events"] if e["type"].endswith("StateEntered")
    ]


def file(cloud: Cloud, **body: Any) -> str:
    answer = cloud.call("POST", "/requests", body)
    assert answer.status == 201, answer.body
    return str(codes.normalize(answer.body["code"]))


def subscribe(cloud: Cloud, name: str = "all-events") -> str:
    """A queue that receives every Civic Desk event (as a consumer's rule would); its URL."""
    sqs, bus_events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = cloud.resources.environment()["EVENT_BUS_NAME"]
    bus_events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"source": ["civicdesk"]}))
    bus_events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    return url


def received_events(url: str) -> list[dict[str, Any]]:
    """Every event waiting in the queue, oldest first."""
    sqs, events = boto3.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        events.extend(json.loads(m["Body"]) for m in messages)
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )
    return events


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


def test_a_classifier_crash_ends_in_triage_with_the_errors_type_only(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the classifier crashes (the learned one, and the keywords a profile without a model use),
    # with a message quoting the citizen's words (as pydantic's can)
    from civicdesk.routing.classifier import KeywordClassifier
    from civicdesk.routing.learned import LearnedClassifier

    def crash(self: Any, text: str, catalogue: Any) -> Any:
        raise RuntimeError(f"classifier exploded on input_value={text!r}")

    monkeypatch.setattr(KeywordClassifier, "classify", crash)
    monkeypatch.setattr(LearnedClassifier, "classify", crash)
    queue = subscribe(cloud)
    # When a request is filed
    code = file(cloud, description=CLEAR)
    # Then the execution still succeeds, through triage
    [execution] = settle(cloud)
    assert execution["status"] == "SUCCEEDED"
    history = pool(cloud.table).requests.get_with_timeline(code)
    assert history is not None
    request, entries = history
    assert request.status.value == "triage"
    # And the supervisor sees the step failed and the error's type, in the entry's internal note
    assert entries[-1].detail == {"reason": "step_failed", "channel": "web"}
    assert entries[-1].note == "error: RuntimeError"
    # And neither the message nor the stack trace is kept anywhere, nor sent as an event
    stored = json.dumps(boto3.client("dynamodb").scan(TableName=cloud.table)["Items"], ensure_ascii=False)
    assert "exploded" not in stored
    triaged = [e for e in received_events(queue) if e["detail-type"] == "RequestTriaged"]
    assert [e["detail"]["facts"] for e in triaged] == [{"reason": "step_failed", "channel": "web"}]
    assert "exploded" not in json.dumps(triaged)
    assert "RuntimeError" not in json.dumps(triaged)


def _classify_then(action: Any) -> Any:
    """Classify as deployed, then `action(code)`: another writer landing between Classify and Assign."""
    from civicdesk.routing import rules

    original = rules.classify

    def classify(request: Any, **kwargs: Any) -> Any:
        decision = original(request, **kwargs)
        action(request.code)
        return decision

    return classify


def test_a_due_soon_warning_between_classify_and_assign_does_not_stop_the_routing(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the SLA checker warns about a request (and so bumps its version) while it is being classified
    from civicdesk.routing import rules
    from civicdesk.sla import checker

    store = pool(cloud.table)
    warnings: list[int] = []

    def warn(code: str) -> None:
        warnings.append(checker.run(store.requests, remaining_ms=lambda: 60_000).warned)

    monkeypatch.setattr(rules, "classify", _classify_then(warn))
    # When an injured animal is reported (a 4-hour promise: warned at once)
    code = file(cloud, description=CLEAR, category="veterinary")
    [execution] = settle(cloud)
    # Then Assign lost its first write, read the request again and routed it all the same
    assert warnings == [1]
    request = store.requests.get(code)
    assert request is not None
    assert (request.status.value, request.department, request.version) == ("routed", "veterinary_affairs", 3)
    assert states_entered(execution)[-1] == "Routed"
    assert [e["status"] for e in timeline(cloud, code)] == ["received", "routed"]


def test_a_request_that_moved_on_meanwhile_is_left_as_it_is_and_the_execution_says_so(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the SLA sweep hands the request to triage while it is being classified (a lagging stream)
    from civicdesk.routing import rules
    from civicdesk.sla import checker

    store = pool(cloud.table)

    def sweep(code: str) -> None:
        later = datetime.now(UTC) + timedelta(minutes=11)
        checker.run(store.requests, remaining_ms=lambda: 60_000, clock=lambda: later)

    monkeypatch.setattr(rules, "classify", _classify_then(sweep))
    # When a clear request is filed
    code = file(cloud, description=CLEAR)
    [execution] = settle(cloud)
    # Then routing did not overwrite the sweep's decision, and ended in a state that says why
    request = store.requests.get(code)
    assert request is not None
    assert (request.status.value, request.department) == ("triage", None)
    assert states_entered(execution)[-2:] == ["Assigned?", "AlreadyMovedOn"]
    assert [e["status"] for e in timeline(cloud, code)] == ["received", "triage"]


def test_a_request_that_could_not_be_assigned_goes_to_triage(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given every attempt to assign loses to another write, while the request stays received
    from civicdesk.routing.repository import RoutingRepository

    monkeypatch.setattr(RoutingRepository, "assign", lambda self, *args, **kwargs: False)
    # When a clear request is filed
    code = file(cloud, description=CLEAR)
    [execution] = settle(cloud)
    # Then it is not left waiting for the SLA sweep: a supervisor gets it, with the reason
    history = pool(cloud.table).requests.get_with_timeline(code)
    assert history is not None
    request, entries = history
    assert request.status.value == "triage"
    assert entries[-1].detail == {"reason": "not_assigned", "channel": "web"}
    assert states_entered(execution)[-4:] == ["Assigned?", "NotAssigned", "Triage", "InTriage"]


def test_a_routed_request_is_read_by_no_step_and_takes_five_transitions(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given warm functions (the catalogue read and cached, as deployed)
    from civicdesk import runtime

    monkeypatch.setenv("CATALOG_CACHE_SECONDS", "600")
    runtime.reset()
    cloud.emulated.without_event_consumers()  # the notifier's work is its own, not routing's
    file(cloud, description=CLEAR)
    settle(cloud)
    # When one more clear request is filed and routed
    with counting_aws_calls() as calls:
        file(cloud, description=CLEAR)
        described = settle(cloud)
    # Then filing, starting, classifying, assigning: one call each, and no step read the request again
    flow = {op: n for op, n in calls.items() if op.split(":")[1] not in OBSERVATION}
    assert {op: n for op, n in flow.items() if op != "events:PutEvents"} == {
        "dynamodb:TransactWriteItems": 2,
        "stepfunctions:StartExecution": 1,
        "lambda:Invoke": 2,
    }
    # And its execution went Classify -> Route? -> Assign -> Assigned? -> Routed
    newest = max(described, key=lambda d: d["startDate"])
    assert states_entered(newest) == ["Classify", "Route?", "Assign", "Assigned?", "Routed"]


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
    for routed_only in ("department", "work_pk", "work_sk", "work_due_sk"):
        original.pop(routed_only, None)
    record = {
        "eventID": "replay",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "eventSourceARN": "arn:aws:dynamodb:eu-central-1:123456789012:table/x/stream/1",
        "dynamodb": {
            "NewImage": original,
            "SequenceNumber": "999",
            "StreamViewType": "NEW_IMAGE",
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
    url = subscribe(cloud)
    # When a request with contact details is filed and routed
    code = file(
        cloud,
        description=CLEAR,
        contact={"name": "Mehmet Öztürk", "phone": "05051234567"},
        neighbourhood="erzene",
    )
    settle(cloud)
    # Then RequestReceived and RequestRouted arrived, versioned, and nothing personal in them
    # (the notifier's own NotificationSent entries, for the SMS it sent, are events too)
    received = [e for e in received_events(url) if e["detail-type"] != "NotificationSent"]
    assert [e["detail-type"] for e in received] == ["RequestReceived", "RequestRouted"]
    assert {e["detail"]["code"] for e in received} == {code}
    assert received[0]["detail"]["facts"] == {"channel": "web", "kind": "request", "neighbourhood": "erzene"}
    assert received[1]["detail"]["facts"]["department"] == "veterinary_affairs"
    assert all(e["detail"]["schema_version"] == "1" for e in received)
    # And each names its timeline entry: the id a consumer recognises it by, however often it comes
    entry_keys = [
        f"REQ#{code}/{i['sk']['S']}"
        for i in boto3.client("dynamodb").query(
            TableName=cloud.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :evt)",
            ExpressionAttributeValues={":pk": {"S": f"REQ#{code}"}, ":evt": {"S": "EVT#"}},
        )["Items"]
        if i["type"]["S"] != "notification_sent"
    ]
    assert [e["detail"]["event_id"] for e in received] == entry_keys
    text = json.dumps(received, ensure_ascii=False)
    assert "Mehmet" not in text
    assert "5051234567" not in text  # the number in any of its forms (random ids may hold short digit runs)
    assert "köpek" not in text
