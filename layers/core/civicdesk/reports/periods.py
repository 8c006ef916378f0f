"""Periods on the municipality's calendar, and which counter items add up to one.

A period is whole days, both ends included, in the profile's time zone. It is read as whole months
(one item per view) plus the days at its edges (one item each); an edge that takes most of a month
is read as the month less the days left out, so an edge never costs more than 15 day items. Days
after today hold nothing yet, so "this month" is one month item.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from civicdesk import layout
from civicdesk.reports.tally import Key

MAX_DAYS = 731
"""The longest period a report covers (two years): bounds what one report reads."""


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO weeks, Monday to Sunday, clipped to the period
    MONTH = "month"


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("the period ends before it starts")
        if self.days > MAX_DAYS:
            raise ValueError(f"a period is at most {MAX_DAYS} days")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same length just before (last week for a week, the month before for a
        whole month, the same number of days otherwise)."""
        if self.first.day == 1 and self.last == _month_end(self.last) and self.first <= self.last:
            months = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
            start = _add_months(self.first, -months)
            return Period(start, self.first - timedelta(days=1))
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def year_ago(self) -> Period:
        """The same dates a year before (29 February becomes the 28th)."""
        return Period(_year_before(self.first), _year_before(self.last))

    def each_day(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)

    def buckets(self, granularity: Granularity) -> list[Period]:
        """The period cut into days, ISO weeks or calendar months, clipped to its ends."""
        granularity = Granularity(granularity)
        result: list[Period] = []
        start = self.first
        while start <= self.last:
            if granularity is Granularity.DAY:
                end = start
            elif granularity is Granularity.WEEK:
                end = start + timedelta(days=6 - start.weekday())
            else:
                end = _month_end(start)
            end = min(end, self.last)
            result.append(Period(start, end))
            start = end + timedelta(days=1)
        return result


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months(period: Period) -> Iterator[tuple[date, date]]:
    """(first, last) of the period's days in each calendar month it touches."""
    start = period.first
    while start <= period.last:
        end = min(_month_end(start), period.last)
        yield start, end
        start = end + timedelta(days=1)


Plan = list[tuple[int, Key]]
"""Counter items to add (+1) or take away (-1) to make up a period."""


def plan(period: Period, view: str, today: date, department: str | None = None) -> Plan:
    """The items of `view` that add up to `period` (for every request, or one department's)."""
    result: Plan = []
    for start, end in months(period):
        if start > today:
            break  # nothing is counted in the future
        pk = layout.stats_pk(month_of(start), department)
        counted_to = min(_month_end(start), today).day if start.replace(day=1) <= today else 0
        wanted = range(start.day, min(end.day, counted_to) + 1)
        left_out = [d for d in range(1, counted_to + 1) if d not in wanted]
        if not left_out:
            result.append((1, (pk, layout.stats_sk(view))))
        elif len(wanted) <= len(left_out) + 1:
            result.extend((1, (pk, layout.stats_sk(view, d))) for d in wanted)
        else:
            result.append((1, (pk, layout.stats_sk(view))))
            result.extend((-1, (pk, layout.stats_sk(view, d))) for d in left_out)
    return result


def month_keys(period: Period, view: str, today: date, department: str | None = None) -> list[Key]:
    """The month items of `view` for every month the period touches (for month-only views: series)."""
    return [
        (layout.stats_pk(month_of(start), department), layout.stats_sk(view))
        for start, _ in months(period)
        if start <= today
    ]
