"""Routing cost: state transitions and AWS calls per routed request, and Express vs Standard pricing.

Runs the synthesized state machine in moto with the real handlers (local.inprocess), files clear
requests through the intake handler, waits for every execution, and counts.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import boto3

from bench.intake import LambdaContext, api_event
from local.calls import counting_aws_calls
from local.inprocess import Emulated, emulated

ROUTED = 20
OBSERVATION = {
    "stepfunctions:ListExecutions",
    "stepfunctions:GetExecutionHistory",
    "stepfunctions:ListStateMachines",
}
TEXT = "Parkta yaralı bir köpek var, arka bacağı kanıyor, yürüyemiyor."

# Public list prices (USD, us-east-1), per the Step Functions and Lambda pricing pages.
EXPRESS_PER_MILLION_REQUESTS = 1.00
EXPRESS_PER_GB_SECOND = 0.00001667  # first tier; billed in 100 ms steps at 64 MB minimum
STANDARD_PER_THOUSAND_TRANSITIONS = 0.025
EXPRESS_MEMORY_GB = 0.0625
ASSUMED_EXPRESS_SECONDS = 0.3  # three warm Lambda tasks and one DynamoDB read; AWS bills at least 0.1 s


def _settle(system: Emulated, sfn: Any, machine: str, expected: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 120
    while True:
        system.settle()
        executions = sfn.list_executions(stateMachineArn=machine)["executions"]
        if len(executions) >= expected and all(e["status"] != "RUNNING" for e in executions):
            system.settle()  # the last executions' entries, published as events
            return executions
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(executions)} executions, some still running")
        time.sleep(0.05)


def report(template: dict[str, Any]) -> None:
    with emulated(
        template,
        {"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"},
        batching_windows=True,  # stream records in batches as Lambda gathers them (25, 1 s)
    ) as system:
        system.without_event_consumers()  # the notifier and other consumers cost what they cost, apart
        intake = system.handler("IntakeHandler")
        intake(api_event("POST", "/requests", {"description": TEXT}), LambdaContext())  # warm the caches
        sfn = boto3.client("stepfunctions")
        machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
        _settle(system, sfn, machine, 1)
        with counting_aws_calls() as calls:
            for _ in range(ROUTED):
                intake(api_event("POST", "/requests", {"description": TEXT}), LambdaContext())
            executions = _settle(system, sfn, machine, ROUTED + 1)
        transitions = Counter[str]()
        routed = 0
        for execution in executions[:ROUTED]:
            history = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
            entered = [e for e in history if e["type"].endswith("StateEntered")]
            transitions["total"] += len(entered)
            routed += any(e.get("stateEnteredEventDetails", {}).get("name") == "Routed" for e in history)
    per_request = transitions["total"] / ROUTED
    express = EXPRESS_PER_MILLION_REQUESTS + 1_000_000 * max(ASSUMED_EXPRESS_SECONDS, 0.1) * (
        EXPRESS_MEMORY_GB * EXPRESS_PER_GB_SECOND
    )
    standard = 1_000_000 * per_request * STANDARD_PER_THOUSAND_TRANSITIONS / 1000
    flow = {op: n for op, n in calls.items() if op not in OBSERVATION}  # not the bench's own polling
    print(f"Routing ({ROUTED} clear requests through intake -> stream -> router, in moto)")
    print(f"  routed without a human      : {routed}/{ROUTED}")
    print(f"  state transitions / request : {per_request:g}  (target <= 6)")
    print(
        "  AWS calls / routed request  : "
        + ", ".join(f"{op} {n / ROUTED:g}" for op, n in sorted(flow.items()))
    )
    print(f"  total AWS calls / request   : {sum(flow.values()) / ROUTED:g}  (target <= 6; filing included)")
    print("    (PutEvents: one call per stream batch of up to 10 entries; batches as Lambda gathers them;")
    print("     the events' consumers, such as the notifier, are not counted here)")
    print("  Step Functions per million routed requests (public list prices, us-east-1):")
    print(f"    Express  : ${express:8.2f}  ($1.00/M requests + {ASSUMED_EXPRESS_SECONDS} s at 64 MB)")
    print(f"    Standard : ${standard:8.2f}  (${STANDARD_PER_THOUSAND_TRANSITIONS}/1000 transitions)")
    print(f"    Standard costs {standard / express:.0f}x Express for this workflow\n")
