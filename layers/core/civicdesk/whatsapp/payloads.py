"""Meta's webhook payload (`object: whatsapp_business_account`) as pydantic models.

Shape as documented for the Cloud API `messages` field: `entry[].changes[].value` holds `metadata`,
`contacts`, `messages` and `statuses`. Unknown fields are ignored (Meta adds fields without notice:
`identity_key_hash`, `user_id`, `pricing`, ...).

The envelope is read loosely and each element strictly (`Delivery.unpack`): Meta batches several
citizens' messages and statuses into one delivery, so one that cannot be what it claims is refused
on its own (and reported by field path and error type, never by value) while the others are handled.
The size of a delivery is bounded by the webhook's body limit, not by a count of elements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

GRAPH_ID = r"^[0-9]{1,32}$"
"""A Graph API object id (a media id, a phone number id): digits, safe to put into a URL path."""
WaId = Annotated[str, StringConstraints(pattern=r"^\d{5,20}$")]
"""A WhatsApp user id: the phone number in digits, with the country code, without `+`."""
MessageId = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Timestamp = Annotated[str, StringConstraints(pattern=r"^\d{1,11}$")]
"""Unix seconds, as a string (11 digits reach the year 5138; datetime stops at 9999)."""
ShortText = Annotated[str, StringConstraints(max_length=4096)]
Label = Annotated[str, StringConstraints(max_length=256)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


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
    # loose here, checked as a Graph id by the client: a bad one is a photo that failed, not a lost message
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


class Metadata(_Model):
    display_phone_number: Label = ""
    phone_number_id: Annotated[str, StringConstraints(pattern=GRAPH_ID)]


class Value(_Model):
    """One change's value, kept raw: `Delivery.unpack` validates its parts one by one."""

    metadata: Any = None
    contacts: list[Any] = Field(default_factory=list)
    messages: list[Any] = Field(default_factory=list)
    statuses: list[Any] = Field(default_factory=list)


class Change(_Model):
    field: Any = "messages"
    value: Any = None


class Entry(_Model):
    changes: list[Any] = Field(default_factory=list)


@dataclass(frozen=True)
class Addressed:
    """A message with what answering it needs from its delivery: our number, and the sender's name."""

    phone_number_id: str
    name: str | None
    message: Message


@dataclass(frozen=True)
class Refusal:
    """An element that cannot be what it claims: where it was, and what was wrong, never its values."""

    path: str
    problems: tuple[str, ...]

    @classmethod
    def of(cls, path: str, error: ValidationError) -> Refusal:
        found = error.errors(include_url=False, include_context=False, include_input=False)
        problems = (f"{'.'.join(str(part) for part in e['loc']) or '.'}: {e['type']}" for e in found)
        return cls(path, tuple(problems)[:MAX_PROBLEMS])


@dataclass
class Batch:
    """A delivery's elements that could be read, and those refused."""

    messages: list[Addressed] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


class Delivery(_Model):
    """One webhook POST, read loosely: its entries are validated one by one in `unpack`."""

    object: Any = "whatsapp_business_account"
    entry: list[Any] = Field(default_factory=list)

    def unpack(self) -> Batch:
        """Every message and status of the `messages` changes, each validated on its own."""
        batch = Batch()
        for e, raw_entry in enumerate(self.entry):
            entry = _read(Entry, raw_entry, f"entry[{e}]", batch)
            for c, raw_change in enumerate(entry.changes if entry else ()):
                path = f"entry[{e}].changes[{c}]"
                change = _read(Change, raw_change, path, batch)
                if change is not None and change.field == "messages":
                    _unpack_value(change.value, f"{path}.value", batch)
        return batch


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


MAX_PROBLEMS = 10
_M = TypeVar("_M", bound=BaseModel)


def _read(model: type[_M], raw: Any, path: str, batch: Batch) -> _M | None:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        batch.refused.append(Refusal.of(path, error))
        return None


def _unpack_value(raw: Any, path: str, batch: Batch) -> None:
    value = _read(Value, raw, path, batch)
    if value is None:
        return
    for s, raw_status in enumerate(value.statuses):
        status = _read(Status, raw_status, f"{path}.statuses[{s}]", batch)
        if status is not None:
            batch.statuses.append(status)
    names = _names(value.contacts)
    try:
        metadata = Metadata.model_validate(value.metadata)
    except ValidationError as error:  # no number to answer from: each message is refused for it
        problems = tuple(f"metadata.{p}" for p in Refusal.of(path, error).problems)
        batch.refused.extend(Refusal(f"{path}.messages[{m}]", problems) for m in range(len(value.messages)))
        return
    for m, raw_message in enumerate(value.messages):
        message = _read(Message, raw_message, f"{path}.messages[{m}]", batch)
        if message is not None:
            batch.messages.append(Addressed(metadata.phone_number_id, names.get(message.from_), message))


def _names(contacts: Sequence[Any]) -> dict[str, str | None]:
    """The senders' profile names by WhatsApp id. A contact that cannot be read is skipped, not refused:
    it only carries a display name, which nothing depends on."""
    names: dict[str, str | None] = {}
    for raw in contacts:
        try:
            contact = ContactInfo.model_validate(raw)
        except ValidationError:
            continue
        names[contact.wa_id] = contact.profile.name if contact.profile else None
    return names
