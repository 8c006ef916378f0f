"""Masks the personal data a free text may carry in plain sight, for copies that must not hold it.

Used where a text is kept beyond its request for another purpose (labelled examples for the
classifier): e-mail addresses, web addresses, @handles and every run of three or more digits (phone
numbers, Turkish ID numbers, door and flat numbers) are replaced by a marker. Names cannot be found
reliably in free text; those copies therefore follow the free-text retention period too.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_PATTERNS = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[e-posta]"),
    (re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE), "[adres]"),
    (re.compile(r"(?<!\w)@\w{2,}"), "[hesap]"),
    (re.compile(r"(?:\+?\d[\d\s().-]{1,}\d)"), "[sayı]"),
)


def redact(text: str) -> str:
    """The text with contact details and numbers masked (short numbers, 1-2 digits, are kept)."""
    masked = text
    for pattern, marker in _PATTERNS:
        masked = pattern.sub(_masker(marker), masked)
    return masked


def _masker(marker: str) -> Callable[[re.Match[str]], str]:
    def mask(found: re.Match[str]) -> str:
        digits = sum(c.isdigit() for c in found.group(0))
        return found.group(0) if marker == "[sayı]" and digits < 3 else marker

    return mask
