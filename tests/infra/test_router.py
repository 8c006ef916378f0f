"""The router as deployed: Express, observable, fed by a filtered stream, and least-privileged."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.synth import Synth, as_list


def _machine(synth: Synth) -> dict[str, Any]:
    _, machine = synth.only("AWS::StepFunctions::StateMachine")
    return machine["Properties"]


def _definition(synth: Synth) -> dict[str, Any]:
    """The ASL with every token replaced by a placeholder: tokens only ever sit inside strings."""
    parts = _machine(synth)["DefinitionString"]["Fn::Join"][1]
    return json.loads("".join(p if isinstance(p, str) else "TOKEN" for p in parts))


def test_the_router_is_an_express_workflow_with_logging_and_tracing(dev_synth: Synth) -> None:
    machine = _machine(dev_synth)
    assert machine["StateMachineType"] == "EXPRESS"
    assert machine["TracingConfiguration"] == {"Enabled": True}
    logging = machine["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    assert logging["IncludeExecutionData"] is False  # state data never lands in logs


def test_every_failing_step_is_caught_into_triage(dev_synth: Synth) -> None:
    states = _definition(dev_synth)["States"]
    for name in ("Classify", "Department", "Assign"):
        catchers = states[name]["Catch"]
        assert catchers[0]["ErrorEquals"] == ["States.ALL"]
        assert catchers[0]["Next"] == "StepFailed"
    assert states["StepFailed"]["Next"] == "Triage"
    assert states["Department"]["Resource"].endswith(":dynamodb:getItem")  # no Lambda for a lookup


def test_the_confidence_threshold_comes_from_configuration(dev_synth: Synth) -> None:
    choice = _definition(dev_synth)["States"]["Confident?"]["Choices"][0]
    assert choice["NumericGreaterThanEquals"] == dev_synth.config.routing_confidence_threshold


def test_the_stream_mapping_filters_new_items_and_reports_partial_failures(dev_synth: Synth) -> None:
    (mapping,) = [
        m
        for k, m in dev_synth.resources("AWS::Lambda::EventSourceMapping").items()
        if k.startswith("RouterDispatcher")
    ]
    props = mapping["Properties"]
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BisectBatchOnFunctionError"] is True
    assert "OnFailure" in props["DestinationConfig"]
    patterns = [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]
    new_request = {"item_type": {"S": ["request"]}, "status": {"S": ["received"]}}
    assert patterns == [
        {"eventName": ["INSERT"], "dynamodb": {"NewImage": new_request}},
        {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"item_type": {"S": ["entry"]}}}},
    ]


def test_the_dispatcher_may_only_start_the_router_and_publish_to_the_bus(dev_synth: Synth) -> None:
    _, dispatcher = dev_synth.function_with_handler("dispatcher.lambda_handler")
    statements = dev_synth.statements_of_role(dev_synth.role_of(dispatcher))
    actions = {a for st in statements for a in as_list(st["Action"])}
    assert "states:StartExecution" in actions
    assert "events:PutEvents" in actions
    # stream reading only: it never reads or writes table items
    assert not {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Scan"} & actions
    [start] = [st for st in statements if "states:StartExecution" in as_list(st["Action"])]
    assert start["Resource"] == {"Ref": dev_synth.only("AWS::StepFunctions::StateMachine")[0]}


def test_the_classifier_task_reads_and_never_writes(dev_synth: Synth) -> None:
    _, classify = dev_synth.function_with_handler("tasks.classify")
    actions = {
        a for st in dev_synth.statements_of_role(dev_synth.role_of(classify)) for a in as_list(st["Action"])
    }
    assert {a for a in actions if a.startswith("dynamodb:")} == {"dynamodb:GetItem", "dynamodb:Query"}


def test_failures_and_lag_raise_alarms(dev_synth: Synth) -> None:
    metrics = {
        a["Properties"].get("MetricName") for a in dev_synth.resources("AWS::CloudWatch::Alarm").values()
    }
    assert {
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ApproximateNumberOfMessagesVisible",
        "IteratorAge",
    } <= metrics


def test_the_bus_archives_domain_events(dev_synth: Synth) -> None:
    _, archive = dev_synth.only("AWS::Events::Archive")
    assert archive["Properties"]["RetentionDays"] == dev_synth.config.event_archive_days
