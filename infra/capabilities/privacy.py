"""KVKK: the `/staff/privacy/...` routes (erasure and access requests, the logs, the notice) and the
daily retention job, in one function code base with two handlers.

These two functions alone may delete citizens' data: contact items and timeline texts (`REQ#*`),
citizen-index entries (`CIT#*`), WhatsApp dialogue states (`CONV#*`), and every version of a photo
in the media bucket. They write the destruction log (`DESTROYED#*`); the routes also the access
audit (`AUDIT#*`). Each reads the `purge` index only to find what is due, never with a Scan.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from civicdesk import layout
from infra import names
from infra.capabilities import partitions
from infra.capabilities.function import CivicFunction
from infra.capabilities.platform import Platform
from infra.nag import acknowledge

GET, POST = apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST
PRIVACY_ROUTES: tuple[tuple[str, apigwv2.HttpMethod], ...] = (
    ("/staff/privacy/erasures", POST),
    ("/staff/privacy/access-requests", POST),
    ("/staff/privacy/destructions", GET),
    ("/staff/privacy/audit", GET),
    ("/staff/privacy/notice", GET),
)
DESTRUCTIONS = f"{layout.DESTRUCTION_PREFIX}*"
AUDIT = f"{layout.AUDIT_PREFIX}*"
READS = ("dynamodb:GetItem", "dynamodb:Query")
WRITES = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem")
RETENTION_TIME = Duration.minutes(10)
RETENTION_CRON = events.Schedule.cron(minute="30", hour="1")
"""04:30 in Istanbul: the quietest hour of the pool."""


class Privacy(Construct):
    """Exposes `handler` (the routes' function), `job` (the retention job) and `rule` (its schedule)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform: Platform,
        http_api: apigwv2.HttpApi,
        authorizer: authorizers.HttpUserPoolAuthorizer,
        media: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        config = platform.config
        environment = {
            **platform.table_environment(),
            names.ENV_MEDIA_BUCKET: media.bucket_name,
            **platform.citizen_key_environment(),
        }
        self.handler = CivicFunction(
            self,
            "Handler",
            code_dir=names.FUNCTION_PRIVACY,
            handler=names.HANDLER_PRIVACY,
            timeout=Duration.seconds(30),
            platform=platform,
            environment=environment,
            description="Civic Desk: KVKK erasure and access requests, destruction log, access audit",
        )
        self.job = CivicFunction(
            self,
            "RetentionJob",
            code_dir=names.FUNCTION_PRIVACY,
            handler=names.HANDLER_RETENTION,
            timeout=RETENTION_TIME,
            platform=platform,
            environment=environment,
            description="Civic Desk: KVKK retention job (anonymises what is past its period)",
        )
        for function, logs in ((self.handler, (DESTRUCTIONS, AUDIT)), (self.job, (DESTRUCTIONS,))):
            self._grant(function, platform, media, logs)
        integration = HttpLambdaIntegration("Privacy", self.handler.function)
        for path, method in PRIVACY_ROUTES:
            http_api.add_routes(path=path, methods=[method], integration=integration, authorizer=authorizer)
        self.dead_letter_queue = platform.monitoring.dead_letter_queue(
            self, "DeadLetterQueue", holds="retention job runs that failed or were never delivered"
        )
        self.rule = events.Rule(
            self,
            "Schedule",
            description=f"Civic Desk {config.stage}: run the KVKK retention job",
            schedule=RETENTION_CRON,
            targets=[
                targets.LambdaFunction(
                    self.job.function, retry_attempts=2, dead_letter_queue=self.dead_letter_queue
                )
            ],
        )

    @property
    def function(self) -> lambda_.IFunction:
        return self.handler.function

    def _grant(
        self, function: CivicFunction, platform: Platform, media: s3.IBucket, logs: tuple[str, ...]
    ) -> None:
        role, table = function.role, platform.table
        own = (partitions.REQUESTS, partitions.CITIZENS, partitions.CONVERSATIONS)
        partitions.grant(
            role,
            table,
            partitions.Grant(READS, (*own, partitions.CATALOGUE, *logs)),
            partitions.Grant(WRITES, own),
            partitions.Grant(("dynamodb:PutItem",), logs),
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query"], resources=[f"{table.table_arn}/index/{layout.PURGE.name}"]
            )
        )
        function.grant_key_use(platform.key)
        platform.grant_citizen_key(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:ListBucketVersions"], resources=[media.bucket_arn])
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:DeleteObject", "s3:DeleteObjectVersion"],
                resources=[media.arn_for_objects("whatsapp/*"), media.arn_for_objects("web/*")],
            )
        )
        bucket = Stack.of(self).resolve(media.node.default_child.logical_id)  # type: ignore[union-attr]
        for prefix in ("whatsapp", "web"):
            acknowledge(
                role.node.find_child("DefaultPolicy"),
                f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/{prefix}/*]",
                "Destroys citizens' photos (whatsapp/<yyyy>/<mm>/<hash>; web/<id>.jpg and thumbnail) past "
                "their period or on erasure: every version of an object the request names; delete only.",
            )
