"""The local system inside the current process (moto decorator mode): for tests and benchmarks.

Same wiring as `make run` — resources from the template, handlers bridged, the catalogue seeded as
a deploy would — without the HTTP server, so a test can call handlers and inspect the emulator.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
from moto import mock_aws

from local.cloud import LocalResources, Resolver, create_from_template
from local.lambdas import Batching, Bridge, Handler, bridged
from local.stack import STACK, run_custom_resources
from local.tables import lean_tables
from local.template import Template


@dataclass
class Emulated:
    resources: LocalResources
    handlers: dict[str, Handler]
    bridge: Bridge

    def settle(self, timeout: float = 30) -> None:
        """Wait until every stream/queue consumer has run (they run after the writes, as in AWS)."""
        self.bridge.wait_idle(timeout)

    def function(self, logical_prefix: str) -> str:
        """A function's local name by the start of its logical id (e.g. `RouterDispatcher`)."""
        found = [f.name for k, f in self.resources.functions.items() if k.startswith(logical_prefix)]
        if len(found) != 1:
            raise LookupError(f"{logical_prefix}: {found}")
        return found[0]

    def handler(self, logical_prefix: str) -> Handler:
        return self.bridge.locked(self.function(logical_prefix))

    def without_event_consumers(self) -> None:
        """Take every rule off the event buses' queues: a measurement of routing then counts routing's
        calls only, not those of the consumers its events wake (each is measured on its own)."""
        events = boto3.client("events")
        for bus in events.list_event_buses()["EventBuses"]:
            for rule in events.list_rules(EventBusName=bus["Name"])["Rules"]:
                targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus["Name"])["Targets"]
                if targets:
                    ids = [t["Id"] for t in targets]
                    events.remove_targets(Rule=rule["Name"], EventBusName=bus["Name"], Ids=ids)


@contextmanager
def emulated(
    template: Template, environment: dict[str, str] | None = None, *, batching_windows: bool = False
) -> Iterator[Emulated]:
    """Yield the template's system in moto; the process environment is restored afterwards.

    Stream records reach their function in batches of the mapping's size; with `batching_windows`
    they are also gathered for the mapping's window, as Lambda does (the benchmark measures per-batch
    costs so); without, a batch is what is already waiting (tests stay fast).
    """
    from civicdesk import runtime

    saved = dict(os.environ)
    try:
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}), lean_tables():
            resources = create_from_template(template)
            os.environ.update({**resources.environment(), **(environment or {})})
            runtime.reset()
            handlers = resources.handlers()
            timeouts = {f.name: f.timeout for f in resources.functions.values()}
            batching = {
                name: Batching(size, window if batching_windows else 0.0)
                for name, (size, window) in resources.stream_batches.items()
            }
            with bridged(handlers, timeouts, batching) as bridge:
                run_custom_resources(template, resources, Resolver(resources, STACK, template))
                bridge.wait_idle()
                yield Emulated(resources=resources, handlers=handlers, bridge=bridge)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        runtime.reset()
