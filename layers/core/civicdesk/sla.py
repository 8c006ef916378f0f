"""The response promise: when a request must first be answered, and when resolved.

Deadlines are absolute durations from receipt, computed and stored in UTC; they are shown in
Europe/Istanbul. (Türkiye has no daylight saving time since 2016, but nothing here relies on it.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from civicdesk.catalogue import Catalogue, Category


def first_response_deadline(
    received_at: datetime, category: Category | None, catalogue: Catalogue
) -> datetime:
    hours = category.first_response_hours if category else catalogue.default_first_response_hours
    return received_at + timedelta(hours=hours)


def resolution_deadline(received_at: datetime, category: Category | None) -> datetime | None:
    if category is None or category.resolution_hours is None:
        return None
    return received_at + timedelta(hours=category.resolution_hours)
