"""The shipped catalogue: complete, consistent, and cached when read from the table."""

from __future__ import annotations

import pytest

from civicdesk.catalogue import model as catalogue
from civicdesk.catalogue.repository import catalogue_from_items, catalogue_items
from civicdesk.core.errors import InvalidInput
from civicdesk.requests.models import Channel, Kind
from tests.support import SHIPPED

REQUIRED_CATEGORIES = {
    "veterinary", "road_sidewalk", "debris", "garbage", "parks_trees", "zabita", "pest_control",
    "lighting", "water_sewage", "social_support", "zoning_building", "other",
}  # fmt: skip


@pytest.fixture(scope="module")
def shipped() -> catalogue.Catalogue:
    return SHIPPED


def test_every_required_category_is_shipped_with_both_languages(shipped: catalogue.Catalogue) -> None:
    assert {c.code for c in shipped.categories} >= REQUIRED_CATEGORIES
    for category in shipped.categories:
        assert category.name.tr
        assert category.name.en
        assert category.description.tr
        assert category.description.en


def test_every_category_belongs_to_a_known_department(shipped: catalogue.Catalogue) -> None:
    departments = {d.code for d in shipped.departments}
    assert {c.department for c in shipped.categories} <= departments


def test_categories_other_than_other_have_keywords_for_the_classifier(shipped: catalogue.Catalogue) -> None:
    thin = [c.code for c in shipped.categories if c.code != "other" and len(c.keywords) < 10]
    assert thin == []


def test_kinds_and_channels_match_the_domain_vocabulary(shipped: catalogue.Catalogue) -> None:
    assert {k.code for k in shipped.kinds} == {k.value for k in Kind}
    assert {c.code for c in shipped.channels} == {c.value for c in Channel}


def test_an_injured_animal_is_promised_an_answer_sooner_than_the_default(
    shipped: catalogue.Catalogue,
) -> None:
    assert shipped.category("veterinary").first_response_hours < shipped.default_first_response_hours
    assert shipped.default_first_response_hours == 48


def test_codes_are_unique(shipped: catalogue.Catalogue) -> None:
    for group in (shipped.categories, shipped.departments, shipped.neighbourhoods):
        codes = [g.code for g in group]
        assert len(codes) == len(set(codes))


def test_unknown_or_retired_category_is_invalid_input(shipped: catalogue.Catalogue) -> None:
    with pytest.raises(InvalidInput) as raised:
        shipped.category("not_a_category")
    assert "category" in raised.value.fields

    retired = shipped.model_copy(
        update={"categories": tuple(c.model_copy(update={"active": False}) for c in shipped.categories)}
    )
    with pytest.raises(InvalidInput):
        retired.category("veterinary")


def test_unknown_neighbourhood_is_invalid_input(shipped: catalogue.Catalogue) -> None:
    with pytest.raises(InvalidInput) as raised:
        shipped.neighbourhood("atlantis")
    assert raised.value.fields == {"neighbourhood": "unknown neighbourhood 'atlantis'"}


def test_catalogue_survives_the_round_trip_through_table_items(shipped: catalogue.Catalogue) -> None:
    # Given the items the seed writes (the table returns them in key order)
    items = sorted(catalogue_items(shipped), key=lambda i: i["sk"])
    # When they are read back
    again = catalogue_from_items(items, shipped)
    # Then nothing is lost (neighbourhoods come back sorted by name)
    assert {c.code: c for c in again.categories} == {c.code: c for c in shipped.categories}
    assert set(again.departments) == set(shipped.departments)
    assert {n.code for n in again.neighbourhoods} == {n.code for n in shipped.neighbourhoods}
    assert again.default_first_response_hours == shipped.default_first_response_hours


def test_cached_catalogue_reads_its_source_once_per_ttl(shipped: catalogue.Catalogue) -> None:
    # Given a source that counts its reads and a clock we move by hand
    reads: list[int] = []
    now = [100.0]

    def load() -> catalogue.Catalogue:
        reads.append(1)
        return shipped

    cached = catalogue.CachedCatalogue(load, ttl_seconds=60, monotonic=lambda: now[0])
    # When it is asked many times within the TTL, then once after it
    for _ in range(10):
        cached.get()
    now[0] += 61
    cached.get()
    # Then the source was read twice
    assert len(reads) == 2
