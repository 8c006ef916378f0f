"""The round trip against ourselves (issue 16): two local deployments, each `make run` as a child process
with its own emulator — Bornova, and the second profile (`ornek`) acting as the other institution with
its own demo Open311 key. Bornova refers a request to Örnek; it appears in Örnek's Open311 API; Örnek's
staff resolve it; Bornova's follower brings the resolution back to the citizen's timeline and messages."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.request import urlopen

import pytest

from civicdesk import layout
from civicdesk.core.dynamo import deserialize
from civicdesk.requests import codes
from tests.infra.synth import Synth

from .conftest import LocalStack, started
from .staff import SUPERVISOR, Staff

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ornek_stack(ornek_synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The other institution: `make run PROFILE=ornek`, on ports of its own."""
    with started(ornek_synth.path, tmp_path_factory.mktemp("local-ornek")) as stack:
        yield stack


def get_json(url: str) -> Any:
    with urlopen(url, timeout=30) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read())


def wait_for(what: str, probe: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.3)


def referral(stack: LocalStack, code: str) -> dict[str, Any] | None:
    raw = stack.client("dynamodb").get_item(
        TableName=stack.table,
        Key={layout.PK: {"S": layout.referral_pk(code)}, layout.SK: {"S": layout.REFERRAL_SK}},
        ConsistentRead=True,
    )
    return deserialize(raw["Item"]) if "Item" in raw else None


def function(stack: LocalStack, logical_prefix: str) -> str:
    return next(
        name for logical, name in stack.info["functions"].items() if logical.startswith(logical_prefix)
    )


def test_a_referral_to_another_deployment_comes_back_resolved(
    local_stack: LocalStack, ornek_stack: LocalStack
) -> None:
    bornova, ornek = Staff(local_stack), Staff(ornek_stack)
    # Given Bornova's key at Örnek (its demo Open311 key) and Örnek's local address in Bornova's secret
    secrets = local_stack.client("secretsmanager")
    (secret,) = [s["ARN"] for s in secrets.list_secrets()["SecretList"] if "ReferralsKeys" in s["Name"]]
    access = {"api_key": ornek.config["demo"]["open311ApiKey"], "endpoint": f"{ornek_stack.url}/open311/v2/"}
    secrets.put_secret_value(SecretId=secret, SecretString=json.dumps({"ornek": access}))
    # And a caller's request at Bornova (with their phone), which is Örnek's to handle
    code = bornova.file("Kaldırım çökmüş, yayalar yola iniyor", phone="0532 400 77 88")
    # When a supervisor rejects it as not ours, naming Örnek by its code
    etag = bornova.read(SUPERVISOR, code).etag
    rejected = bornova.call(
        SUPERVISOR, "POST", f"/staff/requests/{code}/status",
        {"status": "rejected", "reason": "not_ours", "referred_to": "ornek"}, {"If-Match": etag},
    )  # fmt: skip
    assert rejected.status == 200, rejected.body
    # Then it is filed at Örnek, and Örnek's Open311 API shows it, without the caller's phone
    canonical = codes.normalize(code) or code
    filed = wait_for(
        "the referral to be filed",
        lambda: (r := referral(local_stack, canonical)) and r.get("their_id") and r,
    )
    their_id = filed["their_id"]
    (there,) = get_json(f"{ornek_stack.url}/open311/v2/requests/{their_id}.json")
    assert there["status"] == "open"
    assert "532" not in json.dumps(there)
    # When Örnek's supervisor resolves it through Örnek's staff API
    theirs = ornek.wait_routed(their_id)
    if theirs["status"] == "triage":
        etag = ornek.read(SUPERVISOR, their_id).etag
        assert ornek.call(SUPERVISOR, "POST", f"/staff/requests/{their_id}/classify",
                          {"category": "road_sidewalk"}, {"If-Match": etag}).status == 200  # fmt: skip
    etag = ornek.read(SUPERVISOR, their_id).etag
    resolved = ornek.call(
        SUPERVISOR, "POST", f"/staff/requests/{their_id}/status",
        {"status": "resolved", "text": "Kaldırım onarıldı."}, {"If-Match": etag},
    )  # fmt: skip
    assert resolved.status == 200, resolved.body
    assert get_json(f"{ornek_stack.url}/open311/v2/requests/{their_id}.json")[0]["status"] == "closed"
    # And Bornova's follower runs (its schedule, called now)
    lambdas = local_stack.client("lambda")
    answer = lambdas.invoke(FunctionName=function(local_stack, "ReferralsFollower"), Payload=b"{}")
    assert "FunctionError" not in answer, answer["Payload"].read()
    # Then Bornova's public page tells the citizen, under Bornova's code, that Örnek fixed it
    view = get_json(f"{local_stack.url}/requests/{code}")
    referral_entries = [e for e in view["timeline"] if e["type"] == "referral"]
    shown = [e["text"] for e in referral_entries]
    assert any(their_id in (text or "") for text in shown), shown
    assert any("Örnek" in (text or "") and "Resolved" in (text or "") for text in shown), shown
    assert (referral(local_stack, canonical) or {}).get("state") == "closed"
    # And the citizen got a message saying so (the notifier's `referral_closed` stage)
    wait_for(
        "the citizen's message",
        lambda: [m for m in get_json(f"{local_stack.url}/simulator/outbox.json")["messages"]
                 if m["code"] == canonical and m["stage"] == "referral_closed"],
    )  # fmt: skip
    # And a second run adds nothing
    before = len(get_json(f"{local_stack.url}/requests/{code}")["timeline"])
    lambdas.invoke(FunctionName=function(local_stack, "ReferralsFollower"), Payload=b"{}")
    assert len(get_json(f"{local_stack.url}/requests/{code}")["timeline"]) == before
