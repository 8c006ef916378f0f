"""Meta's webhook payload (`object: whatsapp_business_account`) as pydantic models.

Shape as documented for the Cloud API `messages` field: `entry[].changes[].value` holds `metadata`,
`contacts`, `messages` and `statuses`. Unknown fields are ignored (Meta adds fields without notice:
`identity_key_hash`, `user_id`, `pricing`, ...); what we rely on is validated, so a payload that is
signed but cannot be what it claims fails here, once, and is answered 200 without effect.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

WaId = Annotated[str, StringConstraints(pattern=r"^\d{5,20}$")]
"""A WhatsApp user id: the phone number in digits, with the country code, without `+`."""
MessageId = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Timestamp = Annotated[str, StringConstraints(pattern=r"^\d{1,11}$")]
"""Unix seconds, as a string (11 digits reach the year 5138; datetime stops at 9999)."""
ShortText = Annotated[str, StringConstraints(max_length=4096)]
Label = Annotated[str, StringConstraints(max_length=256)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Metadata(_Model):
    display_phone_number: Label = ""
    phone_number_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class Profile(_Model):
    name: Label | None = None


class ContactInfo(_Model):
    profile: Profile | None = None
    wa_id: WaId


class Text(_Model):
    body: ShortText


class LocationPin(_Model):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    name: Label | None = None
    address: Label | None = None


class Image(_Model):
    id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    caption: ShortText | None = None
    mime_type: Label | None = None
    sha256: Label | None = None


class Reply(_Model):
    """A tapped reply button or list row: our own id comes back with its title."""

    id: Label
    title: Label = ""
    description: Label | None = None


class Interactive(_Model):
    type: Label
    button_reply: Reply | None = None
    list_reply: Reply | None = None


class TemplateButton(_Model):
    """A template's quick-reply button (`type: button`)."""

    payload: Label | None = None
    text: Label | None = None


class Message(_Model):
    from_: WaId = Field(alias="from")
    id: MessageId
    timestamp: Timestamp
    type: Label
    text: Text | None = None
    location: LocationPin | None = None
    image: Image | None = None
    interactive: Interactive | None = None
    button: TemplateButton | None = None

    @property
    def sent_at(self) -> datetime:
        return datetime.fromtimestamp(int(self.timestamp), UTC)


class StatusError(_Model):
    code: int | None = None
    title: Label | None = None


class Status(_Model):
    """A delivery callback for a message we sent: `sent`, `delivered`, `read` or `failed`."""

    id: MessageId
    status: Label
    timestamp: Timestamp
    recipient_id: Label | None = None
    errors: list[StatusError] = Field(default_factory=list, max_length=20)

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(int(self.timestamp), UTC)


class Value(_Model):
    messaging_product: Label = "whatsapp"
    metadata: Metadata
    contacts: list[ContactInfo] = Field(default_factory=list, max_length=100)
    messages: list[Message] = Field(default_factory=list, max_length=100)
    statuses: list[Status] = Field(default_factory=list, max_length=100)

    def profile_name(self, wa_id: str) -> str | None:
        found = next((c for c in self.contacts if c.wa_id == wa_id), None)
        return found.profile.name if found and found.profile else None


class Change(_Model):
    field: Label = "messages"
    value: Value


class Entry(_Model):
    id: Label = ""
    changes: list[Change] = Field(default_factory=list, max_length=100)


class Delivery(_Model):
    """One webhook POST: Meta may batch several messages and statuses into it."""

    object: Label = "whatsapp_business_account"
    entry: list[Entry] = Field(default_factory=list, max_length=100)

    def values(self) -> list[Value]:
        return [c.value for e in self.entry for c in e.changes if c.field == "messages"]


class MediaInfo(_Model):
    """`GET /{media-id}`: where to download it (for five minutes), and its hash."""

    url: Annotated[str, StringConstraints(min_length=1, max_length=4096)]
    mime_type: Label = "application/octet-stream"
    sha256: Label
    file_size: int | None = None
    id: Label | None = None


class SentMessage(_Model):
    id: MessageId


class SendResult(_Model):
    """`POST /{phone-number-id}/messages`: the id of the message sent (the `wamid`)."""

    messages: list[SentMessage] = Field(min_length=1)
