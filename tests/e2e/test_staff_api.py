"""The staff API over HTTP on the running local stack, signed in with the demo accounts.

The role x action matrix is written out below from the roles' descriptions (independently of the
code's policy table) and every cell is called against the running API.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.request import Request, urlopen

import pytest

from civicdesk.requests import codes
from civicdesk.whatsapp.signature import sign
from local import whatsapp_fake as wa

from .conftest import LocalStack
from .staff import ADMIN, AGENT, ANALYST, FIELD, ROADS, SUPERVISOR, VET, Answer, Staff

pytestmark = pytest.mark.e2e

DOG = "Sokağımızda yaralı bir köpek var, arka ayağı kanıyor, acil yardım lazım"
HOLE = "Caddede büyük bir çukur açıldı, kaldırım da çökmüş, araçlar zarar görüyor"
VAGUE = "Merhaba, sizinle bir konuyu görüşmek istiyorum, dönüş yapabilir misiniz"
OWN_DEPARTMENT = {VET: "veterinary_affairs", FIELD: "technical_works", ROADS: "technical_works"}


@pytest.fixture(scope="module")
def staff(local_stack: LocalStack) -> Staff:
    return Staff(local_stack)


@pytest.fixture(scope="module")
def shared(staff: Staff) -> dict[str, str]:
    """Requests only read (never changed) by the matrix: one per department, and one in triage."""
    return {"vet": staff.file(DOG), "roads": staff.file(HOLE), "triage": staff.file(VAGUE)}


# --- the matrix -------------------------------------------------------------------------------------------

# What each role may do, from the roles' descriptions: agents take calls and may answer any request;
# department members work their own departments (others' requests do not exist for them); field teams
# the same for their department, and file from the street; supervisors everything but the catalogue;
# admins templates (and read); analysts reports only; a category guess is for whoever files or routes.
# 200/201 allowed, 403 forbidden, 404 not visible.
EXPECTED: dict[str, dict[str, int]] = {
    AGENT: {
        "file": 201, "list": 200, "list_other": 200, "read_own": 200, "read_other": 200, "contact": 403,
        "reply": 200, "reply_other": 200, "note": 200, "status": 403, "transfer": 403, "classify": 403,
        "caller": 200, "templates": 200, "edit_template": 403, "suggest": 200,
    },
    VET: {
        "file": 403, "list": 200, "list_other": 403, "read_own": 200, "read_other": 404, "contact": 403,
        "reply": 200, "reply_other": 404, "note": 200, "status": 200, "transfer": 200, "classify": 404,
        "caller": 403, "templates": 200, "edit_template": 403, "suggest": 403,
    },
    FIELD: {
        "file": 201, "list": 200, "list_other": 403, "read_own": 200, "read_other": 404, "contact": 403,
        "reply": 200, "reply_other": 404, "note": 200, "status": 200, "transfer": 200, "classify": 404,
        "caller": 403, "templates": 200, "edit_template": 403, "suggest": 200,
    },
    SUPERVISOR: {
        "file": 201, "list": 200, "list_other": 200, "read_own": 200, "read_other": 200, "contact": 200,
        "reply": 200, "reply_other": 200, "note": 200, "status": 200, "transfer": 200, "classify": 200,
        "caller": 200, "templates": 200, "edit_template": 403, "suggest": 200,
    },
    ADMIN: {
        "file": 403, "list": 200, "list_other": 200, "read_own": 200, "read_other": 200, "contact": 403,
        "reply": 403, "reply_other": 403, "note": 403, "status": 403, "transfer": 403, "classify": 403,
        "caller": 403, "templates": 200, "edit_template": 201, "suggest": 403,
    },
    ANALYST: {
        "file": 403, "list": 403, "list_other": 403, "read_own": 403, "read_other": 403, "contact": 403,
        "reply": 403, "reply_other": 403, "note": 403, "status": 403, "transfer": 403, "classify": 403,
        "caller": 403, "templates": 403, "edit_template": 403, "suggest": 403,
    },
}  # fmt: skip
MUTATING = {"reply", "reply_other", "note", "status", "transfer", "classify"}

Act = Callable[[Staff, str, dict[str, str]], Answer]


def _own(user: str, shared: dict[str, str]) -> str:
    return shared["roads"] if OWN_DEPARTMENT.get(user) == "technical_works" else shared["vet"]


def _other(user: str, shared: dict[str, str]) -> str:
    return shared["vet"] if OWN_DEPARTMENT.get(user) == "technical_works" else shared["roads"]


def _filing(user: str) -> dict[str, Any]:
    channel = "field" if user == FIELD else "call_center"
    return {"channel": channel, "description": HOLE, "contact": {"phone": "0532 400 10 21"}}


def _other_department(user: str) -> str:
    return "veterinary_affairs" if OWN_DEPARTMENT.get(user) == "technical_works" else "technical_works"


def _template(user: str) -> dict[str, Any]:
    return {
        "id": f"team-on-its-way-{user.split('@')[0]}",
        "title": {"tr": "Ekip yolda", "en": "Team on its way"},
        "text": {"tr": "{code} için ekibimiz yolda.", "en": "Our team is on its way for {code}."},
    }


def _changing(staff: Staff, user: str, code: str, path: str, body: dict[str, Any]) -> Answer:
    etag = staff.read(SUPERVISOR, code).etag
    return staff.call(user, "POST", f"/staff/requests/{code}/{path}", body, {"If-Match": etag})


ACTIONS: dict[str, Act] = {
    "file": lambda s, u, r: s.call(u, "POST", "/staff/requests", _filing(u)),
    "list": lambda s, u, r: s.call(u, "GET", "/staff/requests?limit=5"),
    "list_other": lambda s, u, r: s.call(
        u, "GET", f"/staff/requests?limit=5&department={_other_department(u)}"
    ),
    "read_own": lambda s, u, r: s.read(u, _own(u, r)),
    "read_other": lambda s, u, r: s.read(u, _other(u, r)),
    "contact": lambda s, u, r: s.call(u, "GET", f"/staff/requests/{_own(u, r)}/contact?reason=geri+arama"),
    "reply": lambda s, u, r: _changing(s, u, r["fresh"], "replies", {"text": "Ekibimiz yolda."}),
    "reply_other": lambda s, u, r: _changing(s, u, _other(u, r), "replies", {"text": "Ekibimiz yolda."}),
    "note": lambda s, u, r: _changing(s, u, r["fresh"], "notes", {"text": "Adres teyit edildi."}),
    "status": lambda s, u, r: _changing(s, u, r["fresh"], "status", {"status": "in_progress"}),
    "transfer": lambda s, u, r: _changing(
        s, u, r["fresh"], "transfer", {"department": "parks_gardens", "text": "Park alanında."}
    ),
    "classify": lambda s, u, r: _changing(s, u, r["fresh_triage"], "classify", {"category": "veterinary"}),
    "caller": lambda s, u, r: s.call(u, "GET", "/staff/citizens/requests?phone=05324001020"),
    "templates": lambda s, u, r: s.call(u, "GET", "/staff/templates"),
    "edit_template": lambda s, u, r: s.call(u, "POST", "/staff/templates", _template(u)),
    "suggest": lambda s, u, r: s.call(u, "POST", "/staff/suggestions", {"text": DOG}),
}


@pytest.mark.parametrize("user", list(EXPECTED))
def test_every_cell_of_the_role_matrix(staff: Staff, shared: dict[str, str], user: str) -> None:
    # Given a member of one role, requests in each department and in triage, and for each change a
    # fresh request of the member's own department (so an allowed change always has something to change)
    outcomes: dict[str, int] = {}
    for action, expected in EXPECTED[user].items():
        targets = dict(shared)
        if action in MUTATING and expected < 300:
            fresh_text = DOG if _own(user, shared) == shared["vet"] else HOLE
            targets["fresh"] = staff.file(fresh_text)
            targets["fresh_triage"] = staff.file(VAGUE) if action == "classify" else ""
        else:
            targets["fresh"], targets["fresh_triage"] = _own(user, shared), shared["triage"]
        # When the member calls the route
        outcomes[action] = ACTIONS[action](staff, user, targets).status
    # Then every answer is the one the matrix says
    assert outcomes == EXPECTED[user]


def test_who_am_i_and_a_missing_token(staff: Staff) -> None:
    me = staff.call(VET, "GET", "/staff/me")
    assert (me.status, me.body["roles"], me.body["departments"]) == (
        200,
        ["department"],
        ["veterinary_affairs"],
    )
    assert me.body["username"] == VET
    # and the profile's institutions a `not_ours` rejection may name, with how each is reached
    assert [(i["code"], i["name"]["tr"], i["via"]) for i in me.body["institutions"]] == [
        ("izsu", "İZSU Genel Müdürlüğü", "email"),
        ("ornek", "Örnek Belediyesi", "open311"),
    ]
    # A route without a token is refused by the authorizer, before any function runs
    assert staff.call(None, "GET", "/staff/me").status == 401


def test_a_change_without_if_match_is_refused_and_nothing_is_written(
    staff: Staff, shared: dict[str, str]
) -> None:
    before = staff.read(SUPERVISOR, shared["vet"])
    answer = staff.call(VET, "POST", f"/staff/requests/{shared['vet']}/notes", {"text": "Not yazıyorum."})
    assert (answer.status, answer.body["error"]) == (428, "precondition_required")
    assert staff.read(SUPERVISOR, shared["vet"]).body["version"] == before.body["version"]


def test_two_agents_answering_at_once_never_overwrite_each_other(staff: Staff) -> None:
    # Given one request, read by two people (the same ETag)
    code = staff.file(DOG)
    etag = staff.read(VET, code).etag
    # When both reply with what they read
    first = staff.call(
        VET, "POST", f"/staff/requests/{code}/replies", {"text": "Ekip yolda."}, {"If-Match": etag}
    )
    second = staff.call(
        AGENT,
        "POST",
        f"/staff/requests/{code}/replies",
        {"text": "Birazdan aranacaksınız."},
        {"If-Match": etag},
    )
    # Then exactly one wins; the other learns the request changed, with its current ETag
    assert (first.status, second.status) == (200, 412)
    assert second.body["error"] == "precondition_failed"
    assert second.etag == first.etag
    timeline = staff.read(SUPERVISOR, code).body["timeline"]
    assert [e["text"] for e in timeline if e["type"] == "public_reply"] == ["Ekip yolda."]


def test_the_first_reply_stops_the_clock_and_the_citizen_sees_it(
    staff: Staff, local_stack: LocalStack
) -> None:
    # Given a routed veterinary request (4 hours to answer)
    code = staff.file(DOG)
    etag = staff.read(VET, code).etag
    # When the department replies
    staff.call(
        VET, "POST", f"/staff/requests/{code}/replies", {"text": "Ekibimiz yola çıktı."}, {"If-Match": etag}
    )
    # Then the first response is recorded as in time, and the public page shows the reply
    clocks = staff.read(SUPERVISOR, code).body["clocks"]
    assert clocks["first_response_at"] is not None
    assert clocks["first_response_met"] is True
    with urlopen(f"{local_stack.url}/requests/{code}", timeout=10) as answer:  # noqa: S310 - loopback
        public = json.loads(answer.read())
    assert [e["text"] for e in public["timeline"] if e["type"] == "public_reply"] == ["Ekibimiz yola çıktı."]
    assert public["first_response_at"] is not None


def test_resolving_needs_a_text_and_rejecting_a_reason(staff: Staff) -> None:
    code = staff.file(HOLE)
    etag = staff.read(ROADS, code).etag
    bare = staff.call(
        ROADS, "POST", f"/staff/requests/{code}/status", {"status": "resolved"}, {"If-Match": etag}
    )
    assert (bare.status, bare.body["fields"][0]["field"]) == (422, "text")
    no_reason = staff.call(
        ROADS, "POST", f"/staff/requests/{code}/status", {"status": "rejected"}, {"If-Match": etag}
    )
    assert (no_reason.status, no_reason.body["fields"][0]["field"]) == (422, "reason")
    done = staff.call(
        ROADS, "POST", f"/staff/requests/{code}/status", {"status": "resolved", "text": "Çukur kapatıldı."},
        {"If-Match": etag},
    )  # fmt: skip
    assert done.status == 200
    # And a resolved request cannot go back to in progress (only reopened)
    again = staff.call(
        ROADS, "POST", f"/staff/requests/{code}/status", {"status": "in_progress"}, {"If-Match": done.etag}
    )
    assert (again.status, again.body["error"]) == (409, "conflict")


def test_a_duplicate_points_the_citizen_to_the_original_and_links_both(staff: Staff) -> None:
    original, repeat = staff.file(HOLE), staff.file(HOLE)
    etag = staff.read(ROADS, repeat).etag
    body = {"status": "rejected", "reason": "duplicate", "duplicate_of": original.lower()}
    answer = staff.call(ROADS, "POST", f"/staff/requests/{repeat}/status", body, {"If-Match": etag})
    assert answer.status == 200
    closed = staff.read(ROADS, repeat).body
    assert (closed["rejection"], closed["duplicate_of"]) == ("duplicate", original)
    closing = [e for e in closed["timeline"] if e["type"] == "status_changed"][-1]
    assert original in closing["text"]
    assert staff.read(ROADS, original).body["duplicates"] == [{"code": repeat, "relation": "duplicate"}]


def test_a_member_asks_for_a_transfer_and_a_supervisor_moves_it(staff: Staff) -> None:
    code = staff.file(HOLE)
    body = {"department": "parks_gardens", "text": "Parkın içinde."}
    asked = staff.call(
        ROADS, "POST", f"/staff/requests/{code}/transfer", body, {"If-Match": staff.read(ROADS, code).etag}
    )
    assert asked.status == 200
    # The request stays with the department, and waits in the supervisors' list
    assert staff.read(ROADS, code).body["transfer_asked"] == "parks_gardens"
    waiting = staff.call(SUPERVISOR, "GET", "/staff/requests?transfer_asked=true&limit=100").body["items"]
    assert code in [i["code"] for i in waiting]
    body = {"department": "parks_gardens", "text": "Uygun."}
    moved = staff.call(SUPERVISOR, "POST", f"/staff/requests/{code}/transfer", body, {"If-Match": asked.etag})
    assert moved.status == 200
    after = staff.read(SUPERVISOR, code).body
    assert (after["department"], after["status"], after["transfer_asked"]) == (
        "parks_gardens",
        "routed",
        None,
    )
    # And the roads member no longer sees it
    assert staff.read(ROADS, code).status == 404


def test_a_supervisor_routes_a_triage_request_by_hand(staff: Staff) -> None:
    code = staff.file(VAGUE)
    assert staff.read(SUPERVISOR, code).body["status"] == "triage"
    triage = staff.call(SUPERVISOR, "GET", "/staff/requests?status=triage&limit=100").body["items"]
    assert code in [i["code"] for i in triage]
    answer = staff.call(
        SUPERVISOR, "POST", f"/staff/requests/{code}/classify", {"category": "garbage"},
        {"If-Match": staff.read(SUPERVISOR, code).etag},
    )  # fmt: skip
    assert answer.status == 200
    routed = staff.read(SUPERVISOR, code).body
    assert (routed["status"], routed["category"], routed["department"]) == (
        "routed",
        "garbage",
        "cleaning_services",
    )


def test_a_callers_requests_from_phone_web_and_whatsapp_are_found_together(
    staff: Staff, local_stack: LocalStack
) -> None:
    # Given one citizen who wrote on WhatsApp, filed on the web, and now calls
    number = "905327770011"
    for message in (
        wa.text_message(number, "Sokak lambası üç gündür yanmıyor, gece çok karanlık"),
        wa.button_reply(number, "catok", "Evet"),
        wa.list_reply(number, "nbh:erzene", "Erzene"),
        wa.button_reply(number, "photoskip", "Fotoğrafsız devam"),
        wa.button_reply(number, "send", "Evet, gönder"),
    ):
        raw = json.dumps(wa.delivery([message])).encode()
        request = Request(f"{local_stack.url}/webhooks/whatsapp", data=raw, method="POST")  # noqa: S310
        request.add_header("Content-Type", "application/json")
        request.add_header("X-Hub-Signature-256", sign(raw, wa.LOCAL_CREDENTIALS["app_secret"]))
        with urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            assert answer.status == 200
    filed = {
        "description": "Parktaki salıncak kırılmış, çocuklar tehlikede",
        "contact": {"phone": "0532 777 00 11"},
    }
    web = Request(f"{local_stack.url}/requests", method="POST", data=json.dumps(filed).encode())  # noqa: S310
    web.add_header("Content-Type", "application/json")
    with urlopen(web, timeout=30) as answer:  # noqa: S310 - loopback
        web_code = codes.normalize(json.loads(answer.read())["code"])
    phone_code = codes.normalize(staff.file(DOG, phone="+90 532 777 00 11"))
    # When the agent looks the caller up by number
    found = staff.call(AGENT, "GET", "/staff/citizens/requests?phone=0532%20777%2000%2011")
    # Then the three channels' requests come back together, and the lookup is in the audit trail
    assert found.status == 200
    channels = {i["channel"] for i in found.body["requests"]}
    assert channels == {"whatsapp", "web", "call_center"}
    shown = {codes.normalize(i["code"]) for i in found.body["requests"]}
    assert {web_code, phone_code} <= shown
    audit = [
        i for i in local_stack.client("dynamodb").scan(TableName=local_stack.table)["Items"]
        if i.get("item_type", {}).get("S") == "audit" and i["action"]["S"] == "lookup_caller"
    ]  # fmt: skip
    assert any({c["S"] for c in a["codes"]["L"]} >= {web_code, phone_code} for a in audit)


def test_a_contact_read_is_audited_with_who_and_why(staff: Staff, local_stack: LocalStack) -> None:
    shown = staff.file(DOG, phone="0532 400 99 88")
    code = codes.normalize(shown)
    no_reason = staff.call(SUPERVISOR, "GET", f"/staff/requests/{shown}/contact")
    assert no_reason.status == 422
    answer = staff.call(SUPERVISOR, "GET", f"/staff/requests/{shown}/contact?reason=geri+arama+icin")
    assert (answer.status, answer.body["phone"]) == (200, "+905324009988")
    items = local_stack.client("dynamodb").scan(TableName=local_stack.table)["Items"]
    reads = [
        i for i in items if i.get("action", {}).get("S") == "read_contact" and i["codes"]["L"][0]["S"] == code
    ]
    assert len(reads) == 1
    assert reads[0]["reason"]["S"] == "geri arama icin"
    assert reads[0]["actor"]["S"].startswith("staff:")
    # And the staff view of the request itself carries no contact data
    assert "9988" not in json.dumps(staff.read(SUPERVISOR, shown).body)
