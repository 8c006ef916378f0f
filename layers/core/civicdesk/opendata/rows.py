"""What one row of the open data is, and how a request becomes one without any personal data.

A row keeps only codes from the catalogue and the profile (kind, channel, category, department,
status, neighbourhood with its name), the filing, first-response and resolution moments on the
municipality's clock to the minute, and whether the 48-hour promise was kept. It has no request
code (a citizen's reference, which the public status page answers for), no description, address,
point, photo, reply or contact: those attributes are never even read (`SOURCE_ATTRIBUTES`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from civicdesk.core.clock import parse_iso

SOURCE_ATTRIBUTES = (
    "created_at",
    "kind",
    "channel",
    "status",
    "category",
    "department",
    "neighbourhood",
    "first_response_at",
    "first_response_met",
    "overdue_at",
)
"""What is read of a request item (a projection): nothing a citizen wrote or can be reached by."""
FINISHED = frozenset({"resolved", "closed", "rejected"})


@dataclass(frozen=True)
class OpenRow:
    """One request as the public may read it. Field order is the files' column order."""

    filed_date: str
    filed_at: str
    kind: str
    channel: str
    category: str
    department: str
    neighbourhood: str
    neighbourhood_name: str
    status: str
    first_response_at: str
    resolved_at: str
    promise_kept: bool | None
    """True: answered within the promise; False: answered late, or overdue; empty: the clock still runs."""
    first_response_hours: float | None
    resolution_hours: float | None


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(OpenRow))


def minute(moment: datetime, zone: ZoneInfo) -> str:
    """`2026-11-30T14:05+03:00`: the municipality's clock, to the minute (seconds say nothing useful
    to the public and would make a request easier to tell apart)."""
    return moment.astimezone(zone).isoformat(timespec="minutes")


def _hours(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start) / timedelta(hours=1), 1)


def promise_kept(item: Mapping[str, Any]) -> bool | None:
    if item.get("first_response_at"):
        return item.get("first_response_met") is True
    return False if item.get("overdue_at") else None


def row_of(
    item: Mapping[str, Any], resolved_at: str | None, zone: ZoneInfo, neighbourhoods: Mapping[str, str]
) -> OpenRow:
    """The public row of a request item (read with `SOURCE_ATTRIBUTES` only) and the moment it was
    first resolved (from its tally), on `zone`'s clock; `neighbourhoods` maps codes to names."""
    filed = parse_iso(str(item["created_at"]))
    answered = parse_iso(str(item["first_response_at"])) if item.get("first_response_at") else None
    status = str(item["status"])
    resolved = parse_iso(resolved_at) if resolved_at and status in FINISHED else None
    place = str(item.get("neighbourhood") or "")
    return OpenRow(
        filed_date=filed.astimezone(zone).date().isoformat(),
        filed_at=minute(filed, zone),
        kind=str(item["kind"]),
        channel=str(item["channel"]),
        category=str(item.get("category") or ""),
        department=str(item.get("department") or ""),
        neighbourhood=place,
        neighbourhood_name=neighbourhoods.get(place, ""),
        status=status,
        first_response_at=minute(answered, zone) if answered else "",
        resolved_at=minute(resolved, zone) if resolved else "",
        promise_kept=promise_kept(item),
        first_response_hours=_hours(filed, answered),
        resolution_hours=_hours(filed, resolved),
    )


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a day on the municipality's calendar, as aware datetimes."""
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    return start, datetime(following.year, following.month, following.day, tzinfo=zone)
