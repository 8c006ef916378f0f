"""What every function builds once per cold start: settings, the table and its repositories, the
municipality profile, the cached catalogue.

Created lazily on first use (nothing touches AWS at import) and shared by all handlers, so a
warm Lambda reuses its client and catalogue; `reset()` gives tests a fresh start.
"""

from __future__ import annotations

from functools import cache

import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.parameters import SecretsProvider

from civicdesk import layout
from civicdesk.catalogue.model import CachedCatalogue, Catalogue
from civicdesk.catalogue.repository import CatalogueRepository
from civicdesk.core.dynamo import Table
from civicdesk.core.settings import ApiSettings, TableSettings, load
from civicdesk.profile import model as profile_model
from civicdesk.profile.model import Profile
from civicdesk.requests.idempotency import FilingOnce
from civicdesk.requests.repository import RequestRepository


@cache
def settings() -> TableSettings:
    return load(TableSettings)


@cache
def api_settings() -> ApiSettings:
    return load(ApiSettings)


@cache
def _secrets() -> SecretsProvider:
    return SecretsProvider(boto3_client=boto3.client("secretsmanager"))


def citizen_key() -> str:
    """The key of the citizen index hash (read through Powertools Parameters, cached per warm
    function for SECRET_MAX_AGE seconds, so a rotated key is picked up without a deploy)."""
    config = api_settings()
    value = _secrets().get(config.citizen_key_secret_id, max_age=config.secret_max_age)
    return str(value)


@cache
def profile() -> Profile:
    return profile_model.load(settings().profile)


@cache
def table() -> Table:
    return Table(settings().table_name)


@cache
def requests() -> RequestRepository:
    return RequestRepository(table())


@cache
def filing_once(partition: str) -> FilingOnce:
    """Filing at most once per `Idempotency-Key`, with records under `partition` (one per function)."""
    pool = table()
    persistence = DynamoDBPersistenceLayer(
        table_name=pool.name,
        key_attr=layout.PK,
        sort_key_attr=layout.SK,
        static_pk_value=partition,
        expiry_attr=layout.TTL,
        boto3_client=pool.client,
    )
    return FilingOnce(persistence)


@cache
def _catalogue_cache() -> CachedCatalogue:
    repository, shipped = CatalogueRepository(table()), profile().catalogue()
    return CachedCatalogue(lambda: repository.load(shipped), settings().catalog_cache_seconds)


def catalogue() -> Catalogue:
    """The table's catalogue, re-read at most every CATALOG_CACHE_SECONDS."""
    return _catalogue_cache().get()


def reset() -> None:
    for cached in (settings, api_settings, _secrets, profile, table, requests, filing_once, _catalogue_cache):
        cached.cache_clear()
