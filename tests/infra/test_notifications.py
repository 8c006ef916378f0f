"""Notifications in the template: the bus rule, the queue and its dead-letter queue with an alarm,
batches with partial failures, and what the notifier may do."""

from __future__ import annotations

import json

from infra.capabilities.notifications import MAX_RECEIVES, NOTIFIED_EVENTS
from tests.infra.synth import Synth, as_list


def test_the_events_a_citizen_hears_of_reach_the_notifiers_own_queue(dev_synth: Synth) -> None:
    rules = [
        r for k, r in dev_synth.resources("AWS::Events::Rule").items() if k.startswith("NotificationsEvents")
    ]
    (rule,) = rules
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["civicdesk"]
    assert set(pattern["detail-type"]) == set(NOTIFIED_EVENTS)
    (target,) = rule["Properties"]["Targets"]
    assert "NotificationsQueue" in json.dumps(target["Arn"])


def test_a_failing_message_is_retried_then_kept_in_a_dead_letter_queue_that_alarms(dev_synth: Synth) -> None:
    queues = dev_synth.resources("AWS::SQS::Queue")
    (queue,) = [q for k, q in queues.items() if k.startswith("NotificationsQueue")]
    redrive = queue["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == MAX_RECEIVES
    dead_letters = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert dead_letters.startswith("NotificationsFailed")
    topic_id, _ = dev_synth.alarm_topic()
    dimension = {"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_letters, "QueueName"]}}
    alarms = [
        a for a in dev_synth.resources("AWS::CloudWatch::Alarm").values()
        if dimension in a["Properties"].get("Dimensions", [])
    ]  # fmt: skip
    assert alarms
    assert alarms[0]["Properties"]["AlarmActions"] == [{"Ref": topic_id}]


def test_the_notifier_takes_batches_and_reports_each_failed_record(dev_synth: Synth) -> None:
    mappings = dev_synth.resources("AWS::Lambda::EventSourceMapping")
    (mapping,) = [m for k, m in mappings.items() if k.startswith("NotificationsNotifier")]
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["Properties"]["BatchSize"] == 10


def test_the_notifier_sends_mail_only_from_its_identity_and_deletes_only_what_it_holds(
    dev_synth: Synth,
) -> None:
    functions = dev_synth.civic_functions()
    (notifier,) = [f for k, f in functions.items() if k.startswith("NotificationsNotifier")]
    statements = dev_synth.statements_of_role(dev_synth.role_of(notifier))
    ses = [s for s in statements if "ses:SendEmail" in as_list(s["Action"])]
    assert len(ses) == 1
    assert ":identity/" in json.dumps(ses[0]["Resource"])
    (delete,) = [s for s in statements if "dynamodb:DeleteItem" in as_list(s["Action"])]
    assert delete["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"] == [
        "HELD",
        "IDEMPOTENCY#notifier",
    ]
    assert not [s for s in statements if "dynamodb:Scan" in as_list(s["Action"])]
