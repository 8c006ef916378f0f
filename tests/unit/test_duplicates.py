"""Likely duplicates without AWS: which requests the staff view calls the same problem (near/far,
recent/old, same/other category, similar/different words in the same neighbourhood)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civicdesk.profile.model import DuplicateRules
from civicdesk.requests.models import Channel, Kind, Language, Location, ServiceRequest, Status
from civicdesk.staff.duplicates import likely, similarity

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
RULES = DuplicateRules(days=7, distance_m=150, similarity=0.35)
# Bornova: about 111 m per 0.001 degree of latitude
HERE = (38.4620, 27.2160)


def request(
    code: str,
    *,
    category: str | None = "lighting",
    at: datetime = NOW,
    point: tuple[float, float] | None = None,
    neighbourhood: str | None = "kazim_dirik",
    text: str = "Sokak lambası yanmıyor, gece çok karanlık",
    status: Status = Status.ROUTED,
    duplicate_of: str | None = None,
) -> ServiceRequest:
    return ServiceRequest(
        code=code,
        kind=Kind.REQUEST,
        channel=Channel.WEB,
        category=category,
        department="technical_works" if category else None,
        neighbourhood=neighbourhood,
        description=text,
        location=Location(lat=point[0], lon=point[1]) if point else None,
        language=Language.TR,
        status=status,
        created_at=at,
        updated_at=at,
        due_at=at + timedelta(hours=48),
        duplicate_of=duplicate_of,
    )


def codes(found: list) -> list[str]:  # type: ignore[type-arg]
    return [f.request.code for f in found]


def test_a_request_pinned_close_by_in_the_same_category_is_a_likely_duplicate_and_a_far_one_is_not() -> None:
    # Given a new lighting request pinned here, and others of its category 100 m and 1 km away
    new = request("NEW", point=HERE, neighbourhood=None)
    near = request("NEAR", point=(HERE[0] + 0.0009, HERE[1]), neighbourhood=None, at=NOW - timedelta(days=2))
    far = request("FAR", point=(HERE[0] + 0.009, HERE[1]), neighbourhood=None, at=NOW - timedelta(days=1))
    # When the hints are made
    found = likely(new, [near, far, new], RULES)
    # Then only the close one is shown, with how far it is
    assert codes(found) == ["NEAR"]
    assert found[0].reason == "nearby"
    assert 90 <= (found[0].distance_m or 0) <= 110


@pytest.mark.parametrize(
    ("other", "shown"),
    [
        (request("OLD", point=HERE, at=NOW - timedelta(days=8)), False),  # outside the recent days
        (request("RECENT", point=HERE, at=NOW - timedelta(days=6)), True),
        (request("OTHER", point=HERE, category="garbage"), False),  # another category
        (request("MERGED", point=HERE, duplicate_of="XYZ"), False),  # already a duplicate itself
    ],
    ids=["old", "recent", "other-category", "already-merged"],
)
def test_only_recent_requests_of_the_same_category_are_hinted(other: ServiceRequest, shown: bool) -> None:
    # Given a new request and another at the same point
    new = request("NEW", point=HERE)
    # When the hints are made / Then the other is shown only when recent, of the same category, not merged
    assert codes(likely(new, [other], RULES)) == (["RECENT"] if shown else [])


def test_without_a_pin_the_same_neighbourhood_and_similar_words_make_a_hint() -> None:
    # Given a new request without a pin, and others in its neighbourhood and elsewhere
    new = request("NEW", text="Sokak lambası yanmıyor, gece çok karanlık oluyor")
    similar = request("SIMILAR", text="Sokaktaki lambalar yanmıyor, karanlık")
    different = request("DIFFERENT", text="Park girişindeki direk eğilmiş, tehlikeli duruyor")
    elsewhere = request("ELSEWHERE", text="Sokak lambası yanmıyor, gece çok karanlık", neighbourhood="erzene")
    # When the hints are made
    found = likely(new, [similar, different, elsewhere], RULES)
    # Then only the similar one in the same neighbourhood is shown, with its share of words
    assert codes(found) == ["SIMILAR"]
    assert found[0].reason == "similar_text"
    assert (found[0].similarity or 0) >= RULES.similarity
    assert similarity("Sokak lambası yanmıyor", "Park girişindeki direk eğilmiş") == 0.0


def test_a_request_without_a_category_gets_no_hints() -> None:
    # Given a request in triage (no category yet) / When hints are made / Then there are none
    assert likely(request("NEW", category=None, point=HERE), [request("A", point=HERE)], RULES) == []
