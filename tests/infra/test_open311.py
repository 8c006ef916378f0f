"""Open311 in the template: every route of the specification, public behind the distribution; the
key routes behind the staff authorizer; each function held to its own partitions, Query on two
indexes, no Scan, no delete."""

from __future__ import annotations

import json

from civicdesk import layout
from infra import names
from infra.capabilities.open311 import KEY_ROUTES, OPEN311_ROUTES
from tests.infra.synth import Synth, as_list


def test_every_open311_route_is_public_through_the_distribution_and_every_key_route_needs_an_admin(
    dev_synth: Synth,
) -> None:
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in dev_synth.resources("AWS::ApiGatewayV2::Route").values()
    }
    # Then both formats of each GeoReport v2 path exist, open to any client (the spec's contract) that
    # comes through CloudFront and its WAF: the origin-verify authorizer, no account
    _, distribution = dev_synth.only("AWS::CloudFront::Distribution")
    behaviours = distribution["Properties"]["DistributionConfig"]["CacheBehaviors"]
    assert "/open311/*" in {b["PathPattern"] for b in behaviours}
    for path, method in OPEN311_ROUTES:
        route = routes[f"{method.value} {path}"]
        assert route["AuthorizationType"] == "CUSTOM"
    assert "POST /open311/v2/requests.xml" in routes
    assert "GET /open311/v2/servicerequestupdates.json" in routes
    # And issuing, listing and revoking keys needs a staff token
    for path, method in KEY_ROUTES:
        assert routes[f"{method.value} {path}"]["AuthorizationType"] == "JWT"


def test_the_open311_functions_touch_only_their_partitions_and_indexes(dev_synth: Synth) -> None:
    endpoint = dev_synth.role_of(
        dev_synth.function_with_handler(names.HANDLER_OPEN311, names.FUNCTION_OPEN311)[1]
    )
    keys = dev_synth.role_of(
        dev_synth.function_with_handler(names.HANDLER_OPEN311_KEYS, names.FUNCTION_OPEN311_KEYS)[1]
    )
    for role in (endpoint, keys):
        statements = dev_synth.statements_of_role(role)
        actions = {a for s in statements for a in as_list(s["Action"])}
        # Then neither may Scan or delete
        assert not actions & {"dynamodb:Scan", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
        # And every table action is held to named partitions, or is a Query on a named index
        for statement in statements:
            if not any(a.startswith("dynamodb:") for a in as_list(statement["Action"])):
                continue
            resources = json.dumps(statement["Resource"])
            if "/index/" in resources:
                assert as_list(statement["Action"]) == ["dynamodb:Query"]
                assert f"/index/{layout.CREATED.name}" in resources
                assert f"/index/{layout.TIMELINE.name}" in resources
                continue
            leading = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
            if role == keys:
                assert leading == [layout.OPEN311_KEYS_PK]
            else:
                assert set(leading) <= {"REQ#*", "CIT#*", layout.CATALOGUE_PK, "OPEN311#*"}
