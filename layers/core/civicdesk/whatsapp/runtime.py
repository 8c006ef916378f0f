"""What the WhatsApp function builds once per cold start, lazily (nothing touches AWS at import).

Secrets come through Powertools Parameters (`SecretsProvider.get(..., transform="json",
max_age=300)`): one Secrets Manager read per five minutes per warm instance, so an operator's new
token is picked up without a deploy. `reset()` gives tests a fresh start.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.parameters import SecretsProvider

from civicdesk import layout, runtime
from civicdesk.core.settings import load
from civicdesk.profile import geo
from civicdesk.whatsapp.client import CloudApiClient
from civicdesk.whatsapp.config import Credentials, WhatsAppSettings
from civicdesk.whatsapp.media import MediaStore
from civicdesk.whatsapp.service import WhatsAppService


@cache
def settings() -> WhatsAppSettings:
    return load(WhatsAppSettings)


@cache
def _secrets() -> SecretsProvider:
    return SecretsProvider(boto3_client=boto3.client("secretsmanager"))


def credentials() -> Credentials:
    """The secret's current values (cached for WHATSAPP_SECRET_MAX_AGE seconds)."""
    config = settings()
    raw: Any = _secrets().get(config.secret_id, transform="json", max_age=config.secret_max_age)
    return Credentials.model_validate(raw)


@cache
def client() -> CloudApiClient:
    config = settings()
    return CloudApiClient(
        base_url=config.api_base,
        access_token=lambda: credentials().access_token,
        template_name=config.template_name,
        timeout=config.http_timeout,
        retry_base_seconds=config.retry_base_seconds,
    )


@cache
def service() -> WhatsAppService:
    config = settings()
    table = runtime.table()
    persistence = DynamoDBPersistenceLayer(
        table_name=table.name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=layout.WHATSAPP_IDEMPOTENCY_PK,
        expiry_attr="expires_at",
        boto3_client=table.client,
    )
    return WhatsAppService(
        table=table,
        catalogue=runtime.catalogue,
        credentials=credentials,
        citizen_key=runtime.citizen_key,
        client=client(),
        media=MediaStore(config.media_bucket, client()),
        persistence=persistence,
        boundaries=geo.for_profile(runtime.profile()),
        privacy_url=config.privacy_url,
        profile=runtime.profile(),
    )


def reset() -> None:
    for cached in (settings, _secrets, client, service):
        cached.cache_clear()
    runtime.reset()
