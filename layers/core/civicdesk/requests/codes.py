"""Tracking codes: the request's id, read out over the phone and typed from a receipt.

Nine symbols from a 27-letter alphabet give 42.8 random bits (unguessable: enumerating them
is hopeless at API rates). The alphabet drops what is misheard or misread (0/O, 1/I/L, U/V's
twin) and the letters Turkish lacks (Q, W, X), so an agent can spell it to anyone.
"""

from __future__ import annotations

import math
import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPRSTVYZ"
LENGTH = 9
GROUP = 3
ENTROPY_BITS = LENGTH * math.log2(len(ALPHABET))

_CANONICAL = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")
_SEPARATORS = re.compile(r"[\s\-_.]")


def new_code() -> str:
    """A fresh canonical code (no separators), drawn from the OS's CSPRNG."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    """`7KPM4YP2T` -> `7KP-M4Y-P2T`: groups of three are easier to read out."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalize(text: str) -> str | None:
    """The canonical code a person meant, or None when it cannot be one.

    Accepts lower case, dashes, spaces and dots. Turkish `ı`/`İ` need no folding: the alphabet has no
    I, so whatever they upper-case to is refused either way (mutation testing showed the fold changed
    nothing).
    """
    candidate = _SEPARATORS.sub("", text.strip()).upper()
    return candidate if _CANONICAL.match(candidate) else None
