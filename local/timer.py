"""Drives the template's scheduled rules, which the emulator never fires.

Each rule's rate is read from the template; `speedup` shortens it for demos (60 turns a
five-minute checker into a five-second one). The target runs through the emulator's Lambda
Invoke, so it takes the same path as every other invocation.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from local.cloud import ACCOUNT, REGION, Schedule

Invoke = Callable[[str, dict[str, Any]], Any]


def scheduled_event(schedule: Schedule) -> dict[str, Any]:
    """What EventBridge sends a scheduled target (or the rule's constant Input, if it has one)."""
    if schedule.input:
        loaded: dict[str, Any] = json.loads(schedule.input)
        return loaded
    return {
        "version": "0",
        "id": f"local-{schedule.logical_id}",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{schedule.logical_id}"],
        "detail": {},
    }


class Timer:
    def __init__(self, schedules: Sequence[Schedule], invoke: Invoke, speedup: float = 1.0) -> None:
        self.schedules = schedules
        self.invoke = invoke
        self.speedup = speedup
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.runs = 0
        self.failures = 0

    def start(self) -> None:
        for schedule in self.schedules:  # an expression the timer cannot keep fails here, not in a thread
            _ = schedule.seconds
        for schedule in self.schedules:
            thread = threading.Thread(
                target=self._loop, args=(schedule,), daemon=True, name=schedule.logical_id
            )
            thread.start()
            self._threads.append(thread)

    def _loop(self, schedule: Schedule) -> None:
        interval = schedule.seconds / self.speedup
        while not self._stop.wait(interval):
            self.tick(schedule)

    def tick(self, schedule: Schedule) -> Any:
        """One scheduled invocation. A failure is reported and the schedule goes on, as in AWS."""
        self.runs += 1
        try:
            return self.invoke(schedule.function, scheduled_event(schedule))
        except RuntimeError as error:  # the function failed: local.stack.invoke raises with its payload
            self.failures += 1
            sys.stderr.write(f"scheduled {schedule.logical_id} failed: {error}\n")
            return None

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
