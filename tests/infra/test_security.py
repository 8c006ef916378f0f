"""Least privilege, observability and cdk-nag: the properties a reviewer would otherwise check by hand."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from civicdesk import layout
from infra import names
from infra.config import load_config
from tests.infra.synth import CROSS_REGION_READER, Synth, as_list

XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# CloudWatch Logs vended delivery and X-Ray sampling, which Step Functions logging/tracing need on "*"
STATE_MACHINE_STAR_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
}
INTAKE_DYNAMODB_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
}
STAGE_RETENTION_DAYS = {"dev": 30, "prod": 365}

# Every acknowledgement the app makes, by resource type. A new one is a reviewed change to this list.
ALLOWED_ACKNOWLEDGEMENTS: dict[str, list[str]] = {
    "AWS::IAM::Policy": [
        r"AwsSolutions-IAM5\[Resource::\*\]",
        r"AwsSolutions-IAM5\[Action::kms:ReEncrypt\*\]",
        r"AwsSolutions-IAM5\[Action::kms:GenerateDataKey\*\]",
        r"AwsSolutions-IAM5\[Resource::<CatalogueSeedFunction[0-9A-F]{8}\.Arn>:\*\]",
        # the router state machine invokes its three task functions (any version)
        r"AwsSolutions-IAM5\[Resource::<Router(Classify|Assign|Triage)TaskFunction[0-9A-F]{8}\.Arn>:\*\]",
        # web page deployment (BucketDeployment): its S3 grants on the asset bucket and the site bucket
        r"AwsSolutions-IAM5\[Action::s3:(GetObject|GetBucket|List|DeleteObject|Abort)\*\]",
        # (the stack's region is explicit, so CDK writes region and partition literally)
        r"AwsSolutions-IAM5\[Resource::arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-[a-z]+-[a-z]+-\d/\*\]",
        r"AwsSolutions-IAM5\[Resource::<WebSite[0-9A-F]{8}\.Arn>/\*\]",
        # WhatsApp photos: put and tag under the whatsapp/ prefix of the media bucket (keys made per message)
        r"AwsSolutions-IAM5\[Resource::<WhatsAppMedia[0-9A-F]{8}\.Arn>/whatsapp/\*\]",
        # web form photos: presigned uploads under uploads/, cleaned copies and thumbnails under web/
        r"AwsSolutions-IAM5\[Resource::<WhatsAppMedia[0-9A-F]{8}\.Arn>/(uploads|web)/\*\]",
        # classifier models: the retrain job reads and writes, the Classify task reads, under models/
        r"AwsSolutions-IAM5\[Resource::<LearningModels[0-9A-F]{8}\.Arn>/models/\*\]",
        # the staff API: Query on the table's indexes (its queues), and reading photos to sign links
        r"AwsSolutions-IAM5\[Resource::<StorageTable[0-9A-F]{8}\.Arn>/index/\*\]",
        # the notifier: SMS through End User Messaging from an origination identity registered later
        r"AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:\*\]",
        # open data: the day's files under requests/; DynamoDB's export writes its own objects under table/
        r"AwsSolutions-IAM5\[Resource::<OpenDataPublication[0-9A-F]{8}\.Arn>/requests/\*\]",
        r"AwsSolutions-IAM5\[Resource::<OpenDataTableExports[0-9A-F]{8}\.Arn>/table/\*\]",
    ],
    # analysts: Athena reads the open data's Parquet files and writes each query's results
    "AWS::IAM::ManagedPolicy": [
        r"AwsSolutions-IAM5\[Resource::<OpenDataPublication[0-9A-F]{8}\.Arn>/requests/parquet/\*\]",
        r"AwsSolutions-IAM5\[Resource::<OpenDataQueryResults[0-9A-F]{8}\.Arn>/results/\*\]",
    ],
    # dev only: MFA optional for scripted test accounts, no paid threat protection (prod has both)
    "AWS::Cognito::UserPool": [r"AwsSolutions-COG[238]"],
    "AWS::Lambda::Function": [r"AwsSolutions-L1"],
    "AWS::ApiGatewayV2::Route": [r"AwsSolutions-APIG4"],
    "AWS::S3::Bucket": [r"AwsSolutions-S1"],
    # the SLA checker's dead-letter queue is a DLQ (of a schedule target), which SQS3 cannot see
    "AWS::SQS::Queue": [r"AwsSolutions-SQS3"],
    "AWS::CloudFront::Distribution": [r"AwsSolutions-CFR[1-4]"],
    # Meta issues and rotates the WhatsApp credentials in its own dashboard; the citizen-index key must
    # never rotate (it keys every link between a citizen's requests)
    "AWS::SecretsManager::Secret": [r"AwsSolutions-SMG4"],
}


def _dynamodb_actions(statements: list[dict[str, Any]]) -> set[str]:
    return {a for st in statements for a in as_list(st["Action"]) if a.startswith("dynamodb:")}


def _partitions_by_action(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Each DynamoDB action -> the partition-key patterns it is allowed on (every grant conditioned)."""
    allowed: dict[str, set[str]] = {}
    for st in statements:
        for action in as_list(st["Action"]):
            if action.startswith("dynamodb:"):
                condition = st["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                allowed.setdefault(action, set()).update(as_list(condition))
    return allowed


# --- functions ------------------------------------------------------------------------------------


def test_every_function_is_python313_arm64_and_traced(any_synth: Synth) -> None:
    # Given either stage
    functions = any_synth.civic_functions()
    # When we look at every function built by CivicFunction
    assert len(functions) >= 2
    for logical_id, function in functions.items():
        props = function["Properties"]
        # Then it runs Python 3.13 on Graviton with active X-Ray tracing and the two layers (the open-data
        # function has pyarrow's besides)
        assert props["Runtime"] == "python3.13", logical_id
        assert props["Architectures"] == ["arm64"], logical_id
        assert props["TracingConfig"] == {"Mode": "Active"}, logical_id
        assert len(props["Layers"]) == (3 if logical_id.startswith("OpenDataExport") else 2), logical_id


def test_the_only_other_function_is_the_provider_framework(dev_synth: Synth) -> None:
    # Given the dev stack / When we list functions that CivicFunction did not build
    framework = dev_synth.framework_functions()
    # Then there are exactly three: the catalogue seed's provider framework, the web page's deployer and
    # the reader of the edge stack's exports (the web ACL's ARN, from us-east-1)
    handlers = sorted(f["Properties"]["Handler"] for f in framework.values())
    assert handlers == ["__entrypoint__.handler", "framework.onEvent", "index.handler"]


def test_every_function_logs_to_its_own_log_group_with_retention(any_synth: Synth) -> None:
    # Given either stage
    log_groups = []
    for logical_id, function in any_synth.resources("AWS::Lambda::Function").items():
        if logical_id.startswith(CROSS_REGION_READER):
            continue  # aws-cdk-lib creates it while synthesizing, after our code can reach it (see below)
        # When we follow each function's logging config (framework included)
        log_group_id = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        log_group = any_synth.resource(log_group_id)
        # Then it is an explicit log group of the stack with the stage's retention
        assert log_group["Type"] == "AWS::Logs::LogGroup", logical_id
        assert log_group["Properties"]["RetentionInDays"] == STAGE_RETENTION_DAYS[any_synth.stage]
        log_groups.append(log_group_id)
    # And no two functions share one
    assert len(log_groups) == len(set(log_groups))


def test_every_log_group_expires(any_synth: Synth) -> None:
    # Given either stage / When we list its log groups / Then none keeps data forever
    for logical_id, log_group in any_synth.resources("AWS::Logs::LogGroup").items():
        assert log_group["Properties"]["RetentionInDays"] == STAGE_RETENTION_DAYS[any_synth.stage], logical_id


def test_every_function_gets_the_powertools_environment(dev_synth: Synth) -> None:
    # Given the dev stack / When we read each function's environment
    for logical_id, function in dev_synth.civic_functions().items():
        variables = function["Properties"]["Environment"]["Variables"]
        # Then Powertools and the stage are configured the same way everywhere
        assert variables[names.ENV_POWERTOOLS_SERVICE_NAME] == names.SERVICE_NAME, logical_id
        assert variables[names.ENV_POWERTOOLS_METRICS_NAMESPACE] == names.METRICS_NAMESPACE, logical_id
        assert variables[names.ENV_POWERTOOLS_LOG_LEVEL] == "INFO", logical_id
        assert variables[names.ENV_STAGE] == "dev", logical_id
        if names.ENV_TABLE_NAME in variables:  # the dispatcher reads the stream, not the table
            assert variables[names.ENV_TABLE_NAME] == {"Ref": dev_synth.only("AWS::DynamoDB::Table")[0]}


def test_every_function_has_its_own_role(dev_synth: Synth) -> None:
    # Given the dev stack / When we map functions to roles / Then no role is shared
    roles = [dev_synth.role_of(f) for f in dev_synth.resources("AWS::Lambda::Function").values()]
    assert len(roles) == len(set(roles))


@pytest.mark.parametrize("metric_name", ["Errors", "Throttles"])
def test_every_function_alarms_on_errors_and_throttles(dev_synth: Synth, metric_name: str) -> None:
    # Given the dev stack and its alarm topic
    topic_id, _ = dev_synth.alarm_topic()
    alarms = dev_synth.resources("AWS::CloudWatch::Alarm").values()
    for logical_id in dev_synth.civic_functions():
        # When we look for the function's alarm on this metric
        matching = [
            a["Properties"]
            for a in alarms
            if a["Properties"].get("MetricName") == metric_name
            and {"Name": "FunctionName", "Value": {"Ref": logical_id}}
            in a["Properties"].get("Dimensions", [])
        ]
        # Then exactly one fires at the first occurrence in 5 minutes and notifies the topic
        assert len(matching) == 1, logical_id
        alarm = matching[0]
        assert (alarm["Threshold"], alarm["Period"], alarm["ComparisonOperator"]) == (
            1,
            300,
            "GreaterThanOrEqualToThreshold",
        )
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]


# --- IAM ------------------------------------------------------------------------------------------


def test_no_role_uses_an_aws_managed_policy(any_synth: Synth) -> None:
    # Given either stage (the provider framework runs under our own role too)
    # When we look at every role / Then none attaches a managed policy
    for logical_id, role in any_synth.resources("AWS::IAM::Role").items():
        if logical_id.startswith(CROSS_REGION_READER):
            continue  # the one exception, below
        assert not role["Properties"].get("ManagedPolicyArns"), logical_id


def test_the_cross_region_reader_may_only_log_and_read_this_stack_s_exports(any_synth: Synth) -> None:
    # Given the role aws-cdk-lib gives the reader of the edge stack's exports (created during synthesis,
    # after the app's constructs and aspects ran, so it keeps CDK's basic execution policy)
    (role,) = [
        r for k, r in any_synth.resources("AWS::IAM::Role").items() if k.startswith(CROSS_REGION_READER)
    ]
    # Then its managed policy is only Lambda's basic logging, and its own statements read SSM parameters
    # under this stack's export path and nothing else
    assert [json.dumps(arn) for arn in role["Properties"]["ManagedPolicyArns"]] == [
        json.dumps(
            {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}
        )
    ]
    (policy,) = role["Properties"]["Policies"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert "ssm:GetParameters" in statement["Action"]
    assert f":parameter/cdk/exports/{names.stack_name(any_synth.stage)}/*" in json.dumps(
        statement["Resource"]
    )


def test_intake_gets_exactly_its_table_actions_on_the_base_table(dev_synth: Synth) -> None:
    # Given the intake function's role
    _, intake = dev_synth.function_with_handler(names.HANDLER_INTAKE, names.FUNCTION_INTAKE)
    statements = dev_synth.statements_of_role(dev_synth.role_of(intake))
    table_id, _ = dev_synth.only("AWS::DynamoDB::Table")
    # When we collect its DynamoDB permissions
    dynamodb = [st for st in statements if any(a.startswith("dynamodb:") for a in as_list(st["Action"]))]
    # Then they are read-one, query, put and condition-check, plus what Powertools does with its
    # Idempotency-Key records, on the table itself (no index, no scan, no batch)
    assert _dynamodb_actions(statements) == INTAKE_DYNAMODB_ACTIONS
    assert all(st["Resource"] == {"Fn::GetAtt": [table_id, "Arn"]} for st in dynamodb)
    # And each only on the partitions filing and following a request need: never the catalogue for
    # writing, no conversation, outbound, audit or other function's records; delete only its own
    # idempotency records, update those and requests (a survey's "not solved" reopens the request)
    allowed = _partitions_by_action(dynamodb)
    own = layout.INTAKE_IDEMPOTENCY_PK
    assert allowed["dynamodb:GetItem"] == allowed["dynamodb:Query"] == {"REQ#*", "CATALOG", own}
    assert allowed["dynamodb:PutItem"] == allowed["dynamodb:ConditionCheckItem"] == {"REQ#*", "CIT#*", own}
    assert allowed["dynamodb:UpdateItem"] == {"REQ#*", own}
    assert allowed["dynamodb:DeleteItem"] == {own}


def test_seed_can_only_put_catalogue_items(dev_synth: Synth) -> None:
    # Given the catalogue seed function's role / When we collect its DynamoDB permissions
    _, seed = dev_synth.function_with_handler(names.HANDLER_CATALOGUE_SEED, names.FUNCTION_CATALOGUE_SEED)
    statements = dev_synth.statements_of_role(dev_synth.role_of(seed))
    # Then conditional PutItem is all it can do, and only in the catalogue's partition
    assert _dynamodb_actions(statements) == {"dynamodb:PutItem"}
    assert _partitions_by_action(statements) == {"dynamodb:PutItem": {layout.CATALOGUE_PK}}


@pytest.mark.parametrize(
    ("handler", "code_dir"),
    [
        (names.HANDLER_INTAKE, names.FUNCTION_INTAKE),
        (names.HANDLER_CATALOGUE_SEED, names.FUNCTION_CATALOGUE_SEED),
        (names.HANDLER_SLA_CHECKER, names.FUNCTION_SLA_CHECKER),
    ],
)
def test_table_users_may_use_the_table_key_and_no_other(
    dev_synth: Synth, handler: str, code_dir: str
) -> None:
    # Given a function that reads or writes the table
    _, function = dev_synth.function_with_handler(handler, code_dir)
    statements = dev_synth.statements_of_role(dev_synth.role_of(function))
    _, table = dev_synth.only("AWS::DynamoDB::Table")
    key_id = table["Properties"]["SSESpecification"]["KMSMasterKeyId"]["Fn::GetAtt"][0]
    # When we collect its KMS permissions
    kms = [st for st in statements if any(a.startswith("kms:") for a in as_list(st["Action"]))]
    # Then they name the table's key only (and intake the media bucket's, for the web form's photos)
    keys = {key_id}
    if handler == names.HANDLER_INTAKE:
        keys.add(next(k for k in dev_synth.resources("AWS::KMS::Key") if k.startswith("WhatsAppKey")))
    assert kms
    assert all(st["Resource"] in [{"Fn::GetAtt": [k, "Arn"]} for k in keys] for st in kms)


def test_wildcard_resources_are_only_for_actions_without_resource_scoping(any_synth: Synth) -> None:
    # Given every identity-policy statement in the stack, and the state machine's own policy
    machine_policies = {
        k
        for k, policy in any_synth.resources("AWS::IAM::Policy").items()
        if any("StateMachineRole" in r["Ref"] for r in policy["Properties"]["Roles"])
    }
    for logical_id, statement in any_synth.all_iam_statements():
        if "NotResource" in statement:
            # SMS: a phone number has no ARN; NotResource excludes every topic and endpoint
            assert (statement["Action"], statement["NotResource"]["Fn::Join"][1][-1]) == (
                "sns:Publish",
                ":sns:*:*:*",
            )
            continue
        # When a statement applies to "*"
        if "*" in as_list(statement["Resource"]):
            # Then it only writes X-Ray traces, or (the state machine alone) sets up its log delivery:
            # neither has resource-level permissions
            allowed = XRAY_ACTIONS | {"dynamodb:ListStreams"}  # neither takes a resource
            allowed |= STATE_MACHINE_STAR_ACTIONS if logical_id in machine_policies else set()
            assert set(as_list(statement["Action"])) <= allowed, (logical_id, statement)


def test_no_statement_grants_a_whole_service(any_synth: Synth) -> None:
    # Given every identity-policy statement / Then none uses a service-wide action wildcard
    for logical_id, statement in any_synth.all_iam_statements():
        for action in as_list(statement["Action"]):
            assert action != "*", logical_id
            assert not action.endswith(":*"), (logical_id, action)


# --- cdk-nag --------------------------------------------------------------------------------------


def test_cdk_nag_reported_no_violation(any_synth: Synth) -> None:
    # Given the validation report cdk-nag 3 writes next to the template (synth would have raised anyway)
    report = json.loads((any_synth.outdir / "validation-report.json").read_text(encoding="utf-8"))
    # When we collect violations from every plugin / Then there are none
    violations = [v for plugin in report.get("pluginReports", []) for v in plugin.get("violations", [])]
    assert violations == []


def test_every_acknowledgement_has_a_reason_and_sits_on_the_narrowest_resource(any_synth: Synth) -> None:
    # Given the acknowledgements cdk-nag recorded in the template metadata
    acknowledgements = any_synth.nag_acknowledgements()
    assert acknowledgements, "cdk-nag wrote no acknowledgement metadata: is write_suppressions enabled?"
    for logical_id, resource_type, rule_id, reason in acknowledgements:
        # Then each carries a real reason
        assert len(reason.strip()) >= 20, (logical_id, rule_id, reason)
        # And each is one of the reviewed acknowledgements, on the resource type it is about
        allowed = ALLOWED_ACKNOWLEDGEMENTS.get(resource_type, [])
        assert any(re.fullmatch(pattern, rule_id) for pattern in allowed), (
            logical_id,
            resource_type,
            rule_id,
        )


def test_public_routes_are_the_only_unauthenticated_acknowledgements(dev_synth: Synth) -> None:
    # Given the APIG4 acknowledgements / Then they are exactly the routes without an authorizer
    acknowledged = {
        logical_id
        for logical_id, _, rule_id, _ in dev_synth.nag_acknowledgements()
        if rule_id == "AwsSolutions-APIG4"
    }
    routes = dev_synth.resources("AWS::ApiGatewayV2::Route")
    assert acknowledged == {
        k for k, r in routes.items() if r["Properties"].get("AuthorizationType") == "NONE"
    }


# --- encryption in transit and at rest for alarms -------------------------------------------------


def test_alarm_topic_is_encrypted_and_ssl_only(dev_synth: Synth) -> None:
    # Given the alarm topic
    topic_id, topic = dev_synth.alarm_topic()
    # When we look at its key and policy
    key = dev_synth.resource(topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0])
    (policy,) = [
        p
        for p in dev_synth.resources("AWS::SNS::TopicPolicy").values()
        if {"Ref": topic_id} in p["Properties"]["Topics"]
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    # Then a rotating CMK CloudWatch may use encrypts it, and plain-HTTP publishing is denied
    assert key["Properties"]["EnableKeyRotation"] is True
    key_statements = key["Properties"]["KeyPolicy"]["Statement"]
    assert any(st.get("Principal") == {"Service": "cloudwatch.amazonaws.com"} for st in key_statements)
    assert any(
        st["Effect"] == "Deny" and st.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for st in statements
    )
    assert policy["Properties"]["Topics"] == [{"Ref": topic_id}]


# --- CORS -----------------------------------------------------------------------------------------


def test_prod_cors_allows_only_exact_https_origins(prod_synth: Synth) -> None:
    # Given the prod stack / When we read the API's CORS origins
    _, api = prod_synth.only("AWS::ApiGatewayV2::Api")
    origins = api["Properties"]["CorsConfiguration"]["AllowOrigins"]
    # Then there is no wildcard and every origin is https
    assert origins
    assert all("*" not in origin and origin.startswith("https://") for origin in origins)


@pytest.mark.parametrize("origin", ["*", "https://*.bel.tr", "http://talep.example.bel.tr", "https://x.tr/"])
def test_prod_config_rejects_a_loose_web_origin(origin: str) -> None:
    # Given a prod deploy with a loose `-c web_origin=...`
    context = {"web_origin": origin}
    # When the config is loaded / Then synth stops before building anything
    with pytest.raises(ValueError, match="web_origin"):
        load_config("prod", context.get)
