"""What one request adds to the needs-analysis counters: a pure function of its state and its events.

Every counter is a sum over requests. A request adds a small vector (filed 1, answered in time 1,
auto-routed 1, a first-response time bucket 1, ...) to the items of the day and month it was filed
on (the municipality's calendar), under its category, neighbourhood, channel and department. The
vector depends on two things only:

- the request's **state** as its item holds it now (dimensions, status, first response, flags):
  `Snapshot`, read without its description or location;
- a **digest** of its events for what the item does not keep (how it was first routed, whether it
  went through triage, was transferred, when it was first resolved): for each mark, the earliest
  event by (time, event id). Adding an event twice, or events in any order, gives the same digest.

So whatever order and however often events arrive, once they are all in, the counters are the sum
over the requests as they are: exactly what `fold` computes from the pool. When a request moves
(classified by hand into another category, transferred), its whole vector moves with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from civicdesk import layout
from civicdesk.core.clock import parse_iso

FORMULA = 1
"""The version of `vector`: a tally written by another formula is recomputed by a rebuild."""

NONE = "-"
"""A dimension not known (yet): a request not routed has no department."""

OPEN = frozenset({"received", "routed", "in_progress", "triage", "reopened"})
FINISHED = frozenset({"resolved", "closed"})

FIRST_RESPONSE_HOURS = (0.5, 1, 2, 4, 6, 8, 12, 16, 24, 32, 40, 48, 60, 72, 96, 120, 168, 336)
"""Upper bounds of the time-to-first-response buckets (the last bucket is open): fine around the
48-hour promise, so a median or 90th percentile read from them is within an hour or so there."""
RESOLUTION_HOURS = (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 240, 336, 504, 720, 1080, 1440, 2160)
"""Upper bounds of the time-to-resolution buckets, up to 90 days (the last bucket is open)."""

CORE = (
    "filed",  # entered the pool
    "open",  # still open now (received, routed, in progress, triage, reopened)
    "met",  # first response within its deadline
    "late",  # first response after its deadline
    "missed",  # deadline missed and still unanswered
    "waiting",  # not answered yet, deadline still ahead
    "resolved",  # resolved or closed
    "rejected",  # rejected (duplicate, not ours, invalid)
    "res_missed",  # the category's resolution target was missed
    "triaged",  # went through triage (a person routed it)
    "auto",  # routed by the classifier without a person
    "chosen",  # routed by the category a citizen or an agent chose
    "staff",  # routed by a supervisor from triage
    "corrected",  # routed by the classifier, then transferred by staff: the classifier was wrong
    "transferred",  # transferred at least once
    "reopened",  # reopened at least once
)
"""The fields every view counts, per dimension value."""
SERIES = ("filed", "met", "late", "resolved")
"""The fields the day-by-day series keep per channel."""
_SAFE = re.compile(r"[^A-Za-z0-9_\-]")


def bucket(hours: float, bounds: tuple[float, ...]) -> str:
    """The bucket's name: `48` for (40, 48] hours, `inf` beyond the last bound."""
    for bound in bounds:
        if hours <= bound:
            return f"{bound:g}"
    return "inf"


def safe(value: str | None) -> str:
    """A dimension value as part of an attribute name: codes as they are, anything else tamed."""
    return _SAFE.sub("_", value)[:64] if value else NONE


# --- the two inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The request as its item holds it now, without personal data or free text."""

    created_at: str
    channel: str
    kind: str
    status: str
    category: str | None = None
    neighbourhood: str | None = None
    department: str | None = None
    first_response_at: str | None = None
    first_response_met: bool | None = None
    overdue_at: str | None = None
    resolution_overdue_at: str | None = None

    ATTRIBUTES = (
        "created_at",
        "channel",
        "kind",
        "status",
        "category",
        "neighbourhood",
        "department",
        "first_response_at",
        "first_response_met",
        "overdue_at",
        "resolution_overdue_at",
    )
    """What is read of a request item (a projection: never its description, location or photos)."""

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> Snapshot:
        return cls(**{name: item.get(name) for name in cls.ATTRIBUTES})  # type: ignore[arg-type]

    def as_item(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.ATTRIBUTES if getattr(self, name) is not None}


@dataclass(frozen=True)
class Occurrence:
    """One domain event as the tally needs it: which entry, when, what, and its PII-free facts."""

    event_id: str
    at: str
    entry_type: str
    status: str | None = None
    facts: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of_event(cls, detail: Mapping[str, Any]) -> Occurrence:
        """From an event's `detail` (docs/events.md). Events put before ids existed are named by
        their code, time and entry type, as docs/events.md says."""
        event_id = detail.get("event_id") or f"{detail['code']}/{detail['at']}/{detail['entry_type']}"
        return cls(
            event_id=str(event_id),
            at=str(detail["at"]),
            entry_type=str(detail["entry_type"]),
            status=detail.get("status"),
            facts={k: str(v) for k, v in (detail.get("facts") or {}).items()},
        )

    @classmethod
    def of_entry_item(cls, item: Mapping[str, Any]) -> Occurrence:
        """From a timeline entry item (the pool): the id is its key, as the event's is."""
        return cls(
            event_id=f"{item[layout.PK]}/{item[layout.SK]}",
            at=str(item["at"]),
            entry_type=str(item["type"]),
            status=item.get("status"),
            facts={k: str(v) for k, v in (item.get("detail") or {}).items()},
        )


Mark = tuple[str, ...]
"""(time, event id, facts...): the earliest event of one kind; tuples order by time, then id."""


def marks_of(event: Occurrence) -> dict[str, Mark]:
    """What an event marks, if anything: the first routing, triage, transfer, resolution, reopening,
    satisfaction survey answer (one per request)."""
    key = (event.at, event.event_id)
    if event.entry_type == "transferred":
        return {"transfer": key}
    if event.entry_type == "survey_answered":
        return {"survey": (*key, event.facts.get("solved", ""), event.facts.get("score", ""))}
    if event.entry_type != "status_changed":
        return {}
    facts = event.facts
    if event.status == "routed":
        if facts.get("source") == "staff":
            return {"staff": key}
        return {
            "route": (
                *key,
                facts.get("source", ""),
                facts.get("confidence", ""),
                facts.get("model", ""),
            )
        }
    if event.status == "triage":
        return {"triage": (*key, facts.get("reason", ""))}
    if event.status in ("resolved", "reopened"):
        return {event.status: key}
    return {}


@dataclass(frozen=True)
class Digest:
    """The earliest event of each mark: idempotent and order-free (`add` keeps the minimum)."""

    marks: Mapping[str, Mark] = field(default_factory=dict)

    def add(self, event: Occurrence) -> Digest:
        marks = dict(self.marks)
        for name, mark in marks_of(event).items():
            if name not in marks or mark < marks[name]:
                marks[name] = mark
        return Digest(marks)

    def get(self, name: str) -> Mark | None:
        return self.marks.get(name)

    def as_item(self) -> dict[str, list[str]]:
        return {name: list(mark) for name, mark in sorted(self.marks.items())}

    @classmethod
    def of(cls, item: Mapping[str, Any] | None) -> Digest:
        return cls({name: tuple(str(v) for v in mark) for name, mark in (item or {}).items()})


def digest(events: Iterable[Occurrence]) -> Digest:
    result = Digest()
    for event in events:
        result = result.add(event)
    return result


# --- the vector and where it goes -----------------------------------------------------------------------


def _hours(start: str, end: str) -> float:
    return (parse_iso(end) - parse_iso(start)) / timedelta(hours=1)


def vector(snapshot: Snapshot, digest: Digest) -> tuple[dict[str, int], dict[str, int]]:
    """(core fields, details): what this request counts. Details (time buckets, the classifier's
    confidence and model, triage reasons, kinds) are kept in fewer views than the core fields."""
    status = snapshot.status
    answered = snapshot.first_response_at is not None
    route, transfer = digest.get("route"), digest.get("transfer")
    source = route[2] if route else ""
    auto = source == "classified"
    core = {
        "filed": 1,
        "open": status in OPEN,
        "met": answered and snapshot.first_response_met is True,
        "late": answered and snapshot.first_response_met is not True,
        "missed": not answered and snapshot.overdue_at is not None and status in OPEN,
        "waiting": not answered and snapshot.overdue_at is None and status in OPEN,
        "resolved": status in FINISHED,
        "rejected": status == "rejected",
        "res_missed": snapshot.resolution_overdue_at is not None,
        "triaged": digest.get("triage") is not None,
        "auto": auto,
        "chosen": source == "chosen",
        "staff": digest.get("staff") is not None,
        "corrected": auto and transfer is not None,
        "transferred": transfer is not None,
        "reopened": digest.get("reopened") is not None,
    }
    details: dict[str, int] = {f"kind_{safe(snapshot.kind)}": 1}
    if answered:
        waited = _hours(snapshot.created_at, snapshot.first_response_at or snapshot.created_at)
        details[f"frt_{bucket(waited, FIRST_RESPONSE_HOURS)}"] = 1
    resolved = digest.get("resolved")
    if resolved and status in FINISHED:
        details[f"ttr_{bucket(_hours(snapshot.created_at, resolved[0]), RESOLUTION_HOURS)}"] = 1
    triage = digest.get("triage")
    if triage:
        details[f"triage_{safe(triage[2])}"] = 1
    details.update(satisfaction(digest.get("survey")))
    if auto and route:
        decile = _decile(route[3])
        details[f"conf_{decile}"] = 1
        details[f"model_{safe(route[4]) if route[4] else 'keywords'}"] = 1
        if transfer is not None:
            details[f"conf_corrected_{decile}"] = 1
            details[f"model_corrected_{safe(route[4]) if route[4] else 'keywords'}"] = 1
    return {k: 1 for k, v in core.items() if v}, details


SOLVED = ("yes", "partly", "no")
SCORES = ("1", "2", "3", "4", "5")


def satisfaction(survey: Mark | None) -> dict[str, int]:
    """The survey's answer as counts: answered, solved yes/partly/no, the score's histogram bar.
    Only requests with an answer count here, so tallies from before surveys were counted stay true."""
    if survey is None:
        return {}
    solved, score = survey[2], survey[3]
    counts = {"sat_answered": 1}
    if solved in SOLVED:
        counts[f"sat_solved_{solved}"] = 1
    if score in SCORES:
        counts[f"sat_score_{score}"] = 1
    return counts


def _decile(confidence: str) -> str:
    """`0.83` -> `0.8`: the classifier's confidence, in tenths."""
    try:
        value = min(max(float(confidence), 0.0), 0.99)
    except ValueError:
        return NONE
    return f"{int(value * 10) / 10:.1f}"


Key = tuple[str, str]
"""(pk, sk) of a counter item."""
Contribution = dict[Key, dict[str, int]]
"""What a request adds: counter item -> attribute -> amount."""


def filed_day(snapshot: Snapshot, zone: ZoneInfo) -> datetime:
    """The filing moment on the municipality's calendar (a request filed at 23:30 UTC on 31 March is
    filed on 1 April in Istanbul)."""
    return parse_iso(snapshot.created_at).astimezone(zone)


def contribution(snapshot: Snapshot, digest: Digest, zone: ZoneInfo) -> Contribution:
    """The request's vector, spread over the items of its filing day and month, for every request and
    for its department's own reports."""
    core, details = vector(snapshot, digest)
    moment = filed_day(snapshot, zone)
    month, day = f"{moment.year:04d}-{moment.month:02d}", moment.day
    channel, category = safe(snapshot.channel), safe(snapshot.category)
    nbh, department = safe(snapshot.neighbourhood), safe(snapshot.department)
    times = {k: v for k, v in details.items() if k.startswith(("frt_", "ttr_"))}
    survey = {k: v for k, v in details.items() if k.startswith("sat_")}
    views: dict[str, dict[str, int]] = {
        "all": {**core, **details},
        "channel": {f"{name}.{channel}": n for name, n in core.items()},
        "category": {f"{name}.{category}": n for name, n in {**core, **times, **survey}.items()},
        "department": {f"{name}.{department}": n for name, n in {**core, **times, **survey}.items()},
        "nbh": {f"{name}.{nbh}": n for name, n in {**core, **survey}.items()},
        "cat_nbh": {f"filed.{category}.{nbh}": 1},
    }
    series = {f"{name}.{channel}.{day:02d}": 1 for name in SERIES if core.get(name)}
    result: Contribution = {}
    scopes: list[str | None] = [None]
    if snapshot.department:
        scopes.append(snapshot.department)
    for scope in scopes:
        pk = layout.stats_pk(month, scope)
        for view, attributes in views.items():
            if scope is not None and view == "department":
                continue  # a department's own items: the department view would be its `all`
            result[pk, layout.stats_sk(view, day)] = dict(attributes)
            result[pk, layout.stats_sk(view)] = dict(attributes)
        result[pk, layout.stats_sk("series")] = dict(series)
    return result


VIEWS = ("all", "channel", "category", "department", "nbh", "cat_nbh")
"""The views with a day item and a month item; `series` has month items only (a field per day)."""


def difference(new: Contribution, old: Contribution) -> Contribution:
    """What to ADD to go from `old` to `new` (zeros left out)."""
    result: Contribution = {}
    for key in new.keys() | old.keys():
        before, after = old.get(key, {}), new.get(key, {})
        changes = {a: after.get(a, 0) - before.get(a, 0) for a in before.keys() | after.keys()}
        changes = {a: n for a, n in changes.items() if n}
        if changes:
            result[key] = changes
    return result


def add_into(total: Contribution, part: Contribution) -> None:
    """Sum `part` into `total` (the rebuild adds every request's contribution this way)."""
    for key, attributes in part.items():
        target = total.setdefault(key, {})
        for name, n in attributes.items():
            target[name] = target.get(name, 0) + n
