"""The one way a gateway gets its boto3 client: created on first use, or injected by a test.

Nothing touches AWS at import, so a handler module imports offline and a warm Lambda reuses its
client; every AWS gateway in `civicdesk` derives from `AwsGateway` instead of writing the property.
"""

from __future__ import annotations

from typing import Any, ClassVar

import boto3

AwsClient = Any  # botocore clients are generated at run time


class AwsGateway:
    """Base of every gateway to one AWS service (`service` is boto3's name for it)."""

    service: ClassVar[str]

    def __init__(self, client: AwsClient | None = None) -> None:
        self._client = client

    @property
    def client(self) -> AwsClient:
        if self._client is None:
            self._client = boto3.client(self.service)
        return self._client
