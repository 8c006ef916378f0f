"""Answering the survey, reopening, and a follow-up request after the reopen window.

Rules: one answer per request (its item is written only if absent, in the same transaction as its
timeline entry, so a second answer — a reused link, a double tap — changes nothing); "not solved"
within the profile's window (`surveys.reopen_days` after the resolution) reopens the request with
a new first-response deadline, in that same transaction; after the window a new request, linked to
the old one, is offered instead (once per request). The answer becomes a `survey_answered` entry
(internal: the comment is a note staff read) whose event, `SurveyAnswered`, the reports count; a
reopening is a `status_changed` entry to `reopened`, the event the department and reports see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from civicdesk import layout
from civicdesk.catalogue.model import Catalogue
from civicdesk.core.clock import Clock, iso, utc_now
from civicdesk.core.dynamo import Put
from civicdesk.core.errors import ConflictingUpdate, RequestNotFound
from civicdesk.profile.model import Profile
from civicdesk.requests import intake
from civicdesk.requests.models import (
    Channel,
    EntryType,
    Language,
    ServiceRequest,
    Status,
    TimelineEntry,
)
from civicdesk.requests.repository import RequestRepository, entry_item, request_from_item
from civicdesk.staff import workflow
from civicdesk.surveys import texts
from civicdesk.surveys.model import Answer, Result, Situation, Solved, Via

CITIZEN = "citizen"


class AlreadyAnswered(ConflictingUpdate):
    """The request's survey was answered before (the link is single use): 409."""

    def __init__(self, code: str) -> None:
        super().__init__(code, "this survey has already been answered")


@dataclass(frozen=True)
class Read:
    request: ServiceRequest
    situation: Situation


@dataclass
class Surveys:
    requests: RequestRepository
    profile: Profile
    catalogue: Callable[[], Catalogue]
    clock: Clock = utc_now

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.profile.surveys.reopen_days)

    # --- reading -----------------------------------------------------------------------------------

    def read(self, code: str) -> Read:
        """The request, its last resolution and its survey, in one Query (never the contact item)."""
        items = self.requests.table.query_all(
            KeyConditionExpression="pk = :pk AND sk >= :from",
            ExpressionAttributeValues={
                ":pk": {"S": layout.request_pk(code)},
                ":from": {"S": layout.ENTRY_PREFIX},
            },
            ConsistentRead=True,
        )
        by_sk = {i[layout.SK]: i for i in items}
        if layout.REQUEST_SK not in by_sk:
            raise RequestNotFound(code)
        request = request_from_item(by_sk[layout.REQUEST_SK])
        resolutions = [
            i["at"]
            for i in items
            if i[layout.SK].startswith(layout.ENTRY_PREFIX)
            and i.get("type") == EntryType.STATUS_CHANGED.value
            and i.get("status") == Status.RESOLVED.value
        ]
        resolved_at = datetime.fromisoformat(max(resolutions).replace("Z", "+00:00")) if resolutions else None
        survey = by_sk.get(layout.SURVEY_SK)
        follow_up = by_sk.get(layout.FOLLOW_UP_SK)
        situation = Situation(
            code=code,
            resolved=request.status is Status.RESOLVED,
            resolved_at=resolved_at,
            reopen_until=resolved_at + self.window if resolved_at else None,
            answered=Solved(survey["solved"]) if survey else None,
            follow_up=follow_up["linked"] if follow_up else None,
        )
        return Read(request, situation)

    def answered(self, code: str) -> bool:
        return (
            self.requests.table.get(layout.request_pk(code), layout.SURVEY_SK, projection=layout.PK)
            is not None
        )

    # --- answering -----------------------------------------------------------------------------------

    def answer(self, code: str, answer: Answer, via: Via) -> Result:
        """Keep the answer (once); "not solved" within the window reopens the request with it."""
        now = self.clock()
        read = self.read(code)
        request, situation = read.request, read.situation
        if situation.answered is not None:
            raise AlreadyAnswered(code)
        reopen = answer.solved is Solved.NO and situation.may_reopen(now)
        late = answer.solved is Solved.NO and not reopen and situation.resolved_at is not None
        result = Result.REOPENED if reopen else Result.TOO_LATE if late else Result.RECORDED
        entry = _answer_entry(request, answer, via, now, result)
        writes = [Put(_survey_item(request.code, answer, via, now), f"attribute_not_exists({layout.PK})"),
                  Put(entry_item(entry))]  # fmt: skip
        if reopen:
            written = self._reopen(request, now, via, also=writes)
        else:
            written = self.requests.table.transact([self.requests.table.transaction_item(w) for w in writes])
        if not written:
            if self.answered(code):
                raise AlreadyAnswered(code)
            raise ConflictingUpdate(code)
        return result

    def reopen(self, code: str, via: Via) -> tuple[Result, ServiceRequest]:
        """Reopen on the citizen's word (`yeniden aç <kod>`), within the window; the request as it is now."""
        now = self.clock()
        read = self.read(code)
        request, situation = read.request, read.situation
        if not situation.resolved:
            return Result.NOT_RESOLVED, request
        if not situation.may_reopen(now):
            return Result.TOO_LATE, request
        if not self._reopen(request, now, via):
            raise ConflictingUpdate(code)
        current = self.requests.get(code)
        return Result.REOPENED, current or request

    def _reopen(
        self, request: ServiceRequest, now: datetime, via: Via, also: list[Put] | None = None
    ) -> bool:
        entry = TimelineEntry(
            code=request.code,
            at=now,
            type=EntryType.STATUS_CHANGED,
            public=True,
            status=Status.REOPENED,
            previous_status=request.status,
            text=_pick(texts.REOPENED_ENTRY, request.language),
            actor=CITIZEN,
            detail={**_facts(request), "source": CITIZEN, "via": via.value},
        )
        after = request.model_copy(
            update={"status": Status.REOPENED, "updated_at": now, "transfer_asked": None}
        )
        change = workflow.reopened(request, after, entry, self.catalogue())
        return self.requests.update(
            request,
            change.after,
            change.entry,
            set_=change.set_,
            require={"status": Status.RESOLVED.value},
            also=also or (),
        )

    # --- after the window: a new request, linked to the old one ----------------------------------------

    def follow_up(self, code: str, description: str, draw_code: Callable[[], str]) -> ServiceRequest:
        """File the follow-up (once per request): the old one's topic, place, language and contact, and
        a link both ways. The new code is reserved first, so a retry files under it or returns it."""
        now = self.clock()
        read = self.read(code)
        old, situation = read.request, read.situation
        if situation.resolved_at is None or old.status is not Status.RESOLVED:
            raise ConflictingUpdate(code, "only a resolved request can be followed up")
        if situation.may_reopen(now):
            raise ConflictingUpdate(code, "this request can still be reopened; answer “not solved” instead")
        new_code = situation.follow_up
        if new_code is None:
            new_code = draw_code()
            marker = {
                layout.PK: layout.request_pk(code),
                layout.SK: layout.FOLLOW_UP_SK,
                layout.ITEM_TYPE: "link",
                "code": code,
                "linked": new_code,
                "relation": "follow_up",
                "at": iso(now),
            }
            if not self.requests.table.put(marker, f"attribute_not_exists({layout.PK})"):
                return self.follow_up(code, description, draw_code)  # another attempt reserved one first
        existing = self.requests.get(new_code)
        if existing is not None:
            return existing
        text = _pick(texts.FOLLOW_UP_DESCRIPTION, old.language).format(code=code, text=description)
        new = intake.NewRequest(
            description=text,
            channel=Channel.WEB,
            kind=old.kind,
            category=old.category,
            neighbourhood=old.neighbourhood,
            location=old.location,
            contact=self.requests.get_contact(code),
            language=old.language,
        )
        return intake.file_request(
            new,
            catalogue=self.catalogue(),
            requests=self.requests,
            clock=lambda: now,
            draw_code=lambda: new_code,
        )


# --- parts ------------------------------------------------------------------------------------------------


def _pick(text: Any, language: Language) -> str:
    return str(text.en if language is Language.EN else text.tr)


def _facts(request: ServiceRequest) -> dict[str, str]:
    """The PII-free facts reports group by: channel, department, category, neighbourhood."""
    facts = {"channel": request.channel.value}
    for name in ("department", "category", "neighbourhood"):
        value = getattr(request, name)
        if value:
            facts[name] = value
    return facts


def _answer_entry(
    request: ServiceRequest, answer: Answer, via: Via, at: datetime, result: Result
) -> TimelineEntry:
    comment = (answer.comment or "").strip() or None
    return TimelineEntry(
        code=request.code,
        at=at,
        type=EntryType.SURVEY_ANSWERED,
        public=False,
        note=comment,
        actor=CITIZEN,
        detail={
            **_facts(request),
            "solved": answer.solved.value,
            "score": str(answer.score),
            "via": via.value,
            "outcome": result.value,
            "comment": "yes" if comment else "no",
        },
    )


def _survey_item(code: str, answer: Answer, via: Via, at: datetime) -> dict[str, Any]:
    """The answer's marker and figures; no comment (free text stays on the entry, for retention)."""
    return {
        layout.PK: layout.request_pk(code),
        layout.SK: layout.SURVEY_SK,
        layout.ITEM_TYPE: layout.ItemType.SURVEY.value,
        "code": code,
        "solved": answer.solved.value,
        "score": answer.score,
        "via": via.value,
        "at": iso(at),
    }
