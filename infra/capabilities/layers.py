"""The two Lambda layers every function gets: the `civicdesk` domain package and its dependencies.

Both are prebuilt by `make layers` (deps for arm64 / CPython 3.13 with pip's --platform flags), so
synth never needs Docker or network and the same directories serve the local stack.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import paths

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64


class LayerBuildMissingError(FileNotFoundError):
    """Raised at synth when a prebuilt layer directory is absent: the fix is `make layers`."""


def _layer_dir(path: Path, expected_inside: str) -> str:
    if not (path / expected_inside).exists():
        raise LayerBuildMissingError(
            f"Lambda layer directory {path / expected_inside} is missing: run `make layers` first."
        )
    return str(path)


class CivicLayers(Construct):
    """Builds `core` (layers/core/civicdesk) and `deps` (third-party packages) as layer versions, and
    `parquet` (pyarrow, ~140 MB), which only the open-data function adds to the two."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.core = self._layer("Core", paths.CORE_LAYER_DIR, "python/civicdesk", "civicdesk domain package")
        self.deps = self._layer("Deps", paths.DEPS_LAYER_DIR, "python", "third-party runtime dependencies")
        self.parquet = self._layer(
            "Parquet", paths.PARQUET_LAYER_DIR, "python/pyarrow", "pyarrow (open data)"
        )

    def _layer(self, construct_id: str, path: Path, expected_inside: str, what: str) -> lambda_.LayerVersion:
        return lambda_.LayerVersion(
            self,
            construct_id,
            code=lambda_.Code.from_asset(
                _layer_dir(path, expected_inside), exclude=["**/__pycache__", "*.pyc", ".built"]
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description=f"Civic Desk: {what}",
        )

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.core, self.deps]
