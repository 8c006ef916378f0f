"""Every HTTP API reads JSON bodies only: no route, present or future, parses a form a browser can forge."""

from __future__ import annotations

import base64
import importlib
import json
import re
from typing import Any

import pytest

from civicdesk.core.http import JsonApi, is_json
from local import openapi

BODY_METHODS = ("post", "put", "patch", "delete")
MULTIPART = 'multipart/form-data; boundary="x"'
FORM_BODY = (
    '--x\r\nContent-Disposition: form-data; name="description"\r\n\r\n'
    "Bir sokak lambası yanmıyor.\r\n--x--\r\n"
)


class Context:
    function_name = "test"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:test"
    aws_request_id = "test"


OWN_FRONT_DOOR = frozenset({"functions.open311.handler"})
"""Open311 GeoReport v2 takes form-encoded bodies by its specification, with an API key, and answers
errors in its own shape: its front door is tested in tests/integration/test_open311.py."""


def json_modules() -> list[str]:
    return [m for m in openapi.http_handler_modules() if m not in OWN_FRONT_DOOR]


def routes_with_bodies() -> list[Any]:
    document = openapi.schema()
    return [
        pytest.param(module, method, path, id=f"{method.upper()} {path}")
        for module in json_modules()
        for path, operations in document["paths"].items()
        for method in operations
        if method in BODY_METHODS and path in _paths_of(module)
    ]


def _paths_of(module: str) -> set[str]:
    return set(json.loads(importlib.import_module(module).app.get_openapi_json_schema())["paths"])


def event(method: str, path: str, content_type: str, body: str) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": content_type},
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7"},
            "requestId": "r",
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": False,
    }


@pytest.mark.parametrize("module", json_modules())
def test_every_http_api_is_a_json_api(module: str) -> None:
    assert isinstance(importlib.import_module(module).app, JsonApi)


@pytest.mark.parametrize(("module", "method", "path"), routes_with_bodies())
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (MULTIPART, FORM_BODY),
        ("application/x-www-form-urlencoded", "description=Bir+sokak+lambas%C4%B1+yanm%C4%B1yor"),
        ("text/plain", '{"description": "Bir sokak lambası yanmıyor."}'),
    ],
)
def test_a_form_or_text_body_is_refused_with_415_before_any_route_reads_it(
    module: str, method: str, path: str, content_type: str, body: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a route that takes a body, and a body a cross-site form could send
    app = importlib.import_module(module).app
    monkeypatch.setattr(app, "max_body_bytes", lambda: 32_768)  # no settings from the environment here
    concrete = re.sub(r"\{[^}]+\}", "x", path)
    # When it reaches the API
    answer = app.resolve(event(method.upper(), concrete, content_type, body), Context())
    # Then it is refused as 415 in our error shape, and the refusal is documented
    assert answer["statusCode"] == 415
    assert json.loads(answer["body"])["error"] == "unsupported_media_type"
    documented = openapi.schema()["paths"][path][method]["responses"]
    assert documented["415"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")


@pytest.mark.parametrize(
    ("content_type", "accepted"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ('APPLICATION/JSON;CHARSET="UTF-8"', True),
        ("", False),
        ("application/jsonx", False),
        ("application/json; charset=iso-8859-9", False),
        ("application/json; boundary=x", False),
        ("text/json", False),
        ("application/json, text/plain", False),
    ],
)
def test_what_counts_as_json(content_type: str, accepted: bool) -> None:
    assert is_json(content_type) is accepted


@pytest.mark.parametrize(("module", "method", "path"), routes_with_bodies())
@pytest.mark.parametrize(
    ("body", "encoded"),
    [
        pytest.param(base64.b64encode(b'{"description": "\xff\xfe"}').decode(), True, id="not UTF-8"),
        pytest.param("not base64!", True, id="broken base64"),
        pytest.param('{"description": "\ud800"}', False, id="lone surrogate"),
    ],
)
def test_a_json_body_that_is_not_utf8_text_is_a_400_not_a_crash(
    module: str, method: str, path: str, body: str, encoded: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a body declared JSON whose bytes are not UTF-8 text (API Gateway passes such a body base64)
    app = importlib.import_module(module).app
    monkeypatch.setattr(app, "max_body_bytes", lambda: 32_768)
    request = event(method.upper(), re.sub(r"\{[^}]+\}", "x", path), "application/json", body)
    # When it reaches the API
    answer = app.resolve({**request, "isBase64Encoded": encoded}, Context())
    # Then it is refused as a bad request in our shape, before any route reads it
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["error"] == "invalid_json"
    assert "400" in openapi.schema()["paths"][path][method]["responses"]
