"""`make redrive FROM=... TO=...`: republish the domain events of a time range, rebuilt from the table.

    python -m local.redrive --from 2026-04-01T00:00:00Z --to 2026-04-02T00:00:00Z [--stage dev]
    python -m local.redrive --from ... --to ... --function <name>

Invokes the stack's re-drive function (stack output `EventRedriveFunction`) with the credentials in
the environment, again and again until the whole range is published; prints what it did. Consumers
recognise events they already handled by `detail.event_id` (docs/events.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import boto3

from infra import names


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.redrive", description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="start", required=True, help="ISO time with a zone, included")
    parser.add_argument("--to", dest="end", required=True, help="ISO time with a zone, excluded")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--stage", default="dev", choices=names.STAGES, help="the deployed stack's stage")
    target.add_argument("--function", help="the re-drive function's name (skips the stack look-up)")
    return parser.parse_args(argv)


def function_name(stage: str) -> str:
    """The re-drive function of the stage's stack, from its outputs."""
    stack = boto3.client("cloudformation").describe_stacks(StackName=names.stack_name(stage))["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return outputs[names.OUTPUT_EVENT_REDRIVE_FUNCTION]


def invoke(function: str, start: str, end: str) -> dict[str, Any]:
    answer = boto3.client("lambda").invoke(
        FunctionName=function, Payload=json.dumps({"from": start, "to": end}).encode()
    )
    result: dict[str, Any] = json.loads(answer["Payload"].read() or b"null")
    if answer.get("FunctionError"):
        raise RuntimeError(f"{function} failed: {result}")
    return result


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    function = args.function or function_name(args.stage)
    totals = {"read": 0, "published": 0, "refused": 0}
    start = args.start
    while True:
        done = invoke(function, start, args.end)
        for key in totals:
            totals[key] += int(done[key])
        print(
            f"{start} .. {args.end}: read {done['read']}, published {done['published']}, "
            f"refused {done['refused']}",
            flush=True,
        )
        if not done.get("resume_from"):
            break
        start = done["resume_from"]
    print(json.dumps(totals))
    return 1 if totals["refused"] else 0


if __name__ == "__main__":
    sys.exit(main())
