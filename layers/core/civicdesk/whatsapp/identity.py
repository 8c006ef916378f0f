"""Who wrote, without keeping who it is: keyed hashes of the phone number for keys and logs.

The citizen index (`CIT#<hash>`) and the conversation (`CONV#<hash>`) are keyed by
HMAC-SHA256(secret key, E.164 phone). Without the key, a hash cannot be reversed by trying every
Turkish mobile number (there are only ~10^10); the web intake can link the same citizen by hashing
the phone it was given with the same key.
"""

from __future__ import annotations

import hashlib
import hmac


def e164(wa_id: str) -> str:
    """A WhatsApp id is the number in digits with its country code: `905321234567` -> `+905321234567`."""
    return wa_id if wa_id.startswith("+") else f"+{wa_id}"


def citizen_key(secret: str, phone: str) -> str:
    """The keyed hash of an E.164 phone number (hex): the citizen's id in keys, logs and metrics."""
    return hmac.new(secret.encode(), e164(phone).encode(), hashlib.sha256).hexdigest()


def message_ref(message_id: str) -> str:
    """A provider message id (`wamid...`) as a short opaque reference.

    A `wamid` embeds the recipient's number (base64), so it never goes into a key, a timeline
    entry or an event as it is.
    """
    return hashlib.sha256(message_id.encode()).hexdigest()[:32]
