"""The disaster-day model of `make bench` (docs/capacity.md): 1 000 filings a second through the quotas."""

from __future__ import annotations

from dataclasses import replace

from bench import cost, surge
from bench.router import Measured
from bench.units import Units, item_size
from infra.config import load_config

PROD = load_config("prod", lambda key: None)


def _measured(write: float = 8, index_write: float = 10) -> Measured:
    units = Units()
    units.write, units.index_write = write * 20, index_write * 20
    calls = {"events:PutEvents": 0.35, "stepfunctions:StartExecution": 1.0}
    return Measured(calls=calls, transitions=5, units=units, events=2, requests=20)


def _first(config: object, measured: Measured) -> str | None:
    found = [q for q in surge.quotas(measured, config) if q.use > 1]  # type: ignore[arg-type]
    return found[0].name if found else None


def test_the_prod_plan_takes_the_surge_without_a_throttle() -> None:
    # Given the measured cost of a filing / When 1 000 a second meet the prod stage's quotas
    # Then none of them throttles
    assert _first(PROD, _measured()) is None


def test_before_the_plan_the_stage_throttle_stopped_the_surge_first() -> None:
    # Given prod as it was (one stage-wide throttle of 100/s, a cold table) / Then filing throttles first
    before = replace(PROD, route_throttles={}, table_warm_writes=None, reservations={})
    assert _first(before, _measured()) == "route throttle POST /requests"


def test_heavier_items_would_outgrow_the_warm_table() -> None:
    # Given filings that cost twice the write units / Then the table's warm throughput is the limit
    assert _first(PROD, _measured(write=16)) == "DynamoDB table writes (warm throughput)"


def test_item_sizes_count_names_and_values_as_dynamodb_does() -> None:
    # Given an item of a 2-letter string attribute and a 3-digit number / Then 2+5 + 1+3 bytes
    assert item_size({"pk": {"S": "REQ#1"}, "n": {"N": "123"}}) == 2 + 5 + 1 + 3


def test_the_cost_model_prices_every_service_on_the_path() -> None:
    # Given the measured counts / When priced per million requests
    prices = cost.per_million(_measured())
    # Then DynamoDB writes are priced from the measured units, Express and WAF at list price
    assert prices["DynamoDB writes (table)"] == 8 * cost.DYNAMODB_PER_MILLION_WRU
    assert prices["WAF (per request)"] == cost.WAF_PER_MILLION
    assert prices["Step Functions Express"] > cost.EXPRESS_PER_MILLION
    assert all(value >= 0 for value in prices.values())
