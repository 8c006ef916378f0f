"""Configuration: one loader, one settings model per function, defaults written once.

Each function's model derives from `FunctionSettings` and is read from the environment once per
cold start with `load`, which fails fast with one message naming every bad or missing variable.
Environment variable names are the field names in upper case (`table_name` <- `TABLE_NAME`);
infra sets only what a stage changes, so a default lives in its model (or in the domain policy
the model points at) and nowhere else.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PROFILE = "bornova"


class ConfigurationError(RuntimeError):
    pass


class FunctionSettings(BaseSettings):
    """What every function knows: its stage and the municipality it serves."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    stage: str = "dev"
    profile: str = Field(default=DEFAULT_PROFILE, min_length=1, description="the municipality profile")


class TableSettings(FunctionSettings):
    """A function that reads or writes the pool table (and so the catalogue)."""

    table_name: str = Field(min_length=1)
    catalog_cache_seconds: float = Field(default=60, ge=0)


class ApiSettings(TableSettings):
    """A function behind the HTTP API (each links citizens across channels by the keyed phone hash)."""

    max_body_bytes: int = Field(default=32_768, gt=0)
    citizen_key_secret_id: str = Field(min_length=1, description="the secret keying the citizen index")
    secret_max_age: int = Field(default=300, ge=0, description="seconds a warm function reuses a secret")


class OriginSettings(FunctionSettings):
    """The citizen API's authorizer: the secret CloudFront sends in the origin-verify header."""

    origin_secret_id: str = Field(min_length=1, description="the origin-verify secret")
    secret_max_age: int = Field(default=300, ge=0, description="seconds a warm function reuses a secret")


S = TypeVar("S", bound=BaseSettings)


def load(model: type[S]) -> S:
    """`model` read from the environment; a clear ConfigurationError if anything is wrong."""
    try:
        return model()
    except ValidationError as error:
        problems = ", ".join(
            f"{str(e['loc'][0]).upper()} ({e['msg'].lower()})" for e in error.errors(include_input=False)
        )
        raise ConfigurationError(
            f"{model.__name__}: invalid or missing environment variables: {problems}"
        ) from error
