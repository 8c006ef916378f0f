"""CDK entry point: `cdk synth -c stage=prod` or `CDK_OUTDIR=/tmp/out python -m infra.app`.

`build_app` is what tests call: it synthesizes in-process, with the same context as the CLI.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk

from infra import nag, names, paths
from infra.config import load_config
from infra.stack import CivicDeskStack

DEFAULT_STAGE = "dev"


def cdk_json_context() -> dict[str, Any]:
    """The `context` block of cdk.json, so an in-process synth gets the same feature flags as the CLI."""
    cdk_json = paths.REPO_ROOT / "cdk.json"
    if not cdk_json.is_file():
        return {}
    return dict(json.loads(cdk_json.read_text(encoding="utf-8")).get("context", {}))


def compose(app: cdk.App, stage: str) -> CivicDeskStack:
    """Add the stage's stack to `app` and put cdk-nag over the whole app."""
    config = load_config(stage, app.node.try_get_context)
    stack = CivicDeskStack(
        app,
        names.stack_name(stage),
        stack_name=names.stack_name(stage),
        description=f"Civic Desk ({stage}): serverless municipal contact center",
        config=config,
        # Stack tags: CloudFormation propagates them to every resource (explicitStackTags flag).
        tags={"project": names.SERVICE_NAME, "stage": stage},
    )
    nag.add_checks(app)
    return stack


def build_app(
    stage: str, outdir: str | None = None, profile: str | None = None
) -> tuple[cdk.App, CivicDeskStack]:
    """A fresh app for `stage` (and `profile`, if given); explicit values win over `-c` in the environment."""
    chosen = {"stage": stage, **({"profile": profile} if profile else {})}
    app = cdk.App(context=cdk_json_context(), post_cli_context=chosen, outdir=outdir)
    return app, compose(app, stage)


def main() -> None:
    # The CLI passes cdk.json and -c values itself; a plain `python -m infra.app` reads cdk.json here.
    app = cdk.App(context=cdk_json_context())
    compose(app, str(app.node.try_get_context("stage") or DEFAULT_STAGE))
    app.synth()


if __name__ == "__main__":
    main()
