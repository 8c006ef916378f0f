"""Shared fixtures: an offline AWS, the stack synthesized once per session, the real handlers."""

from __future__ import annotations

import os

# Before any boto3 client exists: fake credentials, a fixed region, no metadata look-ups, and
# Powertools quiet about X-Ray. Nothing in the tests may reach a real AWS endpoint.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="eu-central-1",
    AWS_REGION="eu-central-1",
    AWS_EC2_METADATA_DISABLED="true",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_SERVICE_NAME="civic-desk",
    POWERTOOLS_METRICS_NAMESPACE="CivicDesk",
    POWERTOOLS_DEV="false",
    CDK_DISABLE_VERSION_CHECK="1",
    JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
)
for _var in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
    os.environ.pop(_var, None)

import io  # noqa: E402
import logging  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import boto3  # noqa: E402
import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from tests.infra.synth import Synth, synthesize  # noqa: E402
from tests.support import SHIPPED, pool  # noqa: E402


@pytest.fixture(scope="session")
def dev_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The dev stack, synthesized once for the whole session (cdk-nag runs as part of synth)."""
    return synthesize("dev", tmp_path_factory.mktemp("cdk-out-dev"))


@pytest.fixture(scope="session")
def ornek_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The dev stack for the small second profile, once per session (a second synth costs ~2 s)."""
    return synthesize("dev", tmp_path_factory.mktemp("cdk-out-ornek"), profile="ornek")


@pytest.fixture(scope="session")
def prod_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize("prod", tmp_path_factory.mktemp("cdk-out-prod"))


@pytest.fixture(params=["dev", "prod"], scope="session")
def any_synth(request: pytest.FixtureRequest) -> Synth:
    """Both stages, each still synthesized once per session."""
    return request.getfixturevalue(f"{request.param}_synth")


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def table_name(aws: None, dev_synth: Synth) -> str:
    """The pool table as the template defines it (keys, indexes, stream), with the catalogue seeded."""
    from local.template import create_tables

    names = create_tables(dev_synth.raw, boto3.client("dynamodb"))
    assert len(names) == 1, f"expected one table in the template, found {sorted(names)}"
    name = next(iter(names.values()))
    pool(name).catalogue.seed(SHIPPED)
    return name


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """Every line the functions log during the test, formatted as they reach CloudWatch (JSON, extras
    included). Powertools' Logger writes to the stdout it found at import, which `capsys` never sees:
    this listens on the `civic-desk` logger itself, so a leak cannot hide from the check."""
    from civicdesk.core.observability import logger

    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
