"""The needs-analysis rules without AWS: which counter items make up a period, percentiles from
time buckets, and a digest of events that no repeat or order can change."""

from __future__ import annotations

import random
from datetime import date

import pytest

from civicdesk import layout
from civicdesk.reports.figures import percentile
from civicdesk.reports.periods import Granularity, Period, plan
from civicdesk.reports.tally import FIRST_RESPONSE_HOURS, Digest, Occurrence, Snapshot, contribution
from tests.support import PROFILE


def _days(steps: list[tuple[int, tuple[str, str]]], today: date) -> dict[date, int]:
    """How often each day is counted by a plan (a month item counts its days up to today)."""
    counted: dict[date, int] = {}
    for sign, (pk, sk) in steps:
        year, month = (int(x) for x in pk.removeprefix(layout.STATS_PREFIX).split("-"))
        _, _, day = sk.partition("#")
        days = [int(day)] if day else list(range(1, 32))
        for d in days:
            try:
                when = date(year, month, d)
            except ValueError:
                continue
            if when <= today:
                counted[when] = counted.get(when, 0) + sign
    return {k: v for k, v in counted.items() if v}


@pytest.mark.parametrize("seed", range(20))
def test_a_plan_counts_every_day_of_the_period_once_and_no_other_day(seed: int) -> None:
    # Given any period of up to a year and a half and any today
    rng = random.Random(seed)
    first = date(2025, 1, 1).fromordinal(date(2025, 1, 1).toordinal() + rng.randrange(600))
    last = first.fromordinal(first.toordinal() + rng.randrange(540))
    today = first.fromordinal(first.toordinal() + rng.randrange(-10, 600))
    # When its items are planned
    steps = plan(Period(first, last), "all", today)
    # Then the days counted are exactly the period's days up to today, each once
    wanted = {d: 1 for d in Period(first, last).each_day() if d <= today}
    assert _days(steps, today) == wanted
    # And no month costs more than one month item and 15 day items
    assert len(steps) <= 16 * (len({(d.year, d.month) for d in wanted}) or 1)


def test_a_whole_year_is_twelve_month_items_per_view() -> None:
    steps = plan(Period(date(2025, 1, 1), date(2025, 12, 31)), "category", date(2026, 6, 1))
    assert steps == [(1, (layout.stats_pk(f"2025-{m:02d}"), "category")) for m in range(1, 13)]


def test_weeks_are_iso_weeks_clipped_to_the_period() -> None:
    weeks = Period(date(2026, 11, 1), date(2026, 11, 30)).buckets(Granularity.WEEK)
    assert [(w.first.day, w.last.day) for w in weeks] == [
        (1, 1),
        (2, 8),
        (9, 15),
        (16, 22),
        (23, 29),
        (30, 30),
    ]


def test_percentiles_are_read_from_buckets_and_nothing_gives_none() -> None:
    # Given 10 first responses: 5 within (6, 8] hours, 4 within (40, 48], 1 beyond two weeks
    histogram = {"8": 5, "48": 4, "inf": 1}
    # Then the median falls at the top of the 8-hour bucket, the 90th percentile at its 48-hour one
    assert percentile(histogram, FIRST_RESPONSE_HOURS, 0.5) == 8.0
    assert percentile(histogram, FIRST_RESPONSE_HOURS, 0.9) == 48.0
    assert percentile(histogram, FIRST_RESPONSE_HOURS, 0.99) == 336.0  # "more than two weeks"
    assert percentile({}, FIRST_RESPONSE_HOURS, 0.5) is None


def test_a_digest_is_the_same_whatever_the_order_and_however_often_events_come() -> None:
    events = [
        Occurrence("e1", "2026-03-01T10:00:00.000Z", "status_changed", "routed", {"source": "classified"}),
        Occurrence("e2", "2026-03-01T12:00:00.000Z", "transferred", "routed", {}),
        Occurrence("e3", "2026-03-02T09:00:00.000Z", "status_changed", "resolved", {}),
        Occurrence("e4", "2026-03-03T09:00:00.000Z", "transferred", "routed", {}),
    ]
    rng = random.Random(7)
    expected = Digest()
    for event in events:
        expected = expected.add(event)
    for _ in range(20):
        shuffled = [rng.choice(events) for _ in range(10)] + events
        rng.shuffle(shuffled)
        got = Digest()
        for event in shuffled:
            got = got.add(event)
        assert got == expected
    assert expected.get("transfer") == ("2026-03-01T12:00:00.000Z", "e2")


def test_a_request_filed_late_on_the_last_utc_day_of_a_month_counts_on_the_next_month_in_istanbul() -> None:
    snapshot = Snapshot(
        created_at="2026-03-31T23:30:00.000Z", channel="web", kind="request", status="received"
    )
    keys = contribution(snapshot, Digest(), PROFILE.zone)
    assert (layout.stats_pk("2026-04"), layout.stats_sk("all", 1)) in keys
    assert not any(pk == layout.stats_pk("2026-03") for pk, _ in keys)
    # And it holds no personal data: codes and counts only
    assert all(isinstance(n, int) for attributes in keys.values() for n in attributes.values())
