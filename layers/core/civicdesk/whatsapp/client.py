"""The one client of the WhatsApp Cloud API: send messages, fetch media.

Plain `urllib.request` with a small retry loop rather than `requests`/`urllib3`: the standard
library is already in the Lambda runtime (no new layer package to pin and audit), the API is two
JSON calls and one download, and the retry rule fits in a few lines: 429 and 5xx (and network
errors) are retried with exponential backoff (honouring `Retry-After`), under an overall time budget
so a slow Graph API never holds the webhook past Meta's patience; other 4xx fail at once.

The access token goes only where Meta documents it is needed: to the configured Graph API, and to
the media download URL the lookup answers, which must be HTTPS on Meta's media hosts (documented as
`https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=…`; Meta's CDN, `fbcdn.net`, too)
or the Graph API's own origin. Redirects are refused, never followed (urllib would forward the
token with them), and ids put into a path must be Graph ids (digits), so none can walk elsewhere.

The 24-hour customer-service window: free-form messages may only be sent within 24 hours of the
citizen's last message; after that, only an approved template. `send` takes the conversation's
`last_inbound_at` and picks the template form itself.
"""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message as HeaderMap
from typing import Any

from pydantic import ValidationError

from civicdesk.core.clock import Clock, utc_now
from civicdesk.requests.models import Language
from civicdesk.whatsapp.messages import OutboundMessage, clip, payload, plain_text
from civicdesk.whatsapp.payloads import GRAPH_ID, MediaInfo, SendResult

SERVICE_WINDOW = timedelta(hours=24)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ATTEMPTS = 3
MAX_BACKOFF_SECONDS = 4.0
MAX_MEDIA_BYTES = 5 * 1024 * 1024 + 1024  # WhatsApp images are at most 5 MB
TEMPLATE_PARAMETER_LIMIT = 1024
MEDIA_DOMAINS = ("fbsbx.com", "fbcdn.net")
"""Meta's media hosts (and their subdomains, such as `lookaside.fbsbx.com`), reached over HTTPS only."""


class CloudApiError(RuntimeError):
    """The Cloud API refused or could not be reached (after the retries): the caller decides."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Sent:
    message_id: str
    template: bool


Opener = Callable[..., Any]


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect becomes the HTTPError it is (3xx): urllib would follow it with our token."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_RefuseRedirects())


@dataclass
class CloudApiClient:
    base_url: str
    access_token: Callable[[], str]
    """Read at each call: the token lives in the cached secret and may be replaced by an operator."""
    template_name: str
    timeout: float = 5.0
    retry_base_seconds: float = 0.5
    budget_seconds: float = 8.0
    """Per call, retries included: a webhook answer must not wait on a struggling Graph API."""
    clock: Clock = utc_now
    sleep: Callable[[float], None] = time.sleep
    open: Opener = field(default=_OPENER.open)
    calls: int = 0
    """HTTP calls made (attempts included): what the bench counts."""

    def in_window(self, last_inbound_at: datetime | None) -> bool:
        return last_inbound_at is not None and self.clock() - last_inbound_at < SERVICE_WINDOW

    def send(
        self,
        phone_number_id: str,
        to: str,
        message: OutboundMessage,
        *,
        last_inbound_at: datetime | None,
        language: Language = Language.TR,
    ) -> Sent:
        """Send `message`, or the approved template carrying its text when the window has closed."""
        _graph_id(phone_number_id, "phone number id")
        if self.in_window(last_inbound_at):
            body, template = payload(message, to), False
        else:
            body, template = self.template_payload(to, plain_text(message), language), True
        answer = self._request("POST", f"{self.base_url.rstrip('/')}/{phone_number_id}/messages", body)
        try:
            result = SendResult.model_validate(json.loads(answer))
        except (ValueError, ValidationError) as error:
            raise CloudApiError("unexpected answer to a send") from error
        return Sent(message_id=result.messages[0].id, template=template)

    def template_payload(self, to: str, text: str, language: Language) -> dict[str, Any]:
        """The approved template (one body parameter: the text), in the conversation's language."""
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "template",
            "template": {
                "name": self.template_name,
                "language": {"code": language.value},
                "components": [
                    {
                        "type": "body",
                        "parameters": [{"type": "text", "text": clip(text, TEMPLATE_PARAMETER_LIMIT)}],
                    }
                ],
            },
        }

    def media(self, media_id: str) -> tuple[MediaInfo, bytes]:
        """The media's metadata (`GET /{media-id}`) and its bytes (the URL lives five minutes)."""
        _graph_id(media_id, "media id")
        answer = self._request("GET", f"{self.base_url.rstrip('/')}/{media_id}")
        try:
            info = MediaInfo.model_validate(json.loads(answer))
        except (ValueError, ValidationError) as error:
            raise CloudApiError("unexpected answer to a media look-up") from error
        if info.file_size is not None and info.file_size > MAX_MEDIA_BYTES:
            raise CloudApiError(f"media of {info.file_size} bytes is over the limit")
        if not self._may_carry_token(info.url):
            raise CloudApiError("media URL is not on Meta's media hosts over HTTPS: not fetched")
        return info, self._request("GET", info.url, limit=MAX_MEDIA_BYTES)

    def _may_carry_token(self, url: str) -> bool:
        """HTTPS on Meta's media hosts, or the Graph API's own origin (where the token goes anyway)."""
        target, graph = urllib.parse.urlsplit(url), urllib.parse.urlsplit(self.base_url)
        if target.username is not None or target.password is not None:
            return False
        host = (target.hostname or "").rstrip(".")
        on_meta = any(host == domain or host.endswith(f".{domain}") for domain in MEDIA_DOMAINS)
        if target.scheme == "https" and on_meta and target.port in (None, 443):
            return True
        return (target.scheme, target.hostname, target.port) == (graph.scheme, graph.hostname, graph.port)

    def _request(
        self, method: str, url: str, body: dict[str, Any] | None = None, limit: int = 1 << 20
    ) -> bytes:
        data = json.dumps(body).encode() if body is not None else None
        started = time.monotonic()
        for attempt in range(1, ATTEMPTS + 1):
            request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - configured https base
            request.add_unredirected_header("Authorization", f"Bearer {self.access_token()}")
            if data is not None:
                request.add_header("Content-Type", "application/json")
            self.calls += 1
            retry_after: float | None = None
            try:
                with self.open(request, timeout=self.timeout) as response:
                    content: bytes = response.read(limit + 1)
                if len(content) > limit:
                    raise CloudApiError(f"answer larger than {limit} bytes")
                return content
            except urllib.error.HTTPError as error:
                status = error.code
                if status not in RETRY_STATUSES or attempt == ATTEMPTS:
                    raise CloudApiError(f"{method} answered {status}", status) from error
                retry_after = _retry_after(error.headers)
            except (OSError, http.client.HTTPException) as error:  # URLError, timeouts, resets
                if attempt == ATTEMPTS:
                    raise CloudApiError(f"{method} failed: {type(error).__name__}") from error
            delay = retry_after if retry_after is not None else self.retry_base_seconds * 2 ** (attempt - 1)
            delay = min(delay, MAX_BACKOFF_SECONDS)
            if time.monotonic() - started + delay + self.timeout > self.budget_seconds:
                raise CloudApiError(f"{method}: out of time for another attempt")
            self.sleep(delay)
        raise CloudApiError("unreachable")  # pragma: no cover - the loop returns or raises


def _graph_id(value: str, what: str) -> None:
    """Refuse, before any call, an id that would change the path it is put into (`../`, `?`, `#`)."""
    if not re.fullmatch(GRAPH_ID, value):
        raise CloudApiError(f"{what} is not a Graph id")


def _retry_after(headers: HeaderMap | None) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
