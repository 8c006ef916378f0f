"""The running stack answers as docs/openapi.json says: a contract fuzzer over every route.

Schemathesis generates requests from the committed document, valid and invalid ones, and sends them
to the local stack over HTTP. The bar: no server error, no status code the document does not declare,
every answer in its declared media type and schema, and what the document calls invalid refused.
Random input rarely finds a real tracking code or the webhook's verify token, so some examples are
given those, and each route's success answer must have been seen and checked too.

Examples are bounded and derandomised (a failure found once is found again): about 300 requests,
some 30 seconds on two cores. Explore further with `CONTRACT_EXAMPLES=300`.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any
from urllib.request import Request, urlopen

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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
from local import whatsapp_fake as wa

from .conftest import LocalStack

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "30"))
"""Per route and mode."""

CHECKS = [
    not_a_server_error,
    status_code_conformance,  # every status the document declares, and no other
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,  # what the document says is invalid is refused with a 4xx
]

NEVER_SUCCEEDS_HERE = {("POST", "/webhooks/whatsapp")}
"""Only a delivery signed with the app secret succeeds; tests/integration/test_whatsapp.py covers it."""


def cases() -> list[Any]:
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


@pytest.fixture(scope="module")
def known(local_stack: LocalStack) -> dict[tuple[str, str], dict[str, Any]]:
    """Inputs random data will not find, per operation: a filed request's code, the verify token."""
    body = json.dumps({"description": "Sokak lambası üç gündür yanmıyor."}).encode()
    filing = Request(f"{local_stack.url}/requests", data=body, method="POST")  # noqa: S310 - loopback
    filing.add_header("Content-Type", "application/json")
    with urlopen(filing, timeout=30) as answer:  # noqa: S310 - loopback
        code = json.loads(answer.read())["code"]
    token = {"hub.mode": "subscribe", "hub.verify_token": wa.LOCAL_CREDENTIALS["verify_token"]}
    return {
        ("GET", "/requests/{code}"): {"path_parameters": {"code": code}},
        ("GET", "/webhooks/whatsapp"): {"query": token},
    }


@pytest.mark.parametrize(("method", "path", "mode"), cases())
def test_every_route_answers_as_the_document_says(
    contract: OpenApiSchema,
    known: dict[tuple[str, str], dict[str, Any]],
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    # Given requests generated from the document (with known values mixed in where they exist)
    operation = contract[path][method]
    requests = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE and (method, path) in known:
        requests = st.one_of(requests, operation.as_strategy(generation_mode=mode, **known[(method, path)]))
    statuses: Counter[int] = Counter()

    @given(case=requests)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    def answers_as_documented(case: Case) -> None:
        # When each is sent / Then the answer is what the document declares
        statuses[case.call_and_validate(checks=CHECKS).status_code] += 1

    answers_as_documented()
    # And valid input reached the route's success answer, so its shape was checked too
    if mode is GenerationMode.POSITIVE and (method, path) not in NEVER_SUCCEEDS_HERE:
        assert any(200 <= status < 300 for status in statuses), dict(statuses)
