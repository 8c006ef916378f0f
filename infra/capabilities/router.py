"""Routing: the stream dispatcher, the router state machine and the domain event bus.

New request items on the table's stream start one Express execution each (classify -> decide ->
look up the department -> assign); every timeline entry on the stream becomes a domain event on
the Civic Desk bus. Every failure path ends in triage; what cannot even reach triage fails loudly
into alarms (and the SLA checker's sweep still finds the request).
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from civicdesk import layout
from civicdesk.requests.models import Status
from civicdesk.routing.rules import Outcome
from infra import names
from infra.capabilities import partitions
from infra.capabilities.function import CivicFunction
from infra.capabilities.monitoring import Monitoring
from infra.capabilities.platform import Platform
from infra.config import StageConfig
from infra.nag import acknowledge, invoke_versions_finding

RECEIVED = Status.RECEIVED.value
DONE, MOVED_ON = Outcome.DONE.value, Outcome.MOVED_ON.value
CATALOGUE_READ = partitions.Grant(("dynamodb:Query",), (partitions.CATALOGUE,))
MODEL_POINTER_READ = partitions.Grant(("dynamodb:GetItem",), (partitions.MODELS,))
"""Which published classifier model routes (the request itself comes with the execution)."""
REQUEST_WRITES = partitions.Grant(
    ("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem"), (partitions.REQUESTS,)
)
"""The request and its timeline entry (one transaction), and a re-read after a lost race."""
REDRIVE_TIMEOUT = Duration.minutes(10)


class Router(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform: Platform,
    ) -> None:
        super().__init__(scope, construct_id)
        config, monitoring, table, key = platform.config, platform.monitoring, platform.table, platform.key
        self.bus = events.EventBus(self, "Bus", event_bus_name=f"civic-desk-{config.stage}")
        self.bus.archive(
            "Archive",
            description="Every domain event, to replay into a new consumer",
            event_pattern=events.EventPattern(source=["civicdesk"]),
            retention=Duration.days(config.event_archive_days),
        )

        def task_function(
            construct_id: str, handler: str, grants: tuple[partitions.Grant, ...], purpose: str
        ) -> CivicFunction:
            function = CivicFunction(
                self,
                construct_id,
                code_dir=names.FUNCTION_ROUTER,
                handler=handler,
                timeout=Duration.seconds(10),
                platform=platform,
                environment={
                    **platform.table_environment(),
                },
                description=f"Civic Desk router: {purpose}",
            )
            partitions.grant(function.role, table, *grants)
            function.grant_key_use(key)
            return function

        self.classify = task_function(
            "ClassifyTask", "tasks.classify", (CATALOGUE_READ, MODEL_POINTER_READ), "classify a new request"
        )
        self.assign = task_function(
            "AssignTask",
            "tasks.assign",
            (CATALOGUE_READ, REQUEST_WRITES),
            "assign a request to its department",
        )
        self.triage = task_function(
            "TriageTask",
            "tasks.triage",
            (CATALOGUE_READ, REQUEST_WRITES),
            "hand a request to the triage queue",
        )
        self.state_machine = self._state_machine(config)

        self.dispatcher = CivicFunction(
            self,
            "Dispatcher",
            code_dir=names.FUNCTION_ROUTER,
            handler="dispatcher.lambda_handler",
            timeout=Duration.seconds(30),
            platform=platform,
            environment={
                names.ENV_ROUTER_ARN: self.state_machine.state_machine_arn,
                names.ENV_EVENT_BUS_NAME: self.bus.event_bus_name,
            },
            description="Civic Desk: table stream -> router executions and domain events",
        )
        self.state_machine.grant_start_execution(self.dispatcher.role)
        self.bus.grant_put_events_to(self.dispatcher.role)
        self.dead_letters = platform.monitoring.dead_letter_queue(
            self, "DispatchFailures", holds="stream records the dispatcher failed after its retries"
        )
        self.dispatcher.function.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=25,
                max_batching_window=Duration.seconds(1),
                bisect_batch_on_error=True,
                retry_attempts=5,
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(self.dead_letters),
                filters=[  # either matches: new requests to route, and new timeline entries to publish
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.is_equal("INSERT"),
                            "dynamodb": {
                                "NewImage": {
                                    layout.ITEM_TYPE: {
                                        "S": lambda_.FilterRule.is_equal(layout.ItemType.REQUEST)
                                    },
                                    "status": {"S": lambda_.FilterRule.is_equal(RECEIVED)},
                                }
                            },
                        }
                    ),
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.is_equal("INSERT"),
                            "dynamodb": {
                                "NewImage": {
                                    layout.ITEM_TYPE: {
                                        "S": lambda_.FilterRule.is_equal(layout.ItemType.ENTRY)
                                    }
                                }
                            },
                        }
                    ),
                ],
            )
        )
        key.grant_decrypt(self.dispatcher.role)  # stream records of a table under a customer-managed key
        self.redrive = self._redrive(platform, table, key)
        self._alarms(monitoring)

    def _state_machine(self, config: StageConfig) -> sfn.StateMachine:
        """Classify -> Route? -> Assign -> Assigned?; anything else -> Triage.

        The execution starts with the request as the stream showed it; Classify adds the decision
        (category, confidence, department from its cached catalogue) and Assign writes with the
        version that came along: no step reads what an earlier one already had (5 transitions).
        """
        retry = {
            "interval": Duration.seconds(config.router_retry_interval_seconds),
            "max_attempts": 3,
            "backoff_rate": 2.0,
        }
        triage = tasks.LambdaInvoke(
            self,
            "Triage",
            lambda_function=self.triage.function,
            payload=sfn.TaskInput.from_object(
                {"code": sfn.JsonPath.string_at("$.code"), "triage": sfn.JsonPath.object_at("$.triage")}
            ),
            result_selector={"outcome": sfn.JsonPath.string_at("$.Payload.outcome")},
            result_path="$.result",
        ).next(sfn.Succeed(self, "InTriage"))

        def to_triage(state_id: str, reason: str) -> sfn.Chain:
            return sfn.Pass(self, state_id, parameters={"reason": reason}, result_path="$.triage").next(
                triage
            )

        # Only the error's name goes on (`States.Timeout`, `RuntimeError`): its Cause holds a stack
        # trace and can quote the request's own words, and the triage entry becomes a domain event.
        step_failed = sfn.Pass(
            self,
            "StepFailed",
            parameters={"reason": "step_failed", "error": sfn.JsonPath.string_at("$.failure.Error")},
            result_path="$.triage",
        ).next(triage)

        classify = tasks.LambdaInvoke(
            self,
            "Classify",
            lambda_function=self.classify.function,
            payload=sfn.TaskInput.from_object({"request": sfn.JsonPath.object_at("$.request")}),
            result_selector={"decision": sfn.JsonPath.object_at("$.Payload")},
            result_path="$.classified",
            retry_on_service_exceptions=False,
        )
        assign = tasks.LambdaInvoke(
            self,
            "Assign",
            lambda_function=self.assign.function,
            payload=sfn.TaskInput.from_object(
                {
                    "request": sfn.JsonPath.object_at("$.request"),
                    "decision": sfn.JsonPath.object_at("$.classified.decision"),
                }
            ),
            result_selector={"outcome": sfn.JsonPath.string_at("$.Payload.outcome")},
            result_path="$.assigned",
            retry_on_service_exceptions=False,
        )
        for step in (classify, assign):
            step.add_retry(
                errors=[
                    "Lambda.ServiceException",
                    "Lambda.AWSLambdaException",
                    "Lambda.SdkClientException",
                    "Lambda.TooManyRequestsException",
                ],
                **retry,  # type: ignore[arg-type]
            )
            step.add_catch(step_failed, errors=["States.ALL"], result_path="$.failure")

        assigned = (
            sfn.Choice(self, "Assigned?")
            .when(sfn.Condition.string_equals("$.assigned.outcome", DONE), sfn.Succeed(self, "Routed"))
            .when(
                sfn.Condition.string_equals("$.assigned.outcome", MOVED_ON),
                sfn.Succeed(
                    self,
                    "AlreadyMovedOn",
                    comment="No longer received: a supervisor routed it or the SLA sweep triaged it first",
                ),
            )
            .otherwise(to_triage("NotAssigned", "not_assigned"))
        )
        definition = classify.next(
            sfn.Choice(self, "Route?")
            .when(
                sfn.Condition.number_less_than(
                    "$.classified.decision.confidence", config.routing_confidence_threshold
                ),
                to_triage("NotSureEnough", "low_confidence"),
            )
            .when(
                sfn.Condition.is_not_present("$.classified.decision.department"),
                to_triage("NoDepartment", "no_department_for_category"),
            )
            .otherwise(assign.next(assigned))
        )
        log_group = logs.LogGroup(
            self, "ExecutionLogs", retention=config.log_retention, removal_policy=config.log_removal_policy
        )
        machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_type=sfn.StateMachineType.EXPRESS,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=Duration.minutes(1),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            comment="Civic Desk: route a new request to its department, or to triage",
        )
        policy = machine.role.node.find_child("DefaultPolicy")
        for task in (self.classify, self.assign, self.triage):
            acknowledge(
                policy,
                invoke_versions_finding(task.function),
                "Generated by LambdaInvoke: the state machine may invoke this one task function's "
                "versions/aliases (`ARN:*`).",
            )
        acknowledge(
            policy,
            "AwsSolutions-IAM5[Resource::*]",
            "Generated by the Step Functions L2 for log delivery and X-Ray: those actions support no "
            "resource-level scoping.",
        )
        return machine

    def _redrive(self, platform: Platform, table: dynamodb.Table, key: kms.IKey) -> CivicFunction:
        """Rebuilds and republishes a time range's events from the timeline index, when the stream's
        records are gone (its on-failure queue keeps only their positions, for 24 hours)."""
        function = CivicFunction(
            self,
            "EventRedrive",
            code_dir=names.FUNCTION_ROUTER,
            handler="redrive.lambda_handler",
            timeout=REDRIVE_TIMEOUT,
            platform=platform,
            environment={
                names.ENV_TABLE_NAME: table.table_name,
                names.ENV_EVENT_BUS_NAME: self.bus.event_bus_name,
            },
            description="Civic Desk: republish the domain events of a time range (operators invoke it)",
        )
        function.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query"], resources=[f"{table.table_arn}/index/{layout.TIMELINE.name}"]
            )
        )
        key.grant_decrypt(function.role)
        self.bus.grant_put_events_to(function.role)
        return function

    def _alarms(self, monitoring: Monitoring) -> None:
        """A failed or timed-out execution, a dead letter, or a stream falling behind needs a person."""
        period = Duration.minutes(5)
        watched = {
            "ExecutionsFailed": self.state_machine.metric_failed(period=period, statistic="Sum"),
            "ExecutionsTimedOut": self.state_machine.metric_timed_out(period=period, statistic="Sum"),
        }
        for name, metric in watched.items():
            monitoring.alarm(
                self, f"{name}Alarm", description=f"Civic Desk router: {name} >= 1", metric=metric
            )
        monitoring.alarm(
            self,
            "StreamLagAlarm",
            description="Civic Desk dispatcher: table stream records older than 60 s",
            metric=self.dispatcher.function.metric(
                "IteratorAge", period=Duration.minutes(1), statistic="Maximum"
            ),
            threshold=60_000,
            evaluation_periods=3,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        )
