"""Notifications: a rule on the Civic Desk bus -> the notifier's own SQS queue (with a dead-letter
queue and an alarm) -> the notifier function (batches, partial failures); two schedules (quiet-hours
release every 15 minutes, the staff digests each morning); the SES sending identity; the supervisors'
SNS alert topic (their phones and mailboxes subscribe).

Least privilege: the table (reads, guarded writes, deletes only of held messages and its own
idempotency records), the citizen key and the WhatsApp secret (read), SES from this identity, SNS to
this topic and to phone numbers (SMS publishing names no resource), the staff pool's members (read).
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from constructs import Construct

from civicdesk import layout
from infra import names
from infra.capabilities.function import CivicFunction
from infra.capabilities.identity import StaffIdentity
from infra.capabilities.platform import Platform
from infra.capabilities.queues import event_queue
from infra.nag import acknowledge

NOTIFIED_EVENTS = (
    "RequestReceived",
    "RequestRouted",
    "RequestTransferred",
    "CitizenReplied",
    "StatusChanged",
    "RequestOverdue",
    "ReferralUpdated",
)
"""What the citizen is told about, or staff alerted of (civicdesk.notify.plan.stage_of decides the rest)."""
MAX_RECEIVES = 5
TIMEOUT = Duration.seconds(30)


class Notifications(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform: Platform,
        bus: events.IEventBus,
        identity: StaffIdentity,
        whatsapp_secret: secretsmanager.ISecret,
        whatsapp_key: kms.IKey,
        public_url: str,
    ) -> None:
        super().__init__(scope, construct_id)
        config, monitoring = platform.config, platform.monitoring
        self.identity = ses.EmailIdentity(self, "MailIdentity", identity=ses.Identity.email(config.mail_from))
        self.alert_key = kms.Key(
            self,
            "AlertKey",
            description=f"Civic Desk {config.stage}: encrypts the supervisors' alert topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
        )
        self.alerts = sns.Topic(
            self,
            "SupervisorAlerts",
            display_name=f"Civic Desk {config.stage}: missed deadlines",
            master_key=self.alert_key,
            enforce_ssl=True,
        )
        subscription = event_queue(
            self,
            bus=bus,
            monitoring=monitoring,
            detail_types=NOTIFIED_EVENTS,
            description="Civic Desk: domain events a citizen or a supervisor is told about",
            holds="notifications that failed after their retries",
            consumer_timeout=TIMEOUT,
            max_receives=MAX_RECEIVES,
        )
        self.queue, self.dead_letters = subscription.queue, subscription.dead_letters
        environment = {
            **platform.table_environment(),
            **platform.citizen_key_environment(),
            "MAIL_FROM": config.mail_from,
            "PUBLIC_URL": public_url,
            "SMS_PROVIDER": config.sms_provider,
            "SMS_SENDER_ID": config.sms_sender_id,
            "SMS_ORIGINATION_IDENTITY": config.sms_origination_identity,
            "SUPERVISOR_TOPIC_ARN": self.alerts.topic_arn,
            "USER_POOL_ID": identity.user_pool.user_pool_id,
            "WHATSAPP_SECRET_ID": whatsapp_secret.secret_arn,
            "WHATSAPP_API_BASE": config.whatsapp_api_base,
            "WHATSAPP_TEMPLATE_NAME": config.whatsapp_template_name,
            "MAX_RECEIVES": str(MAX_RECEIVES),
        }
        self.handler = CivicFunction(
            self,
            "Notifier",
            code_dir=names.FUNCTION_NOTIFIER,
            handler="handler.lambda_handler",
            timeout=TIMEOUT,
            platform=platform,
            environment=environment,
            description="Civic Desk: tells citizens at every stage, alerts supervisors",
        )
        self.handler.function.add_event_source(
            sources.SqsEventSource(self.queue, batch_size=10, report_batch_item_failures=True)
        )
        self.release = self._scheduled(
            "Release",
            "handler.release_handler",
            environment,
            events.Schedule.rate(Duration.minutes(15)),
            platform,
        )
        hour, minute = config.digest_utc_time
        self.digest = self._scheduled(
            "Digest",
            "handler.digest_handler",
            environment,
            events.Schedule.cron(minute=str(minute), hour=str(hour)),
            platform,
        )
        for function in (self.handler, self.release, self.digest):
            self._grant(function, platform, identity, whatsapp_secret, whatsapp_key)

    @property
    def function(self) -> lambda_.IFunction:
        return self.handler.function

    def _scheduled(
        self,
        construct_id: str,
        handler: str,
        environment: dict[str, str],
        schedule: events.Schedule,
        platform: Platform,
    ) -> CivicFunction:
        function = CivicFunction(
            self,
            construct_id,
            code_dir=names.FUNCTION_NOTIFIER,
            handler=handler,
            timeout=Duration.minutes(2),
            platform=platform,
            environment=environment,
            description=f"Civic Desk notifier: {construct_id.lower()} (scheduled)",
        )
        events.Rule(
            self,
            f"{construct_id}Schedule",
            schedule=schedule,
            description=f"Civic Desk: notifier {construct_id.lower()}",
            targets=[targets.LambdaFunction(function.function, retry_attempts=2)],
        )
        return function

    def _grant(
        self,
        function: CivicFunction,
        platform: Platform,
        identity: StaffIdentity,
        whatsapp_secret: secretsmanager.ISecret,
        whatsapp_key: kms.IKey,
    ) -> None:
        role, table = function.role, platform.table
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[
                    "dynamodb:GetItem",
                    "dynamodb:Query",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:ConditionCheckItem",
                ],
                resources=[table.table_arn, f"{table.table_arn}/index/*"],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:DeleteItem"],
                resources=[table.table_arn],
                conditions={
                    "ForAllValues:StringEquals": {
                        "dynamodb:LeadingKeys": [
                            layout.HELD_NOTIFICATIONS_PK,
                            layout.idempotency_pk("notifier"),
                        ]
                    }
                },
            )
        )
        function.grant_key_use(platform.key)
        platform.grant_citizen_key(role)
        whatsapp_secret.grant_read(role)
        whatsapp_key.grant_decrypt(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail"],
                resources=[
                    f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:identity/{self.identity.email_identity_name}"
                ],
            )
        )
        self.alerts.grant_publish(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"],
                not_resources=[f"arn:{Aws.PARTITION}:sns:*:*:*"],  # phone numbers only: no topic
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["sms-voice:SendTextMessage"],
                resources=[f"arn:{Aws.PARTITION}:sms-voice:{Aws.REGION}:{Aws.ACCOUNT_ID}:*"],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["cognito-idp:ListUsersInGroup"], resources=[identity.user_pool.user_pool_arn]
            )
        )
        policy = role.node.find_child("DefaultPolicy")
        table_id = Stack.of(self).resolve(table.table_arn)["Fn::GetAtt"][0]
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::<{table_id}.Arn>/index/*]",
            "The digest reads staff queues from the table's indexes (work, work_due, attention): Query only.",
        )
        acknowledge(
            policy,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:*]",
            "End User Messaging SMS sends from the origination identity an operator registers after deploy "
            "(its ARN is not known to the stack); SendTextMessage only, this account and region.",
        )
