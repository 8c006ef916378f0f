"""What each role may do, and where: one table, role x action -> scope, checked on every staff call.

A scope is `ALL` (every department, and requests not routed yet), `OWN` (the departments in the
staff member's token) or absent (not at all). A member of several roles gets the widest scope any
of them gives. Visibility comes first: a request outside what the member may read is answered as
if it did not exist (`RequestHidden` -> 404), so codes of other departments do not leak; an action
the member's role does not have on a request they can see is `Forbidden` (403).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from civicdesk.core import errors
from civicdesk.core.errors import CivicDeskError
from civicdesk.requests.models import Channel
from civicdesk.staff.identity import Role, Staff


class Action(StrEnum):
    FILE = "file"  # file a request for a citizen on a staff channel
    LOOKUP_CALLER = "lookup_caller"  # a caller's requests, by phone (audited)
    LIST = "list"  # read a queue
    READ = "read"  # read a whole request: description, location, photos, timeline, internal notes
    READ_CONTACT = "read_contact"  # the citizen's contact details (audited)
    REPLY = "reply"  # a public reply, sent to the citizen
    NOTE = "note"  # an internal note
    CHANGE_STATUS = "change_status"
    ASK_TRANSFER = "ask_transfer"  # ask a supervisor to move a request to another department
    TRANSFER = "transfer"  # move a request to another department
    CLASSIFY = "classify"  # route a request by hand (the triage queue)
    READ_TEMPLATES = "read_templates"
    EDIT_TEMPLATES = "edit_templates"
    REPORTS = "reports"
    PRIVACY = "privacy"  # KVKK: erasure and access requests, the destruction log, the access audit
    OPEN311_KEYS = "open311_keys"  # issue, list and revoke the API keys of Open311 client systems
    DEFINE_SURVEYS = "define_surveys"  # field surveys: define, edit (a new version), assign
    ANSWER_SURVEYS = "answer_surveys"  # field surveys: fill in (OWN: the surveys of one's team)
    SURVEY_RESULTS = "survey_results"  # field surveys: results, CSV


class Scope(IntEnum):
    OWN = 1
    ALL = 2


ALL, OWN = Scope.ALL, Scope.OWN
POLICY: dict[Role, dict[Action, Scope]] = {
    Role.AGENT: {
        Action.FILE: ALL, Action.LOOKUP_CALLER: ALL, Action.LIST: ALL, Action.READ: ALL, Action.REPLY: ALL,
        Action.NOTE: ALL, Action.READ_TEMPLATES: ALL,
    },
    Role.DEPARTMENT: {
        Action.LIST: OWN, Action.READ: OWN, Action.REPLY: OWN, Action.NOTE: OWN, Action.CHANGE_STATUS: OWN,
        Action.ASK_TRANSFER: OWN, Action.READ_TEMPLATES: ALL, Action.REPORTS: OWN,
    },
    Role.FIELD: {
        Action.FILE: ALL, Action.LIST: OWN, Action.READ: OWN, Action.REPLY: OWN, Action.NOTE: OWN,
        Action.CHANGE_STATUS: OWN, Action.ASK_TRANSFER: OWN, Action.READ_TEMPLATES: ALL,
        Action.ANSWER_SURVEYS: OWN,
    },
    Role.SUPERVISOR: {
        Action.FILE: ALL, Action.LOOKUP_CALLER: ALL, Action.LIST: ALL, Action.READ: ALL,
        Action.READ_CONTACT: ALL, Action.REPLY: ALL, Action.NOTE: ALL, Action.CHANGE_STATUS: ALL,
        Action.TRANSFER: ALL, Action.CLASSIFY: ALL, Action.READ_TEMPLATES: ALL, Action.REPORTS: ALL,
        Action.PRIVACY: ALL, Action.DEFINE_SURVEYS: ALL, Action.ANSWER_SURVEYS: ALL,
        Action.SURVEY_RESULTS: ALL,
    },
    Role.ADMIN: {
        Action.LIST: ALL, Action.READ: ALL, Action.READ_TEMPLATES: ALL, Action.EDIT_TEMPLATES: ALL,
        Action.REPORTS: ALL, Action.OPEN311_KEYS: ALL, Action.DEFINE_SURVEYS: ALL, Action.SURVEY_RESULTS: ALL,
    },
    Role.ANALYST: {Action.REPORTS: ALL, Action.SURVEY_RESULTS: ALL},
}  # fmt: skip
"""The role x action matrix (docs/architecture.md shows it as a table; a test walks every cell)."""

STAFF_CHANNELS: dict[Role, frozenset[Channel]] = {
    Role.AGENT: frozenset({Channel.CALL_CENTER, Channel.WALK_IN, Channel.SOCIAL_MEDIA, Channel.EMAIL}),
    Role.FIELD: frozenset({Channel.FIELD}),
    Role.SUPERVISOR: frozenset(
        {Channel.CALL_CENTER, Channel.WALK_IN, Channel.SOCIAL_MEDIA, Channel.EMAIL, Channel.FIELD}
    ),
}
"""The channels each filing role files on (a field team files from the street, the desk the rest)."""


class Forbidden(errors.Forbidden):
    """The role may not do this (403)."""

    def __init__(self, action: Action, detail: str = "") -> None:
        super().__init__(detail or f"Your role may not {action.value.replace('_', ' ')}.")
        self.action = action


class RequestHidden(CivicDeskError):
    """A request the member may not see: answered exactly like an unknown code (404)."""


def scope(staff: Staff, action: Action) -> Scope | None:
    """The widest scope any of the member's roles gives for `action` (None: not at all)."""
    scopes = [POLICY[role][action] for role in staff.roles if action in POLICY[role]]
    return max(scopes, default=None)


def covers(staff: Staff, action: Action, department: str | None) -> bool:
    """Does the member's scope for `action` reach a request of `department` (None: not routed yet)?"""
    given = scope(staff, action)
    if given is None:
        return False
    return given is Scope.ALL or (department is not None and department in staff.departments)


def require(staff: Staff, action: Action) -> Scope:
    """The member's scope for an action that is not about one request (filing, queues, templates)."""
    given = scope(staff, action)
    if given is None:
        raise Forbidden(action)
    return given


def require_on(staff: Staff, action: Action, department: str | None) -> None:
    """May the member do `action` on a request of `department`? Hidden first, then forbidden."""
    if scope(staff, Action.READ) is None and scope(staff, action) is None:
        raise Forbidden(action)
    if not covers(staff, Action.READ, department):
        raise RequestHidden(f"no request visible to {staff.actor}")
    if not covers(staff, action, department):
        raise Forbidden(action)


def departments_in_scope(staff: Staff, action: Action) -> frozenset[str] | None:
    """The departments a queue may cover: None for every one (scope ALL), else the member's own."""
    return None if require(staff, action) is Scope.ALL else staff.departments


def filing_channels(staff: Staff) -> frozenset[Channel]:
    require(staff, Action.FILE)
    return frozenset().union(*(STAFF_CHANNELS.get(role, frozenset()) for role in staff.roles))
