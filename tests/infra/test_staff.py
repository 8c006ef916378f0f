"""The staff side in the template: the user pool, the JWT authorizer on every staff route, least privilege."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from civicdesk import layout
from civicdesk.staff.identity import Role
from infra import names
from infra.capabilities.field_surveys import FIELD_SURVEY_ROUTES
from infra.capabilities.open311 import KEY_ROUTES
from infra.capabilities.privacy import PRIVACY_ROUTES
from infra.capabilities.reports import REPORT_ROUTES
from infra.capabilities.staff import STAFF_ROUTES
from tests.infra.synth import Synth, as_list

ROOT = Path(__file__).resolve().parents[2]


def _staff_routes(synth: Synth) -> dict[str, dict[str, Any]]:
    routes = synth.resources("AWS::ApiGatewayV2::Route").values()
    return {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in routes
        if " /staff" in r["Properties"]["RouteKey"]
    }


def test_every_staff_route_is_behind_the_user_pools_jwt_authorizer(any_synth: Synth) -> None:
    # Given the staff routes and the one JWT authorizer (the other one guards the citizen routes)
    routes = _staff_routes(any_synth)
    ((authorizer_id, authorizer),) = [
        (k, a)
        for k, a in any_synth.resources("AWS::ApiGatewayV2::Authorizer").items()
        if a["Properties"]["AuthorizerType"] == "JWT"
    ]
    pool_id, _ = any_synth.only("AWS::Cognito::UserPool")
    client_id, _ = any_synth.only("AWS::Cognito::UserPoolClient")
    # Then every route the API documents is there, each with the JWT authorizer
    every = {
        f"{method.value} {path}"
        for path, method in (*STAFF_ROUTES, *PRIVACY_ROUTES, *KEY_ROUTES, *FIELD_SURVEY_ROUTES)
    }
    assert set(routes) == every | {f"GET /staff/reports/{name}" for name in REPORT_ROUTES}
    for route in routes.values():
        assert route["AuthorizationType"] == "JWT"
        assert route["AuthorizerId"] == {"Ref": authorizer_id}
    # And the authorizer trusts only this pool's tokens for the console's client
    config = authorizer["Properties"]["JwtConfiguration"]
    assert config["Audience"] == [{"Ref": client_id}]
    assert {"Ref": pool_id} in config["Issuer"]["Fn::Join"][1]


def test_the_user_pool_has_the_roles_and_keeps_departments_out_of_users_hands(any_synth: Synth) -> None:
    _, pool = any_synth.only("AWS::Cognito::UserPool")
    props = pool["Properties"]
    groups = {
        g["Properties"]["GroupName"] for g in any_synth.resources("AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == {r.value for r in Role}
    # Only administrators create accounts; passwords are long; the pool survives a stack delete
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    assert props["DeletionProtection"] == "ACTIVE"
    assert pool["DeletionPolicy"] == "Retain"
    # The console may read a member's departments but never write them
    _, client = any_synth.only("AWS::Cognito::UserPoolClient")
    attribute = f"custom:{names.STAFF_DEPARTMENTS_ATTRIBUTE}"
    assert attribute in client["Properties"]["ReadAttributes"]
    assert attribute not in client["Properties"]["WriteAttributes"]
    assert client["Properties"]["GenerateSecret"] is False


def test_prod_requires_mfa_and_threat_protection(prod_synth: Synth) -> None:
    _, pool = prod_synth.only("AWS::Cognito::UserPool")
    props = pool["Properties"]
    assert props["MfaConfiguration"] == "ON"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert props["UserPoolTier"] == "PLUS"
    assert props["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED"


def test_the_console_can_sign_in_with_the_flows_its_client_allows(any_synth: Synth) -> None:
    # Given the sign-in flows the console's script starts (and its refresh)
    script = (ROOT / "web" / "staff" / "auth.js").read_text(encoding="utf-8")
    used = {f"ALLOW_{flow}" for flow in re.findall(r'AuthFlow: "([A-Z_]+)"', script)}
    assert used == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    # When the console's app client is read, in dev and in prod
    _, client = any_synth.only("AWS::Cognito::UserPoolClient")
    flows = set(client["Properties"]["ExplicitAuthFlows"])
    # Then it allows them; besides them only SRP (for scripts), never the admin or custom flows
    assert flows == used | {"ALLOW_USER_SRP_AUTH"}
    # And a first sign-in (new password, then a TOTP app added by hand) has the longest session there is
    assert client["Properties"]["AuthSessionValidity"] == 15


def test_the_staff_function_reads_and_writes_without_scans_and_deletes_only_its_key_records(
    any_synth: Synth,
) -> None:
    function_id, function = any_synth.function_with_handler(names.HANDLER_STAFF, names.FUNCTION_STAFF)
    statements = any_synth.statements_of_role(any_synth.role_of(function))
    actions = {a for s in statements for a in as_list(s["Action"]) if a.startswith("dynamodb:")}
    assert actions == {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
        "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
    }  # fmt: skip
    # And it deletes nothing but its own Idempotency-Key records (Powertools drops one when filing failed)
    (delete,) = [s for s in statements if "dynamodb:DeleteItem" in as_list(s["Action"])]
    assert as_list(delete["Action"]) == ["dynamodb:DeleteItem"]
    assert delete["Condition"] == {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [layout.STAFF_IDEMPOTENCY_PK]}
    }
    assert function_id


def test_only_the_functions_that_link_citizens_may_read_the_citizen_key(any_synth: Synth) -> None:
    # Given the citizen-index key
    secrets = any_synth.resources("AWS::SecretsManager::Secret")
    (key_id,) = [k for k in secrets if k.startswith("StorageCitizenKey")]
    # When we look for the roles allowed to read it
    readers = set()
    for function_id, function in any_synth.civic_functions().items():
        statements = any_synth.statements_of_role(any_synth.role_of(function))
        if any({"Ref": key_id} in as_list(s.get("Resource")) for s in statements):
            readers.add(function["Properties"]["Handler"] + "@" + function_id.split("Function")[0])
    # Then they are those that link a citizen's requests (Open311 filings too), find a WhatsApp
    # conversation or erase them (KVKK), and no one else
    assert {r.split("@")[1] for r in readers} == {
        "IntakeHandler", "WhatsAppHandler", "StaffHandler", "NotificationsNotifier", "NotificationsRelease",
        "NotificationsDigest", "PrivacyHandler", "PrivacyRetentionJob", "Open311Handler",
    }  # fmt: skip
