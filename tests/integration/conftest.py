"""Call the real Lambda handlers with API Gateway HTTP API (payload v2) events."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest


@dataclass
class LambdaContext:
    function_name: str = "intake"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-central-1:123456789012:function:intake"
    aws_request_id: str = "test-request"


@dataclass
class HttpAnswer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def http_event(
    method: str,
    path: str,
    body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    route: str | None = None,
) -> dict[str, Any]:
    """An API Gateway v2 event as the HTTP API sends it to a Lambda proxy integration."""
    is_binary = isinstance(body, bytes)
    raw = base64.b64encode(body).decode() if isinstance(body, bytes) else body
    return {
        "version": "2.0",
        "routeKey": route or f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", **(headers or {})},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "local",
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "pytest",
            },
            "requestId": "req-1",
            "routeKey": route or f"{method} {path}",
            "stage": "$default",
            "time": "28/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795860000000,
        },
        "body": raw,
        "isBase64Encoded": is_binary,
    }


def citizen_key_secret() -> str:
    """The citizen-index key's secret, as the stack creates it (a generated string)."""
    import boto3

    return str(boto3.client("secretsmanager").create_secret(Name="citizen-key", SecretString="k" * 48)["ARN"])


@pytest.fixture
def intake(table_name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The intake handler module, configured for this test's table, with fresh caches."""
    from civicdesk import runtime
    from functions.intake import handler

    monkeypatch.setenv("TABLE_NAME", table_name)
    monkeypatch.setenv("CATALOG_CACHE_SECONDS", "0")
    monkeypatch.setenv("CITIZEN_KEY_SECRET_ID", citizen_key_secret())
    runtime.reset()
    yield handler
    runtime.reset()


@pytest.fixture
def call(intake: ModuleType) -> Callable[..., HttpAnswer]:
    def _call(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> HttpAnswer:
        raw = body if isinstance(body, str | bytes) or body is None else json.dumps(body)
        answer = intake.lambda_handler(http_event(method, path, raw, headers), LambdaContext())
        text = answer.get("body") or ""
        content_type = answer.get("headers", {}).get("Content-Type", "")
        parsed = json.loads(text) if text and content_type.startswith("application/json") else text
        return HttpAnswer(status=answer["statusCode"], body=parsed, headers=answer.get("headers", {}))

    return _call


@dataclass
class Cloud:
    """The dev template's resources in moto, every function bridged to its in-process handler."""

    emulated: Any

    @property
    def resources(self) -> Any:
        return self.emulated.resources

    @property
    def handlers(self) -> dict[str, Any]:
        return dict(self.emulated.handlers)

    def function(self, logical_prefix: str) -> str:
        return str(self.emulated.function(logical_prefix))

    @property
    def table(self) -> str:
        return str(self.resources.table())

    def call(self, method: str, path: str, body: Any = None) -> HttpAnswer:
        """An HTTP API call to the intake handler, as the gateway would make it."""
        raw = body if isinstance(body, str | bytes) or body is None else json.dumps(body)
        answer = self.emulated.handler("IntakeHandler")(http_event(method, path, raw), LambdaContext())
        return HttpAnswer(status=answer["statusCode"], body=json.loads(answer.get("body") or "null"))


@pytest.fixture
def cloud(dev_synth: Any) -> Iterator[Cloud]:
    """What `make run` builds, in-process: moto with Step Functions executing, from the template."""
    from local.inprocess import emulated

    with emulated(dev_synth.raw, {"CATALOG_CACHE_SECONDS": "0"}) as system:
        yield Cloud(system)
