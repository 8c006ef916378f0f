"""`make run` as a user meets it: the API, the page and the docs over real HTTP on loopback."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from .conftest import LocalStack

pytestmark = pytest.mark.e2e


def http(
    stack: LocalStack, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = Request(f"{stack.url}{path}", data=data, method=method)  # noqa: S310 - loopback
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            return answer.status, dict(answer.headers), answer.read()
    except HTTPError as error:
        return error.code, dict(error.headers), error.read()


def pool_size(stack: LocalStack) -> int:
    items = stack.client("dynamodb").scan(TableName=stack.table)["Items"]
    return sum(1 for i in items if i["sk"]["S"] == "REQ")  # requests; earlier ones' routing adds entries


def test_a_request_filed_over_http_can_be_read_back(local_stack: LocalStack) -> None:
    status, _, body = http(
        local_stack,
        "POST",
        "/requests",
        {
            "description": "Sokağımızdaki lamba iki haftadır yanmıyor.",
            "category": "lighting",
            "neighbourhood": "erzene",
        },
    )
    assert status == 201, body
    code = json.loads(body)["code"]
    status, _, body = http(local_stack, "GET", f"/requests/{code}")
    assert status == 200
    view = json.loads(body)
    assert (view["code"], view["category"]["code"]) == (code, "lighting")
    assert view["timeline"][0]["type"] == "received"


def test_bad_input_is_rejected_over_http_and_nothing_is_stored(local_stack: LocalStack) -> None:
    before = pool_size(local_stack)
    for body, expected in (
        ({"description": "kısa"}, 422),
        ({"description": "Yeterince uzun bir açıklama.", "category": "uzay"}, 422),
        (b"{not json", 400),
        (b"x" * 100_000, 413),
    ):
        status, headers, answer = http(local_stack, "POST", "/requests", body)
        assert status == expected, answer
        assert headers["Content-Type"].startswith("application/json")
        assert json.loads(answer)["error"]
    assert pool_size(local_stack) == before


def test_the_catalogue_is_loaded_as_after_a_deploy(local_stack: LocalStack) -> None:
    status, headers, body = http(local_stack, "GET", "/catalog")
    assert status == 200
    categories = [c["code"] for c in json.loads(body)["categories"]]
    assert categories[0] == "veterinary"  # the shipped order: the busiest first
    assert headers["Cache-Control"].startswith("public")


def test_the_page_its_config_and_the_api_docs_are_served(local_stack: LocalStack) -> None:
    status, headers, body = http(local_stack, "GET", "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    status, _, body = http(local_stack, "GET", "/config.json")
    config = json.loads(body)
    assert config["apiUrl"] == ""
    assert config["municipality"]["name"] == {"tr": "Bornova Belediyesi", "en": "Bornova Municipality"}
    status, _, body = http(local_stack, "GET", "/openapi.json")
    assert {"/requests", "/requests/{code}", "/catalog"} <= set(json.loads(body)["paths"])
    status, _, body = http(local_stack, "GET", "/docs")
    assert status == 200
    assert b"swagger-ui" in body
    status, _, _ = http(local_stack, "GET", "/docs/swagger-ui-bundle.js")
    assert status == 200


def test_cors_preflight_answers_the_configured_origin_only(local_stack: LocalStack) -> None:
    preflight = {"Origin": "http://localhost:8000", "Access-Control-Request-Method": "POST"}
    status, headers, _ = http(local_stack, "OPTIONS", "/requests", headers=preflight)
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
    stranger = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    _, headers, _ = http(local_stack, "OPTIONS", "/requests", headers=stranger)
    assert "Access-Control-Allow-Origin" not in headers


def test_unknown_paths_and_methods_get_json_errors(local_stack: LocalStack) -> None:
    status, _, body = http(local_stack, "GET", "/nowhere")
    assert (status, json.loads(body)["error"]) == (404, "no_route")
    status, _, body = http(local_stack, "DELETE", "/catalog")
    assert status == 405
    assert json.loads(body)["error"] == "method_not_allowed"


def test_a_request_filed_over_http_is_routed_within_seconds(local_stack: LocalStack) -> None:
    # When a citizen files a clear request over HTTP
    status, _, body = http(
        local_stack,
        "POST",
        "/requests",
        {"description": "Parkta yaralı bir köpek var, bacağı kanıyor, yürüyemiyor."},
    )
    assert status == 201
    code = json.loads(body)["code"]
    # Then within seconds the public timeline shows it was sent to the department
    deadline = time.monotonic() + 10
    while True:
        view = json.loads(http(local_stack, "GET", f"/requests/{code}")[2])
        if view["status"] != "received" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert view["status"] == "routed"
    assert view["department"]["code"] == "veterinary_affairs"
    assert [e["status"] for e in view["timeline"]] == ["received", "routed"]


def test_a_foreign_page_cannot_use_the_stack_on_a_developers_laptop(local_stack: LocalStack) -> None:
    before = pool_size(local_stack)
    port = local_stack.url.rsplit(":", 1)[1]
    body = {"description": "Başka bir siteden gönderilmiş bir başvuru."}
    # Given a page whose name was re-bound to 127.0.0.1 (DNS rebinding), and a page on another site
    rebound = http(local_stack, "GET", "/catalog", headers={"Host": f"evil.example:{port}"})
    foreign = http(local_stack, "POST", "/requests", body, headers={"Origin": "https://evil.example"})
    signer = http(
        local_stack,
        "POST",
        "/simulator/whatsapp/send",
        {"text": "x"},
        headers={"Origin": "https://evil.example"},
    )
    # Then neither is served, and nothing was filed or signed
    assert [(status, json.loads(answer)["error"]) for status, _, answer in (rebound, foreign, signer)] == [
        (403, "unknown_host"),
        (403, "cross_origin"),
        (403, "cross_origin"),
    ]
    assert pool_size(local_stack) == before


def test_a_body_over_api_gateways_payload_limit_is_refused_by_the_gateway(local_stack: LocalStack) -> None:
    status, headers, answer = http(local_stack, "POST", "/requests", b"x" * (10 * 1024 * 1024 + 1))
    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert json.loads(answer)["error"] == "body_too_large"
