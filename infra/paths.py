"""Filesystem locations the CDK app reads (code assets, prebuilt layers, municipality profiles)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
FUNCTIONS_DIR: Final = REPO_ROOT / "functions"
LAYERS_BUILD_DIR: Final = REPO_ROOT / "build" / "layers"
CORE_LAYER_DIR: Final = LAYERS_BUILD_DIR / "core"
DEPS_LAYER_DIR: Final = LAYERS_BUILD_DIR / "deps"
PARQUET_LAYER_DIR: Final = LAYERS_BUILD_DIR / "parquet"
PROFILES_DIR: Final = REPO_ROOT / "layers" / "core" / "civicdesk" / "profile" / "data"


def profile_file(code: str) -> Path:
    """The municipality profile the catalogue seed reads (civicdesk.profile)."""
    return PROFILES_DIR / f"{code}.json"
