"""The staff API's contracts for Open311 API keys (admin only): what an admin sends and reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from civicdesk.core.validation import CleanText
from civicdesk.open311.keys import DEFAULT_RATE_PER_MINUTE, ApiKey, Operation


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client: Annotated[str, CleanText(min_length=2, max_length=80)] = Field(
        description="the client system, e.g. `FixMyStreet İzmir`"
    )
    operations: list[Operation] = Field(min_length=1, max_length=2, description="what the key may do")
    rate_per_minute: int = Field(default=DEFAULT_RATE_PER_MINUTE, ge=1, le=6000)


class KeyOut(BaseModel):
    key_id: str
    client: str
    operations: list[Operation]
    rate_per_minute: int
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    @classmethod
    def of(cls, record: ApiKey) -> KeyOut:
        return cls(**{**record.model_dump(), "operations": sorted(record.operations)})


class IssuedKey(KeyOut):
    api_key: str = Field(description="the key itself: shown this once, never stored; hand it to the client")


class KeysOut(BaseModel):
    keys: list[KeyOut]
