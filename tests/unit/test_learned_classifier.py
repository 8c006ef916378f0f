"""The learned classifier: a frozen evaluation set, place names that are never evidence, plain-JSON
weights, a trainer that reaches scikit-learn's optimum, calibrated confidence, and a publish gate."""

from __future__ import annotations

import hashlib
import math
import re

import pytest
from botocore.exceptions import ClientError

from civicdesk.routing import corpus, training
from civicdesk.routing.classifier import AUTO_ROUTE_THRESHOLD
from civicdesk.routing.corpus import Example
from civicdesk.routing.learned import LearnedClassifier, LinearModel
from civicdesk.routing.live import LiveClassifier
from civicdesk.routing.models import Pointer
from civicdesk.routing.training import Report
from tests.support import SHIPPED

PROFILE = "bornova"
# The evaluation set was written before any model and is never edited: a change of even one byte
# makes every reported figure incomparable. Add new messages to the training corpus instead.
EVAL_SHA256 = "62397579257346ed7f2071862f93181648baeed583a28d2e99d75a5f122cbdc9"
# Floors on the frozen set, a little under what was measured (87.6% routed at 97.8% precision,
# 93.0% top-1); the brief's goal is 80% routed and 97% right.
ROUTED_FLOOR, PRECISION_FLOOR, ACCURACY_FLOOR = 0.85, 0.97, 0.91


@pytest.fixture(scope="module")
def learned() -> LearnedClassifier:
    return LearnedClassifier(LinearModel.from_file(corpus.shipped_model_path(PROFILE)))


def _words(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def test_the_evaluation_set_is_frozen_and_apart_from_the_training_corpus() -> None:
    # Given the evaluation set and the training corpus
    path = corpus.folder(PROFILE) / corpus.EVAL_FILE
    frozen, trained_on = corpus.evaluation(PROFILE), corpus.training(PROFILE)
    # Then the set is the one written first, and none of its messages is one the model learnt from
    assert hashlib.sha256(path.read_bytes()).hexdigest() == EVAL_SHA256
    assert not {_words(e.text) for e in frozen} & {_words(e.text) for e in trained_on}
    # And it covers every category and the ways citizens write
    assert {e.category for e in frozen} == {c.code for c in SHIPPED.active_categories()}
    tags = {t for e in frozen for t in e.tags}
    assert {"ascii", "typos", "english", "mixed", "short", "long", "place", "multi", "slang"} <= tags
    assert len(frozen) >= 400
    assert len(trained_on) >= 1000


@pytest.mark.parametrize(
    "name",
    [
        "Çınar",
        "Kavaklıdere",
        "Gürpınar",
        "Çamiçi",
        "Yeşilçam",
        "Kurudere",
        "Eğridere",
        "Sarnıçköy",
        "Çiçekli",
    ],
)
def test_neighbourhoods_named_after_trees_or_water_are_no_evidence(
    learned: LearnedClassifier, name: str
) -> None:
    # Given a neighbourhood named after a tree, a flower or water, marked, or as a proper noun
    marked = learned.classify(f"{name} Mahallesi'nde sokak lambaları yanmıyor.", SHIPPED)
    proper = learned.classify(f"{name}'de çöpler üç gündür alınmadı.", SHIPPED)
    # Then the request is about what it says, not parks or sewage
    assert (marked.category, proper.category) == ("lighting", "garbage")


def test_a_street_name_is_no_evidence_but_the_word_before_a_plain_street_is(
    learned: LearnedClassifier,
) -> None:
    assert (
        learned.classify(
            "Fidan Sokak'ta sabaha kadar yüksek sesle müzik çalan bir bar var.", SHIPPED
        ).category
        == "zabita"
    )
    assert learned.classify("Yaralı köpek sokakta yatıyor.", SHIPPED).category == "veterinary"


def test_the_shipped_model_meets_the_goal_on_the_frozen_set(learned: LearnedClassifier) -> None:
    # When every message of the evaluation set is classified at the routing threshold
    scored = training.score(learned, corpus.evaluation(PROFILE), SHIPPED)
    figures = training.report(scored, AUTO_ROUTE_THRESHOLD)
    # Then most are routed without a person, and those routed are nearly always right
    assert figures.coverage >= ROUTED_FLOOR
    assert figures.precision >= PRECISION_FLOOR
    assert figures.accuracy >= ACCURACY_FLOOR


def test_the_answer_names_the_model_version(learned: LearnedClassifier) -> None:
    # (its speed beside the keyword classifier is a `make bench` figure, not a timed test)
    texts = [e.text for e in corpus.evaluation(PROFILE)][:20]
    assert {learned.classify(text, SHIPPED).model for text in texts} == {learned.version}


def test_weights_round_trip_as_plain_json_and_a_malformed_file_is_refused() -> None:
    model = LinearModel("v1", ("a", "b"), (0.1, -0.1), {"w:x": (1.0, -1.0)}, temperature=0.9)
    again = LinearModel.from_json(model.to_json())
    assert (again.version, again.categories, dict(again.weights), again.temperature) == (
        "v1",
        ("a", "b"),
        {"w:x": (1.0, -1.0)},
        0.9,
    )
    with pytest.raises(ValueError, match="one weight per category"):
        LinearModel.from_json(
            '{"format": 1, "version": "v", "categories": ["a"], "bias": [0], "weights": {"w:x": [1, 2]}}'
        )


def test_the_trainer_reaches_scikit_learns_optimum() -> None:
    numpy = pytest.importorskip("numpy")
    sparse = pytest.importorskip("scipy.sparse")
    linear_model = pytest.importorskip("sklearn.linear_model")
    # Given a slice of the corpus as features, and the same L2 objective for both trainers
    categories = tuple(c.code for c in SHIPPED.active_categories())
    data = training.featurize(corpus.training(PROFILE)[::4], SHIPPED, categories)
    settings = training.Settings(min_count=1)
    bias, weights = training.fit(data, len(categories), settings)
    names = sorted({n for found, _ in data for n in found})
    column = {n: i for i, n in enumerate(names)}
    rows, cols, values = zip(
        *[(i, column[n], v) for i, (found, _) in enumerate(data) for n, v in found.items()], strict=True
    )
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(data), len(names)))
    labels = numpy.array([label for _, label in data])
    reference = linear_model.LogisticRegression(C=1 / (settings.l2 * len(data)), max_iter=3000, tol=1e-8).fit(
        matrix, labels
    )
    best = training.objective(
        data,
        list(reference.intercept_),
        {n: list(reference.coef_[:, i]) for n, i in column.items()},
        settings.l2,
    )
    # Then ours is within 5% of the optimum (1.3% on the whole corpus), and they agree on nearly every message
    assert training.objective(data, bias, weights, settings.l2) <= best * 1.05
    ours = LinearModel("ours", categories, tuple(bias), weights)
    agree = sum(
        max(range(len(categories)), key=ours.logits(found).__getitem__) == reference.predict(matrix[i])[0]
        for i, (found, _) in enumerate(data)
    )
    assert agree / len(data) >= 0.97


def test_the_temperature_fitted_on_held_out_predictions_recovers_an_overconfident_one() -> None:
    # Given logits three times too sharp for how often they are right (70%)
    logits = [[3.0 * math.log(7 / 3), 0.0]] * 70 + [[3.0 * math.log(7 / 3), 0.0]] * 30
    labels = [0] * 70 + [1] * 30
    # Then the fitted temperature undoes it
    assert training.fit_temperature(logits, labels) == pytest.approx(3.0, rel=0.01)


def test_the_threshold_is_the_lowest_at_which_the_routed_are_right_often_enough() -> None:
    scored = [(True, 0.99)] * 90 + [(False, 0.85)] * 2 + [(True, 0.75)] * 5 + [(False, 0.72)] * 5
    assert training.lowest_threshold(scored, target=0.97) == 0.75  # 95 of 97 right; at 0.7, 95 of 102
    assert training.lowest_threshold(scored, target=0.999) == 0.9


@pytest.mark.parametrize(
    ("candidate", "current", "published"),
    [
        (Report(0.8, 100, 85, 83, 90), Report(0.8, 100, 80, 78, 88), True),  # more routed, on target
        (Report(0.8, 100, 85, 80, 90), Report(0.8, 100, 80, 79, 88), False),  # more routed, less precise
        (Report(0.8, 100, 79, 79, 90), Report(0.8, 100, 80, 78, 88), False),  # fewer routed
        (Report(0.8, 100, 80, 78, 88), Report(0.8, 100, 80, 78, 88), True),  # as good
    ],
)
def test_a_new_model_is_published_only_if_at_least_as_good(
    candidate: Report, current: Report, published: bool
) -> None:
    assert training.at_least_as_good(candidate, current) is published


def test_staff_decisions_become_examples_and_a_transfer_needs_a_one_category_department() -> None:
    owners = {"veterinary_affairs": ["veterinary"], "technical_works": ["road_sidewalk", "lighting"]}
    items = [
        {
            "text": "lamba yanmıyor",
            "category": "lighting",
            "department": "technical_works",
            "source": "triage",
        },
        {
            "text": "köpek havlıyor",
            "category": None,
            "department": "veterinary_affairs",
            "source": "transfer",
        },
        {"text": "yol karanlık", "category": None, "department": "technical_works", "source": "transfer"},
        {"text": "  ", "category": "garbage", "department": "cleaning_services", "source": "triage"},
    ]
    examples, pending = corpus.staff_examples(items, owners)
    assert [(e.text, e.category) for e in examples] == [
        ("lamba yanmıyor", "lighting"),
        ("köpek havlıyor", "veterinary"),
    ]
    assert [p["text"] for p in pending] == ["yol karanlık"]


def test_misspelt_copies_keep_their_label_and_where_they_came_from() -> None:
    originals = [Example("Sokak lambası yanmıyor", "lighting"), Example("çöp", "garbage")]
    copies = training.typo_copies(originals)
    assert [(origin, copy.category) for origin, copy in copies] == [(0, "lighting")]
    assert copies[0][1].text != originals[0].text


class _Registry:
    """The registry's two reads, as the live classifier uses them."""

    def __init__(self, model: LinearModel) -> None:
        self.model, self.pointer_reads = model, 0
        self.pointer: Pointer | None = None
        self.fail = False

    def current(self) -> Pointer | None:
        self.pointer_reads += 1
        if self.fail:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetItem")
        return self.pointer

    def load(self, pointer: Pointer) -> LinearModel:
        return self.model


def test_the_router_follows_the_published_model_and_keeps_its_own_when_it_cannot_read(
    learned: LearnedClassifier,
) -> None:
    published = LinearModel("v2", learned.model.categories, learned.model.bias, learned.model.weights, 0.7)
    registry = _Registry(published)
    now = [0.0]
    live = LiveClassifier(learned, registry, check_seconds=300, clock=lambda: now[0])  # type: ignore[arg-type]
    # Before anything is published, the shipped model routes
    assert live.classifier() is learned
    # When a model is published, it routes from the next check on (not before)
    registry.pointer = Pointer("v2", "models/bornova/v2.json", "2026-11-30T02:00:00Z")
    now[0] = 100
    assert live.classifier() is learned
    now[0] = 301
    assert getattr(live.classifier(), "version", None) == "v2"
    # And when the table cannot be read, the loaded model goes on routing
    registry.fail, now[0] = True, 700
    assert getattr(live.classifier(), "version", None) == "v2"
    assert registry.pointer_reads == 3
