"""Function configuration, read from the environment once per cold start; fails fast and clearly."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ConfigurationError(RuntimeError):
    pass


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    table_name: str = Field(alias="TABLE_NAME", min_length=1)
    stage: str = Field(default="dev", alias="STAGE")
    catalog_cache_seconds: float = Field(default=60, alias="CATALOG_CACHE_SECONDS", ge=0)
    max_body_bytes: int = Field(default=32_768, alias="MAX_BODY_BYTES", gt=0)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        try:
            return cls.model_validate(dict(os.environ if environ is None else environ))
        except ValidationError as error:
            missing = ", ".join(str(e["loc"][0]) for e in error.errors())
            raise ConfigurationError(f"invalid or missing environment variables: {missing}") from error
