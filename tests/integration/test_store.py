"""The store's guards: codes are never reused, and a request's items change together."""

from __future__ import annotations

import boto3
import pytest

from civicdesk.core.errors import CodeCollision
from civicdesk.requests import intake
from civicdesk.requests.models import Channel
from tests.support import SHIPPED, pool


def test_a_colliding_code_is_redrawn_never_overwritten(table_name: str) -> None:
    # Given a request already holds code AAA
    store = pool(table_name)
    new = intake.NewRequest(description="Çöpler üç gündür alınmadı.", channel=Channel.CALL_CENTER)
    first = intake.file_request(
        new, catalogue=SHIPPED, requests=store.requests, draw_code=lambda: "AAAAAAAAA"
    )
    # When the next draw returns the same code once, then a fresh one
    draws = iter(["AAAAAAAAA", "BBBBBBBBB"])
    second = intake.file_request(
        new, catalogue=SHIPPED, requests=store.requests, draw_code=lambda: next(draws)
    )
    # Then the second request got the fresh code and the first is untouched
    assert (first.code, second.code) == ("AAAAAAAAA", "BBBBBBBBB")
    assert store.requests.get("AAAAAAAAA") == first


def test_giving_up_after_repeated_collisions_stores_nothing(table_name: str) -> None:
    store = pool(table_name)
    new = intake.NewRequest(description="Çöpler üç gündür alınmadı.", channel=Channel.WEB)
    intake.file_request(new, catalogue=SHIPPED, requests=store.requests, draw_code=lambda: "CCCCCCCCC")
    with pytest.raises(CodeCollision):
        intake.file_request(new, catalogue=SHIPPED, requests=store.requests, draw_code=lambda: "CCCCCCCCC")
    items = boto3.client("dynamodb").scan(TableName=table_name)["Items"]
    assert [i["sk"]["S"] for i in items if i["pk"]["S"] == "REQ#CCCCCCCCC"].count("REQ") == 1
    assert sum(1 for i in items if i["pk"]["S"] == "REQ#CCCCCCCCC") == 2  # request + its one entry


def test_open_requests_sit_in_the_due_index_and_the_queue_index(table_name: str) -> None:
    # Given a filed request
    store = pool(table_name)
    new = intake.NewRequest(description="Sokak lambası yanmıyor, çok karanlık.", channel=Channel.WEB)
    request = intake.file_request(new, catalogue=SHIPPED, requests=store.requests)
    client = boto3.client("dynamodb")
    # Then the deadline index holds it (the SLA checker reads only this), and so does the triage-free queue
    due = client.scan(TableName=table_name, IndexName="due")["Items"]
    assert [i["code"]["S"] for i in due] == [request.code]
    queue = client.scan(TableName=table_name, IndexName="queue")["Items"]
    assert [i["queue_pk"]["S"] for i in queue] == ["-#received"]
