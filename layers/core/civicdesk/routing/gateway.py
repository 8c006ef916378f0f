"""Starts router executions (the Express state machine that routes one new request)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from civicdesk.core.aws import AwsClient, AwsGateway


class Router(AwsGateway):
    service = "stepfunctions"

    def __init__(self, state_machine_arn: str, client: AwsClient | None = None) -> None:
        super().__init__(client)
        self.arn = state_machine_arn

    def start(self, name: str, payload: dict[str, Any]) -> bool:
        """Start one execution; False if one with this name already exists (a redelivered record)."""
        try:
            self.client.start_execution(stateMachineArn=self.arn, name=name, input=json.dumps(payload))
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return False
            raise
        return True
