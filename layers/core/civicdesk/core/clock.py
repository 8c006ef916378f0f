"""Time in one place, so tests and the SLA checker can inject a clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]

ISTANBUL = ZoneInfo("Europe/Istanbul")


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with millisecond precision and a `Z`, sortable as a string (keys rely on it)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def local(moment: datetime) -> datetime:
    """The same instant as the municipality's clock shows it."""
    return moment.astimezone(ISTANBUL)
