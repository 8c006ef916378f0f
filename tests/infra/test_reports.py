"""Needs analysis in the template: the counters' queue fed by the bus, its dead-letter queue and lag
alarms, and least privilege — the reports function can read counters and the catalogue, never a
request; the counter touches requests, tallies and counters only."""

from __future__ import annotations

import json
from typing import Any

from civicdesk import layout
from infra import names
from infra.capabilities.reports import COUNTED_EVENTS, MAX_RECEIVES, REPORT_ROUTES
from tests.infra.synth import Synth, as_list


def _table_grants(synth: Synth, code_dir: str, handler: str) -> dict[str, list[str]]:
    """action -> the partitions (LeadingKeys) it is allowed on, for one function's role."""
    _, function = synth.function_with_handler(handler, code_dir)
    grants: dict[str, list[str]] = {}
    for statement in synth.statements_of_role(synth.role_of(function)):
        for action in as_list(statement["Action"]):
            if action.startswith("dynamodb:"):
                keys = statement.get("Condition", {}).get("ForAllValues:StringLike", {})
                grants.setdefault(action, []).extend(keys.get("dynamodb:LeadingKeys", ["<any>"]))
    return grants


def test_the_reports_function_reads_counters_and_the_catalogue_and_nothing_else(any_synth: Synth) -> None:
    # Given the reports function's role
    grants = _table_grants(any_synth, names.FUNCTION_REPORTS, names.HANDLER_REPORTS)
    # Then it may read counter items in batches and the catalogue, and no request, contact or index
    assert grants == {
        "dynamodb:BatchGetItem": [f"{layout.STATS_PREFIX}*"],
        "dynamodb:Query": [layout.CATALOGUE_PK],
    }


def test_the_counter_reads_requests_and_tallies_and_writes_only_tallies_and_counters(
    any_synth: Synth,
) -> None:
    grants = _table_grants(any_synth, names.FUNCTION_STATS, names.HANDLER_STATS)
    assert grants == {
        "dynamodb:GetItem": [f"{layout.REQUEST_PREFIX}*", f"{layout.TALLY_PREFIX}*"],
        "dynamodb:PutItem": [f"{layout.TALLY_PREFIX}*"],
        "dynamodb:UpdateItem": [f"{layout.STATS_PREFIX}*"],
    }


def test_every_report_route_is_a_get_behind_the_staff_jwt_authorizer(any_synth: Synth) -> None:
    (authorizer_id,) = [
        k for k, a in any_synth.resources("AWS::ApiGatewayV2::Authorizer").items()
        if a["Properties"]["AuthorizerType"] == "JWT"
    ]  # fmt: skip
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in any_synth.resources("AWS::ApiGatewayV2::Route").values()
        if "/staff/reports/" in r["Properties"]["RouteKey"]
    }
    assert set(routes) == {f"GET /staff/reports/{name}" for name in REPORT_ROUTES}
    for route in routes.values():
        assert route["AuthorizationType"] == "JWT"
        assert route["AuthorizerId"] == {"Ref": authorizer_id}


def test_the_events_that_change_a_count_reach_the_counters_queue_in_batches(dev_synth: Synth) -> None:
    (rule,) = [
        r for k, r in dev_synth.resources("AWS::Events::Rule").items() if k.startswith("NeedsAnalysisEvents")
    ]
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["civicdesk"]
    assert set(pattern["detail-type"]) == set(COUNTED_EVENTS)
    (target,) = rule["Properties"]["Targets"]
    assert "NeedsAnalysisQueue" in json.dumps(target["Arn"])
    (mapping,) = [
        m for k, m in dev_synth.resources("AWS::Lambda::EventSourceMapping").items()
        if k.startswith("NeedsAnalysisCounter")
    ]  # fmt: skip
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def _alarms_on_queue(synth: Synth, queue_id: str) -> list[dict[str, Any]]:
    dimension = {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}
    return [
        a["Properties"]
        for a in synth.resources("AWS::CloudWatch::Alarm").values()
        if dimension in a["Properties"].get("Dimensions", [])
    ]


def test_a_failing_event_ends_in_an_alarmed_dead_letter_queue_and_a_lagging_count_alarms(
    dev_synth: Synth,
) -> None:
    # Given the counters' queue
    (queue_id,) = [k for k in dev_synth.resources("AWS::SQS::Queue") if k.startswith("NeedsAnalysisQueue")]
    redrive = dev_synth.resource(queue_id)["Properties"]["RedrivePolicy"]
    topic_id, _ = dev_synth.alarm_topic()
    # Then a failing event is retried, then kept where an alarm reaches the alarm topic
    assert redrive["maxReceiveCount"] == MAX_RECEIVES
    dead_letters = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
    (dlq_alarm,) = _alarms_on_queue(dev_synth, dead_letters)
    assert dlq_alarm["AlarmActions"] == [{"Ref": topic_id}]
    # And the queue's oldest message ageing past a quarter of an hour alarms too (stale reports)
    (lag,) = _alarms_on_queue(dev_synth, queue_id)
    assert lag["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert lag["Threshold"] == 15 * 60
    assert lag["AlarmActions"] == [{"Ref": topic_id}]
