"""The field survey API's contracts (`/staff/field-surveys/...`): what goes in and what comes out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from civicdesk.fieldsurveys.model import Definition, QuestionType, Survey, Text, Value


class Place(BaseModel):
    code: str
    name: str
    lat: float | None = Field(default=None, description="an approximate centre, where the profile knows one")
    lon: float | None = None


class SurveyOut(BaseModel):
    id: str
    version: int = Field(description="answers name this version; an edit makes the next one")
    current_version: int
    definition: Definition
    defined_at: datetime
    places: list[Place] = Field(description="the assigned neighbourhoods, with names and centres")
    locate_radius_m: float = Field(description="a position this close to a centre is taken as in it")
    open: bool = Field(description="today is inside the survey's period")


class SurveysOut(BaseModel):
    surveys: list[SurveyOut]


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{8,64}$")] = Field(
        description="made by the phone once per answer: sending it again never counts twice"
    )
    version: int = Field(ge=1, description="the survey version the answer was given to")
    neighbourhood: Annotated[str, Field(max_length=64)]
    answered_at: datetime = Field(description="when it was answered on the phone (it may be sent later)")
    values: dict[Annotated[str, Field(max_length=32)], Value | None] = Field(max_length=50)


class AnswerOut(BaseModel):
    id: str
    survey_id: str
    version: int
    neighbourhood: str
    answered_at: datetime
    received_at: datetime
    duplicate: bool = Field(description="true: this answer had already arrived; it was not counted again")


class ChoiceResult(BaseModel):
    id: str
    text: Text | None
    count: int
    share: float | None = Field(description="of the answers to this question (0-1)")


class QuestionResult(BaseModel):
    id: str
    type: QuestionType
    text: Text
    answered: int
    choices: list[ChoiceResult] = Field(default_factory=list)
    average: float | None = Field(default=None, description="number questions")


class RequestFigures(BaseModel):
    """Requests filed in the neighbourhood in the survey's period (the needs-analysis counters)."""

    filed: int
    open: int
    resolved: int


class PlaceResults(BaseModel):
    code: str = Field(description="a neighbourhood code, or `all` for the survey's neighbourhoods together")
    name: str | None
    answers: int
    questions: list[QuestionResult]
    requests: RequestFigures | None


class ResultsOut(BaseModel):
    survey_id: str
    version: int
    title: Text
    starts: date
    ends: date
    requests_from: date | None = Field(description="the request figures' period (the survey's, up to today)")
    requests_to: date | None
    total: PlaceResults
    neighbourhoods: list[PlaceResults]


def survey_out(survey: Survey, current: int, places: list[Place], radius_m: float, today: date) -> SurveyOut:
    d = survey.definition
    return SurveyOut(
        id=survey.id,
        version=survey.version,
        current_version=current,
        definition=d,
        defined_at=survey.defined_at,
        places=places,
        locate_radius_m=radius_m,
        open=d.starts <= today <= d.ends,
    )
