"""The request classifier on the labelled set: accuracy, what goes to triage, and time per message."""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from civicdesk.catalogue import model as catalogue
from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.profile import model as profiles
from civicdesk.routing.classifier import AUTO_ROUTE_THRESHOLD, Classification, KeywordClassifier

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "layers" / "core" / "civicdesk" / "routing" / "data" / "bornova" / "cases.jsonl"
ROUNDS = 20  # warm passes over the whole set for the timing


def load_cases(path: Path = CASES) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _timed_pass(classifier: KeywordClassifier, texts: list[str], shipped: catalogue.Catalogue) -> float:
    started = time.perf_counter()
    for text in texts:
        classifier.classify(text, shipped)
    return (time.perf_counter() - started) / len(texts)


def report() -> None:
    shipped = profiles.load(DEFAULT_PROFILE).catalogue()
    classifier = KeywordClassifier()
    cases = load_cases()
    texts = [c["text"] for c in cases]

    started = time.perf_counter()
    results: list[Classification] = [classifier.classify(t, shipped) for t in texts]
    first_pass = (time.perf_counter() - started) / len(texts)  # index built, every word new
    per_message = statistics.median(_timed_pass(classifier, texts, shipped) for _ in range(ROUNDS))

    right = [r.category == c["category"] for c, r in zip(cases, results, strict=True)]
    routed = [ok for ok, r in zip(right, results, strict=True) if r.confidence >= AUTO_ROUTE_THRESHOLD]
    n = len(cases)
    print(f"Request classifier on the labelled set ({n} messages, threshold {AUTO_ROUTE_THRESHOLD})")
    print(f"  top-1 accuracy             : {sum(right) / n:6.1%}")
    print(f"  sent to triage (unsure)    : {1 - len(routed) / n:6.1%}")
    print(f"  precision of auto-routed   : {sum(routed) / max(len(routed), 1):6.1%}  ({len(routed)} routed)")
    for variant, total in sorted(Counter(c["variant"] for c in cases).items()):
        hits = sum(ok for ok, c in zip(right, cases, strict=True) if c["variant"] == variant)
        print(f"  accuracy, {variant:<17}: {hits / total:6.1%}  ({hits}/{total})")
    print("  threshold curve (the router's `routing_confidence_threshold`): auto-routed share, precision")
    for threshold in (0.4, 0.5, 0.6, 0.7):
        sure = [ok for ok, r in zip(right, results, strict=True) if r.confidence >= threshold]
        precision = sum(sure) / max(len(sure), 1)
        print(f"    >= {threshold:.1f}                  : {len(sure) / n:6.1%}  {precision:6.1%}")
    print("  recall per category:")
    for category, total in sorted(Counter(c["category"] for c in cases).items()):
        hits = sum(ok for ok, c in zip(right, cases, strict=True) if c["category"] == category)
        print(f"    {category:<24}: {hits / total:6.1%}  ({hits}/{total})")
    print(f"  mean time per message, warm: {per_message * 1e6:6.1f} µs  (median of {ROUNDS} passes)")
    print(f"  mean time per message, cold: {first_pass * 1e6:6.1f} µs  (first pass, index build included)\n")


if __name__ == "__main__":
    report()
