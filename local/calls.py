"""Count the AWS API calls a piece of code makes: the honest measure of cost per request."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from botocore.client import BaseClient

_original = BaseClient._make_api_call


@contextmanager
def counting_aws_calls() -> Iterator[Counter[str]]:
    """Yields a Counter of `service:Operation` for every botocore call made inside the block."""
    calls: Counter[str] = Counter()

    def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls[f"{client.meta.service_model.service_name}:{operation}"] += 1
        return _original(client, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", counted):
        yield calls
