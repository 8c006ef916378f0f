"""The classifier the router's Classify task uses: the published model, reloaded when it changes.

A warm function reads the pointer (one GetItem) at most every `model_check_seconds` and fetches the
weights from S3 only when the version moved. Until a model is published, and whenever the bucket
cannot be read, the model shipped in the layer routes (logged, never silent); a profile without a
shipped model is routed by the keywords alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache

from botocore.exceptions import ClientError
from pydantic import Field

from civicdesk import runtime
from civicdesk.core.observability import logger
from civicdesk.core.settings import TableSettings, load
from civicdesk.routing import corpus
from civicdesk.routing.classifier import Classifier, KeywordClassifier
from civicdesk.routing.learned import LearnedClassifier, LinearModel
from civicdesk.routing.models import ModelBucket, ModelRegistry


class ClassifierSettings(TableSettings):
    model_bucket: str | None = Field(default=None, description="published models; unset: the shipped model")
    model_check_seconds: float = Field(default=300, ge=0)


def shipped(profile: str) -> Classifier:
    """The model in the layer for this profile, or the keywords where there is none."""
    path = corpus.shipped_model_path(profile)
    if not path.is_file():
        return KeywordClassifier()
    return LearnedClassifier(LinearModel.from_file(path))


class LiveClassifier:
    """A `Classifier` that follows the registry's pointer, checked at most every `check_seconds`."""

    def __init__(
        self,
        fallback: Classifier,
        registry: ModelRegistry | None,
        check_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.current: Classifier = fallback
        self.registry, self.check_seconds, self.clock = registry, check_seconds, clock
        self._checked_at: float | None = None

    def classifier(self) -> Classifier:
        now = self.clock()
        if self.registry is not None and (
            self._checked_at is None or now - self._checked_at >= self.check_seconds
        ):
            self._checked_at = now
            self._refresh(self.registry)
        return self.current

    def _refresh(self, registry: ModelRegistry) -> None:
        try:
            pointer = registry.current()
            if pointer is None or pointer.version == getattr(self.current, "version", None):
                return
            self.current = LearnedClassifier(registry.load(pointer))
            logger.info("classifier model loaded", extra={"model": pointer.version})
        except (ClientError, ValueError, KeyError) as error:
            # routing goes on with the model it has; the next check tries again
            logger.warning("classifier model not loaded", extra={"error": type(error).__name__})


@cache
def _live() -> LiveClassifier:
    settings = load(ClassifierSettings)
    registry = None
    if settings.model_bucket:
        registry = ModelRegistry(runtime.table(), ModelBucket(settings.model_bucket), settings.profile)
    return LiveClassifier(shipped(settings.profile), registry, settings.model_check_seconds)


def classifier() -> Classifier:
    """The classifier for this warm function (the published model once there is one)."""
    return _live().classifier()


def reset() -> None:
    _live.cache_clear()
