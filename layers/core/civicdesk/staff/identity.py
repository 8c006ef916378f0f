"""Who is acting: a staff member as the JWT authorizer vouches for them.

Staff sign in to the Cognito user pool; their roles are its groups and their departments a custom
attribute that only administrators can write (the app client may read it, never write it). The
HTTP API's JWT authorizer has checked the token's signature, issuer, audience and expiry before a
handler runs, so these claims are trusted as they come.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

DEPARTMENTS_CLAIM = "custom:departments"
GROUPS_CLAIM = "cognito:groups"


class Role(StrEnum):
    AGENT = "agent"  # call center and walk-in desk
    DEPARTMENT = "department"  # staff of one or more departments
    FIELD = "field"  # field teams
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    ANALYST = "analyst"


class Staff(BaseModel):
    """The acting staff member. `actor` is what timelines record: a role and an opaque id, no name."""

    model_config = ConfigDict(frozen=True)

    user_id: str = Field(min_length=1, description="the user pool's `sub`: stable, not personal")
    username: str
    roles: frozenset[Role]
    departments: frozenset[str] = frozenset()

    @property
    def actor(self) -> str:
        return f"staff:{self.user_id}"

    def has(self, role: Role) -> bool:
        return role in self.roles


def _groups(value: Any) -> list[str]:
    """`cognito:groups` arrives as a list in a decoded token, as `[a b]` text through API Gateway."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    text = str(value or "").strip().strip("[]")
    return [g for g in text.replace(",", " ").split() if g]


def from_claims(claims: Mapping[str, Any]) -> Staff:
    """The staff member of a verified token; unknown groups are ignored, never guessed at."""
    known = {r.value for r in Role}
    departments = str(claims.get(DEPARTMENTS_CLAIM) or "")
    return Staff(
        user_id=str(claims.get("sub") or ""),
        username=str(claims.get("email") or claims.get("cognito:username") or claims.get("username") or ""),
        roles=frozenset(Role(g) for g in _groups(claims.get(GROUPS_CLAIM)) if g in known),
        departments=frozenset(d.strip() for d in departments.split(",") if d.strip()),
    )
