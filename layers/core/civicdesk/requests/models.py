"""The request pool's domain models: what a request is, what happened to it, who sent it.

These carry no AWS or HTTP shape: the store maps them to items, the API to its contracts.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Kind(StrEnum):
    REQUEST = "request"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    INFORMATION = "information"
    THANKS = "thanks"


class Channel(StrEnum):
    WEB = "web"
    WHATSAPP = "whatsapp"
    CALL_CENTER = "call_center"
    WALK_IN = "walk_in"
    FIELD = "field"
    SOCIAL_MEDIA = "social_media"
    EMAIL = "email"
    OPEN311 = "open311"  # another system's app or institution, through the Open311 GeoReport v2 API


class Status(StrEnum):
    RECEIVED = "received"
    ROUTED = "routed"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    TRIAGE = "triage"
    CLOSED = "closed"
    REOPENED = "reopened"


OPEN_STATUSES = frozenset(
    {Status.RECEIVED, Status.ROUTED, Status.IN_PROGRESS, Status.TRIAGE, Status.REOPENED}
)
WORK_STATUSES = frozenset({Status.ROUTED, Status.IN_PROGRESS, Status.REOPENED})
"""Open and with a department: what makes up a department's work queue."""


class Rejection(StrEnum):
    """Why a request was closed without action (the citizen is told which)."""

    DUPLICATE = "duplicate"  # the same problem was reported already: see the other code
    NOT_OURS = "not_ours"  # another institution's responsibility: referred there
    INVALID = "invalid"  # not a request we can act on


class Language(StrEnum):
    TR = "tr"
    EN = "en"


class EntryType(StrEnum):
    """What a timeline entry records. Public ones are shown to the citizen."""

    RECEIVED = "received"
    STATUS_CHANGED = "status_changed"
    PUBLIC_REPLY = "public_reply"
    INTERNAL_NOTE = "internal_note"
    INBOUND_MESSAGE = "inbound_message"
    NOTIFICATION_SENT = "notification_sent"
    NOTIFICATION_FAILED = "notification_failed"
    # SLA checker (internal): the first-response deadline is near / a deadline passed
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    # staff: moved to another department (public: the citizen sees where it went) / asked for it
    TRANSFERRED = "transferred"
    TRANSFER_ASKED = "transfer_asked"
    # the citizen's answer to the satisfaction survey (internal: staff and reports read it)
    SURVEY_ANSWERED = "survey_answered"
    # referrals out: filed with (or e-mailed to) another institution, and each update it sent back
    # (public: the citizen follows the other side's answer under our code)
    REFERRAL = "referral"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def check_location(lat: float | None, lon: float | None, address: str | None) -> None:
    """A location is a whole point, an address, or both; shared by the domain and the API contracts."""
    if (lat is None) != (lon is None):
        raise ValueError("lat and lon must be given together")
    if lat is None and not address:
        raise ValueError("give lat and lon, an address, or both")


class Location(_Frozen):
    """Where the problem is: a point, an address, or both."""

    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _point_is_whole(self) -> Location:
        check_location(self.lat, self.lon, self.address)
        return self


class Contact(_Frozen):
    """The citizen's personal data, stored as its own item so that erasure is one delete."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    whatsapp_id: str | None = None
    notify: bool = Field(default=True, description="False: the citizen declined to be told by SMS or e-mail")

    def is_empty(self) -> bool:
        return not any((self.name, self.phone, self.email, self.whatsapp_id))


class ServiceRequest(_Frozen):
    """One citizen request in the pool. `version` guards every change against lost updates."""

    code: str
    kind: Kind
    channel: Channel
    category: str | None
    department: str | None
    neighbourhood: str | None
    description: str
    location: Location | None
    language: Language
    status: Status
    created_at: datetime
    updated_at: datetime
    due_at: datetime = Field(description="first-response deadline")
    resolution_due_at: datetime | None = None
    first_response_at: datetime | None = None
    first_response_met: bool | None = Field(default=None, description="answered by `due_at`")
    has_contact: bool = False
    photos: tuple[str, ...] = Field(default=(), description="object keys of photos in the media bucket")
    overdue_at: datetime | None = Field(
        default=None, description="when the missed first response was flagged"
    )
    resolution_overdue_at: datetime | None = Field(
        default=None, description="when the missed resolution was flagged"
    )
    transfer_asked: str | None = Field(default=None, description="a department a member asked to move it to")
    rejection: Rejection | None = None
    duplicate_of: str | None = Field(default=None, description="the code of the request this repeats")
    referred_to: str | None = Field(default=None, description="the institution it was referred to")
    erase_on_close: bool = Field(
        default=False, description="the citizen asked for erasure and agreed to keep its data until it closes"
    )
    anonymised_at: datetime | None = Field(default=None, description="when its personal data was destroyed")
    version: int = 1


class TimelineEntry(_Frozen):
    """Something that happened to a request. `public` entries make up the citizen's timeline."""

    code: str
    at: datetime
    type: EntryType
    public: bool
    status: Status | None = None
    previous_status: Status | None = None
    text: str | None = Field(default=None, description="what the citizen reads, on a public entry")
    note: str | None = Field(default=None, description="what staff read: never shown to the citizen")
    actor: str = "system"
    detail: dict[str, str] | None = Field(
        default=None, description="PII-free facts the domain event needs (e.g. which deadline passed)"
    )
