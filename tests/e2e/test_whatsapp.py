"""WhatsApp through the running local stack: signed webhooks over HTTP, replies at the fake Cloud API."""

from __future__ import annotations

import json
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from civicdesk.requests import codes
from civicdesk.whatsapp.signature import sign
from local import whatsapp_fake as wa

from .conftest import LocalStack

pytestmark = pytest.mark.e2e

CITIZEN = "905321119988"


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = Request(url, data=body, method="POST")  # noqa: S310 - loopback
    for name, value in {"Content-Type": "application/json", **headers}.items():
        request.add_header(name, value)
    try:
        with urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            return answer.status, json.loads(answer.read())
    except HTTPError as error:
        return error.code, json.loads(error.read())


def webhook(stack: LocalStack, *messages: dict[str, Any], signed: bool = True) -> tuple[int, Any]:
    raw = json.dumps(wa.delivery(messages)).encode()
    headers = {"X-Hub-Signature-256": sign(raw, wa.LOCAL_CREDENTIALS["app_secret"])} if signed else {}
    return _post(f"{stack.url}/webhooks/whatsapp", raw, headers)


def replies(stack: LocalStack) -> list[dict[str, Any]]:
    with urlopen(f"{stack.info['whatsapp_api']}/_sent?to={CITIZEN}", timeout=10) as answer:  # noqa: S310
        return list(json.loads(answer.read())["messages"])


def test_a_conversation_over_http_ends_with_a_tracking_code_the_api_knows(local_stack: LocalStack) -> None:
    # Given an unsigned delivery / Then the local gateway's webhook refuses it like AWS would
    status, body = webhook(local_stack, wa.text_message(CITIZEN, "Merhaba"), signed=False)
    assert (status, body["error"]) == (401, "missing_signature")
    # When a citizen goes through the dialogue with signed webhooks over HTTP
    for message in (
        wa.text_message(CITIZEN, "Sokak lambası üç gündür yanmıyor, gece çok karanlık"),
        wa.button_reply(CITIZEN, "catok", "Evet"),
        wa.list_reply(CITIZEN, "nbh:erzene", "Erzene"),
        wa.button_reply(CITIZEN, "photoskip", "Fotoğrafsız devam"),
        wa.button_reply(CITIZEN, "send", "Evet, gönder"),
    ):
        status, body = webhook(local_stack, message)
        assert status == 200
        assert body["status"] == "received"
    # Then the fake Cloud API received, last, the tracking code in display form
    last = wa.body_text(replies(local_stack)[-1]["body"])
    shown = next(word for word in last.replace(".", " ").split() if word.count("-") == 2)
    code = codes.normalize(shown)
    assert code is not None
    assert "Takip kodunuz" in last
    # And that code is a request the public API can show
    with urlopen(f"{local_stack.url}/requests/{shown}", timeout=10) as answer:  # noqa: S310 - loopback
        assert answer.status == 200
        assert json.loads(answer.read())["code"] in (code, shown)


def test_the_simulator_page_is_served_locally(local_stack: LocalStack) -> None:
    with urlopen(f"{local_stack.url}/simulator/whatsapp", timeout=10) as answer:  # noqa: S310 - loopback
        page = answer.read().decode()
    assert answer.status == 200
    assert "/simulator/whatsapp.js" in page


def test_the_simulator_signs_what_the_citizen_types_and_shows_the_replies(local_stack: LocalStack) -> None:
    # Given a person in the simulator typing as a new citizen (the browser holds no secret)
    someone = "905320000001"
    body = json.dumps({"wa_id": someone, "name": "Deneme", "kind": "text", "text": "Merhaba"}).encode()
    status, answer = _post(f"{local_stack.url}/simulator/whatsapp/send", body, {})
    # Then the gateway's real webhook accepted the signed delivery
    assert status == 200
    assert answer["status"] == 200
    # And the page can read the greeting and the topic list back
    with urlopen(f"{local_stack.url}/simulator/whatsapp/messages?to={someone}", timeout=10) as read:  # noqa: S310
        shown = json.loads(read.read())["messages"]
    assert [m["type"] for m in shown] == ["text", "interactive"]
    assert "KVKK" in shown[0]["text"]["body"]
