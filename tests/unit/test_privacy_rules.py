"""The KVKK rules without AWS: what anonymising keeps and destroys, when a request becomes due, and
the periods the notices state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civicdesk import layout
from civicdesk.core.clock import iso
from civicdesk.privacy.anonymise import ERASED, DataKind, anonymised, destroyed_kinds, holds_text
from civicdesk.profile.model import Kvkk, Localized, Retention
from civicdesk.requests.models import (
    Channel,
    EntryType,
    Kind,
    Language,
    Location,
    ServiceRequest,
    Status,
    TimelineEntry,
)
from civicdesk.requests.repository import index_keys
from tests.support import SHIPPED

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def request(**changes: object) -> ServiceRequest:
    base = ServiceRequest(
        code="7KPM4YP2T", kind=Kind.COMPLAINT, channel=Channel.WEB, category="veterinary",
        department="veterinary_affairs", neighbourhood="laka", description="Ayşe Hanım'ın evinin önü",
        location=Location(lat=38.49123, lon=27.18987, address="Laka Mah. 5 Sk. No 3"), language=Language.TR,
        status=Status.RESOLVED, created_at=AT - timedelta(days=3), updated_at=AT, due_at=AT,
        has_contact=True, photos=("whatsapp/2026/11/abc.jpg",),
    )  # fmt: skip
    return base.model_copy(update=changes)


def test_anonymising_destroys_words_address_photos_and_the_exact_point_and_keeps_the_statistics() -> None:
    before = request()
    after = anonymised(before, SHIPPED, AT)
    assert (after.description, after.photos, after.has_contact) == (ERASED, (), False)
    laka = next(n for n in SHIPPED.neighbourhoods if n.code == "laka")
    assert after.location == Location(lat=laka.lat, lon=laka.lon)  # the neighbourhood's centre, no address
    kept = ("category", "department", "neighbourhood", "channel", "kind", "status", "created_at", "due_at")
    assert {k: getattr(after, k) for k in kept} == {k: getattr(before, k) for k in kept}
    assert after.anonymised_at == AT


def test_a_point_without_a_known_neighbourhood_is_rounded_to_about_a_kilometre() -> None:
    after = anonymised(request(neighbourhood=None), SHIPPED, AT)
    assert after.location == Location(lat=38.49, lon=27.19)
    assert anonymised(request(location=Location(address="Ev")), SHIPPED, AT).location is None


def test_a_closed_request_waits_in_the_purge_index_from_its_closure_and_leaves_it_once_anonymised() -> None:
    keys = index_keys(request())
    assert (keys[layout.PURGE.pk], keys[layout.PURGE.sk]) == (
        "request",
        f"{iso(AT)}#7KPM4YP2T",
    )
    assert index_keys(request(erase_on_close=True))[layout.PURGE.pk] == "erasure"
    assert layout.PURGE.pk not in index_keys(request(status=Status.IN_PROGRESS))
    assert layout.PURGE.pk not in index_keys(request(anonymised_at=AT))


def test_the_log_names_the_kinds_destroyed_and_a_second_pass_finds_no_text() -> None:
    kinds = destroyed_kinds(request(), contact=True)
    assert set(kinds) == {DataKind.FREE_TEXT, DataKind.CONTACT, DataKind.CITIZEN_INDEX, DataKind.LOCATION,
                          DataKind.PHOTOS}  # fmt: skip
    entry = TimelineEntry(code="7KPM4YP2T", at=AT, type=EntryType.PUBLIC_REPLY, public=True, text="Yoldayız")
    assert holds_text(entry)
    assert not holds_text(entry.model_copy(update={"text": ERASED}))


@pytest.mark.parametrize(
    ("days", "tr", "en"),
    [
        (730, "2 yıl", "2 years"),
        (365, "1 yıl", "1 year"),
        (180, "6 ay", "6 months"),
        (45, "45 gün", "45 days"),
    ],
)
def test_the_notice_states_the_policys_own_period(days: int, tr: str, en: str) -> None:
    kvkk = Kvkk(controller=Localized(tr="B", en="B"), periods=Retention(contact_days=days), contact="x")
    assert kvkk.retention.tr.endswith(tr)
    assert kvkk.retention.en.startswith(en)


def test_the_logs_cannot_be_kept_for_less_than_three_years() -> None:
    with pytest.raises(ValueError, match="audit_days"):
        Retention(audit_days=365)
