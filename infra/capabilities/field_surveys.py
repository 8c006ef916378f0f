"""Field surveys: one function behind the `/staff/field-surveys...` routes and the staff JWT authorizer.

Least privilege, by partition (`dynamodb:LeadingKeys`): the function reads and writes field survey
items only (`FIELD#*`: definitions, answers, their counters), reads the catalogue (neighbourhood names
and centres) and reads the needs-analysis counters (BatchGetItem on `STAT#*`) for the request figures
beside the results. It cannot read a request, and it has no Scan: results are counters written with
each answer, read by one Query of the survey's counter partition.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_lambda as lambda_
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from civicdesk import layout
from infra import names
from infra.capabilities import partitions
from infra.capabilities.function import CivicFunction
from infra.capabilities.platform import Platform

GET, POST, PUT = apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST, apigwv2.HttpMethod.PUT
BASE = "/staff/field-surveys"
FIELD_SURVEY_ROUTES: tuple[tuple[str, apigwv2.HttpMethod], ...] = (
    (BASE, GET),
    (BASE, POST),
    (f"{BASE}/{{survey_id}}", GET),
    (f"{BASE}/{{survey_id}}", PUT),
    (f"{BASE}/{{survey_id}}/answers", POST),
    (f"{BASE}/{{survey_id}}/results", GET),
)
FIELD_PARTITIONS = f"{layout.FIELD_PREFIX}*"
"""`FIELD#*`: survey definitions, answers, and the counters kept as answers arrive."""
GRANTS = (
    partitions.Grant(
        ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"), (FIELD_PARTITIONS,)
    ),
    partitions.Grant(("dynamodb:Query",), (partitions.CATALOGUE,)),
    partitions.Grant(("dynamodb:BatchGetItem",), (partitions.STATS,)),
)


class FieldSurveys(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform: Platform,
        http_api: apigwv2.HttpApi,
        authorizer: authorizers.HttpUserPoolAuthorizer,
    ) -> None:
        super().__init__(scope, construct_id)
        table = platform.table
        self.handler = CivicFunction(
            self,
            "Handler",
            code_dir=names.FUNCTION_FIELD_SURVEYS,
            handler=names.HANDLER_FIELD_SURVEYS,
            timeout=Duration.seconds(15),
            platform=platform,
            environment={
                **platform.table_environment(),
            },
            description="Civic Desk: field surveys (define, answer on a phone, results beside the requests)",
        )
        partitions.grant(self.handler.role, table, *GRANTS)
        self.handler.grant_key_use(platform.key)
        integration = HttpLambdaIntegration("FieldSurveys", self.handler.function)
        for path, method in FIELD_SURVEY_ROUTES:
            http_api.add_routes(path=path, methods=[method], integration=integration, authorizer=authorizer)

    @property
    def function(self) -> lambda_.IFunction:
        return self.handler.function
