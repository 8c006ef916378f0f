"""A fake WhatsApp Cloud API on loopback, and webhook deliveries in the shape Meta sends them.

The fake records every outbound message (`POST /{version}/{phone-number-id}/messages`, bearer token
checked) and serves media like the Graph API: `GET /{version}/{media-id}` answers the download URL and
sha256, the URL answers the bytes. `fail_next(...)` makes the next calls answer an error status, to
exercise the client's retries; `media_urls` makes a lookup answer another URL (elsewhere, or one that
redirects), as a hijacked lookup could, and `paths` records every path asked for. The local stack
points the WhatsApp function's `WHATSAPP_API_BASE` at it and fills its secret with `LOCAL_CREDENTIALS`.

The builders (`text_message`, `delivery`, ...) produce webhook payloads exactly as documented for the
Cloud API `messages` webhook, for the simulator, the tests and the bench.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

API_VERSION = "v21.0"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "902125550100"
BUSINESS_ACCOUNT_ID = "102290129340398"
LOCAL_CREDENTIALS = {
    "app_secret": "local-app-secret-not-for-production",
    "verify_token": "local-verify-token-not-for-production",
    "access_token": "local-access-token-not-for-production",
}


def secret_id(environment: dict[str, str]) -> str | None:
    return environment.get("WHATSAPP_SECRET_ID")


def use_local_credentials(secret: str, values: dict[str, str] | None = None) -> None:
    """Give the (emulated) WhatsApp secret known values, as an operator would after deploy."""
    boto3.client("secretsmanager").put_secret_value(
        SecretId=secret, SecretString=json.dumps(values or LOCAL_CREDENTIALS)
    )


# --- the fake Cloud API --------------------------------------------------------------------------


class FakeCloudApi:
    def __init__(
        self, access_token: str = LOCAL_CREDENTIALS["access_token"], host: str = "127.0.0.1"
    ) -> None:
        self.access_token = access_token
        self.host = host
        self.sent: list[dict[str, Any]] = []
        self.media: dict[str, tuple[bytes, str]] = {}
        self.media_urls: dict[str, str] = {}
        self.paths: list[str] = []
        self.calls = 0
        self._failures: deque[int] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: Any = None
        self.url_map = Map(
            [
                Rule("/<version>/<phone>/messages", methods=["POST"], endpoint="send"),
                Rule("/<version>/<media_id>", methods=["GET"], endpoint="media_info"),
                Rule("/download/<media_id>", methods=["GET"], endpoint="download"),
                Rule("/redirect/<media_id>", methods=["GET"], endpoint="redirect"),
                Rule("/_sent", methods=["GET"], endpoint="recorded"),
                Rule("/_media", methods=["POST"], endpoint="upload"),
            ]
        )

    # running

    @contextmanager
    def running(self) -> Iterator[FakeCloudApi]:
        self._server = make_server(self.host, 0, self, threaded=True)
        thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="fake-cloud-api")
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server = None

    @property
    def root(self) -> str:
        return f"http://{self.host}:{self._server.server_port}"

    @property
    def base_url(self) -> str:
        """What WHATSAPP_API_BASE is set to (the Graph API base, with its version)."""
        return f"{self.root}/{API_VERSION}"

    # what tests use

    def add_media(self, data: bytes, mime_type: str = "image/jpeg") -> str:
        media_id = str(1_000_000_000_000 + next(self._ids))
        with self._lock:
            self.media[media_id] = (data, mime_type)
        return media_id

    def fail_next(self, *statuses: int) -> None:
        self._failures.extend(statuses)

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.sent if to is None or m["body"].get("to") == to]

    def texts(self, to: str | None = None) -> list[str]:
        """Every outbound message as the text a citizen reads (body of text, interactive or template)."""
        return [body_text(m["body"]) for m in self.messages(to)]

    def clear(self) -> None:
        with self._lock:
            self.sent.clear()

    # WSGI

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, arguments = adapter.match()
        except HTTPException:  # no such path or method: answer as the Graph API does
            return _json({"error": {"message": "Unknown path", "code": 100}}, 404)
        if endpoint in ("recorded", "upload"):  # the simulator's helpers, loopback only
            return self.recorded(request) if endpoint == "recorded" else self.upload(request)
        self.calls += 1
        self.paths.append(request.path)
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return _json({"error": {"message": "Invalid OAuth access token.", "code": 190}}, 401)
        if self._failures:
            status = self._failures.popleft()
            return _json({"error": {"message": "Fake failure", "code": 4}}, status)
        handler = getattr(self, endpoint)
        return handler(request, **arguments)

    def send(self, request: Request, version: str, phone: str) -> Response:
        body = json.loads(request.get_data() or b"{}")
        to = str(body.get("to", ""))
        # A wamid embeds the recipient's number (base64), as Meta's do: it must never be logged as is.
        raw = b"\x1c\x18\x0c" + to.encode() + b"\x15\x02\x00\x11\x18\x12" + secrets.token_hex(9).encode()
        message_id = "wamid." + base64.b64encode(raw).decode()
        with self._lock:
            self.sent.append({"id": message_id, "phone_number_id": phone, "body": body, "at": time.time()})
        return _json(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": message_id}],
            }
        )

    def media_info(self, request: Request, version: str, media_id: str) -> Response:
        found = self.media.get(media_id)
        if found is None:
            return _json({"error": {"message": "Unsupported get request", "code": 100}}, 400)
        data, mime_type = found
        return _json(
            {
                "messaging_product": "whatsapp",
                "url": self.media_urls.get(media_id, f"{self.root}/download/{media_id}"),
                "mime_type": mime_type,
                "sha256": hashlib.sha256(data).hexdigest(),
                "file_size": len(data),
                "id": media_id,
            }
        )

    def download(self, request: Request, media_id: str) -> Response:
        found = self.media.get(media_id)
        if found is None:
            return _json({"error": {"message": "Not found", "code": 100}}, 404)
        data, mime_type = found
        return Response(data, content_type=mime_type)

    def redirect(self, request: Request, media_id: str) -> Response:
        return Response(status=302, headers={"Location": f"{self.root}/download/{media_id}"})

    def recorded(self, request: Request) -> Response:
        to = request.args.get("to")
        after = int(request.args.get("after", "0") or 0)
        return _json({"messages": self.messages(to)[after:]})

    def upload(self, request: Request) -> Response:
        mime_type = request.headers.get("content-type", "image/jpeg").split(";")[0]
        return _json({"id": self.add_media(request.get_data(), mime_type)})


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def body_text(body: dict[str, Any]) -> str:
    kind = body.get("type")
    if kind == "text":
        return str(body["text"]["body"])
    if kind == "interactive":
        return str(body["interactive"]["body"]["text"])
    if kind == "template":
        parameters = body["template"]["components"][0]["parameters"]
        return " ".join(str(p.get("text", "")) for p in parameters)
    return ""


# --- webhook payloads as Meta sends them ---------------------------------------------------------

_ids = itertools.count(1)


def message_id() -> str:
    return "wamid.HBgMOTA1MzIxMTEyMjMzFQIAEhgUM0E" + f"{next(_ids):06d}" + secrets.token_hex(6).upper()


def _message(
    wa_id: str, kind: str, content: dict[str, Any], at: int | None = None, id_: str | None = None
) -> dict[str, Any]:
    return {
        "from": wa_id,
        "id": id_ or message_id(),
        "timestamp": str(at if at is not None else int(time.time())),
        "type": kind,
        kind: content,
    }


def text_message(wa_id: str, body: str, **kwargs: Any) -> dict[str, Any]:
    return _message(wa_id, "text", {"body": body}, **kwargs)


def location_message(
    wa_id: str, lat: float, lon: float, name: str = "", address: str = "", **kwargs: Any
) -> dict[str, Any]:
    pin: dict[str, Any] = {"latitude": lat, "longitude": lon}
    if name:
        pin["name"] = name
    if address:
        pin["address"] = address
    return _message(wa_id, "location", pin, **kwargs)


def image_message(wa_id: str, media_id: str, data: bytes, caption: str = "", **kwargs: Any) -> dict[str, Any]:
    image = {
        "mime_type": "image/jpeg",
        "sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
        "id": media_id,
    }
    if caption:
        image["caption"] = caption
    return _message(wa_id, "image", image, **kwargs)


def button_reply(wa_id: str, choice: str, title: str = "", **kwargs: Any) -> dict[str, Any]:
    reply = {"type": "button_reply", "button_reply": {"id": choice, "title": title or choice}}
    return _message(wa_id, "interactive", reply, **kwargs)


def list_reply(
    wa_id: str, choice: str, title: str = "", description: str = "", **kwargs: Any
) -> dict[str, Any]:
    row = {"id": choice, "title": title or choice}
    if description:
        row["description"] = description
    return _message(wa_id, "interactive", {"type": "list_reply", "list_reply": row}, **kwargs)


def choice_message(wa_id: str, choice: str, **kwargs: Any) -> dict[str, Any]:
    """The reply a tap produces: a list row for list ids, a button otherwise (the dialogue takes both)."""
    if choice.startswith(("cat:", "catpage:", "nbh:", "nbhpage:", "nbhskip")):
        return list_reply(wa_id, choice, **kwargs)
    return button_reply(wa_id, choice, **kwargs)


def status_update(
    message_id_: str, status: str, recipient: str, at: int | None = None, error: int | None = None
) -> dict[str, Any]:
    update: dict[str, Any] = {
        "id": message_id_,
        "status": status,
        "timestamp": str(at if at is not None else int(time.time())),
        "recipient_id": recipient,
    }
    if status != "failed":
        update["conversation"] = {"id": "CONVERSATION_ID", "origin": {"type": "service"}}
        update["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "service"}
    if error is not None:
        update["errors"] = [{"code": error, "title": "Message undeliverable", "error_data": {"details": "-"}}]
    return update


def delivery(
    messages: Iterable[dict[str, Any]] = (),
    statuses: Iterable[dict[str, Any]] = (),
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One webhook POST body (`object: whatsapp_business_account`)."""
    listed = list(messages)
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
    }
    if listed:
        senders = dict.fromkeys(m["from"] for m in listed if isinstance(m.get("from"), str))
        value["contacts"] = [
            {"profile": {"name": (names or {}).get(w, "Ayşe Yılmaz")}, "wa_id": w} for w in senders
        ]
        value["messages"] = listed
    statuses = list(statuses)
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": BUSINESS_ACCOUNT_ID, "changes": [{"value": value, "field": "messages"}]}],
    }
