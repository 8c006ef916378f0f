"""What every capability construct builds on, handed over as one value."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_

from infra.capabilities.monitoring import Monitoring
from infra.config import StageConfig


@dataclass(frozen=True)
class Platform:
    """The stage's settings, the shared Lambda layers, the alarm topic, and the pool table with its key."""

    config: StageConfig
    layers: list[lambda_.ILayerVersion]
    monitoring: Monitoring
    table: dynamodb.Table
    key: kms.IKey
