"""A location pin inside a configured neighbourhood boundary names that neighbourhood."""

from __future__ import annotations

import pytest

from civicdesk import catalogue
from civicdesk.whatsapp import geo

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


def test_every_catalogue_neighbourhood_has_a_boundary_and_its_centre_is_inside_it() -> None:
    # Given the shipped boundaries and catalogue
    boundaries = geo.shipped()
    codes = {n.code for n in catalogue.shipped().neighbourhoods}
    # Then there is one area per neighbourhood, and each area's centre locates to it
    assert {a.code for a in boundaries.areas} == codes
    for area in boundaries.areas:
        west, south, east, north = area.bounds
        assert boundaries.locate((south + north) / 2, (west + east) / 2) == area.code


def test_a_point_outside_every_boundary_has_no_neighbourhood() -> None:
    assert geo.shipped().locate(39.92, 32.85) is None  # Ankara


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [(41.02, 28.02, "ring"), (41.05, 28.042, None), (41.046, 28.052, "island"), (41.2, 28.05, None)],
)
def test_holes_and_multipolygons_are_honoured(lat: float, lon: float, expected: str | None) -> None:
    # Given a square with a hole, and a triangle in the hole as a MultiPolygon
    boundaries = geo.Boundaries.from_geojson(SQUARE_WITH_HOLE)
    # When a pin is located / Then the hole is not the ring's, and the island is its own
    assert boundaries.locate(lat, lon) == expected
