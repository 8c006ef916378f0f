"""Meta signs every webhook POST: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.

Checked over the exact bytes received, before any JSON parsing (re-serialized JSON would differ),
and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

HEADER = "x-hub-signature-256"
PREFIX = "sha256="


class Verdict(StrEnum):
    VALID = "valid"
    MISSING = "missing"
    INVALID = "invalid"


def sign(raw: bytes, app_secret: str) -> str:
    """The header value Meta would send for `raw` (tests, the local simulator)."""
    return PREFIX + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def check(raw: bytes, header: str | None, app_secret: str) -> Verdict:
    if not header:
        return Verdict.MISSING
    expected = sign(raw, app_secret)
    # compare_digest takes str of ASCII only: anything else cannot be a valid signature anyway
    if not header.isascii() or not hmac.compare_digest(header.strip().lower(), expected):
        return Verdict.INVALID
    return Verdict.VALID
