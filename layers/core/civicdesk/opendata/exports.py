"""The table's daily export to S3 (DynamoDB point-in-time export): which kind, over which window.

A full export once a week, and on the other days an incremental one of the last 24 hours (the
longest window DynamoDB allows), so a week's questions can be answered from one full export and
its increments. The bucket expires objects after the profile's `kvkk.periods.analytics_export_days`:
it holds personal data, and erasure reaches it by that expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from civicdesk.core.aws import AwsGateway

FULL_ON_WEEKDAY = 0  # Monday (UTC): the chain restarts once a week
PREFIX = "table"
METRIC_STARTED = "TableExportsStarted"
"""Counted per export started: the alarm fires when a day passes without one."""


@dataclass(frozen=True)
class ExportPlan:
    kind: str  # "FULL_EXPORT" or "INCREMENTAL_EXPORT"
    at: datetime
    """The full export's moment, or the end of the incremental window."""
    since: datetime | None
    prefix: str

    def parameters(self, table_arn: str, bucket: str, kms_key: str) -> dict[str, object]:
        """`ExportTableToPointInTime` parameters; the client token makes a retried run one export."""
        params: dict[str, object] = {
            "TableArn": table_arn,
            "S3Bucket": bucket,
            "S3Prefix": self.prefix,
            "S3SseAlgorithm": "KMS",
            "S3SseKmsKeyId": kms_key,
            "ExportFormat": "DYNAMODB_JSON",
            "ExportType": self.kind,
            "ClientToken": f"{self.kind}-{self.at:%Y%m%dT%H%M}",
        }
        if self.kind == "FULL_EXPORT":
            params["ExportTime"] = self.at
        else:
            params["IncrementalExportSpecification"] = {
                "ExportFromTime": self.since,
                "ExportToTime": self.at,
                "ExportViewType": "NEW_IMAGE",
            }
        return params


def plan(now: datetime, *, full: bool = False) -> ExportPlan:
    """Today's export: the window ends at the last full hour (UTC), so a retried run asks the same.
    `full`: a full export whatever the day (the first one after a deploy starts the chain)."""
    at = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    day = at.date().isoformat()
    if full or at.weekday() == FULL_ON_WEEKDAY:
        return ExportPlan("FULL_EXPORT", at, None, f"{PREFIX}/full/{day}/")
    return ExportPlan("INCREMENTAL_EXPORT", at, at - timedelta(hours=24), f"{PREFIX}/incremental/{day}/")


class TableExports(AwsGateway):
    """Starts the table's export (DynamoDB writes the files itself, hours later at most)."""

    service = "dynamodb"

    def start(self, export: ExportPlan, table_arn: str, bucket: str, kms_key: str) -> str:
        """The export's ARN; DynamoDB answers a repeated client token with the same export."""
        answer = self.client.export_table_to_point_in_time(**export.parameters(table_arn, bucket, kms_key))
        return str(answer["ExportDescription"]["ExportArn"])
