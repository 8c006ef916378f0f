"""The satisfaction survey and reopening through the template's whole system (moto, in-process):
staff resolve -> stream -> bus -> notifier -> the invitation (SMS link, WhatsApp buttons) -> the
citizen answers on the survey page's API or on WhatsApp -> the answer on the timeline, and its event."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from civicdesk.requests import codes
from local import whatsapp_fake as wa

from .conftest import Channel, Cloud
from .test_notifications import sms_sent, staff_call
from .test_router import settle
from .test_whatsapp import AYSE, MEHMET, full_dialogue

PHONE = "0532 555 12 34"
E164 = "+905325551234"


@pytest.fixture
def daytime() -> Iterator[None]:
    """A notifier built for this test's emulator (its settings name this test's secrets), at noon in
    Istanbul (outside quiet hours): the machine's clock is what the WhatsApp service window is judged by."""
    from functions.notifier import handler

    for cached in (handler.settings, handler._secrets, handler.notifier):
        cached.cache_clear()
    handler.notifier().clock = lambda: datetime.now(UTC).replace(hour=9, minute=0)
    yield
    for cached in (handler.settings, handler._secrets, handler.notifier):
        cached.cache_clear()


@pytest.fixture
def survey_clock() -> Iterator[list[datetime]]:
    """The survey routes' clock, set by the test (tokens expire, windows close); real time until then."""
    from functions.intake import handler

    now: list[datetime] = []
    handler.clock = lambda: now[0] if now else datetime.now(UTC)
    yield now
    from civicdesk.core.clock import utc_now

    handler.clock = utc_now


def resolved_by_sms(cloud: Cloud) -> tuple[str, str]:
    """A web request with a phone, routed and resolved by staff: (code, the survey token it was sent)."""
    filed = cloud.call(
        "POST", "/requests", {"description": "Sokak lambası üç gündür yanmıyor", "contact": {"phone": PHONE}}
    )
    assert filed.status == 201
    code = codes.normalize(filed.body["code"])
    assert code is not None
    settle(cloud)
    read = staff_call(cloud, "GET", f"/staff/requests/{code}")
    done = staff_call(
        cloud,
        "POST",
        f"/staff/requests/{code}/status",
        {"status": "resolved", "text": "Lamba değişti."},
        read["etag"],
    )
    assert done["status"] == 200, done
    settle(cloud)
    text = [m["text"] for m in sms_sent() if m["to"] == E164][-1]
    found = re.search(r"/survey\.html\?t=(\S+)", text)
    assert found, text
    return code, found.group(1)


def partition(cloud: Cloud, code: str) -> list[dict[str, Any]]:
    from civicdesk.core.dynamo import deserialize

    items = boto3.client("dynamodb").query(
        TableName=cloud.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"REQ#{code}"}},
    )["Items"]
    return [deserialize(i) for i in items]


def request_item(cloud: Cloud, code: str) -> dict[str, Any]:
    return next(i for i in partition(cloud, code) if i["sk"] == "REQ")


def test_the_resolution_sms_invites_to_a_survey_answered_once(
    cloud: Cloud, daytime: None, survey_clock: list[datetime]
) -> None:
    # Given a resolved request whose citizen got the resolution by SMS, with the survey's link
    code, token = resolved_by_sms(cloud)
    # When the survey page reads the link
    view = cloud.call("GET", f"/surveys/{token}")
    # Then it shows the request's code and status, and that it may still be reopened, and no personal data
    assert view.status == 200, view.body
    assert (view.body["code"], view.body["status"], view.body["answered"], view.body["may_reopen"]) == (
        codes.display(code), "resolved", False, True,
    )  # fmt: skip
    assert "555" not in json.dumps(view.body)
    assert "lamba" not in json.dumps(view.body).lower()
    # When the citizen answers: solved, 5, with a comment
    answer = {"solved": "yes", "score": 5, "comment": "Çok hızlıydınız, teşekkürler."}
    first = cloud.call("POST", f"/surveys/{token}", answer)
    # And the same link is used again (a double tap, a forwarded link)
    again = cloud.call("POST", f"/surveys/{token}", {"solved": "no", "score": 1})
    # Then the first answer is kept, the second refused, and the request stays resolved
    assert (first.status, first.body["result"]) == (201, "recorded")
    assert (again.status, again.body["error"]) == (409, "conflict")
    assert request_item(cloud, code)["status"] == "resolved"
    # And the answer is one internal timeline entry: figures in its facts, the comment as a staff note
    entries = [i for i in partition(cloud, code) if i.get("type") == "survey_answered"]
    assert len(entries) == 1
    assert entries[0]["public"] is False
    assert entries[0]["note"] == "Çok hızlıydınız, teşekkürler."
    facts = entries[0]["detail"]
    assert {k: facts[k] for k in ("solved", "score", "via", "outcome", "channel")} == {
        "solved": "yes", "score": "5", "via": "web", "outcome": "recorded", "channel": "web",
    }  # fmt: skip
    assert {"department", "category"} <= set(facts)
    # And the page now says it was answered
    assert cloud.call("GET", f"/surveys/{token}").body["answered"] is True


def test_its_event_for_the_reports_carries_figures_and_no_words(cloud: Cloud, daytime: None) -> None:
    from civicdesk.events.domain import from_entry_item

    code, token = resolved_by_sms(cloud)
    cloud.call(
        "POST", f"/surveys/{token}", {"solved": "partly", "score": 3, "comment": "Ali Bey çok yardımcı oldu"}
    )
    (entry,) = [i for i in partition(cloud, code) if i.get("type") == "survey_answered"]
    # When the entry becomes its domain event
    name, event = from_entry_item(entry)
    # Then it is SurveyAnswered, with what reports group and count by, and never the comment
    assert name == "SurveyAnswered"
    assert event.actor_type == "citizen"
    assert (event.facts["solved"], event.facts["score"], event.facts["comment"]) == ("partly", "3", "yes")
    assert "Ali" not in event.model_dump_json()


def test_not_solved_within_the_window_reopens_with_a_new_deadline(
    cloud: Cloud, daytime: None, survey_clock: list[datetime]
) -> None:
    # Given a resolved request, and its citizen answering six days later
    code, token = resolved_by_sms(cloud)
    survey_clock.append(datetime.now(UTC) + timedelta(days=6))
    # When they say it was not solved
    answered = cloud.call("POST", f"/surveys/{token}", {"solved": "no", "score": 1})
    # Then it is back in the department's queue as reopened, answered again within the category's time
    assert (answered.status, answered.body["result"], answered.body["status"]) == (
        201,
        "reopened",
        "reopened",
    )
    item = request_item(cloud, code)
    assert item["status"] == "reopened"
    assert item["work_pk"].endswith("#open")
    due = datetime.fromisoformat(item["due_at"].replace("Z", "+00:00"))
    assert due > survey_clock[0]
    assert due == datetime.fromisoformat(answered.body["due_at"].replace("Z", "+00:00"))
    assert item["due_pk"].startswith("DUE#")  # the SLA checker warns and flags it again
    # And the status change is public, by the citizen, with the department in its facts (the event staff hear)
    (change,) = [
        i
        for i in partition(cloud, code)
        if i.get("status") == "reopened" and i.get("type") == "status_changed"
    ]
    assert change["actor"] == "citizen"
    assert change["public"] is True
    assert change["detail"]["source"] == "citizen"
    assert change["detail"].get("department")
    # And the citizen is told, with the new deadline
    settle(cloud)
    assert "yeniden acildi" in [m["text"] for m in sms_sent() if m["to"] == E164][-1]


def test_after_the_window_a_linked_follow_up_is_offered_instead(
    cloud: Cloud, daytime: None, survey_clock: list[datetime]
) -> None:
    # Given a resolved request, and its citizen answering eight days later (the window is seven)
    code, token = resolved_by_sms(cloud)
    survey_clock.append(datetime.now(UTC) + timedelta(days=8))
    assert cloud.call("GET", f"/surveys/{token}").body["may_reopen"] is False
    # When they say it was not solved
    answered = cloud.call("POST", f"/surveys/{token}", {"solved": "no", "score": 2})
    # Then the answer is kept, the request stays resolved, and a follow-up is offered
    assert (answered.status, answered.body["result"]) == (201, "too_late")
    assert request_item(cloud, code)["status"] == "resolved"
    # When they file the follow-up, twice (a retry)
    body = {"description": "Lamba yine yanmıyor, iki gündür karanlık."}
    first = cloud.call("POST", f"/surveys/{token}/follow-up", body)
    second = cloud.call("POST", f"/surveys/{token}/follow-up", body)
    # Then one new request is filed, with the old one's code in its description and a link from the old one
    assert first.status == second.status == 201
    assert first.body["code"] == second.body["code"]
    new = codes.normalize(first.body["code"])
    assert new
    assert new != code
    assert (
        codes.display(code) in request_item(cloud, new)["description"]
        or code in request_item(cloud, new)["description"]
    )
    (marker,) = [i for i in partition(cloud, code) if i["sk"] == "FOLLOWUP"]
    assert marker["linked"] == new
    # And the citizen hears about the new request on the phone they left
    assert any(i["sk"] == "CONTACT" for i in partition(cloud, new))


def test_a_link_is_refused_when_forged_or_expired(
    cloud: Cloud, daytime: None, survey_clock: list[datetime]
) -> None:
    code, token = resolved_by_sms(cloud)
    # When the code in the link is changed, or the link is used after link_days
    forged = cloud.call("GET", f"/surveys/{token.replace(code, '222222222')}")
    survey_clock.append(datetime.now(UTC) + timedelta(days=31))
    expired = cloud.call("POST", f"/surveys/{token}", {"solved": "yes", "score": 4})
    # Then they are 404 and 410, in the API's error shape, and nothing is written
    assert (forged.status, forged.body["error"]) == (404, "not_found")
    assert (expired.status, expired.body["error"]) == (410, "expired")
    assert not [i for i in partition(cloud, code) if i.get("type") == "survey_answered"]


def test_bad_answers_get_the_error_shape(cloud: Cloud, daytime: None) -> None:
    _, token = resolved_by_sms(cloud)
    answer = cloud.call("POST", f"/surveys/{token}", {"solved": "maybe", "score": 9})
    assert answer.status == 422
    assert {f["field"] for f in answer.body["fields"]} == {"solved", "score"}


# --- WhatsApp -----------------------------------------------------------------------------------------


def test_whatsapp_buttons_answer_the_survey_and_not_solved_reopens(channel: Channel, daytime: None) -> None:
    # Given Ayşe's request filed on WhatsApp, resolved by staff
    full_dialogue(channel)
    (request,) = channel.of_type("request")
    code = request["code"]
    cloud = Cloud(channel.system)
    channel.settle()
    read = staff_call(cloud, "GET", f"/staff/requests/{code}")
    staff_call(
        cloud,
        "POST",
        f"/staff/requests/{code}/status",
        {"status": "resolved", "text": "Tedavi edildi."},
        read["etag"],
    )
    channel.settle()
    # Then the resolution came with three reply buttons asking whether it was solved
    resolution = channel.api.messages(AYSE)[-1]["body"]
    assert resolution["type"] == "interactive", resolution
    buttons = resolution["interactive"]["action"]["buttons"]
    assert [b["reply"]["title"] for b in buttons] == ["Evet, çözüldü", "Kısmen", "Hayır, çözülmedi"]
    # When Mehmet taps Ayşe's button (a forwarded message), nothing is answered
    channel.say(wa.button_reply(MEHMET, buttons[2]["reply"]["id"], "Hayır"))
    channel.say(wa.list_reply(MEHMET, f"svs:{code}:no:1", "1"))
    assert not [i for i in channel.items() if i.get("type") == "survey_answered"]
    # When Ayşe taps "no", then 2 in the score list
    channel.say(wa.button_reply(AYSE, buttons[2]["reply"]["id"], "Hayır, çözülmedi"))
    scores = channel.api.messages(AYSE)[-1]["body"]["interactive"]
    assert scores["type"] == "list"
    assert len(scores["action"]["sections"][0]["rows"]) == 5
    channel.say(wa.list_reply(AYSE, scores["action"]["sections"][0]["rows"][1]["id"], "2"))
    # Then her answer is kept, the request is reopened, and she is told until when we will answer
    (entry,) = [i for i in channel.items() if i.get("type") == "survey_answered"]
    assert (entry["detail"]["solved"], entry["detail"]["score"], entry["detail"]["via"]) == (
        "no",
        "2",
        "whatsapp",
    )
    assert next(i for i in channel.of_type("request"))["status"] == "reopened"
    assert "yeniden açıldı" in channel.api.texts(AYSE)[-1]


def test_yeniden_ac_reopens_the_citizens_own_resolved_request(channel: Channel, daytime: None) -> None:
    full_dialogue(channel)
    (request,) = channel.of_type("request")
    code, shown = request["code"], codes.display(request["code"])
    cloud = Cloud(channel.system)
    channel.settle()
    # When Ayşe asks to reopen it while it is still open, it is not
    channel.say(wa.text_message(AYSE, f"yeniden aç {shown}"))
    assert "henüz sonuçlanmadı" in channel.api.texts(AYSE)[-1]
    read = staff_call(cloud, "GET", f"/staff/requests/{code}")
    staff_call(
        cloud,
        "POST",
        f"/staff/requests/{code}/status",
        {"status": "resolved", "text": "Tamam."},
        read["etag"],
    )
    channel.settle()
    # When Mehmet asks to reopen Ayşe's request / Then it reads like an unknown code
    channel.say(wa.text_message(MEHMET, f"yeniden aç {shown}"))
    assert "bulamadık" in channel.api.texts(MEHMET)[-1]
    # When Ayşe does, after the resolution
    channel.say(wa.text_message(AYSE, f"yeniden aç {shown}"))
    # Then it is reopened, and she is told
    assert next(i for i in channel.of_type("request"))["status"] == "reopened"
    assert "yeniden açıldı" in channel.api.texts(AYSE)[-1]
