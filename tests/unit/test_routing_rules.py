"""Routing's rules one step at a time (classify, assign, triage), over the pool table in moto.

The state machine orders these steps (tests/integration/test_router.py runs it); here each rule is
pinned down on its own, so a flipped condition or a wrong deadline is caught where it is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from civicdesk import layout
from civicdesk.catalogue.model import Catalogue
from civicdesk.requests.intake import NewRequest, file_request
from civicdesk.requests.models import Channel, EntryType, ServiceRequest, Status
from civicdesk.requests.repository import RequestRepository
from civicdesk.routing import rules
from civicdesk.routing.classifier import Classification
from tests.support import SHIPPED, pool

FILED_AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
LATER = FILED_AT + timedelta(minutes=1)


class Fixed:
    """A classifier that always answers the same (the real ones are tested in test_classifier.py)."""

    def __init__(self, answer: Classification) -> None:
        self.answer = answer
        self.texts: list[str] = []

    def classify(self, text: str, catalogue: Catalogue) -> Classification:
        self.texts.append(text)
        return self.answer


VETERINARY = Classification(
    category="veterinary",
    confidence=0.93,
    runner_up="parks_trees",
    runner_up_confidence=0.2,
    neighbourhood="ataturk",
    model="m-2026-11",
)


@pytest.fixture
def requests() -> Iterator[RequestRepository]:
    with mock_aws():
        client = boto3.client("dynamodb")
        strings = {layout.PK, layout.SK} | {k for i in layout.INDEXES for k in (i.pk, i.sk)}
        client.create_table(
            TableName="pool",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in sorted(strings)],
            KeySchema=[
                {"AttributeName": layout.PK, "KeyType": "HASH"},
                {"AttributeName": layout.SK, "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": i.name,
                    "KeySchema": [
                        {"AttributeName": i.pk, "KeyType": "HASH"},
                        {"AttributeName": i.sk, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for i in layout.INDEXES
            ],
        )
        yield pool("pool", client).requests


def _file(requests: RequestRepository, **fields: str) -> ServiceRequest:
    new = NewRequest(description="Parkta yaralı bir köpek var.", channel=Channel.WEB, **fields)
    return file_request(new, catalogue=SHIPPED, requests=requests, clock=lambda: FILED_AT)


# --- classify ----------------------------------------------------------------------------------------


def test_a_category_left_to_the_classifier_is_taken_with_its_confidence_and_model(
    requests: RequestRepository,
) -> None:
    # Given a request filed without a category or neighbourhood
    request = _file(requests)
    # When Classify runs
    decision = rules.classify(request, catalogue=SHIPPED, classifier=Fixed(VETERINARY))
    # Then the classifier's category, confidence, runner-up, neighbourhood and model are the decision's
    assert (decision.category, decision.confidence, decision.runner_up) == ("veterinary", 0.93, "parks_trees")
    assert (decision.source, decision.model, decision.neighbourhood) == (
        rules.CLASSIFIED,
        "m-2026-11",
        "ataturk",
    )
    # And the department is the category's own, at the version that was read
    assert decision.department == SHIPPED.category("veterinary").department
    assert (decision.code, decision.version) == (request.code, request.version)


def test_a_chosen_category_is_kept_sure_and_the_given_neighbourhood_wins(requests: RequestRepository) -> None:
    # Given a request the citizen filed under "garbage" in a neighbourhood they picked
    neighbourhood = SHIPPED.neighbourhoods[1].code
    request = _file(requests, category="garbage", neighbourhood=neighbourhood)
    # When Classify runs (the classifier would say something else)
    decision = rules.classify(request, catalogue=SHIPPED, classifier=Fixed(VETERINARY))
    # Then the citizen's choice stands with full confidence, no runner-up and no model
    assert (decision.category, decision.confidence, decision.source) == ("garbage", 1.0, rules.CHOSEN)
    assert decision.runner_up is None
    assert decision.model is None
    # And the neighbourhood the citizen gave is not replaced by one read from the text
    assert decision.neighbourhood == neighbourhood
    assert decision.department == "cleaning_services"


def test_a_category_the_catalogue_does_not_know_has_no_department(requests: RequestRepository) -> None:
    # Given a classifier answering a category the catalogue does not have
    request = _file(requests)
    unknown = Classification(category="no_such_category", confidence=0.99)
    # When Classify runs / Then there is no department, which sends the request to triage
    decision = rules.classify(request, catalogue=SHIPPED, classifier=Fixed(unknown))
    assert decision.department is None


# --- assign ------------------------------------------------------------------------------------------


def test_a_category_learnt_by_classification_tightens_the_deadline_and_sets_the_resolution_target(
    requests: RequestRepository,
) -> None:
    # Given a request filed without a category (48-hour promise, no resolution target)
    request = _file(requests)
    assert request.resolution_due_at is None
    decision = rules.classify(request, catalogue=SHIPPED, classifier=Fixed(VETERINARY))
    # When Assign routes it as an injured animal (4 hours to answer, 72 to resolve)
    outcome = rules.assign(request, decision, requests=requests, catalogue=SHIPPED, clock=lambda: LATER)
    # Then it is routed to the veterinary department with both deadlines counted from filing
    routed = requests.get(request.code)
    assert outcome is rules.Outcome.DONE
    assert routed is not None
    assert (routed.status, routed.department, routed.category) == (
        Status.ROUTED,
        "veterinary_affairs",
        "veterinary",
    )
    assert routed.due_at == request.created_at + timedelta(hours=4)
    assert routed.resolution_due_at == request.created_at + timedelta(hours=72)
    assert routed.neighbourhood == "ataturk"


def test_a_category_never_extends_what_the_citizen_was_promised(requests: RequestRepository) -> None:
    # Given an injured-animal request (promised an answer in 4 hours, resolution in 72)
    request = _file(requests, category="veterinary")
    # When the router decides a slower category (road works: 48 hours, 720 to resolve)
    decision = rules.Decision(
        code=request.code,
        category="road_sidewalk",
        confidence=0.9,
        source=rules.CLASSIFIED,
        version=request.version,
    )
    rules.assign(request, decision, requests=requests, catalogue=SHIPPED, clock=lambda: LATER)
    # Then both promises stay as they were
    routed = requests.get(request.code)
    assert routed is not None
    assert routed.due_at == request.due_at == request.created_at + timedelta(hours=4)
    assert routed.resolution_due_at == request.resolution_due_at
    assert routed.department == "technical_works"


def test_the_routing_entry_tells_who_decided_and_how_sure(requests: RequestRepository) -> None:
    # Given a classified request
    request = _file(requests)
    decision = rules.classify(request, catalogue=SHIPPED, classifier=Fixed(VETERINARY))
    # When it is assigned
    rules.assign(request, decision, requests=requests, catalogue=SHIPPED, clock=lambda: LATER)
    # Then its newest public entry is the status change received -> routed, with the facts
    found = requests.get_with_timeline(request.code)
    assert found is not None
    entry = found[1][-1]
    assert (entry.type, entry.public, entry.status, entry.previous_status, entry.at) == (
        EntryType.STATUS_CHANGED,
        True,
        Status.ROUTED,
        Status.RECEIVED,
        LATER,
    )
    assert entry.detail == {
        "category": "veterinary",
        "department": "veterinary_affairs",
        "source": rules.CLASSIFIED,
        "confidence": "0.93",
        "channel": "web",
        "model": "m-2026-11",
    }


def test_assign_reads_again_and_retries_after_losing_to_a_write(requests: RequestRepository) -> None:
    # Given a request whose version moved on after Classify read it (a due-soon warning, say)
    request = _file(requests)
    decision = rules.classify(request, catalogue=SHIPPED, classifier=Fixed(VETERINARY))
    stale = request.model_copy(update={"version": request.version - 1})
    # When Assign writes from the stale copy / Then it reads again, still `received`, and routes it
    assert rules.assign(stale, decision, requests=requests, catalogue=SHIPPED) is rules.Outcome.DONE
    routed = requests.get(request.code)
    assert routed is not None
    assert routed.status is Status.ROUTED


def test_assign_leaves_a_request_someone_else_already_decided(requests: RequestRepository) -> None:
    # Given a request a supervisor sent to triage before the router's write
    request = _file(requests)
    decision = rules.classify(request, catalogue=SHIPPED, classifier=Fixed(VETERINARY))
    rules.send_to_triage(request.code, "manual", requests=requests)
    # When Assign writes from what Classify read / Then it says the request moved on and changes nothing
    assert rules.assign(request, decision, requests=requests, catalogue=SHIPPED) is rules.Outcome.MOVED_ON
    current = requests.get(request.code)
    assert current is not None
    assert current.status is Status.TRIAGE


def test_assign_gives_up_as_contended_after_three_lost_writes(
    requests: RequestRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given every write losing to another one while the request stays `received`
    request = _file(requests)
    decision = rules.classify(request, catalogue=SHIPPED, classifier=Fixed(VETERINARY))
    attempts: list[int] = []

    def lose(self: object, current: ServiceRequest, *args: object, **kwargs: object) -> bool:
        attempts.append(current.version)
        return False

    monkeypatch.setattr(rules.RoutingRepository, "assign", lose)
    # When Assign runs / Then it tries exactly WRITE_ATTEMPTS times and reports contention
    assert rules.assign(request, decision, requests=requests, catalogue=SHIPPED) is rules.Outcome.CONTENDED
    assert len(attempts) == rules.WRITE_ATTEMPTS


# --- triage ------------------------------------------------------------------------------------------


def test_triage_keeps_only_the_error_s_type_never_its_text(requests: RequestRepository) -> None:
    # Given a request whose routing failed
    request = _file(requests)
    # When it is sent to triage with a Step Functions error name
    assert rules.send_to_triage(
        request.code, "failed", requests=requests, error="States.Timeout", clock=lambda: LATER
    ) is (rules.Outcome.DONE)
    found = requests.get_with_timeline(request.code)
    assert found is not None
    triaged, entries = found
    # Then it waits for a supervisor, the entry says why, and the note holds the type only
    assert triaged.status is Status.TRIAGE
    assert (entries[-1].status, entries[-1].previous_status) == (Status.TRIAGE, Status.RECEIVED)
    assert entries[-1].public is True  # the citizen's status page shows it is being looked at
    assert entries[-1].detail == {"reason": "failed", "channel": "web"}
    assert entries[-1].note == "error: States.Timeout"


@pytest.mark.parametrize(
    ("error", "note"),
    [
        (None, None),
        ("", None),
        ("RuntimeError", "error: RuntimeError"),
        ("input_value='Ayşe 0532 111 22 33'", "error: unknown"),
        ("x" * 65, "error: unknown"),
        ("9Lives", "error: unknown"),
    ],
)
def test_an_error_that_is_not_a_type_name_is_never_copied(
    requests: RequestRepository, error: str | None, note: str | None
) -> None:
    # Given a request / When it is triaged with this error text / Then the note is as shown
    request = _file(requests)
    rules.send_to_triage(request.code, "failed", requests=requests, error=error, clock=lambda: LATER)
    found = requests.get_with_timeline(request.code)
    assert found is not None
    assert found[1][-1].note == note


def test_triage_leaves_a_routed_request_alone(requests: RequestRepository) -> None:
    # Given a request already routed
    request = _file(requests, category="garbage")
    decision = rules.classify(request, catalogue=SHIPPED, classifier=Fixed(VETERINARY))
    rules.assign(request, decision, requests=requests, catalogue=SHIPPED)
    # When a late triage arrives / Then nothing changes and it says so
    assert rules.send_to_triage(request.code, "late", requests=requests) is rules.Outcome.MOVED_ON
    current = requests.get(request.code)
    assert current is not None
    assert current.status is Status.ROUTED


def test_triage_of_an_unknown_code_fails_loudly(requests: RequestRepository) -> None:
    # Given no such request / When it is sent to triage / Then the step fails (the state machine's Catch)
    with pytest.raises(rules.RequestNotFound, match="BRN-0000-XXXX"):
        rules.send_to_triage("BRN-0000-XXXX", "failed", requests=requests)


def test_triage_reads_again_after_losing_to_a_write(
    requests: RequestRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a request whose first triage write loses to another write (a due-soon warning)
    request = _file(requests)
    original = rules.RoutingRepository.send_to_triage
    lost: list[int] = []

    def lose_once(self: rules.RoutingRepository, current: ServiceRequest, entry: object) -> bool:
        if not lost:
            lost.append(current.version)
            return False
        return original(self, current, entry)  # type: ignore[arg-type]

    monkeypatch.setattr(rules.RoutingRepository, "send_to_triage", lose_once)
    # When it is sent to triage / Then it reads the request again and the second write lands
    assert rules.send_to_triage(request.code, "failed", requests=requests, clock=lambda: LATER) is (
        rules.Outcome.DONE
    )
    triaged = requests.get(request.code)
    assert triaged is not None
    assert triaged.status is Status.TRIAGE


def test_execution_input_carries_the_request_as_the_stream_showed_it(requests: RequestRepository) -> None:
    # Given a filed request as its table item / When the dispatcher builds the router's input
    request = _file(requests)
    item = requests.table.get(layout.request_pk(request.code), layout.REQUEST_SK)
    assert item is not None
    started = rules.execution_input(item)
    # Then the code and the whole request ride along, so no step reads it again, as JSON (the state
    # machine's input: times as ISO strings)
    assert started["code"] == request.code
    assert ServiceRequest.model_validate(started["request"]) == request
    assert json.loads(json.dumps(started)) == started
    assert started["request"]["created_at"] == request.created_at.isoformat().replace("+00:00", "Z")
