"""The satisfaction survey: its two questions and optional comment, and what answering it led to."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Solved(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class Via(StrEnum):
    """Where the citizen answered: the survey page (its link came by SMS or e-mail) or WhatsApp."""

    WEB = "web"
    WHATSAPP = "whatsapp"


SCORES = range(1, 6)
MAX_COMMENT = 1000


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    solved: Solved
    score: int = Field(ge=1, le=5, description="1 (not at all satisfied) to 5 (very satisfied)")
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)


class Result(StrEnum):
    """What the citizen's answer or request did."""

    RECORDED = "recorded"  # the answer is kept; nothing else changes
    REOPENED = "reopened"  # not solved, within the window: back in the department's queue
    TOO_LATE = "too_late"  # not solved, after the window: a new request linked to it is offered
    NOT_RESOLVED = "not_resolved"  # only a resolved request can be reopened by its citizen


class Situation(BaseModel):
    """Where a request stands for its citizen's survey: answered or not, and until when it may reopen."""

    model_config = ConfigDict(frozen=True)

    code: str
    resolved: bool
    resolved_at: datetime | None
    reopen_until: datetime | None
    answered: Solved | None
    follow_up: str | None = Field(default=None, description="the code of the new request filed after it")

    def may_reopen(self, now: datetime) -> bool:
        return self.resolved and self.reopen_until is not None and now <= self.reopen_until
