"""A synthesized stage and the lookups the infra tests share (see conftest.py for the fixtures)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

from infra import names
from infra.app import build_app
from infra.config import StageConfig

Resource = dict[str, Any]
PROVIDER_FRAMEWORK_DESCRIPTION = "AWS CDK resource provider framework"
BUCKET_DEPLOYMENT_TYPE = "Custom::CDKBucketDeployment"
# Reads the edge stack's exports (the web ACL's ARN) from us-east-1: aws-cdk-lib's, for cross-region refs.
CROSS_REGION_READER = "CustomCrossRegionExportReader"


@dataclass(frozen=True)
class Synth:
    """One synthesized stage: the assertions Template, the raw template and where it was written."""

    stage: str
    config: StageConfig
    template: Template
    raw: dict[str, Any]
    path: Path
    outdir: Path

    def resources(self, resource_type: str) -> dict[str, Resource]:
        return {k: v for k, v in self.raw["Resources"].items() if v["Type"] == resource_type}

    def resource(self, logical_id: str) -> Resource:
        return self.raw["Resources"][logical_id]

    def only(self, resource_type: str) -> tuple[str, Resource]:
        found = self.resources(resource_type)
        assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
        return next(iter(found.items()))

    def alarm_topic(self) -> tuple[str, Resource]:
        """The topic every alarm goes to (other topics, such as the supervisors' alerts, are not it)."""
        (found,) = [
            (k, v)
            for k, v in self.resources("AWS::SNS::Topic").items()
            if k.startswith("MonitoringAlarmTopic")
        ]
        return found

    def framework_functions(self) -> dict[str, Resource]:
        """Functions aws-cdk-lib builds for us (the custom-resource provider framework, the web deployer)."""
        deployers = {
            r["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
            for r in self.resources(BUCKET_DEPLOYMENT_TYPE).values()
        }
        return {
            k: v
            for k, v in self.resources("AWS::Lambda::Function").items()
            if v["Properties"].get("Description", "").startswith(PROVIDER_FRAMEWORK_DESCRIPTION)
            or k in deployers
            or k.startswith(CROSS_REGION_READER)
        }

    def civic_functions(self) -> dict[str, Resource]:
        """Functions built by CivicFunction: everything that is not framework code."""
        framework = self.framework_functions()
        return {k: v for k, v in self.resources("AWS::Lambda::Function").items() if k not in framework}

    def function_with_handler(self, handler: str, code_dir: str | None = None) -> tuple[str, Resource]:
        """The one function running `handler`, from `functions/<code_dir>` if given (several functions
        use `handler.lambda_handler`)."""
        source = f"functions/{code_dir}" if code_dir else None
        found = [
            (k, v)
            for k, v in self.civic_functions().items()
            if v["Properties"]["Handler"] == handler
            and source in (None, v.get("Metadata", {}).get(names.METADATA_SOURCE))
        ]
        assert len(found) == 1, f"expected one function with handler {handler} in {code_dir}, found {found}"
        return found[0]

    def role_of(self, function: Resource) -> str:
        role_arn = function["Properties"]["Role"]
        assert set(role_arn) == {"Fn::GetAtt"}, f"function role is not a role of this stack: {role_arn}"
        return str(role_arn["Fn::GetAtt"][0])

    def statements_of_role(self, role_id: str) -> list[dict[str, Any]]:
        """Every IAM statement a role gets: inline policies and AWS::IAM::Policy resources attached to it."""
        statements: list[dict[str, Any]] = []
        for policy in self.resource(role_id)["Properties"].get("Policies", []):
            statements += policy["PolicyDocument"]["Statement"]
        for policy in self.resources("AWS::IAM::Policy").values():
            if {"Ref": role_id} in policy["Properties"].get("Roles", []):
                statements += policy["Properties"]["PolicyDocument"]["Statement"]
        return statements

    def all_iam_statements(self) -> list[tuple[str, dict[str, Any]]]:
        """(logical id, statement) for every identity policy in the template."""
        found: list[tuple[str, dict[str, Any]]] = []
        for logical_id, policy in self.resources("AWS::IAM::Policy").items():
            found += [(logical_id, st) for st in policy["Properties"]["PolicyDocument"]["Statement"]]
        for logical_id, role in self.resources("AWS::IAM::Role").items():
            for policy in role["Properties"].get("Policies", []):
                found += [(logical_id, st) for st in policy["PolicyDocument"]["Statement"]]
        return found

    def nag_acknowledgements(self) -> list[tuple[str, str, str, str]]:
        """(logical id, resource type, rule id, reason) as cdk-nag wrote them into the template."""
        found = []
        for logical_id, resource in self.raw["Resources"].items():
            for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
                found.append((logical_id, resource["Type"], rule["id"], rule.get("reason", "")))
        return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def synthesize(
    stage: str, outdir: Path, profile: str | None = None, context: dict[str, Any] | None = None
) -> Synth:
    """Synthesize `stage` in-process into `outdir` (cdk-nag runs: any finding raises here)."""
    app, stack = build_app(stage, outdir=str(outdir), profile=profile, context=context)
    assembly = app.synth()
    path = Path(assembly.get_stack_artifact(stack.artifact_id).template_full_path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Synth(
        stage=stage,
        config=stack.config,
        template=Template.from_json(raw),
        raw=raw,
        path=path,
        outdir=outdir,
    )
