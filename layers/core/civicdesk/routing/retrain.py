"""The weekly retrain: learn from the shipped corpus and staff decisions, judge on the frozen set,
publish only a model at least as good as the one routing now.

Staff decisions come from the table (`EXAMPLE#<yyyy-mm>`); a transfer between departments that own
several categories is labelled with the current model's best category of the new department.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from civicdesk.catalogue.model import Catalogue
from civicdesk.routing import corpus, training
from civicdesk.routing.classifier import KeywordClassifier
from civicdesk.routing.corpus import Example
from civicdesk.routing.learned import LearnedClassifier, LinearModel, features, neighbourhood_names
from civicdesk.routing.models import ModelRegistry
from civicdesk.routing.training import Report, Settings


@dataclass(frozen=True)
class Outcome:
    version: str
    published: bool
    candidate: Report
    current: Report
    current_version: str
    staff_examples: int

    def verdict(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate.as_dict(),
            "current": {**self.current.as_dict(), "version": self.current_version},
            "staff_examples": self.staff_examples,
            "published": self.published,
        }


def label_transfers(
    pending: Sequence[dict[str, Any]],
    categories_of: Mapping[str, Sequence[str]],
    model: LinearModel,
    catalogue: Catalogue,
) -> list[Example]:
    """A transfer to a department of several categories: the model's best among them."""
    keywords, names = KeywordClassifier(), neighbourhood_names(catalogue)
    found = []
    for item in pending:
        owned = set(categories_of.get(str(item.get("department")), ()))
        text = str(item["text"])
        probabilities = model.probabilities(features(text, keywords.evidence(text, catalogue), names))
        ranked = sorted(
            ((p, code) for p, code in zip(probabilities, model.categories, strict=True) if code in owned),
            reverse=True,
        )
        if ranked:
            found.append(Example(text=str(item["text"]), category=ranked[0][1], source="transfer"))
    return found


def retrain(
    *,
    profile: str,
    catalogue: Catalogue,
    registry: ModelRegistry,
    staff_items: Sequence[dict[str, Any]],
    threshold: float,
    now: datetime,
    settings: Settings = training.DEFAULTS,
) -> Outcome:
    current_pointer = registry.current()
    current = (
        registry.load(current_pointer)
        if current_pointer
        else LinearModel.from_file(corpus.shipped_model_path(profile))
    )
    categories_of: dict[str, list[str]] = {}
    for category in catalogue.active_categories():
        categories_of.setdefault(category.department, []).append(category.code)
    staff, pending = corpus.staff_examples(staff_items, categories_of)
    staff += label_transfers(pending, categories_of, current, catalogue)
    examples = [*corpus.training(profile), *staff]
    trained = training.train(
        examples,
        catalogue,
        version=training.version_name(profile, examples, settings),
        settings=settings,
        augment=training.typo_copies,
        meta={"source": "retrain", "staff_examples": len(staff)},
    )
    candidate = trained.model.with_meta(training.cross_validated(trained, threshold))
    frozen = corpus.evaluation(profile)
    candidate_report = training.report(
        training.score(LearnedClassifier(candidate), frozen, catalogue), threshold
    )
    current_report = training.report(training.score(LearnedClassifier(current), frozen, catalogue), threshold)
    published = training.at_least_as_good(candidate_report, current_report)
    outcome = Outcome(
        version=candidate.version,
        published=published,
        candidate=candidate_report,
        current=current_report,
        current_version=current.version,
        staff_examples=len(staff),
    )
    if published:
        registry.publish(candidate.with_meta({"eval": candidate_report.as_dict()}), now, outcome.verdict())
    else:
        registry.record(candidate.version, now, outcome.verdict())
    return outcome
