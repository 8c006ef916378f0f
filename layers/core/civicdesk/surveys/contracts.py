"""The survey page's API contracts (`/surveys/{token}`): what the citizen holding a link may see and do.

The view carries no personal data: the tracking code, the status, the topic, and what may still be
done; never the description, a reply, the comment or the contact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from civicdesk.catalogue.model import Catalogue, Localized
from civicdesk.core.validation import CleanText
from civicdesk.requests import codes
from civicdesk.requests.models import Language, ServiceRequest, Status
from civicdesk.requests.texts import STATUS_NAMES
from civicdesk.surveys.model import MAX_COMMENT, Answer, Result, Situation, Solved


class SurveyView(BaseModel):
    code: str = Field(description="tracking code, e.g. `7KP-M4Y-P2T`")
    status: Status
    status_name: Localized
    category: Localized | None
    language: Language = Field(description="the language the citizen filed in: the page starts in it")
    resolved_at: datetime | None
    answered: bool = Field(description="the survey was answered (a link is good for one answer)")
    may_reopen: bool = Field(description="answering “not solved” now reopens the request")
    reopen_until: datetime | None
    follow_up: str | None = Field(default=None, description="the follow-up request filed after it, if any")


class SurveyAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    solved: Solved = Field(description="was the problem solved: yes, partly or no")
    score: int = Field(ge=1, le=5, description="satisfaction, 1 (not at all) to 5 (very)")
    comment: Annotated[str, CleanText(max_length=MAX_COMMENT, multiline=True)] | None = None

    def to_domain(self) -> Answer:
        return Answer(solved=self.solved, score=self.score, comment=self.comment or None)


class SurveyAnswered(BaseModel):
    result: Result = Field(
        description="`recorded`; `reopened` (not solved, within the window); `too_late` (not solved, "
        "after the window: `POST /surveys/{token}/follow-up` files a new request linked to it)"
    )
    status: Status
    due_at: datetime | None = Field(
        default=None, description="the new first-response deadline, when reopened"
    )


class FollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Annotated[str, CleanText(min_length=10, max_length=2000, multiline=True)] = Field(
        description="what is still wrong, in the citizen's words"
    )


def view(request: ServiceRequest, situation: Situation, catalogue: Catalogue, now: datetime) -> SurveyView:
    category = next((c for c in catalogue.categories if c.code == request.category), None)
    return SurveyView(
        code=codes.display(request.code),
        status=request.status,
        status_name=STATUS_NAMES[request.status],
        category=category.name if category else None,
        language=request.language,
        resolved_at=situation.resolved_at,
        answered=situation.answered is not None,
        may_reopen=situation.may_reopen(now),
        reopen_until=situation.reopen_until,
        follow_up=codes.display(situation.follow_up) if situation.follow_up else None,
    )


def answered(result: Result, request: ServiceRequest) -> SurveyAnswered:
    reopened = result is Result.REOPENED
    return SurveyAnswered(result=result, status=request.status, due_at=request.due_at if reopened else None)
