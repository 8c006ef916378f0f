"""The day's rows as files: CSV (UTF-8, a header, RFC 4180) and Parquet (typed columns, for Athena).

One schema for both: text columns are strings (empty when unknown), `promise_kept` a boolean, the hours
doubles (both empty when unknown). Parquet needs pyarrow, which only the open-data function's own
layer carries: it is imported when a Parquet file is written, never when `civicdesk` is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import astuple
from typing import Any

from civicdesk.opendata.rows import COLUMNS, OpenRow

BOOLEAN_COLUMNS = frozenset({"promise_kept"})
NUMBER_COLUMNS = frozenset({"first_response_hours", "resolution_hours"})
CSV_TYPE = "text/csv; charset=utf-8"
PARQUET_TYPE = "application/vnd.apache.parquet"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(rows: Sequence[OpenRow]) -> bytes:
    """A header line and one line per row; `true`/`false` and empty for unknown (what Athena and
    spreadsheets read alike)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([_text(v) for v in astuple(row)] for row in rows)
    return out.getvalue().encode("utf-8")


def schema() -> Any:
    """The Parquet schema (a `pyarrow.Schema`); the Glue table's columns say the same in infra."""
    import pyarrow as pa

    def kind(name: str) -> Any:
        if name in BOOLEAN_COLUMNS:
            return pa.bool_()
        return pa.float64() if name in NUMBER_COLUMNS else pa.string()

    return pa.schema([pa.field(name, kind(name), nullable=True) for name in COLUMNS])


def to_parquet(rows: Sequence[OpenRow]) -> bytes:
    """One row group, Snappy-compressed: a day of a district is a few hundred rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {name: [getattr(row, name) for row in rows] for name in COLUMNS}
    table = pa.Table.from_pydict(columns, schema=schema())
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue()


def read_parquet(data: bytes) -> list[dict[str, Any]]:
    """The rows of a Parquet file as records (tests and the local look at the files use it)."""
    import pyarrow.parquet as pq

    return list(pq.read_table(io.BytesIO(data)).to_pylist())


def table_columns() -> list[tuple[str, str]]:
    """The columns as the Glue table (Hive types) declares them: the Parquet schema, without pyarrow."""

    def kind(name: str) -> str:
        if name in BOOLEAN_COLUMNS:
            return "boolean"
        return "double" if name in NUMBER_COLUMNS else "string"

    return [(name, kind(name)) for name in COLUMNS]
