"""The Cloud API client: the 24-hour window, retries on 429/5xx only, media checked against its hash."""

from __future__ import annotations

import hashlib
import io
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civicdesk.requests.models import Language
from civicdesk.whatsapp.client import CloudApiClient, CloudApiError
from civicdesk.whatsapp.media import MediaRejected, MediaStore, digest_matches
from civicdesk.whatsapp.messages import ButtonsMessage, Row, TextMessage
from local.whatsapp_fake import LOCAL_CREDENTIALS, PHONE_NUMBER_ID, FakeCloudApi

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CITIZEN = "905321112233"


@pytest.fixture
def api() -> Iterator[FakeCloudApi]:
    with FakeCloudApi().running() as fake:
        yield fake


def client_for(api: FakeCloudApi, token: str = LOCAL_CREDENTIALS["access_token"]) -> CloudApiClient:
    return CloudApiClient(
        base_url=api.base_url,
        access_token=lambda: token,
        template_name="civic_desk_update",
        retry_base_seconds=0,
        clock=lambda: NOW,
    )


def test_within_the_window_the_message_itself_is_sent(api: FakeCloudApi) -> None:
    # Given a citizen who wrote an hour ago
    message = ButtonsMessage("Gönderelim mi?", (Row("send", "Evet"), Row("cancel", "Hayır")))
    # When we send a button message
    sent = client_for(api).send(PHONE_NUMBER_ID, CITIZEN, message, last_inbound_at=NOW - timedelta(hours=1))
    # Then it goes out as it is, to /{phone-number-id}/messages, and its wamid comes back
    (recorded,) = api.messages(CITIZEN)
    assert recorded["phone_number_id"] == PHONE_NUMBER_ID
    assert recorded["body"]["type"] == "interactive"
    assert sent.message_id == recorded["id"]
    assert not sent.template


@pytest.mark.parametrize("last", [NOW - timedelta(hours=24, seconds=1), None])
def test_outside_the_window_the_approved_template_carries_the_text(
    api: FakeCloudApi, last: datetime | None
) -> None:
    # Given a citizen whose last message is over 24 hours old (or unknown)
    sent = client_for(api).send(
        PHONE_NUMBER_ID,
        CITIZEN,
        TextMessage("Talebiniz çözüldü."),
        last_inbound_at=last,
        language=Language.EN,
    )
    # Then only the template form is sent, in the conversation's language, with the text as its parameter
    (recorded,) = api.messages(CITIZEN)
    template = recorded["body"]["template"]
    assert sent.template
    assert recorded["body"]["type"] == "template"
    assert (template["name"], template["language"]["code"]) == ("civic_desk_update", "en")
    assert template["components"][0]["parameters"][0]["text"] == "Talebiniz çözüldü."


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_retried(api: FakeCloudApi, status: int) -> None:
    # Given the API failing twice
    api.fail_next(status, status)
    client = client_for(api)
    # When we send / Then the third attempt gets through
    client.send(PHONE_NUMBER_ID, CITIZEN, TextMessage("x"), last_inbound_at=NOW)
    assert len(api.messages(CITIZEN)) == 1
    assert client.calls == 3


def test_a_client_error_is_not_retried_and_persistent_failure_is_reported(api: FakeCloudApi) -> None:
    client = client_for(api)
    api.fail_next(400)
    with pytest.raises(CloudApiError) as refused:
        client.send(PHONE_NUMBER_ID, CITIZEN, TextMessage("x"), last_inbound_at=NOW)
    assert refused.value.status == 400
    assert client.calls == 1
    api.fail_next(500, 500, 500)
    with pytest.raises(CloudApiError):
        client.send(PHONE_NUMBER_ID, CITIZEN, TextMessage("x"), last_inbound_at=NOW)
    assert client.calls == 4
    assert api.messages(CITIZEN) == []


def test_a_wrong_access_token_is_refused(api: FakeCloudApi) -> None:
    with pytest.raises(CloudApiError) as refused:
        client_for(api, token="expired").send(PHONE_NUMBER_ID, CITIZEN, TextMessage("x"), last_inbound_at=NOW)
    assert refused.value.status == 401


def test_an_unreachable_api_is_a_cloud_api_error_not_a_crash() -> None:
    client = CloudApiClient("http://127.0.0.1:9/v21.0", lambda: "t", "tpl", timeout=0.5, retry_base_seconds=0)
    with pytest.raises(CloudApiError):
        client.send(PHONE_NUMBER_ID, CITIZEN, TextMessage("x"), last_inbound_at=NOW)


# --- media ---------------------------------------------------------------------------------------


class _S3:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put_object(self, **kwargs: object) -> None:
        self.objects[str(kwargs["Key"])] = kwargs["Body"]  # type: ignore[assignment]


def test_media_is_downloaded_checked_and_stored_under_a_key_without_personal_data(api: FakeCloudApi) -> None:
    data = b"\xff\xd8\xff\xe0" + b"photo" * 100
    media_id = api.add_media(data)
    s3 = _S3()
    key = MediaStore("bucket", client_for(api), s3).keep(media_id, NOW)
    assert s3.objects[key] == data
    assert key.startswith("whatsapp/2026/11/")
    assert key.endswith(".jpg")
    assert CITIZEN not in key


def test_media_whose_bytes_do_not_match_the_hash_is_rejected(api: FakeCloudApi) -> None:
    # Given a webhook hash that does not match what the media endpoint serves
    media_id = api.add_media(b"real bytes")
    s3 = _S3()
    with pytest.raises(MediaRejected):
        MediaStore("bucket", client_for(api), s3).keep(media_id, NOW, webhook_sha256="AAAA" * 11)
    assert s3.objects == {}


def test_media_that_is_not_an_image_is_not_kept(api: FakeCloudApi) -> None:
    media_id = api.add_media(b"%PDF-1.7", "application/pdf")
    with pytest.raises(MediaRejected):
        MediaStore("bucket", client_for(api), _S3()).keep(media_id, NOW)


def test_hashes_are_accepted_in_hex_and_in_base64() -> None:
    import base64

    digest = hashlib.sha256(b"x").digest()
    assert digest_matches(b"x", digest.hex())
    assert digest_matches(b"x", base64.b64encode(digest).decode())
    assert not digest_matches(b"y", digest.hex())
    assert not digest_matches(b"x", "not a hash")


# --- where the access token may go ---------------------------------------------------------------


class _Recorder:
    """The client's opener, watched: which URLs were opened with the token; Meta's hosts answer bytes."""

    def __init__(self, meta_bytes: bytes = b"") -> None:
        self.opened: list[str] = []
        self.meta_bytes = meta_bytes

    def __call__(self, request: urllib.request.Request, timeout: float) -> Any:
        self.opened.append(request.full_url)
        if urllib.parse.urlsplit(request.full_url).hostname == "lookaside.fbsbx.com":
            return io.BytesIO(self.meta_bytes)
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - the loopback fake


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example/steal",
        "http://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",  # not HTTPS
        "https://lookaside.fbsbx.com.attacker.example/x",
        "https://lookaside.fbsbx.com@attacker.example/x",
        "https://lookaside.fbsbx.com:8443/x",
    ],
)
def test_a_media_url_off_metas_media_hosts_is_never_opened(api: FakeCloudApi, url: str) -> None:
    # Given a media lookup that answers a download URL elsewhere (a hijacked or spoofed answer)
    media_id = api.add_media(b"photo")
    api.media_urls[media_id] = url
    opener = _Recorder()
    client = CloudApiClient(api.base_url, lambda: LOCAL_CREDENTIALS["access_token"], "tpl", open=opener)
    # When the media is fetched / Then it is refused, and the URL never receives the token
    with pytest.raises(CloudApiError):
        client.media(media_id)
    assert opener.opened == [f"{api.base_url}/{media_id}"]


def test_a_media_url_on_metas_media_host_is_downloaded(api: FakeCloudApi) -> None:
    # Given the URL form Meta documents for WhatsApp media
    data = b"\xff\xd8\xff\xe0meta-photo"
    media_id = api.add_media(data)
    api.media_urls[media_id] = f"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid={media_id}"
    opener = _Recorder(meta_bytes=data)
    client = CloudApiClient(api.base_url, lambda: LOCAL_CREDENTIALS["access_token"], "tpl", open=opener)
    # When fetched / Then the bytes come from there
    _, got = client.media(media_id)
    assert got == data
    assert opener.opened[-1] == api.media_urls[media_id]


def test_a_redirect_is_refused_not_followed_with_the_token(api: FakeCloudApi) -> None:
    # Given a media URL that answers with a redirect
    media_id = api.add_media(b"photo")
    api.media_urls[media_id] = f"{api.root}/redirect/{media_id}"
    # When fetched / Then the client stops at the redirect: the target is never asked for
    with pytest.raises(CloudApiError) as refused:
        client_for(api).media(media_id)
    assert refused.value.status == 302
    assert f"/download/{media_id}" not in api.paths


@pytest.mark.parametrize("media_id", ["../me/phone_numbers", "123?fields=access_token", "123#x", "", "12 3"])
def test_a_media_id_that_is_no_graph_id_is_refused_before_any_call(api: FakeCloudApi, media_id: str) -> None:
    client = client_for(api)
    with pytest.raises(CloudApiError):
        client.media(media_id)
    assert client.calls == 0


@pytest.mark.parametrize("phone_number_id", ["106540352242922/../../me", "me", "1?x=y"])
def test_a_phone_number_id_that_is_no_graph_id_is_refused_before_any_call(
    api: FakeCloudApi, phone_number_id: str
) -> None:
    client = client_for(api)
    with pytest.raises(CloudApiError):
        client.send(phone_number_id, CITIZEN, TextMessage("x"), last_inbound_at=NOW)
    assert client.calls == 0
