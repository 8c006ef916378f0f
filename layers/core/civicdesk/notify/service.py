"""The notifier: one domain event in, at most one message per channel out, recorded on the timeline.

For each event: which stage it is (`plan.stage_of`), whether the citizen hears of it and how
(`plan.channel_for`, from the contact item read now — never from the event), whether it must wait
for the morning (quiet hours), then the send itself, exactly once per (event, channel): a Powertools
idempotent call keyed by the event's timeline entry and the channel, so a redelivered event, a
retried batch or a re-drive never sends twice. A send that fails raises: the queue retries it with
backoff and, after the last attempt, the failure is recorded on the timeline and the message lands
in the dead-letter queue (with an alarm). Phone numbers and addresses never reach a log or a metric.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from civicdesk.catalogue.model import Catalogue
from civicdesk.core.clock import Clock, parse_iso, utc_now
from civicdesk.core.observability import logger
from civicdesk.layout import PK, SURVEY_SK, request_pk
from civicdesk.notify import plan
from civicdesk.notify.plan import Message, Recipient, Via
from civicdesk.notify.repository import NotifyRepository
from civicdesk.notify.senders import EmailSender, SmsSender
from civicdesk.notify.stages import Stage
from civicdesk.profile.model import Profile
from civicdesk.requests.citizens import citizen_id
from civicdesk.requests.models import EntryType, ServiceRequest, Status, TimelineEntry
from civicdesk.requests.repository import RequestRepository
from civicdesk.surveys import invite
from civicdesk.whatsapp.client import CloudApiClient, CloudApiError
from civicdesk.whatsapp.conversation import Conversation
from civicdesk.whatsapp.identity import message_ref
from civicdesk.whatsapp.messages import ButtonsMessage, Row, TextMessage
from civicdesk.whatsapp.repository import ConversationRepository, OutboundRepository

ACTOR = "system:notifier"
IDEMPOTENCY_WINDOW = timedelta(days=14)
"""Longer than SQS keeps a message and than a re-drive's window: a repeat within it never sends."""
POINTER_TTL = timedelta(days=30)


class Outcome(StrEnum):
    SENT = "sent"
    HELD = "held"  # quiet hours: goes out at their end
    NOT_FOR_CITIZEN = "not_for_citizen"  # a stage the citizen is not told about
    NO_CHANNEL = "no_channel"  # no contact left, or declined
    GONE = "gone"  # the request (or its entry) is no longer in the pool


class Notice(BaseModel):
    """A domain event as the notifier needs it (the bus's `detail`, PII-free)."""

    model_config = ConfigDict(frozen=True)

    detail_type: str
    event_id: str | None = None
    code: str
    entry_type: EntryType
    at: str
    status: Status | None = None
    facts: dict[str, str] = {}

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Notice:
        detail = event["detail"]
        return cls(
            detail_type=event["detail-type"],
            event_id=detail.get("event_id"),
            code=detail["code"],
            entry_type=detail["entry_type"],
            at=detail["at"],
            status=detail.get("status"),
            facts=detail.get("facts") or {},
        )

    @property
    def key(self) -> str:
        """Stable across redeliveries and re-drives: the timeline entry it was made from (its key, the
        event's `event_id`; events published before ids existed name it by code, time and type)."""
        return self.event_id or f"{self.code}#{self.at}#{self.entry_type.value}"


@dataclass(frozen=True)
class WhatsAppReach:
    """What sending on WhatsApp needs from the citizen's conversation: the window and the number."""

    last_inbound_at: datetime | None
    phone_number_id: str | None


@dataclass
class Notifier:
    requests: RequestRepository
    outbound: OutboundRepository
    conversations: ConversationRepository
    profile: Profile
    catalogue: Callable[[], Catalogue]
    email: EmailSender
    sms: SmsSender
    whatsapp: CloudApiClient
    persistence: BasePersistenceLayer
    citizen_key: Callable[[], str]
    public_url: str
    whatsapp_phone_number_id: str = ""
    """The business number to write from when a citizen's conversation has expired."""
    quiet_hours: bool = True
    surveys: bool = True
    """Invite the citizen to the satisfaction survey with the resolution (the profile's words)."""
    clock: Clock = utc_now
    counters: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.held = NotifyRepository(self.requests.table)
        self.idempotency = IdempotencyConfig(
            event_key_jmespath="key",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=int(IDEMPOTENCY_WINDOW.total_seconds()),
            hash_function="sha256",
        )
        once = idempotent_function(
            data_keyword_argument="envelope", persistence_store=self.persistence, config=self.idempotency
        )
        self._deliver_once = once(self._deliver)
        self._escalate_once = once(self._escalate)

    def register(self, context: Any) -> None:
        """Lets an in-progress record expire with the invocation if the function times out."""
        if callable(getattr(context, "get_remaining_time_in_millis", None)):  # test stand-ins may lack it
            self.idempotency.register_lambda_context(context)

    # --- one event ------------------------------------------------------------------------------------

    def handle(self, notice: Notice, *, final_attempt: bool = False, hold: bool = True) -> Outcome:
        stage = plan.stage_of(notice.detail_type, notice.entry_type, notice.status, notice.facts)
        if stage is None:
            return self._count(Outcome.NOT_FOR_CITIZEN)
        request = self.requests.get(notice.code)
        if request is None:
            return self._count(Outcome.GONE)
        recipient = plan.channel_for(request, self.requests.get_contact(notice.code), stage)
        linked = self.held.linked(notice.code) if stage is Stage.RESOLVED else []
        if recipient is None and not linked:
            return self._count(Outcome.NO_CHANNEL)
        release = plan.release_time(self.clock(), stage, self.profile) if hold and self.quiet_hours else None
        if release is not None:
            self._hold(notice, release)
            return self._count(Outcome.HELD)
        entry_text = self._entry_text(notice) if stage in _NEEDS_TEXT else None
        if stage is Stage.DUPLICATE:
            stage, entry_text = self._merged(request, notice)
        for code in linked:  # citizens whose requests were merged into this one hear of its resolution
            self._tell_linked(notice, code, entry_text, final_attempt)
        if recipient is None:
            return self._count(Outcome.NO_CHANNEL)
        message = plan.compose(
            stage,
            request,
            self.profile,
            self.catalogue(),
            entry_text=entry_text,
            public_url=self.public_url,
            via=recipient.via,
        )
        if stage is Stage.RESOLVED and self.surveys and not self._survey_answered(request.code):
            message = self._invited(message, request, recipient, notice)
        envelope = {"key": f"{notice.key}#{recipient.via.value}", "stage": stage.value}
        try:
            self._deliver_once(envelope=envelope, request=request, recipient=recipient, message=message)
        except (ClientError, BotoCoreError, CloudApiError):
            if final_attempt:  # the queue gives up after this: leave a trace staff can see
                self._record_failure(request, recipient, stage)
            raise
        return self._count(Outcome.SENT)

    def _tell_linked(self, notice: Notice, code: str, entry_text: str | None, final_attempt: bool) -> None:
        """One merged request's citizen, on their own channel, once per (event, request, channel)."""
        duplicate = self.requests.get(code)
        if duplicate is None or duplicate.duplicate_of != notice.code:
            return  # erased, or no longer merged into this one
        stage = Stage.ORIGINAL_RESOLVED
        recipient = plan.channel_for(duplicate, self.requests.get_contact(code), stage)
        if recipient is None:
            self._count(Outcome.NO_CHANNEL)
            return
        message = plan.compose(
            stage,
            duplicate,
            self.profile,
            self.catalogue(),
            entry_text=entry_text,
            public_url=self.public_url,
            via=recipient.via,
        )
        envelope = {"key": f"{notice.key}#{code}#{recipient.via.value}", "stage": stage.value}
        try:
            self._deliver_once(envelope=envelope, request=duplicate, recipient=recipient, message=message)
        except (ClientError, BotoCoreError, CloudApiError):
            if final_attempt:
                self._record_failure(duplicate, recipient, stage)
            raise
        self._count(Outcome.SENT)

    def escalate(self, notice: Notice, publish: Callable[[str, str], str], subject: str, text: str) -> None:
        """A staff alert (supervisors' topic), once per event however often it is delivered."""
        self._escalate_once(
            envelope={"key": f"{notice.key}#supervisors"}, publish=publish, subject=subject, text=text
        )

    def _escalate(
        self, envelope: dict[str, Any], publish: Callable[[str, str], str], subject: str, text: str
    ) -> dict[str, Any]:
        return {"message": message_ref(publish(subject, text))}

    def release_held(self, until: datetime | None = None) -> int:
        """Send what quiet hours held back, now that they are over (a scheduled run)."""
        held = self.held.held_until(until or self.clock())
        for sort_key, notice in held:
            self.handle(Notice.model_validate(notice), hold=False)
            self.held.release(sort_key)
        return len(held)

    # --- parts -----------------------------------------------------------------------------------------

    def _deliver(
        self, envelope: dict[str, Any], request: ServiceRequest, recipient: Recipient, message: Message
    ) -> dict[str, Any]:
        """The send and its timeline entry (run once per envelope key; a failure may be retried)."""
        template = False
        if recipient.via is Via.EMAIL:
            provider_id = self.email.send(recipient.address, message.subject, message.text)
        elif recipient.via is Via.SMS:
            provider_id = self.sms.send(recipient.address, message.text)
        else:
            reach = self._reach(recipient.address)
            shown = (
                ButtonsMessage(message.text, tuple(Row(i, t) for i, t in message.choices))
                if message.choices
                else TextMessage(message.text)
            )
            sent = self.whatsapp.send(
                reach.phone_number_id or self.whatsapp_phone_number_id,
                recipient.address,
                shown,
                last_inbound_at=reach.last_inbound_at,
                language=message.language,
            )
            provider_id, template = sent.message_id, sent.template
        reference = message_ref(provider_id)
        now = self.clock()
        entry = TimelineEntry(
            code=request.code,
            at=now,
            type=EntryType.NOTIFICATION_SENT,
            public=False,
            actor=ACTOR,
            detail={
                "channel": recipient.via.value,
                "stage": message.stage.value,
                "message": reference,
                "delivery": "accepted",
                "template": "yes" if template else "no",
                "language": message.language.value,
            },
        )
        if recipient.via is Via.WHATSAPP:  # statuses from Meta (delivered, read) find the entry by it
            self.outbound.record(entry, reference, int((now + POINTER_TTL).timestamp()))
        else:
            self.requests.add_entry(entry)
        logger.info(
            "notification sent",
            extra={"code": request.code, "channel": recipient.via.value, "stage": message.stage.value,
                   "template": template},
        )  # fmt: skip
        if template:
            self.counters["whatsapp_templates"] = self.counters.get("whatsapp_templates", 0) + 1
        return {"message": reference, "template": template}

    def _reach(self, wa_id: str) -> WhatsAppReach:
        found = self.conversations.get(citizen_id(self.citizen_key(), wa_id))
        if found is None:
            return WhatsAppReach(None, None)
        try:
            conversation = Conversation.model_validate(found[0])
        except ValueError:
            return WhatsAppReach(None, None)
        return WhatsAppReach(conversation.last_inbound_at, conversation.phone_number_id)

    def _survey_answered(self, code: str) -> bool:
        return self.requests.table.get(request_pk(code), SURVEY_SK, projection=PK) is not None

    def _invited(
        self, message: Message, request: ServiceRequest, recipient: Recipient, notice: Notice
    ) -> Message:
        """The resolution with the survey's invitation: its one-time link, and on WhatsApp the buttons."""
        url = invite.link(
            self.public_url, self.citizen_key(), request.code, parse_iso(notice.at), self.profile
        )
        sentence = invite.sentence(self.profile, request.language, url, sms=recipient.via is Via.SMS)
        if recipient.via is Via.SMS:
            sentence = sentence.translate(plan.GSM_TURKISH)
        choices = (
            invite.solved_choices(request.code, request.language) if recipient.via is Via.WHATSAPP else ()
        )
        return replace(message, text=f"{message.text} {sentence}", choices=choices)

    def _merged(self, request: ServiceRequest, notice: Notice) -> tuple[Stage, str | None]:
        """`duplicate`, or `original_resolved` when the original was resolved before this merge."""
        found = self.requests.get_with_timeline(request.duplicate_of) if request.duplicate_of else None
        original, timeline = found if found else (None, [])
        return plan.merged_stage(original, timeline, parse_iso(notice.at))

    def _entry_text(self, notice: Notice) -> str | None:
        """The words of the event's entry (a reply, a resolution), read now from the table."""
        entry = self.held.entry(notice.code, notice.at, notice.entry_type)
        return entry.text if entry else None

    def _hold(self, notice: Notice, release: datetime) -> None:
        self.held.hold(notice.key, notice.model_dump(mode="json"), release)

    def _record_failure(self, request: ServiceRequest, recipient: Recipient, stage: Stage) -> None:
        entry = TimelineEntry(
            code=request.code,
            at=self.clock(),
            type=EntryType.NOTIFICATION_FAILED,
            public=False,
            actor=ACTOR,
            detail={"channel": recipient.via.value, "stage": stage.value},
        )
        self.requests.add_entry(entry)

    def _count(self, outcome: Outcome) -> Outcome:
        self.counters[outcome.value] = self.counters.get(outcome.value, 0) + 1
        return outcome


_NEEDS_TEXT = frozenset(
    {Stage.ANSWERED, Stage.RESOLVED, Stage.REJECTED, Stage.REFERRED, Stage.REFERRAL_CLOSED}
)
