"""Meta's webhook payloads parse as documented, and only correctly signed bodies are accepted."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from civicdesk.whatsapp import signature
from civicdesk.whatsapp.payloads import Delivery

SECRET = "test-app-secret-0123456789"

# The documented shape of a `messages` webhook (Cloud API), with two messages and a status in one POST.
DOCUMENTED = {
    "object": "whatsapp_business_account",
    "entry": [
        {
            "id": "102290129340398",
            "changes": [
                {
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {
                            "display_phone_number": "15550783881",
                            "phone_number_id": "106540352242922",
                        },
                        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
                        "messages": [
                            {
                                "from": "16505551234",
                                "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
                                "timestamp": "1749416383",
                                "type": "text",
                                "text": {"body": "Does it come in another color?"},
                            },
                            {
                                "from": "16505551234",
                                "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RwA=",
                                "timestamp": "1749416384",
                                "type": "location",
                                "location": {
                                    "address": "1 Hacker Way, Menlo Park, CA 94025",
                                    "latitude": 37.483307,
                                    "longitude": -122.148981,
                                    "name": "Main Campus",
                                    "url": "https://www.facebook.com",
                                },
                            },
                        ],
                        "statuses": [
                            {
                                "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA",
                                "status": "delivered",
                                "timestamp": "1750263773",
                                "recipient_id": "16505551234",
                                "pricing": {"billable": True, "pricing_model": "PMP", "category": "utility"},
                            }
                        ],
                    },
                    "field": "messages",
                }
            ],
        }
    ],
}

IMAGE = {
    "from": "16505551234",
    "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
    "timestamp": "1750090702",
    "type": "image",
    "image": {
        "caption": "Çukur burada",
        "mime_type": "image/jpeg",
        "sha256": "SfInY0gGvHmFQ0cM6y7NlOPl/ImTkgdBVdsdGDtqRp0=",
        "id": "1003383421387256",
        "url": "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256",
    },
}
LIST_REPLY = {
    "from": "16505551234",
    "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0SgA=",
    "timestamp": "1749854575",
    "type": "interactive",
    "context": {"from": "15550783881", "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBIyQjRBNTIwOEE3NEIzNjgyMTMA"},
    "interactive": {
        "type": "list_reply",
        "list_reply": {"id": "nbh:fatih", "title": "Fatih", "description": "Fatih Mahallesi"},
    },
}
BUTTON_REPLY = {
    "from": "16505551234",
    "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0SwA=",
    "timestamp": "1749854576",
    "type": "interactive",
    "interactive": {"type": "button_reply", "button_reply": {"id": "send", "title": "Evet, gönder"}},
}
TEMPLATE_BUTTON = {
    "from": "16505551234",
    "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0TAA=",
    "timestamp": "1749854577",
    "type": "button",
    "button": {"payload": "durum", "text": "Durumu sor"},
}


def _with_messages(*messages: dict[str, object]) -> dict[str, object]:
    document = json.loads(json.dumps(DOCUMENTED))
    document["entry"][0]["changes"][0]["value"]["messages"] = list(messages)
    return document


def test_a_documented_delivery_with_several_messages_and_a_status_parses() -> None:
    # Given the documented payload / When unpacked
    batch = Delivery.model_validate(DOCUMENTED).unpack()
    # Then both messages, the sender's profile name and the delivery status are read, nothing refused
    assert [a.phone_number_id for a in batch.messages] == ["106540352242922"] * 2
    assert [a.message.type for a in batch.messages] == ["text", "location"]
    text, location = (a.message for a in batch.messages)
    assert text.text is not None
    assert text.text.body.startswith("Does it")
    assert location.location is not None
    assert location.location.latitude == 37.483307
    assert batch.messages[0].name == "Sheena Nelson"
    assert batch.statuses[0].status == "delivered"
    assert text.sent_at.year == 2025
    assert batch.refused == []


def test_image_list_reply_button_reply_and_template_button_parse() -> None:
    # Given one message of each interactive kind and an image / When unpacked
    batch = Delivery.model_validate(_with_messages(IMAGE, LIST_REPLY, BUTTON_REPLY, TEMPLATE_BUTTON)).unpack()
    image, listed, button, template = (a.message for a in batch.messages)
    # Then the ids we put on rows and buttons come back, and the media id and hash are there
    assert image.image is not None
    assert (image.image.id, image.image.caption) == (
        "1003383421387256",
        "Çukur burada",
    )
    assert listed.interactive is not None
    assert listed.interactive.list_reply is not None
    assert listed.interactive.list_reply.id == "nbh:fatih"
    assert button.interactive is not None
    assert button.interactive.button_reply is not None
    assert button.interactive.button_reply.id == "send"
    assert template.button is not None
    assert template.button.payload == "durum"


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        ({"from": "not-a-number"}, "from: string_pattern_mismatch"),  # a WhatsApp id is digits
        ({"id": ""}, "id: string_too_short"),  # no idempotency key
        ({"timestamp": "999999999999"}, "timestamp: string_pattern_mismatch"),  # beyond what a date can be
        ({"location": {"latitude": 91, "longitude": 0}}, "location.latitude: less_than_equal"),
        ({"location": {"latitude": 1, "longitude": 2, "name": "x" * 257}}, "location.name: string_too_long"),
    ],
)
def test_a_message_that_cannot_be_what_it_claims_is_refused_alone(
    broken: dict[str, object], problem: str
) -> None:
    # Given a delivery of three messages, the middle one with one field made impossible
    first, second = DOCUMENTED["entry"][0]["changes"][0]["value"]["messages"]  # type: ignore[index]
    bad = {**json.loads(json.dumps(second)), **broken}
    # When unpacked
    batch = Delivery.model_validate(_with_messages(first, bad, LIST_REPLY)).unpack()
    # Then the other two are kept, and the refusal says where and what, without the value
    assert [a.message.id for a in batch.messages] == [first["id"], LIST_REPLY["id"]]
    (refusal,) = batch.refused
    assert refusal.path == "entry[0].changes[0].value.messages[1]"
    assert refusal.problems == (problem,)
    assert "not-a-number" not in repr(refusal)
    assert "xxxx" not in repr(refusal)


def test_more_than_a_hundred_messages_are_all_read() -> None:
    # Given a delivery batching 150 messages (the old per-list cap refused the whole delivery)
    message = DOCUMENTED["entry"][0]["changes"][0]["value"]["messages"][0]  # type: ignore[index]
    many = [{**message, "id": f"wamid.{n}"} for n in range(150)]  # type: ignore[dict-item]
    # When unpacked / Then each one is there
    assert len(Delivery.model_validate(_with_messages(*many)).unpack().messages) == 150


def test_a_status_or_contact_that_cannot_be_read_does_not_take_the_messages_with_it() -> None:
    document = _with_messages(LIST_REPLY)
    value = document["entry"][0]["changes"][0]["value"]  # type: ignore[index]
    value["statuses"] = [{"id": "wamid.x", "status": "read"}, value["statuses"][0]]  # no timestamp
    value["contacts"] = [{"wa_id": "+1 650"}]
    batch = Delivery.model_validate(document).unpack()
    assert [a.message.id for a in batch.messages] == [LIST_REPLY["id"]]
    assert batch.messages[0].name is None  # the contact that could not be read only loses the name
    assert [s.status for s in batch.statuses] == ["delivered"]
    assert [r.path for r in batch.refused] == ["entry[0].changes[0].value.statuses[0]"]


def test_messages_of_a_change_without_a_usable_number_are_each_refused() -> None:
    # Given a change whose metadata has no phone number id to answer from
    document = _with_messages(LIST_REPLY, BUTTON_REPLY)
    document["entry"][0]["changes"][0]["value"]["metadata"] = {"phone_number_id": "../me"}  # type: ignore[index]
    batch = Delivery.model_validate(document).unpack()
    # Then its messages are refused, one by one, and its statuses still count
    assert batch.messages == []
    assert [r.path for r in batch.refused] == [
        "entry[0].changes[0].value.messages[0]",
        "entry[0].changes[0].value.messages[1]",
    ]
    assert batch.refused[0].problems == ("metadata.phone_number_id: string_pattern_mismatch",)
    assert len(batch.statuses) == 1


def test_a_body_that_is_no_delivery_at_all_fails_as_a_whole() -> None:
    with pytest.raises(ValidationError):
        Delivery.model_validate({"entry": {"not": "a list"}})


def test_unknown_fields_and_fields_other_than_messages_are_ignored() -> None:
    # Given a delivery with fields Meta added later and a change of another webhook field
    document = _with_messages(LIST_REPLY)
    document["entry"][0]["changes"][0]["value"]["contacts"][0]["identity_key_hash"] = "abc"
    document["entry"][0]["changes"].append(
        {"field": "account_update", "value": DOCUMENTED["entry"][0]["changes"][0]["value"]}
    )  # type: ignore[index]
    # When unpacked / Then only the messages change counts
    batch = Delivery.model_validate(document).unpack()
    assert len(batch.messages) == 1
    assert batch.refused == []


# --- signature ------------------------------------------------------------------------------------


def test_the_signature_is_checked_over_the_raw_bytes() -> None:
    # Given a body and its signature with the app secret
    raw = json.dumps(DOCUMENTED).encode()
    header = signature.sign(raw, SECRET)
    # Then the same bytes verify, and the same JSON re-serialized differently does not
    assert signature.check(raw, header, SECRET) is signature.Verdict.VALID
    assert (
        signature.check(json.dumps(DOCUMENTED, indent=1).encode(), header, SECRET)
        is signature.Verdict.INVALID
    )


@pytest.mark.parametrize(
    ("header", "verdict"),
    [
        (None, signature.Verdict.MISSING),
        ("", signature.Verdict.MISSING),
        ("sha256=" + "0" * 64, signature.Verdict.INVALID),
        ("sha1=abc", signature.Verdict.INVALID),
        ("sha256=ünïcode", signature.Verdict.INVALID),
    ],
)
def test_a_missing_or_wrong_signature_is_refused(header: str | None, verdict: signature.Verdict) -> None:
    assert signature.check(b'{"object":"whatsapp_business_account"}', header, SECRET) is verdict


def test_a_signature_made_with_another_secret_is_refused() -> None:
    raw = b'{"entry":[]}'
    assert (
        signature.check(raw, signature.sign(raw, "another-secret-0123456"), SECRET)
        is signature.Verdict.INVALID
    )
