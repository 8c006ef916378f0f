"""The words the WhatsApp dialogue listens for: yes, no, skip, commands, greetings, and which language.

Language knowledge only, on folded words (`textnorm.words`), so `Hayır`, `hayir` and `HAYIR` meet.
The dialogue decides what each answer means at its step.
"""

from __future__ import annotations

import re
from enum import StrEnum

from civicdesk.core import textnorm
from civicdesk.requests.models import Language

YES = frozenset({"evet", "e", "tamam", "dogru", "olur", "gonder", "yes", "y", "ok", "okay", "yep", "send"})
NO = frozenset({"hayir", "h", "yok", "degil", "yanlis", "no", "n", "nope", "wrong"})
SKIP = frozenset({"atla", "gec", "yok", "hayir", "fotografsiz", "skip", "no", "none", "pass"})
SKIP_PHOTO = SKIP | NO  # "do you have a photo?" is a yes/no question too
_CANCEL = frozenset({"iptal", "vazgec", "vazgectim", "cancel"})
_STATUS = frozenset({"durum", "status", "sorgu", "sorgula"})
_REOPEN = frozenset({"reopen"})  # and `yeniden aç`, two words
_ENGLISH = frozenset({"english", "ingilizce", "en"})
_TURKISH = frozenset({"turkce", "turkish", "tr"})
_GREETINGS = frozenset({
    "merhaba", "merhabalar", "selam", "selamlar", "slm", "mrb", "iyi", "gunler", "aksamlar", "sabahlar",
    "gunaydin", "hi", "hello", "hey", "good", "morning", "evening", "afternoon", "sa", "selamunaleykum",
})  # fmt: skip
_EN_WORDS = frozenset({
    "the", "is", "are", "there", "a", "an", "my", "our", "street", "please", "hello", "hi", "help", "in",
    "on", "of", "and", "with", "near", "broken", "not", "it", "this", "i", "we", "you", "has", "have", "been",
    "dog", "cat", "garbage", "trash", "road", "light", "water", "since", "days", "for", "at", "to", "from",
})  # fmt: skip
_TR_WORDS = frozenset({
    "ve", "bir", "bu", "var", "yok", "icin", "mahallesi", "sokak", "lutfen", "merhaba", "selam", "cok",
    "da", "de", "ile", "gibi", "ama", "cunku", "sokakta", "gun", "gundur", "hala", "yine", "olan",
})  # fmt: skip
_TURKISH_LETTERS = re.compile("[çğıöşüÇĞİÖŞÜ]")


class Command(StrEnum):
    """What a citizen can say at any step."""

    CANCEL = "cancel"
    STATUS = "status"
    ENGLISH = "english"
    TURKISH = "turkish"
    REOPEN = "reopen"


def detect_language(text: str) -> Language:
    """English when the first message reads as English, else Turkish (the default)."""
    if _TURKISH_LETTERS.search(text):
        return Language.TR
    words = textnorm.words(text)
    english = sum(w in _EN_WORDS for w in words)
    turkish = sum(w in _TR_WORDS for w in words)
    return Language.EN if english > turkish else Language.TR


def substantive(text: str) -> bool:
    """More than a greeting: at least two words that are not one."""
    return sum(w not in _GREETINGS for w in textnorm.words(text)) >= 2


def says(text: str, vocabulary: frozenset[str]) -> bool:
    """A short answer (three words at most) that begins with one of these words: `evet`, `hayır yok`."""
    words = textnorm.words(text)
    return bool(words) and len(words) <= 3 and words[0] in vocabulary


def command(text: str) -> Command | None:
    """`iptal`, `durum <code>`, `yeniden aç <code>`, `English`, `Türkçe`; None for anything else."""
    words = textnorm.words(text)
    if not words:
        return None
    if words[0] in _REOPEN or words[:2] == ["yeniden", "ac"]:
        return Command.REOPEN
    if words[0] in _CANCEL and len(words) <= 3:
        return Command.CANCEL
    if words[0] in _STATUS:
        return Command.STATUS
    if len(words) == 1 and words[0] in _ENGLISH:
        return Command.ENGLISH
    if len(words) == 1 and words[0] in _TURKISH:
        return Command.TURKISH
    return None
