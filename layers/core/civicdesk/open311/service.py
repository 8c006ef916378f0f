"""Open311 GeoReport v2 over the pool: services from the catalogue, requests filed through intake,
listed from the `created` index and followed through the `timeline` index (never a Scan).

What an answer may show is decided here, once (`request_view`, `update_view`):
- never the contact item (name, phone, e-mail): the read path queries `sk >= EVT#` and never sees it;
- `description` only for a request that is public by the way it came in: filed by an Open311 client
  (such apps publish their reports), not anonymised since, and holding nothing `redact` would mask
  (a phone, an e-mail, a web address, an @handle, any run of three or more digits). Web, WhatsApp and
  staff-channel citizens were never told their words would be published, so theirs are left out;
- `status_notes` is the latest public answer, masked by `redact` (staff write it to the citizen);
- `address` is the neighbourhood and district, never the typed address (a home address is personal);
- `lat`/`long` rounded to 3 decimals (about 110 m);
- `media_url` never: photos are kept private and none is published.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from civicdesk import layout
from civicdesk.catalogue.model import Catalogue, Category
from civicdesk.core.clock import Clock, iso, parse_iso, utc_now
from civicdesk.core.dynamo import serialize
from civicdesk.core.errors import InvalidInput
from civicdesk.core.validation import CatalogueCode, CleanText, Email, PhoneNumber
from civicdesk.open311 import contracts as c
from civicdesk.open311 import statuses
from civicdesk.open311.errors import BadRequest, Unknown, one
from civicdesk.open311.keys import ApiKey
from civicdesk.privacy.redact import redact
from civicdesk.profile.model import Profile
from civicdesk.requests import codes, intake
from civicdesk.requests.models import (
    Channel,
    Contact,
    EntryType,
    Location,
    ServiceRequest,
    Status,
    TimelineEntry,
)
from civicdesk.requests.repository import RequestRepository
from civicdesk.requests.texts import ENTRY_TITLES, STATUS_NAMES, accepted_message

T = TypeVar("T")
MAX_DAYS = 90
"""The widest date window a list may span (GeoReport v2)."""
MAX_RESULTS = 1000
MAX_IDS = 100
"""`service_request_id=a,b,c`: at most this many codes per call (each is one read)."""
COORDINATE_DIGITS = 3
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00+03:00"
"""When this endpoint's behaviour last changed (discovery's `changeset`)."""
UPDATE_KINDS = (EntryType.STATUS_CHANGED, EntryType.PUBLIC_REPLY, EntryType.TRANSFERRED)
"""Public timeline entries that are updates (the `received` entry is the request itself)."""


# --- input --------------------------------------------------------------------------------------------


class FilingIn(BaseModel):
    """`POST requests` as a form: the specification's fields (attributes arrive separately)."""

    model_config = ConfigDict(extra="ignore")

    service_code: CatalogueCode
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    long: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    address_string: Annotated[str, CleanText(max_length=300)] | None = None
    description: Annotated[str, CleanText(max_length=4000, multiline=True)] | None = None
    email: Email | None = None
    phone: PhoneNumber | None = None
    first_name: Annotated[str, CleanText(max_length=60)] | None = None
    last_name: Annotated[str, CleanText(max_length=60)] | None = None
    device_id: Annotated[str, CleanText(max_length=128)] | None = None
    account_id: Annotated[str, CleanText(max_length=128)] | None = None
    media_url: Annotated[str, CleanText(max_length=2000, words=False)] | None = None


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    return [("400", f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}") for e in error.errors()]


def parse_filing(
    form: Mapping[str, str], catalogue: Catalogue, profile: Profile
) -> tuple[FilingIn, Category]:
    """The form as a filing, or BadRequest listing every problem at once."""
    problems: list[tuple[str, str]] = []
    values = {k: v for k, v in form.items() if v != ""}
    try:
        filing = FilingIn.model_validate(values)
    except ValidationError as error:
        problems = _problems(error)
        bad = {str(e["loc"][0]) for e in error.errors() if e["loc"]}
        try:  # the rest is checked too, so that every problem is told at once
            filing = FilingIn.model_validate({k: v for k, v in values.items() if k not in bad})
        except ValidationError:
            raise BadRequest(problems) from error
    category: Category | None = None
    try:
        category = catalogue.category(filing.service_code)
    except InvalidInput:
        problems.append(("400", f"service_code: unknown service {filing.service_code!r}"))
    if (filing.lat is None) != (filing.long is None):
        problems.append(("400", "lat, long: give both"))
    if filing.lat is None and not filing.address_string:
        problems.append(("400", "location: give lat and long, or address_string"))
    if (
        filing.lat is not None
        and filing.long is not None
        and not profile.bounds.contains(filing.lat, filing.long)
    ):
        problems.append(("400", f"lat, long: the point is outside {profile.name.en}"))
    if problems or category is None:
        raise BadRequest(problems)
    return filing, category


def _moment(text: str, name: str, zone: ZoneInfo, end: bool) -> datetime:
    """An ISO 8601 date or date-time; a date or a time without offset is the municipality's clock."""
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).date()
            moment = datetime.combine(day, time.max if end else time.min, zone)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            one("400", f"{name}: not an ISO 8601 date (e.g. 2026-11-30T10:00:00+03:00)")
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def window(start: str | None, end: str | None, now: datetime, zone: ZoneInfo) -> Window:
    """`start_date`/`end_date` as a window of at most 90 days (by default the last 90 days)."""
    problems: list[tuple[str, str]] = []
    begin = finish = None
    for text, name, is_end in ((start, "start_date", False), (end, "end_date", True)):
        if text is None:
            continue
        try:
            moment = _moment(text, name, zone, is_end)
        except BadRequest as error:
            problems += error.errors
            continue
        if is_end:
            finish = moment
        else:
            begin = moment
    if problems:
        raise BadRequest(problems)
    span = timedelta(days=MAX_DAYS)
    finish = finish or (min(begin + span, now) if begin else now)
    begin = begin or finish - span
    if begin > finish:
        raise BadRequest(one("400", "start_date: after end_date"))
    if finish - begin > span:
        raise BadRequest(one("400", f"start_date, end_date: at most {MAX_DAYS} days apart"))
    return Window(begin, finish)


# --- the service ------------------------------------------------------------------------------------------


@dataclass
class Listing(Generic[T]):
    items: list[T]
    read: int = 0
    """Items read from the index (what the answer cost)."""
    queries: int = 0


@dataclass
class Open311:
    """The endpoint's behaviour; the handler only parses and renders."""

    requests: RequestRepository
    catalogue: Callable[[], Catalogue]
    profile: Profile
    citizen: Callable[[str | None], str | None] = lambda phone: None
    clock: Clock = utc_now
    stage: str = "dev"
    _zone: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self._zone = ZoneInfo(self.profile.time_zone)

    def check_jurisdiction(self, jurisdiction_id: str | None) -> None:
        if jurisdiction_id is not None and jurisdiction_id != self.profile.code:
            raise BadRequest(one("400", f"jurisdiction_id: this endpoint serves {self.profile.code!r} only"))

    # services

    def discovery(self, url: str) -> c.Discovery:
        contact = f"{self.profile.contact_center.tr}, {self.profile.name.tr}: {self.profile.phone_line}"
        return c.Discovery(
            changeset=CHANGESET,
            contact=contact,
            key_service="api_key: issued by the municipality's administrators; ask the contact above",
            endpoints=[
                c.Endpoint(
                    specification=SPECIFICATION,
                    url=url,
                    changeset=CHANGESET,
                    type="production" if self.stage == "prod" else "test",
                    formats=["application/json", "text/xml"],
                )
            ],
        )

    def services(self) -> list[c.Service]:
        catalogue = self.catalogue()
        return [self._service(category, catalogue) for category in catalogue.active_categories()]

    def definition(self, service_code: str) -> c.ServiceDefinition:
        """Our categories ask for nothing beyond the description and the location: no attributes."""
        try:
            category = self.catalogue().category(service_code)
        except InvalidInput:
            raise Unknown(one("404", f"no service {service_code!r}")) from None
        return c.ServiceDefinition(service_code=category.code, attributes=[])

    def _service(self, category: Category, catalogue: Catalogue) -> c.Service:
        department = catalogue.department(category.department)
        return c.Service(
            service_code=category.code,
            service_name=category.name.tr,
            description=category.description.tr,
            metadata=False,
            type="realtime",
            keywords=",".join(k.term for k in category.keywords),
            group=department.name.tr if department else category.department,
        )

    # filing

    def file(self, key: ApiKey, form: Mapping[str, str]) -> c.Created:
        """A request filed for the key's client, routed like any other; one transaction."""
        filing, category = parse_filing(form, self.catalogue(), self.profile)
        location = None
        if filing.lat is not None or filing.address_string:
            location = Location(lat=filing.lat, lon=filing.long, address=filing.address_string)
        name = " ".join(n for n in (filing.first_name, filing.last_name) if n) or None
        new = intake.NewRequest(
            description=filing.description or "",
            channel=Channel.OPEN311,
            category=category.code,
            location=location,
            contact=Contact(name=name, phone=filing.phone, email=filing.email),
            actor=f"open311:{key.client}",
            citizen=self.citizen(filing.phone),
        )
        request = intake.file_request(
            new, catalogue=self.catalogue(), requests=self.requests, clock=self.clock
        )
        shown = codes.display(request.code)
        hours = (request.due_at - request.created_at).total_seconds() / 3600
        message = accepted_message(shown, hours)
        return c.Created(service_request_id=shown, service_notice=f"{message.tr} / {message.en}")

    # requests

    def request(self, service_request_id: str) -> c.RequestOut:
        found = self._one(service_request_id)
        if found is None:
            raise Unknown(one("404", f"no request {service_request_id!r}"))
        return found

    def by_ids(self, ids: str) -> Listing[c.RequestOut]:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        if len(wanted) > MAX_IDS:
            raise BadRequest(one("400", f"service_request_id: at most {MAX_IDS} ids"))
        found = [self._one(i) for i in wanted]
        return Listing([f for f in found if f is not None], read=len(wanted), queries=len(wanted))

    def _one(self, service_request_id: str) -> c.RequestOut | None:
        code = codes.normalize(service_request_id)
        found = self.requests.get_with_timeline(code) if code else None
        if found is None:
            return None
        request, entries = found
        return self.request_view(request, self.catalogue(), _notes(entries))

    def search(
        self,
        start_date: str | None = None,
        end_date: str | None = None,
        status: str | None = None,
        service_code: str | None = None,
        limit: int = MAX_RESULTS,
    ) -> Listing[c.RequestOut]:
        """Requests filed in the window, newest first: one Query per UTC day of the `created` index,
        the status and service filtered as DynamoDB reads (so only the days' items are read)."""
        problems: list[tuple[str, str]] = []
        wanted: frozenset[Status] | None = None
        if status is not None:
            opened = statuses.open_statuses()
            states = {s.strip() for s in status.split(",")}
            if not states <= {"open", "closed"}:
                problems.append(("400", "status: open or closed"))
            else:
                wanted = frozenset(
                    s
                    for s in Status
                    if (s in opened and "open" in states) or (s not in opened and "closed" in states)
                )
        try:
            span = window(start_date, end_date, self.clock(), self._zone)
        except BadRequest as error:
            problems = error.errors + problems
        if problems:
            raise BadRequest(problems)
        return self._created_between(span, wanted, service_code, limit)

    def _created_between(
        self, span: Window, wanted: frozenset[Status] | None, service_code: str | None, limit: int
    ) -> Listing[c.RequestOut]:
        catalogue = self.catalogue()
        listing: Listing[c.RequestOut] = Listing([])
        filters: list[str] = []
        values: dict[str, Any] = {}
        names: dict[str, str] = {}
        if wanted is not None and len(wanted) < len(Status):
            names["#status"] = "status"
            keys = [f":s{i}" for i in range(len(wanted))]
            values.update(zip(keys, sorted(s.value for s in wanted), strict=True))
            filters.append(f"#status IN ({', '.join(keys)})")
        if service_code is not None:
            names["#category"] = "category"
            values[":category"] = service_code
            filters.append("#category = :category")
        day = span.end.date()
        while day >= span.start.date() and len(listing.items) < limit:
            query: dict[str, Any] = {
                "KeyConditionExpression": "#pk = :day AND #sk BETWEEN :from AND :to",
                "ExpressionAttributeNames": {"#pk": layout.CREATED.pk, "#sk": layout.CREATED.sk, **names},
                "ExpressionAttributeValues": serialize(
                    {
                        ":day": layout.created_partition(day.isoformat()),
                        ":from": iso(span.start),
                        ":to": iso(span.end) + layout.UNTIL_END,
                        **values,
                    }
                ),
                "ScanIndexForward": False,
            }
            if filters:
                query["FilterExpression"] = " AND ".join(filters)
            start = None
            while len(listing.items) < limit:
                page = self.requests.page(layout.CREATED, limit - len(listing.items), start, **query)
                listing.read += page.read
                listing.queries += 1
                listing.items += [self.request_view(r, catalogue) for r in page.requests]
                start = page.next_start
                if start is None:
                    break
            day -= timedelta(days=1)
        return listing

    def request_view(
        self, request: ServiceRequest, catalogue: Catalogue, notes: str | None = None
    ) -> c.RequestOut:
        state, _ = statuses.of_request(request.status, request.rejection)
        category = next((x for x in catalogue.categories if x.code == request.category), None)
        department = catalogue.department(request.department) if request.department else None
        place = next((n for n in catalogue.neighbourhoods if n.code == request.neighbourhood), None)
        point = request.location if request.location and request.location.lat is not None else None
        return c.RequestOut(
            service_request_id=codes.display(request.code),
            status=state.value,
            status_notes=notes,
            service_name=category.name.tr if category else None,
            service_code=request.category,
            description=request.description if is_public(request) else None,
            agency_responsible=department.name.tr if department else None,
            requested_datetime=self._local(request.created_at),
            updated_datetime=self._local(request.updated_at),
            expected_datetime=self._local(request.due_at),
            address=f"{place.name}, {self.profile.district}" if place else None,
            lat=round(point.lat, COORDINATE_DIGITS) if point and point.lat is not None else None,
            long=round(point.lon, COORDINATE_DIGITS) if point and point.lon is not None else None,
        )

    # updates

    def updates(
        self, start_date: str | None, end_date: str | None, limit: int = MAX_RESULTS
    ) -> Listing[c.UpdateOut]:
        """Public changes in the window, oldest first: one Query per UTC day of the `timeline` index,
        which projects no text at all (an update's description is the status's own words)."""
        span = window(start_date, end_date, self.clock(), self._zone)
        listing: Listing[c.UpdateOut] = Listing([])
        found = listing.items
        day = span.start.date()
        kinds = [f":k{i}" for i in range(len(UPDATE_KINDS))]
        while day <= span.end.date() and len(found) < limit:
            start = None
            while len(found) < limit:
                items, read, start = self.requests.table.query_page(
                    limit - len(found),
                    start,
                    IndexName=layout.TIMELINE.name,
                    KeyConditionExpression="#pk = :day AND #sk BETWEEN :from AND :to",
                    FilterExpression=f"#public = :yes AND #type IN ({', '.join(kinds)})",
                    ExpressionAttributeNames={
                        "#pk": layout.TIMELINE.pk,
                        "#sk": layout.TIMELINE.sk,
                        "#public": "public",
                        "#type": "type",
                    },
                    ExpressionAttributeValues=serialize(
                        {
                            ":day": layout.timeline_partition(day.isoformat()),
                            ":from": iso(span.start),
                            ":to": iso(span.end) + layout.UNTIL_END,
                            ":yes": True,
                            **dict(zip(kinds, [k.value for k in UPDATE_KINDS], strict=True)),
                        }
                    ),
                )
                listing.read += read
                listing.queries += 1
                found += [self.update_view(i) for i in items]
                if start is None:
                    break
            day += timedelta(days=1)
        return listing

    def update_view(self, item: Mapping[str, Any]) -> c.UpdateOut:
        kind = EntryType(item["type"])
        status = Status(item["status"]) if item.get("status") else None
        reason = (item.get("detail") or {}).get("reason")
        _, extended = statuses.of_update(kind, status, reason)
        at = parse_iso(item["at"])
        suffix = str(item[layout.SK]).rsplit("#", 1)[-1]
        words = (
            STATUS_NAMES[status]
            if status is not None and kind is EntryType.STATUS_CHANGED
            else ENTRY_TITLES[kind]
        )
        return c.UpdateOut(
            update_id=f"{item['code']}-{int(at.timestamp() * 1000)}-{suffix}",
            service_request_id=codes.display(item["code"]),
            status=extended.value,
            updated_datetime=self._local(at),
            description=f"{words.tr} / {words.en}",
        )

    def _local(self, moment: datetime) -> str:
        return moment.astimezone(self._zone).isoformat(timespec="seconds")


def is_public(request: ServiceRequest) -> bool:
    """May its description be shown? Only what an Open311 client published, unmasked, not anonymised."""
    return (
        request.channel is Channel.OPEN311
        and request.anonymised_at is None
        and bool(request.description)
        and redact(request.description) == request.description
    )


def _notes(entries: Sequence[TimelineEntry]) -> str | None:
    """The latest public answer's words, masked (staff write them to the citizen)."""
    said = [e for e in entries if e.public and e.text]
    return redact(said[-1].text) if said and said[-1].text else None
