"""Print Civic Desk's figures. Counts are exact; timings are ratios measured in the same run.

- AWS calls per accepted request (and per status look-up, per catalogue read)
- the intake handler's import time beside its third-party dependencies' alone
- requests per second through the handler in-process against moto (a regression guard)
- the staff console's transfer size on first load
- the whole system's cost per million requests, and the disaster-day surge through the quotas
- items read and AWS calls per needs-analysis report over a year, and per counted event
- items read and AWS calls for one day's open-data export
"""

from __future__ import annotations

import os

os.environ.update(
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",
    AWS_DEFAULT_REGION="eu-central-1",
    AWS_EC2_METADATA_DISABLED="true",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="CivicDesk",
    POWERTOOLS_LOG_LEVEL="WARNING",
    POWERTOOLS_METRICS_DISABLED="true",
)

import logging
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import (
    classifier,
    console,
    cost,
    imports,
    intake,
    notify,
    opendata,
    privacy,
    reports,
    router,
    sla,
    staff,
    surge,
    whatsapp,
)


def main(only: list[str]) -> int:
    """Every section in order, or only those named (`python -m bench whatsapp reports`)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fake WhatsApp API's request lines
    print("Civic Desk figures (one run; timings are ratios of side-by-side measurements)\n")
    with tempfile.TemporaryDirectory() as outdir:
        template = intake.synth_template(Path(outdir))
    measured: list[Any] = []

    def routing() -> None:
        measured[:] = [router.report(template)]

    sections: dict[str, Callable[[], object]] = {
        "intake": lambda: intake.report(template),
        "router": routing,
        "cost": lambda: cost.report(measured[0]),
        "surge": lambda: surge.report(measured[0]),
        "sla": lambda: sla.report(template),
        "staff": lambda: staff.report(template),
        "notify": lambda: notify.report(template),
        "privacy": lambda: privacy.report(template),
        "whatsapp": lambda: whatsapp.report(template),
        "reports": lambda: reports.report(template),
        "opendata": lambda: opendata.report(template),
        "imports": imports.report,
        "classifier": classifier.report,
        "console": console.report,
    }
    unknown = set(only) - set(sections)
    if unknown:
        print(f"unknown sections {sorted(unknown)}; choose from {', '.join(sections)}", file=sys.stderr)
        return 2
    if {"cost", "surge"} & set(only):
        only = ["router", *only]  # both price and load the routing run's measurements
    for name, section in sections.items():
        if not only or name in only:
            section()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
