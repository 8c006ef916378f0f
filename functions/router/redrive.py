"""Re-drive: republish the domain events of a time range, rebuilt from the table (operators invoke it).

    {"from": "2026-04-01T00:00:00Z", "to": "2026-04-02T00:00:00Z"}  ->  {"read", "published",
    "refused", "resume_from"}

`make redrive FROM=... TO=...` (python -m local.redrive) invokes it until the range is done.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from civicdesk import runtime
from civicdesk.core.observability import logger, tracer
from civicdesk.core.settings import TableSettings, load
from civicdesk.events import redrive
from civicdesk.events.bus import EventBus

STOP_BEFORE_TIMEOUT_MS = 30_000
"""Room left for the last PutEvents call and the answer when the function's time runs out."""


class RedriveSettings(TableSettings):
    event_bus_name: str = Field(min_length=1)


class Range(BaseModel):
    """[from, to): both with a time zone, `from` before `to`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.start >= self.end:
            raise ValueError("`from` must be before `to`")
        return self


@cache
def settings() -> RedriveSettings:
    return load(RedriveSettings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wanted = Range.model_validate(event)
    done = redrive.redrive(
        runtime.table(),
        EventBus(),
        settings().event_bus_name,
        wanted.start,
        wanted.end,
        time_left=lambda: context.get_remaining_time_in_millis() > STOP_BEFORE_TIMEOUT_MS,
    )
    logger.info("events re-driven", extra=vars(done))
    return vars(done)
