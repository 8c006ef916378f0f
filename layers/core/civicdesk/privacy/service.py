"""KVKK in practice: the retention job, erasure and access requests (article 11), and the logs.

The retention job reads only what is due (the sparse `purge` index), anonymises each request in one
guarded transaction that also writes its destruction record, and deletes WhatsApp dialogue states
past their period. Erasure and access requests find a citizen's requests through the keyed hash of
their phone number (web, WhatsApp and phone share it), so the number itself is never a key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from civicdesk import layout
from civicdesk.catalogue.model import Catalogue
from civicdesk.core.clock import Clock, iso, utc_now
from civicdesk.core.dynamo import Item
from civicdesk.core.errors import ConflictingUpdate
from civicdesk.privacy.anonymise import DataKind, Destruction, Reason, anonymised, destroyed_kinds
from civicdesk.privacy.media import MediaEraser
from civicdesk.privacy.repository import Held, PrivacyRepository
from civicdesk.profile.model import Profile
from civicdesk.requests.citizens import citizen_id
from civicdesk.requests.models import OPEN_STATUSES, Contact, EntryType, ServiceRequest, TimelineEntry
from civicdesk.requests.photos import with_thumbnails
from civicdesk.requests.repository import RequestRepository
from civicdesk.staff import policy
from civicdesk.staff.identity import Staff
from civicdesk.staff.policy import Action
from civicdesk.staff.repository import AuditRecord, StaffRepository

JOB = "retention-job"
"""The actor the destruction log names for the scheduled job."""


@dataclass
class Run:
    """What one run of the retention job did, and what it read to do it."""

    anonymised: int = 0
    conversations: int = 0
    items_read: int = 0
    changed_meanwhile: int = 0
    """Requests written between read and anonymisation: still due, taken by the next run."""
    photos: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Erasure:
    anonymised: list[str] = field(default_factory=list)
    kept_until_closed: list[str] = field(default_factory=list)
    """Open requests the citizen agreed to keep until they close (then erased at once)."""
    conversation: bool = False


@dataclass
class Privacy:
    repository: PrivacyRepository
    requests: RequestRepository
    audit: StaffRepository
    media: MediaEraser
    catalogue: Callable[[], Catalogue]
    profile: Profile
    citizen_key: Callable[[], str]
    clock: Clock = utc_now
    page_size: int = 100

    @property
    def _log_kept(self) -> timedelta:
        return timedelta(days=self.profile.kvkk.periods.audit_days)

    # --- the scheduled job ---------------------------------------------------------------------------

    def run(self, limit: int = 5000) -> Run:
        """Anonymise closed requests past their period, requests whose citizen asked for erasure once
        they closed, and dialogue states past theirs: at most `limit` of each (the rest next run)."""
        now, periods, done = self.clock(), self.profile.kvkk.periods, Run()
        for purge, until in (
            (layout.Purge.REQUEST, now - timedelta(days=periods.request_days)),
            (layout.Purge.ERASURE, now),
        ):
            taken = 0
            for page in self.repository.due(purge, until, self.page_size):
                done.items_read += len(page)
                for due in page:
                    held = self.repository.held(due.pk.removeprefix(layout.REQUEST_PREFIX))
                    done.items_read += held.read if held else 0
                    if held is None or held.request.anonymised_at or held.request.status in OPEN_STATUSES:
                        continue  # the index lags a change made meanwhile
                    reason = Reason.ERASURE if purge is layout.Purge.ERASURE else Reason.RETENTION
                    if self._anonymise(held, reason, JOB, done=done):
                        done.anonymised += 1
                    else:
                        done.changed_meanwhile += 1
                taken += len(page)
                if taken >= limit:
                    break
        for page in self.repository.due(layout.Purge.CONVERSATION, now, self.page_size):
            done.items_read += len(page)
            for due in page:
                record = Destruction(now, JOB, Reason.RETENTION, (DataKind.CONVERSATION,), ())
                if self.repository.delete_conversation(due.pk, due.version, record, kept=self._log_kept):
                    done.conversations += 1
        return done

    def _anonymise(
        self, held: Held, reason: Reason, actor: str, *, done: Run | None = None, reference: str | None = None
    ) -> bool:
        request, at = held.request, self.clock()
        if request.photos:
            removed = self.media.destroy(with_thumbnails(request.photos))
            if done is not None:
                done.photos += removed
        kinds = destroyed_kinds(request, contact=held.contact is not None)
        record = Destruction(at, actor, reason, tuple(kinds), (request.code,), reference)
        return self.repository.anonymise(
            held,
            anonymised(request, self.catalogue(), at),
            record,
            citizens=self._citizens(held.contact),
            kept=self._log_kept,
        )

    def _citizens(self, contact: Contact | None) -> set[str]:
        """The citizen-index keys a request may sit under: its phone's and its WhatsApp number's."""
        if contact is None:
            return set()
        numbers = {n for n in (contact.phone, contact.whatsapp_id) if n}
        return {citizen_id(self.citizen_key(), n) for n in numbers}

    # --- article 11: erasure and access -----------------------------------------------------------

    def erase(self, staff: Staff, phone: str, reason: str, reference: str, *, keep_open: bool) -> Erasure:
        """Everything held about the citizen with this phone number, destroyed now; open requests are
        kept until they close only when the citizen agreed (`keep_open`), and that decision is
        recorded on each one's timeline."""
        policy.require(staff, Action.PRIVACY)
        citizen, done = citizen_id(self.citizen_key(), phone), Erasure()
        for code in self.repository.citizen_codes(citizen):
            held = self.repository.held(code)
            if held is None or held.request.anonymised_at is not None:
                continue
            request = held.request
            if keep_open and request.status in OPEN_STATUSES:
                self._keep_until_closed(staff, request, reference)
                done.kept_until_closed.append(code)
            elif self._anonymise(held, Reason.ERASURE, staff.actor, reference=f"{reference}: {reason}"):
                done.anonymised.append(code)
            else:
                raise_changed(code)
        done.conversation = self._erase_conversation(citizen, staff.actor, reference)
        return done

    def _keep_until_closed(self, staff: Staff, request: ServiceRequest, reference: str) -> None:
        at = self.clock()
        entry = TimelineEntry(
            code=request.code,
            at=at,
            type=EntryType.INTERNAL_NOTE,
            public=False,
            note=f"KVKK: silme başvurusu ({reference}); vatandaşın onayıyla kapanana dek saklanır, "
            "kapanınca silinir. / Erasure asked; kept with the citizen's consent until closed.",
            actor=staff.actor,
        )
        after = request.model_copy(update={"erase_on_close": True, "updated_at": at})
        if not self.requests.update(request, after, entry):
            raise_changed(request.code)

    def _erase_conversation(self, citizen: str, actor: str, reference: str) -> bool:
        item = self.repository.conversation(citizen)
        if item is None:
            return False
        draft = (item.get("state") or {}).get("draft") or {}
        self.media.destroy(draft.get("photos") or ())
        kinds = (DataKind.CONVERSATION, DataKind.PHOTOS) if draft.get("photos") else (DataKind.CONVERSATION,)
        record = Destruction(self.clock(), actor, Reason.ERASURE, kinds, (), reference)
        pk = layout.conversation_pk(citizen)
        return self.repository.delete_conversation(pk, None, record, kept=self._log_kept)

    def access_report(self, staff: Staff, phone: str, reason: str, reference: str) -> dict[str, Any]:
        """Everything held about the citizen with this phone number, as one document for staff to send
        (article 11). Audited before it is returned, like every read of personal data."""
        policy.require(staff, Action.PRIVACY)
        citizen = citizen_id(self.citizen_key(), phone)
        codes = self.repository.citizen_codes(citizen)
        at = self.clock()
        self.audit.audit(
            AuditRecord(staff.actor, "access_report", tuple(codes), f"{reference}: {reason}", at)
        )
        requests = [_held_document(h) for h in map(self.repository.held, codes) if h is not None]
        conversation = self.repository.conversation(citizen)
        return {
            "reference": reference,
            "generated_at": iso(at),
            "controller": self.profile.kvkk.controller.model_dump(),
            "retention": self.profile.kvkk.periods.model_dump(),
            "requests": requests,
            "whatsapp_conversation": _conversation_document(conversation),
        }

    # --- the logs --------------------------------------------------------------------------------------

    def destructions(self, staff: Staff, month: str) -> list[Item]:
        policy.require(staff, Action.PRIVACY)
        return self.repository.destructions(month)

    def access_audit(self, staff: Staff, day: str) -> list[Item]:
        policy.require(staff, Action.PRIVACY)
        return self.audit.audit_day(day)


def raise_changed(code: str) -> None:
    """A request written between our read and our write: nothing was destroyed; the call is safe to
    repeat (what was already destroyed stays destroyed)."""
    raise ConflictingUpdate(code, "the request changed while it was being erased; send the erasure again")


def _held_document(held: Held) -> dict[str, Any]:
    request = held.request
    return {
        "code": request.code,
        "channel": request.channel.value,
        "kind": request.kind.value,
        "status": request.status.value,
        "created_at": iso(request.created_at),
        "category": request.category,
        "neighbourhood": request.neighbourhood,
        "description": request.description,
        "location": request.location.model_dump(exclude_none=True) if request.location else None,
        "photos": len(request.photos),
        "contact": held.contact.model_dump(exclude_none=True) if held.contact else None,
        "anonymised_at": iso(request.anonymised_at) if request.anonymised_at else None,
        "timeline": [
            {"at": iso(e.at), "type": e.type.value, "text": e.text}
            for _, e in held.entries
            if e.text or e.type is EntryType.INBOUND_MESSAGE
        ],
    }


def _conversation_document(item: Item | None) -> dict[str, Any] | None:
    if item is None:
        return None
    state = item.get("state") or {}
    draft = state.get("draft") or {}
    return {
        "language": state.get("language"),
        "last_message_at": state.get("last_inbound_at"),
        "draft": {k: v for k, v in draft.items() if v not in (None, False, [], ())},
    }
