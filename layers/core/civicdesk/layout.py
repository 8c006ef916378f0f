"""The pool table's layout: every key, partition, index and item type, spelt here and nowhere else.

One DynamoDB table holds everything (docs/architecture.md, "The table"). This module is the only
place a key is written out; the repositories build items with it, the stream filter and the IAM
`LeadingKeys` conditions in `infra/` import it, and the domain events read entries through it.
It imports nothing but the standard library, so the CDK app can use it without the Lambda layer.

Sort keys of one request partition order as `CONTACT < EVT#<time>#<n> < REQ`: a Query from `EVT#`
reads the timeline and the request without ever touching the contact item (personal data).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

PK: Final = "pk"
SK: Final = "sk"
TTL: Final = "expires_at"
"""Epoch seconds; DynamoDB's TTL removes the item some time after (never relied on for correctness)."""
ITEM_TYPE: Final = "item_type"
VERSION: Final = "version"


class ItemType(StrEnum):
    """The `item_type` attribute of each kind of item (the stream filter matches on it)."""

    REQUEST = "request"
    ENTRY = "entry"
    CONTACT = "contact"
    CITIZEN_REQUEST = "citizen_request"
    CONVERSATION = "conversation"
    OUTBOUND = "outbound"
    DESTRUCTION = "destruction"
    OPEN311_KEY = "open311_key"
    SURVEY = "survey"
    REFERRAL = "referral"
    FIELD_SURVEY = "field_survey"
    FIELD_ANSWER = "field_answer"
    FIELD_RESULTS = "field_results"


# --- a request's partition: the request, its timeline, its contact ---------------------------------

REQUEST_PREFIX: Final = "REQ#"
REQUEST_SK: Final = "REQ"
CONTACT_SK: Final = "CONTACT"
ENTRY_PREFIX: Final = "EVT#"


def request_pk(code: str) -> str:
    return f"{REQUEST_PREFIX}{code}"


def entry_sk(at_iso: str, suffix: str) -> str:
    """`EVT#<iso time>#<suffix>`: time-ordered; the suffix keeps entries of one millisecond apart."""
    return f"{ENTRY_PREFIX}{at_iso}#{suffix}"


# --- people, without their numbers ---------------------------------------------------------------------

CITIZEN_PREFIX: Final = "CIT#"
CONVERSATION_PREFIX: Final = "CONV#"
CONVERSATION_SK: Final = "STATE"
OUTBOUND_PREFIX: Final = "OUT#"
OUTBOUND_SK: Final = "OUT"


def citizen_pk(citizen: str) -> str:
    """`CIT#<keyed hash of the phone>`: a citizen's requests across channels, never the number itself."""
    return f"{CITIZEN_PREFIX}{citizen}"


def conversation_pk(citizen: str) -> str:
    """`CONV#<keyed hash>`: the WhatsApp dialogue state (keyed like the citizen index, not by number)."""
    return f"{CONVERSATION_PREFIX}{citizen}"


def outbound_pk(message_ref: str) -> str:
    """`OUT#<hash of the provider's message id>`: points a delivery callback at its timeline entry."""
    return f"{OUTBOUND_PREFIX}{message_ref}"


# --- the catalogue: one partition, one Query reads it all ----------------------------------------------

CATALOGUE_PK: Final = "CATALOG"
SETTINGS_SK: Final = "SETTINGS"
DEPARTMENT_PREFIX: Final = "DEPT#"
CATEGORY_PREFIX: Final = "CAT#"
NEIGHBOURHOOD_PREFIX: Final = "NBH#"
CATEGORY_DEPARTMENT: Final = "department"
"""The attribute of a category item naming its department (the router reads it directly)."""


def category_sk(code: str) -> str:
    return f"{CATEGORY_PREFIX}{code}"


def department_sk(code: str) -> str:
    return f"{DEPARTMENT_PREFIX}{code}"


def neighbourhood_sk(code: str) -> str:
    return f"{NEIGHBOURHOOD_PREFIX}{code}"


# --- staff: audit trail, response templates, labelled examples, links ---------------------------------

AUDIT_PREFIX: Final = "AUDIT#"
TEMPLATE_PREFIX: Final = "TPL#"
"""Response templates are part of the catalogue: items of the `CATALOG` partition."""
EXAMPLE_PREFIX: Final = "EXAMPLE#"
LINK_PREFIX: Final = "LINK#"


def audit_pk(day_iso: str) -> str:
    """`AUDIT#<yyyy-mm-dd>`: one partition per day of reads of personal data (kept 3 years)."""
    return f"{AUDIT_PREFIX}{day_iso[:10]}"


def template_sk(template_id: str) -> str:
    return f"{TEMPLATE_PREFIX}{template_id}"


def example_pk(month_iso: str) -> str:
    """`EXAMPLE#<yyyy-mm>`: labelled examples from staff decisions, read a month at a time."""
    return f"{EXAMPLE_PREFIX}{month_iso[:7]}"


SURVEY_SK: Final = "SURVEY"
"""In a request's partition: the citizen's one survey answer (written only if absent: one per request)."""
FOLLOW_UP_SK: Final = "FOLLOWUP"
"""In a request's partition: the one new request filed as its follow-up after the reopen window."""


def link_sk(code: str) -> str:
    """`LINK#<code>` in a request's partition: another request linked to it (a duplicate of it)."""
    return f"{LINK_PREFIX}{code}"


# --- classifier models: which version routes, and every version the retrain job judged ----------

MODEL_PREFIX: Final = "MODEL#"
MODEL_CURRENT_SK: Final = "CURRENT"
MODEL_VERSION_PREFIX: Final = "VERSION#"


def model_pk(profile: str) -> str:
    """`MODEL#<profile>`: the pointer to the model the router uses, and the history of retrains."""
    return f"{MODEL_PREFIX}{profile}"


def model_version_sk(at_iso: str, version: str) -> str:
    """`VERSION#<time>#<version>`: one retrain's verdict (published or kept the old), in time order."""
    return f"{MODEL_VERSION_PREFIX}{at_iso}#{version}"


# --- KVKK: the destruction log ------------------------------------------------------------------------

DESTRUCTION_PREFIX: Final = "DESTROYED#"


def destruction_pk(month_iso: str) -> str:
    """`DESTROYED#<yyyy-mm>`: one partition per month of destruction records (kept 3 years)."""
    return f"{DESTRUCTION_PREFIX}{month_iso[:7]}"


# --- needs analysis: counters per day and month, and each request's tally ---------------------------

STATS_PREFIX: Final = "STAT#"
TALLY_PREFIX: Final = "TALLY#"
TALLY_SK: Final = "TALLY"


def stats_pk(month: str, department: str | None = None) -> str:
    """`STAT#<yyyy-mm>` (every request) or `STAT#<yyyy-mm>#<department>` (one department's requests):
    a month of counters, by the municipality's calendar. A department member reads only theirs."""
    return f"{STATS_PREFIX}{month}" if department is None else f"{STATS_PREFIX}{month}#{department}"


def stats_sk(view: str, day: int | None = None) -> str:
    """`<view>` is the month's item of a view (`category`, `channel`, ...); `<view>#<dd>` one day's.

    Each item holds one number per field and dimension value (`filed.road_sidewalk`), so an item's size
    grows with the catalogue, never with the number of requests: a year is 12 month items per view."""
    return view if day is None else f"{view}#{day:02d}"


def tally_pk(code: str) -> str:
    """`TALLY#<code>`: what one request has added to the counters, so a change can be moved exactly."""
    return f"{TALLY_PREFIX}{code}"


# --- notifications -------------------------------------------------------------------------------------

HELD_NOTIFICATIONS_PK: Final = "HELD"
"""Messages quiet hours hold back, sorted by when they may go out: `<release time>#<event>`."""


# --- Open311: API keys of client systems, and their rate-limit windows ---------------------------------

OPEN311_PREFIX: Final = "OPEN311#"
OPEN311_KEYS_PK: Final = f"{OPEN311_PREFIX}KEYS"
"""Every issued key in one partition (a few dozen at most): listed by one Query, checked by one GetItem."""
OPEN311_KEY_PREFIX: Final = "KEY#"
OPEN311_RATE_PREFIX: Final = f"{OPEN311_PREFIX}RATE#"


def open311_key_sk(key_hash: str) -> str:
    """`KEY#<sha-256 of the key>`: the key itself is never stored; its id is the hash's first 16 digits."""
    return f"{OPEN311_KEY_PREFIX}{key_hash}"


def open311_rate_pk(key_id: str) -> str:
    """`OPEN311#RATE#<key id>`: one counter item per key and minute (sort key `<yyyy-mm-ddThh:mm>`)."""
    return f"{OPEN311_RATE_PREFIX}{key_id}"


# --- referrals out: a request handed to another institution, and the ones still followed ----------------

REFERRAL_PREFIX: Final = "REFERRAL#"
REFERRAL_SK: Final = "REFERRAL"
FOLLOWED_PREFIX: Final = "REFERRALS#"
FOLLOWED_CURSOR_SK: Final = "CURSOR"
FOLLOWED_ID_PREFIX: Final = "ID#"


def referral_pk(code: str) -> str:
    """`REFERRAL#<our code>`: one referral per request, written `filing` before the other side is called,
    so a redelivered event finds it and never files twice."""
    return f"{REFERRAL_PREFIX}{code}"


def followed_pk(institution: str) -> str:
    """`REFERRALS#<institution>`: the referrals still open there (`ID#<their id>`) and the moment of its
    last update seen (`CURSOR`): the follower reads one partition per institution, never a Scan."""
    return f"{FOLLOWED_PREFIX}{institution}"


def followed_sk(their_id: str) -> str:
    return f"{FOLLOWED_ID_PREFIX}{their_id}"


# --- field surveys: definitions, answers, and the counts kept as answers arrive ------------------------

FIELD_PREFIX: Final = "FIELD#"
FIELD_SURVEYS_PK: Final = f"{FIELD_PREFIX}SURVEYS"
"""Every field survey in one partition (a few dozen a year): listed by one Query of `HEAD#`."""
FIELD_HEAD_PREFIX: Final = "HEAD#"
FIELD_VERSION_PREFIX: Final = "VER#"


def field_head_sk(survey_id: str) -> str:
    """`HEAD#<id>`: the survey's current version (definition, assignment, period)."""
    return f"{FIELD_HEAD_PREFIX}{survey_id}"


def field_version_sk(survey_id: str, version: int) -> str:
    """`VER#<id>#<0001>`: each version as it was defined, kept so old answers stay readable."""
    return f"{FIELD_VERSION_PREFIX}{survey_id}#{version:04d}"


def field_answers_pk(survey_id: str) -> str:
    """`FIELD#ANS#<id>`: one survey's answers, sort key `<client id>`: a resent answer is the same item."""
    return f"{FIELD_PREFIX}ANS#{survey_id}"


def field_results_pk(survey_id: str) -> str:
    """`FIELD#RES#<id>`: counters per version and neighbourhood (sort key `<0001>#<neighbourhood>`),
    added to in the same transaction that writes an answer: results are read, never recomputed."""
    return f"{FIELD_PREFIX}RES#{survey_id}"


def field_results_sk(version: int, neighbourhood: str) -> str:
    return f"{version:04d}#{neighbourhood}"


# --- Powertools Idempotency records ---------------------------------------------------------------------


def idempotency_pk(function: str) -> str:
    """`IDEMPOTENCY#<function>`: one partition per function that records its idempotent calls."""
    return f"IDEMPOTENCY#{function}"


WHATSAPP_IDEMPOTENCY_PK: Final = idempotency_pk("whatsapp")
INTAKE_IDEMPOTENCY_PK: Final = idempotency_pk("intake")
"""Citizens' `Idempotency-Key`s on `POST /requests`."""
STAFF_IDEMPOTENCY_PK: Final = idempotency_pk("staff")
"""Staff members' `Idempotency-Key`s on `POST /staff/requests`."""


# --- indexes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Index:
    name: str
    pk: str
    sk: str
    projection: tuple[str, ...] = ()
    """The non-key attributes the index holds; empty: the whole item."""


QUEUE: Final = Index("queue", "queue_pk", "queue_sk")
"""A department's requests in one status, newest first: `<department or ->#<status>`, `<created>#<code>`."""
DUE: Final = Index("due", "due_pk", "due_sk")
"""Sparse: present only while a deadline runs (`DUE#07[#stage]`, `<deadline>#<code>`)."""
CREATED: Final = Index("created", "created_pk", "created_sk")
"""Listing and date filters: one partition per UTC day (`DAY#2026-11-30`, `<created>#<code>`)."""
WORK: Final = Index("work", "work_pk", "work_sk")
"""Sparse: a department's open requests (any open status), newest first: `<department>#open`."""
WORK_DUE: Final = Index("work_due", "work_pk", "work_due_sk")
"""The same partitions, most urgent first: `<first-response deadline>#<code>`."""
ATTENTION: Final = Index("attention", "attention_pk", "attention_sk")
"""Sparse: what a supervisor must look at — `overdue` (a missed deadline, still open) and `transfer`
(a member asked to move it) — oldest first: `<since>#<code>`."""
TIMELINE: Final = Index(
    "timeline",
    "timeline_pk",
    "timeline_sk",
    projection=(ITEM_TYPE, "code", "at", "type", "public", "status", "previous_status", "actor", "detail"),
)
"""Timeline entries by the UTC day they were written (`DAY#2026-11-30`, `<at>#<code>`): what re-drives
the domain events of a time range. Only what an event carries is projected: never a reply's text or a
note. (`created` cannot serve: a day's entries belong to requests filed on any earlier day.)"""
PURGE: Final = Index("purge", "purge_pk", "purge_sk", projection=(ITEM_TYPE, VERSION))
"""Sparse: what the retention job will destroy, by the moment its period starts: a closed request
(`request`, `<closed>#<code>`), a request whose citizen asked for erasure when it closes (`erasure`),
a WhatsApp conversation (`conversation`, `<expires>#<citizen>`). The job reads only what is due."""
INDEXES: Final = (QUEUE, DUE, CREATED, WORK, WORK_DUE, ATTENTION, TIMELINE, PURGE)

NO_DEPARTMENT: Final = "-"


class Purge(StrEnum):
    """The partitions of the `purge` index: what kind of thing is due for destruction."""

    REQUEST = "request"
    ERASURE = "erasure"
    CONVERSATION = "conversation"


class Attention(StrEnum):
    OVERDUE = "overdue"
    TRANSFER = "transfer"


def queue_partition(department: str | None, status: str) -> str:
    return f"{department or NO_DEPARTMENT}#{status}"


def work_partition(department: str) -> str:
    return f"{department}#open"


def created_partition(created_iso: str) -> str:
    return f"DAY#{created_iso[:10]}"


def timeline_partition(at_iso: str) -> str:
    """`DAY#<yyyy-mm-dd>` of the timeline index: one partition per UTC day of entries."""
    return f"DAY#{at_iso[:10]}"


def time_sort_key(moment_iso: str, code: str) -> str:
    """`<iso>#<code>`: every index sort key; unique, and ordered by time."""
    return f"{moment_iso}#{code}"


UNTIL_END: Final = "#~"
"""Appended to an ISO bound: `~` sorts after every code symbol, so `<= bound` takes in the whole moment."""


# --- the SLA checker's due index ----------------------------------------------------------------------

DUE_SHARDS: Final = 16
"""Deadline index partitions: spreads a city's due items so one hot key never throttles the checker."""


class DueStage(StrEnum):
    """A request's place in the sparse due index: the next thing the SLA checker must do for it.

    Each stage has its own 16 partitions, so one key-range query per shard reads exactly the items
    whose moment has come, and each item is read once per stage; the sort key is always the
    deadline of that stage (`<iso>#<code>`).
    """

    WARN = "warn"  # first-response clock running, not warned yet (as intake writes it)
    OVERDUE = "overdue"  # warned; flagged when the first-response deadline passes
    RESOLUTION = "resolution"  # answered; flagged when the resolution deadline passes


def due_shard(code: str) -> int:
    return zlib.crc32(code.encode()) % DUE_SHARDS


def due_partition(shard: int, stage: DueStage) -> str:
    """`DUE#07` for a fresh request (the key intake writes), `DUE#07#overdue`, `DUE#07#resolution`."""
    base = f"DUE#{shard:02d}"
    return base if stage is DueStage.WARN else f"{base}#{stage.value}"
