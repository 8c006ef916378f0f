"""The SLA checker's infrastructure: its schedule, least-privilege table access, failure path and alarms."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.sla import checker as sla_checker
from infra import names
from infra.capabilities import sla
from tests.infra.synth import Resource, Synth, as_list

RULE = "AWS::Events::Rule"


def _checker(synth: Synth) -> tuple[str, Resource]:
    found = [
        (k, v)
        for k, v in synth.civic_functions().items()
        if v["Properties"]["Handler"] == names.HANDLER_SLA_CHECKER
        and v["Metadata"][names.METADATA_SOURCE] == f"functions/{names.FUNCTION_SLA_CHECKER}"
    ]
    assert len(found) == 1, found
    return found[0]


def _schedule(synth: Synth) -> Resource:
    checker_id, _ = _checker(synth)
    rules = [
        r["Properties"]
        for r in synth.resources(RULE).values()
        if "ScheduleExpression" in r["Properties"]
        and any(t["Arn"] == {"Fn::GetAtt": [checker_id, "Arn"]} for t in r["Properties"]["Targets"])
    ]
    assert len(rules) == 1, rules
    return rules[0]


def _dead_letter_queue_id(synth: Synth) -> str:
    (target,) = _schedule(synth)["Targets"]
    return str(target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0])


def _statements(synth: Synth) -> list[dict[str, Any]]:
    _, checker = _checker(synth)
    return synth.statements_of_role(synth.role_of(checker))


def _table_arn(synth: Synth) -> dict[str, Any]:
    table_id, _ = synth.only("AWS::DynamoDB::Table")
    return {"Fn::GetAtt": [table_id, "Arn"]}


# --- the schedule ---------------------------------------------------------------------------------


def test_the_checker_runs_on_the_stages_schedule_with_retries_and_a_dead_letter_queue(
    any_synth: Synth,
) -> None:
    # Given either stage / When we find the rule that targets the checker
    rule = _schedule(any_synth)
    # Then it fires at the configured rate (5 minutes in both stages today)
    assert any_synth.config.sla_check_minutes == 5
    assert rule["ScheduleExpression"] == "rate(5 minutes)"
    assert rule["State"] == "ENABLED"
    # And a tick that cannot be delivered is retried, then parked in the dead-letter queue;
    # a tick older than one interval is superseded by the next one
    (target,) = rule["Targets"]
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 300}
    assert any_synth.resource(_dead_letter_queue_id(any_synth))["Type"] == "AWS::SQS::Queue"


def test_a_failed_run_goes_to_the_same_queue_and_the_next_tick_is_the_retry(dev_synth: Synth) -> None:
    # Given the checker's asynchronous-invocation settings
    checker_id, _ = _checker(dev_synth)
    configs = [
        c["Properties"]
        for c in dev_synth.resources("AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == {"Ref": checker_id}
    ]
    # Then Lambda does not retry a failed run itself, and sends it to the dead-letter queue
    assert len(configs) == 1
    (config,) = configs
    assert config["MaximumRetryAttempts"] == 0
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": [_dead_letter_queue_id(dev_synth), "Arn"]
    }


def test_runs_never_overlap_and_stop_before_the_timeout(any_synth: Synth) -> None:
    # Given the checker function
    _, checker = _checker(any_synth)
    props = checker["Properties"]
    variables = props["Environment"]["Variables"]
    # Then one run at a time where the account has room for a reservation (tests/infra/test_edge.py: a
    # first deploy on a new account reserves nothing), with the domain's time budget inside the timeout
    assert any_synth.config.reservations[names.FUNCTION_SLA_CHECKER] == 1
    assert "ReservedConcurrentExecutions" not in props
    assert 0 < sla_checker.Policy().margin_ms < props["Timeout"] * 1000 / 2
    # And a run finishes well within one interval, so a tick never waits for the previous one
    assert props["Timeout"] < any_synth.config.sla_check_minutes * 60
    # And the policy is the domain's (one place for each default): the stages set no override
    assert names.ENV_SLA_WARN_LEAD_HOURS not in variables
    assert names.ENV_STUCK_RECEIVED_MINUTES not in variables
    assert variables[names.ENV_TABLE_NAME] == {"Ref": any_synth.only("AWS::DynamoDB::Table")[0]}


# --- least privilege ------------------------------------------------------------------------------


def test_the_checker_queries_only_the_due_and_queue_indexes_and_never_scans(any_synth: Synth) -> None:
    # Given the checker's role
    statements = _statements(any_synth)
    dynamodb = [st for st in statements if any(a.startswith("dynamodb:") for a in as_list(st["Action"]))]
    actions = {a for st in dynamodb for a in as_list(st["Action"])}
    # Then it can query, update and put, and nothing else (no Scan, Get, Delete, batch or wildcard)
    assert actions == {"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:PutItem"}
    # And Query is granted on the two indexes only, never on the table itself
    (query,) = [st for st in dynamodb if "dynamodb:Query" in as_list(st["Action"])]
    assert as_list(query["Action"]) == ["dynamodb:Query"]
    index_arns = [
        {"Fn::Join": ["", [_table_arn(any_synth), f"/index/{index}"]]} for index in ("due", "queue")
    ]
    assert as_list(query["Resource"]) == index_arns


def test_the_checker_writes_request_items_only(any_synth: Synth) -> None:
    # Given the checker's write statement
    (write,) = [st for st in _statements(any_synth) if "dynamodb:UpdateItem" in as_list(st["Action"])]
    # Then it covers the request update and its timeline entry (one transaction), on the table,
    # and only under request partition keys (never the catalogue or stats items)
    assert set(as_list(write["Action"])) == set(sla.WRITE_ACTIONS)
    assert write["Resource"] == _table_arn(any_synth)
    assert write["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["REQ#*"]}}


def test_the_checker_may_use_the_table_key_and_send_to_its_own_queue_only(dev_synth: Synth) -> None:
    # Given the checker's KMS and SQS statements
    statements = _statements(dev_synth)
    _, table = dev_synth.only("AWS::DynamoDB::Table")
    key_id = table["Properties"]["SSESpecification"]["KMSMasterKeyId"]["Fn::GetAtt"][0]
    kms = [st for st in statements if any(a.startswith("kms:") for a in as_list(st["Action"]))]
    sqs = [st for st in statements if any(a.startswith("sqs:") for a in as_list(st["Action"]))]
    # Then KMS names the table's key, and SQS only its dead-letter queue
    assert kms
    assert all(st["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]} for st in kms)
    assert sqs
    assert all(st["Resource"] == {"Fn::GetAtt": [_dead_letter_queue_id(dev_synth), "Arn"]} for st in sqs)


# --- the dead-letter queue ------------------------------------------------------------------------


def test_the_dead_letter_queue_is_encrypted_ssl_only_and_kept_two_weeks(any_synth: Synth) -> None:
    # Given the checker's dead-letter queue and its policy
    queue_id = _dead_letter_queue_id(any_synth)
    props = any_synth.resource(queue_id)["Properties"]
    (policy,) = [
        p["Properties"]
        for p in any_synth.resources("AWS::SQS::QueuePolicy").values()
        if {"Ref": queue_id} in p["Properties"]["Queues"]
    ]
    statements = policy["PolicyDocument"]["Statement"]
    # Then it is encrypted at rest, refuses plain HTTP, and keeps failed ticks for 14 days
    assert props["SqsManagedSseEnabled"] is True
    assert props["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert any(
        st["Effect"] == "Deny" and st.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for st in statements
    )
    # And EventBridge may send to it only on behalf of this schedule
    (events,) = [st for st in statements if st.get("Principal") == {"Service": "events.amazonaws.com"}]
    assert set(events["Condition"]["ArnEquals"]) == {"aws:SourceArn"}


# --- alarms ---------------------------------------------------------------------------------------


def _alarms_on(synth: Synth, metric_name: str) -> list[dict[str, Any]]:
    return [
        a["Properties"]
        for a in synth.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == metric_name
    ]


def test_a_message_in_the_dead_letter_queue_alarms(dev_synth: Synth) -> None:
    # Given the alarms on visible SQS messages
    topic_id, _ = dev_synth.alarm_topic()
    queue_id = _dead_letter_queue_id(dev_synth)
    alarms = [
        a
        for a in _alarms_on(dev_synth, "ApproximateNumberOfMessagesVisible")
        if {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}} in a["Dimensions"]
    ]
    # Then one fires at the first message and notifies the alarm topic
    (alarm,) = alarms
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert alarm["AlarmActions"] == [{"Ref": topic_id}]


def test_growing_lag_or_a_silent_checker_alarms(dev_synth: Synth) -> None:
    from functions.sla_checker import handler

    # Given the alarm on the checker's lag metric
    topic_id, _ = dev_synth.alarm_topic()
    (alarm,) = _alarms_on(dev_synth, handler.METRIC_LAG_SECONDS)
    # Then it watches the metric the handler publishes (namespace and Powertools' service dimension)
    assert alarm["Namespace"] == names.METRICS_NAMESPACE
    assert alarm["Dimensions"] == [{"Name": "service", "Value": names.SERVICE_NAME}]
    # And fires when a deadline is flagged more than 15 minutes late
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "Maximum",
        900,
        "GreaterThanThreshold",
    )
    # And when no run reported for two intervals (every run publishes the metric, 0 if nothing was late)
    assert alarm["TreatMissingData"] == "breaching"
    assert alarm["Period"] == 2 * dev_synth.config.sla_check_minutes * 60
    assert alarm["AlarmActions"] == [{"Ref": topic_id}]


@pytest.mark.parametrize("metric_name", ["Errors", "Throttles"])
def test_checker_errors_alarm(dev_synth: Synth, metric_name: str) -> None:
    # Given the checker function / Then its errors and throttles each have an alarm (CivicFunction's)
    checker_id, _ = _checker(dev_synth)
    assert [
        a
        for a in _alarms_on(dev_synth, metric_name)
        if {"Name": "FunctionName", "Value": {"Ref": checker_id}} in a.get("Dimensions", [])
    ]
