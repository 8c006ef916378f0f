"""Filing a request into the pool, and the citizen's view of it. No AWS or HTTP types here."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from civicdesk.catalogue.model import Catalogue, Category
from civicdesk.core.clock import Clock, utc_now
from civicdesk.core.errors import CodeCollision, InvalidInput
from civicdesk.requests.codes import new_code
from civicdesk.requests.models import (
    Channel,
    Contact,
    EntryType,
    Kind,
    Language,
    Location,
    ServiceRequest,
    Status,
    TimelineEntry,
)
from civicdesk.requests.repository import RequestRepository
from civicdesk.sla import deadlines as sla

CODE_ATTEMPTS = 3
"""Fresh codes to try if one collides: at 42.8 bits a second draw is already a curiosity."""


class NewRequest(BaseModel):
    """What any channel hands to the pool; the channel adapters map their input onto it."""

    model_config = ConfigDict(frozen=True)

    description: str
    channel: Channel
    kind: Kind = Kind.REQUEST
    category: str | None = None
    neighbourhood: str | None = None
    location: Location | None = None
    contact: Contact | None = None
    language: Language = Language.TR
    actor: str = "citizen"
    photos: tuple[str, ...] = ()
    citizen: str | None = None
    """The citizen index key (a keyed hash of the phone, never the number): links channels."""


def check_against_catalogue(new: NewRequest, catalogue: Catalogue) -> Category | None:
    """The chosen category (if any); every unknown catalogue value reported at once."""
    problems: dict[str, str] = {}
    category = None
    if new.category is not None:
        try:
            category = catalogue.category(new.category)
        except InvalidInput as error:
            problems.update(error.fields)
    if new.neighbourhood is not None:
        try:
            catalogue.neighbourhood(new.neighbourhood)
        except InvalidInput as error:
            problems.update(error.fields)
    if problems:
        raise InvalidInput(problems)
    return category


def file_request(
    new: NewRequest,
    *,
    catalogue: Catalogue,
    requests: RequestRepository,
    clock: Clock = utc_now,
    draw_code: Callable[[], str] = new_code,
) -> ServiceRequest:
    """Put a new request in the pool with its first-response deadline; one write call."""
    category = check_against_catalogue(new, catalogue)
    now = clock()
    received_at = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as stored: milliseconds
    contact = new.contact if new.contact and not new.contact.is_empty() else None
    for _ in range(CODE_ATTEMPTS):
        request = ServiceRequest(
            code=draw_code(),
            kind=new.kind,
            channel=new.channel,
            category=category.code if category else None,
            department=None,  # the router assigns it
            neighbourhood=new.neighbourhood,
            description=new.description,
            location=new.location,
            language=new.language,
            status=Status.RECEIVED,
            created_at=received_at,
            updated_at=received_at,
            due_at=sla.first_response_deadline(received_at, category, catalogue),
            resolution_due_at=sla.resolution_deadline(received_at, category),
            has_contact=contact is not None,
            photos=new.photos,
        )
        entry = TimelineEntry(
            code=request.code,
            at=received_at,
            type=EntryType.RECEIVED,
            public=True,
            status=Status.RECEIVED,
            actor=new.actor,
            detail=_facts(request),
        )
        try:
            requests.create(request, entry, contact, citizen=new.citizen)
        except CodeCollision:
            continue
        return request
    raise CodeCollision(f"no free code after {CODE_ATTEMPTS} draws")


def _facts(request: ServiceRequest) -> dict[str, str]:
    """What needs analysis counts about a new request (no personal data): for its domain event."""
    facts = {"channel": request.channel.value, "kind": request.kind.value}
    if request.category:
        facts["category"] = request.category
    if request.neighbourhood:
        facts["neighbourhood"] = request.neighbourhood
    return facts


def public_status(
    code: str, *, requests: RequestRepository
) -> tuple[ServiceRequest, list[TimelineEntry]] | None:
    """The request and the entries a citizen may see, oldest first; None for an unknown code."""
    found = requests.get_with_timeline(code)
    if found is None:
        return None
    request, entries = found
    return request, [e for e in entries if e.public]
