"""The staff policy on one request: hidden (404) before forbidden (403), and what each answer says."""

from __future__ import annotations

import pytest

from civicdesk.staff import policy
from civicdesk.staff.identity import Role, Staff
from civicdesk.staff.policy import Action

PARKS = "parks_gardens"
ROADS = "technical_works"


def _member(*roles: Role, departments: frozenset[str] = frozenset({PARKS})) -> Staff:
    return Staff(user_id="u-1", username="u1", roles=frozenset(roles), departments=departments)


def test_a_department_member_acts_on_their_own_department_s_request() -> None:
    # Given a parks member / When they reply to a parks request / Then nothing stops them
    policy.require_on(_member(Role.DEPARTMENT), Action.REPLY, PARKS)


def test_another_department_s_request_is_hidden_even_for_an_action_the_role_lacks() -> None:
    # Given a parks member, who may not transfer anything
    member = _member(Role.DEPARTMENT)
    # When they try to transfer a roads request / Then it is answered as unknown (its code does not leak)
    with pytest.raises(policy.RequestHidden, match="staff:u-1"):
        policy.require_on(member, Action.TRANSFER, ROADS)
    # And on their own department's request the missing right is a plain 403
    with pytest.raises(policy.Forbidden):
        policy.require_on(member, Action.TRANSFER, PARKS)


def test_an_unrouted_request_is_hidden_from_a_department_member() -> None:
    # Given a request not routed yet (no department) / Then a department member cannot see it
    with pytest.raises(policy.RequestHidden):
        policy.require_on(_member(Role.DEPARTMENT), Action.REPLY, None)


def test_a_role_that_reads_no_request_but_has_the_action_gets_404_not_403() -> None:
    # Given an analyst (reports only, reads no request) / When acting on one request
    # Then the request is hidden, like for anyone who may not read it
    with pytest.raises(policy.RequestHidden):
        policy.require_on(_member(Role.ANALYST), Action.REPORTS, PARKS)


def test_a_role_with_neither_the_action_nor_reading_is_forbidden_outright() -> None:
    # Given an analyst / When replying to a request / Then 403: the role has no business there at all
    with pytest.raises(policy.Forbidden) as refused:
        policy.require_on(_member(Role.ANALYST), Action.REPLY, PARKS)
    assert refused.value.action is Action.REPLY


def test_a_forbidden_action_is_named_in_plain_words() -> None:
    # Given an agent, who may not change a status / When they try / Then the message names it in words
    with pytest.raises(policy.Forbidden, match=r"^Your role may not change status\.$"):
        policy.require_on(_member(Role.AGENT), Action.CHANGE_STATUS, PARKS)


def test_a_supervisor_reaches_every_department_and_unrouted_requests() -> None:
    # Given a supervisor of no department / Then they may transfer any request, routed or not
    member = _member(Role.SUPERVISOR, departments=frozenset())
    for department in (PARKS, ROADS, None):
        policy.require_on(member, Action.TRANSFER, department)


# --- actions that are not about one request ----------------------------------------------------------


def test_a_queue_covers_every_department_for_a_supervisor_and_the_member_s_own_otherwise() -> None:
    # Given a supervisor and a parks member / When their queue's departments are worked out
    # Then the supervisor's is unlimited (None) and the member's is exactly their departments
    assert policy.departments_in_scope(_member(Role.SUPERVISOR), Action.LIST) is None
    assert policy.departments_in_scope(_member(Role.DEPARTMENT), Action.LIST) == frozenset({PARKS})
    # And an analyst has no queue at all
    with pytest.raises(policy.Forbidden, match="list"):
        policy.departments_in_scope(_member(Role.ANALYST), Action.LIST)


def test_require_gives_the_widest_scope_of_the_member_s_roles() -> None:
    # Given a member who is both a department member and an agent / Then listing reaches every department
    assert policy.require(_member(Role.DEPARTMENT, Role.AGENT), Action.LIST) is policy.Scope.ALL
    assert policy.require(_member(Role.DEPARTMENT), Action.LIST) is policy.Scope.OWN


@pytest.mark.parametrize(
    ("roles", "channels"),
    [
        ((Role.AGENT,), policy.STAFF_CHANNELS[Role.AGENT]),
        ((Role.FIELD,), frozenset({policy.Channel.FIELD})),
        ((Role.AGENT, Role.FIELD), policy.STAFF_CHANNELS[Role.AGENT] | {policy.Channel.FIELD}),
        ((Role.SUPERVISOR,), policy.STAFF_CHANNELS[Role.SUPERVISOR]),
    ],
)
def test_each_filing_role_files_on_its_own_channels(
    roles: tuple[Role, ...], channels: frozenset[object]
) -> None:
    # Given members of these roles / Then they file on exactly these channels (the desk's, the street's)
    assert policy.filing_channels(_member(*roles)) == channels


def test_a_department_member_files_nothing() -> None:
    # Given a department member (requests reach them routed) / Then filing is forbidden
    with pytest.raises(policy.Forbidden, match="file"):
        policy.filing_channels(_member(Role.DEPARTMENT))
