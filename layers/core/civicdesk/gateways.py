"""Thin gateways to the AWS services the domain hands work to: the router and the event bus."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.exceptions import ClientError

PUT_EVENTS_BATCH = 10  # EventBridge's limit per PutEvents call


class PublishFailed(RuntimeError):
    """EventBridge refused some entries; the stream record is retried (partial batch failure)."""


class Router:
    """Starts router executions. Clients are created on first use."""

    def __init__(self, state_machine_arn: str, client: Any = None) -> None:
        self.arn = state_machine_arn
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.client("stepfunctions")
        return self._client

    def start(self, name: str, payload: dict[str, Any]) -> bool:
        """Start one execution; False if one with this name already exists (a redelivered record)."""
        try:
            self.client.start_execution(stateMachineArn=self.arn, name=name, input=json.dumps(payload))
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return False
            raise
        return True


class EventBus:
    def __init__(self, client: Any = None) -> None:
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.client("events")
        return self._client

    def put(self, entries: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(entries), PUT_EVENTS_BATCH):
            answer = self.client.put_events(Entries=list(entries[start : start + PUT_EVENTS_BATCH]))
            if answer.get("FailedEntryCount"):
                codes = sorted({e.get("ErrorCode", "?") for e in answer["Entries"] if e.get("ErrorCode")})
                raise PublishFailed(f"{answer['FailedEntryCount']} event(s) refused: {', '.join(codes)}")
