"""Referrals out, as pure rules: the other side's statuses in our words, what is sent (and what never
is), how its answers and errors are read, and how staff name an institution. No network."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civicdesk.notify import plan
from civicdesk.notify.stages import Stage
from civicdesk.open311 import statuses
from civicdesk.open311.client import MAX_ANSWER_BYTES, Open311Client, Open311Error, check_endpoint
from civicdesk.open311.referrals import form, mail
from civicdesk.open311.statuses import Extended, State
from civicdesk.requests.models import (
    Channel,
    EntryType,
    Kind,
    Language,
    Location,
    Rejection,
    ServiceRequest,
    Status,
)
from civicdesk.staff import workflow
from civicdesk.staff.identity import Role, Staff
from civicdesk.staff.workflow import StatusChange
from tests.support import PROFILE, SHIPPED

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SUPERVISOR = Staff(user_id="u-sup", username="sup", roles=frozenset({Role.SUPERVISOR}))
ORNEK = PROFILE.institution("ornek")
IZSU = PROFILE.institution("izsu")
PHONE, EMAIL = "0532 111 22 33", "ayse.yilmaz@example.com"


def request(**changes: Any) -> ServiceRequest:
    base = ServiceRequest(
        code="7KPM4YP2T",
        kind=Kind.REQUEST,
        channel=Channel.CALL_CENTER,
        category="road_sidewalk",
        department="technical_works",
        neighbourhood="erzene",
        description=f"Kaldırım çökmüş, Ayşe Yılmaz, {PHONE}, {EMAIL}",
        location=Location(lat=38.4621, lon=27.2163, address="Erzene Mah. 101 Sok. No 5"),
        language=Language.TR,
        status=Status.ROUTED,
        created_at=T0,
        updated_at=T0,
        due_at=T0 + timedelta(hours=48),
    )
    return base.model_copy(update=changes)


# --- their statuses in our words --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("theirs", "state", "ours"),
    [
        ("FIXED", State.CLOSED, Status.RESOLVED),
        ("fixed", State.CLOSED, Status.RESOLVED),
        ("CLOSED", State.CLOSED, Status.CLOSED),
        ("IN_PROGRESS", State.OPEN, Status.IN_PROGRESS),
        ("INVESTIGATING", State.OPEN, Status.IN_PROGRESS),
        ("ACTION_SCHEDULED", State.OPEN, Status.ROUTED),
        ("DUPLICATE", State.CLOSED, Status.REJECTED),
        ("NOT_COUNCILS_RESPONSIBILITY", State.CLOSED, Status.REJECTED),
        ("NO_FURTHER_ACTION", State.CLOSED, Status.REJECTED),
        ("CANCELLED", State.CLOSED, Status.CLOSED),
        ("INTERNAL_REFERRAL", State.OPEN, Status.ROUTED),
        ("REOPEN", State.OPEN, Status.REOPENED),
        ("SOMETHING_NEW", State.OPEN, Status.IN_PROGRESS),
    ],
)
def test_the_other_sides_status_reads_as_ours(theirs: str, state: State, ours: Status) -> None:
    # Given an update status from another institution's server
    # When it is read in our words
    # Then it is open or closed as the standard says, and one of our statuses; an unknown one stays open
    assert statuses.from_extended(theirs) == (state, ours)


def test_every_status_we_send_reads_back_as_open_or_closed_as_we_sent_it() -> None:
    # Given every status of ours as our own server states it
    for status in Status:
        state, extended = statuses.of_request(status)
        # Then our client reads the same open/closed back from it (the round trip keeps the meaning)
        assert statuses.from_extended(extended.value)[0] is state, status
    assert set(statuses.REVERSED) == set(Extended)


# --- what is sent ----------------------------------------------------------------------------------------


def test_the_filing_form_carries_no_personal_data_and_names_our_code() -> None:
    # Given a request whose description has the citizen's name, phone and e-mail in it
    assert ORNEK is not None
    # When it is made into the other side's `POST requests` form
    fields = form(request(), ORNEK, PROFILE, SHIPPED)
    # Then only the standard's non-personal fields are sent, phone and e-mail masked, our code as reference
    assert set(fields) == {"service_code", "description", "address_string", "lat", "long"}
    sent = json.dumps(fields, ensure_ascii=False)
    assert "532" not in sent
    assert "ayse.yilmaz" not in sent
    assert "example.com" not in sent
    assert not {"email", "phone", "first_name", "last_name", "api_key"} & set(fields)
    assert "7KP" in fields["description"]
    assert PROFILE.name.tr in fields["description"]
    assert fields["service_code"] == "road_sidewalk"
    assert (fields["lat"], fields["long"]) == ("38.462100", "27.216300")


def test_an_unmapped_category_goes_as_the_default_service_and_a_bare_request_by_its_neighbourhood() -> None:
    # Given a zabıta request (no service code mapped for it) without a point or address
    assert ORNEK is not None
    assert ORNEK.open311 is not None
    bare = request(category="zabita", location=None)
    # When the form is built
    fields = form(bare, ORNEK, PROFILE, SHIPPED)
    # Then the default service code is used and the address is the neighbourhood and district
    assert fields["service_code"] == ORNEK.open311.default_service_code
    assert "lat" not in fields
    assert PROFILE.district in fields["address_string"]
    assert "Erzene" in fields["address_string"]


def test_the_referral_e_mail_says_the_same_and_no_more() -> None:
    # Given an institution without Open311
    assert IZSU is not None
    assert IZSU.open311 is None
    # When the referral e-mail is written
    subject, text = mail(request(), IZSU, PROFILE, SHIPPED)
    # Then it names our code and the place, and has no phone or e-mail of the citizen
    assert "7KP" in subject
    assert "Erzene" in text
    assert "532" not in text
    assert "ayse.yilmaz" not in text


# --- answers and errors -----------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes

    def read(self, amount: int) -> bytes:
        return self.body[:amount]

    def release_conn(self) -> None:
        pass


@dataclass
class Pool:
    """Stands in for urllib3's pool: records the calls, answers what it was given."""

    answer: Answer
    calls: list[dict[str, Any]] = field(default_factory=list)

    def request(self, method: str, url: str, **kwargs: Any) -> Answer:
        self.calls.append({"method": method, "url": url, **kwargs})
        return self.answer


def client(status: int, body: Any) -> tuple[Open311Client, Pool]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    pool = Pool(Answer(status, raw))
    return Open311Client("https://open311.ornek.example/v2/", "k-123", "ornek.example", pool=pool), pool  # type: ignore[arg-type]


def test_a_filing_is_form_encoded_with_the_key_and_returns_their_id() -> None:
    # Given a server that files it as number 4711
    open311, pool = client(201, [{"service_request_id": 4711, "service_notice": "ok"}])
    # When we file
    their_id = open311.file({"service_code": "other", "description": "Çukur"})
    # Then their id comes back as text, and the body was form-encoded with our key and jurisdiction
    assert their_id == "4711"
    (call,) = pool.calls
    assert call["method"] == "POST"
    assert call["url"].endswith("/v2/requests.json")
    assert call["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert b"api_key=k-123" in call["body"]
    assert b"jurisdiction_id=ornek.example" in call["body"]
    assert call["redirect"] is False


@pytest.mark.parametrize(
    ("status", "body", "code", "certain"),
    [
        (
            400,
            [{"code": 400, "description": "service_code: unknown"}, {"code": 400, "description": "lat"}],
            "400",
            True,
        ),
        (403, [{"code": 403, "description": "api_key: invalid"}], "403", True),
        (503, b"<html>busy</html>", "503", True),
        (500, b"oops", "500", False),
        (201, [{"token": "abc"}], "answer", False),
        (201, b"not json", "answer", False),
    ],
)
def test_the_other_sides_errors_become_one_clear_failure(
    status: int, body: Any, code: str, certain: bool
) -> None:
    # Given a server that refuses, fails or answers without an id
    open311, _ = client(status, body)
    # When we file
    with pytest.raises(Open311Error) as raised:
        open311.file({"service_code": "other"})
    # Then the failure says what they said, and whether it certainly was not filed
    assert raised.value.code == code
    assert raised.value.certain is certain
    if status == 400:
        assert "service_code: unknown" in raised.value.description
        assert "lat" in raised.value.description


def test_an_answer_larger_than_the_limit_is_refused() -> None:
    # Given a server that answers more than the limit
    open311, _ = client(200, b"[" + b" " * (MAX_ANSWER_BYTES + 10) + b"]")
    # When its updates are read
    # Then the answer is refused, not parsed
    with pytest.raises(Open311Error, match="larger than"):
        open311.updates(T0, T0 + timedelta(hours=1))


def test_updates_are_parsed_and_sorted_oldest_first() -> None:
    # Given two updates, newest first, one with a numeric id
    open311, pool = client(
        200,
        [
            {"update_id": 2, "service_request_id": "9", "status": "FIXED",
             "updated_datetime": "2026-11-30T14:00:00+03:00", "description": "Giderildi"},
            {"update_id": "1", "service_request_id": 9, "status": "IN_PROGRESS",
             "updated_datetime": "2026-11-30T12:00:00+03:00"},
        ],
    )  # fmt: skip
    # When they are read
    found = open311.updates(T0, T0 + timedelta(hours=6))
    # Then they come oldest first, ids as text, and the window was asked for
    assert [u.update_id for u in found] == ["1", "2"]
    assert found[0].service_request_id == "9"
    assert "start_date=2026-11-30T09" in pool.calls[0]["url"]
    assert "api_key=k-123" in pool.calls[0]["url"]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://open311.ornek.example/v2/", True),
        ("http://127.0.0.1:8123/open311/v2/", True),
        ("http://localhost:8123/open311/v2/", True),
        ("http://open311.ornek.example/v2/", False),
        ("ftp://open311.ornek.example/v2/", False),
    ],
)
def test_only_https_or_loopback_endpoints_are_called(url: str, allowed: bool) -> None:
    # Given an endpoint URL; Then it is used only over HTTPS, or plain HTTP on this machine
    if allowed:
        assert check_endpoint(url) == url
    else:
        with pytest.raises(ValueError, match="https"):
            check_endpoint(url)


# --- staff name the institution ---------------------------------------------------------------------------


def test_a_not_ours_rejection_naming_a_configured_institution_is_marked_for_filing() -> None:
    # Given a rejection as not ours, naming İZSU by its code (any case)
    change = StatusChange(Status.REJECTED, reason=Rejection.NOT_OURS, referred_to="IZSU")
    # When staff make it
    made = workflow.change_status(request(), change, SUPERVISOR, T0, SHIPPED, PROFILE.institutions)
    # Then the request keeps the code, the event's facts name it, and the citizen reads its name
    assert made.after.referred_to == "izsu"
    assert made.entry.detail is not None
    assert made.entry.detail["institution"] == "izsu"
    assert made.entry.text is not None
    assert "İZSU Genel Müdürlüğü" in made.entry.text


def test_a_not_ours_rejection_naming_another_institution_only_tells_the_citizen_where_to_turn() -> None:
    # Given a rejection naming an institution that is not configured
    change = StatusChange(Status.REJECTED, reason=Rejection.NOT_OURS, referred_to="Karayolları 2. Bölge")
    # When staff make it
    made = workflow.change_status(request(), change, SUPERVISOR, T0, SHIPPED, PROFILE.institutions)
    # Then nothing marks it for filing, and the citizen is told to apply there
    assert made.entry.detail is not None
    assert "institution" not in made.entry.detail
    assert made.entry.text is not None
    assert "doğrudan" in made.entry.text


def test_the_citizen_hears_when_the_other_institution_closes_it_by_its_name() -> None:
    # Given a referral update that closed it there, and one that did not
    closed = plan.stage_of("ReferralUpdated", EntryType.REFERRAL, None, {"step": "update", "state": "closed"})
    still = plan.stage_of("ReferralUpdated", EntryType.REFERRAL, None, {"step": "update", "state": "open"})
    filed = plan.stage_of("ReferralUpdated", EntryType.REFERRAL, None, {"step": "filed"})
    # Then only the closing is told, in the institution's name and the other side's words
    assert (closed, still, filed) == (Stage.REFERRAL_CLOSED, None, None)
    message = plan.compose(
        Stage.REFERRAL_CLOSED, request(referred_to="ornek", language=Language.EN), PROFILE, SHIPPED,
        entry_text="Örnek Belediyesi: Fixed", public_url="https://x.example/",
    )  # fmt: skip
    assert "Örnek Municipality" in message.text
    assert "Fixed" in message.text
