"""Who wrote, without keeping who it is: the citizen index key of a sender, and opaque message refs.

The citizen index (`CIT#<hash>`) and the conversation (`CONV#<hash>`) are keyed by the citizen id of
`civicdesk.requests.citizens` (HMAC-SHA256 of the E.164 phone): the web and the call center link the
same citizen by hashing the number they were given with the same key.
"""

from __future__ import annotations

import hashlib

from civicdesk.requests.citizens import citizen_id


def citizen_key(secret: str, phone: str) -> str:
    """The citizen index key of a WhatsApp sender (the same hash the web and the call center use)."""
    return citizen_id(secret, phone)


def message_ref(message_id: str) -> str:
    """A provider message id (`wamid...`) as a short opaque reference.

    A `wamid` embeds the recipient's number (base64), so it never goes into a key, a timeline
    entry or an event as it is.
    """
    return hashlib.sha256(message_id.encode()).hexdigest()[:32]
