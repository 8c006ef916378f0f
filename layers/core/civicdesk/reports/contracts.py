"""What the reports API answers: the figures of one period, named from the catalogue.

Counts are of requests *filed* in the period (on the profile's calendar), as they stand now: how many
of March's requests were answered in time, how many are still open. Shares are 0..1 (None when
there is nothing to divide by); changes are percentages against the previous period or a year before.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from civicdesk.catalogue.model import Localized
from civicdesk.reports.periods import Granularity


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class PeriodOut(_Out):
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    days: int
    time_zone: str = Field(description="the calendar days are counted in (the profile's)")

    model_config = ConfigDict(frozen=True, populate_by_name=True)


class Compliance(_Out):
    """The 48-hour promise (per category: its own first-response time) for the requests filed."""

    answered_in_time: int
    answered_late: int
    missed_unanswered: int = Field(description="deadline passed, nobody has answered yet")
    waiting: int = Field(description="not answered yet, deadline still ahead")
    share_in_time: float | None = Field(
        description="answered in time / (answered + missed): the promise kept, of those that were due"
    )


class Durations(_Out):
    """Hours from filing, read from the counters' time buckets (interpolated within a bucket)."""

    count: int
    median_hours: float | None
    p90_hours: float | None


class Row(_Out):
    code: str
    name: Localized | None = Field(default=None, description="from the catalogue; none for `-` (not known)")
    filed: int
    open: int
    resolved: int
    rejected: int
    compliance: Compliance


class Change(_Out):
    current: int
    previous: int
    year_ago: int
    change_previous: float | None = Field(description="% change against the previous period")
    change_year: float | None = Field(description="% change against the same dates a year before")


class Summary(_Out):
    period: PeriodOut
    departments: list[str] | None = Field(description="the departments these figures cover; null: all")
    filed: Change
    open: int
    resolved: int
    rejected: int
    triaged: int
    compliance: Compliance
    by_channel: list[Row]
    by_category: list[Row]
    by_neighbourhood: list[Row]
    by_department: list[Row]


class Point(_Out):
    start: date
    end: date
    filed: int
    by_channel: dict[str, int]
    answered_in_time: int
    answered_late: int
    resolved: int


class ChannelChange(_Out):
    channel: str
    change: Change


class Series(_Out):
    period: PeriodOut
    departments: list[str] | None
    granularity: Granularity
    points: list[Point]
    by_channel: list[ChannelChange]
    total: Change


class Ranked(_Out):
    code: str
    name: Localized | str | None = None
    filed: int
    share: float | None = Field(description="of all requests filed in the period")
    population: int | None = Field(default=None, description="residents, where the profile gives it")
    per_1000: float | None = Field(default=None, description="requests per 1 000 residents, where known")


class Cell(_Out):
    category: str
    neighbourhood: str
    filed: int
    per_1000: float | None = None


class Places(_Out):
    period: PeriodOut
    departments: list[str] | None
    populations_known: int = Field(description="neighbourhoods whose population the profile gives")
    categories: list[Ranked]
    neighbourhoods: list[Ranked]
    cells: list[Cell] = Field(description="category x neighbourhood, busiest first; empty cells left out")


class PromiseRow(_Out):
    code: str
    name: Localized | None = None
    filed: int
    compliance: Compliance
    first_response: Durations
    resolution: Durations
    resolution_target_missed: int


class Promise(_Out):
    period: PeriodOut
    departments: list[str] | None
    overall: PromiseRow
    by_department: list[PromiseRow]
    by_category: list[PromiseRow]


class Confidence(_Out):
    decile: str = Field(description="the classifier's confidence, in tenths (`0.8`: 0.80-0.89)")
    routed: int
    corrected: int
    kept_share: float | None = Field(description="routed and never transferred by staff")


class ModelFigures(_Out):
    model: str = Field(description="the classifier model's version (`keywords` without one)")
    routed: int
    corrected: int
    kept_share: float | None


class Routing(_Out):
    period: PeriodOut
    departments: list[str] | None
    filed: int
    routed_by_classifier: int
    routed_by_choice: int = Field(description="the citizen or an agent chose the category")
    routed_by_staff: int = Field(description="a supervisor routed it from triage")
    triaged: int
    triage_share: float | None
    triage_reasons: dict[str, int]
    corrected: int = Field(description="routed by the classifier, then transferred by staff")
    classifier_kept_share: float | None = Field(description="classifier routings staff left where they were")
    transferred: int
    by_confidence: list[Confidence]
    by_model: list[ModelFigures]


class BacklogRow(_Out):
    code: str
    name: Localized | None = None
    open: int
    missed_unanswered: int
    by_age: dict[str, int] = Field(description="open requests by days since filing")


class Backlog(_Out):
    as_of: date
    departments: list[str] | None
    ages: list[str]
    total: int
    by_department: list[BacklogRow]


class Satisfaction(_Out):
    """The satisfaction survey's answers and reopenings of the requests filed in the period."""

    code: str
    name: Localized | str | None = None
    filed: int
    resolved: int = Field(description="resolved or closed now")
    reopened: int = Field(description="reopened at least once (by the citizen or by staff)")
    reopen_rate: float | None = Field(description="reopened / resolved now")
    answered: int = Field(description="requests whose survey was answered")
    solved_yes: int
    solved_partly: int
    solved_no: int
    share_solved: float | None = Field(description="answered `yes` / answered")
    scores: dict[str, int] = Field(description="how many answers gave each score, `1`..`5`")
    average_score: float | None = Field(description="the mean score (1-5) of the answers")


class SatisfactionReport(_Out):
    period: PeriodOut
    departments: list[str] | None
    overall: Satisfaction
    by_department: list[Satisfaction]
    by_category: list[Satisfaction]
    by_neighbourhood: list[Satisfaction]
