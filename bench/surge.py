"""The disaster-day surge (docs/capacity.md): 1 000 filings a second for ten minutes, pushed through
every quota on the path in the order a request meets them; prints the first one that would throttle.

Demand per quota comes from the routing run's counts (calls, events, DynamoDB units per request) and
the prod stage's configuration; the quotas are AWS's defaults for a new account in the stage's region
unless the stage raises them (route throttles, warm throughput, reservations). Check the live ones in
Service Quotas before the day: several are raised on request only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from bench.cost import LAMBDAS
from bench.router import Measured
from infra.config import ROUTE_FILE, StageConfig, load_config

RATE = 1_000  # filings per second
MINUTES = 10
CARRIER_ADDRESSES = 200
"""Assumed public addresses the district's phones leave through on such a day (carrier NAT)."""
NEW_TABLE_WRITE_UNITS = 4_000
"""What a new on-demand table absorbs at once without warm throughput (AWS: 4 000 WRU, 12 000 RRU)."""
ACCOUNT_CONCURRENCY = 1_000
HTTP_API_ACCOUNT_RPS = 10_000
PUT_EVENTS_RPS = {"us-east-1": 10_000, "us-west-2": 10_000, "eu-west-1": 10_000, "eu-central-1": 2_400}
PUT_EVENTS_OTHER_RPS = 1_400
EVENT_INVOCATIONS_RPS = {"us-east-1": 18_750, "us-west-2": 18_750, "eu-west-1": 18_750, "eu-central-1": 4_500}
EVENT_INVOCATIONS_OTHER_RPS = 1_100
EXPRESS_STARTS_RPS = 6_000
LAMBDA_SCALING_PER_10S = 1_000
"""New execution environments a function may add every 10 seconds (per function)."""


@dataclass(frozen=True)
class Quota:
    name: str
    limit: float
    demand: float
    unit: str
    note: str

    @property
    def use(self) -> float:
        return self.demand / self.limit


def quotas(measured: Measured, config: StageConfig) -> list[Quota]:
    """Every quota on a filing's path, in the order the request meets it."""
    units = measured.units
    n = measured.requests
    per_request = measured.calls
    window = config.waf.window_seconds
    filing = config.route_throttles.get(ROUTE_FILE)
    concurrency = sum(RATE * i.per_request * i.seconds for i in LAMBDAS) + RATE * 0.01 * 1.2  # cold starts
    intake = next(i for i in LAMBDAS if i.name.startswith("intake"))
    intake_concurrency = RATE * intake.seconds * 1.2  # and its share of cold starts
    reserved_intake = config.reservations.get("intake")
    warm_writes = config.table_warm_writes or NEW_TABLE_WRITE_UNITS
    put_events_calls = per_request.get("events:PutEvents", 0.0)
    starts = per_request.get("stepfunctions:StartExecution", 1.0)
    region = config.region
    return [
        Quota(
            "WAF filings per address",
            config.waf.filings_per_ip,
            RATE / CARRIER_ADDRESSES * window,
            f"per {window} s",
            f"{CARRIER_ADDRESSES} carrier NAT addresses share the load evenly (assumed)",
        ),
        Quota("API Gateway account throttle", HTTP_API_ACCOUNT_RPS, RATE, "req/s", "per region, adjustable"),
        Quota(
            "route throttle POST /requests",
            filing.rate if filing else config.api_rate_limit,
            RATE,
            "req/s",
            "StageConfig.route_throttles",
        ),
        Quota(
            "Lambda concurrency: intake" + (" (reserved)" if reserved_intake else ""),
            reserved_intake or ACCOUNT_CONCURRENCY,
            intake_concurrency,
            "executions",
            "reserved when the quota is given (-c lambda_concurrency_quota=...)",
        ),
        Quota(
            "Lambda scaling of the intake",
            LAMBDA_SCALING_PER_10S,
            intake_concurrency,
            "new envs/10 s",
            "1 000 new execution environments per function every 10 s",
        ),
        Quota(
            "DynamoDB table writes (warm throughput)"
            if config.table_warm_writes
            else "DynamoDB writes (new table)",
            warm_writes,
            RATE * units.write / n,
            "WRU/s",
            "on-demand absorbs this at once; more only after it scales (minutes)",
        ),
        Quota(
            "DynamoDB busiest index writes",
            warm_writes,
            RATE
            * units.index_write
            / n
            / 2,  # assumed: the busiest of the indexes takes half the index writes
            "WRU/s",
            "warm throughput per index; busiest index assumed to take half of the index writes",
        ),
        Quota(
            "Step Functions Express starts",
            EXPRESS_STARTS_RPS,
            RATE * starts,
            "starts/s",
            "StartExecution for Express workflows, per account and region",
        ),
        Quota(
            f"EventBridge PutEvents ({region})",
            PUT_EVENTS_RPS.get(region, PUT_EVENTS_OTHER_RPS),
            RATE * put_events_calls,
            "calls/s",
            "one call per stream batch of up to 10 entries",
        ),
        Quota(
            f"EventBridge target invocations ({region})",
            EVENT_INVOCATIONS_RPS.get(region, EVENT_INVOCATIONS_OTHER_RPS),
            RATE * measured.events,
            "invocations/s",
            "one per event matched by a rule (the notifier's queue); delayed, not lost, when over",
        ),
        Quota(
            "Lambda concurrency: account",
            ACCOUNT_CONCURRENCY,
            concurrency,
            "executions",
            "default 1 000 per region; a new account can start at 10",
        ),
    ]


def report(measured: Measured) -> Quota | None:
    config = load_config("prod", lambda key: None)
    found = quotas(measured, config)
    # The same surge through the prod stage as it was before this plan: one stage-wide throttle, a cold
    # table, no reservations.
    before = replace(
        config, route_throttles={}, table_warm_writes=None, table_warm_reads=None, reservations={}
    )
    first_before = next((q for q in quotas(measured, before) if q.use > 1), None)
    print(
        f"Disaster-day surge: {RATE} filings/s for {MINUTES} minutes through the prod stage ({config.region})"
    )
    first = next((q for q in found if q.use > 1), None)
    for quota in found:
        mark = "THROTTLES" if quota.use > 1 else ("tight" if quota.use > 0.8 else "ok")
        print(
            f"  {quota.name:44} {quota.demand:9.0f} / {quota.limit:7.0f} {quota.unit:14}"
            f" {quota.use:5.0%} {mark:9}"
            f" {quota.note}"
        )
    if first is None:
        ceiling = min(found, key=lambda q: q.limit / q.demand)
        print(
            f"  no quota on the path throttles at this rate; the first would be {ceiling.name}"
            f" at about {RATE * ceiling.limit / ceiling.demand:,.0f} filings/s"
        )
    else:
        needed = math.ceil(first.demand / 0.8)
        print(f"  first to throttle: {first.name} (needs about {needed} {first.unit} with 20 % headroom)")
    if first_before is not None:
        print(
            f"  before the plan (one stage throttle of {config.api_rate_limit:g}/s, a cold table):"
            f" {first_before.name} throttled first ({first_before.demand:.0f} / {first_before.limit:.0f}"
            f" {first_before.unit})"
        )
    print(
        f"  {RATE * 60 * MINUTES:,} requests in the surge; none lost if none throttles"
        " (the API answers 429 if one does)\n"
    )
    return first
