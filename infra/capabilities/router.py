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
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from civicdesk import layout
from civicdesk.requests.models import Status
from infra import names
from infra.capabilities.function import CivicFunction
from infra.capabilities.monitoring import Monitoring
from infra.capabilities.platform import Platform
from infra.config import StageConfig
from infra.nag import acknowledge, invoke_versions_finding

RECEIVED = Status.RECEIVED.value
READ = ("dynamodb:GetItem", "dynamodb:Query")
CHANGE = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:PutItem")


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
            construct_id: str, handler: str, actions: tuple[str, ...], purpose: str
        ) -> CivicFunction:
            function = CivicFunction(
                self,
                construct_id,
                code_dir=names.FUNCTION_ROUTER,
                handler=handler,
                timeout=Duration.seconds(10),
                platform=platform,
                environment={
                    names.ENV_TABLE_NAME: table.table_name,
                    names.ENV_CATALOG_CACHE_SECONDS: str(config.catalog_cache_seconds),
                },
                description=f"Civic Desk router: {purpose}",
            )
            function.role.add_to_principal_policy(
                iam.PolicyStatement(actions=list(actions), resources=[table.table_arn])
            )
            function.grant_key_use(key)
            return function

        self.classify = task_function("ClassifyTask", "tasks.classify", READ, "classify a new request")
        self.assign = task_function(
            "AssignTask", "tasks.assign", CHANGE, "assign a request to its department"
        )
        self.triage = task_function(
            "TriageTask", "tasks.triage", CHANGE, "hand a request to the triage queue"
        )
        self.state_machine = self._state_machine(config, monitoring, table)

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
        self._alarms(monitoring)

    def _state_machine(
        self, config: StageConfig, monitoring: Monitoring, table: dynamodb.Table
    ) -> sfn.StateMachine:
        """Classify -> Confident? -> Department -> Assign; anything else -> Triage."""
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
                {
                    "code": sfn.JsonPath.string_at("$.code"),
                    "reason": sfn.JsonPath.string_at("$.triage.reason"),
                    "error": sfn.JsonPath.object_at("$.triage.error"),
                }
            ),
            result_selector={"triaged": sfn.JsonPath.string_at("$.Payload.triaged")},
            result_path="$.result",
        ).next(sfn.Succeed(self, "InTriage"))
        low_confidence = sfn.Pass(
            self,
            "NotSureEnough",
            parameters={"reason": "low_confidence", "error": {}},
            result_path="$.triage",
        ).next(triage)
        no_department = sfn.Pass(
            self,
            "NoDepartment",
            parameters={"reason": "no_department_for_category", "error": {}},
            result_path="$.triage",
        ).next(triage)
        step_failed = sfn.Pass(
            self,
            "StepFailed",
            parameters={"reason": "step_failed", "error": sfn.JsonPath.object_at("$.failure")},
            result_path="$.triage",
        ).next(triage)

        classify = tasks.LambdaInvoke(
            self,
            "Classify",
            lambda_function=self.classify.function,
            payload=sfn.TaskInput.from_object({"code": sfn.JsonPath.string_at("$.code")}),
            result_selector={"decision": sfn.JsonPath.object_at("$.Payload")},
            result_path="$.classified",
            retry_on_service_exceptions=False,
        )
        department = tasks.DynamoGetItem(
            self,
            "Department",
            table=table,
            key={
                layout.PK: tasks.DynamoAttributeValue.from_string(layout.CATALOGUE_PK),
                layout.SK: tasks.DynamoAttributeValue.from_string(
                    sfn.JsonPath.format(
                        layout.category_sk("{}"), sfn.JsonPath.string_at("$.classified.decision.category")
                    )
                ),
            },
            projection_expression=[
                tasks.DynamoProjectionExpression().with_attribute(layout.CATEGORY_DEPARTMENT)
            ],
            result_path="$.catalog",
        )
        assign = tasks.LambdaInvoke(
            self,
            "Assign",
            lambda_function=self.assign.function,
            payload=sfn.TaskInput.from_object(
                {
                    "decision": sfn.JsonPath.object_at("$.classified.decision"),
                    "department": sfn.JsonPath.string_at(f"$.catalog.Item.{layout.CATEGORY_DEPARTMENT}.S"),
                }
            ),
            result_selector={"assigned": sfn.JsonPath.string_at("$.Payload.assigned")},
            result_path="$.result",
            retry_on_service_exceptions=False,
        )
        for step in (classify, department, assign):
            step.add_retry(
                errors=[
                    "Lambda.ServiceException",
                    "Lambda.AWSLambdaException",
                    "Lambda.SdkClientException",
                    "Lambda.TooManyRequestsException",
                    "DynamoDB.ProvisionedThroughputExceededException",
                    "DynamoDB.ThrottlingException",
                    "DynamoDB.InternalServerErrorException",
                ],
                **retry,  # type: ignore[arg-type]
            )
            step.add_catch(step_failed, errors=["States.ALL"], result_path="$.failure")

        definition = classify.next(
            sfn.Choice(self, "Confident?")
            .when(
                sfn.Condition.number_greater_than_equals(
                    "$.classified.decision.confidence", config.routing_confidence_threshold
                ),
                department.next(
                    sfn.Choice(self, "KnownDepartment?")
                    .when(
                        sfn.Condition.is_present(f"$.catalog.Item.{layout.CATEGORY_DEPARTMENT}.S"),
                        assign.next(sfn.Succeed(self, "Routed")),
                    )
                    .otherwise(no_department)
                ),
            )
            .otherwise(low_confidence)
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
