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


def test_every_failing_step_is_caught_into_triage_with_its_error_name_only(dev_synth: Synth) -> None:
    states = _definition(dev_synth)["States"]
    for name in ("Classify", "Assign"):
        catchers = states[name]["Catch"]
        assert catchers[0]["ErrorEquals"] == ["States.ALL"]
        assert catchers[0]["Next"] == "StepFailed"
    assert states["StepFailed"]["Next"] == "Triage"
    # the error's Cause (a stack trace, maybe the request's own words) never leaves the state machine
    assert states["StepFailed"]["Parameters"] == {"reason": "step_failed", "error.$": "$.failure.Error"}
    assert "Cause" not in json.dumps(states["Triage"])


def test_a_routed_request_takes_five_transitions_and_nothing_is_read_twice(dev_synth: Synth) -> None:
    # Given the deployed definition
    definition = _definition(dev_synth)
    states = definition["States"]
    # When we follow the happy path: Classify -> Route? -> Assign -> Assigned? -> Routed
    path, name = [], definition["StartAt"]
    while True:
        path.append(name)
        state = states[name]
        if state["Type"] == "Succeed":
            break
        name = state["Default"] if state["Type"] == "Choice" else state["Next"]
        if path[-1] == "Assigned?":
            name = next(c["Next"] for c in state["Choices"] if c.get("StringEquals") == "done")
    # Then it is five states, two of them Lambda tasks, and no state reads the table
    assert path == ["Classify", "Route?", "Assign", "Assigned?", "Routed"]
    assert not [n for n, st in states.items() if ":dynamodb:" in st.get("Resource", "")]
    # And Assign gets the request as the execution began with it, and Classify's decision
    assert states["Assign"]["Parameters"]["Payload"] == {
        "request.$": "$.request",
        "decision.$": "$.classified.decision",
    }


def test_an_assignment_that_lost_ends_in_a_state_that_says_why(dev_synth: Synth) -> None:
    states = _definition(dev_synth)["States"]
    branches = {c["StringEquals"]: c["Next"] for c in states["Assigned?"]["Choices"]}
    assert branches == {"done": "Routed", "moved_on": "AlreadyMovedOn"}
    assert states["AlreadyMovedOn"]["Type"] == "Succeed"
    assert states["Assigned?"]["Default"] == "NotAssigned"
    assert states["NotAssigned"] == {
        "Type": "Pass",
        "Parameters": {"reason": "not_assigned"},
        "ResultPath": "$.triage",
        "Next": "Triage",
    }


def test_the_confidence_threshold_comes_from_configuration(dev_synth: Synth) -> None:
    choice = _definition(dev_synth)["States"]["Route?"]["Choices"][0]
    assert choice["NumericLessThan"] == dev_synth.config.routing_confidence_threshold
    assert choice["Next"] == "NotSureEnough"


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


def _table_grants(synth: Synth, handler: str) -> dict[str, set[str]]:
    """Each DynamoDB action of a function's role -> the partitions it may touch."""
    _, function = synth.function_with_handler(handler)
    grants: dict[str, set[str]] = {}
    for st in synth.statements_of_role(synth.role_of(function)):
        for action in as_list(st["Action"]):
            if action.startswith("dynamodb:"):
                keys = st["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                grants.setdefault(action, set()).update(keys)
    return grants


def test_the_classifier_task_reads_only_the_catalogue_and_the_model_pointer(dev_synth: Synth) -> None:
    # the request comes with the execution; the catalogue is read (and cached) for its keywords and
    # departments, the pointer to the published model every few minutes
    assert _table_grants(dev_synth, "tasks.classify") == {
        "dynamodb:Query": {"CATALOG"},
        "dynamodb:GetItem": {"MODEL#*"},
    }


def test_assign_and_triage_write_requests_only(dev_synth: Synth) -> None:
    for handler in ("tasks.assign", "tasks.triage"):
        assert _table_grants(dev_synth, handler) == {
            "dynamodb:Query": {"CATALOG"},
            "dynamodb:GetItem": {"REQ#*"},
            "dynamodb:UpdateItem": {"REQ#*"},
            "dynamodb:PutItem": {"REQ#*"},
        }, handler


def test_the_redrive_function_reads_the_timeline_index_and_publishes_to_the_bus(dev_synth: Synth) -> None:
    # Given the re-drive function's role
    _, function = dev_synth.function_with_handler("redrive.lambda_handler")
    statements = dev_synth.statements_of_role(dev_synth.role_of(function))
    table_id, _ = dev_synth.only("AWS::DynamoDB::Table")
    # Then it queries the timeline index and nothing else of the table (no Scan, no item read, no write)
    dynamodb = [st for st in statements if any(a.startswith("dynamodb:") for a in as_list(st["Action"]))]
    assert [as_list(st["Action"]) for st in dynamodb] == [["dynamodb:Query"]]
    assert dynamodb[0]["Resource"] == {
        "Fn::Join": ["", [{"Fn::GetAtt": [table_id, "Arn"]}, "/index/timeline"]]
    }
    # And it may put events on the Civic Desk bus, and its name is a stack output for `make redrive`
    [put] = [st for st in statements if "events:PutEvents" in as_list(st["Action"])]
    bus_id, _ = dev_synth.only("AWS::Events::EventBus")
    assert put["Resource"] == {"Fn::GetAtt": [bus_id, "Arn"]}
    assert "EventRedriveFunction" in dev_synth.raw["Outputs"]


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
