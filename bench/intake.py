"""AWS calls per request and in-process throughput of the intake handler against moto."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from local.calls import counting_aws_calls
from local.cloud import REGION
from local.template import create_tables

FILED = 200

MEDIA_BUCKET = "bench-media"


def synth_template(outdir: Path) -> dict[str, Any]:
    from infra.app import build_app

    app, stack = build_app("dev", outdir=str(outdir))
    assembly = app.synth()
    path = Path(assembly.directory) / assembly.get_stack_by_name(stack.stack_name).template_file
    return json.loads(path.read_text())


def api_event(method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "http": {
                "method": method,
                "path": path,
                "sourceIp": "127.0.0.1",
                "protocol": "HTTP/1.1",
                "userAgent": "b",
            },
            "requestId": "bench",
            "routeKey": f"{method} {path}",
            "stage": "$default",
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


class LambdaContext:
    function_name = "intake"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:intake"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def _per_call(calls: Counter[str], n: int) -> str:
    return ", ".join(f"{op} {count / n:g}" for op, count in sorted(calls.items())) or "none"


def intake_resources() -> None:
    """What the intake function needs beside the table, inside the caller's mock: the citizen-index key
    (a generated secret in the stack) and the media bucket (web photos; none are filed here)."""
    import os

    os.environ["CITIZEN_KEY_SECRET_ID"] = boto3.client("secretsmanager").create_secret(
        Name="bench-citizen-key", SecretString="k" * 48
    )["ARN"]
    os.environ["MEDIA_BUCKET"] = MEDIA_BUCKET
    boto3.client("s3").create_bucket(
        Bucket=MEDIA_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )


def report(template: dict[str, Any]) -> None:
    import os

    with mock_aws():
        table = next(iter(create_tables(template, boto3.client("dynamodb")).values()))
        os.environ["TABLE_NAME"] = table
        os.environ["CATALOG_CACHE_SECONDS"] = "60"
        intake_resources()
        from civicdesk.catalogue.repository import CatalogueRepository
        from civicdesk.core.dynamo import Table
        from civicdesk.core.settings import DEFAULT_PROFILE
        from civicdesk.profile import model as profiles
        from functions.intake import handler

        CatalogueRepository(Table(table)).seed(profiles.load(DEFAULT_PROFILE).catalogue())
        body = {
            "description": "Kaldırımdaki çukur yüzünden yaşlı bir komşumuz düştü.",
            "category": "road_sidewalk",
            "neighbourhood": "ataturk",
            "contact": {"name": "Ayşe Yılmaz", "phone": "05321112233"},
        }
        handler.lambda_handler(api_event("GET", "/catalog"), LambdaContext())  # warm: catalogue cached

        with counting_aws_calls() as filed_calls:
            started = time.perf_counter()
            codes = [
                json.loads(
                    handler.lambda_handler(api_event("POST", "/requests", body), LambdaContext())["body"]
                )["code"]
                for _ in range(FILED)
            ]
            filing = time.perf_counter() - started
        with counting_aws_calls() as read_calls:
            started = time.perf_counter()
            for code in codes:
                handler.lambda_handler(api_event("GET", f"/requests/{code}"), LambdaContext())
            reading = time.perf_counter() - started
        with counting_aws_calls() as bad_calls:
            for _ in range(FILED):
                handler.lambda_handler(api_event("POST", "/requests", {"description": "x"}), LambdaContext())

    print("AWS calls (counted at botocore, warm catalogue cache)")
    print(f"  per accepted request : {_per_call(filed_calls, FILED)}")
    print(f"  per rejected request : {_per_call(bad_calls, FILED)}")
    print(f"  per status look-up   : {_per_call(read_calls, FILED)}\n")
    print("Throughput in-process against moto (regression guard, not a target)")
    print(f"  POST /requests       : {FILED / filing:7.0f} requests/s")
    print(f"  GET /requests/{{code}} : {FILED / reading:7.0f} requests/s")
    print("  (moto deep-copies the whole table on every TransactWriteItems, so POST slows as the table")
    print(f"   grows; this run files {FILED} into an empty pool: compare runs of the same size)\n")
