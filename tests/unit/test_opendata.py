"""Open data rules: what a row holds (codes, neighbourhood, times on Istanbul's clock to the minute,
the promise) and never holds, the two files agreeing, the day's keys, and the table export's plan."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from civicdesk.opendata import exports, queries
from civicdesk.opendata.files import read_parquet as parquet_rows
from civicdesk.opendata.files import table_columns, to_csv, to_parquet
from civicdesk.opendata.rows import COLUMNS, SOURCE_ATTRIBUTES, day_bounds, row_of
from civicdesk.opendata.service import csv_key, parquet_key, scheduled_days
from civicdesk.requests.models import ServiceRequest
from tests.support import PROFILE

ZONE = PROFILE.zone
NAMES = {n.code: n.name for n in PROFILE.neighbourhoods}
ROOT = Path(__file__).resolve().parents[2]


def item(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "code": "K7M2QX9",
        "created_at": "2026-03-31T21:30:00.000Z",  # 00:30 on 1 April in Istanbul
        "kind": "complaint",
        "channel": "whatsapp",
        "status": "resolved",
        "category": "veterinary",
        "department": "veterinary_affairs",
        "neighbourhood": "ataturk",
        "first_response_at": "2026-04-01T09:15:42.123Z",
        "first_response_met": True,
    }
    return {**base, **changes}


def test_a_row_is_on_istanbul_time_to_the_minute_with_the_neighbourhood_named() -> None:
    # Given a request filed at 21:30 UTC on 31 March, answered, and resolved the next day
    # When it becomes a row
    row = row_of(item(), "2026-04-02T07:00:00.000Z", ZONE, NAMES)
    # Then its day and times are Istanbul's, to the minute, with the offset
    assert row.filed_date == "2026-04-01"
    assert row.filed_at == "2026-04-01T00:30+03:00"
    assert row.first_response_at == "2026-04-01T12:15+03:00"
    assert row.resolved_at == "2026-04-02T10:00+03:00"
    # And the neighbourhood is named, the promise kept, the hours counted to a tenth
    assert (row.neighbourhood, row.neighbourhood_name) == ("ataturk", "Atatürk")
    assert row.promise_kept is True
    assert (row.first_response_hours, row.resolution_hours) == (11.8, 33.5)


@pytest.mark.parametrize(
    ("changes", "kept"),
    [
        ({"first_response_met": False}, False),  # answered late
        (
            {"first_response_at": None, "first_response_met": None, "overdue_at": "2026-04-03T00:00:00Z"},
            False,
        ),
        ({"first_response_at": None, "first_response_met": None, "status": "routed"}, None),  # clock runs
    ],
)
def test_the_promise_is_broken_when_late_or_overdue_and_unknown_while_the_clock_runs(
    changes: dict[str, object], kept: bool | None
) -> None:
    assert row_of(item(**changes), None, ZONE, NAMES).promise_kept is kept


def test_a_resolution_counts_only_while_the_request_is_finished() -> None:
    # Given a request resolved once and then reopened
    row = row_of(item(status="reopened"), "2026-04-02T07:00:00.000Z", ZONE, NAMES)
    # Then the open data shows no resolution for it
    assert (row.resolved_at, row.resolution_hours) == ("", None)


def test_a_row_carries_no_code_and_reads_nothing_a_citizen_wrote_or_can_be_reached_by() -> None:
    # Given every attribute a request item can have
    request_attributes = set(ServiceRequest.model_fields)
    personal = {"code", "description", "location", "photos", "has_contact", "duplicate_of", "referred_to"}
    assert personal <= request_attributes  # (the names are real ones)
    # Then the rows are read with none of them, and have no column of them
    assert personal.isdisjoint(SOURCE_ATTRIBUTES)
    assert personal.isdisjoint(COLUMNS)
    assert not any(
        name in column for column in COLUMNS for name in ("lat", "lon", "address", "phone", "name_")
    )


def test_csv_and_parquet_hold_the_same_rows_and_types() -> None:
    # Given rows with every kind of value, unknown ones included
    rows = [
        row_of(item(), "2026-04-02T07:00:00.000Z", ZONE, NAMES),
        row_of(item(first_response_at=None, first_response_met=None, status="triage", neighbourhood=None,
                    category=None, department=None), None, ZONE, NAMES),
    ]  # fmt: skip
    # When both files are written
    from_csv = list(csv.DictReader(io.StringIO(to_csv(rows).decode("utf-8"))))
    from_parquet = parquet_rows(to_parquet(rows))
    # Then both have the columns in order, and the same values (CSV's empty is Parquet's null)
    assert tuple(from_parquet[0]) == COLUMNS == tuple(from_csv[0])
    as_text = [{k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
                for k, v in record.items()} for record in from_parquet]  # fmt: skip
    assert as_text == from_csv
    assert [r["promise_kept"] for r in from_parquet] == [True, None]
    assert from_parquet[0]["first_response_hours"] == 11.8


def test_an_empty_day_still_writes_both_files_with_their_header() -> None:
    assert to_csv([]).decode().strip() == ",".join(COLUMNS)
    assert parquet_rows(to_parquet([])) == []


def test_the_glue_columns_are_the_parquet_schema() -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(io.BytesIO(to_parquet([])))
    hive = {pa.string(): "string", pa.bool_(): "boolean", pa.float64(): "double"}
    assert [(f.name, hive[f.type]) for f in schema] == table_columns()


def test_a_day_is_istanbuls_and_its_keys_are_partitioned_by_format_and_date() -> None:
    # Given 30 November on Istanbul's calendar
    start, end = day_bounds(date(2026, 11, 30), ZONE)
    # Then it runs from 21:00 UTC the day before, for 24 hours
    assert start.astimezone(UTC) == datetime(2026, 11, 29, 21, tzinfo=UTC)
    assert (end - start).total_seconds() == 86_400
    assert csv_key(date(2026, 11, 30)) == "requests/csv/date=2026-11-30/requests.csv"
    assert parquet_key(date(2026, 11, 30)) == "requests/parquet/date=2026-11-30/requests.parquet"


def test_the_schedule_writes_yesterday_in_istanbul_then_refreshes_a_week_and_a_month_back() -> None:
    # Given the run at 00:15 Istanbul on 1 December (21:15 UTC on 30 November)
    days = scheduled_days(datetime(2026, 11, 30, 21, 15, tzinfo=UTC), ZONE)
    # Then it writes 30 November, and again 23 and 31 October's files
    assert days == [date(2026, 11, 30), date(2026, 11, 23), date(2026, 10, 31)]


def test_the_table_export_is_full_on_mondays_and_incremental_over_the_last_day_otherwise() -> None:
    monday = exports.plan(datetime(2026, 11, 30, 2, 0, 12, tzinfo=UTC))
    tuesday = exports.plan(datetime(2026, 12, 1, 2, 0, 12, tzinfo=UTC))
    assert (monday.kind, monday.prefix) == ("FULL_EXPORT", "table/full/2026-11-30/")
    params = tuesday.parameters("arn:table", "bucket", "arn:key")
    assert params["ExportType"] == "INCREMENTAL_EXPORT"
    assert params["IncrementalExportSpecification"] == {
        "ExportFromTime": datetime(2026, 11, 30, 2, tzinfo=UTC),
        "ExportToTime": datetime(2026, 12, 1, 2, tzinfo=UTC),
        "ExportViewType": "NEW_IMAGE",
    }
    # And a retried run asks for the same export (same client token), encrypted with the analytics key
    again = exports.plan(datetime(2026, 12, 1, 2, 40, tzinfo=UTC)).parameters(
        "arn:table", "bucket", "arn:key"
    )
    assert again["ClientToken"] == params["ClientToken"]
    assert (params["S3SseAlgorithm"], params["S3SseKmsKeyId"]) == ("KMS", "arn:key")
    # And an operator can start the chain on any day (after the first deploy)
    assert exports.plan(datetime(2026, 12, 1, 2, tzinfo=UTC), full=True).kind == "FULL_EXPORT"


def test_the_parquet_layer_pin_matches_the_lock() -> None:
    def pins(path: Path) -> dict[str, str]:
        lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
        return dict(line.split("==") for line in lines if line and not line.startswith("-"))

    layer, lock = pins(ROOT / "requirements/parquet-layer.txt"), pins(ROOT / "requirements/constraints.txt")
    assert layer == {"pyarrow": lock["pyarrow"]}


def test_every_question_asks_the_glue_table_for_one_period_only() -> None:
    for question in queries.QUESTIONS:
        assert f"FROM {queries.TABLE}\n" in question.sql
        assert '"date" >=' in question.sql  # partition pruning: a period, never every file


def test_the_analytics_doc_shows_every_named_query_as_infra_saves_it() -> None:
    doc = (ROOT / "docs/analytics.md").read_text(encoding="utf-8")
    for question in queries.QUESTIONS:
        assert f"```sql\n{question.sql}\n```" in doc, question.name
    assert f"`{COLUMNS[0]}`" in doc
    assert all(f"`{column}`" in doc for column in COLUMNS)


def test_the_export_period_is_a_kvkk_period_every_profile_states() -> None:
    from civicdesk.profile import model as profiles

    for code in ("bornova", "ornek"):
        periods = profiles.load(code).kvkk.periods
        assert 1 <= periods.analytics_export_days <= 31
        assert "analytics_export_days" in periods.model_dump()  # the access report lists every period
