"""The running stack answers as docs/openapi.json says: a contract fuzzer over every route.

Schemathesis generates requests from the committed document, valid and invalid ones, and sends them
to the local stack over HTTP. The bar: no server error, no status code the document does not declare,
every answer in its declared media type and schema, and what the document calls invalid refused.
Staff routes are called with a demo supervisor's token (an admin's for editing templates and for
Open311 keys). Random input rarely finds a real tracking code or the webhook's verify token, so some
examples are given those, and each route's success answer must have been seen and checked too.

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
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from local import openapi
from local import whatsapp_fake as wa
from local.staff_demo import DEMO_FIELD_SURVEY_ID

from .conftest import LocalStack
from .staff import ADMIN, SUPERVISOR, Staff

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

REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
"""What may answer invalid input: schemathesis' list, with 413 (a body over the function's limit is
refused whole before anything reads it) and without 5xx (never an answer to bad input)."""

NEVER_SUCCEEDS_HERE = {
    ("POST", "/webhooks/whatsapp"),  # only a delivery signed with the app secret: test_whatsapp.py
    # a change needs the ETag of the version it is based on, which random input does not hold:
    # tests/e2e/test_staff_api.py changes requests and templates with it
    *(
        ("POST", f"/staff/requests/{{code}}/{action}")
        for action in ("replies", "notes", "status", "transfer")
    ),
    ("POST", "/staff/requests/{code}/classify"),
    ("PUT", "/staff/templates/{template_id}"),
    # filing needs an API key in the form, which random input does not hold: tests/integration/test_open311.py
    ("POST", "/open311/v2/requests.json"),
    ("POST", "/open311/v2/requests.xml"),
    ("POST", "/staff/open311/keys/{key_id}/revoke"),  # needs a real key id: tests/integration/test_open311.py
    # only a link signed with the citizen-index key and sent with a resolution (random tokens are 404):
    # tests/integration/test_surveys.py and tests/e2e/test_survey_page.py answer with real links
    ("GET", "/surveys/{token}"),
    ("POST", "/surveys/{token}"),
    ("POST", "/surveys/{token}/follow-up"),
    # a field survey needs known neighbourhoods and departments; an answer needs the survey's question
    # ids; an edit needs its ETag: tests/integration/test_field_surveys.py and tests/e2e/test_field_page.py
    ("POST", "/staff/field-surveys"),
    ("PUT", "/staff/field-surveys/{survey_id}"),
    ("POST", "/staff/field-surveys/{survey_id}/answers"),
}


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
    config = SchemathesisConfig.from_dict(
        {
            "generation": {
                # the staff token is ours to give (`signed_in`); a missing one is the authorizer's 401
                "with-security-parameters": False,
                # an unknown query parameter is ignored, as by most HTTP APIs; the document allows it
                "allow-extra-parameters": False,
            },
            "checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}},
        }
    )
    schema = schemathesis.openapi.from_path(openapi.DOCUMENT, config=config)
    schema.config.update(base_url=local_stack.url)
    return schema


@pytest.fixture(scope="module")
def tokens(local_stack: LocalStack) -> dict[str, str]:
    staff = Staff(local_stack)
    return {"supervisor": staff.token(SUPERVISOR), "admin": staff.token(ADMIN)}


def signed_in(method: str, path: str, tokens: dict[str, str]) -> dict[str, str]:
    """The staff token a route needs: an admin edits templates, a supervisor does everything else."""
    if not path.startswith("/staff/"):
        return {}
    editing_templates = path.startswith("/staff/templates") and method != "GET"
    admin = editing_templates or path.startswith("/staff/open311/")  # Open311 keys: admins only
    return {"Authorization": f"Bearer {tokens['admin' if admin else 'supervisor']}"}


@pytest.fixture(scope="module")
def known(local_stack: LocalStack) -> dict[tuple[str, str], dict[str, Any]]:
    """Inputs random data will not find, per operation: a filed request's code, the verify token."""
    body = json.dumps({"description": "Sokak lambası üç gündür yanmıyor."}).encode()
    filing = Request(f"{local_stack.url}/requests", data=body, method="POST")  # noqa: S310 - loopback
    filing.add_header("Content-Type", "application/json")
    with urlopen(filing, timeout=30) as answer:  # noqa: S310 - loopback
        code = json.loads(answer.read())["code"]
    token = {"hub.mode": "subscribe", "hub.verify_token": wa.LOCAL_CREDENTIALS["verify_token"]}
    by_code = {"path_parameters": {"code": code}}
    with urlopen(f"{local_stack.url}/staff/config.json", timeout=30) as answer:  # noqa: S310 - loopback
        key = json.loads(answer.read())["demo"]["open311ApiKey"]
    open311 = {
        ("GET", "/open311/v2/services/{service_file}"): {"path_parameters": {"service_file": "garbage.json"}},
        ("GET", "/open311/v2/requests/{request_file}"): {"path_parameters": {"request_file": f"{code}.xml"}},
        **{
            ("GET", f"/open311/v2/servicerequestupdates.{f}"): {"query": {"api_key": key}}
            for f in ("json", "xml")
        },
    }
    # a number random text never is; nobody on the stack uses it, so erasing it touches no other test
    applicant = {"body": {"phone": "0532 999 00 11", "reason": "KVKK başvurusu", "reference": "KVKK-1"}}
    return {
        **open311,
        ("POST", "/staff/privacy/erasures"): applicant,
        ("POST", "/staff/privacy/access-requests"): applicant,
        ("GET", "/requests/{code}"): by_code,
        ("GET", "/staff/requests/{code}"): by_code,
        ("GET", "/staff/requests/{code}/contact"): by_code,
        ("GET", "/webhooks/whatsapp"): {"query": token},
        **{
            ("GET", path): {"path_parameters": {"survey_id": DEMO_FIELD_SURVEY_ID}}
            for path in ("/staff/field-surveys/{survey_id}", "/staff/field-surveys/{survey_id}/results")
        },
    }


@pytest.mark.parametrize(("method", "path", "mode"), cases())
def test_every_route_answers_as_the_document_says(
    contract: OpenApiSchema,
    known: dict[tuple[str, str], dict[str, Any]],
    tokens: dict[str, str],
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
    headers = signed_in(method, path, tokens)

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
        statuses[case.call_and_validate(checks=CHECKS, headers=headers).status_code] += 1

    answers_as_documented()
    # And valid input reached the route's success answer, so its shape was checked too
    if mode is GenerationMode.POSITIVE and (method, path) not in NEVER_SUCCEEDS_HERE:
        assert any(200 <= status < 300 for status in statuses), dict(statuses)
