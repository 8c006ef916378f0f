"""The WhatsApp channel's work: one inbound message at a time, idempotently, and delivery callbacks.

For each message: load the conversation, fetch a photo if one came, let the dialogue decide, file
the request it produced, save the conversation (guarded by its version), then send the replies.
Handling one message is a Powertools idempotent function keyed by Meta's message id (`wamid`):
Meta redelivers for up to seven days, and to every subscribed app, and N deliveries make one effect.
Filing is safe to repeat as well: the request's code was drawn when the summary was shown, so a
second attempt (after a crash between filing and saving) finds its code taken by this citizen.

Sending is best effort after the state is saved: a reply that cannot be sent is counted and logged
(and, for the tracking code, recorded as `notification_failed` so that staff or another channel can
follow up); it never makes Meta redeliver a message whose effect already happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from civicdesk.catalogue.model import Catalogue
from civicdesk.core.clock import Clock, utc_now
from civicdesk.core.dynamo import Table
from civicdesk.core.errors import CodeCollision, InvalidInput
from civicdesk.core.observability import count_filed, logger, metrics
from civicdesk.profile.geo import Boundaries
from civicdesk.profile.model import Profile
from civicdesk.requests import codes, intake
from civicdesk.requests.citizens import e164
from civicdesk.requests.codes import new_code
from civicdesk.requests.models import Contact, EntryType, Language, ServiceRequest, TimelineEntry
from civicdesk.requests.repository import RequestRepository
from civicdesk.requests.texts import STATUS_NAMES, accepted_message
from civicdesk.surveys import invite
from civicdesk.surveys import texts as survey_texts
from civicdesk.surveys.model import Result as SurveyResult
from civicdesk.surveys.model import Via as SurveyVia
from civicdesk.surveys.service import AlreadyAnswered, Surveys
from civicdesk.whatsapp import dialogue, identity
from civicdesk.whatsapp import messages as m
from civicdesk.whatsapp.client import CloudApiClient, CloudApiError
from civicdesk.whatsapp.config import Credentials
from civicdesk.whatsapp.conversation import Conversation, Draft, Inbound, Kind, Step
from civicdesk.whatsapp.media import MediaRejected, MediaStore
from civicdesk.whatsapp.messages import ListMessage, OutboundMessage, TextMessage
from civicdesk.whatsapp.payloads import Delivery, Message, Status
from civicdesk.whatsapp.repository import ConversationRepository, OutboundRepository

IDEMPOTENCY_WINDOW = timedelta(days=7)
"""Meta redelivers an unacknowledged webhook for up to seven days."""
NOTIFICATION_POINTER_TTL = timedelta(days=30)
"""Delivery callbacks come within minutes to days; the pointer to their entry is kept a month."""
DELIVERY_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
MAX_LOGGED_REFUSALS = 20


class ConversationChanged(RuntimeError):
    """Another message of the same citizen saved the conversation first: this one is retried."""


class Envelope(BaseModel):
    """What the idempotent function receives: one message and what it needs from its delivery."""

    model_config = ConfigDict(frozen=True)

    phone_number_id: str
    name: str | None = None
    message: dict[str, Any] = Field(description="the message as Meta sent it (`id` is the idempotency key)")


@dataclass
class Summary:
    """What one delivery did, for the log line and the tests (no personal data)."""

    messages: int = 0
    in_progress: int = 0
    statuses: int = 0
    statuses_matched: int = 0
    filed: int = 0
    refused: int = 0


@dataclass
class WhatsAppService:
    table: Table
    catalogue: Callable[[], Catalogue]
    credentials: Callable[[], Credentials]
    citizen_key: Callable[[], str]
    client: CloudApiClient
    media: MediaStore
    persistence: BasePersistenceLayer
    boundaries: Boundaries
    profile: Profile
    privacy_url: str = ""
    clock: Clock = utc_now
    draw_code: Callable[[], str] = new_code

    def __post_init__(self) -> None:
        self.requests = RequestRepository(self.table)
        self.conversations = ConversationRepository(self.table)
        self.outbound = OutboundRepository(self.table)
        self.surveys = Surveys(self.requests, self.profile, self.catalogue, clock=lambda: self.clock())
        self.idempotency = IdempotencyConfig(
            event_key_jmespath="message.id",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=int(IDEMPOTENCY_WINDOW.total_seconds()),
            hash_function="sha256",
        )
        self._handle_once = idempotent_function(
            data_keyword_argument="envelope", persistence_store=self.persistence, config=self.idempotency
        )(self._handle_message)

    def register(self, context: LambdaContext) -> None:
        """Lets an in-progress record expire with the invocation if the function times out."""
        if callable(getattr(context, "get_remaining_time_in_millis", None)):  # test stand-ins may lack it
            self.idempotency.register_lambda_context(context)

    # --- a delivery --------------------------------------------------------------------------

    def handle(self, delivery: Delivery) -> Summary:
        """Each message and status on its own; one that cannot be read is refused, not the delivery."""
        batch = delivery.unpack()
        summary = Summary(refused=len(batch.refused))
        if batch.refused:
            refused = [{"path": r.path, "problems": list(r.problems)} for r in batch.refused]
            logger.warning("webhook elements refused", extra={"refused": refused[:MAX_LOGGED_REFUSALS]})
            metrics.add_metric(name="WhatsAppRefused", unit=MetricUnit.Count, value=len(batch.refused))
        for addressed in batch.messages:
            summary.messages += 1
            envelope = Envelope(
                phone_number_id=addressed.phone_number_id,
                name=addressed.name,
                message=addressed.message.model_dump(mode="json", by_alias=True, exclude_none=True),
            )
            try:
                result = self._handle_once(envelope=envelope.model_dump())
            except IdempotencyAlreadyInProgressError:
                summary.in_progress += 1  # the same message, being handled right now elsewhere
                continue
            summary.filed += 1 if result.get("filed") else 0
        for status in batch.statuses:
            summary.statuses += 1
            summary.statuses_matched += 1 if self.record_status(status) else 0
        return summary

    # --- one message (idempotent) --------------------------------------------------------------

    def _handle_message(self, envelope: dict[str, Any]) -> dict[str, Any]:
        given = Envelope.model_validate(envelope)
        message = Message.model_validate(given.message)
        citizen = identity.citizen_key(self.citizen_key(), message.from_)
        now = self.clock()
        conversation, version = self._load(citizen, now)
        inbound = self._inbound(message, now)
        context = dialogue.Context(
            catalogue=self.catalogue(),
            boundaries=self.boundaries,
            draw_code=self.draw_code,
            privacy_url=self.privacy_url,
            profile=self.profile,
        )
        outcome = dialogue.step(conversation, inbound, context)
        state = outcome.conversation.model_copy(update={"phone_number_id": given.phone_number_id})
        language = state.language
        replies: list[OutboundMessage] = list(outcome.replies)
        filed: ServiceRequest | None = None
        if outcome.filing is not None:
            filed = self._file(outcome.filing, citizen, message.from_, given.name)
        if outcome.status_of is not None:
            replies.append(self._status_answer(citizen, outcome.status_of, language))
        replies.extend(self._survey_replies(outcome, citizen, language))
        if outcome.status_unreadable is not None:
            text = m.pick(m.STATUS_NOT_FOUND, language).format(code=outcome.status_unreadable)
            replies.append(TextMessage(text))
        self._save(citizen, state, version, now)

        # Once one send fails (after its retries) the rest are not tried: the API is down or the token
        # is wrong, and each further attempt would only hold the webhook longer.
        sent, failing = 0, False
        for reply in replies:
            failing = failing or self._send(given.phone_number_id, message.from_, reply, state) is None
            sent += 0 if failing else 1
        if filed is not None:
            self._send_code(given.phone_number_id, message.from_, filed, state, skip=failing)
        logger.info(
            "whatsapp message handled",
            extra={
                "message_type": message.type,
                "step": state.step.value,
                "replies": sent,
                "code": filed.code if filed else None,
            },
        )
        metrics.add_metric(name="WhatsAppMessages", unit=MetricUnit.Count, value=1)
        return {"replies": sent, "filed": filed is not None, "step": state.step.value}

    def _load(self, citizen: str, now: datetime) -> tuple[Conversation | None, int]:
        found = self.conversations.get(citizen)
        if found is None:
            return None, 0
        state, version = found
        try:
            conversation = Conversation.model_validate(state)
        except ValidationError:
            logger.warning("conversation state unreadable; starting afresh")  # e.g. an older shape
            return None, version
        last = conversation.last_inbound_at
        if last is not None and now - last > self._kept(idle=True):
            return None, version  # expired; the table's TTL has not removed it yet
        return conversation, version

    def _kept(self, *, idle: bool) -> timedelta:
        """How long the state outlives the last message (the profile's retention policy): a finished
        conversation (language, notice shown) for the conversation period, an unfinished draft (free
        text and photos of a request never filed) for the unfiled period."""
        periods = self.profile.kvkk.periods
        return timedelta(days=periods.conversation_days if idle else periods.unfiled_days)

    def _save(self, citizen: str, state: Conversation, version: int, now: datetime) -> None:
        idle = state.step in (Step.IDLE, Step.NEW) and state.draft == Draft()
        expires = now + self._kept(idle=idle)
        saved = self.conversations.put(
            citizen, state.model_dump(mode="json"), version=version + 1, expires_at=int(expires.timestamp())
        )
        if not saved:
            raise ConversationChanged("the conversation changed meanwhile; Meta will redeliver this message")

    def _inbound(self, message: Message, now: datetime) -> Inbound:
        at = message.sent_at
        kind = message.type
        if kind == "text" and message.text is not None:
            return Inbound(Kind.TEXT, at, text=message.text.body)
        if kind == "interactive" and message.interactive is not None:
            reply = message.interactive.button_reply or message.interactive.list_reply
            if reply is not None:
                return Inbound(Kind.CHOICE, at, text=reply.title, choice=reply.id)
        if kind == "button" and message.button is not None:
            if message.button.payload:
                return Inbound(Kind.CHOICE, at, text=message.button.text or "", choice=message.button.payload)
            if message.button.text:
                return Inbound(Kind.TEXT, at, text=message.button.text)
        if kind == "location" and message.location is not None:
            pin = message.location
            address = ", ".join(part for part in (pin.name, pin.address) if part) or None
            return Inbound(Kind.LOCATION, at, lat=pin.latitude, lon=pin.longitude, address=address)
        if kind == "image" and message.image is not None:
            caption = message.image.caption or ""
            try:
                key = self.media.keep(message.image.id, now, message.image.sha256)
            except (CloudApiError, MediaRejected) as error:
                logger.warning("photo not kept", extra={"reason": str(error)})
                metrics.add_metric(name="WhatsAppPhotoFailed", unit=MetricUnit.Count, value=1)
                return Inbound(Kind.IMAGE, at, text=caption, photo_failed=True)
            return Inbound(Kind.IMAGE, at, text=caption, photo=key)
        return Inbound(Kind.UNSUPPORTED, at)

    # --- filing and status ---------------------------------------------------------------------

    def _file(self, filing: dialogue.Filing, citizen: str, wa_id: str, name: str | None) -> ServiceRequest:
        contact = Contact(name=name or None, phone=e164(wa_id), whatsapp_id=wa_id)
        new = filing.request.model_copy(update={"contact": contact, "citizen": citizen})
        catalogue = self.catalogue()
        if new.photos:
            self.media.mark_filed(new.photos)
        try:
            return self._file_as(new, catalogue, filing.code)
        except InvalidInput as error:
            # the catalogue changed under the conversation: file without what it no longer knows
            dropped = {field: None for field in error.fields if field in ("category", "neighbourhood")}
            return self._file_as(new.model_copy(update=dropped), catalogue, filing.code)

    def _file_as(self, new: intake.NewRequest, catalogue: Catalogue, code: str) -> ServiceRequest:
        try:
            request = intake.file_request(
                new, catalogue=catalogue, requests=self.requests, clock=self.clock, draw_code=lambda: code
            )
        except CodeCollision:
            citizen = new.citizen or ""
            existing = self.requests.get(code) if self.requests.owns(citizen, code) else None
            if existing is not None:
                return existing  # filed by an earlier attempt at this very message
            request = intake.file_request(new, catalogue=catalogue, requests=self.requests, clock=self.clock)
        count_filed("whatsapp")
        return request

    def _status_answer(self, citizen: str, code: str, language: Language) -> TextMessage:
        """The status of the citizen's own request; anyone else's code reads exactly like an unknown one."""
        shown = codes.display(code)
        found = (
            intake.public_status(code, requests=self.requests) if self.requests.owns(citizen, code) else None
        )
        if found is None:
            return TextMessage(m.pick(m.STATUS_NOT_FOUND, language).format(code=shown))
        request, entries = found
        text = m.pick(m.STATUS, language).format(
            code=shown,
            status=m.pick(STATUS_NAMES[request.status], language),
            updated=m.when(request.updated_at),
        )
        answers = [e.text for e in entries if e.type is EntryType.PUBLIC_REPLY and e.text]
        if answers:
            text = f"{text}\n{m.clip(answers[-1], 600)}"
        return TextMessage(text)

    # --- the survey and reopening ----------------------------------------------------------------

    def _survey_replies(
        self, outcome: dialogue.Outcome, citizen: str, language: Language
    ) -> list[OutboundMessage]:
        """The score question, the thanks, or what reopening did — for the citizen's own requests only
        (anyone else's code reads exactly like an unknown one)."""
        code = (
            outcome.reopen_of
            or (outcome.survey_solved[0] if outcome.survey_solved else None)
            or (outcome.survey_answer[0] if outcome.survey_answer else None)
        )
        if code is None:
            return []
        shown = codes.display(code)
        if not self.requests.owns(citizen, code):
            return [TextMessage(m.pick(m.STATUS_NOT_FOUND, language).format(code=shown))]
        if outcome.survey_solved is not None:
            solved = outcome.survey_solved[1]
            rows = tuple(m.Row(i, t) for i, t in invite.score_choices(code, solved, language))
            return [
                ListMessage(
                    m.pick(survey_texts.ASK_SCORE, language),
                    m.pick(survey_texts.SCORE_BUTTON, language),
                    rows,
                )
            ]
        if outcome.survey_answer is not None:
            try:
                result = self.surveys.answer(code, outcome.survey_answer[1], SurveyVia.WHATSAPP)
            except AlreadyAnswered:
                return [TextMessage(m.pick(survey_texts.ALREADY_ANSWERED, language))]
            metrics.add_metric(name="SurveysAnswered", unit=MetricUnit.Count, value=1)
            thanks = m.pick(survey_texts.THANKS, language)
            if result is SurveyResult.RECORDED:
                return [TextMessage(thanks)]
            return [TextMessage(f"{thanks} {self._reopen_text(code, result, language)}")]
        result, _ = self.surveys.reopen(code, SurveyVia.WHATSAPP)
        return [TextMessage(self._reopen_text(code, result, language))]

    def _reopen_text(self, code: str, result: SurveyResult, language: Language) -> str:
        shown = codes.display(code)
        if result is SurveyResult.REOPENED:
            metrics.add_metric(name="RequestsReopened", unit=MetricUnit.Count, value=1)
            request = self.requests.get(code)
            due = m.when(request.due_at) if request else "-"
            return m.pick(survey_texts.REOPENED, language).format(code=shown, due=due)
        if result is SurveyResult.NOT_RESOLVED:
            return m.pick(survey_texts.NOT_RESOLVED, language).format(code=shown)
        days = self.profile.surveys.reopen_days
        read = self.surveys.read(code)
        resolved_at = read.situation.resolved_at
        link_until = resolved_at + timedelta(days=self.profile.surveys.link_days) if resolved_at else None
        if not self.privacy_url or resolved_at is None or link_until is None or self.clock() >= link_until:
            return m.pick(survey_texts.TOO_LATE_NO_LINK, language).format(code=shown, days=days)
        url = invite.link(self.privacy_url, self.citizen_key(), code, resolved_at, self.profile)
        return m.pick(survey_texts.TOO_LATE, language).format(code=shown, days=days, link=url)

    # --- sending -------------------------------------------------------------------------------

    def _send(self, phone_number_id: str, to: str, reply: OutboundMessage, state: Conversation) -> str | None:
        try:
            sent = self.client.send(
                phone_number_id, to, reply, last_inbound_at=state.last_inbound_at, language=state.language
            )
        except CloudApiError as error:
            logger.warning("reply not sent", extra={"status": error.status, "reason": str(error)})
            metrics.add_metric(name="WhatsAppSendFailed", unit=MetricUnit.Count, value=1)
            return None
        return sent.message_id

    def _send_code(
        self,
        phone_number_id: str,
        to: str,
        request: ServiceRequest,
        state: Conversation,
        *,
        skip: bool = False,
    ) -> None:
        """The tracking code and deadline; recorded on the request as a notification (sent or failed)."""
        language = state.language
        shown = codes.display(request.code)
        hours = (request.due_at - request.created_at).total_seconds() / 3600
        text = m.pick(accepted_message(shown, hours), language)
        text += "\n" + m.pick(m.DEADLINE, language).format(deadline=m.when(request.due_at), code=shown)
        message_id = None if skip else self._send(phone_number_id, to, TextMessage(text), state)
        now = self.clock()
        facts = {"channel": "whatsapp", "purpose": "request_accepted"}
        if message_id is None:
            failed = TimelineEntry(
                code=request.code, at=now, type=EntryType.NOTIFICATION_FAILED, public=False, detail=facts
            )
            self.requests.add_entry(failed)
            return
        ref = identity.message_ref(message_id)
        entry = TimelineEntry(
            code=request.code,
            at=now,
            type=EntryType.NOTIFICATION_SENT,
            public=False,
            detail={**facts, "message": ref, "delivery": "accepted"},
        )
        self.outbound.record(entry, ref, int((now + NOTIFICATION_POINTER_TTL).timestamp()))

    # --- delivery callbacks --------------------------------------------------------------------

    def record_status(self, status: Status) -> bool:
        """Put a callback on the notification it belongs to; False for messages we keep no record of
        (the dialogue's prompts). Statuses only move forward, so redeliveries change nothing."""
        rank = DELIVERY_RANK.get(status.status)
        if rank is None:
            return False
        ref = identity.message_ref(status.id)
        found = self.outbound.find(ref)
        if found is None:
            return False
        code, entry_sk = found
        moved = self.outbound.record_delivery(code, entry_sk, status=status.status, rank=rank, at=status.at)
        if moved and status.status == "failed":
            error = status.errors[0].code if status.errors and status.errors[0].code is not None else None
            facts = {"channel": "whatsapp", "message": ref, "purpose": "request_accepted"}
            if error is not None:
                facts["error"] = str(error)
            failed = TimelineEntry(
                code=code, at=status.at, type=EntryType.NOTIFICATION_FAILED, public=False, detail=facts
            )
            self.requests.add_entry(failed)
        return True
