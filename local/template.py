"""Read the synthesized CloudFormation template and create what it defines in the emulator.

Local resources come from the template, never from a hand-written copy, so the local system
cannot drift from what `cdk deploy` creates.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Template = dict[str, Any]

_TABLE_KEYS = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "LocalSecondaryIndexes")


def load(path: Path) -> Template:
    return json.loads(path.read_text(encoding="utf-8"))


def resources(template: Template, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, Properties) of every resource of one type."""
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == resource_type:
            yield logical_id, resource.get("Properties", {})


def create_tables(template: Template, client: Any, prefix: str = "civicdesk-local") -> dict[str, str]:
    """Create each DynamoDB table with its keys, indexes, stream, TTL and point-in-time recovery (the
    table's export needs it); returns logical id -> table name."""
    names: dict[str, str] = {}
    for logical_id, props in resources(template, "AWS::DynamoDB::Table"):
        name = f"{prefix}-{logical_id}"
        spec: dict[str, Any] = {k: props[k] for k in _TABLE_KEYS if k in props}
        for index in spec.get("GlobalSecondaryIndexes", []):
            index.pop("ProvisionedThroughput", None)
        stream = props.get("StreamSpecification")
        if stream:
            spec["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **spec)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
        recovery = props.get("PointInTimeRecoverySpecification") or {}
        if recovery.get("PointInTimeRecoveryEnabled"):
            client.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )
        names[logical_id] = name
    return names
