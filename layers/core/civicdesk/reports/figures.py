"""The reports, computed from counter items: each report says which items it needs, reads them in
one go (BatchGetItem, a hundred keys a call) and adds them up. Nothing here scans or lists requests.

`departments=None` reads the counters of every request; a set of departments reads only those
departments' own counters (`STAT#<month>#<department>`), so a department member's report is made
of their requests alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from civicdesk.catalogue.model import Catalogue, Localized
from civicdesk.reports import contracts as c
from civicdesk.reports.periods import Granularity, Period, Plan, month_keys, month_of, months, plan
from civicdesk.reports.store import StatsStore
from civicdesk.reports.tally import FIRST_RESPONSE_HOURS, NONE, RESOLUTION_HOURS, SCORES

AGES: tuple[tuple[str, int, int | None], ...] = (
    ("0-2", 0, 2),
    ("3-7", 3, 7),
    ("8-30", 8, 30),
    ("31-90", 31, 90),
    ("91+", 91, None),
)
"""Backlog age groups: whole days since filing (the profile's calendar), inclusive."""
BACKLOG_DAYS = 92
"""The backlog reads day items this far back, and month items before that."""
BACKLOG_MONTHS = 36
"""...and month items this far back: an older request still open is shown in `91+` only if filed
in these three years (the counters of older months are not read for the backlog)."""


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _change(current: int, before: int) -> float | None:
    return round((current - before) * 100 / before, 1) if before else None


def percentile(histogram: Mapping[str, int], bounds: Sequence[float], q: float) -> float | None:
    """The q-quantile in hours of a bucketed histogram, interpolated linearly within its bucket.
    Beyond the last bound the bucket is open: its lower bound is answered (a "more than")."""
    total = sum(histogram.values())
    if not total:
        return None
    target, seen, low = q * total, 0, 0.0
    for bound in (*bounds, None):
        name = "inf" if bound is None else f"{bound:g}"
        n = histogram.get(name, 0)
        if n and seen + n >= target:
            if bound is None:
                return float(low)
            return round(low + (bound - low) * (target - seen) / n, 1)
        seen += n
        low = float(bound) if bound is not None else low
    return float(low)


@dataclass(frozen=True)
class Figures:
    """Counters of one view added up over a period: `attribute -> count`."""

    values: Counter[str]

    def get(self, name: str) -> int:
        return self.values.get(name, 0)

    def by(self, field: str) -> dict[str, int]:
        """`field.<value>` attributes as `value -> count`."""
        prefix = f"{field}."
        return {k[len(prefix) :]: v for k, v in self.values.items() if k.startswith(prefix) and v}

    def prefixed(self, prefix: str, suffix: str = "") -> dict[str, int]:
        """`<prefix><name><suffix>` attributes as `name -> count` (time buckets, deciles)."""
        return {
            k[len(prefix) : len(k) - len(suffix)]: v
            for k, v in self.values.items()
            if k.startswith(prefix) and k.endswith(suffix) and v
        }


class Reports:
    """Builds every report for one catalogue and calendar, reading through one store."""

    def __init__(self, store: StatsStore, catalogue: Catalogue, time_zone: str, today: date) -> None:
        self.store, self.catalogue, self.time_zone, self.today = store, catalogue, time_zone, today

    # --- reading -------------------------------------------------------------------------------------

    def _scopes(self, departments: frozenset[str] | None) -> list[str | None]:
        return [None] if departments is None else sorted(departments)  # type: ignore[return-value]

    def _read(self, wanted: Mapping[str, Plan]) -> dict[str, Figures]:
        """Add up each named plan, reading every item once."""
        found = self.store.counters(key for p in wanted.values() for _, key in p)
        result: dict[str, Figures] = {}
        for name, items in wanted.items():
            total: Counter[str] = Counter()
            for sign, key in items:
                for attribute, n in found.get(key, {}).items():
                    total[attribute] += sign * n
            result[name] = Figures(total)
        return result

    def _plan(self, period: Period, view: str, departments: frozenset[str] | None) -> Plan:
        return [step for scope in self._scopes(departments) for step in plan(period, view, self.today, scope)]

    def _period(self, period: Period) -> c.PeriodOut:
        return c.PeriodOut(from_=period.first, to=period.last, days=period.days, time_zone=self.time_zone)

    # --- names ------------------------------------------------------------------------------------------

    def _category_name(self, code: str) -> Localized | None:
        return next((x.name for x in self.catalogue.categories if x.code == code), None)

    def _department_name(self, code: str) -> Localized | None:
        found = self.catalogue.department(code) if code != NONE else None
        return found.name if found else None

    # --- parts -------------------------------------------------------------------------------------------

    @staticmethod
    def _compliance(f: Figures, suffix: str = "") -> c.Compliance:
        met, late, missed = f.get(f"met{suffix}"), f.get(f"late{suffix}"), f.get(f"missed{suffix}")
        return c.Compliance(
            answered_in_time=met,
            answered_late=late,
            missed_unanswered=missed,
            waiting=f.get(f"waiting{suffix}"),
            share_in_time=_share(met, met + late + missed),
        )

    def _rows(self, f: Figures, names: Mapping[str, Localized | None] | None = None) -> list[c.Row]:
        codes = sorted(f.by("filed"), key=lambda code: (-f.get(f"filed.{code}"), code))
        return [
            c.Row(
                code=code,
                name=(names or {}).get(code),
                filed=f.get(f"filed.{code}"),
                open=f.get(f"open.{code}"),
                resolved=f.get(f"resolved.{code}"),
                rejected=f.get(f"rejected.{code}"),
                compliance=self._compliance(f, f".{code}"),
            )
            for code in codes
        ]

    def _filed_change(self, period: Period, departments: frozenset[str] | None) -> dict[str, Figures]:
        return self._read(
            {
                "previous": self._plan(period.previous(), "channel", departments),
                "year_ago": self._plan(period.year_ago(), "channel", departments),
            }
        )

    # --- the reports ---------------------------------------------------------------------------------------

    def summary(self, period: Period, departments: frozenset[str] | None = None) -> c.Summary:
        views = ("all", "channel", "category", "nbh")
        wanted = {view: self._plan(period, view, departments) for view in views}
        wanted["previous"] = self._plan(period.previous(), "all", departments)
        wanted["year_ago"] = self._plan(period.year_ago(), "all", departments)
        if departments is None:
            wanted["department"] = self._plan(period, "department", None)
        else:  # each department's own `all` items are its row
            for department in sorted(departments):
                wanted[f"dept:{department}"] = plan(period, "all", self.today, department)
        f = self._read(wanted)
        total = f["all"]
        if departments is None:
            by_department = self._rows(f["department"], self._department_names())
        else:
            by_department = [
                self._department_row(d, f[f"dept:{d}"])
                for d in sorted(departments)
                if f[f"dept:{d}"].get("filed")
            ]
        filed = total.get("filed")
        return c.Summary(
            period=self._period(period),
            departments=sorted(departments) if departments is not None else None,
            filed=_changes(filed, f["previous"].get("filed"), f["year_ago"].get("filed")),
            open=total.get("open"),
            resolved=total.get("resolved"),
            rejected=total.get("rejected"),
            triaged=total.get("triaged"),
            compliance=self._compliance(total),
            by_channel=self._rows(f["channel"]),
            by_category=self._rows(f["category"], self._category_names()),
            by_neighbourhood=self._rows(f["nbh"]),
            by_department=by_department,
        )

    def _department_row(self, code: str, f: Figures) -> c.Row:
        return c.Row(
            code=code,
            name=self._department_name(code),
            filed=f.get("filed"),
            open=f.get("open"),
            resolved=f.get("resolved"),
            rejected=f.get("rejected"),
            compliance=self._compliance(f),
        )

    def series(
        self, period: Period, granularity: Granularity, departments: frozenset[str] | None = None
    ) -> c.Series:
        """Filed per day, week or month by channel; each channel against the period before and the
        same dates a year before. Days come from the month items of the `series` view."""
        previous, year_ago = period.previous(), period.year_ago()
        wanted: dict[str, Plan] = {}
        for p in (period, previous, year_ago):
            for first, _ in months(p):
                if first <= self.today:
                    wanted[month_of(first)] = [
                        (1, key)
                        for s in self._scopes(departments)
                        for key in month_keys(Period(first, first), "series", self.today, s)
                    ]
        f = _daily(self._read(wanted))
        points = []
        for bucket in period.buckets(granularity):
            by_channel = _series(f, bucket, "filed")
            points.append(
                c.Point(
                    start=bucket.first,
                    end=bucket.last,
                    filed=sum(by_channel.values()),
                    by_channel=by_channel,
                    answered_in_time=sum(_series(f, bucket, "met").values()),
                    answered_late=sum(_series(f, bucket, "late").values()),
                    resolved=sum(_series(f, bucket, "resolved").values()),
                )
            )
        now, before, year = (_series(f, p, "filed") for p in (period, previous, year_ago))
        channels = sorted(now.keys() | before.keys() | year.keys(), key=lambda ch: (-now.get(ch, 0), ch))
        return c.Series(
            period=self._period(period),
            departments=sorted(departments) if departments is not None else None,
            granularity=granularity,
            points=points,
            by_channel=[
                c.ChannelChange(
                    channel=ch, change=_changes(now.get(ch, 0), before.get(ch, 0), year.get(ch, 0))
                )
                for ch in channels
            ],
            total=_changes(sum(now.values()), sum(before.values()), sum(year.values())),
        )

    def places(self, period: Period, departments: frozenset[str] | None = None, top: int = 10) -> c.Places:
        """Top categories and neighbourhoods, and the category x neighbourhood table, with requests per
        1 000 residents where the profile gives a neighbourhood's population."""
        f = self._read({v: self._plan(period, v, departments) for v in ("all", "category", "nbh", "cat_nbh")})
        total = f["all"].get("filed")
        populations = {n.code: n.population for n in self.catalogue.neighbourhoods if n.population}
        names = {n.code: n.name for n in self.catalogue.neighbourhoods}
        categories = [
            c.Ranked(code=code, name=self._category_name(code), filed=n, share=_share(n, total))
            for code, n in _busiest(f["category"].by("filed"))[:top]
        ]
        neighbourhoods = [
            c.Ranked(
                code=code,
                name=names.get(code),
                filed=n,
                share=_share(n, total),
                population=populations.get(code),
                per_1000=_per_1000(n, populations.get(code)),
            )
            for code, n in _busiest(f["nbh"].by("filed"))[:top]
        ]
        cells = []
        for pair, n in _busiest(f["cat_nbh"].by("filed")):
            category, _, nbh = pair.partition(".")
            cells.append(
                c.Cell(
                    category=category, neighbourhood=nbh, filed=n, per_1000=_per_1000(n, populations.get(nbh))
                )
            )
        return c.Places(
            period=self._period(period),
            departments=sorted(departments) if departments is not None else None,
            populations_known=len(populations),
            categories=categories,
            neighbourhoods=neighbourhoods,
            cells=cells,
        )

    def promise(self, period: Period, departments: frozenset[str] | None = None) -> c.Promise:
        """The 48-hour promise and the times to first response and to resolution: overall, by
        department, by category."""
        wanted = {v: self._plan(period, v, departments) for v in ("all", "category")}
        if departments is None:
            wanted["department"] = self._plan(period, "department", None)
        else:
            for d in sorted(departments):
                wanted[f"dept:{d}"] = plan(period, "all", self.today, d)
        f = self._read(wanted)
        if departments is None:
            dept = f["department"]
            by_department = [
                self._promise_row(code, self._department_name(code), dept, f".{code}")
                for code, _ in _busiest(dept.by("filed"))
            ]
        else:
            by_department = [
                self._promise_row(d, self._department_name(d), f[f"dept:{d}"], "")
                for d in sorted(departments)
                if f[f"dept:{d}"].get("filed")
            ]
        category = f["category"]
        return c.Promise(
            period=self._period(period),
            departments=sorted(departments) if departments is not None else None,
            overall=self._promise_row("all", None, f["all"], ""),
            by_department=by_department,
            by_category=[
                self._promise_row(code, self._category_name(code), category, f".{code}")
                for code, _ in _busiest(category.by("filed"))
            ],
        )

    def _promise_row(self, code: str, name: Localized | None, f: Figures, suffix: str) -> c.PromiseRow:
        return c.PromiseRow(
            code=code,
            name=name,
            filed=f.get(f"filed{suffix}"),
            compliance=self._compliance(f, suffix),
            first_response=_durations(f.prefixed("frt_", suffix), FIRST_RESPONSE_HOURS),
            resolution=_durations(f.prefixed("ttr_", suffix), RESOLUTION_HOURS),
            resolution_target_missed=f.get(f"res_missed{suffix}"),
        )

    def routing(self, period: Period, departments: frozenset[str] | None = None) -> c.Routing:
        """Triage and the classifier: how often a person had to route, and how often staff moved what
        the classifier routed (a transfer after an automatic routing), by confidence and by model."""
        f = self._read({"all": self._plan(period, "all", departments)})["all"]
        filed, auto, corrected = f.get("filed"), f.get("auto"), f.get("corrected")
        deciles = f.prefixed("conf_")
        deciles = {k: v for k, v in deciles.items() if not k.startswith("corrected_")}
        models = {k: v for k, v in f.prefixed("model_").items() if not k.startswith("corrected_")}
        return c.Routing(
            period=self._period(period),
            departments=sorted(departments) if departments is not None else None,
            filed=filed,
            routed_by_classifier=auto,
            routed_by_choice=f.get("chosen"),
            routed_by_staff=f.get("staff"),
            triaged=f.get("triaged"),
            triage_share=_share(f.get("triaged"), filed),
            triage_reasons=dict(sorted(f.prefixed("triage_").items())),
            corrected=corrected,
            classifier_kept_share=_share(auto - corrected, auto),
            transferred=f.get("transferred"),
            by_confidence=[
                c.Confidence(
                    decile=decile,
                    routed=n,
                    corrected=f.get(f"conf_corrected_{decile}"),
                    kept_share=_share(n - f.get(f"conf_corrected_{decile}"), n),
                )
                for decile, n in sorted(deciles.items())
            ],
            by_model=[
                c.ModelFigures(
                    model=model,
                    routed=n,
                    corrected=f.get(f"model_corrected_{model}"),
                    kept_share=_share(n - f.get(f"model_corrected_{model}"), n),
                )
                for model, n in sorted(models.items())
            ],
        )

    def satisfaction(self, period: Period, departments: frozenset[str] | None = None) -> c.SatisfactionReport:
        """The survey's answers (solved, scores) and reopen rates: overall, by department, category and
        neighbourhood."""
        wanted = {v: self._plan(period, v, departments) for v in ("all", "category", "nbh")}
        if departments is None:
            wanted["department"] = self._plan(period, "department", None)
        else:
            for d in sorted(departments):
                wanted[f"dept:{d}"] = plan(period, "all", self.today, d)
        f = self._read(wanted)
        if departments is None:
            dept = f["department"]
            by_department = [
                _satisfaction(code, self._department_name(code), dept, f".{code}")
                for code, _ in _busiest(dept.by("filed"))
            ]
        else:
            by_department = [
                _satisfaction(d, self._department_name(d), f[f"dept:{d}"], "")
                for d in sorted(departments)
                if f[f"dept:{d}"].get("filed")
            ]
        category, nbh = f["category"], f["nbh"]
        neighbourhoods = {n.code: n.name for n in self.catalogue.neighbourhoods}
        return c.SatisfactionReport(
            period=self._period(period),
            departments=sorted(departments) if departments is not None else None,
            overall=_satisfaction("all", None, f["all"], ""),
            by_department=by_department,
            by_category=[
                _satisfaction(code, self._category_name(code), category, f".{code}")
                for code, _ in _busiest(category.by("filed"))
            ],
            by_neighbourhood=[
                _satisfaction(code, neighbourhoods.get(code), nbh, f".{code}")
                for code, _ in _busiest(nbh.by("filed"))
            ],
        )

    def backlog(self, departments: frozenset[str] | None = None) -> c.Backlog:
        """Open requests now, by department and days since filing: day items for the last
        `BACKLOG_DAYS` days, month items for the months before (their age is the month's)."""
        today = self.today
        recent = Period(today - timedelta(days=BACKLOG_DAYS - 1), today)
        first_day = recent.first.replace(day=1)
        older_start = _months_back(first_day, BACKLOG_MONTHS)
        day_keys = {
            day: plan(Period(day, day), "department", today)[0][1]
            for day in Period(first_day, today).each_day()
        }
        wanted: dict[str, Plan] = {f"d:{day.isoformat()}": [(1, k)] for day, k in day_keys.items()}
        month = older_start
        while month < first_day:
            wanted[f"m:{month.isoformat()}"] = [
                (1, k) for k in month_keys(Period(month, month), "department", today)
            ]
            month = _months_back(month, -1)
        f = self._read(wanted)
        rows: dict[str, Counter[str]] = {}
        missed: Counter[str] = Counter()
        for name, figures in f.items():
            when = date.fromisoformat(name[2:])
            age = (today - when).days if name.startswith("d:") else (today - _month_last(when)).days
            for code, n in figures.by("open").items():
                if departments is not None and code not in departments:
                    continue
                rows.setdefault(code, Counter())[_age_group(age)] += n
            for code, n in figures.by("missed").items():
                if departments is None or code in departments:
                    missed[code] += n
        by_department = [
            c.BacklogRow(
                code=code,
                name=self._department_name(code),
                open=sum(ages.values()),
                missed_unanswered=missed.get(code, 0),
                by_age={label: ages.get(label, 0) for label, _, _ in AGES},
            )
            for code, ages in sorted(rows.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
            if sum(ages.values())
        ]
        return c.Backlog(
            as_of=today,
            departments=sorted(departments) if departments is not None else None,
            ages=[label for label, _, _ in AGES],
            total=sum(r.open for r in by_department),
            by_department=by_department,
        )

    def _category_names(self) -> dict[str, Localized | None]:
        return {x.code: x.name for x in self.catalogue.categories}

    def _department_names(self) -> dict[str, Localized | None]:
        return {x.code: x.name for x in self.catalogue.departments}


def _changes(current: int, previous: int, year_ago: int) -> c.Change:
    return c.Change(
        current=current,
        previous=previous,
        year_ago=year_ago,
        change_previous=_change(current, previous),
        change_year=_change(current, year_ago),
    )


def _satisfaction(code: str, name: Localized | str | None, f: Figures, suffix: str) -> c.Satisfaction:
    answered, resolved, reopened = (f.get(f"{n}{suffix}") for n in ("sat_answered", "resolved", "reopened"))
    scores = {s: f.get(f"sat_score_{s}{suffix}") for s in SCORES}
    scored = sum(scores.values())
    return c.Satisfaction(
        code=code,
        name=name,
        filed=f.get(f"filed{suffix}"),
        resolved=resolved,
        reopened=reopened,
        reopen_rate=_share(reopened, resolved),
        answered=answered,
        solved_yes=f.get(f"sat_solved_yes{suffix}"),
        solved_partly=f.get(f"sat_solved_partly{suffix}"),
        solved_no=f.get(f"sat_solved_no{suffix}"),
        share_solved=_share(f.get(f"sat_solved_yes{suffix}"), answered),
        scores=scores,
        average_score=round(sum(int(s) * n for s, n in scores.items()) / scored, 2) if scored else None,
    )


def _busiest(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0]))


def _per_1000(filed: int, population: int | None) -> float | None:
    return round(filed * 1000 / population, 2) if population else None


def _durations(histogram: Mapping[str, int], bounds: Sequence[float]) -> c.Durations:
    return c.Durations(
        count=sum(histogram.values()),
        median_hours=percentile(histogram, bounds, 0.5),
        p90_hours=percentile(histogram, bounds, 0.9),
    )


Daily = dict[tuple[str, str, int], dict[str, int]]
"""(month, field, day) -> channel -> count: the `series` month items, indexed once per report."""


def _daily(months: Mapping[str, Figures]) -> Daily:
    result: Daily = {}
    for month, figures in months.items():
        for name, n in figures.values.items():
            field, _, rest = name.partition(".")
            channel, _, dd = rest.rpartition(".")
            if n and dd.isdigit():
                cell = result.setdefault((month, field, int(dd)), {})
                cell[channel] = cell.get(channel, 0) + n
    return result


def _series(daily: Daily, period: Period, field: str) -> dict[str, int]:
    """One field of the `series` items, summed over the period's days, by channel."""
    result: Counter[str] = Counter()
    for day in period.each_day():
        result.update(daily.get((month_of(day), field, day.day), {}))
    return {k: v for k, v in result.items() if v}


def _age_group(days: int) -> str:
    for label, low, high in AGES:
        if days >= low and (high is None or days <= high):
            return label
    return AGES[-1][0]


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _month_last(day: date) -> date:
    return _months_back(day, -1) - timedelta(days=1)
