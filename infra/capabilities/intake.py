"""The citizen-facing intake function: files requests, answers public status, serves the catalogue."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from civicdesk import layout
from civicdesk.requests.photos import PHOTO_PREFIX, UPLOAD_PREFIX
from infra import names
from infra.capabilities import partitions
from infra.capabilities.function import CivicFunction
from infra.capabilities.platform import Platform
from infra.nag import acknowledge

UPLOADS, WEB_PHOTOS = UPLOAD_PREFIX, PHOTO_PREFIX
PHOTO_MEMORY_MB = 1024
"""Decoding a 12-megapixel photo and encoding its copy and thumbnail takes about 0.2 s here."""

# Exactly what the request path does, each on its own partitions (`partitions` says what that can and
# cannot express): read a request or the catalogue, query a request's timeline; create a request with
# its timeline entry, contact and citizen-index entry in one transaction; keep `Idempotency-Key`
# records (Powertools puts, reads, completes and, after a failure, deletes them); a citizen's survey
# answer may reopen a resolved request (an UpdateItem of the request in the answer's transaction).
INTAKE_GRANTS = (
    partitions.Grant(
        ("dynamodb:GetItem", "dynamodb:Query"),
        (partitions.REQUESTS, partitions.CATALOGUE, layout.INTAKE_IDEMPOTENCY_PK),
    ),
    partitions.Grant(
        ("dynamodb:PutItem", "dynamodb:ConditionCheckItem"),
        (partitions.REQUESTS, partitions.CITIZENS, layout.INTAKE_IDEMPOTENCY_PK),
    ),
    partitions.Grant(("dynamodb:UpdateItem",), (partitions.REQUESTS,)),
    partitions.Grant(("dynamodb:UpdateItem", "dynamodb:DeleteItem"), (layout.INTAKE_IDEMPOTENCY_PK,)),
)
INTAKE_TABLE_ACTIONS = partitions.actions(INTAKE_GRANTS)


class Intake(Construct):
    """Wraps one CivicFunction and its table grants (base table only, its own partitions)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform: Platform,
    ) -> None:
        super().__init__(scope, construct_id)
        config, table, key = platform.config, platform.table, platform.key
        self.handler = CivicFunction(
            self,
            "Handler",
            code_dir=names.FUNCTION_INTAKE,
            handler=names.HANDLER_INTAKE,
            # A filing with three photos decodes and re-encodes each; API Gateway waits 30 s at most.
            timeout=Duration.seconds(25),
            memory_size=max(PHOTO_MEMORY_MB, config.lambda_memory_mb),
            platform=platform,
            environment={
                **platform.table_environment(),
                **platform.citizen_key_environment(),
            },
            description="Civic Desk: citizen intake API (file a request, public status, catalogue)",
        )
        partitions.grant(self.handler.role, table, *INTAKE_GRANTS)
        self.handler.grant_key_use(key)
        platform.grant_citizen_key(self.handler.role)

    def use_media(self, media: s3.IBucket, media_key: kms.IKey) -> None:
        """Photos from the web form: sign presigned POSTs under `uploads/` (the upload is made with this
        role's permission), read and delete the originals, write the cleaned copies under `web/`."""
        role = self.handler.role
        self.handler.function.add_environment(names.ENV_MEDIA_BUCKET, media.bucket_name)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
                resources=[media.arn_for_objects(f"{UPLOADS}*")],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[media.arn_for_objects(f"{WEB_PHOTOS}*")])
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucketVersions"],
                resources=[media.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{UPLOADS}*"]}},
            )
        )
        media_key.grant(role, "kms:GenerateDataKey", "kms:Decrypt")
        bucket = Stack.of(self).resolve(media.node.default_child.logical_id)  # type: ignore[union-attr]
        reasons = {
            UPLOADS: "one object per presigned upload (uploads/<random id>)",
            WEB_PHOTOS: "one cleaned copy and thumbnail per upload (web/<id>.jpg)",
        }
        for prefix, why in reasons.items():
            acknowledge(
                role.node.find_child("DefaultPolicy"),
                f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/{prefix}*]",
                f"Photo keys are made per upload: {why}; the grant is limited to that prefix of the bucket.",
            )

    @property
    def function(self) -> lambda_.IFunction:
        return self.handler.function
