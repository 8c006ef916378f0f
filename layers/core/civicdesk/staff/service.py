"""The staff API's work, one method per route: check the role policy, read, act, audit.

No HTTP and no AWS types: the handler parses and maps errors; repositories talk to the table.
Every change goes through `workflow.apply` (one conditional write guarded by the client's version);
every read of personal data is audited before the data is returned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from civicdesk.catalogue.model import Catalogue
from civicdesk.catalogue.model import ResponseTemplate as Template
from civicdesk.core.clock import Clock, utc_now
from civicdesk.core.dynamo import Item
from civicdesk.core.errors import InvalidInput, PreconditionFailed, RequestNotFound
from civicdesk.profile.model import DuplicateRules, Institution
from civicdesk.requests import intake
from civicdesk.requests.citizens import citizen_id, link
from civicdesk.requests.models import OPEN_STATUSES, Contact, ServiceRequest, TimelineEntry
from civicdesk.requests.repository import RequestRepository
from civicdesk.routing.classifier import Classification, Classifier
from civicdesk.staff import policy, workflow
from civicdesk.staff.duplicates import DuplicateFinder, Likely, likely
from civicdesk.staff.identity import Staff
from civicdesk.staff.policy import Action
from civicdesk.staff.queue import Filters, QueuePage, QueueReader
from civicdesk.staff.repository import AuditRecord, StaffRepository

MAX_CALLER_REQUESTS = 50


@dataclass(frozen=True)
class Snapshot:
    """A request as staff see it: the request, its whole timeline, and the requests linked to it."""

    request: ServiceRequest
    entries: list[TimelineEntry]
    links: list[Item]
    likely: list[Likely] = field(default_factory=list)


@dataclass
class StaffService:
    requests: RequestRepository
    staff_items: StaffRepository
    queues: QueueReader
    catalogue: Callable[[], Catalogue]
    citizen_key: Callable[[], str]
    clock: Clock = utc_now
    duplicates: DuplicateRules = field(default_factory=DuplicateRules)
    institutions: Sequence[Institution] = ()
    """The profile's other institutions: a `not_ours` rejection naming one by code is referred there."""

    # --- filing and finding -------------------------------------------------------------------------

    def file(self, staff: Staff, new: intake.NewRequest) -> ServiceRequest:
        """A request taken by phone, at the desk, in the street or from social media and e-mail."""
        channels = policy.filing_channels(staff)
        if new.channel not in channels:
            allowed = ", ".join(sorted(c.value for c in channels))
            raise InvalidInput({"channel": f"your role files on: {allowed}"})
        citizen = link(new.contact.phone if new.contact else None, self.citizen_key)
        filed = new.model_copy(update={"actor": staff.actor, "citizen": citizen})
        return intake.file_request(
            filed, catalogue=self.catalogue(), requests=self.requests, clock=self.clock
        )

    def suggest(self, staff: Staff, text: str, classifier: Classifier) -> Classification:
        """What the classifier makes of a caller's words while the agent types, or of a triage request's
        (nothing is stored): a guess for whoever files or classifies; they may choose otherwise."""
        if policy.scope(staff, Action.FILE) is None:
            policy.require(staff, Action.CLASSIFY)
        return classifier.classify(text, self.catalogue())

    def queue(self, staff: Staff, filters: Filters, limit: int, cursor: str | None) -> QueuePage:
        """A queue page within the member's scope: their own departments unless they may see all."""
        scope = policy.departments_in_scope(staff, Action.LIST)
        asked = filters.departments
        if scope is not None and asked is not None and not asked <= scope:
            raise policy.Forbidden(Action.LIST, "you may list only your own departments' queues")
        departments = asked if asked is not None else scope
        scoped = Filters(**{**filters.__dict__, "departments": departments})
        all_departments = [d.code for d in self.catalogue().departments]
        return self.queues.page(scoped, all_departments, limit, cursor)

    def read(self, staff: Staff, code: str) -> Snapshot:
        found = self.requests.get_with_timeline(code)
        if found is None:
            raise RequestNotFound(code)
        request, entries = found
        self._visible(staff, Action.READ, request)
        return Snapshot(request, entries, self.staff_items.links(code), self.likely_duplicates(request))

    def likely_duplicates(self, request: ServiceRequest) -> list[Likely]:
        """Requests that look like the same problem, while this one is still open and not merged."""
        if request.status not in OPEN_STATUSES or request.duplicate_of is not None:
            return []
        finder = DuplicateFinder(self.requests.table)
        return likely(request, finder.candidates(request, self.duplicates), self.duplicates)

    def contact(self, staff: Staff, code: str, reason: str) -> Contact | None:
        """The citizen's contact details; the read is audited first (who, when, which request, why)."""
        request = self._get(code)
        self._visible(staff, Action.READ_CONTACT, request)
        self.staff_items.audit(AuditRecord(staff.actor, "read_contact", (code,), reason, self.clock()))
        return self.requests.get_contact(code)

    def caller(self, staff: Staff, phone: str, reason: str) -> list[ServiceRequest]:
        """One caller's requests from every channel, found by the keyed hash of the number (audited)."""
        policy.require(staff, Action.LOOKUP_CALLER)
        codes = self.staff_items.citizen_codes(citizen_id(self.citizen_key(), phone), MAX_CALLER_REQUESTS)
        self.staff_items.audit(AuditRecord(staff.actor, "lookup_caller", tuple(codes), reason, self.clock()))
        return self.staff_items.requests(codes)

    # --- acting on a request --------------------------------------------------------------------------

    def reply(self, staff: Staff, code: str, text: str, version: int) -> ServiceRequest:
        request = self._for(staff, Action.REPLY, code)
        return workflow.apply(
            self.requests, request, workflow.reply(request, text, staff, self.clock()), version
        )

    def note(self, staff: Staff, code: str, text: str, version: int) -> ServiceRequest:
        request = self._for(staff, Action.NOTE, code)
        return workflow.apply(
            self.requests, request, workflow.note(request, text, staff, self.clock()), version
        )

    def change_status(
        self, staff: Staff, code: str, change: workflow.StatusChange, version: int
    ) -> ServiceRequest:
        request = self._for(staff, Action.CHANGE_STATUS, code)
        if change.duplicate_of is not None:
            original = self.requests.get(change.duplicate_of)
            if original is None:
                raise InvalidInput({"duplicate_of": "no request has this code"})
            self._visible(staff, Action.READ, original, field="duplicate_of")
        made = workflow.change_status(
            request, change, staff, self.clock(), self.catalogue(), self.institutions
        )
        return workflow.apply(self.requests, request, made, version)

    def transfer(self, staff: Staff, code: str, department: str, reason: str, version: int) -> ServiceRequest:
        """A supervisor moves it; a department member may only ask (it then waits for a supervisor)."""
        request = self._get(code)
        if policy.covers(staff, Action.TRANSFER, request.department):
            make = workflow.transfer
        else:
            self._visible(staff, Action.ASK_TRANSFER, request)
            make = workflow.ask_transfer
        change = make(request, department, reason, staff, self.clock(), self.catalogue())
        return workflow.apply(self.requests, request, change, version)

    def classify(
        self, staff: Staff, code: str, category: str, neighbourhood: str | None, version: int
    ) -> ServiceRequest:
        request = self._for(staff, Action.CLASSIFY, code)
        change = workflow.classify(request, category, neighbourhood, staff, self.clock(), self.catalogue())
        return workflow.apply(self.requests, request, change, version)

    # --- response templates -------------------------------------------------------------------------

    def templates(self, staff: Staff) -> list[Template]:
        policy.require(staff, Action.READ_TEMPLATES)
        return self.staff_items.templates()

    def save_template(self, staff: Staff, template: Template, version: int | None) -> Template:
        """Create a template (no version) or replace the version the admin read."""
        policy.require(staff, Action.EDIT_TEMPLATES)
        catalogue = self.catalogue()
        if template.category is not None:
            catalogue.category(template.category)
        saved = template.model_copy(update={"version": 1 if version is None else version + 1})
        if not self.staff_items.put_template(saved, expected_version=version):
            current = self.staff_items.template(template.id)
            if current is None:
                raise RequestNotFound(template.id)
            raise PreconditionFailed(template.id, current.version)
        return saved

    # --- parts -----------------------------------------------------------------------------------------

    def _get(self, code: str) -> ServiceRequest:
        request = self.requests.get(code)
        if request is None:
            raise RequestNotFound(code)
        return request

    def _for(self, staff: Staff, action: Action, code: str) -> ServiceRequest:
        request = self._get(code)
        self._visible(staff, action, request)
        return request

    @staticmethod
    def _visible(staff: Staff, action: Action, request: ServiceRequest, field: str | None = None) -> None:
        try:
            policy.require_on(staff, action, request.department)
        except policy.RequestHidden as error:
            if field is not None:
                raise InvalidInput({field: "no request has this code"}) from error
            raise RequestNotFound(request.code) from error
