"""What residents file, beside what they say: requests per neighbourhood in a survey's period.

Read from the needs-analysis counters (`civicdesk.reports`): the `nbh` view's day and month items of
the period, one BatchGetItem round per 100 keys, never a request. The same numbers the reports page
shows for the same days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime

from civicdesk.fieldsurveys.contracts import RequestFigures
from civicdesk.fieldsurveys.service import RequestFiguresReader
from civicdesk.profile.model import Profile
from civicdesk.reports.periods import Period, plan
from civicdesk.reports.store import StatsStore


def request_figures(
    store: StatsStore, profile: Profile, clock: Callable[[], datetime]
) -> RequestFiguresReader:
    def read(first: date, last: date) -> dict[str, RequestFigures]:
        today = clock().astimezone(profile.zone).date()
        steps = plan(Period(first, last), "nbh", today)
        found = store.counters(key for _, key in steps)
        total: Counter[str] = Counter()
        for sign, key in steps:
            for attribute, n in found.get(key, {}).items():
                total[attribute] += sign * n
        codes = {name.split(".", 1)[1] for name in total if "." in name}
        return {
            code: RequestFigures(
                filed=total[f"filed.{code}"], open=total[f"open.{code}"], resolved=total[f"resolved.{code}"]
            )
            for code in codes
        }

    return read
