"""Learning from staff: a weekly job retrains the classifier and publishes it only if it is at least
as good on the frozen evaluation set; the router's Classify task loads the published model.

Models are versioned JSON objects in an encrypted, versioned bucket (the table's key), with access
logs; the pointer to the current one, and each retrain's verdict, are table items (`MODEL#<profile>`).
A kept old model counts `ModelRejected`, which alarms; a failed run alarms through Errors.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from civicdesk import layout
from infra import names
from infra.capabilities.buckets import private_bucket
from infra.capabilities.function import CivicFunction
from infra.capabilities.platform import Platform
from infra.nag import acknowledge

TIMEOUT = Duration.minutes(15)  # a few minutes on the shipped corpus; staff decisions add to it
MEMORY_MB = 2048  # Lambda's CPU grows with memory: the trainer is CPU-bound
MODEL_PREFIX = "models/"
EXAMPLES_ONLY = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{layout.EXAMPLE_PREFIX}*"]}}
MODELS_ONLY = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{layout.MODEL_PREFIX}*"]}}


class ClassifierLearning(Construct):
    """Exposes `bucket`, `handler` (the retrain CivicFunction), `rule` (its schedule) and `grant_read`."""

    def __init__(self, scope: Construct, construct_id: str, *, platform: Platform) -> None:
        super().__init__(scope, construct_id)
        # S3 log delivery through a bucket policy (no ACLs: every bucket here enforces the owner)
        self.node.set_context("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", True)
        config, monitoring, table, key = platform.config, platform.monitoring, platform.table, platform.key
        self.bucket = self._bucket(platform)
        self.handler = CivicFunction(
            self,
            "Retrain",
            code_dir=names.FUNCTION_RETRAIN,
            handler=names.HANDLER_RETRAIN,
            timeout=TIMEOUT,
            memory_size=MEMORY_MB,
            platform=platform,
            environment={
                names.ENV_TABLE_NAME: table.table_name,
                names.ENV_MODEL_BUCKET: self.bucket.bucket_name,
                names.ENV_ROUTING_THRESHOLD: f"{config.routing_confidence_threshold:g}",
            },
            # One retrain at a time where the stage reserves 1 (StageConfig); a weekly run never overlaps.
            description="Civic Desk: retrain the request classifier from staff decisions (weekly)",
        )
        role = self.handler.role
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query"], resources=[table.table_arn], conditions=EXAMPLES_ONLY
            )
        )
        role.add_to_principal_policy(  # the catalogue (read like every function reads it) and the pointer
            iam.PolicyStatement(actions=["dynamodb:GetItem", "dynamodb:Query"], resources=[table.table_arn])
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:PutItem"], resources=[table.table_arn], conditions=MODELS_ONLY
            )
        )
        self.bucket.grant_read_write(role, f"{MODEL_PREFIX}*")
        self.handler.grant_key_use(key)
        self._acknowledge_grant(
            role,
            ("GetObject*", "GetBucket*", "List*", "DeleteObject*", "Abort*"),
            "Bucket.grant_read_write on the models/ prefix of the model bucket only: the job writes one "
            "object per version and reads the current one.",
        )
        self.rule = events.Rule(
            self,
            "Schedule",
            description=f"Civic Desk {config.stage}: retrain the request classifier",
            schedule=events.Schedule.expression(config.retrain_schedule),
            targets=[targets.LambdaFunction(self.handler.function, retry_attempts=2)],
        )
        monitoring.alarm(
            self,
            "ModelRejectedAlarm",
            description="Civic Desk classifier: the retrained model was not as good as the current one; "
            "the current one still routes (see the MODEL# verdict items)",
            metric=cloudwatch.Metric(
                namespace=names.METRICS_NAMESPACE,
                metric_name=names.METRIC_MODEL_REJECTED,
                dimensions_map={"service": names.SERVICE_NAME},
                statistic="Sum",
                period=Duration.days(1),
            ),
        )

    def _bucket(self, platform: Platform) -> s3.Bucket:
        return private_bucket(
            self,
            "Models",
            access_logs_id="ModelAccessLogs",
            key=platform.key,
            holds="model",
            logs_prefix="models/",
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(90))],
        )

    def _acknowledge_grant(self, role: iam.Role, actions: tuple[str, ...], reason: str) -> None:
        bucket = Stack.of(self).get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        policy = role.node.find_child("DefaultPolicy")
        acknowledge(policy, f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/{MODEL_PREFIX}*]", reason)
        for action in actions:
            acknowledge(policy, f"AwsSolutions-IAM5[Action::s3:{action}]", reason)

    def grant_read(self, function: CivicFunction) -> None:
        """The router's Classify task: read the pointer (its table grant) and the models' objects."""
        function.function.add_environment(names.ENV_MODEL_BUCKET, self.bucket.bucket_name)
        self.bucket.grant_read(function.role, f"{MODEL_PREFIX}*")
        self._acknowledge_grant(
            function.role,
            ("GetObject*", "GetBucket*", "List*"),
            "Bucket.grant_read on the models/ prefix of the model bucket only: the Classify task loads the "
            "published model's weights.",
        )
