"""First-response and resolution deadlines: absolute hours from receipt, stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civicdesk.catalogue import model as catalogue
from civicdesk.core.clock import iso, local, parse_iso
from civicdesk.sla import deadlines as sla
from tests.support import SHIPPED


@pytest.fixture(scope="module")
def shipped() -> catalogue.Catalogue:
    return SHIPPED


def test_default_is_48_hours_when_no_category_is_known(shipped: catalogue.Catalogue) -> None:
    received = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
    assert sla.first_response_deadline(received, None, shipped) == received + timedelta(hours=48)


def test_category_overrides_the_default(shipped: catalogue.Catalogue) -> None:
    received = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
    vet = shipped.category("veterinary")
    assert sla.first_response_deadline(received, vet, shipped) == received + timedelta(
        hours=vet.first_response_hours
    )


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # across midnight, a month's end, February of a leap year, and the year's end
        (datetime(2026, 1, 31, 23, 0, tzinfo=UTC), datetime(2026, 2, 2, 23, 0, tzinfo=UTC)),
        (datetime(2028, 2, 28, 12, 0, tzinfo=UTC), datetime(2028, 3, 1, 12, 0, tzinfo=UTC)),
        (datetime(2026, 2, 28, 12, 0, tzinfo=UTC), datetime(2026, 3, 2, 12, 0, tzinfo=UTC)),
        (datetime(2026, 12, 31, 22, 15, tzinfo=UTC), datetime(2027, 1, 2, 22, 15, tzinfo=UTC)),
    ],
)
def test_48_hours_across_calendar_edges(
    shipped: catalogue.Catalogue, received: datetime, due: datetime
) -> None:
    assert sla.first_response_deadline(received, None, shipped) == due


def test_deadline_is_shown_on_istanbul_time() -> None:
    # 22:30 UTC on the 31st is already 01:30 on the 1st in Istanbul (UTC+3)
    due = datetime(2026, 5, 31, 22, 30, tzinfo=UTC)
    shown = local(due)
    assert (shown.day, shown.hour, shown.utcoffset()) == (1, 1, timedelta(hours=3))


def test_resolution_deadline_only_where_the_category_sets_one(shipped: catalogue.Catalogue) -> None:
    received = datetime(2026, 3, 10, tzinfo=UTC)
    with_target = next(c for c in shipped.categories if c.resolution_hours)
    without = next(c for c in shipped.categories if c.resolution_hours is None)
    assert sla.resolution_deadline(received, with_target) == received + timedelta(
        hours=with_target.resolution_hours
    )
    assert sla.resolution_deadline(received, without) is None
    assert sla.resolution_deadline(received, None) is None


def test_iso_times_sort_as_strings_and_round_trip() -> None:
    early = datetime(2026, 3, 10, 9, 5, 1, 7000, tzinfo=UTC)
    late = early + timedelta(milliseconds=1)
    assert iso(early) < iso(late)
    assert iso(early) == "2026-03-10T09:05:01.007Z"
    assert parse_iso(iso(early)) == early
