"""What a citizen is told, followed in the local outbox (`/simulator/outbox.json`) on the running stack."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.request import Request, urlopen

import pytest

from civicdesk.requests import codes
from civicdesk.requests.citizens import citizen_id
from civicdesk.whatsapp.signature import sign
from local import whatsapp_fake as wa

from .conftest import LocalStack
from .staff import ROADS, VET, Staff

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def staff(local_stack: LocalStack) -> Staff:
    return Staff(local_stack)


def outbox(stack: LocalStack, code: str, expected: int, timeout: float = 30) -> list[dict[str, Any]]:
    """The messages about one request, waiting until `expected` of them have gone out."""
    deadline = time.monotonic() + timeout
    while True:
        with urlopen(f"{stack.url}/simulator/outbox.json", timeout=10) as answer:  # noqa: S310 - loopback
            rows = [m for m in json.loads(answer.read())["messages"] if m["code"] == code]
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.3)


def post(stack: LocalStack, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = Request(f"{stack.url}{path}", data=json.dumps(body).encode(), method="POST")  # noqa: S310
    request.add_header("Content-Type", "application/json")
    with urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
        return dict(json.loads(answer.read()))


def test_a_web_citizen_with_a_phone_follows_their_request_by_sms(
    local_stack: LocalStack, staff: Staff
) -> None:
    # Given a web request with a phone number, routed
    shown = post(
        local_stack,
        "/requests",
        {"description": "Caddede büyük bir çukur açıldı", "contact": {"phone": "0532 300 40 50"}},
    )["code"]
    code = codes.normalize(shown)
    staff.wait_routed(shown)
    # When the department replies, then resolves it
    etag = staff.read(ROADS, shown).etag
    replied = staff.call(
        ROADS, "POST", f"/staff/requests/{shown}/replies", {"text": "Ekip yarın orada."}, {"If-Match": etag}
    )
    resolved = {"status": "resolved", "text": "Çukur kapatıldı."}
    staff.call(ROADS, "POST", f"/staff/requests/{shown}/status", resolved, {"If-Match": replied.etag})
    # Then the outbox shows exactly four SMS to that number, stage by stage, each with the code and link
    rows = outbox(local_stack, code, 4)
    assert [(m["channel"], m["to"], m["stage"]) for m in rows] == [
        ("sms", "+905323004050", "received"), ("sms", "+905323004050", "routed"),
        ("sms", "+905323004050", "answered"), ("sms", "+905323004050", "resolved"),
    ]  # fmt: skip
    assert "Ekip yarin orada." in rows[2]["text"]  # the SMS form, in the GSM alphabet
    assert "Çukur kapatildi." in rows[3]["text"]  # Ç is in the GSM alphabet, ı is not
    assert all(shown in m["text"] and f"?code={shown}" in m["text"] for m in rows)


def test_a_citizen_without_contact_details_gets_nothing_pushed(local_stack: LocalStack, staff: Staff) -> None:
    shown = post(local_stack, "/requests", {"description": "Parktaki bank kırılmış, oturulmuyor"})["code"]
    staff.wait_routed(shown)
    assert outbox(local_stack, codes.normalize(shown) or "", 1, timeout=3) == []


def _whatsapp_request(stack: LocalStack, number: str) -> str:
    for message in (
        wa.text_message(number, "Sokakta yaralı bir köpek var, kanıyor, yardım edin"),
        wa.button_reply(number, "catok", "Evet"),
        wa.list_reply(number, "nbh:erzene", "Erzene"),
        wa.button_reply(number, "photoskip", "Fotoğrafsız devam"),
        wa.button_reply(number, "send", "Evet, gönder"),
    ):
        raw = json.dumps(wa.delivery([message])).encode()
        request = Request(f"{stack.url}/webhooks/whatsapp", data=raw, method="POST")  # noqa: S310
        request.add_header("Content-Type", "application/json")
        request.add_header("X-Hub-Signature-256", sign(raw, wa.LOCAL_CREDENTIALS["app_secret"]))
        with urlopen(request, timeout=30):  # noqa: S310 - loopback
            pass
    with urlopen(f"{stack.info['whatsapp_api']}/_sent?to={number}", timeout=10) as answer:  # noqa: S310
        last = wa.body_text(json.loads(answer.read())["messages"][-1]["body"])
    return next(word for word in last.replace(".", " ").split() if word.count("-") == 2)


def test_on_whatsapp_free_text_inside_the_window_and_the_template_outside_it(
    local_stack: LocalStack, staff: Staff
) -> None:
    # Given a WhatsApp request (the dialogue gave the code itself), routed to Veterinary Affairs
    number = "905327001122"
    shown = _whatsapp_request(local_stack, number)
    code = codes.normalize(shown)
    staff.wait_routed(shown)
    # When the department replies within the 24 hours since the citizen last wrote
    etag = staff.read(VET, shown).etag
    first = staff.call(
        VET, "POST", f"/staff/requests/{shown}/replies", {"text": "Ekip yolda."}, {"If-Match": etag}
    )
    rows = outbox(local_stack, code or "", 3)
    # Then the routing update and the reply went as free text (the code message was the dialogue's)
    told = [(m["stage"], m["template"]) for m in rows if m["stage"]]
    assert told == [("routed", False), ("answered", False)]
    # And when, two days after the citizen's last message, the request is resolved
    _age_the_conversation(local_stack, number, timedelta(days=2))
    resolved = {"status": "resolved", "text": "Tedavi edildi."}
    staff.call(VET, "POST", f"/staff/requests/{shown}/status", resolved, {"If-Match": first.etag})
    rows = outbox(local_stack, code or "", 4)
    # Then only an approved template may carry it, and it does
    assert (rows[-1]["stage"], rows[-1]["template"]) == ("resolved", True)
    assert "Tedavi edildi." in rows[-1]["text"]


def _age_the_conversation(stack: LocalStack, number: str, age: timedelta) -> None:
    """As if the citizen last wrote `age` ago: the conversation item's last message time moves back."""
    secrets = stack.client("secretsmanager")
    (secret,) = [s["ARN"] for s in secrets.list_secrets()["SecretList"] if "CitizenKey" in s["Name"]]
    key = secrets.get_secret_value(SecretId=secret)["SecretString"]
    dynamodb = stack.client("dynamodb")
    item_key = {"pk": {"S": f"CONV#{citizen_id(key, number)}"}, "sk": {"S": "STATE"}}
    state = dynamodb.get_item(TableName=stack.table, Key=item_key)["Item"]["state"]["M"]
    then = (datetime.now(UTC) - age).isoformat()
    state["last_inbound_at"] = {"S": then}
    dynamodb.update_item(
        TableName=stack.table, Key=item_key, UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "state"}, ExpressionAttributeValues={":s": {"M": state}},
    )  # fmt: skip
