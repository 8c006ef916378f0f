"""Cold-start share of our code: the intake handler's import beside its third-party imports alone."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANDLER = "functions.intake.handler"
ROUNDS = 9

_LIST_THIRD_PARTY = f"""
import json, sys
before = set(sys.modules)
import {HANDLER}
ours = ("civicdesk", "functions")
# every module the handler loaded that is not ours, in the order they were first imported
new = [m for m in sys.modules if m not in before and not m.startswith(ours) and not m.startswith("__")]
print(json.dumps(new))
"""

_TIMED = """
import importlib, time
t = time.perf_counter()
for name in {modules!r}:
    importlib.import_module(name)
print(time.perf_counter() - t)
"""


def _python(code: str) -> str:
    env_path = f"{ROOT / 'layers' / 'core'}:{ROOT}"
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "true"},
    )
    return result.stdout.strip().splitlines()[-1]


def third_party_modules() -> list[str]:
    """Modules the handler pulls in that are not ours (stdlib included: Lambda pays for it too)."""
    return json.loads(_python(_LIST_THIRD_PARTY))


def report() -> None:
    modules = third_party_modules()
    deps_code = _TIMED.format(modules=modules)
    handler_code = _TIMED.format(modules=[HANDLER])
    deps, handler = [], []
    for _ in range(ROUNDS):  # interleaved, so machine noise hits both alike
        deps.append(float(_python(deps_code)))
        handler.append(float(_python(handler_code)))
    d, h = statistics.median(deps), statistics.median(handler)
    print("Import time (fresh interpreter each, median of", ROUNDS, "interleaved rounds)")
    print(f"  third-party dependencies alone : {d * 1000:7.1f} ms  ({len(modules)} modules)")
    print(f"  intake handler (all imports)   : {h * 1000:7.1f} ms")
    print(f"  our code adds                  : {(h - d) / d:7.1%}  (goal: at most 25%)\n")
