"""Referrals out: a request staff rejected as `not_ours`, handed to the institution named by its code.

Filing is at least once from the domain event and at most once towards the other side: before any
call, one conditional write creates the referral item `REFERRAL#<code>` in state `filing` (with a
lease as long as the consumer may run). A redelivered event finds it and stops; a crash after the
other side said yes but before `filed` was written leaves `filing` behind, and the next attempt,
once the lease has passed, marks it `uncertain` (an alarm; staff check the other side) instead of
filing again. What certainly did not reach the other side (unreachable, 429/502/503/504) goes back
to `retry` and the queue tries again; a refusal (4xx) is `failed`, with its words, and alarms.

What is sent (KVKK): the description with phone numbers and e-mail addresses masked, the category as
their service code, the point and address, and our code as the reference. Never the citizen's name,
phone or e-mail: the citizen keeps our code and hears from us. The follower brings the other side's
updates back as public timeline entries (`referral`), each once, and stops following when closed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from civicdesk import layout
from civicdesk.catalogue.model import Catalogue
from civicdesk.core.clock import Clock, iso, parse_iso, utc_now
from civicdesk.core.dynamo import Table, key, serialize
from civicdesk.core.observability import logger
from civicdesk.open311 import statuses
from civicdesk.open311.client import NOT_PROCESSED, Open311Error, Update
from civicdesk.privacy.redact import redact
from civicdesk.profile.model import Institution, Profile
from civicdesk.requests import codes
from civicdesk.requests.models import EntryType, Language, ServiceRequest, Status, TimelineEntry
from civicdesk.requests.repository import RequestRepository, entry_item

ACTOR = "system:referrals"
FOLLOW_WINDOW = timedelta(days=89)
"""Never ask for more than the standard's 90-day window, however long a referral stays open."""
OVERLAP = timedelta(minutes=1)
"""The next run starts a little before the last update seen: a late-written update is not missed
(the ones seen again are recognised by their id)."""


UNCERTAIN_NOTE = (
    "Yönlendirme gönderilirken sonuç alınamadı; karşı kurumda kontrol edin. / "
    "The referral's outcome is unknown: check with the other institution."
)


class State(StrEnum):
    FILING = "filing"  # claimed: the call to the other side is under way
    RETRY = "retry"  # certainly not filed: the next delivery files it
    FILED = "filed"  # the other side's id is known; followed until closed
    EMAILED = "emailed"  # an institution without Open311: sent by e-mail, nothing to follow
    FAILED = "failed"  # refused by the other side (its words kept): staff act
    UNCERTAIN = "uncertain"  # may or may not have been filed: staff check, it is never sent again
    CLOSED = "closed"  # the other side closed it


class Outcome(StrEnum):
    FILED = "filed"
    EMAILED = "emailed"
    ALREADY = "already"  # a repeated event: done before
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    NOT_REFERRED = "not_referred"  # no such request or institution, or no longer referred


class Filer(Protocol):
    def file(self, form: Mapping[str, str]) -> str: ...


class Reader(Protocol):
    def updates(self, start: datetime, end: datetime) -> list[Update]: ...


class Mailer(Protocol):
    def send(self, to: str, subject: str, text: str) -> str: ...


class Busy(Exception):
    """Another delivery of the same event is filing it right now: this one is retried later."""


# --- what goes to the other side ------------------------------------------------------------------------


def reference(profile: Profile, code: str) -> str:
    return f"{profile.name.tr} / {codes.display(code)}"


def place(request: ServiceRequest, profile: Profile, catalogue: Catalogue) -> str:
    """The address to send: the request's own, else its neighbourhood, else the district."""
    if request.location and request.location.address:
        return request.location.address
    names = {n.code: n.name for n in catalogue.neighbourhoods}
    parts = [names.get(request.neighbourhood or ""), profile.district, profile.province]
    return ", ".join(p for p in parts if p)


def form(
    request: ServiceRequest, institution: Institution, profile: Profile, catalogue: Catalogue
) -> dict[str, str]:
    """`POST requests`' fields: no name, phone or e-mail; the description masked; our code as reference."""
    if institution.open311 is None:
        raise ValueError(f"{institution.code} has no Open311 endpoint")
    fields = {
        "service_code": institution.open311.service_code(request.category),
        "description": f"{redact(request.description)}\n\nReferans / Reference: "
        + reference(profile, request.code),
        "address_string": place(request, profile, catalogue),
    }
    if request.location and request.location.lat is not None and request.location.lon is not None:
        fields["lat"] = f"{request.location.lat:.6f}"
        fields["long"] = f"{request.location.lon:.6f}"
    return fields


def mail(
    request: ServiceRequest, institution: Institution, profile: Profile, catalogue: Catalogue
) -> tuple[str, str]:
    """(subject, text) of a referral by e-mail: the same facts as the Open311 form, nothing more."""
    category = next((c for c in catalogue.categories if c.code == request.category), None)
    lines = [
        f"{institution.name.tr},",
        "",
        f"{profile.name.tr} {profile.contact_center.tr} birimine ulaşan aşağıdaki başvuru kurumunuzun "
        "sorumluluğunda olduğundan size iletilmiştir. Başvuru sahibinin kişisel verileri paylaşılmamıştır; "
        "yanıtınızı başvuru numarasıyla bize iletebilirsiniz.",
        "",
        f"Başvuru no / Reference: {reference(profile, request.code)}",
        f"Konu / Category: {category.name.tr if category else '-'}",
        f"Yer / Place: {place(request, profile, catalogue)}",
    ]
    if request.location and request.location.lat is not None and request.location.lon is not None:
        lines.append(f"Konum / Point: {request.location.lat:.6f}, {request.location.lon:.6f}")
    lines += ["", "Açıklama / Description:", redact(request.description)]
    subject = f"{profile.name.tr}: yönlendirilen başvuru {codes.display(request.code)}"
    return subject, "\n".join(lines)


# --- the referral item and the followed list --------------------------------------------------------------


@dataclass(frozen=True)
class Followed:
    their_id: str
    code: str


class ReferralRepository:
    """`REFERRAL#<code>` (the filing's state) and `REFERRALS#<institution>` (what is still followed)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def claim(self, code: str, institution: str, now: datetime, lease: timedelta) -> dict[str, Any] | None:
        """Take the referral to file it: None if taken; else the item as found (someone else's)."""
        item = {
            layout.PK: layout.referral_pk(code),
            layout.SK: layout.REFERRAL_SK,
            layout.ITEM_TYPE: layout.ItemType.REFERRAL.value,
            "code": code,
            "institution": institution,
            "state": State.FILING.value,
            "claimed_at": iso(now),
            "lease_until": iso(now + lease),
        }
        taken = self.table.put(
            item,
            "attribute_not_exists(#pk) OR #state = :retry",
            names={"#pk": layout.PK, "#state": "state"},
            values={":retry": State.RETRY.value},
        )
        return None if taken else self.get(code)

    def get(self, code: str) -> dict[str, Any] | None:
        return self.table.get(layout.referral_pk(code), layout.REFERRAL_SK, consistent=True)

    def settle(self, code: str, state: State, entry: TimelineEntry | None, **facts: str) -> bool:
        """`filing` -> `state` with its facts, and the timeline entry, in one transaction; the followed
        pointer too when filed. False if it was no longer `filing` (another attempt settled it)."""
        sets = ", ".join(f"#{k} = :{k}" for k in ("state", *facts))
        update = {
            "Update": {
                "TableName": self.table.name,
                "Key": key(layout.referral_pk(code), layout.REFERRAL_SK),
                "UpdateExpression": f"SET {sets}",
                "ConditionExpression": "#state = :filing",
                "ExpressionAttributeNames": {f"#{k}": k for k in ("state", *facts)},
                "ExpressionAttributeValues": serialize(
                    {
                        ":state": state.value,
                        ":filing": State.FILING.value,
                        **{f":{k}": v for k, v in facts.items()},
                    }
                ),
            }
        }
        writes: list[dict[str, Any]] = [update]
        if entry is not None:
            writes.append({"Put": self.table.put_params(entry_item(entry))})
        if state is State.FILED:
            writes.append(
                {
                    "Put": self.table.put_params(
                        {
                            layout.PK: layout.followed_pk(facts["institution"]),
                            layout.SK: layout.followed_sk(facts["their_id"]),
                            layout.ITEM_TYPE: layout.ItemType.REFERRAL.value,
                            "code": code,
                            "filed_at": facts["filed_at"],
                        }
                    )
                }
            )
        return self.table.transact(writes)

    def release(self, code: str) -> None:
        """`filing` -> `retry`: certainly not filed, so the next delivery may file it."""
        self.table.update(
            {
                "Key": key(layout.referral_pk(code), layout.REFERRAL_SK),
                "UpdateExpression": "SET #state = :retry",
                "ConditionExpression": "#state = :filing",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": serialize(
                    {":retry": State.RETRY.value, ":filing": State.FILING.value}
                ),
            }
        )

    def followed(self, institution: str) -> tuple[list[Followed], datetime | None, datetime | None]:
        """(what is followed there, the cursor, the earliest filing) — one Query of its partition."""
        items = self.table.query_all(
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": layout.PK},
            ExpressionAttributeValues=serialize({":pk": layout.followed_pk(institution)}),
        )
        followed = [
            Followed(str(i[layout.SK]).removeprefix(layout.FOLLOWED_ID_PREFIX), i["code"])
            for i in items
            if str(i[layout.SK]).startswith(layout.FOLLOWED_ID_PREFIX)
        ]
        cursor = next((parse_iso(i["at"]) for i in items if i[layout.SK] == layout.FOLLOWED_CURSOR_SK), None)
        earliest = min((parse_iso(i["filed_at"]) for i in items if "filed_at" in i), default=None)
        return followed, cursor, earliest

    def record_update(self, entry: TimelineEntry, update_id: str) -> bool:
        """The other side's update on our timeline, once: its key is made from their update's id."""
        item = entry_item(entry)
        suffix = "u" + hashlib.sha256(update_id.encode()).hexdigest()[:12]
        item[layout.SK] = layout.entry_sk(iso(entry.at), suffix)
        return self.table.put(item, "attribute_not_exists(#pk)", names={"#pk": layout.PK})

    def stop_following(self, institution: str, their_id: str, code: str, at: datetime) -> None:
        """Closed there: off the followed list, and the referral item says so."""
        self.table.transact(
            [
                {
                    "Delete": {
                        "TableName": self.table.name,
                        "Key": key(layout.followed_pk(institution), layout.followed_sk(their_id)),
                    }
                },
                {
                    "Update": {
                        "TableName": self.table.name,
                        "Key": key(layout.referral_pk(code), layout.REFERRAL_SK),
                        "UpdateExpression": "SET #state = :closed, closed_at = :at",
                        "ExpressionAttributeNames": {"#state": "state"},
                        "ExpressionAttributeValues": serialize(
                            {":closed": State.CLOSED.value, ":at": iso(at)}
                        ),
                    }
                },
            ]
        )

    def move_cursor(self, institution: str, at: datetime) -> None:
        self.table.put(
            {
                layout.PK: layout.followed_pk(institution),
                layout.SK: layout.FOLLOWED_CURSOR_SK,
                layout.ITEM_TYPE: layout.ItemType.REFERRAL.value,
                "at": iso(at),
            }
        )


# --- filing -----------------------------------------------------------------------------------------------


def _words(language: Language, tr: str, en: str) -> str:
    return en if language is Language.EN else tr


@dataclass
class Referrals:
    """Files referrals (from the event) and follows them (on a schedule)."""

    requests: RequestRepository
    items: ReferralRepository
    profile: Profile
    catalogue: Callable[[], Catalogue]
    filer: Callable[[Institution], Filer]
    reader: Callable[[Institution], Reader]
    mailer: Mailer
    lease: timedelta = timedelta(minutes=2)
    clock: Clock = utc_now
    counters: dict[str, int] = field(default_factory=dict)

    def refer(self, code: str, institution_code: str) -> Outcome:
        """File `code` with the institution, once; raises what the queue should retry."""
        institution = self.profile.institution(institution_code)
        request = self.requests.get(code)
        if institution is None or request is None or request.referred_to != institution.code:
            return self._count(Outcome.NOT_REFERRED)
        filer = self.filer(institution) if institution.open311 else None  # its key first: nothing claimed
        now = self.clock()
        found = self.items.claim(code, institution.code, now, self.lease)
        if found is not None:
            return self._count(self._taken(code, found, now))
        if filer is None:
            return self._count(self._email(request, institution))
        return self._count(self._file(request, institution, filer))

    def _taken(self, code: str, found: Mapping[str, Any], now: datetime) -> Outcome:
        if found.get("state") != State.FILING.value:
            return Outcome.ALREADY
        if parse_iso(found["lease_until"]) > now:
            raise Busy(code)
        # the last attempt ended without saying how: never file twice, ask a person to check
        entry = self._entry(
            code,
            public=False,
            step="uncertain",
            institution=found["institution"],
            note=UNCERTAIN_NOTE,
        )
        self.items.settle(code, State.UNCERTAIN, entry, institution=found["institution"])
        return Outcome.UNCERTAIN

    def _file(self, request: ServiceRequest, institution: Institution, filer: Filer) -> Outcome:
        try:
            their_id = filer.file(form(request, institution, self.profile, self.catalogue()))
        except Open311Error as error:
            return self._refused(request, institution, error)
        now = self.clock()
        name = institution.name
        entry = self._entry(
            request.code,
            public=True,
            step="filed",
            institution=institution.code,
            their_id=their_id,
            text=_words(
                request.language,
                f"Başvurunuz {name.tr} sistemine kaydedildi (kayıt no: {their_id}). "
                "Gelişmeleri bu koddan izleyebilirsiniz.",
                f"Your request was filed with {name.en} (their number: {their_id}). "
                "Follow it here with this code.",
            ),
        )
        self.items.settle(request.code, State.FILED, entry, institution=institution.code, their_id=their_id,
                          filed_at=iso(now))  # fmt: skip
        logger.info("referral filed", extra={"code": request.code, "institution": institution.code})
        return Outcome.FILED

    def _refused(self, request: ServiceRequest, institution: Institution, error: Open311Error) -> Outcome:
        logger.warning(
            "referral not filed",
            extra={"code": request.code, "institution": institution.code, "error": error.code,
                   "certain": error.certain, "status": error.status},
        )  # fmt: skip
        if error.certain and (error.status is None or error.status in NOT_PROCESSED):
            self.items.release(request.code)  # nothing reached them: the queue tries again
            raise error
        state = State.FAILED if error.certain else State.UNCERTAIN
        entry = self._entry(
            request.code, public=False, step=state.value, institution=institution.code, error=error.code,
            note=f"{institution.name.tr}: {error.description}",
        )  # fmt: skip
        self.items.settle(request.code, state, entry, institution=institution.code, error=error.code,
                          error_description=error.description)  # fmt: skip
        return Outcome.FAILED if state is State.FAILED else Outcome.UNCERTAIN

    def _email(self, request: ServiceRequest, institution: Institution) -> Outcome:
        subject, text = mail(request, institution, self.profile, self.catalogue())
        self.mailer.send(institution.email, subject, text)  # a failure is retried: `filing` stays, leased
        entry = self._entry(
            request.code, public=False, step="emailed", institution=institution.code,
            note=f"{institution.name.tr}: e-posta ile iletildi / sent by e-mail",
        )  # fmt: skip
        self.items.settle(request.code, State.EMAILED, entry, institution=institution.code)
        return Outcome.EMAILED

    # --- following --------------------------------------------------------------------------------------

    def follow(self) -> dict[str, int]:
        """One run: for each institution with Open311 and something followed there, one GET of its
        updates since the last seen; each new one on our timeline; closed ones no longer followed."""
        added: dict[str, int] = {}
        for institution in self.profile.institutions:
            if institution.open311 is None:
                continue
            try:
                added[institution.code] = self._follow(institution)
            except Open311Error as error:  # the others are still followed; the next run tries again
                logger.warning(
                    "referral updates not read",
                    extra={"institution": institution.code, "error": error.code, "status": error.status},
                )
                self._count(Outcome.FAILED)
        return added

    def _follow(self, institution: Institution) -> int:
        followed, cursor, earliest = self.items.followed(institution.code)
        if not followed:
            return 0
        now = self.clock()
        start = max((cursor or earliest or now) - OVERLAP, now - FOLLOW_WINDOW)
        ours = {f.their_id: f.code for f in followed}
        end = now.replace(microsecond=0) + timedelta(seconds=1)  # dates go in whole seconds: round up
        updates = self.reader(institution).updates(start, end)
        added, last = 0, cursor
        for update in updates:
            last = max(last or update.updated_datetime, update.updated_datetime)
            code = ours.get(update.service_request_id)
            if code is None:
                continue
            state, status = statuses.from_extended(update.status)
            if self._record(code, institution, update, state, status):
                added += 1
            if state is statuses.State.CLOSED:
                self.items.stop_following(institution.code, update.service_request_id, code, now)
                ours.pop(update.service_request_id)
        if last is not None:
            self.items.move_cursor(institution.code, last)
        return added

    def _record(
        self, code: str, institution: Institution, update: Update, state: statuses.State, status: Status
    ) -> bool:
        words = update.description.strip() or f"{update.status}"
        entry = self._entry(
            code,
            public=True,
            step="update",
            institution=institution.code,
            state=state.value,
            status=status.value,
            open311_status=update.status.upper(),
            text=f"{institution.name.tr}: {words}",
            at=update.updated_datetime,
        )
        return self.items.record_update(entry, update.update_id)

    def _entry(
        self,
        code: str,
        *,
        public: bool,
        step: str,
        text: str | None = None,
        note: str | None = None,
        at: datetime | None = None,
        **facts: str,
    ) -> TimelineEntry:
        """A `referral` entry: its facts say which step and institution (PII-free, for the event)."""
        return TimelineEntry(
            code=code,
            at=at or self.clock(),
            type=EntryType.REFERRAL,
            public=public,
            text=text,
            note=note,
            actor=ACTOR,
            detail={"step": step, **{k: v for k, v in facts.items() if v}},
        )

    def _count(self, outcome: Outcome) -> Outcome:
        self.counters[outcome.value] = self.counters.get(outcome.value, 0) + 1
        return outcome
