"""Open311 GeoReport v2: the public `/open311/v2/...` routes, and the admins' `/staff/open311/keys`.

Two functions, each with its own least-privilege role:
- the endpoint reads the catalogue and requests (their timelines for `status_notes`), lists requests
  from the `created` index and updates from the `timeline` index (Query only, never a Scan), files a
  request as intake does (request, entry, contact, citizen index in one transaction), and checks API
  keys and their per-minute counters (`OPEN311#*`);
- the key admin function reads and writes key items only (`OPEN311#KEYS`), behind the staff authorizer.
The public routes need no account by design (GeoReport v2); filing needs an API key. Like the
citizen routes they are served through CloudFront, so the WAF's per-address limits apply, and the
origin-verify authorizer refuses callers that go around it to the execute-api URL.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from civicdesk import layout
from infra import names
from infra.capabilities import partitions
from infra.capabilities.function import CivicFunction
from infra.capabilities.platform import Platform

GET, POST = apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST
BASE = "/open311/v2"
OPEN311_ROUTES: tuple[tuple[str, apigwv2.HttpMethod], ...] = (
    *(
        route
        for fmt in ("json", "xml")
        for route in (
            (f"{BASE}/discovery.{fmt}", GET),
            (f"{BASE}/services.{fmt}", GET),
            (f"{BASE}/requests.{fmt}", GET),
            (f"{BASE}/requests.{fmt}", POST),
            (f"{BASE}/servicerequestupdates.{fmt}", GET),
        )
    ),
    (f"{BASE}/services/{{service_file}}", GET),  # `{service_code}.json` / `.xml`
    (f"{BASE}/requests/{{request_file}}", GET),  # `{service_request_id}.json` / `.xml`
)
KEY_ROUTES: tuple[tuple[str, apigwv2.HttpMethod], ...] = (
    ("/staff/open311/keys", GET),
    ("/staff/open311/keys", POST),
    ("/staff/open311/keys/{key_id}/revoke", POST),
)
OPEN311_PARTITIONS = f"{layout.OPEN311_PREFIX}*"
"""`OPEN311#*`: the key items and the per-key rate counters."""
ENDPOINT_GRANTS = (
    partitions.Grant(
        ("dynamodb:GetItem", "dynamodb:Query"),
        (partitions.REQUESTS, partitions.CATALOGUE, OPEN311_PARTITIONS),
    ),
    partitions.Grant(
        ("dynamodb:PutItem", "dynamodb:ConditionCheckItem"), (partitions.REQUESTS, partitions.CITIZENS)
    ),
    partitions.Grant(("dynamodb:UpdateItem",), (OPEN311_PARTITIONS,)),
)
KEY_GRANTS = (
    partitions.Grant(("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"), (layout.OPEN311_KEYS_PK,)),
)
INDEXES = (layout.CREATED.name, layout.TIMELINE.name)


class Open311(Construct):
    """Exposes `endpoint` (the public routes' function) and `keys` (the admins' key routes)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform: Platform,
        http_api: apigwv2.HttpApi,
        authorizer: authorizers.HttpUserPoolAuthorizer,
        origin_authorizer: apigwv2.IHttpRouteAuthorizer,
    ) -> None:
        super().__init__(scope, construct_id)
        table = platform.table
        environment = {
            **platform.table_environment(),
            **platform.citizen_key_environment(),
        }
        self.endpoint = CivicFunction(
            self,
            "Handler",
            code_dir=names.FUNCTION_OPEN311,
            handler=names.HANDLER_OPEN311,
            timeout=Duration.seconds(20),
            platform=platform,
            environment=environment,
            description="Civic Desk: Open311 GeoReport v2 endpoint (services, requests, updates)",
        )
        partitions.grant(self.endpoint.role, table, *ENDPOINT_GRANTS)
        self.endpoint.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query"],
                resources=[f"{table.table_arn}/index/{index}" for index in INDEXES],
            )
        )
        self.endpoint.grant_key_use(platform.key)
        platform.grant_citizen_key(self.endpoint.role)
        self.keys = CivicFunction(
            self,
            "Keys",
            code_dir=names.FUNCTION_OPEN311_KEYS,
            handler=names.HANDLER_OPEN311_KEYS,
            timeout=Duration.seconds(10),
            platform=platform,
            environment=environment,
            description="Civic Desk: Open311 API keys of client systems (admin)",
        )
        partitions.grant(self.keys.role, table, *KEY_GRANTS)
        self.keys.grant_key_use(platform.key)
        endpoint = HttpLambdaIntegration("Open311", self.endpoint.function)
        for path, method in OPEN311_ROUTES:
            http_api.add_routes(
                path=path, methods=[method], integration=endpoint, authorizer=origin_authorizer
            )
        admin = HttpLambdaIntegration("Open311Keys", self.keys.function)
        for path, method in KEY_ROUTES:
            http_api.add_routes(path=path, methods=[method], integration=admin, authorizer=authorizer)

    @property
    def function(self) -> lambda_.IFunction:
        return self.endpoint.function
