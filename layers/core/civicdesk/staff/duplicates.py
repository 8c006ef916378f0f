"""Likely duplicates of a request, for the staff view: same category, filed within the profile's recent
days, and either close by (both pinned, within the profile's distance) or in the same neighbourhood
with similar words. A hint only: merging stays a person's decision (rejecting with `duplicate_of`).

Candidates are read from the `queue` index, never a Scan: a request of category C is in C's
department's partitions (`<department>#<status>`, newest first by `<created>#<code>`), so one Query per
status still worth merging into (received, routed, in progress, reopened, resolved) over the recent
days, each bounded by `max_read` items, filtered to the category by DynamoDB.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from civicdesk import layout
from civicdesk.core.clock import iso
from civicdesk.core.dynamo import Table, deserialize, serialize
from civicdesk.core.textnorm import words
from civicdesk.profile.geo import distance_m
from civicdesk.profile.model import DuplicateRules
from civicdesk.requests.models import ServiceRequest, Status
from civicdesk.requests.repository import request_from_item

CANDIDATE_STATUSES = (Status.RECEIVED, Status.ROUTED, Status.IN_PROGRESS, Status.REOPENED, Status.RESOLVED)
"""What a new request may repeat: still open, or resolved (a merge then tells its citizen at once)."""
SHOWN = 5
_STEM = 5
"""Words compared by their first letters: Turkish suffixes (`köpeği`, `köpekler`) leave the stem alike."""


@dataclass(frozen=True)
class Likely:
    request: ServiceRequest
    reason: str  # `nearby` or `similar_text`
    distance_m: float | None = None
    similarity: float | None = None


def stems(text: str) -> frozenset[str]:
    return frozenset(w[:_STEM] for w in words(text) if len(w) >= 3)


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the two texts' word stems: 0 (nothing shared) to 1 (the same words)."""
    x, y = stems(a), stems(b)
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def likely(
    request: ServiceRequest, candidates: Iterable[ServiceRequest], rules: DuplicateRules
) -> list[Likely]:
    """The candidates that look like the same problem, closest first (distance, then words)."""
    if request.category is None:
        return []
    window = timedelta(days=rules.days)
    found: list[Likely] = []
    for other in candidates:
        if (
            other.code == request.code
            or other.category != request.category
            or abs(other.created_at - request.created_at) > window
            or other.duplicate_of is not None
        ):
            continue
        here, there = request.location, other.location
        if _pinned(here) and _pinned(there):
            metres = distance_m(here.lat, here.lon, there.lat, there.lon)  # type: ignore[union-attr,arg-type]
            if metres <= rules.distance_m:
                found.append(Likely(other, "nearby", distance_m=round(metres)))
                continue
        if request.neighbourhood and request.neighbourhood == other.neighbourhood:
            score = similarity(request.description, other.description)
            if score >= rules.similarity:
                found.append(Likely(other, "similar_text", similarity=round(score, 2)))
    found.sort(key=lambda f: (f.distance_m is None, f.distance_m or 0, -(f.similarity or 0), f.request.code))
    return found[:SHOWN]


def _pinned(location: object) -> bool:
    return getattr(location, "lat", None) is not None and getattr(location, "lon", None) is not None


class DuplicateFinder:
    """Reads the candidates of one request from the `queue` index."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.items_read = 0

    def candidates(self, request: ServiceRequest, rules: DuplicateRules) -> list[ServiceRequest]:
        if request.category is None or request.department is None:
            return []
        window = timedelta(days=rules.days)
        low = layout.time_sort_key(iso(request.created_at - window), "")
        high = iso(request.created_at + window) + layout.UNTIL_END
        found: list[ServiceRequest] = []
        for status in CANDIDATE_STATUSES:
            answer = self.table.client.query(
                TableName=self.table.name,
                IndexName=layout.QUEUE.name,
                KeyConditionExpression="#pk = :pk AND #sk BETWEEN :low AND :high",
                FilterExpression="#category = :category",
                ExpressionAttributeNames={
                    "#pk": layout.QUEUE.pk,
                    "#sk": layout.QUEUE.sk,
                    "#category": "category",
                },
                ExpressionAttributeValues=serialize(
                    {
                        ":pk": layout.queue_partition(request.department, status),
                        ":low": low,
                        ":high": high,
                        ":category": request.category,
                    }
                ),
                ScanIndexForward=False,
                Limit=rules.max_read,
            )
            self.items_read += int(answer.get("ScannedCount", 0))
            found.extend(request_from_item(deserialize(i)) for i in answer.get("Items", []))
        return found
