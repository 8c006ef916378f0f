"""CDK entry point: `cdk synth -c stage=prod` or `CDK_OUTDIR=/tmp/out python -m infra.app`.

`build_app` is what tests call: it synthesizes in-process, with the same context as the CLI.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk

from infra import nag, names, paths
from infra.config import EDGE_REGION, load_config
from infra.stack import CivicDeskStack, EdgeStack

DEFAULT_STAGE = "dev"


def cdk_json_context() -> dict[str, Any]:
    """The `context` block of cdk.json, so an in-process synth gets the same feature flags as the CLI."""
    cdk_json = paths.REPO_ROOT / "cdk.json"
    if not cdk_json.is_file():
        return {}
    return dict(json.loads(cdk_json.read_text(encoding="utf-8")).get("context", {}))


def compose(app: cdk.App, stage: str) -> CivicDeskStack:
    """Add the stage's stacks to `app` and put cdk-nag over the whole app.

    Two stacks, one deploy (`cdk deploy --all`): the edge stack in us-east-1 holds the web ACL, and CDK
    carries its ARN to the stage's stack (cross-region references: an SSM parameter written in us-east-1
    and read by a small custom resource in the stage's region). Both regions are explicit for that.
    """
    config = load_config(stage, app.node.try_get_context)
    # Stack tags: CloudFormation propagates them to every resource (explicitStackTags flag).
    tags = {"project": names.SERVICE_NAME, "stage": stage}
    edge = EdgeStack(
        app,
        names.edge_stack_name(stage),
        stack_name=names.edge_stack_name(stage),
        description=f"Civic Desk ({stage}): the citizen page's WAF web ACL (CloudFront scope, us-east-1)",
        config=config,
        env=cdk.Environment(region=EDGE_REGION),
        cross_region_references=True,
        tags=tags,
    )
    stack = CivicDeskStack(
        app,
        names.stack_name(stage),
        stack_name=names.stack_name(stage),
        description=f"Civic Desk ({stage}): serverless municipal contact center",
        config=config,
        web_acl_arn=edge.firewall.web_acl.attr_arn,
        env=cdk.Environment(region=config.region),
        cross_region_references=True,
        tags=tags,
    )
    stack.add_stack_dependency(edge, "the distribution needs the web ACL's ARN")
    nag.add_checks(app)
    return stack


def build_app(
    stage: str,
    outdir: str | None = None,
    profile: str | None = None,
    context: dict[str, Any] | None = None,
) -> tuple[cdk.App, CivicDeskStack]:
    """A fresh app for `stage` (and `profile`, and other `-c` values, if given); explicit values win over
    `-c` in the environment."""
    chosen = {**(context or {}), "stage": stage, **({"profile": profile} if profile else {})}
    app = cdk.App(context=cdk_json_context(), post_cli_context=chosen, outdir=outdir)
    return app, compose(app, stage)


def main() -> None:
    # The CLI passes cdk.json and -c values itself; a plain `python -m infra.app` reads cdk.json here.
    app = cdk.App(context=cdk_json_context())
    compose(app, str(app.node.try_get_context("stage") or DEFAULT_STAGE))
    app.synth()


if __name__ == "__main__":
    main()
