"""The WhatsApp channel: the webhook function behind the citizen HTTP API, its secret and its photos.

- One Secrets Manager secret (JSON) holds Meta's app secret, verify token and access token (the
  stack writes placeholders; operators paste the real values after deploy) and a generated key for
  the citizen index hashes. The function gets the secret's ARN, never a value.
- Citizens' photos go to a private, KMS-encrypted, SSL-only, versioned bucket with access logs;
  drafts (photos of conversations that never became a request) expire within days, filed photos
  after the KVKK retention period.
- The function's role: exactly the table actions the channel uses, each on the partitions it uses
  (never the catalogue's for writing); `DeleteItem` only on the idempotency records' partition;
  `PutObject`/`PutObjectTagging` under `whatsapp/` only.
"""

from __future__ import annotations

import json

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from civicdesk import layout
from civicdesk.requests.photos import PHOTO_PREFIX, UPLOAD_PREFIX
from infra import names
from infra.capabilities import partitions
from infra.capabilities.buckets import private_bucket
from infra.capabilities.function import CivicFunction
from infra.capabilities.monitoring import Monitoring
from infra.capabilities.platform import Platform
from infra.config import StageConfig
from infra.nag import acknowledge

WEBHOOK_PATH = "/webhooks/whatsapp"
WEBHOOK_ROUTES = (apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST)
MEDIA_PREFIX = "whatsapp/"
WEB_PHOTOS_PREFIX = PHOTO_PREFIX  # the web form's cleaned photos share the bucket and its retention
UPLOADS_PREFIX = UPLOAD_PREFIX
DEV_CLOUDFRONT = "https://*.cloudfront.net"
UNSET_CREDENTIAL = "REPLACE_ME"  # civicdesk.whatsapp.config.PLACEHOLDER (the function refuses it)
GENERATED_FIELD = "verify_token"
"""We choose the verify token (and enter it in Meta's dashboard): the stack generates it."""
# Each on the partitions the channel uses (`partitions` says what LeadingKeys can and cannot express):
# Get/Query: conversation, catalogue, citizen index, requests and their timelines, delivery pointers,
# idempotency records; Put/Update/ConditionCheck: the same but the catalogue (filing, conversation
# state, notification entries and their pointers, delivery status); Delete: failed idempotency records
# only (Powertools deletes one when handling a message failed, so a redelivery retries).
_WRITTEN = (
    partitions.REQUESTS,
    partitions.CITIZENS,
    partitions.CONVERSATIONS,
    partitions.OUTBOUND,
    layout.WHATSAPP_IDEMPOTENCY_PK,
)
WHATSAPP_GRANTS = (
    partitions.Grant(("dynamodb:GetItem", "dynamodb:Query"), (*_WRITTEN, partitions.CATALOGUE)),
    partitions.Grant(("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"), _WRITTEN),
    partitions.Grant(("dynamodb:DeleteItem",), (layout.WHATSAPP_IDEMPOTENCY_PK,)),
)
WHATSAPP_TABLE_ACTIONS = partitions.actions(WHATSAPP_GRANTS)
SEND_FAILURE_METRIC = "WhatsAppSendFailed"
SEND_FAILURE_THRESHOLD = 5


class WhatsAppChannel(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform: Platform,
        http_api: apigwv2.HttpApi,
        privacy_url: str,
    ) -> None:
        super().__init__(scope, construct_id)
        config, monitoring, table, table_key = (
            platform.config,
            platform.monitoring,
            platform.table,
            platform.key,
        )
        # S3 log delivery by bucket policy, not the legacy LogDeliveryWrite ACL (ACLs stay disabled);
        # the feature flag is scoped to this construct so no other bucket changes.
        self.node.set_context("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", True)
        self.key = kms.Key(
            self,
            "Key",
            description=f"Civic Desk {config.stage}: encrypts the WhatsApp credentials and citizens' photos",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.secret = self._secret(config)
        self.media = self._media_bucket(config)
        self.handler = CivicFunction(
            self,
            "Handler",
            code_dir=names.FUNCTION_WHATSAPP,
            handler=names.HANDLER_WHATSAPP,
            # Outbound sends are bounded by the client's own time budget; API Gateway waits 30 s at most.
            timeout=Duration.seconds(25),
            platform=platform,
            environment={
                **platform.table_environment(),
                names.ENV_WHATSAPP_SECRET_ID: self.secret.secret_arn,
                names.ENV_WHATSAPP_MEDIA_BUCKET: self.media.bucket_name,
                names.ENV_WHATSAPP_API_BASE: config.whatsapp_api_base,
                names.ENV_WHATSAPP_TEMPLATE_NAME: config.whatsapp_template_name,
                names.ENV_WHATSAPP_PRIVACY_URL: privacy_url,
                **platform.citizen_key_environment(),
            },
            description="Civic Desk: WhatsApp Business webhook (guided dialogue, status answers)",
        )
        self._grant(table, table_key)
        platform.grant_citizen_key(self.handler.role)
        self._routes(http_api)
        self._alarms(monitoring)

    @property
    def function(self) -> lambda_.IFunction:
        return self.handler.function

    def _secret(self, config: StageConfig) -> secretsmanager.Secret:
        placeholders = dict.fromkeys(("app_secret", "access_token"), UNSET_CREDENTIAL)
        secret = secretsmanager.Secret(
            self,
            "Secret",
            description=f"Civic Desk {config.stage}: WhatsApp Cloud API credentials (JSON). Replace each "
            "REPLACE_ME with the value from Meta's app dashboard; enter verify_token there.",
            encryption_key=self.key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(placeholders),
                generate_string_key=GENERATED_FIELD,
                exclude_punctuation=True,
                password_length=64,
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            secret.node.default_child,  # type: ignore[arg-type]
            "AwsSolutions-SMG4",
            "Meta issues the app secret and access token and rotates them in its own app dashboard; an "
            "operator pastes the new values here (and may change the verify token in both places).",
        )
        return secret

    def _media_bucket(self, config: StageConfig) -> s3.Bucket:
        return private_bucket(
            self,
            "Media",
            access_logs_id="MediaAccessLogs",
            key=self.key,
            holds="media",
            logs_prefix="media/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="draft-photos",
                    tag_filters={"stage": "draft"},
                    expiration=Duration.days(config.retention.unfiled_days),
                    noncurrent_version_expiration=Duration.days(1),
                ),
                s3.LifecycleRule(
                    id="retention",
                    prefix=MEDIA_PREFIX,
                    expiration=Duration.days(config.retention.free_text_days),
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
                # The web form's photos: cleaned copies live as long as WhatsApp's; originals (with their
                # EXIF) are deleted at filing, and an upload never filed is gone within a day.
                s3.LifecycleRule(
                    id="web-retention",
                    prefix=WEB_PHOTOS_PREFIX,
                    expiration=Duration.days(config.retention.free_text_days),
                    noncurrent_version_expiration=Duration.days(30),
                ),
                s3.LifecycleRule(
                    id="uploads",
                    prefix=UPLOADS_PREFIX,
                    expiration=Duration.days(1),
                    noncurrent_version_expiration=Duration.days(1),
                ),
            ],
            # The citizen page posts photos straight to the bucket (presigned POST) from its origin: the
            # stage's web origins (not the distribution's own domain: the page's CSP names this bucket, so
            # the bucket cannot name the distribution back); outside prod, also any CloudFront domain.
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST],
                    allowed_origins=[
                        *config.cors_allow_origins,
                        *(() if config.is_prod else (DEV_CLOUDFRONT,)),
                    ],
                    allowed_headers=["*"],
                    max_age=3000,
                )
            ],
        )

    def _grant(self, table: dynamodb.Table, table_key: kms.IKey) -> None:
        role = self.handler.role
        partitions.grant(role, table, *WHATSAPP_GRANTS)
        self.handler.grant_key_use(table_key)
        self.secret.grant_read(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:PutObjectTagging"],
                resources=[self.media.arn_for_objects(f"{MEDIA_PREFIX}*")],
            )
        )
        self.key.grant(role, "kms:GenerateDataKey")  # SSE-KMS on put (Decrypt comes with the secret grant)
        policy = role.node.find_child("DefaultPolicy")
        bucket_arn = self.media.stack.resolve(self.media.node.default_child.logical_id)  # type: ignore[union-attr]
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::<{bucket_arn}.Arn>/{MEDIA_PREFIX}*]",
            "Photo object keys are made per message (whatsapp/<yyyy>/<mm>/<hash>.jpg); the grant is put and "
            "tag only, under the whatsapp/ prefix of this one bucket.",
        )

    def _routes(self, http_api: apigwv2.HttpApi) -> None:
        integration = HttpLambdaIntegration("WhatsAppWebhook", self.handler.function)
        for method in WEBHOOK_ROUTES:
            for route in http_api.add_routes(path=WEBHOOK_PATH, methods=[method], integration=integration):
                acknowledge(
                    route.node.default_child,  # type: ignore[arg-type]
                    "AwsSolutions-APIG4",
                    f"{method.value} {WEBHOOK_PATH} is called by Meta, which cannot use an API Gateway "
                    "authorizer: GET is the verify-token handshake, and every POST is authenticated by its "
                    "X-Hub-Signature-256 HMAC, checked over the raw body before anything is read.",
                )

    def _alarms(self, monitoring: Monitoring) -> None:
        """Replies that could not be sent: an expired token or a Cloud API outage needs a human."""
        metric = cloudwatch.Metric(
            namespace=names.METRICS_NAMESPACE,
            metric_name=SEND_FAILURE_METRIC,
            dimensions_map={"service": names.SERVICE_NAME},
            statistic="Sum",
            period=Duration.minutes(5),
        )
        monitoring.watch(
            cloudwatch.Alarm(
                self,
                "SendFailedAlarm",
                alarm_description=(
                    f"Civic Desk WhatsApp: replies not sent >= {SEND_FAILURE_THRESHOLD} in 5 minutes "
                    "(access token, template or Cloud API)"
                ),
                metric=metric,
                threshold=SEND_FAILURE_THRESHOLD,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )
