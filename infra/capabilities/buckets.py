"""The private bucket the functions keep citizens' and the system's files in, with its access logs."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge

ACCESS_LOG_DAYS = 365


def private_bucket(
    scope: Construct,
    construct_id: str,
    *,
    access_logs_id: str,
    key: kms.IKey | None,
    holds: str,
    logs_prefix: str,
    lifecycle_rules: Sequence[s3.LifecycleRule],
    cors: Sequence[s3.CorsRule] = (),
) -> s3.Bucket:
    """A versioned bucket no one outside the account reaches: KMS with `key`, TLS 1.2 only, retained,
    its server access logs in a bucket of their own (`access_logs_id`, kept a year). `key=None`: S3's
    own keys, for files meant to be published (anonymous readers cannot use a KMS key).

    `holds` names what it keeps (`model`, `media`), for the log bucket's cdk-nag reason."""
    access_logs = s3.Bucket(
        scope,
        access_logs_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        encryption=s3.BucketEncryption.S3_MANAGED,  # the only encryption S3 log delivery supports
        enforce_ssl=True,
        minimum_tls_version=1.2,
        lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(ACCESS_LOG_DAYS))],
        removal_policy=RemovalPolicy.RETAIN,
    )
    acknowledge(
        access_logs.node.default_child,  # type: ignore[arg-type]
        "AwsSolutions-S1",
        f"This bucket receives the {holds} bucket's server access logs; logging the log bucket itself "
        "would only record S3's own log deliveries.",
    )
    return s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        encryption=s3.BucketEncryption.KMS if key else s3.BucketEncryption.S3_MANAGED,
        encryption_key=key,
        bucket_key_enabled=True if key else None,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        versioned=True,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=logs_prefix,
        lifecycle_rules=list(lifecycle_rules),
        cors=list(cors) or None,
        removal_policy=RemovalPolicy.RETAIN,
    )


def expiring_after(days: int) -> s3.LifecycleRule:
    """Every object gone `days` after it was written, its old versions a day after they were replaced,
    and unfinished uploads a day after they began: a bucket that only holds work in passing."""
    return s3.LifecycleRule(
        expiration=Duration.days(days),
        noncurrent_version_expiration=Duration.days(1),
        abort_incomplete_multipart_upload_after=Duration.days(1),
    )
