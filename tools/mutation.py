"""Mutation testing of the domain rules with mutmut: `make mutation` (all targets) or `MODULE=routing`.

Slow on purpose and never in CI: each target mutates one rules module and runs only the tests that
speak for it. mutmut imports the mutated code from `mutants/src`, so each target runs in a staging
copy under build/mutation/<target>/ where civicdesk sits in `src/` (in the repository it lives in
layers/core, which mutmut cannot map to module names). Prints each target's score and its survivors.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGING = REPO / "build" / "mutation"
PACKAGE = REPO / "layers" / "core" / "civicdesk"
# What the tests import besides civicdesk (tests.support, the synth helper, handlers for fixtures).
COPIED = ("tests", "functions", "local", "infra", "bench", "web", "cdk.json")


@dataclass(frozen=True)
class Target:
    """A rules module and the unit tests that should kill every meaningful mutant in it."""

    modules: tuple[str, ...]
    tests: tuple[str, ...]


TARGETS = {
    "routing": Target(
        ("routing/rules.py",),
        ("tests/unit/test_routing_rules.py", "tests/unit/test_classifier.py"),
    ),
    "sla": Target(("sla/deadlines.py",), ("tests/unit/test_sla_deadlines.py", "tests/unit/test_sla.py")),
    "codes": Target(("requests/codes.py",), ("tests/unit/test_codes.py",)),
    "staff": Target(
        ("staff/policy.py",), ("tests/unit/test_staff_policy.py", "tests/unit/test_staff_workflow.py")
    ),
    "notify": Target(("notify/plan.py",), ("tests/unit/test_notify_plan.py",)),
}

_COUNT = re.compile(r"^\s*(?P<name>\S+): (?P<status>killed|survived|no tests|timeout|suspicious|skipped)")


def _pyproject(target: Target) -> str:
    """The staging copy's pyproject: the repository's pytest settings plus the target's mutmut settings."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    pytest_section = text[text.index("[tool.pytest.ini_options]") : text.index("[tool.ruff]")]
    only = ", ".join(f'"src/civicdesk/{module}"' for module in target.modules)
    tests = ", ".join(f'"{path}"' for path in target.tests if (REPO / path).is_file())
    copied = ", ".join(f'"{item}"' for item in COPIED if item != "tests")  # mutmut copies tests/ itself
    return (
        f"{pytest_section}\n[tool.mutmut]\n"
        f'source_paths = ["src"]\nonly_mutate = [{only}]\n'
        f'pytest_add_cli_args = ["-q", "-p", "no:cacheprovider", "-p", "no:xdist"]\n'
        f"pytest_add_cli_args_test_selection = [{tests}]\n"
        "use_git_change_detection = false\n"
        f"also_copy = [{copied}]\n"
    )


def _stage(name: str, target: Target) -> Path:
    root = STAGING / name
    shutil.rmtree(root, ignore_errors=True)
    (root / "src").mkdir(parents=True)
    shutil.copytree(PACKAGE, root / "src" / "civicdesk", ignore=shutil.ignore_patterns("__pycache__"))
    for item in COPIED:
        source = REPO / item
        if source.is_dir():
            shutil.copytree(source, root / item, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copy2(source, root / item)
    (root / "pyproject.toml").write_text(_pyproject(target), encoding="utf-8")
    return root


def _run(name: str, target: Target, children: int) -> dict[str, list[str]]:
    root = _stage(name, target)
    mutmut = [str(Path(sys.executable).with_name("mutmut"))]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    # mutmut stops with status 1 when no selected test reaches the module: that is a result (all
    # mutants survive), reported below as such, not a crash of this tool.
    subprocess.run([*mutmut, "run", "--max-children", str(children)], cwd=root, env=env, check=False)  # noqa: S603
    results = subprocess.run(  # noqa: S603 - our own venv's mutmut, fixed arguments
        [*mutmut, "results", "--all", "true"], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout
    by_status: dict[str, list[str]] = {}
    for line in results.splitlines():
        if match := _COUNT.match(line):
            by_status.setdefault(match["status"], []).append(match["name"])
    return by_status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("targets", nargs="*", choices=[*TARGETS, []], help="default: every target")
    parser.add_argument("--children", type=int, default=1, help="parallel test processes (default 1)")
    args = parser.parse_args(argv)
    failed = False
    for name in args.targets or list(TARGETS):
        by_status = _run(name, TARGETS[name], args.children)
        killed = len(by_status.get("killed", []))
        total = sum(len(names) for names in by_status.values())
        print(f"\n{name}: {killed}/{total} mutants killed ({', '.join(TARGETS[name].modules)})")
        for status in ("survived", "timeout", "suspicious"):
            for mutant in by_status.get(status, []):
                print(f"  {status:10} {mutant}   (cd {STAGING / name} && mutmut show {mutant})")
        untested = Counter(mutant.partition("__mutmut_")[0] for mutant in by_status.get("no tests", []))
        for function, count in sorted(untested.items()):
            print(f"  no tests   {function}: {count} mutants that no selected test reaches")
        failed |= bool(by_status.get("survived") or by_status.get("no tests"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
