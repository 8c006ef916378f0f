"""The local system is built from the synthesized template, and every route meets its handler."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest

from local.cloud import LocalResources, Resolver, Schedule, create_from_template
from local.gateway import read_api
from local.openapi import http_handler_modules
from tests.infra.synth import Synth


@pytest.fixture
def created(aws: None, dev_synth: Synth) -> LocalResources:
    return create_from_template(dev_synth.raw)


def test_the_table_is_created_as_the_template_defines_it(created: LocalResources, dev_synth: Synth) -> None:
    (logical_id, resource), *_ = (
        (k, v) for k, v in dev_synth.raw["Resources"].items() if v["Type"] == "AWS::DynamoDB::Table"
    )
    table = boto3.client("dynamodb").describe_table(TableName=created.tables[logical_id])["Table"]
    declared = {i["IndexName"] for i in resource["Properties"]["GlobalSecondaryIndexes"]}
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == declared
    declared_stream = resource["Properties"]["StreamSpecification"]["StreamViewType"]
    assert table["StreamSpecification"]["StreamViewType"] == declared_stream == "NEW_IMAGE"


def test_function_environments_are_resolved_to_local_resources(created: LocalResources) -> None:
    environment = created.environment()
    assert environment["TABLE_NAME"] == created.table()
    unresolved = {k: v for k, v in environment.items() if re.search(r"Fn::|\{\"Ref|\$\{", v)}
    assert unresolved == {}


def test_every_route_has_a_local_handler_and_every_handler_route_is_in_the_template(
    created: LocalResources, dev_synth: Synth
) -> None:
    # Given the routes the template deploys, mapped to the functions they integrate with
    api = read_api(dev_synth.raw, created, Resolver(created, "test"), "http://emulator")
    deployed: dict[str, set[str]] = {}
    for route in api.routes:
        deployed.setdefault(route.function, set()).add(route.route_key)
    # Then each function serving routes is an HTTP handler whose own routes are exactly those
    # (a code directory may hold a scheduled job's handler too: the HTTP one is `lambda_handler`)
    by_module = {
        f"functions.{f.source.split('/')[1]}.handler": f.name
        for f in created.functions.values()
        if f.handler_path == "handler.lambda_handler"
    }
    assert set(deployed) <= set(by_module.values()), "a route targets a function with no local handler"
    for module in http_handler_modules():
        document: dict[str, Any] = json.loads(
            __import__(module, fromlist=["app"]).app.get_openapi_json_schema()
        )
        coded = {f"{method.upper()} {path}" for path, ops in document["paths"].items() for method in ops}
        assert coded == deployed.get(by_module[module], set()), f"{module}: routes differ from the template"


def test_intrinsics_resolve_like_cloudformation() -> None:
    created = LocalResources(refs={"Queue": "https://q"}, attributes={"Table": {"Arn": "arn:table"}})
    resolve = Resolver(created, "Stack")
    assert resolve({"Fn::Join": ["", ["a-", {"Ref": "AWS::Region"}, "-", {"Ref": "Queue"}]]}) == (
        "a-eu-central-1-https://q"
    )
    assert resolve({"Fn::GetAtt": ["Table", "Arn"]}) == "arn:table"
    assert resolve({"Fn::Sub": "${Table.Arn}/index/*"}) == "arn:table/index/*"
    assert (
        resolve({"Fn::Sub": ["${X}-${AWS::AccountId}", {"X": {"Ref": "Queue"}}]}) == "https://q-123456789012"
    )
    assert resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"


@pytest.mark.parametrize(
    ("expression", "seconds"), [("rate(5 minutes)", 300), ("rate(1 minute)", 60), ("rate(2 hours)", 7200)]
)
def test_schedule_rates_are_read_from_the_template(expression: str, seconds: int) -> None:
    assert Schedule("Rule", expression, "fn").seconds == seconds


def test_an_unsupported_schedule_fails_loudly() -> None:
    with pytest.raises(RuntimeError, match="rate"):
        _ = Schedule("Rule", "cron(0/5 8-17 ? * MON-FRI *)", "fn").seconds


def test_a_daily_cron_runs_once_a_day_locally() -> None:
    assert Schedule("Rule", "cron(0 5 * * ? *)", "fn").seconds == 86_400


def test_a_weekly_cron_runs_once_a_week_locally() -> None:
    # Given the classifier's weekly retraining (the stage's default) / Then make run keeps it weekly
    from dataclasses import fields

    from infra.config import StageConfig

    (weekly,) = [f.default for f in fields(StageConfig) if f.name == "retrain_schedule"]
    assert Schedule("Rule", str(weekly), "fn").seconds == 7 * 86_400
