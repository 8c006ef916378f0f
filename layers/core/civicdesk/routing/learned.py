"""A learned classifier beside the keywords: a linear model over the message's letters and words.

Features are what survives spelling: character 3- and 4-grams of each folded word (a typo spoils a
few of them, not the word), the words and word pairs, and the keyword evidence of the catalogue
(`k:<category>`), so a keyword a supervisor adds still counts. Place names are never features:
the gazetteer's neighbourhoods (`Çınar Mahallesi`, `Kavaklıdere'de`), a neighbourhood written as a
proper noun (`Çınar'da`), and the name before a street word (`Fidan Sokak'ta`, `Park Caddesi`).

The weights are plain JSON (`LinearModel.dump`): inference needs no numpy, and the confidence is a
softmax with a temperature fitted on held-out predictions, so that of the requests routed at a
confidence of 0.9, about nine in ten are right.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from civicdesk.catalogue.model import Catalogue
from civicdesk.core import textnorm
from civicdesk.routing.classifier import OTHER, Classification, Evidence, KeywordClassifier

FORMAT = 1
NGRAMS = (3, 4)
# The street's name stands before these (`Fidan Sokak`, `1453 Sk.`, `Park Caddesi'nde`), while
# `sokakta` alone is just "in the street" and the word before it (`köpek sokakta`) is evidence.
_STREET_WORDS = frozenset({
    "sk", "sok", "cad", "cd", "blv", "bulv", "street", "st", "avenue", "ave", "road",
    "sokagi", "sokaginda", "sokagindaki", "sokaginin", "sokagina", "sokagindan",
    "caddesi", "caddesinde", "caddesindeki", "caddesinin", "caddesine", "caddesinden",
    "bulvari", "bulvarinda", "bulvarindaki", "bulvarinin", "bulvarina",
})  # fmt: skip
_NAMED_STREET = re.compile(r"^(sokak|cadde|bulvar)(ta|da|tan|dan|ki|taki|daki)?$")
_PROPER = re.compile(r"([^\W\d_]+)['’‘`´][^\W\d_]+")
_WORD_BEFORE_STREET = re.compile(r"(\w+)\s+(sokak|cadde|bulvar)", re.IGNORECASE)
_COPULA = ("yim", "yiz", "im", "iz")


def _evidence_value(score: float) -> float:
    """Keyword score -> 0..1, saturating like the keyword classifier's own evidence."""
    return 1.0 - math.exp(-score / 2.0)


def masked_positions(text: str, evidence: Evidence, neighbourhood_names: frozenset[str]) -> set[int]:
    """Positions of `evidence.tokens` that name a place: never evidence for a category."""
    tokens = evidence.tokens
    masked = set(evidence.reading.names)
    proper = {textnorm.fold(m.group(1)) for m in _PROPER.finditer(text)}
    proper &= neighbourhood_names
    for position, token in enumerate(tokens):
        if position in masked:
            continue
        named = token in _STREET_WORDS or (
            _NAMED_STREET.match(token) and _is_name_before(text, tokens, position)
        )
        if position > 0 and named:
            masked.add(position - 1)
        if any(token.startswith(name) and _inflection(token[len(name) :]) for name in proper):
            masked.add(position)
    return masked


def _is_name_before(text: str, tokens: Sequence[str], position: int) -> bool:
    """`Fidan Sokak'ta` (capitals, as names are written) rather than `köpek sokakta`."""
    before = tokens[position - 1]
    if before.isdigit():
        return True
    for match in _WORD_BEFORE_STREET.finditer(text):
        word, street = match.group(1), match.group(2)
        if textnorm.fold(word) == before and word[:1].isupper() and street[:1].isupper():
            return True
    return False


def _inflection(rest: str) -> bool:
    if textnorm.is_suffix_chain(rest):
        return True
    return any(rest.endswith(c) and textnorm.is_suffix_chain(rest[: -len(c)]) for c in _COPULA)


def features(text: str, evidence: Evidence, neighbourhood_names: frozenset[str]) -> dict[str, float]:
    """The model's view of a message: letters, words, word pairs (L2-normalised), keyword evidence."""
    masked = masked_positions(text, evidence, neighbourhood_names)
    words = [t for i, t in enumerate(evidence.tokens) if i not in masked]
    grams: set[str] = set()
    for word in words:
        grams.add("w:" + word)
        padded = f"<{word}>"
        for n in NGRAMS:
            grams.update("c:" + padded[i : i + n] for i in range(len(padded) - n + 1))
    grams.update(f"b:{a}_{b}" for a, b in itertools.pairwise(words))
    found: dict[str, float] = {}
    if grams:
        weight = 1.0 / math.sqrt(len(grams))
        found = dict.fromkeys(grams, weight)
    for category, score in evidence.scores.items():
        found["k:" + category] = _evidence_value(score)
    if not evidence.scores:
        found["k:none"] = 1.0
    found["n:" + _length(len(words))] = 1.0
    return found


def _length(count: int) -> str:
    return (
        "0" if count == 0 else "1" if count == 1 else "2-3" if count <= 3 else "4-9" if count <= 9 else "10+"
    )


def neighbourhood_names(catalogue: Catalogue) -> frozenset[str]:
    """Folded one-word neighbourhood names (`cinar`, `kavaklidere`), for the proper-noun rule."""
    return frozenset("".join(textnorm.words(n.name)) for n in catalogue.neighbourhoods)


def softmax(logits: Sequence[float], temperature: float = 1.0) -> list[float]:
    top = max(logits)
    exps = [math.exp((z - top) / temperature) for z in logits]
    total = sum(exps)
    return [e / total for e in exps]


@dataclass(frozen=True)
class LinearModel:
    """Multinomial logistic regression as plain numbers: one weight row per feature."""

    version: str
    categories: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, Sequence[float]]
    temperature: float = 1.0
    meta: Mapping[str, Any] | None = None

    def logits(self, found: Mapping[str, float]) -> list[float]:
        z = list(self.bias)
        for name, value in found.items():
            row = self.weights.get(name)
            if row is not None:
                z = [a + value * w for a, w in zip(z, row, strict=True)]
        return z

    def probabilities(self, found: Mapping[str, float]) -> list[float]:
        return softmax(self.logits(found), self.temperature)

    def with_meta(self, extra: Mapping[str, Any]) -> LinearModel:
        return dataclasses.replace(self, meta={**(self.meta or {}), **extra})

    def dump(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": self.version,
            "categories": list(self.categories),
            "temperature": round(self.temperature, 4),
            "bias": [round(b, 4) for b in self.bias],
            "weights": {name: [round(w, 3) for w in row] for name, row in sorted(self.weights.items())},
            "meta": dict(self.meta or {}),
        }

    def to_json(self) -> str:
        return json.dumps(self.dump(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> LinearModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown model format {data.get('format')!r}")
        categories = tuple(data["categories"])
        weights = {name: tuple(row) for name, row in data["weights"].items()}
        if any(len(row) != len(categories) for row in weights.values()) or len(data["bias"]) != len(
            categories
        ):
            raise ValueError("a weight row does not have one weight per category")
        return cls(
            version=str(data["version"]),
            categories=categories,
            bias=tuple(data["bias"]),
            weights=weights,
            temperature=float(data.get("temperature", 1.0)),
            meta=data.get("meta") or {},
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> LinearModel:
        return cls.load(json.loads(text))

    @classmethod
    def from_file(cls, path: Path) -> LinearModel:
        return cls.from_json(path.read_bytes())


class LearnedClassifier:
    """The linear model with the keywords' evidence among its features, behind the `Classifier` seam.

    The model answers over the categories it knows that are active in the catalogue. A category it
    was not trained on (a supervisor added it since) is left to the keywords: when they name one,
    their own answer stands.
    """

    def __init__(self, model: LinearModel, keywords: KeywordClassifier | None = None) -> None:
        self.model = model
        self.keywords = keywords or KeywordClassifier()
        self._names: dict[int, tuple[Catalogue, frozenset[str]]] = {}

    @property
    def version(self) -> str:
        return self.model.version

    def classify(self, text: str, catalogue: Catalogue) -> Classification:
        evidence = self.keywords.evidence(text, catalogue)
        known = set(self.model.categories)
        keyword_answer = KeywordClassifier.judge(evidence)
        if keyword_answer.category not in known and keyword_answer.category != OTHER:
            return keyword_answer.model_copy(update={"model": self.version})
        found = features(text, evidence, self._neighbourhood_names(catalogue))
        probabilities = self.model.probabilities(found)
        active = {c.code for c in catalogue.active_categories()} | {OTHER}
        ranked = sorted(
            (
                (p, code)
                for p, code in zip(probabilities, self.model.categories, strict=True)
                if code in active
            ),
            reverse=True,
        )
        total = sum(p for p, _ in ranked) or 1.0
        (p1, first), second = ranked[0], ranked[1] if len(ranked) > 1 else None
        return Classification(
            category=first,
            confidence=round(p1 / total, 4),
            runner_up=second[1] if second else None,
            runner_up_confidence=round(second[0] / total, 4) if second else 0.0,
            neighbourhood=evidence.reading.neighbourhood,
            matched=evidence.matched,
            model=self.version,
        )

    def _neighbourhood_names(self, catalogue: Catalogue) -> frozenset[str]:
        cached = self._names.get(id(catalogue))
        if cached is None or cached[0] is not catalogue:
            if len(self._names) >= 8:
                self._names.clear()
            cached = self._names[id(catalogue)] = (catalogue, neighbourhood_names(catalogue))
        return cached[1]
