"""The web intake through its real Lambda handler, against an emulated table built from the template."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import boto3
import pytest

from civicdesk.core.clock import parse_iso
from civicdesk.core.dynamo import serialize
from civicdesk.layout import CATALOGUE_PK as CATALOG_PK
from civicdesk.requests.models import EntryType, TimelineEntry
from civicdesk.requests.repository import entry_item
from local.calls import counting_aws_calls
from tests.support import PROFILE, SHIPPED, pool

from .conftest import HttpAnswer

Call = Callable[..., HttpAnswer]

CITIZEN = {"name": "Zeynep Kayaoğlu", "phone": "0532 111 22 33", "email": "Zeynep.K@example.com"}
# the number in each form it may take (a bare "532" could match a timestamp's milliseconds)
PII = (
    "Zeynep",
    "Kayaoğlu",
    "5321112233",
    "111 22 33",
    "1112233",
    "zeynep.k@example.com",
    "Zeynep.K@example.com",
)


def pool_items(table_name: str) -> list[dict[str, Any]]:
    """Everything in the table except the catalogue."""
    items = boto3.client("dynamodb").scan(TableName=table_name)["Items"]
    return [i for i in items if i["pk"]["S"] != CATALOG_PK]


def valid_request(**overrides: Any) -> dict[str, Any]:
    body = {
        "description": "Parkın önünde yaralı bir köpek yatıyor, yürüyemiyor.",
        "category": "veterinary",
        "kind": "request",
        "neighbourhood": "ataturk",
        "location": {"lat": 38.4660, "lon": 27.2200, "address": "Atatürk Cd. No 12"},
        "contact": CITIZEN,
        "language": "tr",
    }
    body.update(overrides)
    return body


def test_a_citizen_files_a_request_and_gets_a_tracking_code(call: Call, table_name: str) -> None:
    # When a citizen files a complete request
    with counting_aws_calls() as calls:
        answer = call("POST", "/requests", valid_request())
    # Then it is accepted with a code, its status and the first-response deadline
    assert answer.status == 201, answer.body
    assert answer.body["status"] == "received"
    received, due = parse_iso(answer.body["received_at"]), parse_iso(answer.body["due_at"])
    assert due - received == timedelta(hours=4)  # the catalogue's promise for an injured animal
    assert answer.body["code"] in answer.body["message"]["tr"]
    # And exactly one write call stored the request, its first timeline entry, the contact and the
    # citizen index entry that links the caller's requests across channels
    writes = {
        op: n
        for op, n in calls.items()
        if op.split(":")[1].startswith(("Put", "Update", "Transact", "Batch"))
    }
    assert writes == {"dynamodb:TransactWriteItems": 1}
    kinds = sorted(
        i["pk"]["S"].split("#")[0] + ":" + i["sk"]["S"].split("#")[0] for i in pool_items(table_name)
    )
    assert kinds == ["CIT:REQ", "REQ:CONTACT", "REQ:EVT", "REQ:REQ"]


def test_without_a_category_the_default_48_hours_apply(call: Call) -> None:
    answer = call("POST", "/requests", {"description": "Sokağımızdaki sorun hâlâ çözülmedi, lütfen bakın."})
    assert answer.status == 201, answer.body
    assert parse_iso(answer.body["due_at"]) - parse_iso(answer.body["received_at"]) == timedelta(hours=48)


def test_no_contact_item_when_no_contact_is_given(call: Call, table_name: str) -> None:
    answer = call("POST", "/requests", valid_request(contact=None))
    assert answer.status == 201
    assert sorted(i["sk"]["S"].split("#")[0] for i in pool_items(table_name)) == ["EVT", "REQ"]


def test_the_citizen_follows_the_request_by_its_code(call: Call) -> None:
    # Given a filed request
    code = call("POST", "/requests", valid_request()).body["code"]
    # When its code is looked up as people type it (lower case, no dashes)
    answer = call("GET", f"/requests/{code.replace('-', '').lower()}")
    # Then the public view shows its state and timeline
    assert answer.status == 200, answer.body
    view = answer.body
    assert view["code"] == code
    assert view["status"] == "received"
    assert view["status_name"] == {"tr": "Alındı", "en": "Received"}
    assert view["category"]["code"] == "veterinary"
    assert view["neighbourhood"] == {"code": "ataturk", "name": "Atatürk"}
    assert [e["type"] for e in view["timeline"]] == ["received"]
    assert answer.headers["Cache-Control"] == "no-store"


def assert_no_personal_data(text: str) -> None:
    for secret in PII:
        assert secret not in text, f"{secret!r} was logged"


def test_the_public_view_never_shows_personal_data_nor_internal_notes(
    call: Call, table_name: str, logged: io.StringIO
) -> None:
    # Given a request with the citizen's contact details and an internal staff note
    accepted = call("POST", "/requests", valid_request()).body
    canonical = accepted["code"].replace("-", "")
    note = TimelineEntry(
        code=canonical,
        at=parse_iso(accepted["received_at"]) + timedelta(minutes=5),
        type=EntryType.INTERNAL_NOTE,
        public=False,
        text="Vatandaş daha önce de aradı, sinirliydi.",
        actor="staff:ali",
    )
    boto3.client("dynamodb").put_item(TableName=table_name, Item=serialize(entry_item(note)))
    # When anyone looks the code up
    answer = call("GET", f"/requests/{accepted['code']}")
    text = json.dumps(answer.body, ensure_ascii=False)
    # Then no name, phone, e-mail or internal note appears in the answer
    assert answer.status == 200
    for secret in (*PII, "sinirliydi"):
        assert secret not in text
    assert [e["type"] for e in answer.body["timeline"]] == ["received"]
    # And the handler logged its work, but none of the citizen's data, while filing or reading
    assert '"message":"request filed"' in logged.getvalue()
    assert_no_personal_data(logged.getvalue())


def test_the_log_check_catches_a_handler_that_logs_a_phone_number(
    call: Call, logged: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given filing code that (wrongly) logs the caller's number
    from civicdesk.core.observability import logger
    from civicdesk.requests import intake

    original = intake.file_request

    def leaky(new: Any, **kwargs: Any) -> Any:
        logger.info("filing", extra={"phone": new.contact.phone if new.contact else None})
        return original(new, **kwargs)

    monkeypatch.setattr(intake, "file_request", leaky)
    # When a request is filed / Then the check above would fail on it
    assert call("POST", "/requests", valid_request()).status == 201
    with pytest.raises(AssertionError, match="5321112233"):
        assert_no_personal_data(logged.getvalue())


def test_unknown_code_is_404_with_a_json_reason(call: Call) -> None:
    for code in ("ZZZ-ZZZ-ZZZ", "not-a-code", "%2e%2e"):
        answer = call("GET", f"/requests/{code}")
        assert answer.status == 404
        assert answer.body["error"] == "not_found"


def bad_inputs() -> list[Any]:
    long_text = "x" * 4001
    return [
        pytest.param({}, 422, {"description"}, id="missing description"),
        pytest.param({"description": "kısa"}, 422, {"description"}, id="too short"),
        pytest.param({"description": "   çok   kısa   "[:12]}, 422, {"description"}, id="blank padded"),
        pytest.param({"description": long_text}, 422, {"description"}, id="too long"),
        pytest.param(valid_request(category="spaceships"), 422, {"category"}, id="unknown category"),
        pytest.param(
            valid_request(neighbourhood="atlantis"), 422, {"neighbourhood"}, id="unknown neighbourhood"
        ),
        pytest.param(
            valid_request(category="spaceships", neighbourhood="atlantis"),
            422,
            {"category", "neighbourhood"},
            id="both unknown, both named",
        ),
        pytest.param(valid_request(kind="wish"), 422, {"kind"}, id="unknown kind"),
        pytest.param(valid_request(language="de"), 422, {"language"}, id="unknown language"),
        pytest.param(valid_request(location={"lat": 41.0}), 422, {"location"}, id="lat without lon"),
        pytest.param(
            valid_request(location={"lat": 141.0, "lon": 29.0}), 422, {"location.lat"}, id="lat out of range"
        ),
        pytest.param(valid_request(contact={"phone": "call me"}), 422, {"contact.phone"}, id="bad phone"),
        pytest.param(valid_request(contact={"email": "a@b"}), 422, {"contact.email"}, id="bad email"),
        pytest.param(valid_request(priority="high"), 422, {"priority"}, id="unknown field"),
        # valid JSON that is not a real request
        pytest.param({"description": "\u200b" * 10}, 422, {"description"}, id="zero-width spaces"),
        pytest.param({"description": "\u0000" * 12}, 422, {"description"}, id="NUL bytes"),
        pytest.param({"description": "\u202e\u2066\x1b[31m\x07" * 5}, 422, {"description"}, id="controls"),
        pytest.param({"description": "!?" * 10}, 422, {"description"}, id="no words"),
        pytest.param(valid_request(category=""), 422, {"category"}, id="empty category"),
        pytest.param(
            valid_request(location={"lat": "38.46", "lon": 27.22}), 422, {"location.lat"}, id="lat as text"
        ),
        pytest.param(
            valid_request(location={"lat": 38.46, "lon": True}), 422, {"location.lon"}, id="lon true"
        ),
        pytest.param(
            valid_request(location={"lat": 41.0082, "lon": 28.9784}), 422, {"location"}, id="in Istanbul"
        ),
        pytest.param(valid_request(location={"lat": 0, "lon": 0}), 422, {"location"}, id="null island"),
        pytest.param(
            valid_request(contact={"email": "<script>alert(1)</script>@x.yy"}),
            422,
            {"contact.email"},
            id="script e-mail",
        ),
        pytest.param(valid_request(contact={"phone": "(" * 40}), 422, {"contact.phone"}, id="40 brackets"),
        pytest.param(
            valid_request(contact={"phone": "+" + "(" * 20 + "5321112233"}),
            422,
            {"contact.phone"},
            id="brackets around digits",
        ),
        pytest.param(
            valid_request(contact={"phone": "0532 111 22"}), 422, {"contact.phone"}, id="short phone"
        ),
        pytest.param(valid_request(contact={"name": "\u2063!!"}), 422, {"contact.name"}, id="name no words"),
        pytest.param(["a list"], 422, {"body"}, id="not an object"),
        pytest.param("{not json", 400, set(), id="not JSON"),
        pytest.param(b'{"description": "\xff\xfe\xfd yeterince uzun"}', 400, set(), id="not UTF-8"),
        pytest.param(json.dumps(valid_request(description="y" * 3000)) * 12, 413, set(), id="oversized"),
    ]


@pytest.mark.parametrize(("body", "status", "fields"), bad_inputs())
def test_bad_input_is_refused_with_named_fields_and_nothing_is_stored(
    call: Call, table_name: str, body: Any, status: int, fields: set[str]
) -> None:
    # When a client sends something wrong
    with counting_aws_calls() as calls:
        answer = call("POST", "/requests", body)
    # Then it is told what, in JSON
    assert answer.status == status, answer.body
    assert answer.body["error"]
    assert {f["field"] for f in answer.body["fields"]} == fields
    assert all(f["message"] for f in answer.body["fields"])
    # And nothing was written
    assert not [op for op in calls if not op.split(":")[1].startswith(("Get", "Query"))]
    assert pool_items(table_name) == []


def test_catalog_offers_categories_kinds_and_neighbourhoods_in_both_languages(call: Call) -> None:
    answer = call("GET", "/catalog")
    assert answer.status == 200
    codes = {c["code"] for c in answer.body["categories"]}
    assert {"veterinary", "road_sidewalk", "debris", "other"} <= codes
    assert all(c["name"]["tr"] and c["name"]["en"] for c in answer.body["categories"])
    assert {k["code"] for k in answer.body["kinds"]} == {
        "request",
        "complaint",
        "suggestion",
        "information",
        "thanks",
    }
    assert len(answer.body["neighbourhoods"]) >= 20
    assert "keywords" not in answer.body["categories"][0]


def test_catalog_is_cacheable_and_revalidates_with_its_etag(call: Call) -> None:
    first = call("GET", "/catalog")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = call("GET", "/catalog", headers={"if-none-match": first.headers["ETag"]})
    assert again.status == 304
    assert again.body == ""


def test_staff_edits_to_the_catalogue_win_over_the_shipped_seed(call: Call, table_name: str) -> None:
    # Given a supervisor renamed a category in the table
    client = boto3.client("dynamodb")
    client.update_item(
        TableName=table_name,
        Key=serialize({"pk": CATALOG_PK, "sk": "CAT#debris"}),
        UpdateExpression="SET #n.tr = :tr",
        ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues=serialize({":tr": "Moloz ve hafriyat"}),
    )
    # When the stack is deployed again (the seed runs again)

    inserted = pool(table_name).catalogue.seed(SHIPPED)
    # Then nothing was overwritten, and the catalogue shows the edit
    assert inserted == 0
    debris = next(c for c in call("GET", "/catalog").body["categories"] if c["code"] == "debris")
    assert debris["name"]["tr"] == "Moloz ve hafriyat"


def test_unknown_path_is_a_json_404(call: Call) -> None:
    answer = call("GET", "/nowhere")
    assert answer.status == 404
    assert answer.body["error"] == "no_route"


def test_free_text_is_stored_as_the_citizen_meant_it(call: Call, table_name: str) -> None:
    # Given text pasted with terminal colours, a bidi override, zero-width and control characters,
    # decomposed letters and a contact typed the way people type
    description = (
        "\x1b[31mKöpek\x1b[0m parkta \u202eyaralı\u202c\u200b yatıyor.\x00\r\n\r\n\r\n\tLütfen gelin."
    )
    contact = {
        "name": " Zeynep\u200d  Kaya\u0307\x07 ",
        "phone": "0 (532) 111-22-33",
        "email": " Zeynep.K@Example.COM ",
    }
    body = valid_request(description=description, contact=contact)
    body["location"]["address"] = "Atatürk\u00a0Cd.\u2028No 12"
    # When it is filed
    answer = call("POST", "/requests", body)
    # Then the request and its contact hold NFC text without the invisible and control characters,
    # one blank line at most, the phone in E.164 and the e-mail in lower case
    assert answer.status == 201, answer.body
    code = answer.body["code"].replace("-", "")
    requests = pool(table_name).requests
    stored = requests.get(code)
    assert stored is not None
    assert stored.description == "Köpek parkta yaralı yatıyor.\n\nLütfen gelin."
    assert stored.location is not None
    assert stored.location.address == "Atatürk Cd. No 12"
    saved = requests.get_contact(code)
    assert saved is not None
    assert (saved.name, saved.phone, saved.email) == ("Zeynep Kayȧ", "+905321112233", "zeynep.k@example.com")


def test_a_point_at_the_edge_of_the_district_is_accepted(call: Call) -> None:
    # Given a point just inside the profile's bounding area (Bornova's north-east corner)
    bounds = PROFILE.bounds
    answer = call("POST", "/requests", valid_request(location={"lat": bounds.north, "lon": bounds.east}))
    # Then it is filed
    assert answer.status == 201, answer.body


def test_a_point_outside_the_district_names_the_location_and_why(call: Call) -> None:
    answer = call("POST", "/requests", valid_request(location={"lat": 41.0082, "lon": 28.9784}))
    assert answer.status == 422
    assert answer.body["fields"] == [
        {
            "field": "location",
            "message": "The point is outside the municipality's area",
            "type": "outside_area",
        }
    ]


MULTIPART = (
    b'--xyz\r\nContent-Disposition: form-data; name="description"\r\n\r\n'
    b"Parkta yaral\xc4\xb1 bir k\xc3\xb6pek var, y\xc3\xbcr\xc3\xbcyem\xc4\xb1yor.\r\n--xyz--\r\n"
)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param("multipart/form-data; boundary=xyz", MULTIPART, id="multipart form"),
        pytest.param(
            "application/x-www-form-urlencoded",
            "description=Parkta+yaral%C4%B1+bir+k%C3%B6pek+var",
            id="url-encoded form",
        ),
        pytest.param("text/plain", json.dumps(valid_request()), id="JSON as text/plain"),
        pytest.param("", json.dumps(valid_request()), id="no content type"),
        pytest.param("application/jsonp", json.dumps(valid_request()), id="lookalike type"),
        pytest.param("application/json; charset=latin-1", json.dumps(valid_request()), id="other charset"),
        pytest.param("application/json, text/plain", json.dumps(valid_request()), id="two types"),
    ],
)
def test_a_body_that_is_not_json_is_refused_before_it_is_read(
    call: Call, table_name: str, content_type: str, body: str | bytes
) -> None:
    # Given a body any web page can make a visitor's browser send without a CORS preflight
    # When it reaches the intake
    answer = call("POST", "/requests", body, headers={"content-type": content_type})
    # Then it is a 415 in our error shape, and nothing was filed
    assert answer.status == 415, answer.body
    assert answer.body["error"] == "unsupported_media_type"
    assert answer.body["fields"] == []
    assert pool_items(table_name) == []


@pytest.mark.parametrize("content_type", ["application/json", "Application/JSON; charset=UTF-8"])
def test_json_with_or_without_its_charset_is_accepted(call: Call, content_type: str) -> None:
    answer = call("POST", "/requests", valid_request(), headers={"content-type": content_type})
    assert answer.status == 201, answer.body
