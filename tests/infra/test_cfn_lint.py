"""cfn-lint over the synthesized templates: catches what CDK lets through (bad values, schema drift)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.infra.synth import Synth

# CDK writes explicit DependsOn that are also implied by Ref/GetAtt; cfn-lint flags those as W3005.
IGNORED_CHECKS = ["W3005"]


def _cfn_lint_command() -> list[str]:
    """The cfn-lint of this interpreter's environment (not some other one on PATH).

    cfn-lint 1.x has no `python -m cfnlint`; without the console script, call its entry point.
    """
    script = Path(sys.executable).parent / "cfn-lint"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())"]


def test_template_passes_cfn_lint(any_synth: Synth) -> None:
    # Given a synthesized stage's template on disk
    # When cfn-lint checks it (template path first: --ignore-checks takes several values)
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [*_cfn_lint_command(), str(any_synth.path), "--ignore-checks", *IGNORED_CHECKS],
        capture_output=True,
        text=True,
        timeout=600,  # a few seconds alone; minutes on a loaded machine with the other tests
        check=False,
    )
    # Then it finds nothing
    assert result.returncode == 0, result.stdout + result.stderr
