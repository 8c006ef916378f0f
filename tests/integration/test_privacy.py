"""KVKK in the emulator, through the template's functions: a citizen's data across web, WhatsApp and
the phone desk, found by their number, reported, erased; the retention job after the period; the
destruction log and the access audit. "Nothing left" is checked by reading the whole table and the
media bucket's every object version, not by asking the code that did the deleting."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from civicdesk.privacy.anonymise import ERASED
from civicdesk.requests import codes
from local import whatsapp_fake as wa

from .conftest import Channel, LambdaContext, http_event
from .test_whatsapp import AYSE, full_dialogue

PHONE = "+905321112233"  # AYSE's WhatsApp number, as the desk and the web form write it
ERASURE = {"phone": "0532 111 22 33", "reason": "Vatandaş silinmesini istedi", "reference": "KVKK-2026-17"}


def as_member(
    channel: Channel, function: str, method: str, path: str, body: Any = None, *, groups: str = "[supervisor]"
) -> tuple[int, Any, str | None]:
    route_path, _, query = path.partition("?")
    event = http_event(method, route_path, json.dumps(body) if body is not None else None)
    event["rawQueryString"] = query
    event["queryStringParameters"] = dict(p.split("=", 1) for p in query.split("&") if "=" in p) or None
    claims = {"sub": "sup-1", "email": "s@civicdesk.local", "cognito:groups": groups}
    event["requestContext"]["authorizer"] = {"jwt": {"claims": claims}}
    answer = channel.system.handler(function)(event, LambdaContext(function_name=function))
    return (
        answer["statusCode"],
        json.loads(answer.get("body") or "null"),
        answer.get("headers", {}).get("ETag"),
    )


def privacy(channel: Channel, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
    status, answer, _ = as_member(channel, "PrivacyHandler", method, path, body, **kw)
    return status, answer


def staff(channel: Channel, method: str, path: str, body: Any = None, etag: str | None = None) -> Any:
    event_headers = {"if-match": etag} if etag else {}
    route_path = path
    event = http_event(method, route_path, json.dumps(body) if body is not None else None, event_headers)
    claims = {"sub": "sup-1", "email": "s@civicdesk.local", "cognito:groups": "[supervisor]"}
    event["requestContext"]["authorizer"] = {"jwt": {"claims": claims}}
    answer = channel.system.handler("StaffHandler")(event, LambdaContext(function_name="staff"))
    assert answer["statusCode"] < 300, answer.get("body")
    return json.loads(answer["body"]), answer.get("headers", {}).get("ETag")


def web(channel: Channel, body: dict[str, Any]) -> str:
    event = http_event("POST", "/requests", json.dumps(body))
    answer = channel.system.handler("IntakeHandler")(event, LambdaContext(function_name="intake"))
    assert answer["statusCode"] == 201, answer["body"]
    return str(codes.normalize(json.loads(answer["body"])["code"]))


def resolve(channel: Channel, code: str) -> None:
    _, etag = staff(channel, "GET", f"/staff/requests/{code}")
    staff(channel, "POST", f"/staff/requests/{code}/status", {"status": "resolved", "text": "Yapıldı."}, etag)


def photo_versions(channel: Channel) -> list[str]:
    answer = boto3.client("s3").list_object_versions(Bucket=channel.bucket)
    return [v["Key"] for v in [*answer.get("Versions", []), *answer.get("DeleteMarkers", [])]]


def personal_items(channel: Channel, code: str) -> list[str]:
    """Every place a request's personal data could sit in the table, as `kind` strings."""
    found = []
    for item in channel.items():
        if item.get("code") == code or item["pk"] == f"REQ#{code}":
            if item.get("item_type") == "contact":
                found.append("contact")
            if item.get("item_type") == "citizen_request":
                found.append("citizen_index")
            if item.get("item_type") == "request":
                if item["description"] != ERASED:
                    found.append("description")
                if (item.get("location") or {}).get("address"):
                    found.append("address")
                if item.get("photos"):
                    found.append("photos")
            if item.get("item_type") == "entry" and any(
                item.get(k) not in (None, ERASED) for k in ("text", "note")
            ):
                found.append(f"entry:{item['type']}")
    return found


@pytest.fixture
def job_clock() -> Iterator[Any]:
    """Set the privacy functions' notion of now (both handlers share the service)."""
    from functions.privacy import handler

    handler.privacy.cache_clear()

    def at(moment: datetime) -> None:
        handler.privacy().clock = lambda: moment

    yield at
    handler.privacy.cache_clear()


def run_job(channel: Channel) -> dict[str, int]:
    run: dict[str, int] = channel.system.handler("PrivacyRetentionJob")(
        {}, LambdaContext(function_name="job")
    )
    return run


# --- erasure and access, across three channels ----------------------------------------------------


def test_one_phone_number_across_web_whatsapp_and_the_desk_is_reported_then_erased_everywhere(
    channel: Channel,
) -> None:
    # Given the same citizen on WhatsApp (with a photo), on the web form and at the phone desk
    full_dialogue(channel, AYSE)
    by_web = web(channel, {"description": "Sokağımızda çukur var", "contact": {"phone": "0532 111 22 33"},
                           "location": {"address": "Kazımdirik Mah. 372/5 Sk. No 4"}})  # fmt: skip
    body = {"description": "Çöp konteyneri taşıyor", "channel": "call_center",
            "contact": {"name": "Ayşe Yılmaz", "phone": "05321112233"}}  # fmt: skip
    by_phone = str(codes.normalize(staff(channel, "POST", "/staff/requests", body)[0]["code"]))
    channel.settle()
    whatsapp = next(i["code"] for i in channel.of_type("request") if i["channel"] == "whatsapp")
    mine = sorted([whatsapp, by_web, by_phone])
    # When a supervisor asks what we hold about that number
    status, report = privacy(channel, "POST", "/staff/privacy/access-requests", ERASURE)
    # Then the document lists exactly those three requests, their words and contact, and the dialogue
    assert status == 200, report
    assert sorted(r["code"] for r in report["requests"]) == mine
    by_code = {r["code"]: r for r in report["requests"]}
    assert by_code[by_phone]["contact"]["name"] == "Ayşe Yılmaz"
    assert by_code[whatsapp]["photos"] == 1
    assert report["whatsapp_conversation"] is not None
    assert report["retention"]["contact_days"] == 730
    # And the read is in the access audit
    day = datetime.now(UTC).date().isoformat()
    audit = privacy(channel, "GET", f"/staff/privacy/audit?day={day}")[1]["items"]
    assert [(a["action"], sorted(a["codes"])) for a in audit][-1] == ("access_report", mine)
    assert photo_versions(channel)

    # When the citizen asks for erasure
    status, erased = privacy(channel, "POST", "/staff/privacy/erasures", ERASURE)
    # Then all three are anonymised, the dialogue is gone, and nothing personal is left anywhere
    assert status == 200, erased
    assert (sorted(erased["anonymised"]), erased["kept_until_closed"], erased["conversation"]) == (
        mine, [], True,
    )  # fmt: skip
    assert {code: personal_items(channel, code) for code in mine} == {code: [] for code in mine}
    assert channel.of_type("conversation") == []
    assert photo_versions(channel) == []
    # And the statistics' facts are intact
    requests = {i["code"]: i for i in channel.of_type("request")}
    assert all(requests[c]["category"] and requests[c]["created_at"] for c in mine)
    # And the destruction log names kinds and codes, never the data
    month = datetime.now(UTC).strftime("%Y-%m")
    log = privacy(channel, "GET", f"/staff/privacy/destructions?month={month}")[1]["items"]
    assert sorted(c for r in log for c in r["codes"]) == mine
    assert {r["reason"] for r in log} == {"erasure"}
    assert "contact" in next(r for r in log if r["codes"] == [by_phone])["kinds"]
    assert "conversation" in {k for r in log for k in r["kinds"]}
    assert "Ayşe" not in json.dumps(log)
    assert "905321112233" not in json.dumps(log)
    # And asking again finds nothing more to do, and nothing more to report
    assert privacy(channel, "POST", "/staff/privacy/erasures", ERASURE)[1] == {
        "anonymised": [], "kept_until_closed": [], "conversation": False,
    }  # fmt: skip
    assert privacy(channel, "POST", "/staff/privacy/access-requests", ERASURE)[1]["requests"] == []


def test_an_open_request_is_kept_until_it_closes_only_with_consent_then_erased_by_the_job(
    channel: Channel, job_clock: Any
) -> None:
    # Given an open web request with a phone, and the citizen's consent to finish it first
    code = web(channel, {"description": "Parkta yaralı köpek", "contact": {"phone": "0532 111 22 33"}})
    channel.settle()
    status, erased = privacy(channel, "POST", "/staff/privacy/erasures", {**ERASURE, "keep_open": True})
    assert (status, erased["anonymised"], erased["kept_until_closed"]) == (200, [], [code])
    # Then the decision is on the request's timeline, and its data is still there for the department
    assert "contact" in personal_items(channel, code)
    notes = [e["note"] for e in channel.of_type("entry") if e["code"] == code and e.get("note")]
    assert any("KVKK" in n and "KVKK-2026-17" in n for n in notes)
    # When the department resolves it and the job runs that night
    resolve(channel, code)
    job_clock(datetime.now(UTC) + timedelta(hours=6))
    run = run_job(channel)
    # Then it is erased at once, not two years later
    assert run["anonymised"] == 1
    assert personal_items(channel, code) == []


def test_only_supervisors_erase_or_report_and_bad_input_names_the_field(channel: Channel) -> None:
    status, answer = privacy(channel, "POST", "/staff/privacy/erasures", ERASURE, groups="[agent]")
    assert (status, answer["error"]) == (403, "forbidden")
    status, answer = privacy(channel, "POST", "/staff/privacy/erasures", {**ERASURE, "phone": "12"})
    assert status == 422
    assert [f["field"] for f in answer["fields"]] == ["phone"]
    status, answer = privacy(channel, "GET", "/staff/privacy/destructions?month=2026-13")
    assert status == 422
    # Any member may read the notice an agent reads out to a caller, with the real period
    status, notice = privacy(channel, "GET", "/staff/privacy/notice", groups="[agent]")
    assert status == 200
    assert ("2 yıl" in notice["tr"], "2 years" in notice["en"]) == (True, True)


# --- retention ---------------------------------------------------------------------------------------


def test_after_the_period_the_job_leaves_no_personal_data_and_the_statistics_as_they_were(
    channel: Channel, job_clock: Any
) -> None:
    # Given a resolved web request with a phone, a pin and an address
    body = {"description": "Sokak lambası yanmıyor, Ayşe Hanım'ın evinin önü",
            "contact": {"phone": "0532 111 22 33", "name": "Ayşe"},
            "location": {"lat": 38.4885, "lon": 27.1880, "address": "Laka Mah. 5 Sk. No 3"}}  # fmt: skip
    code = web(channel, body)
    channel.settle()
    resolve(channel, code)
    before = next(i for i in channel.of_type("request") if i["code"] == code)
    facts = ("category", "department", "neighbourhood", "channel", "status", "created_at", "kind")
    # When the job runs a day before the period ends
    now = datetime.now(UTC)
    job_clock(now + timedelta(days=729))
    assert run_job(channel)["anonymised"] == 0
    assert "contact" in personal_items(channel, code)
    # And again once it has ended
    job_clock(now + timedelta(days=731))
    run = run_job(channel)
    # Then nothing personal remains: contact, citizen index, words, address, exact point
    assert run["anonymised"] == 1
    assert personal_items(channel, code) == []
    after = next(i for i in channel.of_type("request") if i["code"] == code)
    centre = (after["location"]["lat"], after["location"]["lon"])
    assert centre != (38.4885, 27.1880)
    assert "address" not in after["location"]
    # And the statistics read the same
    assert {k: after.get(k) for k in facts} == {k: before.get(k) for k in facts}
    # And the job read only what was due: the index entry and the request's own partition
    assert run["items_read"] <= 1 + len([i for i in channel.items() if i["pk"] == f"REQ#{code}"]) + 2
    # And a second run changes nothing
    assert run_job(channel)["anonymised"] == 0
    assert next(i for i in channel.of_type("request") if i["code"] == code)["version"] == after["version"]
    log = [i for i in channel.of_type("destruction") if code in i["codes"]]
    assert [(r["reason"], r["actor"]) for r in log] == [("retention", "retention-job")]


def test_a_dialogue_state_past_its_period_is_deleted_by_the_job(channel: Channel, job_clock: Any) -> None:
    channel.say(wa.text_message(AYSE, "Merhaba"))
    assert len(channel.of_type("conversation")) == 1
    job_clock(datetime.now(UTC) + timedelta(days=1))
    assert run_job(channel)["conversations"] == 0
    job_clock(datetime.now(UTC) + timedelta(days=31))
    assert run_job(channel)["conversations"] == 1
    assert channel.of_type("conversation") == []
