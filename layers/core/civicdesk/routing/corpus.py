"""The labelled messages the classifier learns from and is judged on, shipped with the code.

Each profile with a learned model has a folder `data/<profile>/` beside this module:
- `train.jsonl` and `cases.jsonl`: the training corpus (cases are the keyword classifier's own set);
- `eval.jsonl`: the evaluation set, written before any model and frozen (a test pins its hash). Every
  figure is reported on it and nothing is tuned on it; the retrain job uses it only to decide whether
  a new model may replace the current one.
- `model.json`: the shipped model, the one used until the retrain job publishes a better one.
They live in the core layer so the retrain job reads exactly what `make train` and the tests read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
TRAIN_FILES = ("cases.jsonl", "train.jsonl")
EVAL_FILE = "eval.jsonl"
MODEL_FILE = "model.json"


@dataclass(frozen=True)
class Example:
    """One labelled message; `tags` name the slices it belongs to (`english`, `typos`, `place`, ...)."""

    text: str
    category: str
    tags: frozenset[str] = field(default_factory=frozenset)
    source: str = "corpus"


def folder(profile: str) -> Path:
    return DATA / profile


def has_corpus(profile: str) -> bool:
    return (folder(profile) / EVAL_FILE).is_file()


def read(path: Path, source: str = "corpus") -> list[Example]:
    return [
        _example(json.loads(line), source) for line in path.read_text("utf-8").splitlines() if line.strip()
    ]


def training(profile: str) -> list[Example]:
    """The shipped training corpus of a profile (never the evaluation set)."""
    return [e for name in TRAIN_FILES for e in read(folder(profile) / name)]


def evaluation(profile: str) -> list[Example]:
    return read(folder(profile) / EVAL_FILE, source="eval")


def shipped_model_path(profile: str) -> Path:
    return folder(profile) / MODEL_FILE


def _example(row: dict[str, Any], source: str) -> Example:
    tags = set(row.get("tags", ()))
    if row.get("variant") and row["variant"] != "plain":  # the keyword cases name one variant each
        tags.add({"misspelled": "typos"}.get(row["variant"], row["variant"]))
    return Example(text=row["text"], category=row["category"], tags=frozenset(tags), source=source)


def staff_examples(
    items: Iterable[dict[str, Any]], categories_of: Mapping[str, Sequence[str]]
) -> tuple[list[Example], list[dict[str, Any]]]:
    """Staff decisions (`EXAMPLE#` items) as examples: a triage decision names its category; a
    transfer names a department, which is a label only when the department owns one category.

    Returns the examples and the transfers still to label (departments with several categories),
    which the trainer labels with the current model's best category of that department.
    """
    examples: list[Example] = []
    pending: list[dict[str, Any]] = []
    for item in items:
        text = str(item.get("text") or "").strip()
        if not text:
            continue
        category = item.get("category")
        source = str(item.get("source") or "staff")
        if category:
            examples.append(Example(text=text, category=str(category), source=source))
            continue
        owned = categories_of.get(str(item.get("department") or ""), ())
        if len(owned) == 1:
            examples.append(Example(text=text, category=owned[0], source=source))
        elif owned:
            pending.append(item)
    return examples, pending
