"""Where alarms go: one encrypted SNS topic (optionally mailed) and a dashboard of alarm states."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import StageConfig
from infra.nag import acknowledge

AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD


class Monitoring(Construct):
    """Owns the alarm topic; other constructs hand their alarms to `watch` instead of wiring SNS.

    The topic uses a customer-managed key, not `alias/aws/sns`: CloudWatch alarms cannot publish to
    a topic encrypted with the AWS-managed SNS key, whose key policy does not admit CloudWatch.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "TopicKey",
            description=f"Civic Desk {config.stage}: encrypts the alarm topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name=f"Civic Desk {config.stage} alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        # enforce_ssl replaces SNS's default access policy, so CloudWatch needs an explicit allow,
        # limited to this account's alarms (confused-deputy guard).
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": self._alarm_arn_pattern()},
                },
            )
        )
        if config.alarm_email:
            self.topic.add_subscription(subs.EmailSubscription(config.alarm_email))
        self._action = cw_actions.SnsAction(self.topic)
        self._alarms: list[cloudwatch.IAlarm] = []
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard")

    @staticmethod
    def _alarm_arn_pattern() -> str:
        return f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"

    def watch(self, alarm: cloudwatch.Alarm) -> cloudwatch.Alarm:
        """Send the alarm's ALARM and OK transitions to the topic and show it on the dashboard."""
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self._alarms.append(alarm)
        return alarm

    def alarm(
        self,
        scope: Construct,
        construct_id: str,
        *,
        description: str,
        metric: cloudwatch.IMetric,
        threshold: float = 1,
        evaluation_periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = AT_LEAST,
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> cloudwatch.Alarm:
        """An alarm (by default: the metric reached `threshold` once; no data is fine), watched."""
        return self.watch(
            cloudwatch.Alarm(
                scope,
                construct_id,
                alarm_description=description,
                metric=metric,
                threshold=threshold,
                evaluation_periods=evaluation_periods,
                comparison_operator=comparison,
                treat_missing_data=missing,
            )
        )

    def dead_letter_queue(self, scope: Construct, construct_id: str, *, holds: str) -> sqs.Queue:
        """Where failed events wait for a person: encrypted, SSL only, two weeks, an alarm on the first.

        `holds` says what lands there; it is the reason cdk-nag's SQS3 (a queue without its own DLQ)
        does not apply, since this queue is the dead-letter destination itself.
        """
        queue = sqs.Queue(
            scope,
            construct_id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            queue.node.default_child,  # type: ignore[arg-type]
            "AwsSolutions-SQS3",
            f"This queue is itself a dead-letter destination ({holds}); an alarm fires on its first message.",
        )
        self.alarm(
            scope,
            f"{construct_id}Alarm",
            description=f"Civic Desk: a message in a dead-letter queue ({holds})",
            metric=queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5), statistic="Maximum"
            ),
        )
        return queue

    def finish(self) -> None:
        """Add the alarm-status widget once every construct has registered its alarms."""
        if self._alarms:
            self.dashboard.add_widgets(
                cloudwatch.AlarmStatusWidget(title="Civic Desk alarms", alarms=self._alarms, width=24)
            )
