"""Referrals out: the `not_ours` rejections naming an institution, from their own SQS queue (filed by
Open311 or e-mail), and a schedule that follows what was filed. Thin: Powertools batch processing
reports each failed record on its own; `civicdesk.open311.referrals` does the work.
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
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from civicdesk import runtime
from civicdesk.core.observability import logger, metrics, tracer
from civicdesk.core.settings import TableSettings, load
from civicdesk.notify.senders import EmailSender
from civicdesk.open311.client import Open311Client, Open311Error
from civicdesk.open311.referrals import Outcome, ReferralRepository, Referrals
from civicdesk.profile.model import Institution

processor = BatchProcessor(event_type=EventType.SQS)


class ReferralSettings(TableSettings):
    referral_secret_id: str = Field(min_length=1, description="the secret with each institution's api_key")
    mail_from: str = Field(min_length=3, description="the verified SES identity referrals are sent from")
    secret_max_age: int = Field(default=300, ge=0)


class Access(BaseModel):
    """One institution's entry in the referral secret: our key there, and (for a test system or the
    local round trip) another base URL than the profile's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_key: str = Field(min_length=1)
    endpoint: str | None = None


@cache
def settings() -> ReferralSettings:
    return load(ReferralSettings)


@cache
def _secrets() -> SecretsProvider:
    return SecretsProvider(boto3_client=boto3.client("secretsmanager"))


def _access(institution: Institution) -> Access:
    config = settings()
    raw: Any = _secrets().get(config.referral_secret_id, transform="json", max_age=config.secret_max_age)
    if institution.code not in raw:
        raise Open311Error(
            "configuration", f"no api_key for {institution.code} in the referral secret", certain=True
        )
    return Access.model_validate(raw[institution.code])


def client(institution: Institution) -> Open311Client:
    assert institution.open311 is not None
    access = _access(institution)
    return Open311Client(
        endpoint=access.endpoint or institution.open311.endpoint,
        api_key=access.api_key,
        jurisdiction_id=institution.open311.jurisdiction_id,
    )


@cache
def referrals() -> Referrals:
    return Referrals(
        requests=runtime.requests(),
        items=ReferralRepository(runtime.table()),
        profile=runtime.profile(),
        catalogue=runtime.catalogue,
        filer=client,
        reader=client,
        mailer=EmailSender(settings().mail_from),
    )


def handle(record: SQSRecord) -> None:
    detail = json.loads(record.body)["detail"]
    outcome = referrals().refer(detail["code"], (detail.get("facts") or {}).get("institution", ""))
    metrics.add_metric(
        name=f"Referrals{outcome.value.title().replace('_', '')}", unit=MetricUnit.Count, value=1
    )
    logger.info("referral handled", extra={"code": detail["code"], "outcome": outcome.value})


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle, processor=processor, context=context)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def follow_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    service = referrals()
    before = service.counters.get(Outcome.FAILED.value, 0)
    added = service.follow()
    failed = service.counters.get(Outcome.FAILED.value, 0) - before
    metrics.add_metric(name="ReferralUpdates", unit=MetricUnit.Count, value=sum(added.values()))
    metrics.add_metric(name="ReferralsFollowFailed", unit=MetricUnit.Count, value=failed)
    return {"added": added, "failed": failed}
