"""Which partitions of the one table a role may touch: IAM's `dynamodb:LeadingKeys`.

The condition names the partition key of every item a call reads or writes (each item of a
transaction, too), so a role can be held to its own kinds of item: intake to requests and the
citizen index, the catalogue seed to the catalogue, each function to its own idempotency records.

What it cannot express: a condition on the sort key. A role that may read `REQ#*` may read every
item of a request's partition, its `CONTACT` item (name, phone, e-mail) included. What keeps contact
data from the citizen-facing functions is that they never ask for it: the public read path queries
`sk >= EVT#`, which sorts after `CONTACT` (tests check it), and no public route reads a contact
but one: the survey's follow-up (`POST /surveys/{token}/follow-up`) copies it, unread by the caller,
onto the new request, and only for the holder of the signed link that was sent to that contact.
(`dynamodb:Attributes` could hide the contact's attributes, but only if every read projected named
attributes, Powertools' idempotency reads included: brittle for the little it would add here.)

`ForAllValues` is true when a call names no partition at all (Scan, ListTables): grant such actions
never through this module — every action granted here always names its items.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam

from civicdesk import layout

REQUESTS = f"{layout.REQUEST_PREFIX}*"
"""A request's partition: the request, its timeline entries, its contact, its links."""
CITIZENS = f"{layout.CITIZEN_PREFIX}*"
CONVERSATIONS = f"{layout.CONVERSATION_PREFIX}*"
OUTBOUND = f"{layout.OUTBOUND_PREFIX}*"
CATALOGUE = layout.CATALOGUE_PK
MODELS = f"{layout.MODEL_PREFIX}*"
"""The classifier's model pointer and retrain verdicts."""


@dataclass(frozen=True)
class Grant:
    """Table actions, on items of these partitions only."""

    actions: tuple[str, ...]
    partitions: tuple[str, ...]


def actions(grants: Iterable[Grant]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a for g in grants for a in g.actions))


def condition(partitions: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    return {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(partitions)}}


def grant(role: iam.IRole, table: dynamodb.ITable, *grants: Grant) -> None:
    """Allow each grant's actions on the base table, only on items of its partitions."""
    for each in grants:
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(each.actions), resources=[table.table_arn], conditions=condition(each.partitions)
            )
        )


STATS = f"{layout.STATS_PREFIX}*"
"""The needs-analysis counters: numbers per day, month and dimension code, no personal data."""
TALLIES = f"{layout.TALLY_PREFIX}*"
"""What each request has added to the counters (its codes, statuses and times: no personal data)."""
