"""CDK entry point: `cdk synth -c stage=prod` or `CDK_OUTDIR=/tmp/out python infra/app.py`.

`build_app` is what tests call: it synthesizes in-process, with the same context as the CLI.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

_REPO_ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    # Run as a script, Python puts infra/ first on sys.path, where infra/constructs would shadow the
    # `constructs` library that aws_cdk imports. Import everything from the repository root instead.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _REPO_ROOT / "infra"]
    sys.path.insert(0, str(_REPO_ROOT))

import aws_cdk as cdk  # noqa: E402

from infra import nag, names  # noqa: E402
from infra.config import load_config  # noqa: E402
from infra.stack import CivicDeskStack  # noqa: E402

DEFAULT_STAGE = "dev"


def cdk_json_context() -> dict[str, Any]:
    """The `context` block of cdk.json, so an in-process synth gets the same feature flags as the CLI."""
    cdk_json = _REPO_ROOT / "cdk.json"
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


def build_app(stage: str, outdir: str | None = None) -> tuple[cdk.App, CivicDeskStack]:
    """A fresh app for `stage`; the explicit stage wins over any `-c stage=` in the environment."""
    app = cdk.App(context=cdk_json_context(), post_cli_context={"stage": stage}, outdir=outdir)
    return app, compose(app, stage)


def main() -> None:
    # The CLI passes cdk.json and -c values itself; a plain `python infra/app.py` reads cdk.json here.
    app = cdk.App(context=cdk_json_context())
    compose(app, str(app.node.try_get_context("stage") or DEFAULT_STAGE))
    app.synth()


if __name__ == "__main__":
    main()
