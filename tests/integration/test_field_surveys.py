"""Field surveys through the real handler on moto: defined by a supervisor, answered by a field team
on patchy connections (a resent answer counts once), versioned (old answers keep their version), and
results read from the counters kept at write time that match a recomputation from the raw answers."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civicdesk import layout
from civicdesk.core.dynamo import Table
from civicdesk.fieldsurveys.repository import FieldSurveyRepository
from tests.integration.conftest import LambdaContext, http_event

SUPERVISOR = {"sub": "sup-1", "cognito:groups": "[supervisor]"}
FIELD = {"sub": "fld-1", "cognito:groups": "[field]", "custom:departments": "technical_works"}
OTHER_FIELD = {"sub": "fld-2", "cognito:groups": "[field]", "custom:departments": "parks_gardens"}
ANALYST = {"sub": "an-1", "cognito:groups": "[analyst]"}
AGENT = {"sub": "ag-1", "cognito:groups": "[agent]"}
PLACES = ["besyol", "camici", "doganlar"]
TODAY = datetime.now(UTC).date()


def definition(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": {"tr": "Kaldırım durumu", "en": "Pavement condition"},
        "questions": [
            {"id": "state", "type": "single_choice", "required": True,
             "text": {"tr": "Kaldırım nasıl?", "en": "How is the pavement?"},
             "choices": [{"id": "good", "text": {"tr": "İyi", "en": "Good"}},
                         {"id": "bad", "text": {"tr": "Kötü", "en": "Bad"}}]},
            {"id": "issues", "type": "multiple_choice",
             "text": {"tr": "Sorunlar", "en": "Problems"},
             "choices": [{"id": "holes", "text": {"tr": "Çukur", "en": "Holes"}},
                         {"id": "ramps", "text": {"tr": "Rampa yok", "en": "No ramps"}},
                         {"id": "cars", "text": {"tr": "Park eden araç", "en": "Parked cars"}}]},
            {"id": "lamps", "type": "number", "minimum": 0, "maximum": 100,
             "text": {"tr": "Çalışan lamba sayısı", "en": "Working lamps"}},
            {"id": "safe", "type": "yes_no", "text": {"tr": "Güvenli mi?", "en": "Is it safe?"}},
            {"id": "note", "type": "text", "text": {"tr": "Not", "en": "Note"}},
            {"id": "photo", "type": "photo", "text": {"tr": "Fotoğraf", "en": "Photo"}},
        ],
        "neighbourhoods": PLACES,
        "team": {"departments": ["technical_works"]},
        "starts": (TODAY - timedelta(days=3)).isoformat(),
        "ends": (TODAY + timedelta(days=30)).isoformat(),
    }  # fmt: skip
    return {**body, **changes}


class Api:
    def __init__(self, handler: Any) -> None:
        self.handler = handler

    def __call__(
        self, claims: dict[str, str], method: str, path: str, body: Any = None,
        query: dict[str, str] | None = None, headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:  # fmt: skip
        event = http_event(method, path, json.dumps(body) if body is not None else None, headers)
        if query:
            event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
            event["queryStringParameters"] = query
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        answer = self.handler.lambda_handler(event, LambdaContext(function_name="field_surveys"))
        text = answer.get("body") or "null"
        content_type = answer["headers"].get("Content-Type", "")
        return answer["statusCode"], json.loads(text) if "json" in content_type else text, answer["headers"]


@pytest.fixture
def api(table_name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    from civicdesk import runtime
    from functions.field_surveys import handler

    monkeypatch.setenv("TABLE_NAME", table_name)
    monkeypatch.setenv("CATALOG_CACHE_SECONDS", "0")
    runtime.reset()
    handler.service.cache_clear()
    yield Api(handler)
    runtime.reset()
    handler.service.cache_clear()


def define(api: Api, **changes: Any) -> dict[str, Any]:
    status, survey, _ = api(SUPERVISOR, "POST", "/staff/field-surveys", definition(**changes))
    assert status == 201, survey
    return survey


def answer_body(version: int = 1, place: str = "besyol", **values: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "version": version,
        "neighbourhood": place,
        "answered_at": datetime.now(UTC).isoformat(),
        "values": values or {"state": "bad", "issues": ["holes", "cars"], "lamps": 3, "safe": False},
    }


def test_an_answer_sent_three_times_counts_once(api: Api) -> None:
    # Given a survey, and a field member whose phone lost the first two replies
    survey = define(api)
    body = answer_body()
    path = f"/staff/field-surveys/{survey['id']}/answers"
    # When the same answer (same client id) is sent three times
    statuses = [api(FIELD, "POST", path, body) for _ in range(3)]
    # Then the first is recorded (201), the resends are answered as already recorded (200)
    assert [s[0] for s in statuses] == [201, 200, 200]
    assert [s[1]["duplicate"] for s in statuses] == [False, True, True]
    # And the results count it once
    _, results, _ = api(ANALYST, "GET", f"/staff/field-surveys/{survey['id']}/results")
    assert results["total"]["answers"] == 1
    besyol = next(p for p in results["neighbourhoods"] if p["code"] == "besyol")
    state = next(q for q in besyol["questions"] if q["id"] == "state")
    assert {c["id"]: c["count"] for c in state["choices"]} == {"good": 0, "bad": 1}
    # And another answer under an id already used is refused, not counted
    reused = {**body, "values": {"state": "good"}}
    assert api(FIELD, "POST", path, reused)[0] == 409


def test_a_new_version_keeps_old_answers_readable(api: Api) -> None:
    # Given a survey answered in version 1
    survey = define(api)
    path = f"/staff/field-surveys/{survey['id']}"
    assert api(FIELD, "POST", f"{path}/answers", answer_body(1, state="good"))[0] == 201
    # When the supervisor edits it without If-Match / with a stale one / with the current one
    changed = definition(questions=[definition()["questions"][2]])  # only the lamps remain
    assert api(SUPERVISOR, "PUT", path, changed)[0] == 428
    assert api(SUPERVISOR, "PUT", path, changed, headers={"if-match": '"7"'})[0] == 412
    status, v2, headers = api(SUPERVISOR, "PUT", path, changed, headers={"if-match": '"1"'})
    # Then version 2 is current
    assert status == 200
    assert v2["version"] == 2
    assert headers["ETag"] == '"2"'
    # And an answer to version 2 is checked against version 2 (its questions only)
    assert api(FIELD, "POST", f"{path}/answers", answer_body(2, lamps=7))[0] == 201
    assert api(FIELD, "POST", f"{path}/answers", answer_body(2, state="good"))[0] == 422
    # And version 1 is still readable, as are its answers and results
    status, v1, _ = api(FIELD, "GET", path, query={"version": "1"})
    assert status == 200
    assert next(q["id"] for q in v1["definition"]["questions"]) == "state"
    assert v1["current_version"] == 2
    stored = FieldSurveyRepository(api_table()).answers(survey["id"])
    assert sorted(a.version for a in stored) == [1, 2]
    assert next(a for a in stored if a.version == 1).values == {"state": "good"}
    _, old, _ = api(ANALYST, "GET", f"{path}/results", query={"version": "1"})
    assert old["version"] == 1
    assert old["total"]["answers"] == 1
    _, new, _ = api(ANALYST, "GET", f"{path}/results")
    assert new["version"] == 2
    assert new["total"]["questions"][0]["average"] == 7


def api_table() -> Table:
    import os

    return Table(os.environ["TABLE_NAME"])


def test_results_match_a_recomputation_from_the_raw_answers(api: Api) -> None:
    # Given a survey and 60 random answers (some resent) across its neighbourhoods
    survey = define(api)
    path = f"/staff/field-surveys/{survey['id']}"
    rng = random.Random(15)
    for _ in range(60):
        values: dict[str, Any] = {"state": rng.choice(["good", "bad"])}
        if rng.random() < 0.7:
            values["issues"] = rng.sample(["holes", "ramps", "cars"], rng.randint(0, 3))
        if rng.random() < 0.8:
            values["lamps"] = rng.randint(0, 20)
        if rng.random() < 0.5:
            values["safe"] = rng.random() < 0.5
        body = answer_body(1, rng.choice(PLACES), **values)
        for _ in range(rng.choice([1, 1, 2])):
            assert api(FIELD, "POST", f"{path}/answers", body)[0] in (200, 201)
    # When the results are read
    _, results, _ = api(ANALYST, "GET", f"{path}/results")
    # Then each neighbourhood's figures equal those recomputed from the stored answers
    raw = FieldSurveyRepository(api_table()).answers(survey["id"])
    assert results["total"]["answers"] == len(raw)
    for place in results["neighbourhoods"]:
        mine = [a.values for a in raw if a.neighbourhood == place["code"]]
        assert place["answers"] == len(mine)
        q = {x["id"]: x for x in place["questions"]}
        state = Counter(v["state"] for v in mine)
        assert {c["id"]: c["count"] for c in q["state"]["choices"]} == {
            "good": state["good"],
            "bad": state["bad"],
        }
        answered_issues = [v["issues"] for v in mine if v.get("issues")]
        assert q["issues"]["answered"] == len(answered_issues)
        for choice in q["issues"]["choices"]:
            n = sum(choice["id"] in chosen for chosen in answered_issues)
            assert choice["count"] == n
            assert choice["share"] == (round(n / len(answered_issues), 4) if answered_issues else None)
        lamps = [v["lamps"] for v in mine if "lamps" in v]
        assert q["lamps"]["average"] == (round(sum(lamps) / len(lamps), 2) if lamps else None)
        safe = Counter(v["safe"] for v in mine if "safe" in v)
        assert {c["id"]: c["count"] for c in q["safe"]["choices"]} == {"yes": safe[True], "no": safe[False]}
    # And the CSV carries the same counts
    status, text, headers = api(ANALYST, "GET", f"{path}/results", query={"format": "csv"})
    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    total_rows = [r.split(",") for r in text.splitlines() if r.startswith("1,all,")]
    good = next(r for r in total_rows if r[4] == "state" and r[6] == "good")
    assert int(good[7]) == sum(v.values["state"] == "good" for v in raw)


def test_results_sit_beside_the_requests_filed_in_the_same_neighbourhoods(api: Api) -> None:
    # Given the reports' counters say 4 requests were filed in Beşyol this month, 1 resolved
    survey = define(api, starts=TODAY.replace(day=1).isoformat())
    month = TODAY.strftime("%Y-%m")
    api_table().put(
        {layout.PK: layout.stats_pk(month), layout.SK: layout.stats_sk("nbh"),
         "filed.besyol": 4, "open.besyol": 3, "resolved.besyol": 1}
    )  # fmt: skip
    # When the results are read / Then Beşyol shows them beside the answers, the others zero
    _, results, _ = api(ANALYST, "GET", f"/staff/field-surveys/{survey['id']}/results")
    rows = {p["code"]: p["requests"] for p in results["neighbourhoods"]}
    assert rows["besyol"] == {"filed": 4, "open": 3, "resolved": 1}
    assert rows["camici"] == {"filed": 0, "open": 0, "resolved": 0}
    assert results["total"]["requests"]["filed"] == 4


def test_roles_define_answer_and_read_as_the_policy_says(api: Api) -> None:
    # Given a survey of the technical works team
    survey = define(api)
    path = f"/staff/field-surveys/{survey['id']}"
    # Then a field member may not define one, nor read results
    assert api(FIELD, "POST", "/staff/field-surveys", definition())[0] == 403
    assert api(FIELD, "GET", f"{path}/results")[0] == 403
    # And a field member of another team neither sees it nor answers it
    assert api(OTHER_FIELD, "GET", "/staff/field-surveys")[1]["surveys"] == []
    assert api(OTHER_FIELD, "POST", f"{path}/answers", answer_body())[0] == 403
    # And the team member sees and answers it; an analyst reads results but answers nothing
    assert [s["id"] for s in api(FIELD, "GET", "/staff/field-surveys")[1]["surveys"]] == [survey["id"]]
    assert api(ANALYST, "GET", f"{path}/results")[0] == 200
    assert api(ANALYST, "POST", f"{path}/answers", answer_body())[0] == 403
    # And an agent has no business here at all
    assert api(AGENT, "GET", "/staff/field-surveys")[0] == 403
    # And a named member outside the departments may answer when the team lists them
    named = define(api, team={"members": ["fld-2"]})
    assert api(OTHER_FIELD, "POST", f"/staff/field-surveys/{named['id']}/answers", answer_body())[0] == 201


def test_bad_answers_get_422_naming_the_question(api: Api) -> None:
    survey = define(api)
    path = f"/staff/field-surveys/{survey['id']}/answers"
    # When a required question is missing, a choice is unknown, a photo is sent, a place is not assigned
    status, body, _ = api(FIELD, "POST", path, answer_body(issues=["potholes"], photo="x.jpg"))
    # Then each is named
    assert status == 422
    fields = {f["field"] for f in body["fields"]}
    assert {"values.state", "values.issues", "values.photo"} <= fields
    assert api(FIELD, "POST", path, answer_body(place="ataturk", state="good"))[0] == 422
    # And an answer given before the survey's period is refused
    early = {**answer_body(state="good"), "answered_at": (datetime.now(UTC) - timedelta(days=10)).isoformat()}
    assert api(FIELD, "POST", path, early)[0] == 422
    # And a survey over unknown neighbourhoods cannot be defined
    status, body, _ = api(SUPERVISOR, "POST", "/staff/field-surveys", definition(neighbourhoods=["atlantis"]))
    assert status == 422
    assert body["fields"][0]["field"] == "neighbourhoods"


def test_unknown_survey_is_404(api: Api) -> None:
    # When a survey id is unknown, or a version of a known one / Then 404 in our error shape
    assert api(FIELD, "GET", "/staff/field-surveys/0123456789ab")[1]["error"] == "not_found"
    survey = define(api)
    assert api(FIELD, "GET", f"/staff/field-surveys/{survey['id']}", query={"version": "9"})[0] == 404
