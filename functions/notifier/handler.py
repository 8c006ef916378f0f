"""The notifier: domain events from its SQS queue, and two schedules (quiet-hours release, the
morning digests). Thin: Powertools batch processing reports each failed record on its own (SQS
retries it with backoff, then moves it to the dead-letter queue); `civicdesk.notify` does the work.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from civicdesk import layout, runtime
from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.core.settings import ApiSettings, load
from civicdesk.notify import staff as staff_messages
from civicdesk.notify.senders import EmailSender, EndUserMessagingSms, SmsSender, SnsSms
from civicdesk.notify.service import Notice, Notifier, Outcome
from civicdesk.notify.staff import AlertTopic, StaffDirectory
from civicdesk.requests.models import EntryType
from civicdesk.staff.identity import Role
from civicdesk.staff.queue import Filters, Order, QueueReader
from civicdesk.whatsapp.client import CloudApiClient
from civicdesk.whatsapp.config import DEFAULT_API_BASE, Credentials
from civicdesk.whatsapp.repository import ConversationRepository, OutboundRepository

processor = BatchProcessor(event_type=EventType.SQS)


class NotifierSettings(ApiSettings):
    mail_from: str = Field(min_length=3, description="the verified SES identity messages come from")
    public_url: str = Field(min_length=1, description="the citizen page: links in messages point here")
    sms_provider: str = Field(default="sns", pattern="^(sns|end_user_messaging)$")
    sms_sender_id: str = ""
    sms_origination_identity: str = ""
    supervisor_topic_arn: str = Field(min_length=1)
    user_pool_id: str = Field(min_length=1)
    whatsapp_secret_id: str = Field(min_length=1)
    whatsapp_api_base: str = DEFAULT_API_BASE
    whatsapp_template_name: str = "civic_desk_update"
    whatsapp_phone_number_id: str = ""
    max_receives: int = Field(default=5, ge=1, description="the queue's maxReceiveCount")
    quiet_hours: bool = Field(default=True, description="false: no message waits for the morning")


@cache
def settings() -> NotifierSettings:
    return load(NotifierSettings)


@cache
def _secrets() -> SecretsProvider:
    return SecretsProvider(boto3_client=boto3.client("secretsmanager"))


def _access_token() -> str:
    config = settings()
    raw: Any = _secrets().get(config.whatsapp_secret_id, transform="json", max_age=config.secret_max_age)
    return Credentials.model_validate(raw).access_token


@cache
def notifier() -> Notifier:
    config = settings()
    table = runtime.table()
    sms: SmsSender = (
        EndUserMessagingSms(config.sms_origination_identity)
        if config.sms_provider == "end_user_messaging"
        else SnsSms(config.sms_sender_id or None)
    )
    return Notifier(
        requests=runtime.requests(),
        outbound=OutboundRepository(table),
        conversations=ConversationRepository(table),
        profile=runtime.profile(),
        catalogue=runtime.catalogue,
        email=EmailSender(config.mail_from),
        sms=sms,
        whatsapp=CloudApiClient(
            base_url=config.whatsapp_api_base,
            access_token=_access_token,
            template_name=config.whatsapp_template_name,
        ),
        persistence=DynamoDBPersistenceLayer(
            table_name=table.name,
            key_attr=layout.PK,
            sort_key_attr=layout.SK,
            static_pk_value=layout.idempotency_pk("notifier"),
            expiry_attr=layout.TTL,
            boto3_client=table.client,
        ),
        citizen_key=runtime.citizen_key,
        public_url=config.public_url,
        whatsapp_phone_number_id=config.whatsapp_phone_number_id,
        quiet_hours=config.quiet_hours,
    )


@cache
def alerts() -> AlertTopic:
    return AlertTopic(settings().supervisor_topic_arn)


def handle(record: SQSRecord) -> None:
    event = json.loads(record.body)
    notice = Notice.from_event(event)
    final = int(record.attributes.approximate_receive_count) >= settings().max_receives
    outcome = notifier().handle(notice, final_attempt=final)
    if notice.entry_type is EntryType.OVERDUE:  # every missed deadline reaches the supervisors at once
        subject, text = staff_messages.overdue_alert(
            notice.code, notice.facts, runtime.catalogue(), runtime.profile()
        )
        notifier().escalate(notice, alerts().publish, subject, text)
    metrics.add_metric(
        name=f"Notifications{outcome.value.title().replace('_', '')}", unit=MetricUnit.Count, value=1
    )
    logger.info(
        "event handled", extra={"code": notice.code, "event": notice.detail_type, "outcome": outcome.value}
    )


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    notifier().register(context)
    return process_partial_response(event=event, record_handler=handle, processor=processor, context=context)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def release_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Every 15 minutes: what quiet hours held back goes out once they are over."""
    notifier().register(context)
    released = notifier().release_held()
    metrics.add_metric(name="NotificationsReleased", unit=MetricUnit.Count, value=released)
    return {"released": released}


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def digest_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Each morning: every department's new and due-soon requests to its members, and the overdue
    summary to the supervisors (one e-mail each)."""
    config, profile, catalogue = settings(), runtime.profile(), runtime.catalogue()
    directory, reader = StaffDirectory(config.user_pool_id), QueueReader(runtime.table())
    email = EmailSender(config.mail_from)
    now = notifier().clock()
    departments = [d.code for d in catalogue.departments]
    sent = 0
    members = directory.members(Role.DEPARTMENT) + directory.members(Role.FIELD)
    for department in catalogue.departments:
        readers = sorted({m.email for m in members if department.code in m.departments})
        if not readers:
            continue
        scope = frozenset({department.code})
        new = reader.page(
            Filters(departments=scope, created_from=now - staff_messages.DIGEST_WINDOW),
            departments,
            100,
            None,
        )
        soon = reader.page(
            Filters(departments=scope, order=Order.DUE, due_before=now + staff_messages.DIGEST_WINDOW),
            departments,
            100,
            None,
        )
        due_soon = [r for r in soon.requests if r.first_response_at is None]
        subject, text = staff_messages.department_digest(department.name.tr, new.requests, due_soon, profile)
        for address in readers:
            email.send(address, subject, text)
            sent += 1
    overdue = reader.page(Filters(departments=None, overdue=True), departments, 100, None).requests
    subject, text = staff_messages.overdue_summary(overdue, profile)
    for member in directory.members(Role.SUPERVISOR):
        email.send(member.email, subject, text)
        sent += 1
    metrics.add_metric(name="DigestsSent", unit=MetricUnit.Count, value=sent)
    return {"sent": sent, "overdue": len(overdue)}


__all__ = ["Outcome", "digest_handler", "lambda_handler", "release_handler"]
