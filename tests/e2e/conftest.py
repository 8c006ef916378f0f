"""The whole system as `make run` starts it, in a child process on free ports, once per session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from playwright.sync_api import Browser, sync_playwright

from local.stack import free_port
from tests.infra.synth import Synth

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 90
STOP_TIMEOUT = 60
"""The stack handles the stream events still queued before it stops (local.lambdas waits up to 30 s
for them): after the contract fuzzer and the staff tests, that backlog can take a while."""


@dataclass(frozen=True)
class LocalStack:
    url: str
    emulator: str
    info: dict[str, Any]

    def client(self, service: str) -> Any:
        """A boto3 client of the running emulator (to check what was, or was not, stored)."""
        return boto3.client(service, endpoint_url=self.emulator, region_name="eu-central-1")

    @property
    def table(self) -> str:
        return str(next(iter(self.info["tables"].values())))


@pytest.fixture(scope="session")
def local_stack(dev_synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """`python -m local` with the session's template (no second synth), empty pool, loopback only."""
    with started(dev_synth.path, tmp_path_factory.mktemp("local")) as stack:
        yield stack


@contextmanager
def started(template: Path, folder: Path) -> Iterator[LocalStack]:
    """`python -m local` with `template` in a child process on free ports (several may run at once)."""
    ready = folder / "ready.json"
    log = ready.with_name("local.log")
    command = [
        sys.executable, "-m", "local", "--port", str(free_port()), "--sample", "0",
        "--template", str(template), "--ready-file", str(ready),
    ]  # fmt: skip
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT")}
    environment["QUIET_HOURS"] = "false"  # messages go out at once, whatever the hour the tests run at
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not ready.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the local stack did not start:\n{log.read_text()}")
                time.sleep(0.1)
            info = json.loads(ready.read_text())
            yield LocalStack(url=info["url"], emulator=info["emulator"], info=info)
        finally:
            process.terminate()
            process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, once per session (the citizen page's and the console's tests)."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make browser` (or apt-get install chromium) installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
