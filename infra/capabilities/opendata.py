"""Open data and ad-hoc questions: the daily anonymised export the municipality may publish, the
table's daily export for questions the open data cannot answer, and Athena over the open data.

- Open data: a schedule (00:15 Istanbul) -> the open-data function (its own pyarrow layer) reads
  yesterday's requests from the `created` index, a projection the role is held to by IAM
  (`dynamodb:Attributes`: no description, address, point, photo or contact can be asked for), and
  puts a CSV and a Parquet file into the publication bucket. That bucket is versioned, access-logged,
  retained and NOT public: the municipality decides to publish it (docs/analytics.md). It uses S3's
  own encryption because anonymous readers of a published bucket cannot use a KMS key.
- Table export: a schedule (05:00 Istanbul) -> a function that starts a point-in-time export
  (weekly full, daily incremental) into a private bucket with the analytics key, whose objects expire
  after the profile's `kvkk.periods.analytics_export_days`: it holds personal data, so erasure reaches
  it by expiry. No role but the export's own can touch that bucket; an administrator grants access
  case by case.
- Athena: a Glue table over the open data's Parquet files only (partition projection on `date`), a
  workgroup with KMS-encrypted results, its configuration enforced and a per-query scan cutoff, the
  managers' questions as named queries, and an analyst policy that reaches the open data and the
  results, never the table or its export: personal data stays out of analysts' hands.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from civicdesk import layout
from civicdesk.opendata import exports, queries
from civicdesk.opendata.files import table_columns
from civicdesk.opendata.service import DATASET, METRIC_DAYS_WRITTEN
from civicdesk.opendata.store import READ_ATTRIBUTES
from infra import names
from infra.capabilities import partitions
from infra.capabilities.buckets import expiring_after, private_bucket
from infra.capabilities.function import CivicFunction
from infra.capabilities.platform import Platform
from infra.nag import acknowledge

OPENDATA_CRON = events.Schedule.cron(minute="15", hour="21")
"""00:15 in Istanbul (UTC+3 all year): yesterday is complete."""
EXPORT_CRON = events.Schedule.cron(minute="0", hour="2")
"""05:00 in Istanbul: after the retention job (04:30), so an export holds what it destroyed least."""
OPENDATA_TIMEOUT = Duration.minutes(2)
OPENDATA_MEMORY_MB = 1024  # pyarrow's import and a month-old day's refresh; the work itself is small
EXPORT_TIMEOUT = Duration.seconds(30)
PARQUET_PREFIX = f"{DATASET}/parquet/"
RESULTS_PREFIX = "results/"
RESULTS_DAYS = 30
SCAN_CUTOFF_BYTES = 1024**3
"""1 GiB a query: a year of a district's open data is a few MB; a runaway query stops early."""
PROJECTION_START = "2024-01-01"
QUERY_READ_ATTRIBUTES = (
    *READ_ATTRIBUTES,
    layout.PK,
    layout.SK,
    layout.CREATED.pk,
    layout.CREATED.sk,
)
"""What the open-data role may ask of the `created` index: the row's codes and times, and the keys."""
TALLY_READ_ATTRIBUTES = (layout.PK, layout.SK, "digest")


def glue_name(stage: str) -> str:
    """`civic_desk_dev`: Glue and Athena names take no hyphens."""
    return f"civic_desk_{stage}"


class OpenData(Construct):
    """Exposes `bucket`, `function`, `export_bucket`, `export`, `database`, `table`, `workgroup`,
    `named_queries` and `analyst_policy`."""

    def __init__(
        self, scope: Construct, construct_id: str, *, platform: Platform, parquet: lambda_.ILayerVersion
    ) -> None:
        super().__init__(scope, construct_id)
        # S3 log delivery through a bucket policy (no ACLs: every bucket here enforces the owner)
        self.node.set_context("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", True)
        config = platform.config
        self.key = kms.Key(
            self,
            "AnalyticsKey",
            description=f"Civic Desk {config.stage}: the table's exports and Athena's query results",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.bucket = private_bucket(
            self,
            "Publication",
            access_logs_id="PublicationAccessLogs",
            key=None,
            holds="open data",
            logs_prefix="opendata/",
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(90))],
        )
        self._open_data(platform, parquet)
        self._table_export(platform)
        self._athena(config.stage)

    # --- the daily open data ------------------------------------------------------------------------

    def _open_data(self, platform: Platform, parquet: lambda_.ILayerVersion) -> None:
        config, table, monitoring = platform.config, platform.table, platform.monitoring
        self.function = CivicFunction(
            self,
            "Export",
            code_dir=names.FUNCTION_OPENDATA,
            handler=names.HANDLER_OPENDATA,
            timeout=OPENDATA_TIMEOUT,
            memory_size=OPENDATA_MEMORY_MB,
            platform=platform,
            environment={
                names.ENV_TABLE_NAME: table.table_name,
                names.ENV_OPENDATA_BUCKET: self.bucket.bucket_name,
            },
            description="Civic Desk: yesterday's requests as anonymised open data (CSV and Parquet)",
        )
        self.function.function.add_layers(parquet)
        role = self.function.role
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query"],
                resources=[f"{table.table_arn}/index/{layout.CREATED.name}"],
                conditions=_only_attributes(QUERY_READ_ATTRIBUTES),
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:BatchGetItem"],
                resources=[table.table_arn],
                conditions={
                    **partitions.condition((partitions.TALLIES,)),
                    **_only_attributes(TALLY_READ_ATTRIBUTES),
                },
            )
        )
        platform.key.grant_decrypt(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[self.bucket.arn_for_objects(f"{DATASET}/*")]
            )
        )
        acknowledge(
            role.node.find_child("DefaultPolicy"),
            f"AwsSolutions-IAM5[Resource::<{_logical_id(self.bucket)}.Arn>/{DATASET}/*]",
            "Puts the day's two files (requests/csv|parquet/date=<day>/...): one object per day and format, "
            "named by the day; put only, this prefix only.",
        )
        dead_letters = monitoring.dead_letter_queue(
            self, "ExportDeadLetterQueue", holds="open-data runs that failed or were never delivered"
        )
        self.rule = events.Rule(
            self,
            "Schedule",
            description=f"Civic Desk {config.stage}: write yesterday's open data",
            schedule=OPENDATA_CRON,
            targets=[
                targets.LambdaFunction(
                    self.function.function, retry_attempts=2, dead_letter_queue=dead_letters
                )
            ],
        )
        monitoring.alarm(
            self,
            "DayNotWrittenAlarm",
            description="Civic Desk open data: no day was written in the last 24 hours "
            '(rerun a day by invoking the function with {"day": "YYYY-MM-DD"})',
            metric=_daily(METRIC_DAYS_WRITTEN),
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.BREACHING,
        )

    # --- the table's export ---------------------------------------------------------------------------

    def _table_export(self, platform: Platform) -> None:
        config, table, monitoring = platform.config, platform.table, platform.monitoring
        days = config.retention.analytics_export_days
        self.export_bucket = private_bucket(
            self,
            "TableExports",
            access_logs_id="TableExportAccessLogs",
            key=self.key,
            holds="table export",
            logs_prefix="exports/",
            lifecycle_rules=[expiring_after(days)],
        )
        self.export = CivicFunction(
            self,
            "TableExport",
            code_dir=names.FUNCTION_OPENDATA,
            handler=names.HANDLER_TABLE_EXPORT,
            timeout=EXPORT_TIMEOUT,
            platform=platform,
            environment={
                names.ENV_TABLE_ARN: table.table_arn,
                names.ENV_EXPORT_BUCKET: self.export_bucket.bucket_name,
                names.ENV_EXPORT_KEY_ARN: self.key.key_arn,
            },
            description=f"Civic Desk: starts the daily table export (kept {days} days) for ad-hoc questions",
        )
        role = self.export.role
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["dynamodb:ExportTableToPointInTime"], resources=[table.table_arn])
        )
        # DynamoDB writes the export's objects with the caller's permissions (and its KMS key use)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:PutObjectAcl", "s3:AbortMultipartUpload"],
                resources=[self.export_bucket.arn_for_objects(f"{exports.PREFIX}/*")],
            )
        )
        self.key.grant(role, "kms:GenerateDataKey", "kms:Decrypt")
        platform.key.grant_decrypt(role)
        acknowledge(
            role.node.find_child("DefaultPolicy"),
            f"AwsSolutions-IAM5[Resource::<{_logical_id(self.export_bucket)}.Arn>/{exports.PREFIX}/*]",
            "DynamoDB's export writes many objects of its own naming under table/<full|incremental>/<day>/ "
            "with the caller's permissions; write only, this prefix only.",
        )
        dead_letters = monitoring.dead_letter_queue(
            self, "TableExportDeadLetterQueue", holds="table export runs that failed or were never delivered"
        )
        events.Rule(
            self,
            "TableExportSchedule",
            description=f"Civic Desk {config.stage}: start the table's daily export",
            schedule=EXPORT_CRON,
            targets=[
                targets.LambdaFunction(self.export.function, retry_attempts=2, dead_letter_queue=dead_letters)
            ],
        )
        monitoring.alarm(
            self,
            "ExportNotStartedAlarm",
            description="Civic Desk table export: no export was started in the last 24 hours",
            metric=_daily(exports.METRIC_STARTED),
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.BREACHING,
        )

    # --- Athena over the open data ---------------------------------------------------------------------

    def _athena(self, stage: str) -> None:
        stack = Stack.of(self)
        self.results = private_bucket(
            self,
            "QueryResults",
            access_logs_id="QueryResultAccessLogs",
            key=self.key,
            holds="Athena results",
            logs_prefix="athena/",
            lifecycle_rules=[expiring_after(RESULTS_DAYS)],
        )
        database_name = glue_name(stage)
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=stack.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=database_name, description="Civic Desk open data: anonymised requests, one row each"
            ),
        )
        location = f"s3://{self.bucket.bucket_name}/{PARQUET_PREFIX}"
        self.table = glue.CfnTable(
            self,
            "RequestsTable",
            catalog_id=stack.account,
            database_name=database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=queries.TABLE,
                description="The open data's Parquet files, one partition per filing day (Istanbul)",
                table_type="EXTERNAL_TABLE",
                parameters={
                    "classification": "parquet",
                    "projection.enabled": "true",
                    "projection.date.type": "date",
                    "projection.date.format": "yyyy-MM-dd",
                    "projection.date.range": f"{PROJECTION_START},NOW",
                    "projection.date.interval": "1",
                    "projection.date.interval.unit": "DAYS",
                    "storage.location.template": f"{location}date=${{date}}/",
                },
                partition_keys=[glue.CfnTable.ColumnProperty(name="date", type="string")],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=location,
                    columns=[glue.CfnTable.ColumnProperty(name=n, type=t) for n, t in table_columns()],
                    input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                    ),
                ),
            ),
        )
        self.table.node.add_dependency(self.database)
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=f"civic-desk-{stage}",
            description="Civic Desk: managers' questions over the open data",
            state="ENABLED",
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=SCAN_CUTOFF_BYTES,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version="Athena engine version 3"
                ),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{self.results.bucket_name}/{RESULTS_PREFIX}",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=self.key.key_arn
                    ),
                ),
            ),
        )
        self.named_queries: list[athena.CfnNamedQuery] = []
        for question in queries.QUESTIONS:
            named = athena.CfnNamedQuery(
                self,
                f"Query-{question.name}",
                name=question.name,
                description=question.description,
                database=database_name,
                query_string=question.sql,
                work_group=self.workgroup.name,
            )
            named.node.add_dependency(self.workgroup)
            named.node.add_dependency(self.database)
            self.named_queries.append(named)
        self.analyst_policy = self._analyst_policy(stack, database_name)

    def _analyst_policy(self, stack: Stack, database_name: str) -> iam.ManagedPolicy:
        """What an analyst's role gets: the workgroup, the open data's catalogue entries and Parquet
        files, and the results; never the table, its export or any other bucket."""
        workgroup = stack.format_arn(
            service="athena", resource="workgroup", resource_name=self.workgroup.name
        )
        catalog = [
            stack.format_arn(service="glue", resource="catalog"),
            stack.format_arn(service="glue", resource="database", resource_name=database_name),
            stack.format_arn(
                service="glue", resource="table", resource_name=f"{database_name}/{queries.TABLE}"
            ),
        ]
        policy = iam.ManagedPolicy(
            self,
            "AnalystPolicy",
            description="Civic Desk: ask the open data questions in Athena (attach to analysts' roles)",
            statements=[
                iam.PolicyStatement(
                    actions=[
                        "athena:StartQueryExecution",
                        "athena:StopQueryExecution",
                        "athena:GetQueryExecution",
                        "athena:GetQueryResults",
                        "athena:GetWorkGroup",
                        "athena:ListNamedQueries",
                        "athena:GetNamedQuery",
                        "athena:BatchGetNamedQuery",
                    ],
                    resources=[workgroup],
                ),
                iam.PolicyStatement(actions=["glue:GetDatabase", "glue:GetTable"], resources=catalog),
                iam.PolicyStatement(
                    actions=["s3:GetObject"], resources=[self.bucket.arn_for_objects(f"{PARQUET_PREFIX}*")]
                ),
                iam.PolicyStatement(
                    actions=["s3:ListBucket"],
                    resources=[self.bucket.bucket_arn],
                    conditions={"StringLike": {"s3:prefix": [f"{PARQUET_PREFIX}*"]}},
                ),
                iam.PolicyStatement(
                    actions=["s3:GetBucketLocation"],
                    resources=[self.bucket.bucket_arn, self.results.bucket_arn],
                ),
                iam.PolicyStatement(
                    actions=["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
                    resources=[self.results.arn_for_objects(f"{RESULTS_PREFIX}*")],
                ),
                iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.results.bucket_arn]),
                iam.PolicyStatement(
                    actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[self.key.key_arn]
                ),
            ],
        )
        reason = (
            "Athena reads the open data's Parquet files (requests/parquet/date=<day>/) and writes each "
            "query's results under results/: object names are made per day and per query, so the grant "
            "is on these prefixes only, of these two buckets only."
        )
        for bucket, prefix in ((self.bucket, PARQUET_PREFIX), (self.results, RESULTS_PREFIX)):
            acknowledge(policy, f"AwsSolutions-IAM5[Resource::<{_logical_id(bucket)}.Arn>/{prefix}*]", reason)
        return policy


def _only_attributes(attributes: Sequence[str]) -> dict[str, dict[str, list[str] | str]]:
    """IAM holds the role to a projection: it cannot ask for any other attribute, nor for all."""
    return {
        "ForAllValues:StringEquals": {"dynamodb:Attributes": list(dict.fromkeys(attributes))},
        "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
    }


def _daily(metric_name: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=names.METRICS_NAMESPACE,
        metric_name=metric_name,
        dimensions_map={"service": names.SERVICE_NAME},
        statistic="Sum",
        period=Duration.days(1),
    )


def _logical_id(bucket: s3.IBucket) -> str:
    return str(Stack.of(bucket).resolve(bucket.node.default_child.logical_id))  # type: ignore[union-attr]
