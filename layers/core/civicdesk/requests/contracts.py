"""The citizen-facing API's contracts (web page, public clients) and their mapping from the domain.

Nothing here carries personal data: the public view is built from the request and its public
timeline only, and the contact item is never read on this path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civicdesk.catalogue.model import Catalogue, Localized
from civicdesk.core.clock import local
from civicdesk.core.validation import (
    Area,
    CatalogueCode,
    CleanText,
    Email,
    Latitude,
    Longitude,
    PhoneNumber,
    require_inside,
)
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


class ContactIn(BaseModel):
    """Optional: lets the municipality call or write back. Never shown publicly."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, CleanText(max_length=120)] | None = None
    phone: PhoneNumber | None = Field(default=None, description="stored in E.164 (`+905321234567`)")
    email: Email | None = None

    def to_domain(self) -> Contact:
        return Contact(name=self.name or None, phone=self.phone, email=self.email)


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: Latitude | None = None
    lon: Longitude | None = None
    address: Annotated[str, CleanText(max_length=300)] | None = None

    @model_validator(mode="after")
    def _point_is_whole(self) -> LocationIn:
        check_location(self.lat, self.lon, self.address)
        return self

    def require_inside(self, area: Area, field: str = "location") -> None:
        """A point outside the municipality is refused (422 naming `field`); an address alone passes."""
        if self.lat is not None and self.lon is not None:
            require_inside(area, self.lat, self.lon, field=field)

    def to_domain(self) -> Location:
        return Location(lat=self.lat, lon=self.lon, address=self.address or None)


class NewRequestIn(BaseModel):
    """A citizen's request as the web page sends it."""

    model_config = ConfigDict(extra="forbid")

    description: Annotated[str, CleanText(min_length=10, max_length=4000, multiline=True)] = Field(
        description="what and where, in the citizen's words"
    )
    category: CatalogueCode | None = Field(default=None, description="a code from `GET /catalog`")
    kind: Kind = Kind.REQUEST
    neighbourhood: CatalogueCode | None = Field(default=None, description="a code from `GET /catalog`")
    location: LocationIn | None = None
    contact: ContactIn | None = None
    language: Language = Language.TR
    photos: list[Annotated[str, Field(pattern=r"^uploads/[0-9a-f]{32}$")]] = Field(
        default_factory=list,
        max_length=3,
        description="keys from `POST /requests/photos`, each uploaded before filing (at most 3)",
    )


class PhotoUploadIn(BaseModel):
    """A photo the page is about to upload: what it is and how big."""

    model_config = ConfigDict(extra="forbid")

    content_type: Literal["image/jpeg", "image/png", "image/heic", "image/webp"] = Field(
        description="the file's type; the upload must be sent with exactly this Content-Type"
    )
    size: int = Field(gt=0, le=10 * 1024 * 1024, description="bytes; at most 10 MB")


class PhotoUpload(BaseModel):
    """A presigned POST: send `fields` and then the file as multipart/form-data to `url`."""

    key: str = Field(description="what to list in `photos` when filing")
    url: str
    fields: dict[str, str] = Field(description="form fields to send before the file, as they are")
    expires_in: int = Field(description="seconds the upload may start in")


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
    department: str = Field(description="the department that answers it (a code of `departments`)")


class CatalogueOut(BaseModel):
    categories: list[CategoryOut]
    departments: list[Ref] = Field(description="who answers requests: named on a request's public page too")
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
                department=c.department,
            )
            for c in catalogue.active_categories()
        ],
        departments=[Ref(code=d.code, name=d.name) for d in catalogue.departments],
        kinds=[Ref(code=k.code, name=k.name) for k in catalogue.kinds],
        neighbourhoods=[PlaceRef(code=n.code, name=n.name) for n in catalogue.neighbourhoods],
        default_first_response_hours=catalogue.default_first_response_hours,
    )
