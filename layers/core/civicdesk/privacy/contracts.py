"""The shapes of the KVKK routes (`/staff/privacy/...`): what supervisors send and read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, Field

from civicdesk.core.dynamo import Item
from civicdesk.core.validation import CleanText, PhoneNumber
from civicdesk.privacy.service import Erasure
from civicdesk.profile.model import Profile

Reason = Annotated[str, CleanText(min_length=3, max_length=300)]
Reference = Annotated[
    str, CleanText(min_length=1, max_length=64), Field(description="the applicant's request reference")
]


class ErasureIn(BaseModel):
    phone: PhoneNumber = Field(description="the citizen's phone number (the one they used on any channel)")
    reason: Reason
    reference: Reference
    keep_open: bool = Field(
        default=False,
        description="the citizen agreed that open requests keep their data until they close (then erased)",
    )


class ErasureOut(BaseModel):
    anonymised: list[str] = Field(description="codes of the requests whose personal data is gone")
    kept_until_closed: list[str]
    conversation: bool = Field(description="a WhatsApp dialogue state was deleted")

    @classmethod
    def of(cls, done: Erasure) -> ErasureOut:
        return cls(
            anonymised=done.anonymised,
            kept_until_closed=done.kept_until_closed,
            conversation=done.conversation,
        )


class AccessIn(BaseModel):
    phone: PhoneNumber
    reason: Reason
    reference: Reference


class HeldEntry(BaseModel):
    at: str
    type: str
    text: str | None


class HeldRequest(BaseModel):
    code: str
    channel: str
    kind: str
    status: str
    created_at: str
    category: str | None
    neighbourhood: str | None
    description: str
    location: dict[str, Any] | None
    photos: int = Field(description="how many photos are kept")
    contact: dict[str, Any] | None
    anonymised_at: str | None
    timeline: list[HeldEntry]


class AccessReport(BaseModel):
    """Everything held about one citizen (KVKK article 11), for staff to send them."""

    reference: str
    generated_at: str
    controller: dict[str, str]
    retention: dict[str, int] = Field(description="the retention periods, in days")
    requests: list[HeldRequest]
    whatsapp_conversation: dict[str, Any] | None


class Destruction(BaseModel):
    at: str
    actor: str
    reason: str
    kinds: list[str]
    codes: list[str]
    reference: str | None = None


class Destructions(BaseModel):
    items: list[Destruction]

    @classmethod
    def of(cls, items: Sequence[Item]) -> Destructions:
        return cls(items=[Destruction.model_validate(i) for i in _plain(items)])


class AuditRecord(BaseModel):
    at: str
    actor: str
    action: str
    codes: list[str]
    reason: str


class AuditLog(BaseModel):
    items: list[AuditRecord]

    @classmethod
    def of(cls, items: Sequence[Item]) -> AuditLog:
        return cls(items=[AuditRecord.model_validate(i) for i in _plain(items)])


def _plain(items: Sequence[Item]) -> list[dict[str, Any]]:
    """Items as records, in time order, with only the fields of the answer (keys and TTL dropped)."""
    return sorted(({k: v for k, v in i.items() if not k.startswith(("pk", "sk"))} for i in items), key=_at)


def _at(item: dict[str, Any]) -> str:
    return str(item.get("at", ""))


class Notice(BaseModel):
    """The information notice (KVKK article 10) an agent reads to a caller before taking details."""

    tr: str
    en: str


def notice(profile: Profile) -> Notice:
    kvkk = profile.kvkk
    return Notice(
        tr=f"Kişisel verileriniz {kvkk.controller.tr} tarafından 6698 sayılı KVKK uyarınca yalnızca "
        f"başvurunuzu sonuçlandırmak ve size dönüş yapmak için işlenir. İletişim bilgileriniz ve "
        f"anlattıklarınız {kvkk.retention.tr} saklanır, sonra silinir. Haklarınız için: {kvkk.contact}.",
        en=f"{kvkk.controller.en} processes your personal data under KVKK (Law 6698) only to handle "
        f"your request and answer you. Your contact details and what you tell us are kept for "
        f"{kvkk.retention.en}, then deleted. For your rights: {kvkk.contact}.",
    )
