"""The citizen-facing API's contracts (web page, public clients) and their mapping from the domain.

Nothing here carries personal data: the public view is built from the request and its public
timeline only, and the contact item is never read on this path.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from civicdesk.catalogue.model import Catalogue, Localized
from civicdesk.core.clock import local
from civicdesk.requests import codes
from civicdesk.requests.models import (
    Channel,
    Contact,
    EntryType,
    Kind,
    Language,
    Location,
    ServiceRequest,
    Status,
    TimelineEntry,
    check_location,
)
from civicdesk.requests.texts import ENTRY_TITLES, STATUS_NAMES, accepted_message

_PHONE_NOISE = re.compile(r"[\s\-().]")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def _phone(value: str) -> str:
    """Turkish numbers as people write them (0532 123 45 67, 532..., +90...) -> E.164."""
    digits = _PHONE_NOISE.sub("", value)
    if re.fullmatch(r"0\d{10}", digits):
        digits = "+90" + digits[1:]
    elif re.fullmatch(r"5\d{9}", digits):
        digits = "+90" + digits
    elif digits.startswith("00"):
        digits = "+" + digits[2:]
    if not re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        raise ValueError("not a phone number (e.g. 0532 123 45 67 or +90 532 123 45 67)")
    return digits


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("not an e-mail address")
    return value.lower()


class ContactIn(BaseModel):
    """Optional: lets the municipality call or write back. Never shown publicly."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, max_length=120)
    phone: Annotated[str, AfterValidator(_phone)] | None = Field(default=None, max_length=32)
    email: Annotated[str, AfterValidator(_email)] | None = Field(default=None, max_length=254)

    def to_domain(self) -> Contact:
        return Contact(name=self.name or None, phone=self.phone, email=self.email)


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lat: float | None = Field(default=None, ge=-90, le=90, examples=[41.0082])
    lon: float | None = Field(default=None, ge=-180, le=180, examples=[28.9784])
    address: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _point_is_whole(self) -> LocationIn:
        check_location(self.lat, self.lon, self.address)
        return self

    def to_domain(self) -> Location:
        return Location(lat=self.lat, lon=self.lon, address=self.address or None)


class NewRequestIn(BaseModel):
    """A citizen's request as the web page sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: str = Field(
        min_length=10, max_length=4000, description="what and where, in the citizen's words"
    )
    category: str | None = Field(default=None, max_length=64, description="a code from `GET /catalog`")
    kind: Kind = Kind.REQUEST
    neighbourhood: str | None = Field(default=None, max_length=64, description="a code from `GET /catalog`")
    location: LocationIn | None = None
    contact: ContactIn | None = None
    language: Language = Language.TR


class RequestAccepted(BaseModel):
    code: str = Field(description="tracking code, e.g. `7KP-M4Y-P2T`", examples=["7KP-M4Y-P2T"])
    status: Status
    received_at: datetime
    due_at: datetime = Field(description="first-response deadline (UTC)")
    due_at_local: datetime = Field(description="the same deadline on the municipality's clock")
    message: Localized


class Ref(BaseModel):
    code: str
    name: Localized


class PlaceRef(BaseModel):
    code: str
    name: str


class PublicEntry(BaseModel):
    at: datetime
    type: EntryType
    title: Localized
    status: Status | None = None
    text: str | None = Field(
        default=None, description="the municipality's words: a reply, a resolution, why it was closed"
    )


class PublicRequest(BaseModel):
    """What anyone holding the tracking code may see. No name, phone, e-mail or internal note."""

    code: str
    kind: Kind
    channel: Channel
    status: Status
    status_name: Localized
    category: Ref | None
    department: Ref | None
    neighbourhood: PlaceRef | None
    received_at: datetime
    updated_at: datetime
    due_at: datetime
    first_response_at: datetime | None
    timeline: list[PublicEntry]


class CategoryOut(BaseModel):
    code: str
    name: Localized
    description: Localized
    first_response_hours: float


class CatalogueOut(BaseModel):
    categories: list[CategoryOut]
    kinds: list[Ref]
    neighbourhoods: list[PlaceRef]
    default_first_response_hours: float


def accepted(request: ServiceRequest) -> RequestAccepted:
    shown = codes.display(request.code)
    hours = (request.due_at - request.created_at).total_seconds() / 3600
    return RequestAccepted(
        code=shown,
        status=request.status,
        received_at=request.created_at,
        due_at=request.due_at,
        due_at_local=local(request.due_at),
        message=accepted_message(shown, hours),
    )


def public_view(request: ServiceRequest, entries: list[TimelineEntry], catalogue: Catalogue) -> PublicRequest:
    category = next((c for c in catalogue.categories if c.code == request.category), None)
    department = catalogue.department(request.department) if request.department else None
    place = next((n for n in catalogue.neighbourhoods if n.code == request.neighbourhood), None)
    return PublicRequest(
        code=codes.display(request.code),
        kind=request.kind,
        channel=request.channel,
        status=request.status,
        status_name=STATUS_NAMES[request.status],
        category=Ref(code=category.code, name=category.name) if category else None,
        department=Ref(code=department.code, name=department.name) if department else None,
        neighbourhood=PlaceRef(code=place.code, name=place.name) if place else None,
        received_at=request.created_at,
        updated_at=request.updated_at,
        due_at=request.due_at,
        first_response_at=request.first_response_at,
        timeline=[
            PublicEntry(
                at=e.at,
                type=e.type,
                title=ENTRY_TITLES.get(e.type, ENTRY_TITLES[EntryType.STATUS_CHANGED]),
                status=e.status,
                text=e.text,
            )
            for e in entries
        ],
    )


def catalogue_view(catalogue: Catalogue) -> CatalogueOut:
    return CatalogueOut(
        categories=[
            CategoryOut(
                code=c.code,
                name=c.name,
                description=c.description,
                first_response_hours=c.first_response_hours,
            )
            for c in catalogue.active_categories()
        ],
        kinds=[Ref(code=k.code, name=k.name) for k in catalogue.kinds],
        neighbourhoods=[PlaceRef(code=n.code, name=n.name) for n in catalogue.neighbourhoods],
        default_first_response_hours=catalogue.default_first_response_hours,
    )
