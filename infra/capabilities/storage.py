"""The pool: one DynamoDB table holding requests, timelines, contacts, catalogue and stats.

Retained, deletion-protected, point-in-time recoverable and encrypted with a key the municipality
controls (citizen PII lives here). The stream (new images only) feeds the dispatcher (domain events,
no dual writes).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from civicdesk import layout
from infra.capabilities.monitoring import Monitoring
from infra.config import StageConfig
from infra.nag import acknowledge

# Operations the functions use today; their throttles and system errors are what the alarms watch.
WATCHED_OPERATIONS = (
    dynamodb.Operation.GET_ITEM,
    dynamodb.Operation.PUT_ITEM,
    dynamodb.Operation.UPDATE_ITEM,
    dynamodb.Operation.QUERY,
    dynamodb.Operation.TRANSACT_WRITE_ITEMS,
)


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Storage(Construct):
    """Exposes `table` and `key`; grants are made by the constructs that own the functions."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, monitoring: Monitoring
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "TableKey",
            description=f"Civic Desk {config.stage}: encrypts the request table and its stream",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=_string(layout.PK),
            sort_key=_string(layout.SK),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            # The dispatcher reads only what an insert wrote: old images would keep every overwritten
            # value (a corrected contact, each earlier state of a request) on the stream for 24 hours,
            # for no reader.
            stream=dynamodb.StreamViewType.NEW_IMAGE,
            time_to_live_attribute=layout.TTL,
        )
        for index in layout.INDEXES:
            self.table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_string(index.pk),
                sort_key=_string(index.sk),
                projection_type=(
                    dynamodb.ProjectionType.INCLUDE if index.projection else dynamodb.ProjectionType.ALL
                ),
                non_key_attributes=list(index.projection) or None,
            )
        self.citizen_key = secretsmanager.Secret(
            self,
            "CitizenKey",
            description=f"Civic Desk {config.stage}: the key of the citizen index (HMAC of phone numbers). "
            "Never rotate it: every link between a citizen's requests is keyed by it.",
            encryption_key=self.key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=64
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.citizen_key.node.default_child,  # type: ignore[arg-type]
            "AwsSolutions-SMG4",
            "Not a credential but a pseudonymisation key: rotating it would orphan every citizen-index "
            "entry (the hashes that link a caller's requests across channels); secret, never rotated.",
        )
        self._add_alarms(monitoring)

    def _add_alarms(self, monitoring: Monitoring) -> None:
        """On-demand tables throttle only on hot keys or account limits; either needs a human."""
        period = Duration.minutes(5)
        for alarm_id, description, metric in (
            (
                "ThrottleAlarm",
                "Civic Desk table: throttled requests",
                self.table.metric_throttled_requests_for_operations(
                    operations=list(WATCHED_OPERATIONS), period=period
                ),
            ),
            (
                "SystemErrorAlarm",
                "Civic Desk table: DynamoDB system errors",
                self.table.metric_system_errors_for_operations(
                    operations=list(WATCHED_OPERATIONS), period=period
                ),
            ),
        ):
            monitoring.alarm(self, alarm_id, description=f"{description} >= 1 in 5 minutes", metric=metric)
