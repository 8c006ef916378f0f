"""The one way to build a Lambda function here: same runtime, layers, tracing, logging and alarms.

Each function gets its own role (least privilege, no AWS-managed policy) and its own log group,
so its permissions and its log retention are both visible in the template.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import names, paths
from infra.capabilities.layers import ARCHITECTURE, RUNTIME
from infra.capabilities.monitoring import Monitoring
from infra.capabilities.platform import Platform
from infra.config import StageConfig
from infra.nag import acknowledge

XRAY_WRITE_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")


def logging_role(
    scope: Construct, role_id: str, log_group_id: str, *, config: StageConfig, description: str
) -> tuple[iam.Role, logs.LogGroup]:
    """A Lambda execution role that may write only its own log group (retention per stage), and no
    AWS-managed policy: for our functions and for the ones CDK builds for us (providers, deploys)."""
    log_group = logs.LogGroup(
        scope, log_group_id, retention=config.log_retention, removal_policy=config.log_removal_policy
    )
    role = iam.Role(
        scope, role_id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=description
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn]
        )
    )
    return role, log_group


class CivicFunction(Construct):
    """A Python 3.13 / arm64 function from `functions/<code_dir>` with the shared layers and env."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code_dir: str,
        handler: str,
        timeout: Duration,
        platform: Platform,
        environment: Mapping[str, str] | None = None,
        memory_size: int | None = None,
        description: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        config = platform.config
        source = paths.FUNCTIONS_DIR / code_dir
        if not source.is_dir():
            raise FileNotFoundError(f"function code directory {source} does not exist")

        self.role, self.log_group = logging_role(
            self,
            "Role",
            "LogGroup",
            config=config,
            description=f"Civic Desk {config.stage}: execution role of the {code_dir} function",
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=handler,
            code=lambda_.Code.from_asset(str(source), exclude=["**/__pycache__", "*.pyc"]),
            layers=list(platform.layers),
            role=self.role,
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
            memory_size=memory_size or config.lambda_memory_mb,
            timeout=timeout,
            # Per stage and only where the account has room (StageConfig.reserved_concurrency).
            reserved_concurrent_executions=config.reserved_concurrency(code_dir),
            description=description,
            environment={
                names.ENV_POWERTOOLS_SERVICE_NAME: names.SERVICE_NAME,
                names.ENV_POWERTOOLS_METRICS_NAMESPACE: names.METRICS_NAMESPACE,
                names.ENV_POWERTOOLS_LOG_LEVEL: "INFO",
                names.ENV_STAGE: config.stage,
                names.ENV_PROFILE: config.profile,
                **(environment or {}),
            },
        )
        cfn_function = self.function.node.default_child
        # Tells the local stack (local/) which source directory a template function runs; CloudFormation
        # ignores resource metadata.
        cfn_function.add_metadata(names.METADATA_SOURCE, f"functions/{code_dir}")  # type: ignore[union-attr]
        acknowledge(
            cfn_function,  # type: ignore[arg-type]
            "AwsSolutions-L1",
            "Pinned to python3.13 on purpose: the deps layer is built for cp313/arm64 and the local and CI "
            "interpreters match it; the runtime moves with the layer build, in one change.",
        )
        # Tracing ACTIVE adds the X-Ray write actions on "*" to the role's default policy.
        default_policy = self.role.node.find_child("DefaultPolicy")
        acknowledge(
            default_policy,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; "
            "the only statement on '*' in this policy is the one Tracing.ACTIVE adds (tests enforce it).",
        )
        self._add_alarms(platform.monitoring, code_dir)

    def grant_key_use(self, key: kms.IKey) -> None:
        """Let the function read and write items encrypted with the table's customer-managed key."""
        key.grant_encrypt_decrypt(self.role)
        policy = self.role.node.find_child("DefaultPolicy")
        for action in ("kms:ReEncrypt*", "kms:GenerateDataKey*"):
            acknowledge(
                policy,
                f"AwsSolutions-IAM5[Action::{action}]",
                f"{action} comes from Key.grant_encrypt_decrypt, which DynamoDB needs to use the table's "
                "customer-managed key; the statement is scoped to that single key ARN.",
            )

    def _add_alarms(self, monitoring: Monitoring, code_dir: str) -> None:
        """Any error or throttle is worth a look: handlers let unexpected failures surface."""
        period = Duration.minutes(5)
        for metric_name, metric in (
            ("Errors", self.function.metric_errors(period=period, statistic="Sum")),
            ("Throttles", self.function.metric_throttles(period=period, statistic="Sum")),
        ):
            monitoring.alarm(
                self,
                f"{metric_name}Alarm",
                description=f"Civic Desk {code_dir}: Lambda {metric_name} >= 1 in 5 minutes",
                metric=metric,
            )
