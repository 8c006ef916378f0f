"""Neighbourhood names as citizens write them: one reader for the classifier and the WhatsApp dialogue.

A name is read with Turkish suffixes and apostrophes (`Kazım Dirik'te`, `Erzene'deyiz`), without
diacritics, joined or apart (`kazimdirik`, `Evka 3`, `evka3`, `EVKA-3`), and, in longer names,
with a typo after the first three letters (`Naldökn mah.`). Exact spelling beats a typo: `Erzene`
is never read as `Ergene`, nor a word that is exactly one name as another with a typo.

When a name counts. On its own, a name counts only when it can mean nothing else: it has a word of
its own (`Erzene`, `Laka`, `Evka 3`, the `Dirik` of `Kazım Dirik`). A name made only of everyday
words, given names and names that towns all over Turkey give their streets and schools (`Zafer`,
`Ümit`, `Merkez`, `Çınar`, `Yunus Emre`, `Atatürk`), or a one-word name written apart (`kaya dibi`,
`beş yol`, which are ordinary phrases), needs a marker after it: `mahallesi`, `mah.`, `mh` — or the
question "which neighbourhood?" just asked (the dialogue's neighbourhood step, `asked=True`). A name
followed by a street word (`Atatürk Caddesi`, `Çınar Sokak`) names a street, never a neighbourhood.

Which names are everyday is language knowledge and lives here (`_EVERYDAY`), not in a profile: the
same words are ambiguous in every municipality, and a new profile's names are judged without edits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from civicdesk.catalogue.model import Neighbourhood
from civicdesk.core import textnorm

# Everyday words, given names and titles, rivers, and national figures and events that neighbourhoods,
# streets and schools are named after all over Turkey (folded). A name made only of these says
# nothing by itself: `Zafer Bey` is a man, `birlikte` is "together", `ışıklar` are lights.
_EVERYDAY = frozenset({
    # everyday words
    "merkez", "yeni", "eski", "cami", "camii", "kale", "istasyon", "carsi", "pazar", "orta", "asagi",
    "yukari", "sahil", "liman", "bag", "bahce", "bahceli", "bahcelievler", "ev", "evler", "evleri",
    "tepe", "dere", "koy", "ova", "yayla", "kaya", "pinar", "cesme", "degirmen", "sanayi", "site",
    "konak", "saray", "hisar", "kule", "koru", "orman", "bostan", "yildiz", "gunes", "yesil", "guzel",
    "birlik", "zafer", "umit", "egemenlik", "cumhuriyet", "hurriyet", "istiklal", "kurtulus", "emek",
    "baris", "sevgi", "isiklar", "cicekli", "karacam", "cinar", "doganlar", "besyol", "kizilay",
    "esentepe", "yesiltepe", "yesilyurt", "gulbahce", "bayrakli",
    # rivers and seas
    "tuna", "meric", "ergene", "firat", "dicle", "sakarya", "kizilirmak", "yesilirmak", "ege",
    "marmara", "karadeniz", "akdeniz",
    # given names and titles
    "ali", "ahmet", "mehmet", "mustafa", "hasan", "huseyin", "osman", "yunus", "emre", "kazim",
    "rafet", "refet", "kemal", "fevzi", "ismet", "mithat", "namik", "fatih", "selim", "yavuz",
    "yildirim", "beyazit", "bayezid", "sinan", "mimar", "akif", "dogan", "gazi", "pasa", "bey",
    "sultan", "hoca", "sehit", "ersoy", "cakmak", "karabekir", "orhan", "murat", "ertugrul",
    # national figures and events
    "ataturk", "inonu", "barbaros", "mevlana", "karacaoglan", "kemalpasa", "gaziosmanpasa",
    "fevzipasa", "yunusemre", "mimarsinan", "kocatepe", "dumlupinar", "malazgirt", "canakkale",
    "anafartalar", "piyalepasa", "hacibayram",
})  # fmt: skip
# "mahallesi", "mah.", "mh" and their inflections (`mahallemizde`) mark the name before them.
_MARKERS = frozenset({"mah", "mh", "neighbourhood", "neighborhood"})
_MARKER_STEMS = ("mahal", "mahhal")
# A street word after a name makes it a street's name: `Atatürk Caddesi`, `İnönü street`.
_STREETS = frozenset({"sokak", "sok", "sk", "cadde", "cad", "cd", "bulvar", "blv", "street", "st", "road"})
_STREET_STEMS = ("sokag", "sokak", "cadde", "bulvar", "meydan")
# Personal endings after a place's case ending: `Erzene'deyim`, `Laka'dayız`.
_COPULA = ("yim", "yum", "yiz", "yuz", "im", "um", "iz", "uz", "yken")
_KEY = 3  # a typo is looked for after the first three letters, which people get right
_SHORTEST_BARE = 4  # a name of fewer letters is too easily a word (`Ay`, `Su`)
_BARE_TYPO_LENGTH = 7  # a name seen without a marker may carry a typo from this many letters


@dataclass(frozen=True)
class _Name:
    code: str
    joined: str  # folded, without its marker, words joined: `kazimdirik`, `evka3`
    words: int
    everyday: bool  # needs a marker (or the question) to count

    def typos_allowed(self, bare: bool) -> int:
        """With a marker: one typo from 5 letters, two from 9; alone: one from 7 (fewer look-alikes)."""
        length = len(self.joined)
        if bare:
            return 1 if length >= _BARE_TYPO_LENGTH else 0
        return 2 if length >= 9 else 1 if length >= 5 else 0


@dataclass(frozen=True)
class _Seen:
    name: _Name
    end: int  # the position after the name's last word
    typos: int
    apart: bool  # written in more pieces than the name has words
    inflected: bool  # `Erzene'de`: a case ending, so no marker or street word can follow it


@dataclass(frozen=True)
class Reading:
    """What a text says about places: the neighbourhood it names, and which words are names."""

    neighbourhood: str | None = None
    names: frozenset[int] = frozenset()
    """Positions of words that are a place's or a street's name (with its marker): not keywords."""


class Gazetteer:
    """The neighbourhood names of one catalogue, by their first letters (right even in a typo)."""

    def __init__(self, neighbourhoods: Iterable[Neighbourhood]) -> None:
        by_start: dict[str, list[_Name]] = {}
        for place in neighbourhoods:
            name = _name(place)
            if name is not None:
                by_start.setdefault(name.joined[:_KEY], []).append(name)
        self._by_start = {start: tuple(names) for start, names in by_start.items()}
        self._short = tuple(n for start, names in self._by_start.items() if len(start) < _KEY for n in names)

    def find(self, text: str, *, asked: bool = False) -> str | None:
        """The neighbourhood a text names; `asked` when it answers "which neighbourhood?"."""
        return self.read(textnorm.words(text), asked=asked).neighbourhood

    def read(self, tokens: Sequence[str], *, asked: bool = False) -> Reading:
        """The neighbourhood named in these folded words (`textnorm.words`), and the words that are names.

        A marked name beats one standing alone, which beats one that counts only because it was asked
        for (`merkezde değil, Laka'da` answers Laka); between equals, the first in the text wins.
        """
        best: tuple[int, str] | None = None  # (strength, code)
        names: set[int] = set()
        position = 0
        while position < len(tokens):
            seen = self._seen_at(tokens, position)
            if seen is None:
                position += 1
                continue
            after = tokens[seen.end] if seen.end < len(tokens) and not seen.inflected else ""
            if _is_street(after):  # the street word itself stays evidence (`cadde` is about roads)
                names.update(range(position, seen.end))
                position = seen.end
                continue
            strength = _strength(seen, marked=_is_marker(after), asked=asked)
            if strength is None:
                position += 1
                continue
            end = seen.end + (1 if _is_marker(after) else 0)
            names.update(range(position, end))
            if best is None or strength > best[0]:
                best = (strength, seen.name.code)
            position = end
        return Reading(best[1] if best else None, frozenset(names))

    def _seen_at(self, tokens: Sequence[str], start: int) -> _Seen | None:
        """The name that best fits the words from `start`: fewest typos, then longest; None on a tie."""
        first = tokens[start] if len(tokens[start]) >= _KEY else "".join(tokens[start : start + _KEY])
        found: list[_Seen] = []
        for name in (*self._by_start.get(first[:_KEY], ()), *self._short):
            seen = _fit(tokens, start, name)
            if seen is not None:
                found.append(seen)
        if not found:
            return None
        found.sort(key=_rank)
        if len(found) > 1 and _rank(found[0]) == _rank(found[1]):
            return None  # `evka 5` is as far from Evka 3 as from Evka 4
        return found[0]


@lru_cache(maxsize=8)
def gazetteer(neighbourhoods: tuple[Neighbourhood, ...]) -> Gazetteer:
    """The reader for a catalogue's neighbourhoods, built once per distinct list."""
    return Gazetteer(neighbourhoods)


def _name(place: Neighbourhood) -> _Name | None:
    words = textnorm.words(place.name)
    while words and _is_marker(words[-1]):
        words.pop()
    if not words:
        return None
    letters = [w for w in words if not w.isdigit()]
    everyday = all(w in _EVERYDAY for w in letters) or "".join(words) in _EVERYDAY
    short = sum(len(w) for w in letters) < _SHORTEST_BARE
    return _Name(place.code, "".join(words), len(words), everyday or short)


def _rank(seen: _Seen) -> tuple[int, int]:
    return seen.typos, -len(seen.name.joined)


def _strength(seen: _Seen, *, marked: bool, asked: bool) -> int | None:
    """2 for a marked name, 1 for one that counts alone, 0 for one that counts as an answer; else None.
    (`_fit` already kept the typos within what a marked name may have.)"""
    if marked:
        return 2
    if not seen.name.everyday and not seen.apart and seen.typos <= seen.name.typos_allowed(bare=True):
        return 1
    return 0 if asked else None


def _fit(tokens: Sequence[str], start: int, name: _Name) -> _Seen | None:
    """How well the words from `start`, joined, read as `name` plus inflection (the fewest typos)."""
    limit = name.typos_allowed(bare=False)
    best: _Seen | None = None
    typed = ""
    for end in range(start + 1, min(len(tokens), start + name.words + 1) + 1):
        piece = tokens[end - 1]
        typed += piece
        if len(typed) + limit < len(name.joined):
            continue
        fit = _typos(typed, len(piece), name.joined, limit)
        if fit is not None and (best is None or fit[0] < best.typos):
            best = _Seen(name, end, fit[0], apart=end - start > name.words, inflected=fit[1])
        if len(typed) > len(name.joined) + limit + textnorm.MAX_SUFFIX_CHAIN:
            break
    return best


def _typos(typed: str, last_piece: int, name: str, limit: int) -> tuple[int, bool] | None:
    """Typos between `name` and the start of `typed` whose rest is inflection inside its last piece,
    and whether there is such a rest."""
    if not typed.startswith(name[:_KEY]):
        return None
    shortest = len(typed) - last_piece + 1  # the name reaches into the last piece
    for exact in (name, textnorm.soften(name)):  # `erzenede`; `birliğe` softened before a vowel
        if not exact or len(exact) < shortest or not typed.startswith(exact):
            continue
        rest = typed[len(exact) :]
        if _inflection(rest) and (exact == name or rest[:1] in textnorm.VOWELS):
            return 0, bool(rest)
    best: tuple[int, bool] | None = None
    for cut, typos in textnorm.prefix_distances(name, typed, limit).items():
        if cut < shortest or (best is not None and typos >= best[0]) or not _inflection(typed[cut:]):
            continue
        if _digits(typed[:cut]) == _digits(name):  # `evka4` is no typo of `evka3`
            best = typos, cut < len(typed)
    return best


def _inflection(rest: str) -> bool:
    if textnorm.is_suffix_chain(rest):
        return True
    return any(rest.endswith(c) and textnorm.is_suffix_chain(rest[: -len(c)]) for c in _COPULA)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _is_marker(token: str) -> bool:
    return token in _MARKERS or token.startswith(_MARKER_STEMS)


def _is_street(token: str) -> bool:
    return token in _STREETS or token.startswith(_STREET_STEMS)
