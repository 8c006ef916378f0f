"""Stage configuration and build preconditions, checked without a synth."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import RemovalPolicy

from infra import names
from infra.capabilities import layers
from infra.config import PROD_WEB_ORIGIN_PLACEHOLDER, load_config

NO_CONTEXT: dict[str, str] = {}


def test_dev_serves_the_local_web_page_and_cleans_up_its_logs() -> None:
    # Given no context / When the dev config is loaded
    config = load_config("dev", NO_CONTEXT.get)
    # Then the local web page may call the API and log groups go with the stack
    assert config.cors_allow_origins == ("http://127.0.0.1:8000", "http://localhost:8000")
    assert config.log_removal_policy == RemovalPolicy.DESTROY
    assert config.catalog_cache_seconds == 60
    assert config.alarm_email is None


def test_prod_reads_origin_and_alarm_email_from_context() -> None:
    # Given deploy-time context
    context = {"web_origin": "https://talep.kadikoy.bel.tr", "alarm_email": " ops@example.org "}
    # When the prod config is loaded
    config = load_config("prod", context.get)
    # Then the origin and e-mail are used as given, and logs outlive the stack
    assert config.cors_allow_origins == ("https://talep.kadikoy.bel.tr",)
    assert config.alarm_email == "ops@example.org"
    assert config.log_removal_policy == RemovalPolicy.RETAIN


def test_prod_falls_back_to_the_placeholder_origin() -> None:
    # Given no web_origin in context / When prod is loaded / Then the https placeholder is the only origin
    assert load_config("prod", NO_CONTEXT.get).cors_allow_origins == (PROD_WEB_ORIGIN_PLACEHOLDER,)


def test_unknown_stage_is_refused() -> None:
    # Given a typo in `-c stage=` / When the config is loaded / Then synth stops with the valid names
    with pytest.raises(ValueError, match="dev, prod"):
        load_config("staging", NO_CONTEXT.get)


def test_stack_name_carries_the_stage() -> None:
    # Given the two stages / Then their stacks can live side by side in one account
    assert [names.stack_name(s) for s in names.STAGES] == ["CivicDesk-Dev", "CivicDesk-Prod"]


def test_missing_layer_build_says_to_run_make_layers(tmp_path: Path) -> None:
    # Given a layer directory that was never built
    # When the layer construct looks for it / Then the error tells the user what to run
    with pytest.raises(layers.LayerBuildMissingError, match="make layers"):
        layers._layer_dir(tmp_path / "core", "python/civicdesk")
