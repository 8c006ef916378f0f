"""Open311's errors: a list of `{code, description}`, with the HTTP status the specification gives."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus

from civicdesk.core.errors import CivicDeskError


class Open311Error(CivicDeskError):
    """What the caller did wrong, as one or several `(code, description)` (answered all at once)."""

    status = HTTPStatus.BAD_REQUEST

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{c}: {d}" for c, d in errors))
        self.errors = list(errors)


class BadRequest(Open311Error):
    """400: bad input; every problem found is listed."""


class KeyRefused(Open311Error):
    """403: no `api_key`, an unknown or revoked one, or one not allowed this operation."""

    status = HTTPStatus.FORBIDDEN


class Unknown(Open311Error):
    """404: no such service, request or path."""

    status = HTTPStatus.NOT_FOUND


class TooMany(Open311Error):
    """429: the key's calls in this minute are used up."""

    status = HTTPStatus.TOO_MANY_REQUESTS


def one(code: str, description: str) -> list[tuple[str, str]]:
    return [(code, description)]
