"""The one bridge from the emulator's Lambda service to our handlers, called in-process.

moto has no hook to run a function's code without Docker. Every way it invokes a function — a
direct Invoke, a Step Functions task, an SQS or DynamoDB-stream event source mapping, an SNS
subscription — ends in `LambdaFunction._invoke_lambda(event) -> (payload, is_error, logs)`. That
is private API: this module is the only place that touches it, moto is pinned, and
`tests/integration/test_lambda_bridge.py` fails loudly if the method moves or changes shape.
"""

from __future__ import annotations

import inspect
import json
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from moto.awslambda.models import LambdaFunction

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LocalContext:
    """The LambdaContext fields Powertools and our handlers read."""

    function_name: str
    timeout_seconds: int = 30
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:eu-central-1:123456789012:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


def check_emulator_contract() -> None:
    """Raise if moto's private invoke method is not what this bridge replaces."""
    method = getattr(LambdaFunction, "_invoke_lambda", None)
    if method is None:
        raise RuntimeError(
            "moto.awslambda.models.LambdaFunction._invoke_lambda is gone: update local/lambdas.py"
        )
    parameters = list(inspect.signature(method).parameters)
    if parameters != ["self", "event"]:
        raise RuntimeError(
            f"LambdaFunction._invoke_lambda{parameters} changed shape: update local/lambdas.py"
        )


@contextmanager
def bridged(handlers: Mapping[str, Handler], timeouts: Mapping[str, int] | None = None) -> Iterator[None]:
    """While active, the emulator's invocations of a function named in `handlers` run that handler."""
    check_emulator_contract()
    original = LambdaFunction._invoke_lambda

    def invoke(
        self: LambdaFunction, event: str | bytes | dict[str, Any] | None = None
    ) -> tuple[str, bool, str]:
        handler = handlers.get(self.function_name)
        if handler is None:
            return original(self, event)  # type: ignore[arg-type]
        context = LocalContext(self.function_name, (timeouts or {}).get(self.function_name, 30))
        try:
            payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
            result = handler(payload, context)
        except Exception as error:  # reported to the caller as Lambda reports a function error
            failure = {"errorMessage": str(error), "errorType": type(error).__name__}
            return json.dumps(failure), True, traceback.format_exc()
        return json.dumps(result), False, ""

    with mock.patch.object(LambdaFunction, "_invoke_lambda", invoke):
        yield
