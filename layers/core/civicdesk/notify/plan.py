"""Which stage an event is, who hears of it, on which channel, and what the message says.

Two tables decide, each tested cell by cell: `stage_of` (domain event -> the stage the citizen is
told about, or none) and `channel_for` (the request's channel and what contact the citizen left ->
WhatsApp, SMS, e-mail or nothing). The words come from the municipality's profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from civicdesk.catalogue.model import Catalogue
from civicdesk.notify.stages import URGENT, Stage
from civicdesk.profile.model import Profile
from civicdesk.requests import codes
from civicdesk.requests.models import (
    Channel,
    Contact,
    EntryType,
    Language,
    Rejection,
    ServiceRequest,
    Status,
    TimelineEntry,
)

RECEIVED = "RequestReceived"


class Via(StrEnum):
    WHATSAPP = "whatsapp"
    SMS = "sms"
    EMAIL = "email"


@dataclass(frozen=True)
class Recipient:
    via: Via
    address: str
    """A WhatsApp id, an E.164 number or an e-mail address: read from the contact item at send time."""


def stage_of(
    detail_type: str, entry_type: EntryType, status: Status | None, facts: dict[str, str]
) -> Stage | None:
    """The stage a domain event tells the citizen about; None for what is not theirs to hear."""
    if entry_type is EntryType.RECEIVED:
        return Stage.RECEIVED
    if entry_type is EntryType.PUBLIC_REPLY:
        return Stage.ANSWERED
    if entry_type is EntryType.TRANSFERRED:
        return Stage.TRANSFERRED
    if entry_type is EntryType.REFERRAL:  # the other institution's last word, not each step of theirs
        return Stage.REFERRAL_CLOSED if facts.get("state") == "closed" else None
    if entry_type is EntryType.OVERDUE:
        return Stage.OVERDUE if facts.get("deadline") == "first_response" else None
    if entry_type is not EntryType.STATUS_CHANGED:
        return None
    if status is Status.REJECTED:
        return {Rejection.DUPLICATE.value: Stage.DUPLICATE, Rejection.NOT_OURS.value: Stage.REFERRED}.get(
            facts.get("reason", ""), Stage.REJECTED
        )
    return {
        Status.ROUTED: Stage.ROUTED,
        Status.IN_PROGRESS: Stage.IN_PROGRESS,
        Status.RESOLVED: Stage.RESOLVED,
        Status.REOPENED: Stage.REOPENED,
    }.get(status or Status.RECEIVED)


def merged_stage(
    original: ServiceRequest | None, timeline: Sequence[TimelineEntry], merged_at: datetime
) -> tuple[Stage, str | None]:
    """What the citizen of a merged request hears: `duplicate`, or, when the original was already
    resolved at the merge (so no `original_resolved` will follow), that stage with its resolution's words."""
    if original is None or original.status is not Status.RESOLVED:
        return Stage.DUPLICATE, None
    resolutions = [
        e
        for e in timeline
        if e.type is EntryType.STATUS_CHANGED
        and e.status is Status.RESOLVED
        and e.public
        and e.at <= merged_at
    ]
    if not resolutions:  # resolved after the merge: its `LINK#` item brings `original_resolved`
        return Stage.DUPLICATE, None
    return Stage.ORIGINAL_RESOLVED, max(resolutions, key=lambda e: e.at).text


def channel_for(request: ServiceRequest, contact: Contact | None, stage: Stage) -> Recipient | None:
    """Where the citizen hears: where they wrote from (WhatsApp), else e-mail, else SMS — never when
    they left no contact or declined, and not `received` on WhatsApp (the dialogue gave the code)."""
    if contact is None or contact.is_empty():
        return None
    if request.channel is Channel.WHATSAPP:
        if stage is Stage.RECEIVED or not contact.whatsapp_id:
            return None
        return Recipient(Via.WHATSAPP, contact.whatsapp_id)
    if not contact.notify:
        return None
    if contact.email:
        return Recipient(Via.EMAIL, contact.email)
    if contact.phone:
        return Recipient(Via.SMS, contact.phone)
    return None


@dataclass(frozen=True)
class Message:
    stage: Stage
    language: Language
    subject: str
    text: str
    choices: tuple[tuple[str, str], ...] = ()
    """(id, title) of reply buttons, where the channel has them (WhatsApp): the survey's first question."""


GSM_TURKISH = str.maketrans({"ı": "i", "İ": "I", "ş": "s", "Ş": "S", "ğ": "g", "Ğ": "G", "ç": "c"})
"""The Turkish letters outside the GSM 7-bit alphabet (ö, ü, Ç, Ö, Ü are in it): one of them would turn
a whole SMS into UCS-2, 67 characters a part instead of 153."""


def compose(
    stage: Stage,
    request: ServiceRequest,
    profile: Profile,
    catalogue: Catalogue,
    *,
    entry_text: str | None,
    public_url: str,
    via: Via | None = None,
) -> Message:
    """The message in the citizen's language, from the profile's text for this stage (its short SMS
    form, in the GSM alphabet, when it goes by SMS)."""
    language = request.language
    pick = (lambda t: t.en) if language is Language.EN else (lambda t: t.tr)
    shown = codes.display(request.code)
    department = catalogue.department(request.department) if request.department else None
    values: dict[str, Any] = {
        "municipality": pick(profile.name),
        "code": shown,
        "link": f"{public_url.rstrip('/')}/?code={shown}",
        "department": pick(department.name) if department else "",
        "due": request.due_at.astimezone(profile.zone).strftime("%d.%m.%Y %H:%M"),
        "text": (entry_text or "").strip(),
        "institution": _institution(request.referred_to, profile, pick),
        "other_code": codes.display(request.duplicate_of) if request.duplicate_of else "",
    }
    texts = profile.notifications.sms if via is Via.SMS else profile.notifications.texts
    text = " ".join(pick(texts[stage]).format(**values).split())
    if via is Via.SMS:
        text = text.translate(GSM_TURKISH)
    subject = f"{pick(profile.name)} · {shown}"
    return Message(stage=stage, language=language, subject=subject, text=text)


def _institution(referred_to: str | None, profile: Profile, pick: Any) -> str:
    """The institution's name in the citizen's language when it is one of the profile's, else as typed."""
    known = profile.institution(referred_to)
    return str(pick(known.name)) if known else (referred_to or "")


def release_time(moment: datetime, stage: Stage, profile: Profile) -> datetime | None:
    """When a message may go out: None for now; the end of the quiet hours for a non-urgent one."""
    if stage in URGENT:
        return None
    hours = profile.notifications.quiet_hours
    start, end = (time.fromisoformat(hours.start), time.fromisoformat(hours.end))
    now = moment.astimezone(profile.zone)
    clock = now.time().replace(tzinfo=None)
    quiet = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not quiet:
        return None
    release = now.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if release <= now:
        release += timedelta(days=1)
    return release
