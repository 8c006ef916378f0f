"""The running stack answers as docs/openapi.json says: a contract fuzzer over every route.

Schemathesis generates requests from the committed document, valid and invalid ones, and sends
them to the local stack over HTTP. The bar: no server error, no status code the document does not
declare, every answer in its declared media type and schema. Examples are bounded (and seeded, so a
failure found once is found again) to keep the run within seconds per route.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from local import openapi

from .conftest import LocalStack

pytestmark = pytest.mark.e2e

EXAMPLES = int(__import__("os").environ.get("CONTRACT_EXAMPLES", "30"))
"""Per route and mode: about 300 requests in all, in well under a minute on two cores."""
SEED = 20261130


CHECKS = [
    not_a_server_error,
    status_code_conformance,  # every status the document declares, and no other
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,  # what the document says is invalid is refused with a 4xx
]


def cases() -> list[object]:
    """Every operation with valid input; those that take input, with invalid input too."""
    document = json.loads(openapi.DOCUMENT.read_text(encoding="utf-8"))
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            modes = [GenerationMode.POSITIVE]
            if operation.get("parameters") or operation.get("requestBody"):
                modes.append(GenerationMode.NEGATIVE)
            found += [
                pytest.param(method.upper(), path, m, id=f"{method.upper()} {path} {m.value}") for m in modes
            ]
    return found


@pytest.fixture(scope="module")
def contract(local_stack: LocalStack) -> OpenApiSchema:
    """The committed document, aimed at the running stack."""
    schema = schemathesis.openapi.from_path(openapi.DOCUMENT)
    schema.config.update(base_url=local_stack.url)
    return schema


@pytest.mark.parametrize(("method", "path", "mode"), cases())
def test_every_route_answers_as_the_document_says(
    contract: OpenApiSchema, method: str, path: str, mode: GenerationMode
) -> None:
    operation = contract[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    def answers_as_documented(case: Case) -> None:
        case.call_and_validate(checks=CHECKS)

    answers_as_documented()
