"""Needs analysis: the counters kept from the domain events, and the reports API that reads them.

Counting: a rule on the Civic Desk bus -> the counters' own SQS queue (a dead-letter queue with an
alarm, and an alarm when counting falls behind) -> the stats function. Reports: one function behind
the `GET /staff/reports/...` routes, each behind the staff user pool's JWT authorizer.

Least privilege, by partition (`dynamodb:LeadingKeys`): the counter reads a request's item (a
projection without its description, location or contact: `civicdesk.reports.store`) and its own
tally, writes tallies and ADDs to counters, nothing else. The reports function reads counters
(BatchGetItem) and the catalogue (Query) only: it cannot read a request, so no personal data can
reach a report.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra import names
from infra.capabilities import partitions
from infra.capabilities.function import CivicFunction
from infra.capabilities.platform import Platform
from infra.capabilities.queues import event_queue

COUNTED_EVENTS = (
    "RequestReceived",
    "RequestRouted",
    "RequestTriaged",
    "RequestTransferred",
    "CitizenReplied",
    "StatusChanged",
    "RequestOverdue",
    "SurveyAnswered",
)
"""The events that change what a request counts (its status, department, first response, flags).
A survey answer adds its satisfaction figures. Notes, notifications, inbound messages, warnings
and transfer asks change none of it."""
REPORT_ROUTES = ("summary", "series", "places", "promise", "routing", "satisfaction", "backlog")
"""`GET /staff/reports/<name>`: a contract with the console and anyone reading the figures."""
MAX_RECEIVES = 5
TIMEOUT = Duration.seconds(30)
LAG_ALARM = Duration.minutes(15)
"""Counting this far behind means the reports are stale: someone should look."""

COUNTER_GRANTS = (
    partitions.Grant(("dynamodb:GetItem",), (partitions.REQUESTS, partitions.TALLIES)),
    partitions.Grant(("dynamodb:PutItem",), (partitions.TALLIES,)),
    partitions.Grant(("dynamodb:UpdateItem",), (partitions.STATS,)),
)
REPORT_GRANTS = (
    partitions.Grant(("dynamodb:BatchGetItem",), (partitions.STATS,)),
    partitions.Grant(("dynamodb:Query",), (partitions.CATALOGUE,)),
)


class NeedsAnalysis(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform: Platform,
        bus: events.IEventBus,
        http_api: apigwv2.HttpApi,
        authorizer: authorizers.HttpUserPoolAuthorizer,
    ) -> None:
        super().__init__(scope, construct_id)
        table, monitoring = platform.table, platform.monitoring
        environment = {
            **platform.table_environment(),
        }
        # --- counting -------------------------------------------------------------------------------
        subscription = event_queue(
            self,
            bus=bus,
            monitoring=monitoring,
            detail_types=COUNTED_EVENTS,
            description="Civic Desk: domain events that change what a request counts in the reports",
            holds="domain events the counters could not take after their retries",
            consumer_timeout=TIMEOUT,
            max_receives=MAX_RECEIVES,
        )
        self.queue, self.dead_letters = subscription.queue, subscription.dead_letters
        self.counter = CivicFunction(
            self,
            "Counter",
            code_dir=names.FUNCTION_STATS,
            handler=names.HANDLER_STATS,
            timeout=TIMEOUT,
            platform=platform,
            environment=environment,
            description="Civic Desk: keeps the needs-analysis counters from the domain events",
        )
        self.counter.function.add_event_source(
            sources.SqsEventSource(self.queue, batch_size=10, report_batch_item_failures=True)
        )
        partitions.grant(self.counter.role, table, *COUNTER_GRANTS)
        self.counter.grant_key_use(platform.key)
        monitoring.alarm(
            self,
            "LagAlarm",
            description="Civic Desk: the reports' counters are more than 15 minutes behind the events",
            metric=self.queue.metric_approximate_age_of_oldest_message(
                period=Duration.minutes(5), statistic="Maximum"
            ),
            threshold=LAG_ALARM.to_seconds(),
            evaluation_periods=2,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        )
        # --- the reports API --------------------------------------------------------------------------
        self.reports = CivicFunction(
            self,
            "Reports",
            code_dir=names.FUNCTION_REPORTS,
            handler=names.HANDLER_REPORTS,
            timeout=Duration.seconds(15),
            platform=platform,
            environment=environment,
            description="Civic Desk: needs-analysis reports for management (counters only)",
        )
        partitions.grant(self.reports.role, table, *REPORT_GRANTS)
        self.reports.grant_key_use(platform.key)
        integration = HttpLambdaIntegration("Reports", self.reports.function)
        for name in REPORT_ROUTES:
            http_api.add_routes(
                path=f"/staff/reports/{name}",
                methods=[apigwv2.HttpMethod.GET],
                integration=integration,
                authorizer=authorizer,
            )

    @property
    def function(self) -> lambda_.IFunction:
        return self.reports.function
