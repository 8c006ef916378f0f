"""The local system inside the current process (moto decorator mode): for tests and benchmarks.

Same wiring as `make run` — resources from the template, handlers bridged, the catalogue seeded as
a deploy would — without the HTTP server, so a test can call handlers and inspect the emulator.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from moto import mock_aws

from local.cloud import LocalResources, Resolver, create_from_template
from local.lambdas import Bridge, Handler, bridged
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


@contextmanager
def emulated(template: Template, environment: dict[str, str] | None = None) -> Iterator[Emulated]:
    """Yield the template's system in moto; the process environment is restored afterwards."""
    from civicdesk import runtime

    saved = dict(os.environ)
    try:
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}), lean_tables():
            resources = create_from_template(template)
            os.environ.update({**resources.environment(), **(environment or {})})
            runtime.reset()
            handlers = resources.handlers()
            with bridged(handlers, {f.name: f.timeout for f in resources.functions.values()}) as bridge:
                run_custom_resources(template, resources, Resolver(resources, STACK, template))
                bridge.wait_idle()
                yield Emulated(resources=resources, handlers=handlers, bridge=bridge)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        runtime.reset()
