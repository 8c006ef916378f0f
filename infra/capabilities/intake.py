"""The citizen-facing intake function: files requests, answers public status, serves the catalogue."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from civicdesk import layout
from infra import names
from infra.capabilities import partitions
from infra.capabilities.function import CivicFunction
from infra.capabilities.platform import Platform

# Exactly what the request path does, each on its own partitions (`partitions` says what that can and
# cannot express): read a request or the catalogue, query a request's timeline; create a request with
# its timeline entry, contact and citizen-index entry in one transaction; keep `Idempotency-Key`
# records (Powertools puts, reads, completes and, after a failure, deletes them); a citizen's survey
# answer may reopen a resolved request (an UpdateItem of the request in the answer's transaction).
INTAKE_GRANTS = (
    partitions.Grant(
        ("dynamodb:GetItem", "dynamodb:Query"),
        (partitions.REQUESTS, partitions.CATALOGUE, layout.INTAKE_IDEMPOTENCY_PK),
    ),
    partitions.Grant(
        ("dynamodb:PutItem", "dynamodb:ConditionCheckItem"),
        (partitions.REQUESTS, partitions.CITIZENS, layout.INTAKE_IDEMPOTENCY_PK),
    ),
    partitions.Grant(("dynamodb:UpdateItem",), (partitions.REQUESTS,)),
    partitions.Grant(("dynamodb:UpdateItem", "dynamodb:DeleteItem"), (layout.INTAKE_IDEMPOTENCY_PK,)),
)
INTAKE_TABLE_ACTIONS = partitions.actions(INTAKE_GRANTS)


class Intake(Construct):
    """Wraps one CivicFunction and its table grants (base table only, its own partitions)."""

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
        partitions.grant(self.handler.role, table, *INTAKE_GRANTS)
        self.handler.grant_key_use(key)
        platform.grant_citizen_key(self.handler.role)

    @property
    def function(self) -> lambda_.IFunction:
        return self.handler.function
