"""The reports API over the template's system in moto: requests filed through the intake reach the
counters through the bus and the counter's queue; the figures answer by role (a department member
sees only their departments'), a re-delivered event counts once, bad periods get our 422."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from civicdesk.requests import codes
from tests.integration.conftest import Cloud, LambdaContext, http_event
from tests.integration.test_router import settle
from tests.integration.test_surveys import daytime, resolved_by_sms, survey_clock

__all__ = ["daytime", "survey_clock"]  # fixtures shared with the survey tests

ANALYST = {"sub": "an-1", "cognito:groups": "[analyst]"}
SUPERVISOR = {"sub": "sup-1", "cognito:groups": "[supervisor]"}
AGENT = {"sub": "ag-1", "cognito:groups": "[agent]"}


def _department(code: str) -> dict[str, str]:
    return {"sub": "dep-1", "cognito:groups": "[department]", "custom:departments": code}


def report(cloud: Cloud, name: str, claims: dict[str, str], query: str = "") -> tuple[int, Any]:
    event = http_event("GET", f"/staff/reports/{name}")
    event["rawQueryString"] = query
    event["queryStringParameters"] = dict(p.split("=", 1) for p in query.split("&") if p)
    event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    answer = cloud.emulated.handler("NeedsAnalysisReports")(event, LambdaContext(function_name="reports"))
    return answer["statusCode"], json.loads(answer.get("body") or "null")


@pytest.fixture
def filed(cloud: Cloud) -> list[str]:
    """Three web requests, routed by the router and counted from their events."""
    texts = [
        "Sokakta yaralı bir köpek var, kanıyor, acil yardım",
        "Parkın yanındaki sokak köpeği topallıyor, veteriner lazım",
        "Kaldırımdaki parke taşları yerinden çıkmış, yaşlılar düşüyor",
    ]
    found = []
    for text in texts:
        answer = cloud.call("POST", "/requests", {"description": text, "neighbourhood": "erzene"})
        assert answer.status == 201, answer.body
        found.append(codes.normalize(answer.body["code"]))
    settle(cloud)
    return found


def test_requests_filed_through_the_intake_are_counted_once_by_channel_category_and_place(
    cloud: Cloud, filed: list[str]
) -> None:
    # Given three web requests from Erzene, two about an injured dog, routed and counted
    # When an analyst asks for this month's summary
    status, summary = report(cloud, "summary", ANALYST)
    # Then every one is there, by channel, neighbourhood and category, and nothing is personal
    assert status == 200, summary
    assert summary["filed"]["current"] == 3
    assert [(r["code"], r["filed"]) for r in summary["by_channel"]] == [("web", 3)]
    assert [(r["code"], r["filed"]) for r in summary["by_neighbourhood"]] == [("erzene", 3)]
    assert summary["by_category"][0]["code"] == "veterinary"
    assert summary["by_category"][0]["filed"] == 2
    assert sum(r["filed"] for r in summary["by_department"]) == 3
    text = json.dumps(summary)
    assert "köpek" not in text
    assert "parke" not in text
    for code in filed:
        assert code not in text
    # When the counter receives the received event of the first one again (a retried batch)
    from functions.stats import handler

    detail = {
        "event_id": f"REQ#{filed[0]}/redelivered",
        "code": filed[0],
        "entry_type": "received",
        "at": "2000-01-01T00:00:00.000Z",
        "status": "received",
        "facts": {},
    }
    record = {
        "messageId": "m1",
        "body": json.dumps({"detail": detail}),
        "attributes": {},
        "eventSource": "aws:sqs",
    }
    for _ in range(2):
        answer = handler.lambda_handler({"Records": [record]}, LambdaContext(function_name="stats"))
        assert answer == {"batchItemFailures": []}
    # Then the figures are what they were
    assert report(cloud, "summary", ANALYST)[1] == summary


def test_a_department_member_reads_only_their_departments_figures_and_bad_periods_are_refused(
    cloud: Cloud, filed: list[str]
) -> None:
    # Given the requests' departments, as the supervisor's summary shows them
    _, summary = report(cloud, "summary", SUPERVISOR)
    departments = {r["code"]: r["filed"] for r in summary["by_department"]}
    mine = max(departments, key=lambda d: departments[d])
    other = next(d.code for d in _catalogue_departments() if d.code != mine)
    # When a member of that department asks
    status, own = report(cloud, "summary", _department(mine))
    # Then they see their department's requests only
    assert status == 200
    assert own["departments"] == [mine]
    assert own["filed"]["current"] == departments[mine]
    assert [r["code"] for r in own["by_department"]] == [mine]
    # And another department's figures are refused, as is every report to a role without reports
    assert report(cloud, "summary", _department(mine), f"department={other}")[0] == 403
    assert report(cloud, "backlog", AGENT)[0] == 403
    assert report(cloud, "promise", {})[0] == 403
    # And every report answers for the month, and bad periods are refused in our error shape
    _every_report_answers_and_bad_periods_are_refused(cloud)


def _catalogue_departments() -> list[Any]:
    from tests.support import SHIPPED

    return list(SHIPPED.departments)


def _every_report_answers_and_bad_periods_are_refused(cloud: Cloud) -> None:
    today = date.today()
    for name in ("summary", "series", "places", "promise", "routing", "backlog"):
        status, body = report(cloud, name, ANALYST)
        assert status == 200, (name, body)
    # A period that ends before it starts, one longer than two years, a date that is not one
    for query in ("from=2026-05-02&to=2026-05-01", "from=2020-01-01&to=2026-01-01", "from=2026-02-30"):
        status, body = report(cloud, "summary", ANALYST, query)
        assert status == 422, (query, body)
        assert body["error"] == "validation_failed", body
        assert body["fields"], body
    # A year with nothing in it answers zeros
    status, body = report(cloud, "summary", ANALYST, f"from={today.year - 3}-01-01&to={today.year - 3}-12-31")
    assert status == 200
    assert body["filed"]["current"] == 0


def test_a_survey_answer_and_the_reopening_it_causes_are_in_the_satisfaction_report(
    cloud: Cloud, daytime: None, survey_clock: list[datetime]
) -> None:
    # Given a resolved request whose citizen answers "not solved", 2 of 5, six days later (it reopens)
    _code, token = resolved_by_sms(cloud)
    survey_clock.append(datetime.now(UTC) + timedelta(days=6))
    answered = cloud.call("POST", f"/surveys/{token}", {"solved": "no", "score": 2})
    assert answered.body["result"] == "reopened"
    # and the events reach the counter, one of them twice
    settle(cloud)
    # When an analyst asks for the satisfaction report
    status, body = report(cloud, "satisfaction", ANALYST)
    # Then the answer and the reopening count once, overall and by department, category and place
    assert status == 200, body
    overall = body["overall"]
    assert (overall["answered"], overall["solved_no"], overall["solved_yes"]) == (1, 1, 0)
    assert overall["scores"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0}
    assert (overall["average_score"], overall["share_solved"]) == (2.0, 0.0)
    assert overall["reopened"] == 1
    for rows in ("by_department", "by_category", "by_neighbourhood"):
        assert sum(r["answered"] for r in body[rows]) == 1
        assert sum(r["reopened"] for r in body[rows]) == 1
