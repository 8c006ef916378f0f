"""The timer stands in for EventBridge schedules, which the emulator never fires."""

from __future__ import annotations

from typing import Any

from local.stack import invoke
from local.timer import Timer, scheduled_event

from .conftest import Cloud


def test_the_sla_checkers_schedule_is_read_from_the_template(cloud: Cloud) -> None:
    schedules = {s.function: s for s in cloud.resources.schedules}
    checker = cloud.function("SlaChecker")
    assert schedules[checker].seconds == 5 * 60


def test_a_tick_runs_the_sla_checker_with_a_real_scheduled_event(cloud: Cloud) -> None:
    # Given the template's schedules and the emulator's Lambda API
    timer = Timer(cloud.resources.schedules, invoke, speedup=60)
    schedule = next(s for s in cloud.resources.schedules if s.function == cloud.function("SlaChecker"))
    # When one tick fires
    report = timer.tick(schedule)
    # Then the checker ran to completion on an empty pool
    assert (timer.runs, timer.failures) == (1, 0)
    assert report["complete"] is True
    event: dict[str, Any] = scheduled_event(schedule)
    assert (event["detail-type"], event["source"]) == ("Scheduled Event", "aws.events")


def test_a_failing_tick_is_reported_and_the_schedule_goes_on(cloud: Cloud) -> None:
    # Given a schedule whose function fails
    def failing(function: str, event: dict[str, Any]) -> Any:
        raise RuntimeError("the checker failed")

    schedule = cloud.resources.schedules[0]
    timer = Timer([schedule], failing)
    # When it ticks twice / Then both runs are counted as failures and nothing is raised
    timer.tick(schedule)
    timer.tick(schedule)
    assert (timer.runs, timer.failures) == (2, 2)
