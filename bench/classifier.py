"""The request classifiers on the frozen evaluation set: what is routed without a person, how often it
is right, where they fail, how honest their confidence is, and time per message.

Every figure is on `civicdesk/routing/data/<profile>/eval.jsonl`, which nothing was tuned on. Today's
keyword classifier is measured beside the learned one, at the threshold each was set for.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Sequence

from civicdesk.catalogue.model import Catalogue
from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.profile import model as profiles
from civicdesk.routing import corpus, training
from civicdesk.routing.classifier import AUTO_ROUTE_THRESHOLD, Classifier, KeywordClassifier
from civicdesk.routing.learned import LearnedClassifier, LinearModel
from civicdesk.routing.training import Scored

YEARLY_REQUESTS = 50_000  # Bornova's volume
KEYWORD_THRESHOLD = 0.6  # what the keyword classifier was tuned for (and routed at until now)
ROUNDS = 7  # timing passes over the whole set; the median is reported
SLICES = ("ascii", "typos", "english", "mixed", "short", "long", "place", "multi", "slang")
CURVE = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01)


def _timed(classifier: Classifier, texts: Sequence[str], catalogue: Catalogue) -> float:
    started = time.perf_counter()
    for text in texts:
        classifier.classify(text, catalogue)
    return (time.perf_counter() - started) / len(texts)


def _figures(name: str, scored: list[Scored], threshold: float) -> None:
    figures = training.report(scored, threshold)
    by_hand = round(YEARLY_REQUESTS * (1 - figures.coverage))
    print(f"  {name} (threshold {threshold})")
    print(f"    routed without a person   : {figures.coverage:6.1%}  ({figures.routed}/{figures.total})")
    print(f"    precision of those routed : {figures.precision:6.1%}")
    print(f"    top-1 accuracy            : {figures.accuracy:6.1%}")
    print(f"    routed by hand per year   : {by_hand:6,d}  (of {YEARLY_REQUESTS:,} at Bornova)")


def _table(title: str, rows: dict[str, list[list[Scored]]], names: Sequence[str]) -> None:
    print(f"  {title:<26}" + "".join(f"{n:>22}" for n in names))
    for key, per_classifier in sorted(rows.items()):
        cells = []
        for scored in per_classifier:
            right = sum(s.right for s in scored)
            cells.append(f"{right / len(scored):7.1%} ({right:>3}/{len(scored):<3})")
        print(f"    {key:<24}" + "".join(f"{c:>22}" for c in cells))


def report(profile: str = DEFAULT_PROFILE) -> None:
    if not corpus.has_corpus(profile):
        print(f"Request classifier: no evaluation set for profile {profile!r}\n")
        return
    catalogue = profiles.load(profile).catalogue()
    examples = corpus.evaluation(profile)
    model_path = corpus.shipped_model_path(profile)
    model = LinearModel.from_file(model_path)
    keyword, learned = KeywordClassifier(), LearnedClassifier(model)
    classifiers: list[tuple[str, Classifier, float]] = [
        ("keywords (today)", keyword, KEYWORD_THRESHOLD),
        ("learned + keywords", learned, AUTO_ROUTE_THRESHOLD),
    ]
    names = [name for name, _, _ in classifiers]
    scored = {name: training.score(c, examples, catalogue) for name, c, _ in classifiers}

    print(f"Request classifiers on the frozen evaluation set ({len(examples)} messages, profile {profile})")
    print(
        f"  model {model.version}: {len(model.weights):,} features, {model_path.stat().st_size / 1e6:.2f} MB"
    )
    print(f"  (trained on {model.meta.get('examples') if model.meta else '?'} messages; nothing tuned here)")
    for name, _, threshold in classifiers:
        _figures(name, scored[name], threshold)

    print("  threshold curve: routed share / precision")
    print("    threshold" + "".join(f"{n:>24}" for n in names))
    for threshold in CURVE:
        cells = []
        for name in names:
            figures = training.report(scored[name], threshold)
            cells.append(f"{figures.coverage:6.1%} / {figures.precision:6.1%}")
        print(f"    >= {threshold:<5}" + "".join(f"{c:>24}" for c in cells))

    print("  reliability (learned): confidence bin, messages, mean confidence, share right")
    bins: dict[int, list[Scored]] = defaultdict(list)
    for s in scored[names[1]]:
        bins[next(i for i in range(len(BINS) - 1) if s.confidence < BINS[i + 1])].append(s)
    for i in range(len(BINS) - 1):
        members = bins.get(i, [])
        if members:
            mean = statistics.fmean(s.confidence for s in members)
            right = sum(s.right for s in members) / len(members)
            print(
                f"    [{BINS[i]:.2f}, {min(BINS[i + 1], 1.0):.2f}) {len(members):>5}"
                f"   {mean:6.1%}   {right:6.1%}"
            )

    per_slice = {
        tag: [[s for s in scored[n] if tag in s.example.tags] for n in names]
        for tag in SLICES
        if any(tag in e.tags for e in examples)
    }
    _table("accuracy per slice", per_slice, names)
    per_category = {
        code: [[s for s in scored[n] if s.example.category == code] for n in names]
        for code in {e.category for e in examples}
    }
    _table("recall per category", per_category, names)

    texts = [e.text for e in examples]
    for _, c, _ in classifiers:
        _timed(c, texts, catalogue)  # warm: indexes built, caches filled
    timings = {
        name: statistics.median(_timed(c, texts, catalogue) for _ in range(ROUNDS))
        for name, c, _ in classifiers
    }
    slow, fast = timings[names[1]], timings[names[0]]
    print(f"  time per message, warm: keywords {fast * 1e6:.0f} µs, learned {slow * 1e6:.0f} µs ", end="")
    print(f"(x{slow / fast:.1f}, median of {ROUNDS} passes, same run)\n")


if __name__ == "__main__":
    report()
