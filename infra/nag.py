"""cdk-nag wiring: the AwsSolutions pack on the whole app, and one way to acknowledge a finding.

cdk-nag 3 runs as a CDK policy-validation plugin: an unacknowledged finding fails synth. The
acknowledgements are also written into each resource's `Metadata.cdk_nag.rules_to_suppress`
so the reasons are visible in the template (audit trail, and the tests read them from there).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

RULE_PACK_PREFIX = "AwsSolutions-"


def add_checks(app: cdk.App) -> None:
    """Apply the AwsSolutions pack to every stack in the app."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))


def acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one finding on one construct; a reason is mandatory and must say why it is safe."""
    if not rule_id.startswith(RULE_PACK_PREFIX):
        raise ValueError(f"not an AwsSolutions rule id: {rule_id!r}")
    if len(reason.strip()) < 20:
        raise ValueError(f"acknowledgement of {rule_id} needs a real reason, got {reason!r}")
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))


def invoke_versions_finding(function: lambda_.IFunction) -> str:
    """The IAM5 finding id for `lambda:InvokeFunction` on `<function ARN>:*` (its versions/aliases),
    which CDK grants wherever something invokes a function (providers, Step Functions tasks)."""
    cfn_function = function.node.default_child
    assert isinstance(cfn_function, lambda_.CfnFunction)
    logical_id = cdk.Stack.of(function).resolve(cfn_function.logical_id)
    return f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>:*]"
