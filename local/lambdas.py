"""The one bridge from the emulator's Lambda service to our handlers, called in-process.

moto has no hook to run a function's code without Docker. Every way it invokes a function — a
direct Invoke, a Step Functions task, an SQS or DynamoDB-stream event source mapping, an SNS
subscription — ends in `LambdaFunction._invoke_lambda(event) -> (payload, is_error, logs)`. That
is private API: this module is the only place that touches it, moto is pinned, and
`tests/integration/test_lambda_bridge.py` fails loudly if the method moves or changes shape.
"""

from __future__ import annotations

import collections
import inspect
import json
import queue
import sys
import threading
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


ASYNC_SOURCES = ("aws:dynamodb", "aws:sqs")


@dataclass(frozen=True)
class Batching:
    """A stream mapping's batch: up to `size` records, gathered for up to `window` seconds."""

    size: int
    window: float = 0.0


Job = tuple[str, dict[str, Any]]


class Bridge:
    """Runs handlers one at a time, as separate single-threaded Lambda instances would never share
    state; event source mappings (stream, queue) run after the write that caused them, on a worker,
    as in AWS, so a writer never waits on its own consumers.

    moto hands a stream's records to the function one write at a time; for a function named in
    `batching` the worker gathers them into batches as Lambda does (up to the mapping's batch size,
    for up to its window: 0 takes what is already waiting), so what a handler does per batch is what
    gets measured."""

    def __init__(
        self,
        handlers: Mapping[str, Handler],
        timeouts: Mapping[str, int] | None = None,
        batching: Mapping[str, Batching] | None = None,
    ) -> None:
        self.handlers = handlers
        self.timeouts = timeouts or {}
        self.batching = batching or {}
        self.failures: list[str] = []
        self._lock = threading.RLock()
        self._pending: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._worker = threading.Thread(target=self._work, daemon=True, name="event-source-mappings")
        self._worker.start()

    def run(self, function_name: str, event: dict[str, Any]) -> tuple[str, bool, str]:
        context = LocalContext(function_name, self.timeouts.get(function_name, 30))
        with self._lock:
            try:
                result = self.handlers[function_name](event, context)
            except Exception as error:  # reported to the caller as Lambda reports a function error
                failure = {"errorMessage": str(error), "errorType": type(error).__name__}
                logs = traceback.format_exc()
                sys.stderr.write(f"{function_name} failed:\n{logs}")  # as CloudWatch Logs would show it
                return json.dumps(failure), True, logs
        return json.dumps(result), False, ""

    def locked(self, function_name: str) -> Handler:
        """The handler, run under the bridge's lock: for callers outside the emulator (the HTTP
        gateway, tests), so that no two handlers ever touch the emulator's state at once."""
        handler = self.handlers[function_name]

        def call(event: dict[str, Any], context: Any) -> Any:
            with self._lock:
                return handler(event, context)

        return call

    def submit(self, function_name: str, event: dict[str, Any]) -> None:
        self._pending.put((function_name, event))

    def wait_idle(self, timeout: float = 30) -> None:
        """Block until every mapped event has been handled (tests and benchmarks settle on this)."""
        deadline = time.monotonic() + timeout
        while self._pending.unfinished_tasks:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self._pending.unfinished_tasks} mapped events still pending")
            time.sleep(0.01)

    def close(self) -> None:
        self._pending.put(None)
        self._worker.join(timeout=10)

    def _work(self) -> None:
        waiting: collections.deque[Job | None] = collections.deque()  # taken while gathering another batch
        while (job := waiting.popleft() if waiting else self._pending.get()) is not None:
            function_name, event = job
            gathered = 1
            batching = self.batching.get(function_name)
            if batching is not None and event["Records"][0].get("eventSource") == "aws:dynamodb":
                event, gathered = self._gather(function_name, event, batching, waiting)
            payload, is_error, logs = self.run(function_name, event)
            failed = is_error or json.loads(payload or "null") not in (None, {"batchItemFailures": []})
            if failed:  # AWS would retry, then use the on-failure destination: locally, say so loudly
                self.failures.append(f"{function_name}: {payload}")
                sys.stderr.write(f"event source mapping -> {function_name} failed: {payload}\n{logs}")
            for _ in range(gathered):
                self._pending.task_done()
        self._pending.task_done()

    def _gather(
        self,
        function_name: str,
        event: dict[str, Any],
        batching: Batching,
        waiting: collections.deque[Job | None],
    ) -> tuple[dict[str, Any], int]:
        """The records of this function's next jobs joined to `event`'s, up to the batch size and window;
        other functions' jobs met on the way wait their turn, in order. Returns (event, jobs taken)."""
        records, taken = list(event["Records"]), 1
        deadline = time.monotonic() + batching.window
        while len(records) < batching.size:
            left = deadline - time.monotonic()
            try:
                job = self._pending.get(timeout=left) if left > 0 else self._pending.get_nowait()
            except queue.Empty:
                break
            if (
                job is None
                or job[0] != function_name
                or len(records) + len(job[1]["Records"]) > batching.size
            ):
                waiting.append(job)
                if job is None:
                    break
                continue
            records.extend(job[1]["Records"])
            taken += 1
        return {**event, "Records": records}, taken


def _is_mapped(event: Any) -> bool:
    """An event source mapping's batch (stream or queue records), as opposed to a direct invoke."""
    records = event.get("Records") if isinstance(event, dict) else None
    return isinstance(records, list) and bool(records) and records[0].get("eventSource") in ASYNC_SOURCES


@contextmanager
def bridged(
    handlers: Mapping[str, Handler],
    timeouts: Mapping[str, int] | None = None,
    batching: Mapping[str, Batching] | None = None,
) -> Iterator[Bridge]:
    """While active, the emulator's invocations of a function named in `handlers` run that handler."""
    check_emulator_contract()
    original = LambdaFunction._invoke_lambda
    bridge = Bridge(handlers, timeouts, batching)

    Event = str | bytes | dict[str, Any] | None

    def invoke(self: LambdaFunction, event: Event = None) -> tuple[str, bool, str]:
        if self.function_name not in handlers:
            return original(self, event)  # type: ignore[arg-type]
        payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
        if _is_mapped(payload):
            bridge.submit(self.function_name, payload)
            return json.dumps({"batchItemFailures": []}), False, ""
        return bridge.run(self.function_name, payload)

    with mock.patch.object(LambdaFunction, "_invoke_lambda", invoke):
        try:
            yield bridge
        finally:
            bridge.wait_idle()
            bridge.close()
