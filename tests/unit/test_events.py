"""Every kind of timeline entry has an event name: a new entry type cannot reach the stream unnamed."""

from __future__ import annotations

import pytest

from civicdesk.events import domain
from civicdesk.requests.models import EntryType, Status


@pytest.mark.parametrize("entry_type", list(EntryType))
def test_every_entry_type_becomes_a_named_event(entry_type: EntryType) -> None:
    name = domain.detail_type(entry_type, Status.IN_PROGRESS)
    assert name[0].isupper()
    assert " " not in name


def test_status_changes_are_named_by_what_they_mean() -> None:
    assert domain.detail_type(EntryType.STATUS_CHANGED, Status.ROUTED) == "RequestRouted"
    assert domain.detail_type(EntryType.STATUS_CHANGED, Status.TRIAGE) == "RequestTriaged"
    assert domain.detail_type(EntryType.STATUS_CHANGED, Status.RESOLVED) == "StatusChanged"
    assert domain.detail_type(EntryType.TRANSFERRED, Status.ROUTED) == "RequestTransferred"
