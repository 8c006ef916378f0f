"""What the WhatsApp dialogue keeps per citizen, and one inbound message as the dialogue sees it.

The state is stored as JSON in the pool (under a keyed hash of the number, with a TTL), so these
models are the stored shape: a change that old items cannot be read as starts the citizen afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from civicdesk.requests.models import Language


class Step(StrEnum):
    NEW = "new"
    IDLE = "idle"
    CATEGORY = "category"
    CONFIRM_CATEGORY = "confirm_category"
    DETAILS = "details"
    NEIGHBOURHOOD = "neighbourhood"
    PHOTO = "photo"
    CONFIRM = "confirm"


class Draft(BaseModel):
    """What the citizen has told us so far about the request being put together."""

    model_config = ConfigDict(frozen=True)

    description: str | None = None
    category: str | None = None
    suggested: str | None = None
    neighbourhood: str | None = None
    neighbourhood_skipped: bool = False
    photo_skipped: bool = False
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    photos: tuple[str, ...] = ()
    code: str | None = Field(
        default=None, description="drawn with the summary, so filing twice finds it taken"
    )


class Conversation(BaseModel):
    """The dialogue state kept per citizen (in the pool, under a keyed hash of the number, with a TTL)."""

    model_config = ConfigDict(frozen=True)

    step: Step = Step.NEW
    language: Language = Language.TR
    draft: Draft = Draft()
    last_inbound_at: datetime | None = None
    phone_number_id: str | None = Field(
        default=None,
        description="the business number the citizen last wrote to (notifications reply from it)",
    )

    def with_draft(self, **updates: object) -> Conversation:
        return self.model_copy(update={"draft": self.draft.model_copy(update=updates)})

    def at(self, step: Step) -> Conversation:
        return self.model_copy(update={"step": step})


class Kind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    LOCATION = "location"
    IMAGE = "image"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Inbound:
    """One citizen message, as the dialogue needs it (the service maps Meta's shapes onto it)."""

    kind: Kind
    at: datetime
    text: str = ""  # the text, an image's caption, or a tapped option's title
    choice: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    photo: str | None = None  # the stored photo's object key
    photo_failed: bool = False
