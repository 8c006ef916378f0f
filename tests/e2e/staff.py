"""Staff as the local stack meets them: sign in with a demo account, call the staff API over HTTP."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import boto3

from .conftest import LocalStack

AGENT = "agent@civicdesk.local"
VET = "vet@civicdesk.local"
ROADS = "roads@civicdesk.local"
FIELD = "field@civicdesk.local"
SUPERVISOR = "supervisor@civicdesk.local"
ADMIN = "admin@civicdesk.local"
ANALYST = "analyst@civicdesk.local"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def etag(self) -> str:
        return self.headers.get("ETag", "")


@dataclass
class Staff:
    """Signs in once per demo account (the emulator's pool, USER_PASSWORD_AUTH) and calls the API."""

    stack: LocalStack
    config: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        with urlopen(f"{self.stack.url}/staff/config.json", timeout=10) as answer:  # noqa: S310 - loopback
            self.config = json.loads(answer.read())

    def token(self, username: str) -> str:
        if username not in self.tokens:
            idp = boto3.client(
                "cognito-idp", endpoint_url=self.config["endpoint"], region_name=self.config["region"]
            )
            answer = idp.initiate_auth(
                ClientId=self.config["clientId"],
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": self.config["demo"]["password"]},
            )
            self.tokens[username] = answer["AuthenticationResult"]["IdToken"]
        return self.tokens[username]

    def call(
        self,
        user: str | None,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        data = None if body is None else json.dumps(body).encode()
        request = Request(f"{self.stack.url}{path}", data=data, method=method)  # noqa: S310 - loopback
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if user is not None:
            request.add_header("Authorization", f"Bearer {self.token(user)}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
                raw = answer.read()
                return Answer(answer.status, dict(answer.headers), json.loads(raw) if raw else None)
        except HTTPError as error:
            raw = error.read()
            return Answer(error.code, dict(error.headers), json.loads(raw) if raw else None)

    def file(self, description: str, phone: str = "0532 400 10 20", **extra: Any) -> str:
        """A call-center request (as the agent); returns its code once the router has placed it."""
        body = {"channel": "call_center", "description": description, "contact": {"phone": phone}, **extra}
        answer = self.call(AGENT, "POST", "/staff/requests", body)
        assert answer.status == 201, answer.body
        code = str(answer.body["code"])
        self.wait_routed(code)
        return code

    def wait_routed(self, code: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            answer = self.call(SUPERVISOR, "GET", f"/staff/requests/{code}")
            if answer.status == 200 and answer.body["status"] != "received":
                return dict(answer.body)
            if time.monotonic() > deadline:
                raise AssertionError(f"{code} was not routed: {answer.body}")
            time.sleep(0.2)

    def read(self, user: str, code: str) -> Answer:
        return self.call(user, "GET", f"/staff/requests/{code}")
