"""Open data and ad-hoc questions in the template: the schedules, the buckets (the publication one
private until published; the export one short-lived, as the profile's KVKK period says), least
privilege (a projection IAM enforces; analysts never reach the table or its export), Glue and Athena."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from civicdesk import layout
from civicdesk.opendata import queries
from civicdesk.opendata.files import table_columns
from civicdesk.opendata.service import METRIC_DAYS_WRITTEN
from infra import names
from infra.capabilities.opendata import SCAN_CUTOFF_BYTES
from tests.infra.synth import Resource, Synth, as_list

LAMBDA_UNZIPPED_MB = 250


def _bucket(synth: Synth, prefix: str) -> tuple[str, Resource]:
    buckets = synth.resources("AWS::S3::Bucket").items()
    (found,) = [(k, v) for k, v in buckets if k.startswith(prefix) and "AccessLogs" not in k]
    return found


def _rule_of(synth: Synth, function_id: str) -> Resource:
    (rule,) = [
        r for r in synth.resources("AWS::Events::Rule").values()
        if function_id in json.dumps(r["Properties"].get("Targets", []))
    ]  # fmt: skip
    return rule


def _statements(synth: Synth, handler: str) -> list[dict[str, Any]]:
    _, function = synth.function_with_handler(handler, names.FUNCTION_OPENDATA)
    return synth.statements_of_role(synth.role_of(function))


def test_the_open_data_runs_daily_after_midnight_in_istanbul_with_a_dead_letter_queue(
    dev_synth: Synth,
) -> None:
    function_id, function = dev_synth.function_with_handler(names.HANDLER_OPENDATA, names.FUNCTION_OPENDATA)
    rule = _rule_of(dev_synth, function_id)
    # Then 21:15 UTC: 00:15 in Istanbul (UTC+3 all year), every day
    assert rule["Properties"]["ScheduleExpression"] == "cron(15 21 * * ? *)"
    (target,) = rule["Properties"]["Targets"]
    assert "DeadLetterConfig" in target
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2
    # And the function alone has the pyarrow layer, besides the two every function has
    layers = json.dumps(function["Properties"]["Layers"])
    assert "LayersParquet" in layers
    assert len(function["Properties"]["Layers"]) == 3
    others = [f for k, f in dev_synth.civic_functions().items() if k != function_id]
    assert not [f for f in others if "LayersParquet" in json.dumps(f["Properties"].get("Layers", []))]


def test_the_publication_bucket_is_private_versioned_logged_and_retained_until_published(
    any_synth: Synth,
) -> None:
    _, bucket = _bucket(any_synth, "OpenDataPublication")
    props = bucket["Properties"]
    # Then nothing is public until the municipality decides (all public access blocked)
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "DestinationBucketName" in props["LoggingConfiguration"]
    assert bucket["DeletionPolicy"] == "Retain"
    # And its encryption is S3's own: a published bucket's anonymous readers cannot use a KMS key
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_the_table_export_expires_with_the_profiles_kvkk_period_and_is_kms_encrypted(
    any_synth: Synth,
) -> None:
    _, bucket = _bucket(any_synth, "OpenDataTableExports")
    props = bucket["Properties"]
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    # Then every export (and every old version of one) is gone within the profile's period
    assert rule["ExpirationInDays"] == any_synth.config.retention.analytics_export_days
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}


def test_the_open_data_function_reads_a_projection_of_the_created_index_and_tallies_only(
    dev_synth: Synth,
) -> None:
    statements = _statements(dev_synth, names.HANDLER_OPENDATA)
    table_statements = [s for s in statements if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
    actions = sorted(a for s in table_statements for a in as_list(s["Action"]))
    # Then it queries and batch-reads, never scans, gets or writes
    assert actions == ["dynamodb:BatchGetItem", "dynamodb:Query"]
    for statement in table_statements:
        condition = statement["Condition"]
        allowed = set(condition["ForAllValues:StringEquals"]["dynamodb:Attributes"])
        # And IAM itself refuses any attribute a citizen wrote or can be reached by
        assert allowed.isdisjoint({"description", "location", "photos", "name", "phone", "email", "text"})
        assert condition["StringEqualsIfExists"] == {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}
    (query,) = [s for s in table_statements if s["Action"] == "dynamodb:Query"]
    assert json.dumps(query["Resource"]).endswith(f'/index/{layout.CREATED.name}"]]}}')
    (batch,) = [s for s in table_statements if s["Action"] == "dynamodb:BatchGetItem"]
    tallies = {"dynamodb:LeadingKeys": [f"{layout.TALLY_PREFIX}*"]}
    assert batch["Condition"]["ForAllValues:StringLike"] == tallies
    # And it puts objects under requests/ of the publication bucket, and nothing else in S3
    s3 = [s for s in statements if any(a.startswith("s3:") for a in as_list(s["Action"]))]
    assert [s["Action"] for s in s3] == ["s3:PutObject"]
    publication, _ = _bucket(dev_synth, "OpenDataPublication")
    assert publication in json.dumps(s3[0]["Resource"])
    assert json.dumps(s3[0]["Resource"]).endswith('/requests/*"]]}')


def test_the_export_function_may_start_the_table_export_and_write_only_its_prefix(dev_synth: Synth) -> None:
    statements = _statements(dev_synth, names.HANDLER_TABLE_EXPORT)
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert "dynamodb:ExportTableToPointInTime" in actions
    assert not {a for a in actions if a.startswith("dynamodb:")} - {"dynamodb:ExportTableToPointInTime"}
    assert not {"s3:GetObject", "s3:DeleteObject", "s3:ListBucket"} & actions
    exports_bucket, _ = _bucket(dev_synth, "OpenDataTableExports")
    (s3,) = [s for s in statements if "s3:PutObject" in as_list(s["Action"])]
    assert exports_bucket in json.dumps(s3["Resource"])
    assert json.dumps(s3["Resource"]).endswith('/table/*"]]}')


def test_analysts_reach_the_open_data_and_their_results_never_the_table_or_its_export(
    dev_synth: Synth,
) -> None:
    (policy,) = dev_synth.resources("AWS::IAM::ManagedPolicy").values()
    text = json.dumps(policy["Properties"]["PolicyDocument"])
    exports_bucket, _ = _bucket(dev_synth, "OpenDataTableExports")
    table_id, _ = dev_synth.only("AWS::DynamoDB::Table")
    assert exports_bucket not in text
    assert table_id not in text
    assert "dynamodb:" not in text
    assert "requests/parquet/*" in text


def test_the_glue_table_reads_the_parquet_files_with_the_writers_columns(dev_synth: Synth) -> None:
    _, table = dev_synth.only("AWS::Glue::Table")
    spec = table["Properties"]["TableInput"]
    assert spec["Name"] == queries.TABLE
    columns = [(c["Name"], c["Type"]) for c in spec["StorageDescriptor"]["Columns"]]
    assert columns == table_columns()
    assert spec["PartitionKeys"] == [{"Name": "date", "Type": "string"}]
    parameters = spec["Parameters"]
    assert parameters["projection.enabled"] == "true"
    assert "requests/parquet/date=${date}/" in json.dumps(parameters["storage.location.template"])
    assert "Parquet" in spec["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]


def test_the_workgroup_encrypts_enforces_and_cuts_off_and_holds_the_managers_questions(
    dev_synth: Synth,
) -> None:
    _, workgroup = dev_synth.only("AWS::Athena::WorkGroup")
    configuration = workgroup["Properties"]["WorkGroupConfiguration"]
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert configuration["BytesScannedCutoffPerQuery"] == SCAN_CUTOFF_BYTES
    encryption = configuration["ResultConfiguration"]["EncryptionConfiguration"]
    assert encryption["EncryptionOption"] == "SSE_KMS"
    named = dev_synth.resources("AWS::Athena::NamedQuery").values()
    assert sorted(q["Properties"]["Name"] for q in named) == sorted(q.name for q in queries.QUESTIONS)
    assert {q["Properties"]["QueryString"] for q in named} == {q.sql for q in queries.QUESTIONS}
    assert len(queries.QUESTIONS) >= 3


def test_a_day_not_written_and_an_export_not_started_raise_alarms(dev_synth: Synth) -> None:
    alarms = {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in dev_synth.resources("AWS::CloudWatch::Alarm").values()
        if "MetricName" in a["Properties"]
    }
    for metric in (METRIC_DAYS_WRITTEN, "TableExportsStarted"):
        alarm = alarms[metric]
        assert alarm["ComparisonOperator"] == "LessThanThreshold"
        assert alarm["TreatMissingData"] == "breaching"
        assert alarm["Period"] == 86_400
        assert alarm["AlarmActions"]


def test_the_open_data_function_fits_lambdas_unzipped_limit_with_its_three_layers() -> None:
    # Given the layers as `make layers` built them (synth needs them, so they are there)
    from infra import paths

    def megabytes(folder: Path) -> float:
        return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1024**2

    layers = (paths.CORE_LAYER_DIR, paths.DEPS_LAYER_DIR, paths.PARQUET_LAYER_DIR)
    code = paths.FUNCTIONS_DIR / names.FUNCTION_OPENDATA
    # Then the function and its layers stay under Lambda's 250 MB, with room to spare for upgrades
    total = sum(megabytes(folder) for folder in layers) + megabytes(code)
    assert total < LAMBDA_UNZIPPED_MB * 0.85, f"{total:.0f} MB"
    assert not (paths.PARQUET_LAYER_DIR / "python/pyarrow/tests").exists()  # pruned by `make layers`
