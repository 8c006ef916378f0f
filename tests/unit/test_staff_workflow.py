"""The request workflow staff drive, as pure rules: which status may follow which, what stops the
48-hour clock, what a rejection needs, what routing by hand changes. No I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civicdesk import layout
from civicdesk.core.dynamo import Check, Put
from civicdesk.core.errors import ConflictingUpdate, InvalidInput
from civicdesk.requests.models import Channel, EntryType, Kind, Language, Rejection, ServiceRequest, Status
from civicdesk.routing.classifier import KeywordClassifier
from civicdesk.staff import policy, workflow
from civicdesk.staff.identity import Role, Staff, from_claims
from civicdesk.staff.service import StaffService
from civicdesk.staff.workflow import StatusChange
from tests.support import SHIPPED

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
VET = Staff(
    user_id="u-vet",
    username="vet",
    roles=frozenset({Role.DEPARTMENT}),
    departments=frozenset({"veterinary_affairs"}),
)
SUPERVISOR = Staff(user_id="u-sup", username="sup", roles=frozenset({Role.SUPERVISOR}))


def request(status: Status = Status.ROUTED, **changes: object) -> ServiceRequest:
    base = ServiceRequest(
        code="7KPM4YP2T",
        kind=Kind.REQUEST,
        channel=Channel.CALL_CENTER,
        category="veterinary",
        department="veterinary_affairs",
        neighbourhood="erzene",
        description="Yaralı bir köpek var, 0532 111 22 33 numaradan arayın",
        location=None,
        language=Language.TR,
        status=status,
        created_at=T0,
        updated_at=T0,
        due_at=T0 + 4 * HOUR,
        resolution_due_at=T0 + 72 * HOUR,
        version=2,
    )
    return base.model_copy(update=changes)


EVERY_TARGET = [Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED, Status.REOPENED]
ALLOWED = {
    Status.ROUTED: {Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED},
    Status.IN_PROGRESS: {Status.RESOLVED, Status.REJECTED},
    Status.REOPENED: {Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED},
    Status.TRIAGE: {Status.REJECTED},
    Status.RESOLVED: {Status.REOPENED},
    Status.REJECTED: {Status.REOPENED},
    Status.CLOSED: {Status.REOPENED},
    Status.RECEIVED: set(),
}


@pytest.mark.parametrize("target", EVERY_TARGET)
@pytest.mark.parametrize("current", list(Status))
def test_every_cell_of_the_transition_table(current: Status, target: Status) -> None:
    # Given a request in `current` and a complete change to `target`
    change = StatusChange(target, text="Yapıldı.", reason=Rejection.INVALID)
    before = request(current, first_response_at=T0 + HOUR if current is not Status.ROUTED else None)
    # When staff ask for it / Then it is made exactly where the table allows, else 409
    if target in ALLOWED[current]:
        assert workflow.change_status(before, change, VET, T0 + 2 * HOUR, SHIPPED).after.status is target
    else:
        with pytest.raises(ConflictingUpdate):
            workflow.change_status(before, change, VET, T0 + 2 * HOUR, SHIPPED)


def test_the_first_public_reply_stops_the_clock_in_the_same_write() -> None:
    # Given a routed request, unanswered, with a resolution target
    before = request()
    # When the department replies within the 4 hours
    change = workflow.reply(before, "Ekibimiz yolda.", VET, T0 + HOUR)
    # Then the write records the first response, met, moves to the resolution stage of the due index, and
    # is conditional on no first response being recorded meanwhile
    assert (change.after.first_response_at, change.after.first_response_met) == (T0 + HOUR, True)
    assert change.set_[layout.DUE.pk].endswith("#resolution")
    assert change.absent == ("first_response_at",)
    assert (change.entry.type, change.entry.public, change.entry.text) == (
        EntryType.PUBLIC_REPLY,
        True,
        "Ekibimiz yolda.",
    )


def test_a_late_first_reply_records_the_promise_as_missed() -> None:
    change = workflow.reply(request(), "Gecikme için özür dileriz.", VET, T0 + 5 * HOUR)
    assert change.after.first_response_met is False


def test_a_second_reply_leaves_the_clock_alone() -> None:
    answered = request(first_response_at=T0 + HOUR, first_response_met=True)
    change = workflow.reply(answered, "Ek bilgi.", VET, T0 + 2 * HOUR)
    assert (change.after.first_response_at, change.set_, change.remove, change.absent) == (
        T0 + HOUR,
        {},
        (),
        (),
    )


def test_an_internal_note_never_reaches_the_citizen_nor_stops_the_clock() -> None:
    change = workflow.note(request(), "Komşu aradı.", VET, T0 + HOUR)
    assert (change.entry.public, change.entry.text, change.entry.note) == (False, None, "Komşu aradı.")
    assert change.after.first_response_at is None


def test_in_progress_answers_the_citizen_and_resolving_stops_every_clock() -> None:
    started = workflow.change_status(request(), StatusChange(Status.IN_PROGRESS), VET, T0 + HOUR, SHIPPED)
    assert started.after.first_response_at == T0 + HOUR
    answered = request(Status.IN_PROGRESS, first_response_at=T0 + HOUR, first_response_met=True)
    done = workflow.change_status(
        answered, StatusChange(Status.RESOLVED, text="Tedavi edildi."), VET, T0 + 9 * HOUR, SHIPPED
    )
    assert done.remove == (layout.DUE.pk, layout.DUE.sk)
    assert done.entry.text == "Tedavi edildi."


def test_resolving_needs_a_public_text() -> None:
    with pytest.raises(InvalidInput) as refused:
        workflow.change_status(request(), StatusChange(Status.RESOLVED), VET, T0 + HOUR, SHIPPED)
    assert set(refused.value.fields) == {"text"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (StatusChange(Status.REJECTED), "reason"),
        (StatusChange(Status.REJECTED, reason=Rejection.DUPLICATE), "duplicate_of"),
        (StatusChange(Status.REJECTED, reason=Rejection.DUPLICATE, duplicate_of="7KPM4YP2T"), "duplicate_of"),
        (StatusChange(Status.REJECTED, reason=Rejection.NOT_OURS), "referred_to"),
    ],
)
def test_a_rejection_says_why_and_what_it_needs(change: StatusChange, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        workflow.change_status(request(), change, VET, T0 + HOUR, SHIPPED)
    assert set(refused.value.fields) == {field}


def test_a_duplicate_links_the_original_in_the_same_transaction_and_tells_the_citizen_where_to_look() -> None:
    change = workflow.change_status(
        request(),
        StatusChange(Status.REJECTED, reason=Rejection.DUPLICATE, duplicate_of="AAABBBCCC"),
        VET,
        T0 + HOUR,
        SHIPPED,
    )
    assert (change.after.rejection, change.after.duplicate_of) == (Rejection.DUPLICATE, "AAABBBCCC")
    check, link = change.also
    assert isinstance(check, Check)
    assert check.pk == layout.request_pk("AAABBBCCC")
    assert isinstance(link, Put)
    assert link.item[layout.SK] == layout.link_sk("7KPM4YP2T")
    assert change.entry.text is not None
    assert "AAA-BBB-CCC" in change.entry.text


def test_a_referral_names_the_institution_in_the_citizens_language() -> None:
    english = request(language=Language.EN)
    change = workflow.change_status(
        english,
        StatusChange(Status.REJECTED, reason=Rejection.NOT_OURS, referred_to="İZSU"),
        VET,
        T0 + HOUR,
        SHIPPED,
    )
    assert change.after.referred_to == "İZSU"
    assert change.entry.text is not None
    assert change.entry.text.startswith("This is the responsibility of İZSU")


def test_reopening_starts_a_new_first_response_clock() -> None:
    resolved = request(Status.RESOLVED, first_response_at=T0 + HOUR, first_response_met=True)
    change = workflow.change_status(
        resolved, StatusChange(Status.REOPENED), SUPERVISOR, T0 + 50 * HOUR, SHIPPED
    )
    assert change.after.due_at == T0 + 54 * HOUR  # veterinary: 4 hours, from now
    assert (change.after.first_response_at, change.after.first_response_met) == (None, None)
    assert change.set_[layout.DUE.pk] == layout.due_partition(
        layout.due_shard("7KPM4YP2T"), layout.DueStage.WARN
    )


def test_a_transfer_keeps_the_clock_and_is_kept_as_a_labelled_example_without_the_number() -> None:
    change = workflow.transfer(
        request(Status.IN_PROGRESS), "parks_gardens", "Park içinde.", SUPERVISOR, T0 + HOUR, SHIPPED
    )
    assert (change.after.department, change.after.status, change.after.due_at) == (
        "parks_gardens",
        Status.ROUTED,
        T0 + 4 * HOUR,
    )
    assert (change.entry.type, change.entry.public, change.entry.note) == (
        EntryType.TRANSFERRED,
        True,
        "Park içinde.",
    )
    (example,) = change.also
    assert isinstance(example, Put)
    assert example.item["department"] == "parks_gardens"
    assert "0532" not in example.item["text"]
    assert "[sayı]" in example.item["text"]


def test_asking_for_a_transfer_changes_nothing_but_the_supervisors_list() -> None:
    change = workflow.ask_transfer(request(), "parks_gardens", "Park içinde.", VET, T0 + HOUR, SHIPPED)
    assert (change.after.department, change.after.transfer_asked) == ("veterinary_affairs", "parks_gardens")
    assert change.entry.public is False


@pytest.mark.parametrize("department", ["veterinary_affairs", "no_such_department"])
def test_a_transfer_goes_somewhere_else_that_exists(department: str) -> None:
    with pytest.raises(InvalidInput):
        workflow.transfer(request(), department, "Neden.", SUPERVISOR, T0 + HOUR, SHIPPED)


def test_routing_by_hand_applies_the_categorys_department_and_tightens_the_deadline() -> None:
    # Given a triage request with the default 48 hours
    triaged = request(
        Status.TRIAGE, category=None, department=None, due_at=T0 + 48 * HOUR, resolution_due_at=None
    )
    # When a supervisor classifies it as veterinary
    change = workflow.classify(triaged, "veterinary", "erzene", SUPERVISOR, T0 + HOUR, SHIPPED)
    # Then it is routed to the category's department, with the category's 4 hours from filing
    after = change.after
    assert (after.status, after.category, after.department) == (
        Status.ROUTED,
        "veterinary",
        "veterinary_affairs",
    )
    assert after.due_at == T0 + 4 * HOUR
    assert change.set_[layout.DUE.sk].startswith("2026-11-30T13:00")
    assert isinstance(change.also[0], Put)
    assert change.also[0].item["source"] == "triage"


def test_routing_by_hand_refuses_unknown_codes_all_at_once_and_what_is_not_in_triage() -> None:
    with pytest.raises(InvalidInput) as refused:
        workflow.classify(request(Status.TRIAGE), "nope", "atlantis", SUPERVISOR, T0, SHIPPED)
    assert set(refused.value.fields) == {"category", "neighbourhood"}
    with pytest.raises(ConflictingUpdate):
        workflow.classify(request(Status.ROUTED), "veterinary", None, SUPERVISOR, T0, SHIPPED)


# --- the policy's semantics (the matrix itself is walked over HTTP in tests/e2e/test_staff_api.py) ---------


def test_another_departments_request_does_not_exist_for_a_member_and_a_missing_right_is_forbidden() -> None:
    with pytest.raises(policy.RequestHidden):
        policy.require_on(VET, policy.Action.READ, "technical_works")
    with pytest.raises(policy.Forbidden):
        policy.require_on(VET, policy.Action.READ_CONTACT, "veterinary_affairs")
    analyst = Staff(user_id="a", username="a", roles=frozenset({Role.ANALYST}))
    with pytest.raises(policy.Forbidden):
        policy.require_on(analyst, policy.Action.READ_CONTACT, "veterinary_affairs")


def test_several_roles_give_the_widest_scope() -> None:
    both = Staff(
        user_id="b",
        username="b",
        roles=frozenset({Role.DEPARTMENT, Role.AGENT}),
        departments=frozenset({"x"}),
    )
    assert policy.scope(both, policy.Action.READ) is policy.Scope.ALL
    assert policy.scope(both, policy.Action.CHANGE_STATUS) is policy.Scope.OWN


def test_claims_as_api_gateway_passes_them_become_roles_and_departments() -> None:
    # API Gateway hands list claims to the function as text: `[agent department]`
    member = from_claims(
        {
            "sub": "s-1",
            "email": "a@b.c",
            "cognito:groups": "[agent department unknown]",
            "custom:departments": "a, b",
        }
    )
    assert member.roles == frozenset({Role.AGENT, Role.DEPARTMENT})
    assert member.departments == frozenset({"a", "b"})
    assert member.actor == "staff:s-1"


# --- the classifier's guess ---------------------------------------------------------------------------


def test_a_guess_is_for_whoever_files_or_routes_and_stores_nothing() -> None:
    # Given the staff service with nothing behind it but the catalogue (a guess reads and writes nothing)
    service = StaffService(
        requests=None,  # type: ignore[arg-type]
        staff_items=None,  # type: ignore[arg-type]
        queues=None,  # type: ignore[arg-type]
        catalogue=lambda: SHIPPED,
        citizen_key=lambda: "unused",
    )
    agent = Staff(user_id="u-agent", username="agent", roles=frozenset({Role.AGENT}))
    words = "Sokakta yaralı bir köpek var, ayağı kanıyor"
    # When an agent and a supervisor ask what a caller's words are about
    for member in (agent, SUPERVISOR):
        guess = service.suggest(member, words, KeywordClassifier())
        # Then they get the injured-animal category, and the keywords that made the guess
        assert guess.category == "veterinary"
        assert guess.matched
    # And a department member (who neither files nor routes) is refused
    with pytest.raises(policy.Forbidden):
        service.suggest(VET, words, KeywordClassifier())
