"""The WhatsApp channel in the template: webhook routes, secret, media bucket, least privilege."""

from __future__ import annotations

import json
from typing import Any

from civicdesk import layout
from civicdesk.whatsapp import config as wa_config
from infra import names
from infra.capabilities import whatsapp as construct
from tests.infra.synth import Synth, as_list


def _function(synth: Synth) -> tuple[str, dict[str, Any]]:
    return synth.function_with_handler(names.HANDLER_WHATSAPP, names.FUNCTION_WHATSAPP)


def _only_with_prefix(synth: Synth, resource_type: str, prefix: str) -> tuple[str, dict[str, Any]]:
    (found,) = [(k, v) for k, v in synth.resources(resource_type).items() if k.startswith(prefix)]
    return found


def test_the_constants_infra_uses_are_the_domains() -> None:
    # The stack writes what the function expects: the same placeholder
    assert construct.UNSET_CREDENTIAL == wa_config.PLACEHOLDER


def test_get_and_post_webhook_routes_proxy_to_the_whatsapp_function(dev_synth: Synth) -> None:
    # Given the WhatsApp function and the API's routes
    function_id, _ = _function(dev_synth)
    integrations = dev_synth.resources("AWS::ApiGatewayV2::Integration")
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in dev_synth.resources("AWS::ApiGatewayV2::Route").values()
        if "/webhooks/whatsapp" in r["Properties"]["RouteKey"]
    }
    # Then GET and POST /webhooks/whatsapp exist and are Lambda proxies (payload 2.0) of that function
    assert set(routes) == {"GET /webhooks/whatsapp", "POST /webhooks/whatsapp"}
    for route in routes.values():
        integration = integrations[route["Target"]["Fn::Join"][1][1]["Ref"]]["Properties"]
        assert integration["IntegrationUri"] == {"Fn::GetAtt": [function_id, "Arn"]}
        assert integration["PayloadFormatVersion"] == "2.0"


def test_the_function_gets_the_secrets_arn_and_never_a_secret_value(any_synth: Synth) -> None:
    # Given the function's environment and the secret
    _, function = _function(any_synth)
    variables = function["Properties"]["Environment"]["Variables"]
    secret_id, secret = _only_with_prefix(any_synth, "AWS::SecretsManager::Secret", "WhatsAppSecret")
    # Then the secret is referenced by ARN, and no variable holds a credential or a placeholder for one
    assert variables[names.ENV_WHATSAPP_SECRET_ID] == {"Ref": secret_id}
    text = json.dumps(variables).lower()
    assert "replace_me" not in text
    others = [
        k for k in variables if k not in (names.ENV_WHATSAPP_SECRET_ID, names.ENV_CITIZEN_KEY_SECRET_ID)
    ]
    assert not [k for k in others if any(word in k for word in ("TOKEN", "SECRET", "KEY", "PASSWORD"))]
    # And the secret itself holds only placeholders and the generated verify token in the template
    generate = secret["Properties"]["GenerateSecretString"]
    assert generate["GenerateStringKey"] == "verify_token"
    assert generate["PasswordLength"] >= 32
    assert set(json.loads(generate["SecretStringTemplate"]).values()) == {wa_config.PLACEHOLDER}


def test_the_secret_and_the_photos_are_encrypted_with_a_rotating_customer_key(any_synth: Synth) -> None:
    _, secret = _only_with_prefix(any_synth, "AWS::SecretsManager::Secret", "WhatsAppSecret")
    _, bucket = _only_with_prefix(any_synth, "AWS::S3::Bucket", "WhatsAppMedia7")
    key_id = secret["Properties"]["KmsKeyId"]["Fn::GetAtt"][0]
    (encryption,) = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
    }
    assert any_synth.resource(key_id)["Properties"]["EnableKeyRotation"] is True


def test_the_media_bucket_is_private_ssl_only_versioned_logged_and_expires_photos(any_synth: Synth) -> None:
    # Given the media bucket
    bucket_id, bucket = _only_with_prefix(any_synth, "AWS::S3::Bucket", "WhatsAppMedia7")
    props = bucket["Properties"]
    # Then nothing about it is public, it keeps versions, and its access is logged to the log bucket
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    logs_id, _ = _only_with_prefix(any_synth, "AWS::S3::Bucket", "WhatsAppMediaAccessLogs")
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": logs_id}
    # And draft photos expire within days, filed ones after the retention period
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["draft-photos"]["TagFilters"] == [{"Key": "stage", "Value": "draft"}]
    assert rules["draft-photos"]["ExpirationInDays"] <= 7
    assert rules["retention"]["ExpirationInDays"] == 730
    assert bucket["DeletionPolicy"] == "Retain"
    # And plain-HTTP access is denied by its policy
    (policy,) = [
        p
        for p in any_synth.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    assert any(
        st["Effect"] == "Deny" and st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for st in policy["Properties"]["PolicyDocument"]["Statement"]
    )


def test_the_function_may_do_exactly_what_the_channel_needs(dev_synth: Synth) -> None:
    # Given the WhatsApp function's role
    _, function = _function(dev_synth)
    statements = dev_synth.statements_of_role(dev_synth.role_of(function))
    table_id = function["Properties"]["Environment"]["Variables"][names.ENV_TABLE_NAME]["Ref"]
    secret_id = function["Properties"]["Environment"]["Variables"][names.ENV_WHATSAPP_SECRET_ID]["Ref"]
    by_service: dict[str, list[dict[str, Any]]] = {}
    for statement in statements:
        for action in as_list(statement["Action"]):
            by_service.setdefault(action.split(":")[0], []).append({**statement, "Action": action})
    # Then on the table: read, query, put, update and condition-check; delete only idempotency records
    table_actions = {st["Action"] for st in by_service["dynamodb"]}
    assert table_actions == {
        "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
    }  # fmt: skip
    assert all(st["Resource"] == {"Fn::GetAtt": [table_id, "Arn"]} for st in by_service["dynamodb"])
    # And each only on the channel's partitions: it reads the catalogue but never writes it, and
    # touches no audit, template, example or other function's records
    allowed: dict[str, set[str]] = {}
    for st in by_service["dynamodb"]:
        keys = st["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        allowed.setdefault(st["Action"], set()).update(keys)
    own = layout.WHATSAPP_IDEMPOTENCY_PK
    written = {"REQ#*", "CIT#*", "CONV#*", "OUT#*", own}
    assert allowed["dynamodb:GetItem"] == allowed["dynamodb:Query"] == {*written, layout.CATALOGUE_PK}
    for action in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"):
        assert allowed[action] == written, action
    assert allowed["dynamodb:DeleteItem"] == {own}
    # And on S3: put and tag photos under whatsapp/ only (no read, no list, no delete)
    assert {st["Action"] for st in by_service["s3"]} == {"s3:PutObject", "s3:PutObjectTagging"}
    for st in by_service["s3"]:
        assert st["Resource"]["Fn::Join"][1][1] == "/whatsapp/*"
    # And two secrets, read only: Meta's credentials and the citizen-index key
    citizen_key = function["Properties"]["Environment"]["Variables"][names.ENV_CITIZEN_KEY_SECRET_ID]
    assert {st["Action"] for st in by_service["secretsmanager"]} == {
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    }
    resources = {json.dumps(r) for st in by_service["secretsmanager"] for r in as_list(st["Resource"])}
    assert resources == {json.dumps({"Ref": secret_id}), json.dumps(citizen_key)}


def test_replies_that_cannot_be_sent_raise_an_alarm(dev_synth: Synth) -> None:
    topic_id, _ = dev_synth.alarm_topic()
    (alarm,) = [
        a["Properties"]
        for a in dev_synth.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == construct.SEND_FAILURE_METRIC
    ]
    assert alarm["Namespace"] == names.METRICS_NAMESPACE
    assert alarm["AlarmActions"] == [{"Ref": topic_id}]


def test_the_webhook_url_and_the_secret_are_stack_outputs(dev_synth: Synth) -> None:
    outputs = dev_synth.raw["Outputs"]
    assert names.OUTPUT_WHATSAPP_WEBHOOK_URL in outputs
    assert names.OUTPUT_WHATSAPP_SECRET_ARN in outputs
    assert "webhooks/whatsapp" in json.dumps(outputs[names.OUTPUT_WHATSAPP_WEBHOOK_URL]["Value"])
