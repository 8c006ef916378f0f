"""The citizen HTTP API: its routes, its default stage (throttled, access-logged) and its outputs."""

from __future__ import annotations

import json

import pytest

from infra import names
from tests.infra.synth import Synth

ROUTE_KEYS = {
    "POST /requests",
    "GET /requests/{code}",
    "GET /catalog",
    "GET /surveys/{token}",
    "POST /surveys/{token}",
    "POST /surveys/{token}/follow-up",
}
WEBHOOK_ROUTE_KEYS = {"GET /webhooks/whatsapp", "POST /webhooks/whatsapp"}  # tests/infra/test_whatsapp.py


def test_only_meta_s_webhook_is_open_and_citizen_routes_need_cloudfront(dev_synth: Synth) -> None:
    # Given the dev stack / When we group the HTTP API's routes by how they are authorized
    routes = dev_synth.resources("AWS::ApiGatewayV2::Route").values()
    by_type: dict[str, set[str]] = {}
    for route in routes:
        by_type.setdefault(route["Properties"].get("AuthorizationType", "NONE"), set()).add(
            route["Properties"]["RouteKey"]
        )
    # Then only Meta's webhook (HMAC-signed) has no authorizer; the citizen routes and Open311's
    # (public by its specification) need no account but go through the origin-verify authorizer
    # (tests/infra/test_edge.py); every other route is a staff route behind the JWT authorizer
    # (tests/infra/test_staff.py)
    from infra.capabilities.open311 import OPEN311_ROUTES

    open311 = {f"{method.value} {path}" for path, method in OPEN311_ROUTES}
    assert by_type["NONE"] == WEBHOOK_ROUTE_KEYS
    assert by_type["CUSTOM"] == ROUTE_KEYS | open311


def test_every_route_proxies_to_the_intake_function(dev_synth: Synth) -> None:
    # Given the intake function
    intake_id, _ = dev_synth.function_with_handler(names.HANDLER_INTAKE, names.FUNCTION_INTAKE)
    integrations = dev_synth.resources("AWS::ApiGatewayV2::Integration")
    for route in dev_synth.resources("AWS::ApiGatewayV2::Route").values():
        if route["Properties"]["RouteKey"] not in ROUTE_KEYS:
            continue
        # When we follow each citizen route's target
        target = route["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
        integration = integrations[target]["Properties"]
        # Then it is a Lambda proxy integration (payload 2.0) of the intake function
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert integration["PayloadFormatVersion"] == "2.0"
        assert integration["IntegrationUri"] == {"Fn::GetAtt": [intake_id, "Arn"]}


def test_api_gateway_may_invoke_intake_per_route(dev_synth: Synth) -> None:
    # Given the intake function / When we list the permissions API Gateway holds on it
    intake_id, _ = dev_synth.function_with_handler(names.HANDLER_INTAKE, names.FUNCTION_INTAKE)
    permissions = [
        p["Properties"]
        for p in dev_synth.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [intake_id, "Arn"]}
    ]
    # Then there is one per route, for the apigateway service principal
    assert len(permissions) == len(ROUTE_KEYS)
    assert {p["Principal"] for p in permissions} == {"apigateway.amazonaws.com"}


def test_default_stage_is_throttled_from_config(any_synth: Synth) -> None:
    # Given either stage / When we read the API's only stage
    _, stage = any_synth.only("AWS::ApiGatewayV2::Stage")
    props = stage["Properties"]
    # Then it is the auto-deployed $default stage with the configured rate and burst
    assert props["StageName"] == "$default"
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": any_synth.config.api_rate_limit,
        "ThrottlingBurstLimit": any_synth.config.api_burst_limit,
    }


def test_default_stage_writes_json_access_logs_without_personal_data(dev_synth: Synth) -> None:
    # Given the dev stage's access-log settings
    _, stage = dev_synth.only("AWS::ApiGatewayV2::Stage")
    settings = stage["Properties"]["AccessLogSettings"]
    # When we follow the destination and parse the format
    log_group = dev_synth.resource(settings["DestinationArn"]["Fn::GetAtt"][0])
    fields = json.loads(settings["Format"])
    # Then logs go to a log group with retention, as JSON with the operational fields
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert {"requestId", "ip", "routeKey", "status", "latency", "integrationErrorMessage"} <= set(fields)
    assert fields["routeKey"] == "$context.routeKey"
    # And nothing that carries a tracking code or citizen input (raw path, query string, body)
    for variable in fields.values():
        assert not any(leak in variable for leak in ("$context.path", "querystring", "$input", "body"))


def test_cors_preflight_matches_the_dev_web_page(dev_synth: Synth) -> None:
    # Given the dev API / When we read its CORS configuration
    _, api = dev_synth.only("AWS::ApiGatewayV2::Api")
    cors = api["Properties"]["CorsConfiguration"]
    # Then the local web page origins may call it with JSON and an Idempotency-Key, and browsers cache
    # the preflight for a day
    assert cors["AllowOrigins"] == ["http://127.0.0.1:8000", "http://localhost:8000"]
    assert cors["AllowMethods"] == ["GET", "POST", "OPTIONS"]
    assert cors["AllowHeaders"] == ["content-type", "idempotency-key"]
    assert cors["MaxAge"] == 86400


def test_server_errors_raise_an_alarm(any_synth: Synth) -> None:
    # Given either stage's API and alarm topic
    api_id, _ = any_synth.only("AWS::ApiGatewayV2::Api")
    topic_id, _ = any_synth.alarm_topic()
    # When we look for an alarm on the API's 5xx count
    alarms = [
        a["Properties"]
        for a in any_synth.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "5xx"
        and {"Name": "ApiId", "Value": {"Ref": api_id}} in a["Properties"]["Dimensions"]
    ]
    # Then there is one at the stage's threshold, notifying the topic
    assert len(alarms) == 1
    assert alarms[0]["Threshold"] == any_synth.config.api_5xx_alarm_threshold
    assert alarms[0]["AlarmActions"] == [{"Ref": topic_id}]


@pytest.mark.parametrize(
    ("output_id", "resource_type"),
    [
        (names.OUTPUT_API_URL, "AWS::ApiGatewayV2::Api"),
        (names.OUTPUT_TABLE_NAME, "AWS::DynamoDB::Table"),
        (names.OUTPUT_ALARM_TOPIC_ARN, "AWS::SNS::Topic"),
    ],
)
def test_outputs_have_stable_ids(dev_synth: Synth, output_id: str, resource_type: str) -> None:
    # Given the dev template's outputs / When we look one up by its constant id
    output = dev_synth.raw["Outputs"][output_id]
    resource_id, _ = (
        dev_synth.alarm_topic() if resource_type == "AWS::SNS::Topic" else dev_synth.only(resource_type)
    )
    # Then it exists under exactly that id and refers to the resource it names
    assert resource_id in json.dumps(output["Value"])
