"""The emulator -> handler bridge: every way the emulator invokes a function reaches our code.

These fail loudly if moto's private invoke method moves or changes shape (it is pinned).
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import lambdas
from local.cloud import _dummy_zip

ROLE = "arn:aws:iam::123456789012:role/civicdesk-local"


@pytest.fixture
def emulated() -> Any:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        iam = boto3.client("iam")
        iam.create_role(RoleName="civicdesk-local", AssumeRolePolicyDocument="{}")
        yield


def _function(name: str) -> str:
    return boto3.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=ROLE,
        Handler="handler.lambda_handler",
        Code={"ZipFile": _dummy_zip()},
    )["FunctionArn"]


def test_the_private_method_the_bridge_replaces_still_exists_with_its_shape() -> None:
    lambdas.check_emulator_contract()


def test_a_direct_invoke_runs_the_handler_and_reports_its_errors(emulated: None) -> None:
    _function("echo")
    _function("broken")
    calls: list[dict[str, Any]] = []

    def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(event)
        return {"seen": event["n"], "function": context.function_name}

    def broken(event: dict[str, Any], context: Any) -> None:
        raise ValueError("no")

    client = boto3.client("lambda")
    with lambdas.bridged({"echo": echo, "broken": broken}):
        ok = client.invoke(FunctionName="echo", Payload=json.dumps({"n": 7}))
        bad = client.invoke(FunctionName="broken", Payload=b"{}")
    assert json.loads(ok["Payload"].read()) == {"seen": 7, "function": "echo"}
    assert calls == [{"n": 7}]
    assert bad["FunctionError"]
    assert json.loads(bad["Payload"].read())["errorType"] == "ValueError"


def test_a_state_machine_task_runs_the_handler(emulated: None) -> None:
    arn = _function("double")
    definition = {
        "StartAt": "Double",
        "States": {
            "Double": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": arn, "Payload.$": "$"},
                "OutputPath": "$.Payload",
                "End": True,
            }
        },
    }
    sfn = boto3.client("stepfunctions")
    machine = sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    with lambdas.bridged({"double": lambda event, context: {"x": event["x"] * 2}}):
        execution = sfn.start_execution(stateMachineArn=machine, name="run-1", input=json.dumps({"x": 21}))
        deadline = time.monotonic() + 10
        while (status := sfn.describe_execution(executionArn=execution["executionArn"]))[
            "status"
        ] == "RUNNING":
            assert time.monotonic() < deadline, "execution did not finish"
            time.sleep(0.05)
    assert status["status"] == "SUCCEEDED", status
    assert json.loads(status["output"]) == {"x": 42}


def test_an_sqs_event_source_mapping_runs_the_handler(emulated: None) -> None:
    _function("consumer")
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="consumer")
    bodies: list[str] = []

    def consume(event: dict[str, Any], context: Any) -> dict[str, Any]:
        bodies.extend(r["body"] for r in event["Records"])
        return {"batchItemFailures": []}

    with lambdas.bridged({"consumer": consume}) as bridge:
        sqs.send_message(QueueUrl=url, MessageBody="hello")
        bridge.wait_idle()
    assert bodies == ["hello"]


def test_a_dynamodb_stream_mapping_runs_the_handler(emulated: None) -> None:
    _function("dispatcher")
    ddb = boto3.client("dynamodb")
    table = ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    boto3.client("lambda").create_event_source_mapping(
        EventSourceArn=table["LatestStreamArn"], FunctionName="dispatcher", StartingPosition="LATEST"
    )
    seen: list[str] = []

    def dispatch(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.extend(r["dynamodb"]["NewImage"]["pk"]["S"] for r in event["Records"])
        return {"batchItemFailures": []}

    with lambdas.bridged({"dispatcher": dispatch}) as bridge:
        ddb.put_item(TableName="t", Item={"pk": {"S": "REQ#1"}})
        # Then it runs after the write returned, as a mapping does in AWS
        bridge.wait_idle()
    assert seen == ["REQ#1"]
