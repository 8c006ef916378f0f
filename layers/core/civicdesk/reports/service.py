"""The reports a staff member may read: the role policy decides whose figures, the period is checked,
`figures.Reports` reads the counters. No request, name or text is ever read here.

A member whose role reads reports everywhere (supervisor, admin, analyst) sees every request, or
one department's when they ask; a department member sees only their own departments' figures and
is refused another's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from civicdesk.catalogue.model import Catalogue
from civicdesk.core.errors import InvalidInput
from civicdesk.profile.model import Profile
from civicdesk.reports import contracts as c
from civicdesk.reports.figures import Reports
from civicdesk.reports.periods import MAX_DAYS, Granularity, Period
from civicdesk.reports.store import StatsStore
from civicdesk.staff import policy
from civicdesk.staff.identity import Staff


def period_of(first: date | None, last: date | None, today: date) -> Period:
    """`from`..`to` as asked; without `from`, the month so far; without `to`, up to today."""
    first = first or today.replace(day=1)
    last = last or max(today, first)
    if last < first:
        raise InvalidInput({"to": "the period ends before it starts"}, reason="invalid_period")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput({"to": f"a report covers at most {MAX_DAYS} days"}, reason="invalid_period")
    return Period(first, last)


class ReportsService:
    """One member's view of the counters."""

    def __init__(
        self,
        store: StatsStore,
        catalogue: Callable[[], Catalogue],
        profile: Profile,
        clock: Callable[[], datetime],
    ) -> None:
        self.store, self.catalogue, self.profile, self.clock = store, catalogue, profile, clock

    def today(self) -> date:
        """Today on the municipality's calendar: what a period's days are counted in."""
        return self.clock().astimezone(self.profile.zone).date()

    def departments(self, staff: Staff, department: str | None) -> frozenset[str] | None:
        """Whose figures: None for every request; a department member's own (or one of them)."""
        scope = policy.departments_in_scope(staff, policy.Action.REPORTS)
        if department is not None:
            if scope is not None and department not in scope:
                raise policy.Forbidden(policy.Action.REPORTS, "You may read only your departments' reports.")
            if self.catalogue().department(department) is None:
                raise InvalidInput({"department": "not a department of the catalogue"})
            return frozenset({department})
        return scope

    def _reports(self) -> Reports:
        return Reports(self.store, self.catalogue(), self.profile.time_zone, self.today())

    def summary(self, staff: Staff, period: Period, department: str | None = None) -> c.Summary:
        return self._reports().summary(period, self.departments(staff, department))

    def series(
        self, staff: Staff, period: Period, granularity: Granularity, department: str | None = None
    ) -> c.Series:
        return self._reports().series(period, granularity, self.departments(staff, department))

    def places(self, staff: Staff, period: Period, department: str | None = None) -> c.Places:
        return self._reports().places(period, self.departments(staff, department))

    def promise(self, staff: Staff, period: Period, department: str | None = None) -> c.Promise:
        return self._reports().promise(period, self.departments(staff, department))

    def routing(self, staff: Staff, period: Period, department: str | None = None) -> c.Routing:
        return self._reports().routing(period, self.departments(staff, department))

    def satisfaction(
        self, staff: Staff, period: Period, department: str | None = None
    ) -> c.SatisfactionReport:
        return self._reports().satisfaction(period, self.departments(staff, department))

    def backlog(self, staff: Staff, department: str | None = None) -> c.Backlog:
        return self._reports().backlog(self.departments(staff, department))
