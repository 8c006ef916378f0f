"""The stages of a request a citizen is told about (the names the profile's texts are keyed by)."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    RECEIVED = "received"  # with the code and the deadline
    ROUTED = "routed"  # sent to a department (which one)
    TRANSFERRED = "transferred"  # moved to another department
    ANSWERED = "answered"  # the municipality's reply, word for word
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"  # with the resolution
    REJECTED = "rejected"  # closed without action, with the reason
    REFERRED = "referred"  # another institution's: where to turn
    REFERRAL_CLOSED = "referral_closed"  # the institution it was referred to closed it, with its words
    DUPLICATE = "duplicate"  # already reported: follow the other code
    ORIGINAL_RESOLVED = "original_resolved"  # the request theirs was merged into is resolved
    REOPENED = "reopened"
    OVERDUE = "overdue"  # the 48-hour promise was missed: an apology and what happens next


URGENT = frozenset({Stage.RECEIVED})
"""Sent at once even in quiet hours (the citizen has just filed); the rest wait for the morning."""
