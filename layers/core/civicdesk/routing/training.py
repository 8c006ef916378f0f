"""Training the learned classifier, measuring it, and deciding whether a new model may replace the old.

The trainer is plain Python on purpose: the retrain job runs in Lambda beside the router's layer,
where numpy and scikit-learn would add ~100 MB and a second packaging path for one weekly job. It
minimises the same objective as scikit-learn's `LogisticRegression` (mean log-loss plus an L2 term)
by stochastic gradient descent with a decaying step; a test checks it against scikit-learn on the
corpus. A few thousand messages train in seconds; staff examples grow that by a few thousand a year.

Calibration: a temperature fitted on out-of-fold predictions (k-fold over the training corpus
only), so a confidence of 0.9 means right about nine times in ten; the evaluation set is never used.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from civicdesk.catalogue.model import Catalogue
from civicdesk.routing.classifier import KeywordClassifier
from civicdesk.routing.corpus import Example
from civicdesk.routing.learned import LearnedClassifier, LinearModel, features, neighbourhood_names, softmax

TARGET_PRECISION = 0.97
"""What a request routed without a person must be: right at least 97 times in a hundred."""


@dataclass(frozen=True)
class Settings:
    """The trainer's knobs; the defaults were chosen by cross-validation on the training corpus."""

    l2: float = 1e-4
    epochs: int = 12
    step: float = 1.5
    folds: int = 4
    seed: int = 153
    min_count: int = 2  # a feature seen in fewer training messages is noise, and model size
    prune_below: float = 0.002  # weight rows whose largest weight is smaller are dropped from the file


DEFAULTS = Settings()

Featurized = list[tuple[dict[str, float], int]]


def featurize(examples: Sequence[Example], catalogue: Catalogue, categories: Sequence[str]) -> Featurized:
    keywords = KeywordClassifier()
    names = neighbourhood_names(catalogue)
    position = {code: i for i, code in enumerate(categories)}
    return [
        (features(e.text, keywords.evidence(e.text, catalogue), names), position[e.category])
        for e in examples
        if e.category in position
    ]


def fit(
    data: Featurized, n_classes: int, settings: Settings = DEFAULTS
) -> tuple[list[float], dict[str, list[float]]]:
    """Multinomial logistic regression: minimise mean log-loss + l2/2 |W|² (the bias is free).

    SGD with a step falling linearly to nothing over the run, and the weight decay kept as one scale
    factor, so each message costs only its own features (Bottou, "Stochastic gradient tricks", 2012).
    """
    counts = Counter(name for found, _ in data for name in found)
    vocabulary = {
        name for name, n in counts.items() if n >= settings.min_count or name.startswith(("k:", "n:"))
    }
    rows: list[tuple[list[list[float]], list[float], int]] = []
    weights: dict[str, list[float]] = {name: [0.0] * n_classes for name in sorted(vocabulary)}
    for found, label in data:
        kept = [(weights[name], value) for name, value in found.items() if name in vocabulary]
        rows.append(([row for row, _ in kept], [value for _, value in kept], label))
    bias = [0.0] * n_classes
    scale = 1.0
    rng = random.Random(settings.seed)  # noqa: S311 - a reproducible shuffle, not a secret
    order = list(range(len(rows)))
    t, total = 0, settings.epochs * len(rows)
    for _ in range(settings.epochs):
        rng.shuffle(order)
        for i in order:
            feature_rows, values, label = rows[i]
            step = settings.step * max(0.01, 1.0 - t / total)
            z = list(bias)
            for row, value in zip(feature_rows, values, strict=True):
                factor = scale * value
                z = [a + factor * w for a, w in zip(z, row, strict=True)]
            gradient = softmax(z)
            gradient[label] -= 1.0
            scale *= 1.0 - step * settings.l2
            for row, value in zip(feature_rows, values, strict=True):
                factor = step * value / scale
                row[:] = [w - factor * g for w, g in zip(row, gradient, strict=True)]
            bias = [b - step * g for b, g in zip(bias, gradient, strict=True)]
            t += 1
            if scale < 1e-9:  # fold the decay into the weights before it underflows
                for row in weights.values():
                    row[:] = [w * scale for w in row]
                scale = 1.0
    for row in weights.values():
        row[:] = [w * scale for w in row]
    return bias, weights


def objective(
    data: Featurized, bias: Sequence[float], weights: Mapping[str, Sequence[float]], l2: float
) -> float:
    """Mean log-loss + l2/2 |W|²: what `fit` minimises (used to check it against scikit-learn)."""
    loss = 0.0
    for found, label in data:
        z = list(bias)
        for name, value in found.items():
            row = weights.get(name)
            if row is not None:
                z = [a + value * w for a, w in zip(z, row, strict=True)]
        top = max(z)
        loss += top + math.log(sum(math.exp(a - top) for a in z)) - z[label]
    return loss / len(data) + l2 / 2 * sum(w * w for row in weights.values() for w in row)


def fit_temperature(logits: Sequence[Sequence[float]], labels: Sequence[int]) -> float:
    """The temperature that minimises the log-loss of held-out predictions (golden-section search)."""

    def loss(temperature: float) -> float:
        total = 0.0
        for z, label in zip(logits, labels, strict=True):
            total -= math.log(max(softmax(z, temperature)[label], 1e-12))
        return total

    low, high = 0.05, 5.0
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(40):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if loss(a) < loss(b):
            high = b
        else:
            low = a
    return (low + high) / 2


@dataclass
class Trained:
    model: LinearModel
    out_of_fold: list[tuple[int, list[float]]] = field(default_factory=list)
    """(label, calibrated probabilities) for every training message, from the fold that did not see it."""
    seconds: float = 0.0


def train(
    examples: Sequence[Example],
    catalogue: Catalogue,
    *,
    version: str,
    settings: Settings = DEFAULTS,
    meta: Mapping[str, Any] | None = None,
    augment: Callable[[Sequence[Example]], list[tuple[int, Example]]] | None = None,
) -> Trained:
    """Fit on every example; fit the temperature on k-fold out-of-fold logits of the same settings."""
    started = time.perf_counter()
    categories = tuple(c.code for c in catalogue.categories if c.active)
    known = [e for e in examples if e.category in categories]
    copies = augment(known) if augment else []
    data = featurize([*known, *(copy for _, copy in copies)], catalogue, categories)
    source = list(range(len(known))) + [origin for origin, _ in copies]
    folds = [list(range(i, len(known), settings.folds)) for i in range(settings.folds)]
    held_logits: list[list[float]] = []
    held_labels: list[int] = []
    for fold in folds:
        held = set(fold)
        # a misspelt copy of a held-out message stays out of that fold's training too
        fold_train = [row for row, origin in zip(data, source, strict=True) if origin not in held]
        bias, weights = fit(fold_train, len(categories), settings)
        probe = LinearModel("fold", categories, tuple(bias), weights)
        for i in fold:
            held_logits.append(probe.logits(data[i][0]))
            held_labels.append(data[i][1])
    temperature = fit_temperature(held_logits, held_labels)
    bias, weights = fit(data, len(categories), settings)
    kept = {
        name: row
        for name, row in weights.items()
        if max(abs(w) for w in row) >= settings.prune_below or name.startswith(("k:", "n:"))
    }
    model = LinearModel(
        version=version,
        categories=categories,
        bias=tuple(bias),
        weights=kept,
        temperature=temperature,
        meta={**(meta or {}), "examples": len(known), "features": len(kept)},
    )
    out_of_fold = [
        (label, softmax(z, temperature)) for z, label in zip(held_logits, held_labels, strict=True)
    ]
    return Trained(model=model, out_of_fold=out_of_fold, seconds=time.perf_counter() - started)


def cross_validated(trained: Trained, threshold: float | None = None) -> dict[str, float]:
    """What the out-of-fold predictions say: accuracy, and coverage and precision at the threshold
    (by default the lowest at which they reach the target precision)."""
    scored = [(_top(p) == label, max(p)) for label, p in trained.out_of_fold]
    lowest = lowest_threshold(scored)
    at = lowest if threshold is None else threshold
    routed = [right for right, confidence in scored if confidence >= at]
    return {
        "cv_accuracy": round(sum(right for right, _ in scored) / len(scored), 4),
        "cv_threshold": at,
        "cv_coverage": round(len(routed) / len(scored), 4),
        "cv_precision": round(sum(routed) / len(routed), 4) if routed else 1.0,
        "lowest_threshold": lowest,
    }


def _top(probabilities: Sequence[float]) -> int:
    return max(range(len(probabilities)), key=probabilities.__getitem__)


def version_name(profile: str, examples: Sequence[Example], settings: Settings = DEFAULTS) -> str:
    """`<profile>-<yyyymmdd>-<hash>`: the date it was trained and a digest of what it learnt from."""
    digest = hashlib.sha256(repr((settings, [(e.text, e.category) for e in examples])).encode()).hexdigest()
    return f"{profile}-{datetime.now(UTC):%Y%m%d}-{digest[:8]}"


def lowest_threshold(
    scored: Sequence[tuple[bool, float]], target: float = TARGET_PRECISION, step: float = 0.05
) -> float:
    """The lowest threshold (on a `step` grid) at which what is routed is right at least `target` of
    the time: how the routing threshold is chosen, on out-of-fold predictions of the training corpus."""
    threshold = 1.0
    for k in range(round(1 / step), 0, -1):
        candidate = round(k * step, 4)
        routed = [right for right, confidence in scored if confidence >= candidate]
        if not routed:
            continue
        if sum(routed) / len(routed) < target:
            break
        threshold = candidate
    return threshold


def typo_copies(examples: Sequence[Example], seed: int = 153) -> list[tuple[int, Example]]:
    """One misspelt copy of each message (with the position of its original): a letter dropped,
    doubled or swapped in one or two longer words, as thumbs do on a phone (diacritics need no
    copies: features are on folded text)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible misspellings, not a secret
    copies = []
    for position, example in enumerate(examples):
        words = example.text.split()
        long_words = [i for i, w in enumerate(words) if sum(ch.isalpha() for ch in w) >= 5]
        if not long_words:
            continue
        for i in rng.sample(long_words, min(len(long_words), rng.choice((1, 2)))):
            words[i] = _slip(words[i], rng)
        copies.append(
            (position, Example(" ".join(words), example.category, example.tags | {"typos"}, "augmented"))
        )
    return copies


def _slip(word: str, rng: random.Random) -> str:
    at = rng.randrange(2, len(word) - 1)  # the first letters are usually right
    kind = rng.choice(("drop", "double", "swap"))
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    if kind == "double":
        return word[:at] + word[at] + word[at:]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


# --- judging a classifier on a labelled set -----------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    example: Example
    category: str
    confidence: float

    @property
    def right(self) -> bool:
        return self.category == self.example.category


@dataclass(frozen=True)
class Report:
    """The figures a model is judged by, at one routing threshold."""

    threshold: float
    total: int
    routed: int
    routed_right: int
    right: int

    @property
    def coverage(self) -> float:
        """Share routed without a person."""
        return self.routed / self.total if self.total else 0.0

    @property
    def precision(self) -> float:
        """Share of the routed that went to the right category."""
        return self.routed_right / self.routed if self.routed else 1.0

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "threshold": self.threshold,
            "coverage": round(self.coverage, 4),
            "precision": round(self.precision, 4),
            "accuracy": round(self.accuracy, 4),
            "total": self.total,
        }


def score(classifier: Any, examples: Sequence[Example], catalogue: Catalogue) -> list[Scored]:
    results = []
    for example in examples:
        result = classifier.classify(example.text, catalogue)
        results.append(Scored(example, result.category, result.confidence))
    return results


def report(scored: Sequence[Scored], threshold: float) -> Report:
    routed = [s for s in scored if s.confidence >= threshold]
    return Report(
        threshold=threshold,
        total=len(scored),
        routed=len(routed),
        routed_right=sum(s.right for s in routed),
        right=sum(s.right for s in scored),
    )


def at_least_as_good(candidate: Report, current: Report, target: float = TARGET_PRECISION) -> bool:
    """May the candidate replace the current model? It must route at least as many messages of the
    frozen set without a person, and be at least as precise as the current one — or meet the target
    precision, which is all the routing promises."""
    precise = candidate.precision >= min(current.precision, target)
    return precise and candidate.routed >= current.routed


def classifier_for(model: LinearModel) -> LearnedClassifier:
    return LearnedClassifier(model)
