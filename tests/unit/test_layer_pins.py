"""The `deps` layer is installed with --no-deps: its pin list must be the whole dependency closure."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
IN_LAMBDA_RUNTIME = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            pins[_canonical(requirement.name)] = str(requirement.specifier).removeprefix("==")
    return pins


def _closure(roots: list[Requirement]) -> set[str]:
    """Every distribution the roots need on Linux/CPython 3.13, extras followed."""
    seen: set[str] = set()
    todo = [(r, tuple(r.extras)) for r in roots]
    while todo:
        requirement, extras = todo.pop()
        name = _canonical(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        for dependency in metadata.requires(requirement.name) or []:
            child = Requirement(dependency)
            environment = {"python_version": "3.13", "sys_platform": "linux", "extra": ""}
            if child.marker is None or any(
                child.marker.evaluate({**environment, "extra": extra}) for extra in ("", *extras)
            ):
                todo.append((child, tuple(child.extras)))
    return seen


def test_layer_pins_cover_the_runtime_closure_and_match_the_lock() -> None:
    runtime = [
        Requirement(line.split("#")[0].strip())
        for line in (ROOT / "requirements/runtime.txt").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    layer = _pins(ROOT / "requirements/layer.txt")
    locked = _pins(ROOT / "requirements/constraints.txt")
    needed = _closure(runtime) - IN_LAMBDA_RUNTIME
    assert needed - set(layer) == set(), "add these to requirements/layer.txt"
    assert {n: v for n, v in layer.items() if locked.get(n) != v} == {}, "layer pins differ from the lock"
