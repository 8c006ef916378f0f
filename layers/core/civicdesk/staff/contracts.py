"""The staff API's contracts and their mapping from the domain.

Inputs reuse the citizen route's validated fields (the same description, location and contact
rules); outputs never carry contact data except `ContactOut`, which only the audited route returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from civicdesk.catalogue.model import Localized
from civicdesk.catalogue.model import ResponseTemplate as Template
from civicdesk.core.dynamo import Item
from civicdesk.core.validation import CatalogueCode, CleanText
from civicdesk.profile.model import Institution
from civicdesk.requests import codes
from civicdesk.requests.contracts import ContactIn, NewRequestIn
from civicdesk.requests.intake import NewRequest
from civicdesk.requests.models import (
    OPEN_STATUSES,
    Channel,
    Contact,
    EntryType,
    Kind,
    Location,
    Rejection,
    ServiceRequest,
    Status,
    TimelineEntry,
)
from civicdesk.requests.photos import thumbnail_key
from civicdesk.routing.classifier import Classification
from civicdesk.staff import policy
from civicdesk.staff.duplicates import Likely
from civicdesk.staff.identity import Role, Staff
from civicdesk.staff.workflow import StatusChange

DUE_SOON = timedelta(hours=6)
EXCERPT = 160
StaffChannel = Literal["call_center", "walk_in", "field", "social_media", "email"]
StaffStatus = Literal["in_progress", "resolved", "rejected", "reopened"]


def canonical_code(value: str) -> str:
    """A tracking code as people write it (lower case, dashes, spaces) -> the canonical code."""
    canonical = codes.normalize(value)
    if canonical is None:
        raise ValueError("not a tracking code (9 letters and digits, e.g. 7KP-M4Y-P2T)")
    return canonical


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StaffContactIn(ContactIn):
    notify: bool = Field(default=True, description="false: the caller does not want SMS or e-mail updates")

    def to_domain(self) -> Contact:
        return super().to_domain().model_copy(update={"notify": self.notify})


class StaffNewRequestIn(NewRequestIn):
    """A request filed by staff for a citizen: the citizen route's fields, the channel, and (for a
    phone call) the caller's number, so the caller is told and found again."""

    channel: StaffChannel
    contact: StaffContactIn | None = None

    @model_validator(mode="after")
    def _caller_has_a_phone(self) -> StaffNewRequestIn:
        if self.channel == "call_center" and (self.contact is None or not self.contact.phone):
            raise ValueError("a call-center request needs the caller's phone (contact.phone)")
        return self

    def to_domain(self) -> NewRequest:
        return NewRequest(
            description=self.description,
            channel=Channel(self.channel),
            kind=self.kind,
            category=self.category,
            neighbourhood=self.neighbourhood,
            location=self.location.to_domain() if self.location else None,
            contact=self.contact.to_domain() if self.contact else None,
            language=self.language,
        )


class TextIn(_In):
    text: Annotated[str, CleanText(min_length=2, max_length=4000, multiline=True)]


class StatusIn(_In):
    status: StaffStatus
    text: Annotated[str, CleanText(max_length=4000, multiline=True)] | None = Field(
        default=None, description="what the citizen reads"
    )
    reason: Rejection | None = Field(default=None, description="required with `rejected`")
    duplicate_of: str | None = Field(default=None, max_length=32, description="with reason `duplicate`")
    referred_to: Annotated[str, CleanText(min_length=2, max_length=120)] | None = Field(
        default=None,
        description="with reason `not_ours`: an institution's code from the profile (the request is then "
        "filed there, by Open311 or e-mail), or the name of any other institution (the citizen is told "
        "to turn to it; nothing is sent)",
    )

    @field_validator("duplicate_of")
    @classmethod
    def _code(cls, value: str | None) -> str | None:
        return canonical_code(value) if value else None

    def to_domain(self) -> StatusChange:
        return StatusChange(
            status=Status(self.status),
            text=self.text or None,
            reason=self.reason,
            duplicate_of=self.duplicate_of,
            referred_to=self.referred_to,
        )


class TransferIn(_In):
    department: CatalogueCode
    text: Annotated[str, CleanText(min_length=2, max_length=1000, multiline=True)] = Field(
        description="why (for staff; the citizen sees the move)"
    )


class ClassifyIn(_In):
    category: CatalogueCode
    neighbourhood: CatalogueCode | None = None


class SuggestIn(_In):
    text: Annotated[str, CleanText(min_length=3, max_length=4000, multiline=True)] = Field(
        description="the caller's words as typed so far, or a triage request's description"
    )


class TemplateIn(_In):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")
    title: Localized
    text: Localized
    category: CatalogueCode | None = None
    status: Status | None = None
    active: bool = True

    def to_domain(self) -> Template:
        return Template(**self.model_dump(mode="json"))


# --- answers ---------------------------------------------------------------------------------------------


class InstitutionOut(BaseModel):
    """An institution a `not_ours` rejection may name by `code`, and how the request then goes there."""

    code: str = Field(description="send it as `referred_to`")
    name: Localized
    via: Literal["open311", "email"] = Field(description="filed at its Open311 server, or e-mailed")


class MeOut(BaseModel):
    user_id: str
    username: str
    roles: list[Role]
    departments: list[str]
    actions: list[str] = Field(
        description="what the roles let you do (the policy's actions), so a client offers only those"
    )
    channels: list[Channel] = Field(description="the channels you file on (none: you do not file)")
    institutions: list[InstitutionOut] = Field(
        default_factory=list,
        description="the institutions a `not_ours` rejection refers to by code (any other is free text)",
    )


class Created(BaseModel):
    code: str = Field(description="the tracking code to read out, e.g. `7KP-M4Y-P2T`")
    status: Status
    received_at: datetime
    due_at: datetime
    version: int


class QueueItem(BaseModel):
    code: str
    status: Status
    kind: Kind
    channel: Channel
    category: str | None
    department: str | None
    neighbourhood: str | None
    excerpt: str = Field(description="the start of the description")
    created_at: datetime
    due_at: datetime
    first_response_at: datetime | None
    overdue: bool = Field(description="a deadline was missed and the request is still open")
    due_soon: bool = Field(description="unanswered, and its first-response deadline is less than 6 h away")
    transfer_asked: str | None
    version: int


class QueueOut(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at the end")


class StaffEntry(BaseModel):
    at: datetime
    type: EntryType
    public: bool
    status: Status | None
    previous_status: Status | None
    text: str | None = Field(description="what the citizen reads")
    note: str | None = Field(description="what only staff read")
    actor: str
    detail: dict[str, str]


class Photo(BaseModel):
    key: str
    url: str = Field(description="a link valid for a few minutes")
    thumbnail_url: str | None = Field(
        default=None, description="a small copy (web form photos), a link valid for a few minutes"
    )


class Clocks(BaseModel):
    due_at: datetime
    first_response_at: datetime | None
    first_response_met: bool | None
    resolution_due_at: datetime | None
    overdue_at: datetime | None
    resolution_overdue_at: datetime | None


class Link(BaseModel):
    code: str
    relation: str


class LikelyDuplicate(BaseModel):
    """Another request that looks like the same problem (a hint: merging is rejecting with `duplicate_of`)."""

    code: str
    status: Status
    created_at: datetime
    neighbourhood: str | None
    reason: Literal["nearby", "similar_text"] = Field(
        description="`nearby`: both pinned within the profile's distance; `similar_text`: same "
        "neighbourhood, similar words"
    )
    distance_m: float | None = Field(default=None, description="metres apart (`nearby`)")
    similarity: float | None = Field(
        default=None, description="share of words in common, 0-1 (`similar_text`)"
    )


class StaffRequest(BaseModel):
    code: str
    status: Status
    kind: Kind
    channel: Channel
    category: str | None
    department: str | None
    neighbourhood: str | None
    description: str
    location: Location | None
    language: str
    created_at: datetime
    updated_at: datetime
    has_contact: bool
    photos: list[Photo]
    clocks: Clocks
    rejection: Rejection | None
    duplicate_of: str | None
    referred_to: str | None
    transfer_asked: str | None
    duplicates: list[Link] = Field(description="requests closed as duplicates of this one")
    likely_duplicates: list[LikelyDuplicate] = Field(
        default_factory=list,
        description="open requests of the same category filed in recent days, close by or with similar words",
    )
    timeline: list[StaffEntry]
    version: int


class SuggestionOut(BaseModel):
    category: str = Field(description='the likeliest category code; "other" when nothing matches')
    confidence: float = Field(ge=0, le=1)
    sure: bool = Field(description="confident enough that the router would have routed it alone")
    runner_up: str | None
    neighbourhood: str | None = Field(description="a neighbourhood the text names")
    matched: list[str] = Field(description="the catalogue keywords the classifier saw: why it guessed")


class ContactOut(BaseModel):
    name: str | None
    phone: str | None
    email: str | None
    whatsapp: bool = Field(description="the citizen wrote on WhatsApp (phone is their WhatsApp number)")
    notify: bool


class CallerOut(BaseModel):
    requests: list[QueueItem]


class TemplateOut(BaseModel):
    id: str
    title: Localized
    text: Localized
    category: str | None
    status: str | None
    active: bool
    version: int


class TemplatesOut(BaseModel):
    templates: list[TemplateOut]


def me(staff: Staff, institutions: Sequence[Institution] = ()) -> MeOut:
    return MeOut(
        user_id=staff.user_id,
        username=staff.username,
        roles=sorted(staff.roles),
        departments=sorted(staff.departments),
        actions=[a.value for a in policy.Action if policy.scope(staff, a) is not None],
        channels=sorted(policy.filing_channels(staff)) if policy.scope(staff, policy.Action.FILE) else [],
        institutions=[
            InstitutionOut(code=i.code, name=i.name, via="open311" if i.open311 else "email")
            for i in institutions
        ],
    )


def created(request: ServiceRequest) -> Created:
    return Created(
        code=codes.display(request.code),
        status=request.status,
        received_at=request.created_at,
        due_at=request.due_at,
        version=request.version,
    )


def queue_item(request: ServiceRequest, now: datetime) -> QueueItem:
    unanswered = request.first_response_at is None and request.status in OPEN_STATUSES
    overdue = request.status in OPEN_STATUSES and (
        (unanswered and request.due_at <= now) or request.resolution_overdue_at is not None
    )
    text = " ".join(request.description.split())
    return QueueItem(
        code=codes.display(request.code),
        status=request.status,
        kind=request.kind,
        channel=request.channel,
        category=request.category,
        department=request.department,
        neighbourhood=request.neighbourhood,
        excerpt=text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…",
        created_at=request.created_at,
        due_at=request.due_at,
        first_response_at=request.first_response_at,
        overdue=overdue,
        due_soon=unanswered and now < request.due_at <= now + DUE_SOON,
        transfer_asked=request.transfer_asked,
        version=request.version,
    )


def staff_request(
    request: ServiceRequest,
    entries: list[TimelineEntry],
    links: list[Item],
    photo_url: Any,
    likely: Sequence[Likely] = (),
) -> StaffRequest:
    """The whole request for staff; `photo_url(key)` gives a short-lived link to a photo."""
    return StaffRequest(
        code=codes.display(request.code),
        status=request.status,
        kind=request.kind,
        channel=request.channel,
        category=request.category,
        department=request.department,
        neighbourhood=request.neighbourhood,
        description=request.description,
        location=request.location,
        language=request.language.value,
        created_at=request.created_at,
        updated_at=request.updated_at,
        has_contact=request.has_contact,
        photos=[
            Photo(key=k, url=photo_url(k), thumbnail_url=photo_url(t) if (t := thumbnail_key(k)) else None)
            for k in request.photos
        ],
        clocks=Clocks(
            due_at=request.due_at,
            first_response_at=request.first_response_at,
            first_response_met=request.first_response_met,
            resolution_due_at=request.resolution_due_at,
            overdue_at=request.overdue_at,
            resolution_overdue_at=request.resolution_overdue_at,
        ),
        rejection=request.rejection,
        duplicate_of=codes.display(request.duplicate_of) if request.duplicate_of else None,
        referred_to=request.referred_to,
        transfer_asked=request.transfer_asked,
        duplicates=[Link(code=codes.display(str(i["linked"])), relation=str(i["relation"])) for i in links],
        likely_duplicates=[
            LikelyDuplicate(
                code=codes.display(f.request.code),
                status=f.request.status,
                created_at=f.request.created_at,
                neighbourhood=f.request.neighbourhood,
                reason=f.reason,
                distance_m=f.distance_m,
                similarity=f.similarity,
            )
            for f in likely
        ],
        timeline=[
            StaffEntry(
                at=e.at,
                type=e.type,
                public=e.public,
                status=e.status,
                previous_status=e.previous_status,
                text=e.text,
                note=e.note,
                actor=e.actor,
                detail=e.detail or {},
            )
            for e in entries
        ],
        version=request.version,
    )


def suggestion(found: Classification) -> SuggestionOut:
    return SuggestionOut(
        category=found.category,
        confidence=round(found.confidence, 2),
        sure=found.sure(),
        runner_up=found.runner_up,
        neighbourhood=found.neighbourhood,
        matched=list(found.matched),
    )


def contact(found: Contact | None) -> ContactOut:
    found = found or Contact()
    return ContactOut(
        name=found.name,
        phone=found.phone,
        email=found.email,
        whatsapp=found.whatsapp_id is not None,
        notify=found.notify,
    )


def template(found: Template) -> TemplateOut:
    return TemplateOut(**found.model_dump())
