"""The survey link's token: which request, which resolution, until when — signed, so nothing is stored.

`<code>.<resolved epoch>.<expires epoch>.<signature>`: an HMAC-SHA256 under the citizen-index key,
domain-separated (`civicdesk-survey-v1`) so no other use of that key can produce one. A token is
single use because the answer it carries is written only if the request has none yet; it expires by
the time it carries. Rotating the key invalidates the links sent before (they fail as unknown).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from civicdesk.core.errors import LinkExpired, LinkInvalid
from civicdesk.requests import codes

PURPOSE = b"civicdesk-survey-v1"
SIGNATURE_BYTES = 16
MAX_LENGTH = 100


@dataclass(frozen=True)
class Claims:
    code: str
    resolved_at: datetime
    expires_at: datetime


def _signature(key: str, payload: str) -> str:
    mac = hmac.new(key.encode(), PURPOSE + b"\0" + payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:SIGNATURE_BYTES]).decode().rstrip("=")


def issue(key: str, code: str, resolved_at: datetime, expires_at: datetime) -> str:
    payload = f"{code}.{int(resolved_at.timestamp())}.{int(expires_at.timestamp())}"
    return f"{payload}.{_signature(key, payload)}"


def read(key: str, token: str, now: datetime) -> Claims:
    """The claims of a genuine token; LinkInvalid for anything forged or garbled, LinkExpired after."""
    parts = token.split(".") if len(token) <= MAX_LENGTH else []
    if len(parts) != 4 or not parts[1].isdigit() or not parts[2].isdigit():
        raise LinkInvalid()
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _signature(key, payload)):
        raise LinkInvalid()
    code = codes.normalize(parts[0])
    if code is None:
        raise LinkInvalid()
    claims = Claims(
        code=code,
        resolved_at=datetime.fromtimestamp(int(parts[1]), UTC),
        expires_at=datetime.fromtimestamp(int(parts[2]), UTC),
    )
    if now >= claims.expires_at:
        raise LinkExpired()
    return claims
