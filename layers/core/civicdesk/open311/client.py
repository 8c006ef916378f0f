"""An Open311 GeoReport v2 client: files our referrals with another institution and reads its updates.

urllib3 (which botocore already brings into every Lambda runtime) does the HTTP: short timeouts, no
redirects, HTTPS only (plain HTTP only to a loopback address: the local round trip), answers read
up to a size limit and parsed with pydantic. The other side's errors (`[{code, description}]`)
become one `Open311Error` that says whether the request certainly did not reach it (`certain`) —
the referral may then be tried again — or may have (a timeout, a 5xx): then it is never sent again.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit

import urllib3
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

MAX_ANSWER_BYTES = 1_000_000
"""A day of updates from a busy city fits many times; anything bigger is not an Open311 answer."""
CONNECT_SECONDS = 3.0
READ_SECONDS = 10.0
NOT_PROCESSED = frozenset({429, 502, 503, 504})
"""Answers that say the request was not taken in (rate-limited, or the service was not reached)."""


class Open311Error(Exception):
    """The other side refused, failed or could not be reached. `certain`: it did not file anything."""

    def __init__(self, code: str, description: str, *, certain: bool, status: int | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description[:300]
        self.certain = certain
        self.status = status


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class RemoteError(_In):
    code: str | int
    description: str = ""


class Filed(_In):
    """One element of `POST requests`' answer: the id, or a token to look it up by later."""

    service_request_id: str | None = Field(default=None, min_length=1, max_length=100)
    token: str | None = None
    service_notice: str | None = None

    @field_validator("service_request_id", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value


class Update(_In):
    """One `request_update` of the updates extension (FixMyStreet's)."""

    update_id: str = Field(min_length=1, max_length=200)
    service_request_id: str = Field(min_length=1, max_length=100)
    status: str = Field(min_length=1, max_length=60)
    updated_datetime: datetime
    description: str = Field(default="", max_length=4000)

    @field_validator("update_id", "service_request_id", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("updated_datetime")
    @classmethod
    def _zoned(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("updated_datetime needs an offset")
        return value


_ERRORS = TypeAdapter(list[RemoteError])
_FILED = TypeAdapter(list[Filed])
_UPDATES = TypeAdapter(list[Update])


def check_endpoint(url: str) -> str:
    """The base URL, if it is HTTPS or plain HTTP to a loopback address; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname:
        host = parts.hostname
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback:
            return url
    raise ValueError(f"an Open311 endpoint must be https (plain http only on loopback): {url!r}")


@dataclass
class Open311Client:
    """One institution's Open311 server: `endpoint` is its base URL, ending in `/`."""

    endpoint: str
    api_key: str
    jurisdiction_id: str | None = None
    pool: urllib3.PoolManager | None = None

    def __post_init__(self) -> None:
        check_endpoint(self.endpoint)
        if self.pool is None:
            self.pool = urllib3.PoolManager(
                timeout=urllib3.Timeout(connect=CONNECT_SECONDS, read=READ_SECONDS),
                retries=False,
                headers={"User-Agent": "CivicDesk-Open311-client/1"},
            )

    def file(self, form: Mapping[str, str]) -> str:
        """`POST requests.json` (form-encoded, with our key): the other side's `service_request_id`."""
        body = dict(form)
        body["api_key"] = self.api_key
        if self.jurisdiction_id:
            body["jurisdiction_id"] = self.jurisdiction_id
        raw = self._call(
            "POST",
            "requests.json",
            body=urlencode(body).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        try:
            answers = _FILED.validate_json(raw)
        except ValidationError as error:
            raise Open311Error("answer", f"not a GeoReport v2 answer: {error.error_count()} problems",
                               certain=False) from error  # fmt: skip
        if not answers or not answers[0].service_request_id:
            # a token only (the standard allows it): filed, but without an id we cannot follow it
            raise Open311Error("answer", "no service_request_id in the answer", certain=False)
        return answers[0].service_request_id

    def updates(self, start: datetime, end: datetime) -> list[Update]:
        """`GET servicerequestupdates.json` for `[start, end]`, oldest first (with our key: servers such as
        ours give updates only to keys allowed to read them)."""
        query = {
            "start_date": start.isoformat(timespec="seconds"),
            "end_date": end.isoformat(timespec="seconds"),
            "api_key": self.api_key,
        }
        if self.jurisdiction_id:
            query["jurisdiction_id"] = self.jurisdiction_id
        raw = self._call("GET", f"servicerequestupdates.json?{urlencode(query)}")
        try:
            found = _UPDATES.validate_json(raw)
        except ValidationError as error:
            raise Open311Error("answer", f"not a list of updates: {error.error_count()} problems",
                               certain=True) from error  # fmt: skip
        return sorted(found, key=lambda u: u.updated_datetime)

    def _call(
        self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> bytes:
        assert self.pool is not None
        url = self.endpoint + path
        try:
            answer = self.pool.request(
                method, url, body=body, headers=dict(headers or {}), redirect=False, preload_content=False
            )
        except urllib3.exceptions.NewConnectionError as error:  # nothing was sent
            raise Open311Error("unreachable", type(error).__name__, certain=True) from error
        except urllib3.exceptions.HTTPError as error:  # sent, perhaps taken in: no answer to tell
            raise Open311Error("no_answer", type(error).__name__, certain=False) from error
        try:
            raw = answer.read(MAX_ANSWER_BYTES + 1)
        finally:
            answer.release_conn()
        if len(raw) > MAX_ANSWER_BYTES:
            raise Open311Error("answer", f"larger than {MAX_ANSWER_BYTES} bytes", certain=answer.status < 500)
        if answer.status >= 300:
            raise _refusal(answer.status, raw)
        return raw


def _refusal(status: int, raw: bytes) -> Open311Error:
    """The other side's error list as one error; certain for 4xx and the not-processed statuses."""
    try:
        errors: Sequence[RemoteError] = _ERRORS.validate_json(raw)
    except ValidationError:
        try:
            errors = [RemoteError.model_validate(json.loads(raw))]
        except (ValueError, ValidationError):
            errors = []
    description = "; ".join(f"{e.code}: {e.description}" for e in errors) or f"HTTP {status}"
    certain = status < 500 or status in NOT_PROCESSED
    return Open311Error(str(errors[0].code) if errors else str(status), description, certain=certain,
                        status=status)  # fmt: skip
