"""Which neighbourhood a location pin is in — said as honestly as the data allows.

With real mahalle polygons (a GeoJSON file an operator ships next to the profile, WGS84 `[lon, lat]`,
one Feature per neighbourhood with `properties.code`), a point inside a polygon is *in* it. Without
them, the only facts are approximate centres (a village square, a postcode point): a pin within the
profile's `locate_radius_m` of the nearest known centre is *near* it, and the citizen is asked to
confirm; anything else is not located, and the citizen picks or types the neighbourhood. Ray casting
is exact enough at this scale (no pole or antimeridian nearby).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from civicdesk.profile.model import Profile

Ring = tuple[tuple[float, float], ...]  # (lon, lat) points, closed


@dataclass(frozen=True)
class Area:
    code: str
    polygons: tuple[tuple[Ring, ...], ...]  # each polygon: outer ring, then holes
    bounds: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat

    def contains(self, lat: float, lon: float) -> bool:
        west, south, east, north = self.bounds
        if not (west <= lon <= east and south <= lat <= north):
            return False
        return any(
            _in_ring(lon, lat, outer) and not any(_in_ring(lon, lat, hole) for hole in holes)
            for outer, *holes in self.polygons
        )


def _in_ring(x: float, y: float, ring: Ring) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


@dataclass(frozen=True)
class Located:
    code: str
    exact: bool
    """True: inside a real boundary. False: only near a known centre (the citizen should confirm)."""


@dataclass(frozen=True)
class Centre:
    code: str
    lat: float
    lon: float


EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): metres between two points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


class Boundaries:
    """Real neighbourhood areas first; otherwise the nearest known centre within `radius_m`."""

    def __init__(self, areas: Sequence[Area], centres: Sequence[Centre] = (), radius_m: float = 0) -> None:
        self.areas = tuple(areas)
        self.centres = tuple(centres)
        self.radius_m = radius_m

    def locate(self, lat: float, lon: float) -> Located | None:
        inside = next((a.code for a in self.areas if a.contains(lat, lon)), None)
        if inside is not None:
            return Located(inside, exact=True)
        if self.areas or not self.centres:
            return None  # real boundaries say: in none of ours
        distance, nearest = min((distance_m(lat, lon, c.lat, c.lon), c.code) for c in self.centres)
        return Located(nearest, exact=False) if distance <= self.radius_m else None

    @classmethod
    def from_geojson(cls, document: dict[str, Any]) -> Boundaries:
        areas = []
        for feature in document.get("features", []):
            code = feature["properties"]["code"]
            geometry = feature["geometry"]
            shapes = geometry["coordinates"]
            if geometry["type"] == "Polygon":
                shapes = [shapes]
            elif geometry["type"] != "MultiPolygon":
                raise ValueError(f"{code}: unsupported geometry {geometry['type']}")
            polygons = tuple(
                tuple(tuple((float(p[0]), float(p[1])) for p in ring) for ring in polygon)
                for polygon in shapes
            )
            points = [p for polygon in polygons for p in polygon[0]]
            bounds = (
                min(p[0] for p in points),
                min(p[1] for p in points),
                max(p[0] for p in points),
                max(p[1] for p in points),
            )
            areas.append(Area(code=code, polygons=polygons, bounds=bounds))
        return cls(areas)


def for_profile(profile: Profile) -> Boundaries:
    """The profile's polygons if it ships them, else its known centres and radius."""
    from civicdesk.profile.model import read_file

    centres = [
        Centre(n.code, n.lat, n.lon)
        for n in profile.neighbourhoods
        if n.lat is not None and n.lon is not None
    ]
    areas = (
        Boundaries.from_geojson(json.loads(read_file(profile.boundaries))).areas if profile.boundaries else ()
    )
    return Boundaries(areas, centres, profile.locate_radius_m)
