"""Origin verification: the citizen API answers only requests that came through CloudFront (and its WAF).

CloudFront adds a secret header to every request it forwards to the API; the API's authorizer lets
a request in only when the header matches. Someone calling the execute-api URL directly has no way
to know the value, so the WAF's per-address limits and rule groups cannot be bypassed.
"""

from __future__ import annotations

import hmac

HEADER = "x-origin-verify"
"""Lower case: API Gateway hands HTTP API authorizers their headers in lower case."""


def verified(presented: str | None, expected: str) -> bool:
    """The header matches the secret (compared in constant time); an empty secret admits nobody."""
    if not presented or not expected:
        return False
    return hmac.compare_digest(presented.encode(), expected.encode())
