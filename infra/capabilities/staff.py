"""The staff API: one function behind every `/staff/...` route of the HTTP API, each route behind the
user pool's JWT authorizer (ID tokens of the console's app client).

Least privilege: the table's items and indexes (reads, guarded writes, no Scan, no delete), the
citizen-index key, and reading photos of the media bucket (to sign short-lived links for staff).
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from civicdesk import layout
from infra import names
from infra.capabilities import partitions
from infra.capabilities.function import CivicFunction
from infra.capabilities.identity import StaffIdentity
from infra.capabilities.platform import Platform
from infra.nag import acknowledge

GET, POST, PUT = apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST, apigwv2.HttpMethod.PUT
STAFF_ROUTES: tuple[tuple[str, apigwv2.HttpMethod], ...] = (
    ("/staff/me", GET),
    ("/staff/requests", GET),
    ("/staff/requests", POST),
    ("/staff/requests/{code}", GET),
    ("/staff/requests/{code}/contact", GET),
    ("/staff/requests/{code}/replies", POST),
    ("/staff/requests/{code}/notes", POST),
    ("/staff/requests/{code}/status", POST),
    ("/staff/requests/{code}/transfer", POST),
    ("/staff/requests/{code}/classify", POST),
    ("/staff/citizens/requests", GET),
    ("/staff/suggestions", POST),
    ("/staff/templates", GET),
    ("/staff/templates", POST),
    ("/staff/templates/{template_id}", PUT),
)
STAFF_TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:ConditionCheckItem",
)


class StaffApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform: Platform,
        identity: StaffIdentity,
        http_api: apigwv2.HttpApi,
        media: s3.IBucket,
        media_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        table = platform.table
        self.handler = CivicFunction(
            self,
            "Handler",
            code_dir=names.FUNCTION_STAFF,
            handler=names.HANDLER_STAFF,
            timeout=Duration.seconds(15),
            platform=platform,
            environment={
                **platform.table_environment(),
                names.ENV_MEDIA_BUCKET: media.bucket_name,
                **platform.citizen_key_environment(),
            },
            description="Civic Desk: staff API (queues, workflow, caller lookup, templates)",
        )
        role = self.handler.role
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(STAFF_TABLE_ACTIONS), resources=[table.table_arn, f"{table.table_arn}/index/*"]
            )
        )
        # Powertools deletes an `Idempotency-Key` record when filing failed, so the client's retry files.
        partitions.grant(
            role, table, partitions.Grant(("dynamodb:DeleteItem",), (layout.STAFF_IDEMPOTENCY_PK,))
        )
        self.handler.grant_key_use(platform.key)
        platform.grant_citizen_key(role)
        media.grant_read(role, "whatsapp/*")
        media.grant_read(role, "web/*")  # the web form's cleaned photos and thumbnails
        media_key.grant_decrypt(role)
        self._acknowledge(table.table_arn, media)
        self.authorizer = authorizers.HttpUserPoolAuthorizer(
            "StaffAuthorizer", identity.user_pool, user_pool_clients=[identity.client]
        )
        integration = HttpLambdaIntegration("Staff", self.handler.function)
        for path, method in STAFF_ROUTES:
            http_api.add_routes(
                path=path, methods=[method], integration=integration, authorizer=self.authorizer
            )

    @property
    def function(self) -> lambda_.IFunction:
        return self.handler.function

    def _acknowledge(self, table_arn: str, media: s3.IBucket) -> None:
        policy = self.handler.role.node.find_child("DefaultPolicy")
        table = Stack.of(self).resolve(table_arn)["Fn::GetAtt"][0]
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::<{table}.Arn>/index/*]",
            "Staff queues are read from the table's indexes (queue, work, work_due, attention, created): "
            "Query only on them; the table's items are what the function already reads and writes.",
        )
        bucket = Stack.of(self).resolve(media.node.default_child.logical_id)  # type: ignore[union-attr]
        for finding in (
            f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/whatsapp/*]",
            f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/web/*]",
            "AwsSolutions-IAM5[Action::s3:GetObject*]",
            "AwsSolutions-IAM5[Action::s3:GetBucket*]",
            "AwsSolutions-IAM5[Action::s3:List*]",
        ):
            acknowledge(
                policy,
                finding,
                "Read-only on citizens' photos (whatsapp/<yyyy>/<mm>/<hash>, web/<id>.jpg: cleaned copies, "
                "thumbnails): the function signs short-lived "
                "links to them for staff; bucket.grant_read's object-read actions, this bucket only.",
            )
