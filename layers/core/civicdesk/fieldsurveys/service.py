"""Field surveys' rules: who defines, who answers what and where, and how results are read.

Supervisors and admins define and edit (each edit a new version, guarded by the version it edits);
field staff answer the surveys of their team (a department of theirs, or named), in the survey's
neighbourhoods and period; supervisors may answer any; analysts, supervisors and admins read results.
Results come from the counters the answers added as they were written, beside the needs-analysis
counters of requests filed in the same neighbourhoods and period.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime

from civicdesk.catalogue.model import Catalogue
from civicdesk.core.errors import ConflictingUpdate, InvalidInput, PreconditionFailed
from civicdesk.core.validation import clean_text
from civicdesk.fieldsurveys import contracts as c
from civicdesk.fieldsurveys.model import (
    NO,
    YES,
    Definition,
    Question,
    QuestionType,
    Survey,
    Text,
    Value,
    check,
    counts,
)
from civicdesk.fieldsurveys.repository import Counters, FieldSurveyRepository, StoredAnswer
from civicdesk.profile.model import Profile
from civicdesk.staff import policy
from civicdesk.staff.identity import Staff

RequestFiguresReader = Callable[[date, date], Mapping[str, c.RequestFigures]]
"""Requests filed per neighbourhood in a period (the reports' counters)."""
ALL = "all"
ALLOWED_EARLY_S = 300
"""A phone's clock may run a little ahead; an answer from further in the future is refused."""


class SurveyNotFound(Exception):
    """No survey (or version) with this id (404)."""


class FieldSurveys:
    def __init__(
        self,
        repository: FieldSurveyRepository,
        catalogue: Callable[[], Catalogue],
        profile: Profile,
        clock: Callable[[], datetime],
        request_figures: RequestFiguresReader,
    ) -> None:
        self.repository, self.catalogue, self.profile, self.clock = repository, catalogue, profile, clock
        self.request_figures = request_figures

    def today(self) -> date:
        return self.clock().astimezone(self.profile.zone).date()

    # --- defining -------------------------------------------------------------------------------------------

    def _known(self, definition: Definition) -> None:
        catalogue = self.catalogue()
        known = {n.code for n in catalogue.neighbourhoods}
        unknown = sorted(definition.neighbourhoods - known)
        if unknown:
            raise InvalidInput(
                {"neighbourhoods": f"not neighbourhoods of the catalogue: {', '.join(unknown)}"}
            )
        departments = {d.code for d in catalogue.departments}
        if not definition.team.departments <= departments:
            raise InvalidInput({"team.departments": "not departments of the catalogue"})

    def define(self, staff: Staff, definition: Definition) -> Survey:
        policy.require(staff, policy.Action.DEFINE_SURVEYS)
        self._known(definition)
        survey = Survey(
            id=uuid.uuid4().hex[:12],
            version=1,
            definition=definition,
            defined_at=self.clock(),
            defined_by=staff.actor,
        )
        if not self.repository.save(survey):  # pragma: no cover - 48 random bits colliding
            raise ConflictingUpdate(survey.id, "a survey with this id exists; try again")
        return survey

    def revise(self, staff: Staff, survey_id: str, based_on: int, definition: Definition) -> Survey:
        """A new version; the one it edits must still be the current one (If-Match), or 412."""
        policy.require(staff, policy.Action.DEFINE_SURVEYS)
        current = self._current(survey_id)
        if current.version != based_on:
            raise PreconditionFailed(survey_id, current.version)
        self._known(definition)
        survey = Survey(
            id=survey_id,
            version=current.version + 1,
            definition=definition,
            defined_at=self.clock(),
            defined_by=staff.actor,
        )
        if not self.repository.save(survey):
            latest = self._current(survey_id)
            raise PreconditionFailed(survey_id, latest.version)
        return survey

    # --- reading --------------------------------------------------------------------------------------------

    def _current(self, survey_id: str) -> Survey:
        found = self.repository.current(survey_id)
        if found is None:
            raise SurveyNotFound(survey_id)
        return found

    @staticmethod
    def on_team(staff: Staff, survey: Survey) -> bool:
        """May this member answer it: answering everywhere, or a team member by department or by name."""
        given = policy.scope(staff, policy.Action.ANSWER_SURVEYS)
        if given is policy.Scope.ALL:
            return True
        team = survey.definition.team
        return given is not None and (
            bool(team.departments & staff.departments) or staff.user_id in team.members
        )

    def _may_read(self, staff: Staff, survey: Survey) -> None:
        if any(
            policy.scope(staff, a) is not None
            for a in (policy.Action.DEFINE_SURVEYS, policy.Action.SURVEY_RESULTS)
        ):
            return
        if not self.on_team(staff, survey):
            raise policy.Forbidden(policy.Action.ANSWER_SURVEYS, "This survey is not assigned to your team.")

    def view(self, staff: Staff, survey: Survey, current: int) -> c.SurveyOut:
        by_code = {n.code: n for n in self.catalogue().neighbourhoods}
        places = [
            c.Place(code=code, name=by_code[code].name, lat=by_code[code].lat, lon=by_code[code].lon)
            for code in sorted(
                survey.definition.neighbourhoods, key=lambda x: by_code[x].name if x in by_code else x
            )
            if code in by_code
        ]
        return c.survey_out(survey, current, places, self.profile.locate_radius_m, self.today())

    def get(self, staff: Staff, survey_id: str, version: int | None = None) -> c.SurveyOut:
        current = self._current(survey_id)
        self._may_read(staff, current)
        survey = (
            current if version in (None, current.version) else self.repository.version(survey_id, version)
        )
        if survey is None:
            raise SurveyNotFound(survey_id)
        return self.view(staff, survey, current.version)

    def visible(self, staff: Staff) -> c.SurveysOut:
        """Everything for those who define or read results; a field member's team's surveys only."""
        if not any(policy.scope(staff, a) is not None for a in policy.Action if a in _SURVEY_ACTIONS):
            raise policy.Forbidden(policy.Action.ANSWER_SURVEYS)
        mine = [
            s
            for s in self.repository.surveys()
            if policy.scope(staff, policy.Action.DEFINE_SURVEYS) is not None
            or policy.scope(staff, policy.Action.SURVEY_RESULTS) is not None
            or self.on_team(staff, s)
        ]
        mine.sort(key=lambda s: (s.definition.ends < self.today(), s.definition.starts, s.id))
        return c.SurveysOut(surveys=[self.view(staff, s, s.version) for s in mine])

    # --- answering ------------------------------------------------------------------------------------------

    def answer(self, staff: Staff, survey_id: str, given: c.AnswerIn) -> c.AnswerOut:
        """Record one answer once: a resend of the same id answers as the first time, not counted again."""
        policy.require(staff, policy.Action.ANSWER_SURVEYS)
        current = self._current(survey_id)
        if not self.on_team(staff, current):
            raise policy.Forbidden(policy.Action.ANSWER_SURVEYS, "This survey is not assigned to your team.")
        survey = (
            current if given.version == current.version else self.repository.version(survey_id, given.version)
        )
        if survey is None:
            raise InvalidInput({"version": "not a version of this survey"})
        definition = survey.definition
        if given.neighbourhood not in definition.neighbourhoods:
            raise InvalidInput({"neighbourhood": "not a neighbourhood this survey is assigned to"})
        now = self.clock()
        answered = given.answered_at.astimezone(self.profile.zone)
        if (given.answered_at - now).total_seconds() > ALLOWED_EARLY_S:
            raise InvalidInput({"answered_at": "in the future"}, reason="invalid_time")
        if not definition.starts <= answered.date() <= definition.ends:
            raise InvalidInput({"answered_at": "outside the survey's period"}, reason="survey_closed")
        values = {k: v for k, v in given.values.items() if v is not None}
        problems = check(definition, values)
        if problems:
            raise InvalidInput(problems, reason="invalid_answer")
        values = _cleaned(definition, values)
        stored = StoredAnswer(
            id=given.id,
            survey_id=survey_id,
            version=survey.version,
            neighbourhood=given.neighbourhood,
            values=values,
            answered_at=given.answered_at.isoformat(),
            received_at=now.isoformat(),
            actor=staff.actor,
        )
        duplicate = not self.repository.record(stored, counts(definition, values))
        if duplicate:
            first = self.repository.answer(survey_id, given.id)
            if first is None or not first.same_as(stored):
                raise ConflictingUpdate(given.id, "this answer id was used for another answer")
            stored = first
        return c.AnswerOut(
            id=stored.id,
            survey_id=survey_id,
            version=stored.version,
            neighbourhood=stored.neighbourhood,
            answered_at=datetime.fromisoformat(stored.answered_at),
            received_at=datetime.fromisoformat(stored.received_at),
            duplicate=duplicate,
        )

    # --- results --------------------------------------------------------------------------------------------

    def results(self, staff: Staff, survey_id: str, version: int | None = None) -> c.ResultsOut:
        policy.require(staff, policy.Action.SURVEY_RESULTS)
        current = self._current(survey_id)
        survey = (
            current if version in (None, current.version) else self.repository.version(survey_id, version)
        )
        if survey is None:
            raise SurveyNotFound(survey_id)
        d = survey.definition
        counters = {x.neighbourhood: x for x in self.repository.counters(survey_id, survey.version)}
        first, last = d.starts, min(d.ends, self.today())
        begun = first <= last  # a survey that has not started has no request figures yet
        requests = self.request_figures(first, last) if begun else {}
        names = {n.code: n.name for n in self.catalogue().neighbourhoods}
        rows = [
            _place(
                code,
                names.get(code),
                d,
                counters.get(code),
                requests.get(code, _NO_REQUESTS) if begun else None,
            )
            for code in sorted(d.neighbourhoods, key=lambda x: names.get(x, x))
        ]
        total_values: dict[str, float] = {}
        for x in counters.values():
            for k, v in x.values.items():
                total_values[k] = total_values.get(k, 0) + v
        total_requests = (
            c.RequestFigures(
                filed=sum(r.requests.filed for r in rows if r.requests),
                open=sum(r.requests.open for r in rows if r.requests),
                resolved=sum(r.requests.resolved for r in rows if r.requests),
            )
            if begun
            else None
        )
        total = _place(ALL, None, d, Counters(survey.version, ALL, total_values), total_requests)
        return c.ResultsOut(
            survey_id=survey_id,
            version=survey.version,
            title=d.title,
            starts=d.starts,
            ends=d.ends,
            requests_from=first if begun else None,
            requests_to=last if begun else None,
            total=total,
            neighbourhoods=rows,
        )


_SURVEY_ACTIONS = frozenset(
    {policy.Action.DEFINE_SURVEYS, policy.Action.ANSWER_SURVEYS, policy.Action.SURVEY_RESULTS}
)
_NO_REQUESTS = c.RequestFigures(filed=0, open=0, resolved=0)
YES_NO_TEXTS = {YES: Text(tr="Evet", en="Yes"), NO: Text(tr="Hayır", en="No")}


def _cleaned(definition: Definition, values: Mapping[str, Value]) -> dict[str, Value]:
    """Text answers as a person meant them (NFC, no invisible characters); numbers as numbers."""
    out: dict[str, Value] = {}
    for name, value in values.items():
        q = definition.question(name)
        if q is not None and q.type is QuestionType.TEXT and isinstance(value, str):
            out[name] = clean_text(value, multiline=True)
        else:
            out[name] = value
    return out


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _question(q: Question, values: Mapping[str, float]) -> c.QuestionResult:
    answered = int(values.get(f"{q.id}.n", 0))
    result = c.QuestionResult(id=q.id, type=q.type, text=q.text, answered=answered)
    if q.type is QuestionType.NUMBER:
        result.average = round(values.get(f"{q.id}.sum", 0) / answered, 2) if answered else None
    texts = {ch.id: ch.text for ch in q.choices} or YES_NO_TEXTS
    for option in q.options():
        n = int(values.get(f"{q.id}.c.{option}", 0))
        result.choices.append(
            c.ChoiceResult(id=option, text=texts.get(option), count=n, share=_share(n, answered))
        )
    return result


def _place(
    code: str, name: str | None, d: Definition, counters: Counters | None, requests: c.RequestFigures | None
) -> c.PlaceResults:
    values = counters.values if counters else {}
    return c.PlaceResults(
        code=code,
        name=name,
        answers=int(values.get("n", 0)),
        questions=[_question(q, values) for q in d.questions],
        requests=requests,
    )


CSV_HEADER = (
    "version", "neighbourhood", "neighbourhood_name", "answers", "question", "type", "choice", "count",
    "share", "average", "requests_filed", "requests_open", "requests_resolved",
)  # fmt: skip


def results_csv(results: c.ResultsOut) -> str:
    """One row per neighbourhood, question and choice (a row per question for the rest)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for place in [results.total, *results.neighbourhoods]:
        r = place.requests
        tail = [r.filed, r.open, r.resolved] if r else ["", "", ""]
        for q in place.questions:
            head = [results.version, place.code, place.name or "", place.answers, q.id, q.type.value]
            if not q.choices:
                writer.writerow([*head, "", q.answered, "", "" if q.average is None else q.average, *tail])
            for ch in q.choices:
                writer.writerow([*head, ch.id, ch.count, "" if ch.share is None else ch.share, "", *tail])
    return out.getvalue()
