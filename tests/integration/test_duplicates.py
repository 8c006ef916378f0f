"""Likely duplicates and merged citizens, over the template's system in moto: the staff view hints at
a request of the same category filed close by (read from the queue index), and when the original of a
merge is resolved, the citizen of the merged request is told too — once, however often the event comes."""

from __future__ import annotations

from typing import Any

from civicdesk.requests import codes
from tests.integration.conftest import Cloud
from tests.integration.test_notifications import sms_sent, staff_call
from tests.integration.test_router import settle
from tests.integration.test_surveys import daytime

__all__ = ["daytime"]  # the notifier at noon in Istanbul (outside quiet hours)

HERE = {"lat": 38.4620, "lon": 27.2160}
NEAR = {"lat": 38.4629, "lon": 27.2160}  # about 100 m north
FAR = {"lat": 38.4720, "lon": 27.2160}  # about 1.1 km north


def file(cloud: Cloud, text: str, where: dict[str, float], phone: str, category: str = "lighting") -> str:
    body: dict[str, Any] = {
        "description": text,
        "category": category,
        "location": where,
        "contact": {"phone": phone},
    }
    answer = cloud.call("POST", "/requests", body)
    assert answer.status == 201, answer.body
    code = codes.normalize(answer.body["code"])
    assert code is not None
    return code


def test_the_staff_view_hints_at_a_nearby_request_of_the_same_category_only(
    cloud: Cloud, daytime: None
) -> None:
    # Given a lighting request, then another 100 m away, one 1 km away, and a garbage one at the same spot
    first = file(cloud, "Sokak lambası üç gündür yanmıyor", HERE, "0532 555 11 01")
    near = file(cloud, "Direğin ışığı sönük, karanlık", NEAR, "0532 555 11 02")
    far = file(cloud, "Lamba yanmıyor", FAR, "0532 555 11 03")
    other = file(cloud, "Çöp konteyneri taşmış durumda", HERE, "0532 555 11 04", category="garbage")
    settle(cloud)
    # When staff open each
    hints = {
        code: staff_call(cloud, "GET", f"/staff/requests/{code}")["body"]["likely_duplicates"]
        for code in (near, far, other)
    }
    # Then the nearby one points at the first, with the distance; the far one and the garbage one at nothing
    assert [(h["code"], h["reason"]) for h in hints[near]] == [(codes.display(first), "nearby")]
    assert 80 <= hints[near][0]["distance_m"] <= 120
    assert hints[far] == []
    assert hints[other] == []


def test_when_the_original_is_resolved_the_citizen_of_the_merged_request_is_told_once(
    cloud: Cloud, daytime: None
) -> None:
    # Given two citizens reporting the same dark street, the second merged into the first by staff
    original = file(cloud, "Sokak lambası üç gündür yanmıyor", HERE, "0532 555 22 01")
    repeat = file(cloud, "Direğin ışığı sönük, karanlık", NEAR, "0532 555 22 02")
    settle(cloud)
    read = staff_call(cloud, "GET", f"/staff/requests/{repeat}")
    merge = {"status": "rejected", "reason": "duplicate", "duplicate_of": codes.display(original)}
    assert staff_call(cloud, "POST", f"/staff/requests/{repeat}/status", merge, read["etag"])["status"] == 200
    settle(cloud)
    # When the original is resolved
    read = staff_call(cloud, "GET", f"/staff/requests/{original}")
    done = {"status": "resolved", "text": "Lamba değiştirildi."}
    assert (
        staff_call(cloud, "POST", f"/staff/requests/{original}/status", done, read["etag"])["status"] == 200
    )
    settle(cloud)
    # Then the second citizen gets an SMS naming both codes, and the first their own resolution
    to_repeat = [m["text"] for m in sms_sent() if m["to"] == "+905325552202"]
    told = [
        t for t in to_repeat if codes.display(original) in t and codes.display(repeat) in t and "cözüldü" in t
    ]
    assert len(told) == 1, to_repeat
    assert any("Lamba" in m["text"] for m in sms_sent() if m["to"] == "+905325552201")
    # And the merged request's timeline records the message (internal), as any notification
    timeline = staff_call(cloud, "GET", f"/staff/requests/{repeat}")["body"]["timeline"]
    sent = [
        e
        for e in timeline
        if e["type"] == "notification_sent" and (e.get("detail") or {}).get("stage") == "original_resolved"
    ]
    assert len(sent) == 1


def test_a_request_merged_into_one_already_resolved_is_told_so_with_the_resolution(
    cloud: Cloud, daytime: None
) -> None:
    # Given a dark street reported and resolved, with a public text
    original = file(cloud, "Sokak lambası üç gündür yanmıyor", HERE, "0532 555 33 01")
    settle(cloud)
    read = staff_call(cloud, "GET", f"/staff/requests/{original}")
    done = {"status": "resolved", "text": "Lamba değiştirildi."}
    assert (
        staff_call(cloud, "POST", f"/staff/requests/{original}/status", done, read["etag"])["status"] == 200
    )
    settle(cloud)
    # When a second citizen reports it and staff merge theirs into the resolved one
    repeat = file(cloud, "Direğin ışığı sönük, karanlık", NEAR, "0532 555 33 02")
    settle(cloud)
    read = staff_call(cloud, "GET", f"/staff/requests/{repeat}")
    merge = {"status": "rejected", "reason": "duplicate", "duplicate_of": codes.display(original)}
    assert staff_call(cloud, "POST", f"/staff/requests/{repeat}/status", merge, read["etag"])["status"] == 200
    settle(cloud)
    # Then the second citizen gets one SMS naming both codes, saying the original is resolved and how
    # (its public words, in the SMS alphabet), instead of being asked to follow a finished request
    about = [
        m["text"] for m in sms_sent() if m["to"] == "+905325553302" and codes.display(original) in m["text"]
    ]
    assert len(about) == 1, about
    assert codes.display(repeat) in about[0]
    assert "cözüldü" in about[0]
    assert "Lamba degistirildi." in about[0]
    assert "bildirilmis" not in about[0]  # not the plain `duplicate` message
    # And its timeline records that message as the `original_resolved` stage
    timeline = staff_call(cloud, "GET", f"/staff/requests/{repeat}")["body"]["timeline"]
    stages = [(e.get("detail") or {}).get("stage") for e in timeline if e["type"] == "notification_sent"]
    assert "original_resolved" in stages
    assert "duplicate" not in stages
