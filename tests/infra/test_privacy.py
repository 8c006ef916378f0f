"""KVKK in the template: only the privacy functions delete citizens' data, a daily retention job with
a dead-letter queue, the media bucket's expiry rules following the profile's retention policy."""

from __future__ import annotations

import json

from civicdesk.profile.model import load
from infra import names
from tests.infra.synth import Synth, as_list

DELETES = ("dynamodb:DeleteItem", "s3:DeleteObjectVersion")


def test_only_the_privacy_functions_may_delete_requests_citizens_conversations_and_photo_versions(
    dev_synth: Synth,
) -> None:
    # Given every statement of every role in the template
    deleting: dict[str, set[str]] = {}
    for role, statement in dev_synth.all_iam_statements():
        actions = set(as_list(statement["Action"])) & set(DELETES)
        text = json.dumps(statement.get("Condition", {})) + json.dumps(statement.get("Resource"))
        if actions and any(p in text for p in ("REQ#", "CIT#", "CONV#", "whatsapp/*")):
            deleting.setdefault(role, set()).update(actions)
    # Then only the privacy roles delete a request's items, citizen entries, dialogues or photo versions
    assert deleting
    assert all(role.startswith("Privacy") for role in deleting), sorted(deleting)
    # And they never Scan
    for role in deleting:
        statements = [s for r, s in dev_synth.all_iam_statements() if r == role]
        assert not [s for s in statements if "dynamodb:Scan" in as_list(s["Action"])]


def test_the_retention_job_runs_daily_with_a_dead_letter_queue(dev_synth: Synth) -> None:
    job_id, _ = dev_synth.function_with_handler(names.HANDLER_RETENTION, names.FUNCTION_PRIVACY)
    rules = [
        r for r in dev_synth.resources("AWS::Events::Rule").values()
        if job_id in json.dumps(r["Properties"].get("Targets", []))
    ]  # fmt: skip
    (rule,) = rules
    assert rule["Properties"]["ScheduleExpression"].startswith("cron(30 1 ")
    (target,) = rule["Properties"]["Targets"]
    assert "DeadLetterConfig" in target


def test_the_media_buckets_expiry_follows_the_profiles_retention_policy(dev_synth: Synth) -> None:
    periods = load("bornova").kvkk.periods
    buckets = [
        b for b in dev_synth.resources("AWS::S3::Bucket").values()
        if b["Properties"].get("VersioningConfiguration")
        and "LifecycleConfiguration" in b["Properties"]
        and any(r.get("Id") == "draft-photos" for r in b["Properties"]["LifecycleConfiguration"]["Rules"])
    ]  # fmt: skip
    (bucket,) = buckets
    rules = {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["draft-photos"]["ExpirationInDays"] == periods.unfiled_days
    assert rules["retention"]["ExpirationInDays"] == periods.free_text_days
