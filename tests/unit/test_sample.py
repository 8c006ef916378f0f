"""Sample data: a year shaped like the profile's, with timelines a real pool would hold.

The reports to come read this year, and `make run` shows it: its shares, its days and hours and
its request lives are what a developer sees and what report tests will be measured against.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from civicdesk.core.dynamo import deserialize, serialize
from civicdesk.layout import REQUEST_SK, SK
from civicdesk.profile import model as profiles
from civicdesk.profile.model import Profile
from civicdesk.requests import codes
from civicdesk.requests.models import OPEN_STATUSES, Channel, EntryType, ServiceRequest, Status, TimelineEntry
from civicdesk.requests.repository import entry_from_item, request_from_item
from civicdesk.sla.deadlines import is_first_response
from local.sample import Shape, items_of, sample_requests, sample_year, wire
from tests.support import PROFILE, SHIPPED

UNTIL = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday morning
Samples = list[tuple[ServiceRequest, list[TimelineEntry]]]
YEAR_SAMPLE = 8_000
"""Requests drawn for the shape tests: enough for shares within a point or two, in a few seconds."""
TOLERANCE = 0.02


@pytest.fixture(scope="module")
def year() -> Samples:
    """A year of Bornova (fewer requests than its ~50,000: the shares are what is tested)."""
    return list(sample_requests(PROFILE, SHIPPED, YEAR_SAMPLE, days=365, until=UNTIL))


def shares(samples: Samples, attribute: str) -> dict[str, float]:
    counts = Counter(str(getattr(request, attribute)) for request, _ in samples)
    return {key: n / len(samples) for key, n in counts.items()}


def expected(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {key: w / total for key, w in weights.items()}


def assert_shares(samples: Samples, attribute: str, weights: dict[str, float]) -> None:
    got, want = shares(samples, attribute), expected(weights)
    got.pop("None", None)  # requests filed seconds before `until` are not classified yet
    assert set(got) <= set(want)
    off = {
        k: (round(got.get(k, 0), 3), round(w, 3))
        for k, w in want.items()
        if abs(got.get(k, 0) - w) > TOLERANCE
    }
    assert off == {}, f"{attribute}: (got, expected) outside ±{TOLERANCE:.0%}"


# --- the shape --------------------------------------------------------------------------------------


def test_a_year_of_bornova_has_its_channels_categories_and_busiest_neighbourhoods(year: Samples) -> None:
    # Given Bornova's profile / When a year is drawn
    shape = Shape.of(PROFILE, SHIPPED)
    # Then channels, categories and neighbourhoods come in the profile's proportions
    assert_shares(year, "channel", {str(c): w for c, w in shape.channels.items()})
    assert_shares(year, "category", shape.categories)
    assert_shares(year, "neighbourhood", shape.neighbourhoods)
    # And, at full size, as the design describes it: the call center ~28,000, WhatsApp ~9,000,
    # veterinary services first with 13,000+, then roads and sidewalks, then debris
    per_year = shape.requests_per_year / len(year)
    channels = Counter(r.channel for r, _ in year)
    assert 27_000 <= channels[Channel.CALL_CENTER] * per_year <= 29_500
    assert 8_000 <= channels[Channel.WHATSAPP] * per_year <= 10_000
    categories = Counter(r.category for r, _ in year)
    assert [c for c, _ in categories.most_common(3)] == ["veterinary", "road_sidewalk", "debris"]
    assert categories["veterinary"] * per_year >= 13_000
    busiest = {n for n, _ in Counter(r.neighbourhood for r, _ in year).most_common(4)}
    assert busiest == {"kazim_dirik", "erzene", "ataturk", "evka_3"}


def test_sample_year_draws_the_profiles_whole_year() -> None:
    # Given a profile whose typical year is 600 requests
    small = _with_sample(PROFILE, requests_per_year=600)
    # When its year is drawn / Then there are that many, filed within the year before `until`
    year = list(sample_year(small, SHIPPED, until=UNTIL))
    assert len(year) == 600
    created = [r.created_at for r, _ in year]
    assert UNTIL - timedelta(days=366) < min(created)
    assert max(created) < UNTIL


def test_weekdays_are_busier_than_weekends_and_the_seasons_show(year: Samples) -> None:
    # Given the year, on the municipality's clock
    zone = PROFILE.zone
    local = [(r, r.created_at.astimezone(zone)) for r, _ in year]
    weekdays = Counter(t.weekday() for _, t in local)
    # Then Mondays are busiest and Sundays quietest, and the service hall is closed on Sundays
    assert weekdays[0] == max(weekdays.values())
    assert weekdays[6] == min(weekdays.values())
    assert weekdays[0] > 2 * weekdays[6]
    assert not [r for r, t in local if r.channel is Channel.WALK_IN and t.weekday() == 6]
    # And the phone rings in office hours, not at night
    calls = Counter(t.hour for r, t in local if r.channel is Channel.CALL_CENTER)
    assert sum(calls[h] for h in range(9, 17)) > 0.6 * sum(calls.values())
    assert sum(calls[h] for h in range(1, 6)) < 0.02 * sum(calls.values())
    # And mosquitoes are a summer matter
    months = Counter(t.month for r, t in local if r.category == "pest_control")
    assert months[7] > 2 * months[1]


# --- the timelines ----------------------------------------------------------------------------------


def test_every_request_lives_a_consistent_life(year: Samples) -> None:
    catalogue_categories = {c.code: c for c in SHIPPED.categories}
    neighbourhoods = {n.code for n in SHIPPED.neighbourhoods}
    for request, entries in year:
        # Given each request / Then its code, category, department and neighbourhood are real ones
        assert codes.normalize(request.code) == request.code
        assert request.neighbourhood in neighbourhoods
        if request.category is not None and request.status is not Status.RECEIVED:
            assert request.department == catalogue_categories[request.category].department
        # And its timeline starts with its receipt, runs in time order and stops before `until`
        assert entries[0].type is EntryType.RECEIVED
        assert entries[0].at == request.created_at
        assert [e.at for e in entries] == sorted(e.at for e in entries)
        assert entries[-1].at <= UNTIL
        assert request.updated_at == entries[-1].at
        assert request.version == len(entries)
        # And the status is the last status entry's; the first response is the first entry that counts
        statuses = [e.status for e in entries if e.type in (EntryType.RECEIVED, EntryType.STATUS_CHANGED)]
        assert request.status is statuses[-1]
        answers = [e.at for e in entries if is_first_response(e)]
        assert request.first_response_at == (answers[0] if answers else None)
        if request.first_response_at is not None:
            assert request.first_response_met == (request.first_response_at <= request.due_at)
        # And a missed first response was flagged by the checker before it came
        flags = [
            e
            for e in entries
            if e.type is EntryType.OVERDUE and (e.detail or {})["deadline"] == "first_response"
        ]
        late = request.first_response_at is None and request.due_at + timedelta(minutes=5) < UNTIL
        if request.first_response_met is False or late:
            assert len(flags) == 1
            assert flags[0].at >= request.due_at
        else:
            assert flags == []


def test_old_requests_are_done_and_recent_ones_still_open(year: Samples) -> None:
    # Given the year / When requests are grouped by age
    old = [r for r, _ in year if UNTIL - r.created_at > timedelta(days=60)]
    recent = [r for r, _ in year if UNTIL - r.created_at < timedelta(days=2)]
    # Then nearly every old request is closed, resolved or rejected (a few long works remain)
    done = sum(r.status not in OPEN_STATUSES for r in old) / len(old)
    assert 0.95 <= done < 1
    # And recent ones are still being worked on, some not yet answered
    assert sum(r.status in OPEN_STATUSES for r in recent) / len(recent) > 0.3
    assert any(r.first_response_at is None for r in recent)
    # And every status a pool holds appears
    assert {Status.ROUTED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED, Status.REJECTED} <= {
        r.status for r, _ in year
    }


def test_first_responses_are_mostly_in_time_with_a_realistic_late_share(year: Samples) -> None:
    # Given the requests whose deadline has passed
    due = [r for r, _ in year if r.due_at < UNTIL]
    # When we count those answered within it / Then most are, and some are late
    met = sum(bool(r.first_response_met) for r in due) / len(due)
    assert 0.8 <= met <= 0.92
    # And late answers come hours to days late, not months
    late = [
        r.first_response_at - r.due_at for r in due if r.first_response_met is False and r.first_response_at
    ]
    assert max(late) < timedelta(days=20)
    assert sorted(late)[len(late) // 2] < timedelta(days=2)


def test_a_few_requests_went_through_triage_and_were_routed_by_hand(year: Samples) -> None:
    triaged = [(r, entries) for r, entries in year if any(e.status is Status.TRIAGE for e in entries)]
    # Then some did, and a supervisor routed on each of them but the last day's
    assert 0.005 < len(triaged) / len(year) < 0.05
    settled = [entries for r, entries in triaged if UNTIL - r.created_at > timedelta(days=1)]
    assert all(any(e.status is Status.ROUTED and e.actor == "staff" for e in entries) for entries in settled)


# --- as the store holds it --------------------------------------------------------------------------


def test_items_are_the_stores_own_and_read_back_as_the_same_requests(year: Samples) -> None:
    # Given the year's items, serialized the fast way
    samples = year[:1_500]
    items = list(items_of(samples))
    wired = [wire(item) for item in items]
    # Then the fast serialization is exactly the store's
    assert wired == [serialize(item) for item in items]
    # And every item reads back with the repository's own readers
    requests = [request_from_item(deserialize(w)) for w in wired if w[SK]["S"] == REQUEST_SK]
    entries = [entry_from_item(deserialize(w)) for w in wired if w[SK]["S"] != REQUEST_SK]
    assert requests == [r for r, _ in samples]
    assert entries == [e for _, timeline in samples for e in timeline]


def test_the_same_seed_gives_the_same_year_and_another_seed_another() -> None:
    # Given two draws with one seed and one with another
    first = list(sample_requests(PROFILE, SHIPPED, 300, until=UNTIL, seed=7))
    again = list(sample_requests(PROFILE, SHIPPED, 300, until=UNTIL, seed=7))
    other = list(sample_requests(PROFILE, SHIPPED, 300, until=UNTIL, seed=8))
    # Then the same seed gives the same requests and timelines; another seed gives others
    assert first == again
    assert {r.code for r, _ in first}.isdisjoint({r.code for r, _ in other})


# --- other profiles ---------------------------------------------------------------------------------


def test_a_small_profile_uses_its_own_weights() -> None:
    # Given the small example profile / When a year of it is drawn
    ornek = profiles.load("ornek")
    catalogue = ornek.catalogue()
    year = list(sample_requests(ornek, catalogue, 3_000, days=365, until=UNTIL))
    # Then only its channels, categories and neighbourhoods appear, in its own proportions
    assert ornek.sample is not None
    assert_shares(year, "channel", ornek.sample.channels)
    assert_shares(year, "neighbourhood", Shape.of(ornek, catalogue).neighbourhoods)
    assert_shares(year, "category", ornek.sample.categories)
    categories = Counter(r.category for r, _ in year)
    assert set(categories) == set(ornek.sample.categories)
    assert categories.most_common(1)[0][0] == "garbage"
    departments = {r.department for r, _ in year} - {None}
    assert departments == {d.code for d in ornek.departments}


def test_a_profile_without_a_sample_shape_gets_even_weights() -> None:
    # Given a profile that says nothing about its year
    bare = profiles.load("ornek").model_copy(update={"sample": None})
    catalogue = bare.catalogue()
    # When requests are drawn / Then every channel, category and neighbourhood gets an even share
    drawn = list(sample_requests(bare, catalogue, 3_500, days=365, until=UNTIL))
    assert_shares(drawn, "channel", {str(c): 1.0 for c in Channel})
    assert_shares(drawn, "neighbourhood", {n.code: 1.0 for n in catalogue.neighbourhoods})
    assert_shares(drawn, "category", {c.code: 1.0 for c in catalogue.categories})


def _with_sample(profile: Profile, **changes: object) -> Profile:
    assert profile.sample is not None
    return profile.model_copy(update={"sample": profile.sample.model_copy(update=changes)})
