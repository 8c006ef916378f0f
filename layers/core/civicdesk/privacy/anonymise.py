"""What anonymising a request keeps and what it destroys (KVKK's retention and destruction policy).

Kept: everything the statistics need — category, department, neighbourhood, kind, channel, status,
dates and deadlines, the timeline's types and statuses. Destroyed: the contact item and the citizen
index entry (who asked), the description, the address and every text or note on the timeline (free
text may name people), the photos, and the exact point (rounded to the neighbourhood's centre, or to
about a kilometre where the request has no neighbourhood).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from civicdesk.catalogue.model import Catalogue
from civicdesk.requests.models import Location, ServiceRequest, TimelineEntry

ERASED = "[silindi / erased]"
"""What a destroyed text reads afterwards: staff and the citizen's page see that it was destroyed."""
ROUNDING_DIGITS = 2
"""Two decimals of a degree: about 1.1 km north-south, about 0.9 km east-west at İzmir's latitude."""


class DataKind(StrEnum):
    """The classes of personal data the destruction log names (never the data itself)."""

    CONTACT = "contact"
    CITIZEN_INDEX = "citizen_index"
    FREE_TEXT = "free_text"
    LOCATION = "location"
    PHOTOS = "photos"
    CONVERSATION = "conversation"


class Reason(StrEnum):
    RETENTION = "retention"  # its period ended (the scheduled job)
    ERASURE = "erasure"  # the citizen asked (KVKK article 11)


def anonymised(request: ServiceRequest, catalogue: Catalogue, at: datetime) -> ServiceRequest:
    """The request with its personal data destroyed and its statistics intact."""
    return request.model_copy(
        update={
            "description": ERASED,
            "location": _rounded(request, catalogue),
            "photos": (),
            "has_contact": False,
            "erase_on_close": False,
            "anonymised_at": at,
            "updated_at": at,
        }
    )


def _rounded(request: ServiceRequest, catalogue: Catalogue) -> Location | None:
    """The neighbourhood's centre where it has one, else the point to about a kilometre; no address."""
    point = request.location
    if point is None or point.lat is None or point.lon is None:
        return None
    place = next((n for n in catalogue.neighbourhoods if n.code == request.neighbourhood), None)
    if place is not None and place.lat is not None and place.lon is not None:
        return Location(lat=place.lat, lon=place.lon)
    return Location(lat=round(point.lat, ROUNDING_DIGITS), lon=round(point.lon, ROUNDING_DIGITS))


def destroyed_kinds(request: ServiceRequest, *, contact: bool) -> list[DataKind]:
    """The kinds of personal data anonymising this request destroys (what the log records)."""
    kinds = [DataKind.FREE_TEXT]
    if contact:
        kinds += [DataKind.CONTACT, DataKind.CITIZEN_INDEX]
    if request.location is not None:
        kinds.append(DataKind.LOCATION)
    if request.photos:
        kinds.append(DataKind.PHOTOS)
    return kinds


def holds_text(entry: TimelineEntry) -> bool:
    """An entry with a text or a note not destroyed yet (a second run finds none)."""
    return any(value not in (None, "", ERASED) for value in (entry.text, entry.note))


@dataclass(frozen=True)
class Destruction:
    """One record of the destruction log: what kind of data, of which requests, why, when, by whom.
    It holds no destroyed data itself (codes are not personal data; they identify requests)."""

    at: datetime
    actor: str
    reason: Reason
    kinds: tuple[DataKind, ...]
    codes: tuple[str, ...]
    reference: str | None = None
    note: str | None = None
