"""Which neighbourhood a location pin is in: real polygons when an operator ships them, otherwise the
nearest known centre within the profile's radius (said as an estimate), otherwise nothing."""

from __future__ import annotations

import pytest

from civicdesk.profile import geo
from civicdesk.profile.geo import Located
from tests.support import PROFILE

SQUARE_WITH_HOLE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": "ring"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[28.0, 41.0], [28.1, 41.0], [28.1, 41.1], [28.0, 41.1], [28.0, 41.0]],
                    [[28.04, 41.04], [28.06, 41.04], [28.06, 41.06], [28.04, 41.06], [28.04, 41.04]],
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"code": "island"},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [[[[28.045, 41.045], [28.055, 41.045], [28.055, 41.055], [28.045, 41.045]]]],
            },
        },
    ],
}


def test_without_polygons_a_pin_near_a_known_centre_is_only_near_it() -> None:
    # Given Bornova's profile, which knows approximate centres for some mahalle and no polygons
    boundaries = geo.for_profile(PROFILE)
    laka = next(n for n in PROFILE.neighbourhoods if n.code == "laka")
    assert boundaries.areas == ()
    # When a pin falls 70 m from Laka's centre / Then it is Laka, as an estimate
    assert laka.lat is not None
    assert boundaries.locate(laka.lat + 0.0005, laka.lon) == Located("laka", exact=False)


def test_without_polygons_a_pin_far_from_every_known_centre_is_not_located() -> None:
    # Given a point inside the district's box but 3 km and more from any known centre
    boundaries = geo.for_profile(PROFILE)
    assert PROFILE.bounds.contains(38.46, 27.16)
    # Then the citizen is asked instead of being told a guess
    assert boundaries.locate(38.46, 27.16) is None
    assert boundaries.locate(39.92, 32.85) is None  # Ankara


def test_the_radius_comes_from_the_profile() -> None:
    # Given the same centres with a radius of 10 km
    wide = geo.Boundaries((), geo.for_profile(PROFILE).centres, radius_m=10_000)
    # Then the far point now reads as near its nearest centre
    assert wide.locate(38.46, 27.16) is not None


def test_distance_is_great_circle_metres() -> None:
    # One degree of latitude is about 111.2 km everywhere
    assert geo.distance_m(38.0, 27.0, 39.0, 27.0) == pytest.approx(111_195, rel=1e-3)


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [(41.02, 28.02, "ring"), (41.05, 28.042, None), (41.046, 28.052, "island"), (41.2, 28.05, None)],
)
def test_real_polygons_are_exact_and_honour_holes_and_multipolygons(
    lat: float, lon: float, expected: str | None
) -> None:
    # Given a square with a hole, and a triangle in the hole as a MultiPolygon, supplied with centres
    areas = geo.Boundaries.from_geojson(SQUARE_WITH_HOLE).areas
    boundaries = geo.Boundaries(areas, [geo.Centre("ring", 41.05, 28.05)], radius_m=50_000)
    # When a pin is located / Then the polygons decide, exactly; the centres are not consulted
    found = boundaries.locate(lat, lon)
    assert (found.code if found else None) == expected
    assert found is None or found.exact
