"""The citizen-facing intake function: files requests, answers public status, serves the catalogue."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import names
from infra.capabilities.function import CivicFunction
from infra.capabilities.platform import Platform

# Exactly what the request path does: read a request or the catalogue, query a request's timeline,
# and create a request with its first timeline entry in one transaction (puts + a condition check).
INTAKE_TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:ConditionCheckItem",
)


class Intake(Construct):
    """Wraps one CivicFunction and its table grants (base table only, no index access yet)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform: Platform,
    ) -> None:
        super().__init__(scope, construct_id)
        config, table, key = platform.config, platform.table, platform.key
        self.handler = CivicFunction(
            self,
            "Handler",
            code_dir=names.FUNCTION_INTAKE,
            handler=names.HANDLER_INTAKE,
            timeout=Duration.seconds(10),
            platform=platform,
            environment={
                names.ENV_TABLE_NAME: table.table_name,
                names.ENV_CATALOG_CACHE_SECONDS: str(config.catalog_cache_seconds),
                **platform.citizen_key_environment(),
            },
            description="Civic Desk: citizen intake API (file a request, public status, catalogue)",
        )
        self.handler.role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(INTAKE_TABLE_ACTIONS), resources=[table.table_arn])
        )
        self.handler.grant_key_use(key)
        platform.grant_citizen_key(self.handler.role)

    @property
    def function(self) -> lambda_.IFunction:
        return self.handler.function
