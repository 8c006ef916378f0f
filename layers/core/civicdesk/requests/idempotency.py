"""Filing once per `Idempotency-Key`: a client that sends again after a timeout gets the same code.

A citizen whose answer was lost (a dropped connection, a gateway timeout) presses Send again; with
the same key and the same body the request is not filed twice, and the answer names the request
the first attempt filed. The key is the client's (RFC draft `Idempotency-Key`: one fresh UUID per
submission); records are Powertools Idempotency records in the pool table, under the function's
own `IDEMPOTENCY#<function>` partition, kept `WINDOW`. A key sent again with another body is refused
(`KeyReused`, 422) and one whose first attempt is still running answers 409 (`StillFiling`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from civicdesk.core.errors import KeyReused, RequestNotFound, StillFiling
from civicdesk.requests.models import ServiceRequest
from civicdesk.requests.repository import RequestRepository

WINDOW = timedelta(hours=24)
"""How long a key is remembered: a citizen retries within minutes, an app's offline queue within a day."""


class FilingOnce:
    """Runs a filing at most once per (scope, key); a repeat returns the request the first one filed.

    The record keeps only the request's code (the body is kept as its hash, for the comparison):
    no personal data in the idempotency partition.
    """

    def __init__(self, persistence: BasePersistenceLayer, window: timedelta = WINDOW) -> None:
        self.config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="body",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=int(window.total_seconds()),
            hash_function="sha256",
        )
        self._once = idempotent_function(
            data_keyword_argument="call", persistence_store=persistence, config=self.config
        )(self._file)

    @staticmethod
    def _file(
        *, call: Mapping[str, Any], filing: Callable[[], ServiceRequest], filed: list[ServiceRequest]
    ) -> dict[str, str]:
        request = filing()
        filed.append(request)
        return {"code": request.code}

    def file(
        self,
        key: str | None,
        body: Mapping[str, Any],
        filing: Callable[[], ServiceRequest],
        *,
        requests: RequestRepository,
        scope: str = "",
        context: LambdaContext | None = None,
    ) -> ServiceRequest:
        """`filing()` once per key within `scope` (e.g. a staff member); without a key, every time.

        With the invocation's `context`, a filing cut short by the function's timeout leaves its key
        free when the invocation ends, not blocked (409) for the whole window.
        """
        if key is None:
            return filing()
        if callable(getattr(context, "get_remaining_time_in_millis", None)):  # test stand-ins may lack it
            self.config.register_lambda_context(context)  # type: ignore[arg-type]
        filed: list[ServiceRequest] = []
        try:
            answer = self._once(call={"key": [scope, key], "body": body}, filing=filing, filed=filed)
        except IdempotencyValidationError as error:
            raise KeyReused("the key was sent before with a different body") from error
        except IdempotencyAlreadyInProgressError as error:
            raise StillFiling("the first attempt with this key is still running") from error
        if filed:
            return filed[0]
        request = requests.get(answer["code"])  # filed by an earlier attempt with this key
        if request is None:
            raise RequestNotFound(answer["code"])
        return request
