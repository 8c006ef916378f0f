"""Which category a citizen's message belongs to, how sure we are, and which neighbourhood it names.

The `Classifier` protocol is the seam: the keyword classifier here, over the catalogue's weighted
keywords, and the learned model beside it (`civicdesk.routing.learned`), which reads the keywords'
evidence among its features. Requests at or above `AUTO_ROUTE_THRESHOLD` confidence are routed
straight to the department; the rest go to triage, where `matched` explains what the classifier saw.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from civicdesk.catalogue.model import Catalogue
from civicdesk.core import textnorm
from civicdesk.profile import places

OTHER = "other"
AUTO_ROUTE_THRESHOLD = 0.8
"""The learned model's confidence is calibrated: at 0.8, cross-validation on the training corpus
routed 85% of messages and 97% of those rightly (`make train` prints it). The keyword classifier's
own scores are not calibrated; alone, at this threshold, it routes less and more surely."""

# Confidence = evidence × share. Evidence grows with the winner's score and saturates:
# one weak word (1.0) gives 0.39, a decisive phrase (3.0) 0.78, two of them 0.95. Share is the
# winner's part of the competition, so a close runner-up pulls confidence under the threshold.
_EVIDENCE_SCALE = 2.0
_RUNNER_UP_PULL = 1.0  # how much the runner-up's score counts against the winner
_REST_PULL = 0.5  # how much the other contenders count
_FUZZY_DISCOUNT = 0.8  # a keyword seen only through a typo is weaker evidence
# Typo tolerance: the typed part is at least 5 letters, and its first letters are right (3 for a
# 5-letter stem, 2 for longer), since Turkish is dense with near neighbours (`hafta`/`hasta`).
_TYPO_MIN_LENGTH = 5
_TOKEN_CACHE_LIMIT = 50_000
_INDEX_CACHE_LIMIT = 8

# Common words that begin like a keyword stem, or sit one typo away from one, but mean something
# else. The longest stem wins, so listing them stops `doğru` (right) reading as `dog`, `yardımcı
# olur musunuz` (could you help) as social aid, `engelliyor` (blocks) as disabled, `kaldırmadı`
# (did not remove) as `kaldırım` and `muhtar` as `muhtaç`. Language knowledge, not catalogue content.
_NOT_KEYWORDS = frozenset({
    "dogru", "dogu", "dogum", "dogal", "dogan", "cati", "catal", "catla", "catir", "yardimci", "engelle",
    "engelliyo", "engellen", "lazim", "kazim", "kazan", "kaza", "banka", "bursa", "tasin", "tasim",
    "parkur", "parking", "parked", "parsel", "mahalle", "lutfen", "tesekkur", "rica", "merhaba",
    "belediye", "kaldirma", "kaldirdi", "kaldiril", "kaldirin", "kaldirs", "kaldirac", "kaldiran",
    "kaldirab", "kaldirir", "muhtar", "yapma", "yapmi", "yazd", "kapa", "bak", "bedava", "aciklama",
    "gundur", "geli", "geld", "kiril", "kirmizi", "kopuk", "yanin", "onlar", "hastane", "mangal",
})  # fmt: skip


class Classification(BaseModel):
    """The answer any classifier gives: a category, how sure, the runner-up, and what it saw."""

    model_config = ConfigDict(frozen=True)

    category: str = Field(description='category code; "other" when nothing matches')
    confidence: float = Field(ge=0, le=1, description="at or above the threshold (0.8) the request is routed")
    runner_up: str | None = None
    runner_up_confidence: float = Field(default=0.0, ge=0, le=1)
    neighbourhood: str | None = Field(default=None, description="a neighbourhood code named in the text")
    matched: tuple[str, ...] = Field(default=(), description="catalogue keywords seen, for explaining triage")
    model: str | None = Field(default=None, description="the learned model's version, when one answered")

    def sure(self, threshold: float = AUTO_ROUTE_THRESHOLD) -> bool:
        """True when the request can be routed without a person looking at it."""
        return self.confidence >= threshold


class Classifier(Protocol):
    def classify(self, text: str, catalogue: Catalogue) -> Classification: ...


@dataclass(frozen=True)
class _Keyword:
    category: int
    term: str
    keys: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    keyword: int
    fuzzy: bool


@dataclass
class _Index:
    """Everything `classify` needs, built once per catalogue: stems, typo index, phrases, places."""

    categories: tuple[str, ...]
    keywords: tuple[_Keyword, ...]
    by_first_key: dict[str, tuple[int, ...]]
    # surface stem → (key, strict) entries; key "" marks a common non-keyword word
    stems: dict[str, tuple[tuple[str, bool], ...]]
    soft_stems: dict[str, tuple[tuple[str, bool], ...]]
    typo_index: dict[str, tuple[str, ...]]  # deletion variant → free stems it may come from
    gazetteer: places.Gazetteer
    max_stem: int
    token_cache: dict[str, tuple[frozenset[str], bool]] = field(default_factory=dict)

    def lookup(self, token: str) -> tuple[frozenset[str], bool]:
        """The keyword keys a word may stand for (longest stem first), and whether only by a typo."""
        found = self.token_cache.get(token)
        if found is None:
            if len(self.token_cache) >= _TOKEN_CACHE_LIMIT:
                self.token_cache.clear()
            found = self._lookup(token)
            self.token_cache[token] = found
        return found

    def _lookup(self, token: str) -> tuple[frozenset[str], bool]:
        for length in range(min(len(token), self.max_stem), 1, -1):
            prefix, rest = token[:length], token[length:]
            keys = _accepted(self.stems.get(prefix, ()), rest)
            if rest and rest[0] in textnorm.VOWELS:
                keys |= _accepted(self.soft_stems.get(prefix, ()), rest)
            if keys:
                keys.discard("")
                return frozenset(keys), False
        if len(token) < _TYPO_MIN_LENGTH or not token.isascii() or token.isdigit():
            return frozenset(), False
        return self._typo(token), True

    def _typo(self, token: str) -> frozenset[str]:
        """Keys of free stems a small Damerau-Levenshtein distance from a prefix of `token`, where
        the rest reads as inflection: `kaldirmdaki` is `kaldırım`, `sivrisnek` is `sivrisinek`."""
        best: tuple[int, int] | None = None  # (distance, -prefix length)
        keys: set[str] = set()
        for length in range(min(len(token), self.max_stem + 2), _TYPO_MIN_LENGTH - 1, -1):
            if best is not None and best[0] == 1:
                break  # nothing shorter can do better than one edit on a longer prefix
            prefix = token[:length]
            if not textnorm.is_suffix_chain(token[length:]):
                continue
            for variant in textnorm.deletions(prefix, 2 if length >= 7 else 1):
                for stem in self.typo_index.get(variant, ()):
                    limit = _typo_limit(len(stem))
                    if not prefix.startswith(stem[: 3 if len(stem) < 6 else 2]):
                        continue
                    dist = textnorm.distance(prefix, stem, limit)
                    if dist > limit:
                        continue
                    rank = (dist, -length)
                    if best is None or rank < best:
                        best, keys = rank, set()
                    if rank == best:
                        keys.update(key for key, _ in self.stems[stem])
        keys.discard("")
        return frozenset(keys)


def _typo_limit(length: int) -> int:
    return 2 if length >= 9 else 1 if length >= 5 else 0


def _accepted(entries: Iterable[tuple[str, bool]], rest: str) -> set[str]:
    return {key for key, strict in entries if not strict or textnorm.is_suffix_chain(rest)}


def _build(catalogue: Catalogue) -> _Index:
    categories = tuple(c for c in catalogue.active_categories() if c.keywords)
    split = [[textnorm.words(k.term) for k in c.keywords] for c in categories]
    # Words that stand on their own somewhere in the catalogue keep their form as the key, so the
    # `kedi` of `yaralı kedi` is the same key as `kedi`, while `köpeği` in `sokak köpeği` is `kopek`.
    plain = {
        textnorm.lemma(w) for phrases in split for ws in phrases for w in (ws if len(ws) == 1 else ws[:-1])
    }
    stems: dict[str, set[tuple[str, bool]]] = {}
    keywords: list[_Keyword] = []
    for index, (category, phrases) in enumerate(zip(categories, split, strict=True)):
        for keyword, ws in zip(category.keywords, phrases, strict=True):
            if not ws:
                continue
            keys = []
            for position, word in enumerate(ws):
                last_of_compound = len(ws) > 1 and position == len(ws) - 1
                key = textnorm.lemma(word, compound=last_of_compound)
                if last_of_compound and word in plain:
                    key = word
                stems.setdefault(word, set()).add((key, len(word) < 4))
                if key != word:
                    stems.setdefault(key, set()).add((key, True))
                keys.append(key)
            keywords.append(_Keyword(index, keyword.term, tuple(keys), keyword.weight))
    for word in _NOT_KEYWORDS:
        stems.setdefault(word, set()).add(("", False))

    frozen = {stem: tuple(sorted(entries)) for stem, entries in stems.items()}
    soft: dict[str, set[tuple[str, bool]]] = {}
    for stem, entries in frozen.items():
        softened = textnorm.soften(stem)
        if softened and softened not in frozen:
            soft.setdefault(softened, set()).update(entries)
    typo_index: dict[str, set[str]] = {}
    for stem, entries in frozen.items():
        limit = _typo_limit(len(stem))
        if limit and any(key and not strict for key, strict in entries):
            for variant in textnorm.deletions(stem, limit):
                typo_index.setdefault(variant, set()).add(stem)

    by_first: dict[str, list[int]] = {}
    for number, entry in enumerate(keywords):
        by_first.setdefault(entry.keys[0], []).append(number)

    return _Index(
        categories=tuple(c.code for c in categories),
        keywords=tuple(keywords),
        by_first_key={key: tuple(numbers) for key, numbers in by_first.items()},
        stems=frozen,
        soft_stems={stem: tuple(sorted(entries)) for stem, entries in soft.items()},
        typo_index={variant: tuple(sorted(found)) for variant, found in typo_index.items()},
        gazetteer=places.gazetteer(catalogue.neighbourhoods),
        max_stem=max((len(stem) for stem in frozen), default=0),
    )


_BY_IDENTITY: dict[int, tuple[Catalogue, _Index]] = {}
_BY_CONTENT: dict[tuple[object, ...], _Index] = {}


def _index(catalogue: Catalogue) -> _Index:
    """The index for this catalogue: by identity on the hot path, else by content (a reload that
    changed nothing, as `CachedCatalogue` does every few minutes, reuses the index)."""
    cached = _BY_IDENTITY.get(id(catalogue))
    if cached is not None and cached[0] is catalogue:
        return cached[1]
    content = (
        tuple((c.code, c.active, c.keywords) for c in catalogue.categories),
        catalogue.neighbourhoods,
    )
    index = _BY_CONTENT.get(content)
    if index is None:
        if len(_BY_CONTENT) >= _INDEX_CACHE_LIMIT:
            _BY_CONTENT.clear()
        index = _BY_CONTENT[content] = _build(catalogue)
    if len(_BY_IDENTITY) >= _INDEX_CACHE_LIMIT:
        _BY_IDENTITY.clear()
    _BY_IDENTITY[id(catalogue)] = (catalogue, index)  # holding the catalogue keeps its id unique
    return index


def _matches(index: _Index, tokens: list[str], skip: frozenset[int]) -> list[_Match]:
    seen = [index.lookup(t) if i not in skip else (frozenset(), False) for i, t in enumerate(tokens)]
    found: list[_Match] = []
    for start, (keys, _) in enumerate(seen):
        for key in keys:
            for number in index.by_first_key.get(key, ()):
                wanted = index.keywords[number].keys
                end = start + len(wanted)
                if end <= len(seen) and all(wanted[k] in seen[start + k][0] for k in range(1, len(wanted))):
                    fuzzy = any(seen[i][1] for i in range(start, end))
                    found.append(_Match(start, end, number, fuzzy))
    # A phrase takes its words: `kaldırım işgali` is zabıta, not also the `kaldırım` of roads.
    return [
        m
        for m in found
        if not any(o.start <= m.start and m.end <= o.end and o.end - o.start > m.end - m.start for o in found)
    ]


def _confidence(score: float, runner_up: float, rest: float) -> float:
    evidence = 1.0 - math.exp(-score / _EVIDENCE_SCALE)
    share = score / (score + _RUNNER_UP_PULL * runner_up + _REST_PULL * rest)
    return round(min(1.0, max(0.0, evidence * share)), 4)


_FILLERS = frozenset({"bir", "bi", "cok", "bu", "biraz"})


@dataclass(frozen=True)
class Evidence:
    """What the keywords say about a text: each category's score, the keywords seen, and the places.

    The learned model (`civicdesk.routing.learned`) reads the same evidence as features, so a keyword a
    supervisor adds still counts there.
    """

    tokens: tuple[str, ...]
    reading: places.Reading
    scores: dict[str, float]
    """Category code -> summed keyword weight, in catalogue order (which breaks ties)."""
    matched: tuple[str, ...]
    """Keyword terms seen, the winner's first, heaviest first."""


class KeywordClassifier:
    """Weighted catalogue keywords over folded, stemmed, typo-tolerant Turkish (and English) words."""

    def evidence(self, text: str, catalogue: Catalogue) -> Evidence:
        index = _index(catalogue)
        # fillers between the words of a phrase: `yaralı bir köpek` is still `yaralı köpek`
        tokens = [t for t in textnorm.words(text) if t not in _FILLERS]
        # a place's name is not evidence: `Kazım Dirik` is neither `kazı` (digging) nor `direk` (a pole)
        reading = index.gazetteer.read(tokens)
        weights: dict[int, float] = {}
        for match in _matches(index, tokens, reading.names):
            keyword = index.keywords[match.keyword]
            weight = keyword.weight * (_FUZZY_DISCOUNT if match.fuzzy else 1.0)
            weights[match.keyword] = max(weights.get(match.keyword, 0.0), weight)
        scores: dict[int, float] = {}
        for number, weight in weights.items():
            category = index.keywords[number].category
            scores[category] = scores.get(category, 0.0) + weight
        first = min(scores, key=lambda c: (-scores[c], c)) if scores else -1
        by_weight = sorted(
            weights.items(),
            key=lambda item: (index.keywords[item[0]].category != first, -item[1], item[0]),
        )
        return Evidence(
            tokens=tuple(tokens),
            reading=reading,
            scores={index.categories[c]: scores[c] for c in sorted(scores)},
            matched=tuple(dict.fromkeys(index.keywords[number].term for number, _ in by_weight)),
        )

    def classify(self, text: str, catalogue: Catalogue) -> Classification:
        return self.judge(self.evidence(text, catalogue))

    @staticmethod
    def judge(evidence: Evidence) -> Classification:
        """The keywords' own answer: the best-scoring category, as sure as its lead allows."""
        scores = evidence.scores
        neighbourhood = evidence.reading.neighbourhood
        order = {code: position for position, code in enumerate(scores)}
        ranked = sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))
        if not ranked:
            return Classification(category=OTHER, confidence=0.0, neighbourhood=neighbourhood)
        total = sum(scores.values())
        (first, s1), second = ranked[0], ranked[1] if len(ranked) > 1 else None
        s2 = second[1] if second else 0.0
        return Classification(
            category=first,
            confidence=_confidence(s1, s2, total - s1 - s2),
            runner_up=second[0] if second else None,
            runner_up_confidence=_confidence(s2, s1, total - s1 - s2) if second else 0.0,
            neighbourhood=neighbourhood,
            matched=evidence.matched,
        )
