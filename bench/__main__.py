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
from pathlib import Path

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


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fake WhatsApp API's request lines
    print("Civic Desk figures (one run; timings are ratios of side-by-side measurements)\n")
    with tempfile.TemporaryDirectory() as outdir:
        template = intake.synth_template(Path(outdir))
    intake.report(template)
    measured = router.report(template)
    cost.report(measured)
    surge.report(measured)
    sla.report(template)
    staff.report(template)
    notify.report(template)
    privacy.report(template)
    whatsapp.report(template)
    reports.report(template)
    opendata.report(template)
    imports.report()
    classifier.report()
    console.report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
