"""Referrals out in the template: the rule that picks out referrals, the queue and its alarmed dead-letter
queue, the follower's schedule, the alarms, the secret, and roles held to the referral partitions."""

from __future__ import annotations

import json
from typing import Any

from infra.capabilities.referrals import FOLLOW_INTERVAL, MAX_RECEIVES
from tests.infra.synth import Synth, as_list

TABLE_ACTIONS = "dynamodb:"


def _function(dev_synth: Synth, prefix: str) -> dict[str, Any]:
    (found,) = [f for k, f in dev_synth.civic_functions().items() if k.startswith(prefix)]
    return found


def test_only_not_ours_rejections_naming_an_institution_reach_the_referral_queue(dev_synth: Synth) -> None:
    # Given the template's rules
    (rule,) = [
        r for k, r in dev_synth.resources("AWS::Events::Rule").items() if k.startswith("ReferralsEvents")
    ]
    # Then the referral queue gets status changes whose facts say not_ours and name an institution
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["detail-type"] == ["StatusChanged"]
    assert pattern["detail"] == {"facts": {"reason": ["not_ours"], "institution": [{"exists": True}]}}
    (target,) = rule["Properties"]["Targets"]
    assert "ReferralsQueue" in json.dumps(target["Arn"])


def test_a_referral_that_keeps_failing_lands_in_an_alarmed_dead_letter_queue(dev_synth: Synth) -> None:
    # Given the referral queue
    (queue,) = [
        q for k, q in dev_synth.resources("AWS::SQS::Queue").items() if k.startswith("ReferralsQueue")
    ]
    # Then it is encrypted, retries a few times, then keeps the message in a dead-letter queue that alarms
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    redrive = queue["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == MAX_RECEIVES
    dead_letters = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
    dimension = {"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_letters, "QueueName"]}}
    assert [
        a for a in dev_synth.resources("AWS::CloudWatch::Alarm").values()
        if dimension in a["Properties"].get("Dimensions", [])
    ]  # fmt: skip
    mappings = dev_synth.resources("AWS::Lambda::EventSourceMapping")
    (mapping,) = [m for k, m in mappings.items() if k.startswith("ReferralsFiler")]
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_follower_runs_every_fifteen_minutes(dev_synth: Synth) -> None:
    # Given the follower's schedule
    (rule,) = [
        r
        for k, r in dev_synth.resources("AWS::Events::Rule").items()
        if k.startswith("ReferralsFollowSchedule")
    ]
    # Then it runs the follower function at the interval
    assert rule["Properties"]["ScheduleExpression"] == f"rate({int(FOLLOW_INTERVAL.to_minutes())} minutes)"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"]["Fn::GetAtt"][0].startswith("ReferralsFollower")
    assert _function(dev_synth, "ReferralsFollower")["Properties"]["Handler"] == "handler.follow_handler"


def test_refusals_unknown_outcomes_and_unread_updates_alarm(dev_synth: Synth) -> None:
    # Given the referral alarms
    alarms = {
        k: a for k, a in dev_synth.resources("AWS::CloudWatch::Alarm").items() if k.startswith("Referrals")
    }
    text = json.dumps(alarms)
    # Then each failure the other side can cause is watched, and goes to the alarm topic
    for metric in ("ReferralsFailed", "ReferralsUncertain", "ReferralsFollowFailed"):
        assert metric in text
    topic_id, _ = dev_synth.alarm_topic()
    assert all({"Ref": topic_id} in a["Properties"]["AlarmActions"] for a in alarms.values())


def test_the_other_sides_keys_are_in_an_encrypted_secret_not_in_the_template(dev_synth: Synth) -> None:
    # Given the referral secret
    (secret,) = [
        s
        for k, s in dev_synth.resources("AWS::SecretsManager::Secret").items()
        if k.startswith("ReferralsKeys")
    ]
    # Then it is encrypted with a customer key, ships empty, and both functions read it by its ARN
    assert "KmsKeyId" in secret["Properties"]
    assert secret["Properties"]["SecretString"] == "{}"
    for prefix in ("ReferralsFiler", "ReferralsFollower"):
        variables = _function(dev_synth, prefix)["Properties"]["Environment"]["Variables"]
        assert "Ref" in variables["REFERRAL_SECRET_ID"]


def test_each_referral_function_touches_only_its_partitions(dev_synth: Synth) -> None:
    # Given the filer's and the follower's roles
    allowed = {
        "ReferralsFiler": {"REQ#*", "CATALOG", "REFERRAL#*", "REFERRALS#*"},
        "ReferralsFollower": {"REQ#*", "REFERRAL#*", "REFERRALS#*"},
    }
    for prefix, partitions in allowed.items():
        statements = dev_synth.statements_of_role(dev_synth.role_of(_function(dev_synth, prefix)))
        table = [s for s in statements if any(str(a).startswith(TABLE_ACTIONS) for a in as_list(s["Action"]))]
        # Then every table statement is held to named partitions, never a Scan or an index
        assert table
        for statement in table:
            keys = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
            assert set(keys) <= partitions, (prefix, keys)
            assert "dynamodb:Scan" not in as_list(statement["Action"])
            assert "/index/" not in json.dumps(statement["Resource"])
    # And the follower never reads a request (its contact item included); only the filer sends mail
    follower = dev_synth.statements_of_role(dev_synth.role_of(_function(dev_synth, "ReferralsFollower")))
    reads = [s for s in follower if "dynamodb:GetItem" in as_list(s["Action"])]
    assert reads == []
    assert not [s for s in follower if "ses:SendEmail" in as_list(s["Action"])]
