"""Open311's view of the pool: the status table, and no personal data for any request of the sample year."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from unittest.mock import MagicMock

from civicdesk.open311 import statuses
from civicdesk.open311.service import Open311, is_public
from civicdesk.requests.models import Channel, EntryType, Rejection, Status
from local.sample import sample_year
from tests.support import PROFILE, SHIPPED

PHONE = re.compile(r"\d{3}[\s.-]?\d{3}[\s.-]?\d{2}[\s.-]?\d{2}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.\w+")


def test_every_status_and_rejection_has_its_open311_pair() -> None:
    # Given the one table / Then every status, every rejection reason and a transfer are mapped
    assert set(Status) | set(Rejection) <= set(statuses.STATUSES)
    assert statuses.of_request(Status.REJECTED, Rejection.DUPLICATE)[1] is statuses.Extended.DUPLICATE
    assert statuses.of_request(Status.REJECTED, Rejection.NOT_OURS)[1].value == "NOT_COUNCILS_RESPONSIBILITY"
    assert statuses.of_update(EntryType.TRANSFERRED, Status.ROUTED, None)[1].value == "INTERNAL_REFERRAL"
    assert statuses.of_update(EntryType.STATUS_CHANGED, Status.REOPENED, None)[1].value == "REOPEN"
    # And `open` is exactly our open statuses
    assert statuses.open_statuses() == {
        Status.RECEIVED, Status.ROUTED, Status.TRIAGE, Status.IN_PROGRESS, Status.REOPENED
    }  # fmt: skip


def test_no_answer_over_the_sample_year_carries_personal_data() -> None:
    # Given the sample year of the default profile, shown as Open311 shows a request
    service = Open311(requests=MagicMock(), catalogue=lambda: SHIPPED, profile=PROFILE)
    until = datetime(2026, 11, 30, tzinfo=UTC)
    seen = 0
    for request, entries in sample_year(PROFILE, SHIPPED, until=until):
        notes = next((e.text for e in reversed(entries) if e.public and e.text), None)
        shown = service.request_view(request, SHIPPED, notes and _masked(notes))
        text = shown.model_dump_json(exclude_none=True)
        seen += 1
        # Then no description of a citizen who was not told it would be published
        assert shown.description is None or is_public(request)
        # And no phone number, e-mail address or typed address; coordinates to 3 decimals at most
        assert not PHONE.search(text)
        assert not EMAIL.search(text)
        assert (
            request.location is None
            or request.location.address is None
            or request.location.address not in text
        )
        for value in (shown.lat, shown.long):
            assert value is None or round(value, 3) == value
    assert seen == PROFILE.sample.requests_per_year if PROFILE.sample else seen > 0


def test_only_an_open311_clients_unmasked_description_is_public() -> None:
    (request, _), *_ = sample_year(PROFILE, SHIPPED, until=datetime(2026, 11, 30, tzinfo=UTC))
    web = request.model_copy(update={"channel": Channel.WEB, "description": "Çukur var."})
    app = web.model_copy(update={"channel": Channel.OPEN311})
    assert not is_public(web)
    assert is_public(app)
    assert not is_public(app.model_copy(update={"description": "Arayın: 0532 111 22 33"}))
    assert not is_public(app.model_copy(update={"anonymised_at": datetime(2026, 1, 1, tzinfo=UTC)}))


def _masked(text: str) -> str:
    from civicdesk.privacy.redact import redact

    return redact(text)
