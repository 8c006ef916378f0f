"""The open-data functions' settings, read from the environment once per cold start."""

from __future__ import annotations

from pydantic import Field

from civicdesk.core.settings import FunctionSettings, TableSettings


class OpenDataSettings(TableSettings):
    """The daily open-data export: the pool it reads and the bucket it writes."""

    opendata_bucket: str = Field(min_length=1, description="the publication bucket")


class TableExportSettings(FunctionSettings):
    """The daily table export: which table, into which bucket, encrypted with which key."""

    table_arn: str = Field(min_length=1)
    export_bucket: str = Field(min_length=1)
    export_key_arn: str = Field(
        min_length=1, description="the KMS key the export's objects are encrypted with"
    )
