"""Where alarms go: one encrypted SNS topic (optionally mailed); and the operators' dashboard: what
came in per channel, how fast it was routed, what waits for a person, what failed, the alarms."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from civicdesk.core.observability import CHANNEL_DIMENSION, FILED
from infra import names
from infra.config import EDGE_REGION, StageConfig
from infra.nag import acknowledge

AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD


@dataclass(frozen=True)
class Overview:
    """What the operators' graphs read, handed over by the stack once every capability exists."""

    router: sfn.IStateMachine
    dispatcher: lambda_.IFunction
    notifiers: tuple[lambda_.IFunction, ...]
    web_acl_name: str
    channels: tuple[str, ...]


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
        self._dead_letter_queues: list[tuple[str, sqs.IQueue]] = []
        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"civic-desk-{config.stage}", default_interval=Duration.hours(6)
        )

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
        self._dead_letter_queues.append((holds, queue))
        self.alarm(
            scope,
            f"{construct_id}Alarm",
            description=f"Civic Desk: a message in a dead-letter queue ({holds})",
            metric=queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5), statistic="Maximum"
            ),
        )
        return queue

    def finish(self, overview: Overview | None = None) -> None:
        """Add the operators' graphs and the alarm-status widget once every construct has registered."""
        if overview is not None:
            self.dashboard.add_widgets(*self._overview(overview))
        if self._alarms:
            self.dashboard.add_widgets(
                cloudwatch.AlarmStatusWidget(title="Civic Desk alarms", alarms=self._alarms, width=24)
            )

    def _overview(self, overview: Overview) -> list[cloudwatch.IWidget]:
        period = Duration.minutes(5)

        def ours(name: str, statistic: str = "Sum", **dimensions: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=names.METRICS_NAMESPACE,
                metric_name=name,
                dimensions_map={"service": names.SERVICE_NAME, **dimensions},
                statistic=statistic,
                period=period,
                label=dimensions.get(CHANNEL_DIMENSION, name),
            )

        machine, dispatcher = overview.router, overview.dispatcher
        return [
            cloudwatch.GraphWidget(
                title="Requests filed per channel (5 min)",
                left=[ours(FILED, **{CHANNEL_DIMENSION: channel}) for channel in overview.channels],
                stacked=True,
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Routing latency: router run p50 / p99 (ms), stream lag max (ms)",
                left=[
                    machine.metric_time(statistic="p50", period=period, label="router p50"),
                    machine.metric_time(statistic="p99", period=period, label="router p99"),
                ],
                right=[
                    dispatcher.metric(
                        "IteratorAge", statistic="Maximum", period=period, label="stream lag (dispatcher)"
                    )
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Waiting for a person: sent to triage, missed deadlines flagged (5 min)",
                left=[
                    ours("SentToTriage"),
                    ours("Flagged"),
                    ours("Swept"),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Dead-letter queues: messages waiting",
                left=[
                    queue.metric_approximate_number_of_messages_visible(
                        statistic="Maximum", period=period, label=holds[:40]
                    )
                    for holds, queue in self._dead_letter_queues
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Refused at the door: webhook signatures, WAF blocks (5 min)",
                left=[ours("WhatsAppSignatureRejected"), ours("WhatsAppMalformed")],
                right=[
                    cloudwatch.Metric(
                        namespace="AWS/WAFV2",
                        metric_name="BlockedRequests",
                        dimensions_map={"WebACL": overview.web_acl_name, "Rule": "ALL"},
                        region=EDGE_REGION,
                        statistic="Sum",
                        period=period,
                        label="WAF blocked",
                    )
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Notifications: failed runs and replies not sent (5 min)",
                left=[
                    *(f.metric_errors(period=period, statistic="Sum") for f in overview.notifiers),
                    ours("WhatsAppSendFailed"),
                ],
                width=12,
            ),
        ]
