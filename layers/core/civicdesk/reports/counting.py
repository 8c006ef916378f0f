"""Counting one domain event: the request's tally moves to its new state, the counters by the difference.

Delivery is at least once and in no particular order. The tally makes that harmless: the digest
keeps each mark's earliest event by (time, event id), so an event seen again changes nothing and
writes nothing; and the counters always move from what this request added before to what it adds
now, so a late or repeated event cannot count twice. Reading the tally before the request matters:
a change to the request that lands in between is seen by the read, or else its own event's commit
bumps the tally's version and this commit fails and reads again.
"""

from __future__ import annotations

from enum import StrEnum
from zoneinfo import ZoneInfo

from civicdesk.reports.store import StatsStore, Tally
from civicdesk.reports.tally import FORMULA, Digest, Occurrence, contribution, difference

ATTEMPTS = 5
"""Commits tried while other consumers change the same request (a handful at most)."""


class Counted(StrEnum):
    COUNTED = "counted"  # the tally and the counters moved
    UNCHANGED = "unchanged"  # nothing to change: a repeat, or an event that counts for nothing
    NO_REQUEST = "no_request"  # no such request (an event of a test, or of a request erased)


class Contended(RuntimeError):
    """Every attempt lost to another consumer; the record is retried from the queue."""


def count(code: str, event: Occurrence, store: StatsStore, zone: ZoneInfo) -> Counted:
    """Count `event` of request `code` once, however often it comes."""
    for _ in range(ATTEMPTS):
        read = store.tally(code)
        snapshot = store.snapshot(code)
        if snapshot is None:
            return Counted.NO_REQUEST
        digest = (read.digest if read else Digest()).add(event)
        if read and read.snapshot == snapshot and read.digest == digest and read.formula == FORMULA:
            return Counted.UNCHANGED
        new = contribution(snapshot, digest, zone)
        old = contribution(read.snapshot, read.digest, zone) if read else {}
        tally = Tally(version=(read.version + 1) if read else 1, snapshot=snapshot, digest=digest)
        if store.commit(code, read, tally, difference(new, old)):
            return Counted.COUNTED
    raise Contended(f"the tally of {code} kept changing under {ATTEMPTS} attempts")
