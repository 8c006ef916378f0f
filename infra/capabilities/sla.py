"""The 48-hour promise, enforced: a schedule runs the SLA checker every few minutes.

The checker reads only the `due` and `queue` indexes and writes request updates with their timeline
entries (one transaction each). One run at a time where the stage reserves a concurrency of 1 (only
when the account's quota has room: see StageConfig); overlapping runs still act once, since every
write is conditional. A tick that cannot be delivered, or a run that fails, lands in an encrypted dead-letter
queue with its own alarm; the errors alarm and a lag alarm (which also fires when runs stop) watch
the function itself.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from constructs import Construct

from civicdesk import layout
from infra import names
from infra.capabilities.function import CivicFunction
from infra.capabilities.monitoring import Monitoring
from infra.capabilities.platform import Platform

TIMEOUT = Duration.minutes(2)
LAG_ALARM_SECONDS = 15 * 60
SCHEDULE_RETRY_ATTEMPTS = 2
# Only the checker's write paths: request updates and their timeline entries (items under `REQ#...`).
WRITE_ACTIONS = ("dynamodb:UpdateItem", "dynamodb:PutItem")
REQUEST_KEYS_ONLY = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["REQ#*"]}}


class SlaChecker(Construct):
    """Exposes `handler` (the CivicFunction), `rule` (the schedule) and `dead_letter_queue`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform: Platform,
    ) -> None:
        super().__init__(scope, construct_id)
        config, monitoring, table, key = platform.config, platform.monitoring, platform.table, platform.key
        interval = Duration.minutes(config.sla_check_minutes)
        self.handler = CivicFunction(
            self,
            "Checker",
            code_dir=names.FUNCTION_SLA_CHECKER,
            handler=names.HANDLER_SLA_CHECKER,
            timeout=TIMEOUT,
            platform=platform,
            # The checker's policy (warning lead, stuck-request age, time margin) keeps its domain defaults
            # unless the stage sets them.
            environment={
                names.ENV_TABLE_NAME: table.table_name,
                **config.sla_overrides(),
            },
            description="Civic Desk: SLA checker (due-soon warnings, overdue flags, stuck-request sweep)",
        )
        self._grant_table(table, key)

        self.dead_letter_queue = platform.monitoring.dead_letter_queue(
            self, "DeadLetterQueue", holds="SLA checker runs that failed or were never delivered"
        )
        # A failed run is not retried by Lambda: the next tick, minutes later, is the retry. Ticks older
        # than one interval are superseded by the next one, so they are dropped to the queue.
        self.handler.function.configure_async_invoke(
            retry_attempts=0,
            max_event_age=interval,
            on_failure=destinations.SqsDestination(self.dead_letter_queue),
        )
        self.rule = events.Rule(
            self,
            "Schedule",
            description=f"Civic Desk {config.stage}: run the SLA checker",
            schedule=events.Schedule.rate(interval),
            targets=[
                targets.LambdaFunction(
                    self.handler.function,
                    retry_attempts=SCHEDULE_RETRY_ATTEMPTS,
                    max_event_age=interval,
                    dead_letter_queue=self.dead_letter_queue,
                )
            ],
        )
        self._add_alarms(monitoring, interval)

    def _grant_table(self, table: dynamodb.Table, key: kms.IKey) -> None:
        """Query the two indexes it reads (never the table, never Scan); write request items only."""
        self.handler.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query"],
                resources=[
                    f"{table.table_arn}/index/{layout.DUE.name}",
                    f"{table.table_arn}/index/{layout.QUEUE.name}",
                ],
            )
        )
        self.handler.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(WRITE_ACTIONS), resources=[table.table_arn], conditions=REQUEST_KEYS_ONLY
            )
        )
        self.handler.grant_key_use(key)

    def _add_alarms(self, monitoring: Monitoring, interval: Duration) -> None:
        # Every run publishes LagSeconds (0 when nothing was late), so a missing datapoint over two
        # intervals means the checker stopped running: that breaches too.
        lag = cloudwatch.Metric(
            namespace=names.METRICS_NAMESPACE,
            metric_name=names.METRIC_SLA_LAG_SECONDS,
            dimensions_map={"service": names.SERVICE_NAME},
            statistic="Maximum",
            period=Duration.minutes(2 * interval.to_minutes()),
        )
        monitoring.alarm(
            self,
            "LagAlarm",
            description=(
                "Civic Desk SLA checker: a deadline was flagged more than 15 minutes late, "
                "or the checker has not reported for two intervals"
            ),
            metric=lag,
            threshold=LAG_ALARM_SECONDS,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.BREACHING,
        )

    @property
    def function(self) -> lambda_.IFunction:
        return self.handler.function
