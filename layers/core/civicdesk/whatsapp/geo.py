"""Which neighbourhood a location pin falls in: point-in-polygon over GeoJSON boundaries.

The boundaries ship as configuration (`data/neighbourhoods.geojson`, WGS84, `[lon, lat]`), one
Feature per catalogue neighbourhood with `properties.code`. The shipped file is illustrative (a grid
around the district centre) until the municipality's real mahalle polygons replace it. Ray casting
is exact enough at this scale (cells of a few hundred metres, no pole or antimeridian nearby).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

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


class Boundaries:
    """The configured neighbourhood areas; `locate` answers the code of the area holding a point."""

    def __init__(self, areas: Sequence[Area]) -> None:
        self.areas = tuple(areas)

    def locate(self, lat: float, lon: float) -> str | None:
        return next((a.code for a in self.areas if a.contains(lat, lon)), None)

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


@cache
def shipped() -> Boundaries:
    text = resources.files("civicdesk").joinpath("data/neighbourhoods.geojson").read_text(encoding="utf-8")
    return Boundaries.from_geojson(json.loads(text))
