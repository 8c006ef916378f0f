"""Turkish text folding and word matching, shared by the classifier and the WhatsApp dialogue.

Citizens type on Turkish and English keyboards alike, drop diacritics, and add suffixes to every
noun. Everything here works on a folded ASCII skeleton (`fold`), so `KÖPEĞE`, `köpeğe` and
`kopege` meet, and on stems: a word matches a stem it starts with, allowing for the consonant
softening Turkish applies before a vowel (`köpek` → `köpeğe`, `sokak` → `sokağa`).
"""

from __future__ import annotations

import re
import unicodedata

# Turkish capitals first: Python's lower() turns İ into "i" plus a combining dot, and I into "i"
# where Turkish wants "ı". For matching, both I and İ fold to "i" so the two keyboards meet.
_CAPITALS = str.maketrans({"İ": "i", "I": "i"})
_TURKISH = str.maketrans(
    {"ç": "c", "ğ": "g", "ı": "i", "ö": "o", "ş": "s", "ü": "u", "â": "a", "î": "i", "û": "u"}
)
_TR_LOWER = str.maketrans({"İ": "i", "I": "ı"})
_APOSTROPHE = re.compile(r"(?<=\w)['’‘`´](?=\w)")
_WORD = re.compile(r"[^\W_]+")

VOWELS = frozenset("aeiou")
# Consonant softening at a stem's end before a vowel suffix, in folded letters (ç→c is a no-op
# once folded): kitap → kitabı, köpek → köpeği, renk → rengi, dert → derdi.
_SOFTENED = {"k": "g", "p": "b", "t": "d"}
_HARDENED = {"g": "k", "b": "p", "d": "t"}

# Inflectional suffixes (folded, so ı/i and u/ü coincide) that may follow a short stem. Short
# stems (`yol`, `çöp`, `su`) only match when the rest of the word is a chain of these, so that
# `çöpler` is garbage but `çimento` is not grass and `doğru` is not a dog.
_SUFFIXES = frozenset({
    "lar", "ler", "imiz", "umuz", "iniz", "unuz", "miz", "muz", "niz", "nuz", "im", "um", "in", "un",
    "si", "su", "i", "u", "yi", "yu", "ni", "nu", "nin", "nun", "yin", "yun", "a", "e", "ya", "ye", "na",
    "ne", "da", "de", "ta", "te", "nda", "nde", "dan", "den", "tan", "ten", "ndan", "nden", "la", "le",
    "yla", "yle", "ki", "ci", "cu", "lik", "luk", "lig", "lug", "li", "lu", "siz", "suz", "di", "du",
    "ti", "tu", "dir", "dur", "tir", "tur", "ydi", "ydu", "mis", "mus", "ymis", "ymus",
})  # fmt: skip
_SUFFIX_CHAIN = re.compile("(?:" + "|".join(sorted(_SUFFIXES, key=len, reverse=True)) + ")*")
_ENGLISH_PLURAL = frozenset({"s", "es"})
MAX_SUFFIX_CHAIN = 10  # longer "suffix" tails are not suffixes; also bounds regex backtracking


def fold(text: str) -> str:
    """Lower-case ASCII skeleton for matching: `İ`/`I`/`ı`/`i` → `i`, `ç` → `c`, `ş` → `s`, and so on."""
    if text.isascii():
        return text.lower()
    folded = text.translate(_CAPITALS).casefold().translate(_TURKISH)
    if folded.isascii():
        return folded
    # Anything else (decomposed input, other Latin diacritics): strip the combining marks.
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().translate(_TURKISH)


def lower_tr(text: str) -> str:
    """Turkish lower case for display (`I` → `ı`, `İ` → `i`); use `fold` for matching."""
    return text.translate(_TR_LOWER).lower()


def words(text: str) -> list[str]:
    """The folded words of a text; an apostrophe before a suffix joins it (`Atatürk'te` → `ataturkte`)."""
    return _WORD.findall(_APOSTROPHE.sub("", fold(text)))


def soften(stem: str) -> str | None:
    """The stem as it reads before a vowel suffix (`kopek` → `kopeg`), or None when it does not change.

    Short stems are left alone: one-syllable words mostly keep their consonant (`kat` → `katı`).
    """
    last = _SOFTENED.get(stem[-1:]) if len(stem) >= 4 else None
    return stem[:-1] + last if last else None


def is_suffix_chain(rest: str) -> bool:
    """True when `rest` (folded) is empty or reads as inflection (`ler`, `lerden`, `yu`; English `s`)."""
    if rest in _ENGLISH_PLURAL:
        return True
    return len(rest) <= MAX_SUFFIX_CHAIN and _SUFFIX_CHAIN.fullmatch(rest) is not None


def stem_matches(stem: str, word: str, *, strict: bool = False) -> bool:
    """Does the folded `word` read as `stem` plus suffixes? Strict stems accept only inflection after them.

    `stem_matches("kopek", "kopegimiz")` and `stem_matches("cop", "copler", strict=True)` hold;
    `stem_matches("cim", "cimento", strict=True)` does not.
    """
    if word.startswith(stem):
        return not strict or is_suffix_chain(word[len(stem) :])
    soft = soften(stem)
    if soft and word.startswith(soft) and word[len(soft) : len(soft) + 1] in VOWELS:
        return not strict or is_suffix_chain(word[len(soft) :])
    return False


def lemma(word: str, *, compound: bool = False) -> str:
    """A folded keyword's base form, so inflected keywords still match other inflections.

    The plural goes (`sular` → `su`); with `compound`, for the last word of a noun compound, the
    compound marker goes too, undoing softening (`köpeği` → `kopek`, `kutusu` → `kutu`, `suyu` → `su`).
    """
    if len(word) >= 5 and word.endswith(("lar", "ler")):
        word = word[:-3]
    if not compound:
        # A lone word keeps its ending unless it is plainly a marker (`tahtakurusu`): `kedi`, `kazı`
        # and `yapı` end in a vowel of their own.
        return word[:-2] if len(word) >= 6 and word.endswith(("si", "su")) and word[-3] in VOWELS else word
    if len(word) >= 4 and word.endswith(("yi", "yu")) and word[-3] in VOWELS:
        return word[:-2]
    if len(word) >= 5 and word.endswith(("si", "su")) and word[-3] in VOWELS:
        return word[:-2]  # `kutusu` → `kutu`; but `taşı` and `sesi` are `taş` and `ses` plus `ı`
    if len(word) >= 3 and word[-1] in "iu" and word[-2] not in VOWELS:
        base = word[:-1]
        hard = _HARDENED.get(base[-1])
        return base[:-1] + hard if hard and base[-2:-1] in VOWELS else base
    return word


def distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count one), or `limit + 1` once above `limit`.

    The early exit keeps typo tolerance cheap: most comparisons stop after a row or two.
    """
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def prefix_distances(word: str, typed: str, limit: int) -> dict[int, int]:
    """The distance from `word` to each prefix of `typed` that is within `limit`, by prefix length.

    One table serves every place where the word may end and a suffix begin (`kazimdirkte`: 9 → 1),
    where calling `distance` once per cut would fill a table each time. Only cells within `limit` of
    the diagonal are filled, so a long word costs a few cells a row.
    """
    above = limit + 1
    width = len(typed)
    previous2: list[int] = []
    previous = [j if j <= limit else above for j in range(width + 1)]
    for i in range(1, len(word) + 1):
        current = [above] * (width + 1)
        current[0] = i if i <= limit else above
        letter, low = word[i - 1], above
        for j in range(max(1, i - limit), min(width, i + limit) + 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (letter != typed[j - 1]))
            if i > 1 and j > 1 and letter == typed[j - 2] and word[i - 2] == typed[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value = min(value, above)
            low = min(low, value)
        if min(low, current[0]) > limit:
            return {}
        previous2, previous = previous, current
    return {length: value for length, value in enumerate(previous) if value <= limit}


def deletions(word: str, depth: int) -> set[str]:
    """`word` and every string made by deleting up to `depth` letters: the symmetric-delete typo index."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found
