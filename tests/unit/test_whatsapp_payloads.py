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
    # Given the documented payload / When parsed
    (value,) = Delivery.model_validate(DOCUMENTED).values()
    # Then both messages, the sender's profile name and the delivery status are read
    assert value.metadata.phone_number_id == "106540352242922"
    assert [m.type for m in value.messages] == ["text", "location"]
    assert value.messages[0].text is not None
    assert value.messages[0].text.body.startswith("Does it")
    assert value.messages[1].location is not None
    assert value.messages[1].location.latitude == 37.483307
    assert value.profile_name("16505551234") == "Sheena Nelson"
    assert value.statuses[0].status == "delivered"
    assert value.messages[0].sent_at.year == 2025


def test_image_list_reply_button_reply_and_template_button_parse() -> None:
    # Given one message of each interactive kind and an image / When parsed
    (value,) = Delivery.model_validate(
        _with_messages(IMAGE, LIST_REPLY, BUTTON_REPLY, TEMPLATE_BUTTON)
    ).values()
    image, listed, button, template = value.messages
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
    "broken",
    [
        {"from": "not-a-number"},  # a WhatsApp id is digits
        {"id": ""},  # no idempotency key
        {"timestamp": "999999999999"},  # beyond what a date can be
        {"location": {"latitude": 91, "longitude": 0}},
    ],
)
def test_a_message_that_cannot_be_what_it_claims_is_rejected(broken: dict[str, object]) -> None:
    # Given a documented message with one field made impossible
    message = {
        **json.loads(json.dumps(DOCUMENTED))["entry"][0]["changes"][0]["value"]["messages"][1],
        **broken,
    }
    # When parsed / Then validation fails (the webhook answers 200 and ignores it)
    with pytest.raises(ValidationError):
        Delivery.model_validate(_with_messages(message))


def test_unknown_fields_and_fields_other_than_messages_are_ignored() -> None:
    # Given a delivery with fields Meta added later and a change of another webhook field
    document = _with_messages(LIST_REPLY)
    document["entry"][0]["changes"][0]["value"]["contacts"][0]["identity_key_hash"] = "abc"
    document["entry"][0]["changes"].append(
        {"field": "account_update", "value": DOCUMENTED["entry"][0]["changes"][0]["value"]}
    )  # type: ignore[index]
    # When parsed / Then only the messages change counts
    assert len(Delivery.model_validate(document).values()) == 1


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
