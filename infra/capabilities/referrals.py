"""Referrals out (Open311 client): `not_ours` rejections naming a profile institution -> their own SQS
queue (dead-letter queue and alarm) -> the referral function, which files them with the institution's
Open311 server or e-mails them; a schedule (every 15 minutes) follows what was filed.

The other side's API keys are in one secret per deployment (`{"<institution>": {"api_key": ...}}`),
encrypted with the table's key, filled by an operator after deploy: never in the profile or the repo.

Least privilege: each function only on the partitions it touches — the request (read; its timeline
entries written), the catalogue (read, for the category's name), `REFERRAL#*` (the filing's state) and
`REFERRALS#*` (what is followed); SES from the notifications' identity only. Alarms: the dead-letter
queue, a referral refused or of unknown outcome, and updates that could not be read.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from constructs import Construct

from civicdesk import layout
from infra import names
from infra.capabilities import partitions
from infra.capabilities.function import CivicFunction
from infra.capabilities.monitoring import Monitoring
from infra.capabilities.platform import Platform
from infra.capabilities.queues import event_queue
from infra.nag import acknowledge

REFERRAL_EVENT = "StatusChanged"
MAX_RECEIVES = 5
TIMEOUT = Duration.seconds(30)
FOLLOW_INTERVAL = Duration.minutes(15)
REFERRALS = f"{layout.REFERRAL_PREFIX}*"
FOLLOWED = f"{layout.FOLLOWED_PREFIX}*"
FILER_GRANTS = (
    partitions.Grant(("dynamodb:GetItem",), (partitions.REQUESTS, REFERRALS)),
    partitions.Grant(("dynamodb:Query",), (partitions.CATALOGUE,)),
    partitions.Grant(("dynamodb:PutItem", "dynamodb:UpdateItem"), (REFERRALS,)),
    partitions.Grant(("dynamodb:PutItem",), (partitions.REQUESTS, FOLLOWED)),
)
"""Reads the request and the catalogue; writes its referral item, one timeline entry, the followed pointer."""
FOLLOWER_GRANTS = (
    partitions.Grant(("dynamodb:Query",), (FOLLOWED,)),
    partitions.Grant(("dynamodb:PutItem",), (partitions.REQUESTS, FOLLOWED)),
    partitions.Grant(("dynamodb:DeleteItem",), (FOLLOWED,)),
    partitions.Grant(("dynamodb:UpdateItem",), (REFERRALS,)),
)
"""Reads what is followed; writes timeline entries and the cursor; drops and closes what was closed."""


class Referrals(Construct):
    """Exposes `handler` (the queue's consumer), `follower` (scheduled), `queue`, `dead_letters`,
    `secret` (the other institutions' API keys) and `schedule`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform: Platform,
        bus: events.IEventBus,
        mail_identity: ses.EmailIdentity,
    ) -> None:
        super().__init__(scope, construct_id)
        config, table, monitoring = platform.config, platform.table, platform.monitoring
        self.secret = secretsmanager.Secret(
            self,
            "Keys",
            description=f"Civic Desk {config.stage}: our API keys at other institutions' Open311 servers "
            '(JSON: {"<institution code>": {"api_key": "..."}})',
            encryption_key=platform.key,
            secret_object_value={},
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.secret.node.default_child,  # type: ignore[arg-type]
            "AwsSolutions-SMG4",
            "Each institution issues our key on its own Open311 server and rotates it there; an operator "
            "pastes the new key here.",
        )
        subscription = event_queue(
            self,
            bus=bus,
            monitoring=monitoring,
            detail_types=(REFERRAL_EVENT,),
            detail={"facts": {"reason": ["not_ours"], "institution": [{"exists": True}]}},
            description="Civic Desk: requests referred to a configured institution",
            holds="referrals that failed after their retries",
            consumer_timeout=TIMEOUT,
            max_receives=MAX_RECEIVES,
        )
        self.queue, self.dead_letters = subscription.queue, subscription.dead_letters
        environment = {
            **platform.table_environment(),
            "REFERRAL_SECRET_ID": self.secret.secret_arn,
            "MAIL_FROM": config.mail_from,
        }
        self.handler = CivicFunction(
            self,
            "Filer",
            code_dir=names.FUNCTION_REFERRALS,
            handler=names.HANDLER_REFERRALS,
            timeout=TIMEOUT,
            platform=platform,
            environment=environment,
            description="Civic Desk: files referrals with other institutions (Open311, or e-mail)",
        )
        self.handler.function.add_event_source(
            sources.SqsEventSource(self.queue, batch_size=5, report_batch_item_failures=True)
        )
        partitions.grant(self.handler.role, table, *FILER_GRANTS)
        identity = mail_identity.email_identity_name
        self.handler.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail"],
                resources=[f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:identity/{identity}"],
            )
        )
        self.follower = CivicFunction(
            self,
            "Follower",
            code_dir=names.FUNCTION_REFERRALS,
            handler=names.HANDLER_REFERRAL_FOLLOW,
            timeout=Duration.minutes(2),
            platform=platform,
            environment=environment,
            description="Civic Desk: reads updates of referred requests from other institutions (scheduled)",
        )
        partitions.grant(self.follower.role, table, *FOLLOWER_GRANTS)
        self.schedule = events.Rule(
            self,
            "FollowSchedule",
            schedule=events.Schedule.rate(FOLLOW_INTERVAL),
            description="Civic Desk: follow referrals at other institutions",
            targets=[targets.LambdaFunction(self.follower.function, retry_attempts=0)],
        )
        for function in (self.handler, self.follower):
            function.grant_key_use(platform.key)
            self.secret.grant_read(function.role)
        self._alarms(monitoring)

    def _alarms(self, monitoring: Monitoring) -> None:
        for construct_id, metrics_, description in (
            (
                "NotFiledAlarm",
                ("ReferralsFailed", "ReferralsUncertain"),
                "Civic Desk referrals: another institution refused a referral, or its outcome is unknown "
                "(see the request's internal timeline; it is never filed twice by itself)",
            ),
            (
                "FollowAlarm",
                ("ReferralsFollowFailed",),
                "Civic Desk referrals: another institution's updates could not be read",
            ),
        ):
            expression = cloudwatch.MathExpression(
                expression=" + ".join(f"FILL(m{i}, 0)" for i in range(len(metrics_))),
                using_metrics={
                    f"m{i}": cloudwatch.Metric(
                        namespace=names.METRICS_NAMESPACE,
                        metric_name=name,
                        dimensions_map={"service": names.SERVICE_NAME},
                        statistic="Sum",
                        period=Duration.minutes(15),
                    )
                    for i, name in enumerate(metrics_)
                },
                period=Duration.minutes(15),
                label=construct_id,
            )
            monitoring.alarm(
                self,
                construct_id,
                description=description,
                metric=expression,
                evaluation_periods=2 if construct_id == "FollowAlarm" else 1,
            )

    @property
    def function(self) -> lambda_.IFunction:
        return self.handler.function
