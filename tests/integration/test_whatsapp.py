"""The WhatsApp webhook end to end in the emulator: signed deliveries in Meta's shape, the real handler,
the pool table, the media bucket and the secret from the template, and a fake Cloud API on loopback."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicdesk.core.observability import logger
from civicdesk.requests import codes
from civicdesk.whatsapp import runtime as wa_runtime
from civicdesk.whatsapp.signature import sign
from local import whatsapp_fake as wa
from local.whatsapp_fake import LOCAL_CREDENTIALS, use_local_credentials
from tests.support import pool

from .conftest import Channel, LambdaContext, http_event

AYSE = "905321112233"
MEHMET = "905559998877"
DOG = "Parkta yaralı bir köpek var, arka bacağı kanıyor, yürüyemiyor"
LAKA_PIN = (38.4885, 27.1880)  # near Laka's known centre
PHOTO = b"\xff\xd8\xff\xe0" + b"JFIF-fake-photo-bytes" * 40


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """The function's log lines, formatted as in Lambda (the logger keeps the stdout of its import)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    yield stream
    logger.handlers.remove(handler)


def full_dialogue(channel: Channel, wa_id: str = AYSE) -> dict[str, Any]:
    """Greeting, description, confirmed topic, a pin, a photo, yes: returns the last message sent."""
    media_id = channel.api.add_media(PHOTO)
    channel.say(wa.text_message(wa_id, "Merhaba"))
    channel.say(wa.text_message(wa_id, DOG))
    channel.say(wa.button_reply(wa_id, "catok", "Evet"))
    channel.say(wa.location_message(wa_id, *LAKA_PIN, name="Laka Parkı"))
    channel.say(wa.image_message(wa_id, media_id, PHOTO))
    last = wa.button_reply(wa_id, "send", "Evet, gönder")
    channel.say(last)
    return last


def code_of(text: str) -> str:
    shown = next(w for w in text.replace(".", " ").split() if w.count("-") == 2)
    code = codes.normalize(shown)
    assert code is not None
    return code


# --- the dialogue --------------------------------------------------------------------------------


def test_a_full_dialogue_files_exactly_one_request_with_topic_neighbourhood_and_photo(
    channel: Channel,
) -> None:
    # When a citizen goes through the whole conversation
    full_dialogue(channel)
    # Then exactly one WhatsApp request exists, with the confirmed topic and the pin's neighbourhood
    (item,) = channel.of_type("request")
    assert (item["channel"], item["category"], item["neighbourhood"]) == ("whatsapp", "veterinary", "laka")
    assert item["description"] == DOG
    assert item["location"]["lat"] == LAKA_PIN[0]
    # And the photo is in the media bucket, byte for byte (sha256), tagged as filed
    (key,) = item["photos"]
    s3 = boto3.client("s3")
    stored = s3.get_object(Bucket=channel.bucket, Key=key)["Body"].read()
    assert hashlib.sha256(stored).digest() == hashlib.sha256(PHOTO).digest()
    tags = s3.get_object_tagging(Bucket=channel.bucket, Key=key)["TagSet"]
    assert {"Key": "stage", "Value": "filed"} in tags
    # And the citizen got the tracking code (display form) and the deadline
    last = channel.api.texts(AYSE)[-1]
    assert code_of(last) == item["code"]
    assert codes.display(item["code"]) in last
    assert "Son yanıt zamanı" in last


def test_the_citizen_is_linked_by_a_keyed_hash_and_the_number_stays_in_the_contact_item(
    channel: Channel,
) -> None:
    full_dialogue(channel)
    (request,) = channel.of_type("request")
    # Then the contact item holds the WhatsApp id, name and phone, and no key or other item does
    (contact,) = channel.of_type("contact")
    assert (contact["whatsapp_id"], contact["phone"], contact["name"]) == (AYSE, f"+{AYSE}", "Ayşe Yılmaz")
    others = [i for i in channel.items() if i.get("item_type") != "contact"]
    assert AYSE not in json.dumps(others, default=str)
    # And the citizen index links the request under a hash of the number
    (index,) = channel.of_type("citizen_request")
    assert index["sk"] == f"REQ#{request['code']}"
    assert len(index["pk"]) == len("CIT#") + 64


def test_the_code_message_is_recorded_as_a_notification_without_the_message_id(channel: Channel) -> None:
    full_dialogue(channel)
    (request,) = channel.of_type("request")
    entries = [e for e in channel.of_type("entry") if e["type"] == "notification_sent"]
    (entry,) = entries
    assert entry["code"] == request["code"]
    assert entry["public"] is False
    wamid = channel.api.messages(AYSE)[-1]["id"]
    assert entry["detail"]["channel"] == "whatsapp"
    assert wamid not in json.dumps(entry)


# --- idempotency ---------------------------------------------------------------------------------


def test_a_redelivered_message_does_nothing(channel: Channel) -> None:
    # Given a finished dialogue
    last = full_dialogue(channel)
    sent = len(channel.api.messages())
    downloads = channel.api.calls
    # When Meta delivers the final "yes" again, and then the whole conversation again
    channel.say(last)
    channel.say(last)
    # Then no second request is filed and nothing more is sent
    assert len(channel.of_type("request")) == 1
    assert len(channel.api.messages()) == sent
    assert channel.api.calls == downloads


def test_a_redelivered_photo_is_fetched_once(channel: Channel) -> None:
    channel.say(wa.text_message(AYSE, "Merhaba"))
    media_id = channel.api.add_media(PHOTO)
    image = wa.image_message(AYSE, media_id, PHOTO)
    channel.say(image)
    calls = channel.api.calls
    channel.say(image)
    assert channel.api.calls == calls


def test_several_messages_in_one_delivery_are_each_handled_in_order(channel: Channel) -> None:
    # Given one POST carrying two citizens' messages, one of them two messages long
    answer = channel.say(
        wa.text_message(AYSE, "Merhaba"),
        wa.text_message(MEHMET, "Sokak lambası üç gündür yanmıyor"),
        wa.text_message(AYSE, DOG),
    )
    # Then all three are handled: Ayşe is asked to confirm the topic, Mehmet too
    assert answer.body == {"status": "received", "messages": 3, "statuses": 0, "refused": 0}
    assert "Veteriner" in channel.api.texts(AYSE)[-1]
    assert "Aydınlatma" in channel.api.texts(MEHMET)[-1]
    assert len(channel.of_type("conversation")) == 2


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signature", "status", "error"),
    [
        (None, 401, "missing_signature"),
        ("sha256=" + "0" * 64, 403, "invalid_signature"),
        ("junk", 403, "invalid_signature"),
    ],
)
def test_a_missing_or_wrong_signature_is_refused_and_nothing_is_stored(
    channel: Channel, signature: str | None, status: int, error: str
) -> None:
    before = channel.items()
    answer = channel.post(wa.delivery([wa.text_message(AYSE, DOG)]), signature=signature)
    assert answer.status == status
    assert answer.body["error"] == error
    assert channel.items() == before
    assert channel.api.messages() == []


def test_a_body_signed_then_changed_is_refused(channel: Channel) -> None:
    raw = json.dumps(wa.delivery([wa.text_message(AYSE, DOG)])).encode()
    tampered = raw.replace(b"Parkta", b"Bahcede")
    assert tampered != raw
    answer = channel.post(tampered, signature=sign(raw, LOCAL_CREDENTIALS["app_secret"]))
    assert answer.status == 403
    assert channel.of_type("conversation") == []


def test_until_the_app_secret_is_configured_deliveries_are_refused(channel: Channel) -> None:
    # Given the secret as the stack creates it (placeholders)
    placeholders = {**LOCAL_CREDENTIALS, "app_secret": "REPLACE_ME"}
    use_local_credentials(os.environ["WHATSAPP_SECRET_ID"], placeholders)
    wa_runtime.reset()
    raw = json.dumps(wa.delivery([wa.text_message(AYSE, DOG)])).encode()
    # When someone signs with the placeholder / Then nothing is accepted
    answer = channel.post(raw, signature=sign(raw, "REPLACE_ME"))
    assert answer.status == 503
    assert answer.body["error"] == "not_configured"
    assert channel.of_type("conversation") == []


def test_one_impossible_message_is_refused_alone_and_the_rest_of_the_delivery_is_handled(
    channel: Channel, logged: io.StringIO
) -> None:
    # Given one delivery batching Ayşe's message, one with an impossible sender, and Mehmet's
    broken = {**wa.text_message(AYSE, "Çöp alınmadı"), "from": "+90 532 111"}
    delivery = wa.delivery([wa.text_message(AYSE, "Merhaba"), broken, wa.text_message(MEHMET, "Merhaba")])
    # When it is posted, signed
    answer = channel.post(delivery)
    # Then the two good messages are answered and the bad one is counted as refused
    assert answer.status == 200
    assert answer.body == {"status": "received", "messages": 2, "statuses": 0, "refused": 1}
    assert len(channel.of_type("conversation")) == 2
    assert channel.api.texts(AYSE)
    assert channel.api.texts(MEHMET)
    # And the log says where and what was refused, and nothing of what it said or who sent it
    lines = logged.getvalue()
    assert "entry[0].changes[0].value.messages[1]" in lines
    assert "from: string_pattern_mismatch" in lines
    for secret in ("+90 532 111", "Çöp alınmadı", "\\u00c7\\u00f6p"):
        assert secret not in lines


def test_a_signed_body_that_is_no_delivery_is_answered_200_and_ignored(channel: Channel) -> None:
    answer = channel.post({"object": "whatsapp_business_account", "entry": "nothing"})
    assert answer.status == 200
    assert answer.body["status"] == "ignored"
    assert channel.of_type("conversation") == []
    assert channel.api.messages() == []


# --- verification handshake ----------------------------------------------------------------------


def test_the_verification_handshake_echoes_the_challenge_only_for_the_right_token(channel: Channel) -> None:
    token = LOCAL_CREDENTIALS["verify_token"]
    ok = channel.get(f"hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444")
    assert (ok.status, ok.body) == (200, "1158201444")
    for query in (
        "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
        f"hub.mode=unsubscribe&hub.verify_token={token}&hub.challenge=1",
        "",
    ):
        refused = channel.get(query)
        assert refused.status == 403
        assert refused.body["error"] == "verification_failed"


# --- status questions and delivery callbacks -----------------------------------------------------


def test_durum_answers_the_citizens_own_request_and_nobody_elses(channel: Channel) -> None:
    full_dialogue(channel)
    (request,) = channel.of_type("request")
    shown = codes.display(request["code"])
    # When Ayşe asks about her code / Then she gets its status
    channel.say(wa.text_message(AYSE, f"durum {shown}"))
    assert shown in channel.api.texts(AYSE)[-1]
    assert "Bu numaradan" not in channel.api.texts(AYSE)[-1]
    # When Mehmet asks about Ayşe's code, and about a code that does not exist
    channel.say(wa.text_message(MEHMET, f"durum {shown}"))
    someone_elses = channel.api.texts(MEHMET)[-1]
    channel.say(wa.text_message(MEHMET, "durum 222-222-222"))
    unknown = channel.api.texts(MEHMET)[-1]
    # Then both answers are the same "not found", and reveal nothing
    assert someone_elses.replace(shown, "X") == unknown.replace("222-222-222", "X")


def test_delivery_callbacks_move_the_notification_forward_only(channel: Channel) -> None:
    # Given the tracking-code message sent after filing
    full_dialogue(channel)
    wamid = channel.api.messages(AYSE)[-1]["id"]
    prompt_wamid = channel.api.messages(AYSE)[0]["id"]
    # When its callbacks arrive out of order (read before a late "sent"), with one for a prompt
    answer = channel.post(
        wa.delivery(
            statuses=[
                wa.status_update(wamid, "delivered", AYSE),
                wa.status_update(wamid, "read", AYSE),
                wa.status_update(wamid, "sent", AYSE),
                wa.status_update(prompt_wamid, "read", AYSE),
            ]
        )
    )
    # Then the notification ends "read", and nothing else is recorded
    assert answer.status == 200
    assert answer.body["statuses"] == 4
    (entry,) = [e for e in channel.of_type("entry") if e["type"] == "notification_sent"]
    assert entry["detail"]["delivery"] == "read"
    assert not [e for e in channel.of_type("entry") if e["type"] == "notification_failed"]


def test_a_failed_delivery_is_recorded_once_as_a_failed_notification(channel: Channel) -> None:
    full_dialogue(channel)
    wamid = channel.api.messages(AYSE)[-1]["id"]
    failed = wa.delivery(statuses=[wa.status_update(wamid, "failed", AYSE, error=131047)])
    channel.post(failed)
    channel.post(failed)  # redelivered
    (entry,) = [e for e in channel.of_type("entry") if e["type"] == "notification_failed"]
    assert entry["detail"]["error"] == "131047"
    assert entry["public"] is False


def test_a_reply_the_api_refuses_does_not_make_meta_redeliver(channel: Channel) -> None:
    # Given the Cloud API failing every attempt
    channel.api.fail_next(*[500] * 9)
    # When a citizen writes / Then the webhook still answers 200, and the conversation moved on
    answer = channel.post(wa.delivery([wa.text_message(AYSE, "Merhaba")]))
    assert answer.status == 200
    assert len(channel.of_type("conversation")) == 1


# --- robustness ----------------------------------------------------------------------------------

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.just([])
    | st.just({}),
    lambda children: (
        st.lists(children, min_size=1, max_size=4)
        | st.dictionaries(st.text(max_size=10), children, min_size=1, max_size=4)
    ),
    max_leaves=20,
)
_FIELDS = ["from", "id", "timestamp", "type", "text", "location", "image", "interactive", "button"]


@st.composite
def _malformed(draw: st.DrawFn) -> bytes:
    """Documented payloads with parts replaced by anything, or JSON of any shape, or not JSON at all."""
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return json.dumps(draw(_json_values)).encode()
    if choice == 1:
        return draw(st.binary(max_size=200))
    message = wa.text_message(draw(st.sampled_from([AYSE, MEHMET])), draw(st.text(max_size=50)))
    if choice == 2:
        message[draw(st.sampled_from(_FIELDS))] = draw(_json_values)
        return json.dumps(wa.delivery([message])).encode()
    document = wa.delivery([message], statuses=[wa.status_update("wamid.x", "read", AYSE)])
    value = document["entry"][0]["changes"][0]["value"]
    value[draw(st.sampled_from(["metadata", "contacts", "messages", "statuses"]))] = draw(_json_values)
    return json.dumps(document).encode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=_malformed())
def test_signed_malformed_payloads_never_get_a_server_error(channel: Channel, raw: bytes) -> None:
    # Given anything at all, correctly signed / When posted / Then the answer is never a 5xx
    answer = channel.post(raw)
    assert answer.status < 500, answer.body


def test_a_base64_encoded_body_is_verified_over_its_decoded_bytes(channel: Channel) -> None:
    raw = json.dumps(wa.delivery([wa.text_message(AYSE, "Merhaba")]), ensure_ascii=False).encode()
    event = http_event(
        "POST", "/webhooks/whatsapp", raw, {"x-hub-signature-256": sign(raw, LOCAL_CREDENTIALS["app_secret"])}
    )
    assert event["isBase64Encoded"]
    assert base64.b64decode(event["body"]) == raw
    answer = channel.system.handler("WhatsAppHandler")(event, LambdaContext())
    assert answer["statusCode"] == 200
    assert len(channel.of_type("conversation")) == 1


def test_an_unreadable_conversation_state_starts_afresh_instead_of_failing(channel: Channel) -> None:
    # Given a stored conversation in a shape this version cannot read (e.g. written by an older one)
    channel.say(wa.text_message(AYSE, "Merhaba"))
    (item,) = channel.of_type("conversation")
    pool(channel.table).conversations.put(
        item["pk"].removeprefix("CONV#"), {"step": "retired-step"}, version=item["version"] + 1, expires_at=0
    )
    # When the citizen writes again / Then they are greeted as new, not refused with a 5xx
    answer = channel.say(wa.text_message(AYSE, "Merhaba"))
    assert answer.status == 200
    assert "KVKK" in channel.api.texts(AYSE)[-2]


def test_when_the_api_is_down_the_code_is_recorded_as_not_sent_and_nothing_more_is_tried(
    channel: Channel,
) -> None:
    # Given a dialogue up to the summary
    channel.say(wa.text_message(AYSE, "Merhaba"))
    channel.say(wa.text_message(AYSE, DOG))
    channel.say(wa.button_reply(AYSE, "catok", "Evet"))
    channel.say(wa.list_reply(AYSE, "nbh:erzene", "Erzene"))
    channel.say(wa.button_reply(AYSE, "photoskip", "Fotoğrafsız devam"))
    # When the citizen confirms while the Cloud API fails every call
    channel.api.fail_next(*[503] * 20)
    calls = channel.api.calls
    channel.say(wa.button_reply(AYSE, "send", "Evet, gönder"))
    # Then the request is filed, the code message was tried once (with its retries) and recorded as failed
    (request,) = channel.of_type("request")
    (failed,) = [e for e in channel.of_type("entry") if e["type"] == "notification_failed"]
    assert failed["code"] == request["code"]
    assert channel.api.calls - calls <= 3
