"""The validated input types every contract uses: text as meant, phones, e-mails, points."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from civicdesk.core.errors import InvalidInput
from civicdesk.core.validation import (
    CatalogueCode,
    CleanText,
    Email,
    Latitude,
    PhoneNumber,
    Timestamp,
    clean_text,
    require_inside,
)
from tests.support import PROFILE


class Form(BaseModel):
    """A contract as a staff API might write one, reusing the types."""

    title: Annotated[str, CleanText(min_length=3, max_length=20)]
    note: Annotated[str, CleanText(max_length=50, multiline=True)] | None = None
    phone: PhoneNumber | None = None
    email: Email | None = None
    lat: Latitude | None = None


def refused(**given: Any) -> dict[str, str]:
    """The fields a Form refuses, with pydantic's error type."""
    try:
        Form.model_validate({"title": "Başlık", **given})
    except ValidationError as error:
        return {".".join(map(str, e["loc"])): e["type"] for e in error.errors()}
    return {}


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("\u200b\u200c\u200d\u2060\ufeff", ""),  # zero-width characters
        ("a\u0000b\u0007c\u007fd\u0080e", "abcde"),  # C0, DEL and C1 controls
        ("\x1b[1;31mKırmızı\x1b[0m", "Kırmızı"),  # a whole terminal colour sequence, not just ESC
        ("\x1b]0;title\x07metin", "metin"),  # a terminal title sequence
        ("abc\u202edef\u202c\u2066g\u2069", "abcdefg"),  # bidi overrides and isolates
        ("Kaya\u0307", "Kayȧ"),  # NFC: one code point where one exists
        ("a\u0301\u0301\u0301\u0301\u0301\u0301", "á\u0301\u0301\u0301"),  # stacked marks, capped
        ("\u0301baş", "baş"),  # a mark with nothing to sit on
        ("  çok\t\u00a0 boşluk\u3000 ", "çok boşluk"),  # every kind of space, tidied
        ("\u3164\u2800\ufe0f\U000e0041", ""),  # fillers, braille blank, selectors, tag characters
        ("\ud800yarım", "yarım"),  # a lone surrogate (JSON can carry one; DynamoDB cannot store it)
        ("satır\r\nsatır", "satır satır"),  # one line: line breaks become spaces
    ],
)
def test_clean_text_keeps_what_a_person_meant(typed: str, meant: str) -> None:
    assert clean_text(typed) == meant


def test_paragraphs_keep_line_breaks_and_at_most_one_blank_line() -> None:
    typed = " Birinci satır \r\n\r\n\r\n\r\n\u2028 ikinci\u2029üçüncü\n"
    assert clean_text(typed, multiline=True) == "Birinci satır\n\nikinci\nüçüncü"


@given(st.text())
def test_cleaned_text_holds_no_control_format_or_surrogate_character_and_is_stable(text: str) -> None:
    for multiline in (False, True):
        cleaned = clean_text(text, multiline=multiline)
        allowed = {"\n"} if multiline else set()
        assert all(
            unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co") or c in allowed for c in cleaned
        ), repr(cleaned)
        assert cleaned == cleaned.strip()
        assert clean_text(cleaned, multiline=multiline) == cleaned


def test_a_minimum_length_counts_the_cleaned_text_and_a_maximum_the_text_as_sent() -> None:
    # Given a title padded to length with invisible characters
    # Then it is too short: the padding does not count
    assert refused(title="ab" + "\u200b" * 10) == {"title": "string_too_short"}
    # And a text longer than the maximum is refused as the API document says, even if cleaning
    # would shorten it (the limit also bounds the work done on it)
    assert refused(title="abc" + "\u200b" * 18) == {"title": "string_too_long"}
    assert Form.model_validate({"title": "abc" + "\u200b" * 17}).title == "abc"


def test_text_without_a_letter_or_digit_is_not_text() -> None:
    assert refused(title="?!.-") == {"title": "no_words"}
    assert refused(note="...\n\n---") == {"note": "no_words"}
    assert refused(note="") == {}  # an empty optional text is no text, not an error


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0532 111 22 33", "+905321112233"),
        ("532 111 22 33", "+905321112233"),
        ("+90 (532) 111-22-33", "+905321112233"),
        ("00905321112233", "+905321112233"),
        ("0 (232) 444 0 153", "+902324440153"),  # a landline
        ("+49 30 1234567", "+49301234567"),  # a visitor's number keeps its country
        ("\u200b0532\u00a0111 22 33\u200b", "+905321112233"),
    ],
)
def test_phone_numbers_are_read_as_written_and_stored_in_e164(typed: str, e164: str) -> None:
    assert Form.model_validate({"title": "Başlık", "phone": typed}).phone == e164


@pytest.mark.parametrize(
    "typed",
    [
        "(" * 40,
        "(" * 20,
        "+" + "(" * 20 + "5321112233",  # punctuation soup around real digits
        "0532 111 22",  # too short
        "0532 111 22 33 44",  # too long
        "call me",
        "+90 532 111 22 33; DROP TABLE",
    ],
)
def test_what_is_not_one_phone_number_is_refused(typed: str) -> None:
    assert refused(phone=typed) in ({"phone": "phone_invalid"}, {"phone": "string_too_long"})


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Zeynep.K@Example.com", "zeynep.k@example.com"),
        (" ayse@bornova.bel.tr\u200b", "ayse@bornova.bel.tr"),
        ("çağrı@örnek.com.tr", "çağrı@örnek.com.tr"),
    ],
)
def test_email_addresses_are_checked_by_the_library_and_stored_lower_case(typed: str, stored: str) -> None:
    assert Form.model_validate({"title": "Başlık", "email": typed}).email == stored


@pytest.mark.parametrize(
    "typed",
    ["<script>alert(1)</script>@x.yy", "a@b", "a b@example.com", "x@localhost", "a@example.test", "@x.com"],
)
def test_what_is_not_an_email_address_is_refused(typed: str) -> None:
    assert refused(email=typed) == {"email": "email_invalid"}


@pytest.mark.parametrize("typed", ["38.4", True, None, [38.4], float("nan"), float("inf"), 91])
def test_a_latitude_is_a_json_number_in_range_never_coerced(typed: Any) -> None:
    given = {"lat": typed}
    if typed is None:
        assert refused(**given) == {}
    else:
        assert "lat" in refused(**given)
    assert Form.model_validate({"title": "Başlık", "lat": 38}).lat == 38.0  # an integer is a number


def test_catalogue_codes_are_lower_case_words() -> None:
    codes: TypeAdapter[str] = TypeAdapter(CatalogueCode)
    assert codes.validate_python("road_sidewalk") == "road_sidewalk"
    for bad in ("", "Road", "a b", "yol\u0000", "x" * 65, "-x"):
        with pytest.raises(ValidationError):
            codes.validate_python(bad)


def test_a_point_outside_the_profiles_area_is_refused_naming_the_field() -> None:
    bounds = PROFILE.bounds
    require_inside(bounds, (bounds.south + bounds.north) / 2, (bounds.west + bounds.east) / 2, field="at")
    with pytest.raises(InvalidInput) as refusal:
        require_inside(bounds, 41.0082, 28.9784, field="location")
    assert (refusal.value.fields.keys(), refusal.value.reason) == ({"location"}, "outside_area")


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("2026-11-30T09:00:00+03:00", datetime(2026, 11, 30, 6, tzinfo=UTC)),
        ("2026-11-30T06:00:00Z", datetime(2026, 11, 30, 6, tzinfo=UTC)),
        ("2026-11-30T06:00:00.250Z", datetime(2026, 11, 30, 6, 0, 0, 250_000, tzinfo=UTC)),
    ],
)
def test_a_timestamp_is_iso_8601_with_its_zone_read_as_utc(sent: str, read: datetime) -> None:
    assert TypeAdapter(Timestamp).validate_python(sent) == read


@pytest.mark.parametrize(
    ("sent", "why"),
    [
        ("2.38e-266", "datetime_invalid"),  # lax pydantic reads a number as Unix time
        (1764482400, "datetime_invalid"),
        ("2026-11-30", "timezone_missing"),  # midnight where?
        ("2026-11-30T09:00:00", "timezone_missing"),
        ("0001-01-01T00:00:00+14:00", "datetime_out_of_range"),  # before the first day in UTC
        ("yesterday", "datetime_invalid"),
    ],
)
def test_what_is_not_a_zoned_iso_timestamp_is_refused(sent: object, why: str) -> None:
    with pytest.raises(ValidationError) as refusal:
        TypeAdapter(Timestamp).validate_python(sent)
    assert refusal.value.errors()[0]["type"] == why
