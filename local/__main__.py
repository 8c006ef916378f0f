"""`make run`: Civic Desk on this machine, no AWS account needed.

    python -m local [--port 8000] [--sample 300|year] [--profile bornova] [--speedup 1] [--verbose]
                    [--ready-file PATH]

Prints one line with the local URL once everything is ready; Ctrl-C stops it cleanly. It listens on
loopback only: `--host` with another address is refused unless `--expose` says it is meant, since
the emulator's AWS APIs (tables, secrets, queues) would then be open to the network too, unguarded.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.profile import model as profiles
from local.gateway import is_loopback
from local.stack import running, synthesize, wait_forever

EXPOSED_WARNING = """\
WARNING: --expose listens on {host}: anyone who can reach this machine can use the API, the WhatsApp
simulator, and the AWS emulator behind them (every table, secret and queue, no credentials needed),
and the fake WhatsApp API. Use it on a network you trust, and stop it when you are done."""


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description="Run Civic Desk locally.")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (others need --expose)")
    parser.add_argument(
        "--expose",
        action="store_true",
        help="allow a --host other than loopback: the AWS emulator becomes reachable from the network too",
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--sample",
        type=_sample_size,
        default=_sample_size(os.environ.get("SEED", "300")),
        help="sample requests over the last 30 days (0: empty), or `year`: the profile's whole year",
    )
    parser.add_argument(
        "--profile",
        default=os.environ.get("PROFILE", DEFAULT_PROFILE),
        choices=profiles.available(),
        help="the municipality profile to synthesize the stack with",
    )
    parser.add_argument(
        "--speedup",
        type=float,
        default=float(os.environ.get("SPEEDUP", "1")),
        help="scheduled rules run N× faster",
    )
    parser.add_argument("--verbose", action="store_true", default=os.environ.get("VERBOSE") == "1")
    parser.add_argument(
        "--resynth", action="store_true", help="synthesize even if the cached template is fresh"
    )
    parser.add_argument("--template", type=Path, help="use this synthesized template instead of synthesizing")
    parser.add_argument(
        "--ready-file", type=Path, help="write URLs and resource names here once ready (tests)"
    )
    return parser.parse_args(argv)


def _sample_size(text: str) -> int | None:
    """A number of requests, or None for `year`."""
    if text.strip().lower() == "year":
        return None
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of requests, or `year`") from None
    if count < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of requests, or `year`")
    return count


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if not is_loopback(args.host):
        if not args.expose:
            print(
                f"Refusing --host {args.host}: it is not loopback, and the AWS emulator would be reachable "
                "from the network too. Add --expose if that is what you want.",
                file=sys.stderr,
            )
            return 2
        print(EXPOSED_WARNING.format(host=args.host), file=sys.stderr, flush=True)
    started = time.monotonic()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: a background job starts with it ignored
        signal.signal(stop_signal, _stop)
    if args.template:
        template, cached = args.template, True
    else:
        template, cached = synthesize(force=args.resynth, profile=args.profile)
    try:
        with running(
            template,
            host=args.host,
            port=args.port,
            sample=args.sample,
            speedup=args.speedup,
            verbose=args.verbose,
        ) as system:
            elapsed = time.monotonic() - started
            if system.sample:
                print(system.sample, flush=True)
            if system.opendata:
                print(f"Open data of the sample's last week (CSV, Parquet): {system.opendata}/", flush=True)
            if args.ready_file:
                info = {**system.ready_info(), "startup_seconds": elapsed, "synth_cached": cached}
                args.ready_file.write_text(json.dumps(info))
            print(
                f"Civic Desk is running at {system.url}  (API docs {system.url}/docs; "
                f"ready in {elapsed:.1f} s{', cached template' if cached else ''}; Ctrl-C stops)",
                flush=True,
            )
            wait_forever()
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
