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
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

from local import openapi

from .conftest import LocalStack

pytestmark = pytest.mark.e2e

EXAMPLES = 30
"""Per route and mode: about 300 requests in all, in well under a minute on two cores."""
SEED = 20261130


def operations() -> list[tuple[str, str]]:
    document = json.loads(openapi.DOCUMENT.read_text(encoding="utf-8"))
    return [(method.upper(), path) for path, methods in document["paths"].items() for method in methods]


@pytest.fixture(scope="module")
def contract(local_stack: LocalStack) -> OpenApiSchema:
    """The committed document, aimed at the running stack."""
    config = SchemathesisConfig.from_dict(
        {
            "base-url": local_stack.url,
            "checks": {
                "not_a_server_error": {"enabled": True},
                "status_code_conformance": {"enabled": True},
                "content_type_conformance": {"enabled": True},
                "response_schema_conformance": {"enabled": True},
            },
        }
    )
    return schemathesis.openapi.from_path(openapi.DOCUMENT, config=config)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize(("method", "path"), operations(), ids=lambda x: x)
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
        case.call_and_validate()

    answers_as_documented()
