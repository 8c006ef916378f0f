"""The whole system's cost per million web requests (filed, routed, told), at list prices.

Counts come from the routing run (`bench.router`: AWS calls, state transitions, DynamoDB units from
the actual items, events on the bus); what a local run cannot measure (Lambda durations in AWS, log
bytes, CloudFront) is an assumption, printed beside its figure. Messaging fees (SMS, WhatsApp, e-mail)
are apart: `bench.notify` prices them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.router import Measured

MILLION = 1_000_000
GOAL_USD = 5.00

# Public list prices, USD, us-east-1 (eu-central-1 is 10-25 % higher for most of these), checked 2026.
CLOUDFRONT_PER_10K_HTTPS = 0.0120  # Europe edge, HTTPS requests
CLOUDFRONT_PER_GB_OUT = 0.085
WAF_PER_MILLION = 0.60
HTTP_API_PER_MILLION = 1.00
LAMBDA_PER_MILLION = 0.20
LAMBDA_ARM_PER_GB_SECOND = 0.0000133334
DYNAMODB_PER_MILLION_WRU = 0.625
DYNAMODB_PER_MILLION_RRU = 0.125
EXPRESS_PER_MILLION = 1.00
EXPRESS_PER_GB_SECOND = 0.00001667
EVENTBRIDGE_PER_MILLION = 1.00
SQS_PER_MILLION = 0.40
LOGS_PER_GB = 0.50
# Fixed monthly costs, not per request: WAF ($5 per web ACL + $1 per rule), the dashboard ($3).
FIXED_MONTHLY = {"WAF web ACL and its 5 rules": 10.0, "CloudWatch dashboard": 3.0}


@dataclass(frozen=True)
class Invocation:
    """A Lambda function's invocations per request and its assumed warm duration at its memory."""

    name: str
    per_request: float
    memory_mb: int
    seconds: float


# Assumptions (warm durations as AWS bills them on arm64; X-Ray and Powertools included):
LAMBDAS = (
    Invocation("intake (POST /requests)", 1.0, 512, 0.060),
    Invocation("origin-verify authorizer (cached 5 min per API host)", 0.001, 256, 0.020),
    Invocation("dispatcher (one per stream batch of ~10 records)", 0.2, 512, 0.150),
    Invocation("router tasks (Classify, Assign)", 2.0, 512, 0.040),
    Invocation("notifier (two events a request told the citizen, batches of ~5)", 0.4, 512, 0.200),
)
COLD_START_SHARE = 0.01
COLD_START_SECONDS = 1.2
LOG_BYTES_PER_INVOCATION = 900  # START/END/REPORT lines plus one or two structured lines of ours
ACCESS_LOG_BYTES = 300
RESPONSE_BYTES = 1_200
EXPRESS_SECONDS, EXPRESS_GB = 0.3, 0.0625
SQS_REQUESTS_PER_EVENT = 1.3  # EventBridge's send, then batched receive and delete by the consumer
DELIVERED_EVENTS_SHARE = 1.0  # every event reaches the notifier's queue (its rule filters little)


def per_million(measured: Measured) -> dict[str, float]:
    """Dollars per million requests, per service."""
    lambda_requests = sum(i.per_request for i in LAMBDAS)
    gb_seconds = sum(
        i.per_request * i.memory_mb / 1024 * (i.seconds + COLD_START_SHARE * COLD_START_SECONDS)
        for i in LAMBDAS
    )
    units = measured.units
    n = measured.requests
    log_gb = (lambda_requests * LOG_BYTES_PER_INVOCATION + ACCESS_LOG_BYTES) * MILLION / 1024**3
    return {
        "CloudFront (requests and data out)": MILLION / 10_000 * CLOUDFRONT_PER_10K_HTTPS
        + RESPONSE_BYTES * MILLION / 1024**3 * CLOUDFRONT_PER_GB_OUT,
        "WAF (per request)": WAF_PER_MILLION,
        "API Gateway HTTP API": HTTP_API_PER_MILLION,
        "Lambda requests": lambda_requests * LAMBDA_PER_MILLION,
        "Lambda duration (arm64)": gb_seconds * MILLION * LAMBDA_ARM_PER_GB_SECOND,
        "DynamoDB writes (table)": units.write / n * DYNAMODB_PER_MILLION_WRU,
        "DynamoDB writes (indexes)": units.index_write / n * DYNAMODB_PER_MILLION_WRU,
        "DynamoDB reads": units.read / n * DYNAMODB_PER_MILLION_RRU,
        "DynamoDB Streams (read by Lambda: free)": 0.0,
        "Step Functions Express": EXPRESS_PER_MILLION
        + MILLION * EXPRESS_SECONDS * EXPRESS_GB * EXPRESS_PER_GB_SECOND,
        "EventBridge (custom events)": measured.events * EVENTBRIDGE_PER_MILLION,
        "SQS (notifier queue)": measured.events
        * DELIVERED_EVENTS_SHARE
        * SQS_REQUESTS_PER_EVENT
        * SQS_PER_MILLION,
        "CloudWatch Logs (ingestion)": log_gb * LOGS_PER_GB,
    }


def report(measured: Measured) -> float:
    costs = per_million(measured)
    total = sum(costs.values())
    units, n = measured.units, measured.requests
    print("Cost per million web requests (filed, routed, events published), list prices us-east-1")
    for service, dollars in sorted(costs.items(), key=lambda kv: -kv[1]):
        print(f"  {service:42} ${dollars:6.2f}")
    verdict = "meets" if total <= GOAL_USD else "MISSES"
    print(f"  {'total':42} ${total:6.2f}  ({verdict} the goal of ${GOAL_USD:.2f}; messaging fees apart)")
    print("  measured in the routing run:")
    print(
        f"    DynamoDB: {units.write / n:g} write units on the table + {units.index_write / n:g} on indexes, "
        f"{units.read / n:g} read units per request; items written average "
        f"{units.sizes['bytes'] / max(units.items, 1):.0f} bytes"
    )
    print(
        f"    events on the bus per request: {measured.events:g}; state transitions: {measured.transitions:g}"
    )
    print("  assumed (not measurable offline):")
    for i in LAMBDAS:
        print(
            f"    Lambda {i.name}: {i.per_request:g}/request, {i.memory_mb} MB,"
            f" {i.seconds * 1000:.0f} ms warm"
        )
    print(
        f"    cold starts {COLD_START_SHARE:.0%} at {COLD_START_SECONDS} s;"
        f" logs {LOG_BYTES_PER_INVOCATION} B per"
        f" invocation + {ACCESS_LOG_BYTES} B access log; response {RESPONSE_BYTES} B; Express run"
        f" {EXPRESS_SECONDS} s at 64 MB; {SQS_REQUESTS_PER_EVENT} SQS requests per event"
    )
    print(
        "    fixed per month, not per request: "
        + ", ".join(f"{name} ${dollars:.0f}" for name, dollars in FIXED_MONTHLY.items())
    )
    print()
    return total
