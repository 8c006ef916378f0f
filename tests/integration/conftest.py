"""Call the real Lambda handlers with API Gateway HTTP API (payload v2) events."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import boto3
import pytest

from civicdesk.whatsapp import runtime as wa_runtime
from civicdesk.whatsapp.signature import sign
from local import whatsapp_fake as wa
from local.whatsapp_fake import LOCAL_CREDENTIALS, FakeCloudApi, use_local_credentials
from tests.infra.synth import Synth


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
    monkeypatch.setenv("MEDIA_BUCKET", "media")  # web photos' bucket; these tests file none
    runtime.reset()
    handler.settings.cache_clear()  # this test's environment, not the one an earlier test left cached
    yield handler
    runtime.reset()
    handler.settings.cache_clear()


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


# --- the WhatsApp channel, with the whole system behind it ---------------------------------------------


@dataclass
class Answer:
    status: int
    body: Any


@dataclass
class Channel:
    system: Any
    api: FakeCloudApi

    @property
    def table(self) -> str:
        return os.environ["TABLE_NAME"]

    @property
    def bucket(self) -> str:
        return os.environ["WHATSAPP_MEDIA_BUCKET"]

    def post(self, body: dict[str, Any] | bytes, signature: str | None = "valid") -> Answer:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {}
        if signature == "valid":
            headers["x-hub-signature-256"] = sign(raw, LOCAL_CREDENTIALS["app_secret"])
        elif signature is not None:
            headers["x-hub-signature-256"] = signature
        try:
            body_text: str | bytes = raw.decode("utf-8")
        except UnicodeDecodeError:
            body_text = raw  # API Gateway passes a body that is not UTF-8 text base64-encoded
        event = http_event("POST", "/webhooks/whatsapp", body_text, headers)
        return self._call(event)

    def get(self, query: str) -> Answer:
        event = http_event("GET", "/webhooks/whatsapp")
        event["rawQueryString"] = query
        event["queryStringParameters"] = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        return self._call(event)

    def _call(self, event: dict[str, Any]) -> Answer:
        answer = self.system.handler("WhatsAppHandler")(event, LambdaContext())
        text = answer.get("body") or ""
        is_json = answer.get("headers", {}).get("Content-Type", "").startswith("application/json")
        return Answer(answer["statusCode"], json.loads(text) if is_json and text else text)

    def say(self, *messages: dict[str, Any]) -> Answer:
        answer = self.post(wa.delivery(messages))
        assert answer.status == 200, answer.body
        return answer

    def items(self) -> list[dict[str, Any]]:
        from civicdesk.core.dynamo import deserialize

        pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=self.table)
        return [deserialize(i) for page in pages for i in page["Items"]]

    def of_type(self, item_type: str) -> list[dict[str, Any]]:
        return [i for i in self.items() if i.get("item_type") == item_type]

    def settle(self, timeout: float = 30) -> None:
        """Stream consumers and router executions, so nothing runs on after the emulator stops."""
        sfn = boto3.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.system.settle(timeout)
            machines = sfn.list_state_machines()["stateMachines"]
            running = [
                e
                for m in machines
                for e in sfn.list_executions(stateMachineArn=m["stateMachineArn"], statusFilter="RUNNING")[
                    "executions"
                ]
            ]
            if not running:
                return
            time.sleep(0.05)


@pytest.fixture
def channel(dev_synth: Synth) -> Iterator[Channel]:
    from local.inprocess import emulated

    api = FakeCloudApi()
    environment = {"CATALOG_CACHE_SECONDS": "0", "WHATSAPP_RETRY_BASE_SECONDS": "0"}
    with api.running(), emulated(dev_synth.raw, {**environment, "WHATSAPP_API_BASE": api.base_url}) as system:
        use_local_credentials(os.environ["WHATSAPP_SECRET_ID"])
        wa_runtime.reset()
        channel = Channel(system, api)
        yield channel
        channel.settle()
    wa_runtime.reset()
