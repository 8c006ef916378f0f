"""Per-client limits: the WAF web ACL (us-east-1) on the distribution, the origin-verify guard that
keeps the execute-api URL from going around it, per-route throttles, reservations that cannot break a
first deploy, and a table warmed for the disaster-day surge (docs/capacity.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from civicdesk.core import origin
from infra import config as stage_config
from infra import names
from infra.capabilities.edge import MANAGED_RULE_GROUPS
from infra.config import EDGE_REGION, UNRESERVED_MINIMUM, load_config
from tests.infra.synth import Synth, synthesize


def _edge_template(synth: Synth) -> dict[str, Any]:
    path = synth.outdir / f"{names.edge_stack_name(synth.stage)}.template.json"
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _web_acl(synth: Synth) -> dict[str, Any]:
    (acl,) = [r for r in _edge_template(synth)["Resources"].values() if r["Type"] == "AWS::WAFv2::WebACL"]
    return dict(acl["Properties"])


def _manifest_region(synth: Synth, stack: str) -> str:
    manifest = json.loads((synth.outdir / "manifest.json").read_text(encoding="utf-8"))
    return str(manifest["artifacts"][stack]["environment"]).rsplit("/", 1)[1]


def test_the_web_acl_lives_in_us_east_1_and_guards_the_distribution(any_synth: Synth) -> None:
    # Given the stage's two stacks
    # Then the web ACL is a CloudFront-scope ACL in the us-east-1 stack
    assert _manifest_region(any_synth, names.edge_stack_name(any_synth.stage)) == EDGE_REGION
    assert _web_acl(any_synth)["Scope"] == "CLOUDFRONT"
    # And the distribution in the stage's region carries its ARN, read across regions
    assert _manifest_region(any_synth, names.stack_name(any_synth.stage)) == any_synth.config.region
    _, distribution = any_synth.only("AWS::CloudFront::Distribution")
    acl = distribution["Properties"]["DistributionConfig"]["WebACLId"]
    reader, exported = acl["Fn::GetAtt"]
    assert reader.startswith("ExportsReader")
    assert "WebAcl" in exported


def test_cfr2_is_satisfied_not_acknowledged(any_synth: Synth) -> None:
    # Given the distribution / Then no acknowledgement of "no WAF" is left on it
    _, distribution = any_synth.only("AWS::CloudFront::Distribution")
    suppressed = distribution.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    assert "AwsSolutions-CFR2" not in {rule["id"] for rule in suppressed}


def test_one_address_is_limited_on_filings_and_on_everything_with_a_429_in_our_shape(
    any_synth: Synth,
) -> None:
    # Given the web ACL's rules
    acl = _web_acl(any_synth)
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    limits = any_synth.config.waf
    # Then filings (POST /requests*) have their own per-address limit, below the one for everything
    filings = rules["FilingsPerIp"]["Statement"]["RateBasedStatement"]
    assert (filings["AggregateKeyType"], filings["Limit"]) == ("IP", limits.filings_per_ip)
    scope = json.dumps(filings["ScopeDownStatement"])
    assert '"POST"' in scope
    assert '"/requests"' in scope
    everything = rules["RequestsPerIp"]["Statement"]["RateBasedStatement"]
    assert everything["Limit"] == limits.requests_per_ip > limits.filings_per_ip
    # And a blocked citizen gets a 429 with a body in the API's error shape, Turkish first
    for name in ("FilingsPerIp", "RequestsPerIp"):
        response = rules[name]["Action"]["Block"]["CustomResponse"]
        assert response["ResponseCode"] == 429
        body = json.loads(acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
        assert set(body) == {"error", "message", "fields"}
        assert body["message"].startswith("Çok fazla")


def test_aws_managed_rule_groups_run_but_the_api_answers_over_long_bodies_itself(any_synth: Synth) -> None:
    # Given the web ACL's managed rule groups
    groups = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]: rule["Statement"]["ManagedRuleGroupStatement"]
        for rule in _web_acl(any_synth)["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    # Then the three AWS groups are there, and only the body-size rule is counted instead of blocking
    assert set(groups) == set(MANAGED_RULE_GROUPS)
    common = groups["AWSManagedRulesCommonRuleSet"]["RuleActionOverrides"]
    assert common == [{"ActionToUse": {"Count": {}}, "Name": "SizeRestrictions_BODY"}]


def test_citizen_routes_accept_only_requests_that_came_through_cloudfront(any_synth: Synth) -> None:
    # Given the API origin of the distribution
    _, distribution = any_synth.only("AWS::CloudFront::Distribution")
    (api_origin,) = [
        o for o in distribution["Properties"]["DistributionConfig"]["Origins"] if "OriginCustomHeaders" in o
    ]
    (header,) = api_origin["OriginCustomHeaders"]
    # Then CloudFront sends the origin-verify header, its value a dynamic reference to a generated secret
    assert header["HeaderName"] == origin.HEADER
    joined = json.dumps(header["HeaderValue"])
    assert "{{resolve:secretsmanager:" in joined
    # And the citizen routes' authorizer asks for exactly that header, caching answers per value
    (authorizer,) = [
        a
        for a in any_synth.resources("AWS::ApiGatewayV2::Authorizer").values()
        if a["Properties"]["AuthorizerType"] == "REQUEST"
    ]
    props = authorizer["Properties"]
    assert props["IdentitySource"] == [f"$request.header.{origin.HEADER}"]
    assert props["EnableSimpleResponses"] is True
    assert 0 < props["AuthorizerResultTtlInSeconds"] <= 300


def test_each_route_has_its_own_throttle_and_filing_takes_the_surge_in_prod(prod_synth: Synth) -> None:
    # Given the prod stage's API stage
    _, stage = prod_synth.only("AWS::ApiGatewayV2::Stage")
    settings = stage["Properties"]["RouteSettings"]
    # Then filing takes 1 000 requests a second (docs/capacity.md), Meta's deliveries have a bucket of
    # their own (spelt as CloudFormation reads them), and the stage is created after every route it names
    assert settings[stage_config.ROUTE_FILE]["ThrottlingRateLimit"] >= 1000
    assert set(settings[stage_config.ROUTE_WEBHOOK]) == {"ThrottlingRateLimit", "ThrottlingBurstLimit"}
    routes = {
        k
        for k, r in prod_synth.resources("AWS::ApiGatewayV2::Route").items()
        if r["Properties"]["RouteKey"] in settings
    }
    assert routes <= set(stage["DependsOn"])


def test_a_first_deploy_reserves_no_concurrency(any_synth: Synth) -> None:
    # Given a stage deployed without knowing the account's concurrency quota (a new account: maybe 10)
    functions = any_synth.resources("AWS::Lambda::Function").values()
    # Then no function reserves concurrency, so the deploy cannot fail on the unreserved minimum
    assert all("ReservedConcurrentExecutions" not in f["Properties"] for f in functions)


@pytest.mark.parametrize(("quota", "applied"), [(None, False), ("10", False), ("501", False), ("1000", True)])
def test_reservations_apply_only_when_the_quota_leaves_the_unreserved_minimum(
    quota: str | None, applied: bool
) -> None:
    # Given the prod config with the account's quota given (or not) in context
    config = load_config("prod", lambda key: quota if key == "lambda_concurrency_quota" else None)
    # Then reservations apply only when UNRESERVED_MINIMUM stays free, each function's as configured
    assert config.reservations_fit() is applied
    intake = config.reserved_concurrency(names.FUNCTION_INTAKE)
    assert intake == (config.reservations[names.FUNCTION_INTAKE] if applied else None)
    if applied:
        assert sum(config.reservations.values()) + UNRESERVED_MINIMUM <= int(quota or 0)


def test_with_a_known_quota_the_sla_checker_runs_alone(tmp_path: Path) -> None:
    # Given prod synthesized for an account whose quota is 1 000
    synth = synthesize("prod", tmp_path, context={"lambda_concurrency_quota": "1000"})
    # Then the SLA checker reserves exactly one execution, the intake its share
    reserved = {
        f["Metadata"][names.METADATA_SOURCE]: f["Properties"].get("ReservedConcurrentExecutions")
        for f in synth.resources("AWS::Lambda::Function").values()
        if names.METADATA_SOURCE in f.get("Metadata", {})
    }
    assert reserved[f"functions/{names.FUNCTION_SLA_CHECKER}"] == 1
    assert reserved[f"functions/{names.FUNCTION_INTAKE}"] == synth.config.reservations[names.FUNCTION_INTAKE]


def test_prod_table_and_indexes_are_warmed_for_the_surge(prod_synth: Synth) -> None:
    # Given the prod table
    _, table = prod_synth.only("AWS::DynamoDB::Table")
    props = table["Properties"]
    # Then it absorbs 6 000+ write units a second at once (1 000 filings of ~6 units), its indexes too
    assert props["WarmThroughput"]["WriteUnitsPerSecond"] >= 6000
    for index in props["GlobalSecondaryIndexes"]:
        assert index["WarmThroughput"]["WriteUnitsPerSecond"] >= 6000
