"""The WhatsApp simulator at `/simulator/whatsapp` (local stack only, never deployed).

A chat page where a person plays the citizen. The browser never holds the app secret: it posts what
the citizen does to `/simulator/whatsapp/send`, and this helper builds the webhook payload as Meta
would, signs it with the local app secret and POSTs it to the gateway's real webhook route; replies
are read back from the fake Cloud API's record (`/simulator/whatsapp/messages`).

It signs whatever reaches it, so only the page itself may use it: the gateway refuses other sites'
requests and foreign `Host` names, and `send` takes JSON only (a cross-site form cannot send that
without a CORS preflight the gateway never grants).
"""

from __future__ import annotations

import base64
import binascii
import json
import mimetypes
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request as UrlRequest
from urllib.request import urlopen

from werkzeug.wrappers import Request, Response

from civicdesk.core.http import is_json
from civicdesk.whatsapp.signature import sign
from local import whatsapp_fake as wa
from local.whatsapp_fake import FakeCloudApi

PAGE_DIR = Path(__file__).resolve().parent
PREFIX = "/simulator/whatsapp"
MAX_IMAGE_BYTES = 5 * 1024 * 1024


class Simulator:
    def __init__(self, api: FakeCloudApi, app_secret: str = wa.LOCAL_CREDENTIALS["app_secret"]) -> None:
        self.api = api
        self.app_secret = app_secret
        self.gateway_url = ""  # set once the gateway listens

    def __call__(self, request: Request) -> Response | None:
        path = request.path.rstrip("/")
        if not path.startswith(PREFIX):
            return None
        if request.method == "GET" and path == PREFIX:
            return _file("whatsapp.html")
        if request.method == "GET" and path in (f"{PREFIX}.js", f"{PREFIX}.css"):
            return _file("whatsapp" + path[len(PREFIX) :])
        if request.method == "POST" and path == f"{PREFIX}/send":
            return self.send(request)
        if request.method == "GET" and path == f"{PREFIX}/messages":
            after = request.args.get("after", "0")
            sent = self.api.messages(request.args.get("to"))
            start = int(after) if after.isdigit() else 0
            return _json({"messages": [m["body"] for m in sent[start:]], "next": len(sent)})
        return None

    def send(self, request: Request) -> Response:
        if not is_json(request.headers.get("content-type")):
            return _json({"error": "unsupported_media_type", "message": "Send JSON."}, 415)
        try:
            given = json.loads(request.get_data() or b"{}")
            message = self.message(given)
        except (ValueError, KeyError, TypeError, binascii.Error) as error:
            return _json({"error": "bad_request", "message": str(error)}, 400)
        raw = json.dumps(
            wa.delivery([message], names={message["from"]: str(given.get("name") or "")})
        ).encode()
        webhook = UrlRequest(f"{self.gateway_url}/webhooks/whatsapp", data=raw, method="POST")  # noqa: S310
        webhook.add_header("Content-Type", "application/json")
        webhook.add_header("X-Hub-Signature-256", sign(raw, self.app_secret))
        try:
            with urlopen(webhook, timeout=30) as answer:  # noqa: S310 - our own loopback gateway
                status, body = answer.status, answer.read().decode()
        except HTTPError as error:
            status, body = error.code, error.read().decode()
        return _json({"status": status, "answer": body})

    def message(self, given: dict[str, Any]) -> dict[str, Any]:
        """The Meta-shaped message for what the citizen did in the page."""
        wa_id = str(given.get("wa_id") or "905321112233")
        kind = given.get("kind", "text")
        if kind == "text":
            return wa.text_message(wa_id, str(given["text"]))
        if kind == "choice":
            return wa.choice_message(wa_id, str(given["choice"]), title=str(given.get("title") or ""))
        if kind == "location":
            return wa.location_message(
                wa_id, float(given["lat"]), float(given["lon"]), name=str(given.get("name") or "")
            )
        if kind == "image":
            data = base64.b64decode(str(given["image"]), validate=True)
            if len(data) > MAX_IMAGE_BYTES:
                raise ValueError("image over 5 MB")
            media_id = self.api.add_media(data, str(given.get("mime") or "image/jpeg"))
            return wa.image_message(wa_id, media_id, data, caption=str(given.get("text") or ""))
        raise ValueError(f"unknown kind {kind!r}")


def _file(name: str) -> Response:
    target = PAGE_DIR / name
    content_type = (mimetypes.guess_type(name)[0] or "text/plain") + "; charset=utf-8"
    response = Response(target.read_bytes(), content_type=content_type)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
