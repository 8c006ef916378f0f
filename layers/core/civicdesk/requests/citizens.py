"""Who a citizen is across channels, without keeping who it is: a keyed hash of their phone number.

The citizen index (`CIT#<hash>`) links a caller's requests from the phone, the web and WhatsApp.
The key (a secret of its own, apart from any provider's credentials) makes the hash irreversible by
trying every Turkish mobile number (there are only ~10^10 of them); the number itself is never a key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable


def e164(phone: str) -> str:
    """A WhatsApp id is the number in digits with its country code: `905321234567` -> `+905321234567`."""
    return phone if phone.startswith("+") else f"+{phone}"


def citizen_id(key: str, phone: str) -> str:
    """The keyed hash of an E.164 phone number (hex): the citizen's id in keys, logs and metrics."""
    return hmac.new(key.encode(), e164(phone).encode(), hashlib.sha256).hexdigest()


def link(phone: str | None, key: Callable[[], str]) -> str | None:
    """The citizen id for a request that gave a phone (the key is read only then), else None."""
    return citizen_id(key(), phone) if phone else None
