"""What every capability construct builds on, handed over as one value."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager

from infra import names
from infra.capabilities.monitoring import Monitoring
from infra.config import StageConfig


@dataclass(frozen=True)
class Platform:
    """The stage's settings, the shared Lambda layers, the alarm topic, the pool table with its key,
    and the key that pseudonymises phone numbers in the citizen index."""

    config: StageConfig
    layers: list[lambda_.ILayerVersion]
    monitoring: Monitoring
    table: dynamodb.Table
    key: kms.IKey
    citizen_key: secretsmanager.ISecret

    def table_environment(self) -> dict[str, str]:
        """What every function that reads the pool is told: the table, and how long to cache the catalogue."""
        return {
            names.ENV_TABLE_NAME: self.table.table_name,
            names.ENV_CATALOG_CACHE_SECONDS: str(self.config.catalog_cache_seconds),
        }

    def citizen_key_environment(self) -> dict[str, str]:
        return {names.ENV_CITIZEN_KEY_SECRET_ID: self.citizen_key.secret_arn}

    def grant_citizen_key(self, role: iam.IRole) -> None:
        """Read the citizen-index key (and decrypt it with the table's key, which encrypts it)."""
        self.citizen_key.grant_read(role)
