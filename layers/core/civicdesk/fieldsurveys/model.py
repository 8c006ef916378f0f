"""A field survey as a supervisor defines it, and how one set of answers is checked against it.

Each edit makes a new version; an answer names the version it answered, so a question removed or
reworded later never changes what an old answer meant. Question and choice ids are short slugs the
supervisor keeps across versions where the question stays the same.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civicdesk.core.validation import CleanText

MAX_PERIOD_DAYS = 366
"""A survey runs at most a year: its request figures then fit one report period."""
MAX_TEXT_ANSWER = 1000
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{0,31}$", description="a short id: a-z, 0-9, _")]


class Text(BaseModel):
    """A question's or choice's words: Turkish first, with English."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tr: Annotated[str, CleanText(min_length=1, max_length=300)]
    en: Annotated[str, CleanText(min_length=1, max_length=300)]


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    NUMBER = "number"
    YES_NO = "yes_no"
    TEXT = "text"
    PHOTO = "photo"
    """Defined and shown, not answered yet: photos come with the web photo upload (presigned POST)."""


CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})
YES, NO = "yes", "no"


class Choice(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Slug
    text: Text


class Question(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Slug
    type: QuestionType
    text: Text
    required: bool = False
    choices: tuple[Choice, ...] = Field(default=(), max_length=30, description="single and multiple choice")
    minimum: float | None = Field(default=None, description="number questions: the smallest answer")
    maximum: float | None = Field(default=None, description="number questions: the largest answer")

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.type in CHOICE_TYPES:
            ids = [c.id for c in self.choices]
            if len(ids) < 2 or len(set(ids)) != len(ids):
                raise ValueError("a choice question needs at least two choices with different ids")
        elif self.choices:
            raise ValueError("only choice questions have choices")
        if self.type is QuestionType.PHOTO and self.required:
            raise ValueError("photo questions cannot be required yet (photos are not supported yet)")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum is above maximum")
        return self

    def options(self) -> tuple[str, ...]:
        """What may be counted for this question: choice ids, yes/no, or nothing."""
        if self.type in CHOICE_TYPES:
            return tuple(c.id for c in self.choices)
        return (YES, NO) if self.type is QuestionType.YES_NO else ()


class Team(BaseModel):
    """Who answers: members of these departments, and/or these staff members (their pool `sub`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    departments: frozenset[Annotated[str, Field(max_length=64)]] = Field(default=frozenset(), max_length=20)
    members: frozenset[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default=frozenset(), max_length=200
    )

    @model_validator(mode="after")
    def _someone(self) -> Team:
        if not self.departments and not self.members:
            raise ValueError("a team names at least one department or member")
        return self


class Definition(BaseModel):
    """What a supervisor writes: the survey, where it runs, who answers it, and when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Text
    questions: tuple[Question, ...] = Field(min_length=1, max_length=50)
    neighbourhoods: frozenset[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=200)
    team: Team
    starts: date
    ends: date

    @model_validator(mode="after")
    def _consistent(self) -> Definition:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids must differ")
        if self.ends < self.starts:
            raise ValueError("the survey ends before it starts")
        if (self.ends - self.starts).days + 1 > MAX_PERIOD_DAYS:
            raise ValueError(f"a survey runs at most {MAX_PERIOD_DAYS} days")
        return self

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


class Survey(BaseModel):
    """One version of a survey as stored."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: int = Field(ge=1)
    definition: Definition
    defined_at: datetime
    defined_by: str = Field(description="`staff:<sub>`: a role-less opaque id, no name")


Value = bool | float | str | list[str]


def check(definition: Definition, values: dict[str, Any]) -> dict[str, str]:
    """What is wrong with one set of answers, by `values.<question id>` (empty: nothing)."""
    problems: dict[str, str] = {}
    for name in values:
        if definition.question(name) is None:
            problems[f"values.{name}"] = "not a question of this version"
    for q in definition.questions:
        value, field = values.get(q.id), f"values.{q.id}"
        if value is None or value == [] or value == "":
            if q.required:
                problems[field] = "an answer is required"
            continue
        problem = _problem(q, value)
        if problem:
            problems[field] = problem
    return problems


def _problem(q: Question, value: Any) -> str | None:
    if q.type is QuestionType.PHOTO:
        return "photo answers are not supported yet"
    if q.type is QuestionType.YES_NO:
        return None if isinstance(value, bool) else "yes or no (true/false)"
    if q.type is QuestionType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "a number"
        if (q.minimum is not None and value < q.minimum) or (q.maximum is not None and value > q.maximum):
            return f"between {q.minimum} and {q.maximum}"
        return None
    if q.type is QuestionType.TEXT:
        return (
            None
            if isinstance(value, str) and len(value) <= MAX_TEXT_ANSWER
            else "a text up to 1000 characters"
        )
    chosen = [value] if q.type is QuestionType.SINGLE_CHOICE else value
    if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
        return "one choice id" if q.type is QuestionType.SINGLE_CHOICE else "a list of choice ids"
    if len(set(chosen)) != len(chosen) or not set(chosen) <= set(q.options()):
        return "choices of this question, each once"
    return None


def counts(definition: Definition, values: dict[str, Any]) -> dict[str, float]:
    """What one valid set of answers adds to its neighbourhood's counters.

    `n`: answers; `<q>.n`: answers to a question; `<q>.c.<choice>`: how often a choice (or yes/no)
    was picked; `<q>.sum`: the sum of a number question's answers (its average is sum / n).
    """
    added: dict[str, float] = {"n": 1}
    for q in definition.questions:
        value = values.get(q.id)
        if value is None or value == [] or value == "" or q.type is QuestionType.PHOTO:
            continue
        added[f"{q.id}.n"] = 1
        if q.type is QuestionType.NUMBER:
            added[f"{q.id}.sum"] = float(value)
        elif q.type is QuestionType.YES_NO:
            added[f"{q.id}.c.{YES if value else NO}"] = 1
        elif q.type in CHOICE_TYPES:
            for choice in [value] if isinstance(value, str) else value:
                added[f"{q.id}.c.{choice}"] = 1
    return added
