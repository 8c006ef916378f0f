"""Domain errors. Handlers map them to HTTP answers in one place (`civicdesk.core.http`)."""

from __future__ import annotations


class CivicDeskError(Exception):
    """Base of every error the domain raises on purpose."""


class RequestNotFound(CivicDeskError):
    def __init__(self, code: str) -> None:
        super().__init__(f"no request with code {code}")
        self.code = code


class InvalidInput(CivicDeskError):
    """Values that are well-formed but not acceptable (e.g. a category the catalogue does not know).

    `fields` maps each bad field (dotted path) to what is wrong with it; `reason` is the
    machine-readable kind of problem the API reports with each (`unknown_value`, `outside_area`).
    """

    def __init__(self, fields: dict[str, str], reason: str = "unknown_value") -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields
        self.reason = reason


class ConflictingUpdate(CivicDeskError):
    """Someone else changed the item first (the `version` guard or a status precondition failed)."""

    def __init__(self, code: str, detail: str = "the request was changed by someone else") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class CodeCollision(CivicDeskError):
    """A freshly drawn tracking code already exists; the caller draws again."""


class PreconditionRequired(CivicDeskError):
    """A change sent without the version it was based on (`If-Match`): refused (428)."""


class PreconditionFailed(CivicDeskError):
    """A change based on a version that is no longer current: someone else changed it first (412)."""

    def __init__(self, code: str, current_version: int) -> None:
        super().__init__(f"{code} is at version {current_version}")
        self.code = code
        self.current_version = current_version


class Forbidden(CivicDeskError):
    """The acting staff member's role may not do this (403)."""


class KeyReused(CivicDeskError):
    """An `Idempotency-Key` sent again with a different body: a client bug, refused (422)."""


class StillFiling(CivicDeskError):
    """The first request with this `Idempotency-Key` is still being handled: try again shortly (409)."""


class LinkInvalid(CivicDeskError):
    """A citizen's link (survey token) that we did not issue, or that was garbled (404)."""

    def __init__(self) -> None:
        super().__init__("this link is not valid")


class LinkExpired(CivicDeskError):
    """A genuine link whose time is over (410): the citizen is told what they can still do."""

    def __init__(self) -> None:
        super().__init__("this link has expired")
