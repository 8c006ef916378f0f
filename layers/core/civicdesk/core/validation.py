"""Validated input types for every API contract: text as a person meant it, phones, e-mails, points.

JSON that parses is not yet a request: ten zero-width spaces pass a length check, `"41"` passes for a
latitude in lax mode, a regex passes `<script>@x.yy` for an e-mail. Contracts use these types instead
of bare `str`/`float`, so every channel's API refuses such input with a 422 naming the field:

    class ContactIn(BaseModel):
        name: Annotated[str, CleanText(max_length=120)] | None = None
        phone: PhoneNumber | None = None      # stored in E.164
        email: Email | None = None

    class NoteIn(BaseModel):
        text: Annotated[str, CleanText(min_length=1, max_length=4000, multiline=True)]
        lat: Latitude
        lon: Longitude

A point's place in the municipality is checked where the profile is known (`require_inside`, raised
as a 422 by `civicdesk.core.http`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, GetCoreSchemaHandler, PlainValidator, WithJsonSchema
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from civicdesk.core.errors import InvalidInput

DEFAULT_REGION = "TR"
"""How a phone number without a country code is read: `0532 123 45 67` is Turkish."""
MAX_MARKS = 3
"""Combining marks kept on one letter: Turkish and English need at most one; `Zalgo` text has dozens."""

# Terminal escape sequences (ANSI/VT100: colours, cursor moves, titles), removed whole: stripping only
# the ESC control would leave `[31m` in the text.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: ESC [ ... final byte
    r"|\x9b[0-?]*[ -/]*[@-~]"  # CSI as one C1 control
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: ESC ] ... BEL or ST
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
)
_NEWLINES = {"\r\n", "\r", "\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"}
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt) beyond the format category Cf,
# which is removed whole, plus the braille blank: characters that show nothing.
_INVISIBLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong/jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors
    (0x2800, 0x2800),  # braille pattern blank
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)
_REMOVED_CATEGORIES = {"Cc", "Cf", "Cs", "Co"}  # controls, format (zero-width, bidi), surrogates, private
_MARKS = {"Mn", "Me"}
_SPACES = re.compile(r"[ ]{2,}")
_BLANK_LINES = re.compile(r"\n{3,}")


def _invisible(code: int) -> bool:
    return any(low <= code <= high for low, high in _INVISIBLE_RANGES) or (code & 0xFFFE) == 0xFFFE


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` as a person meant it: NFC, no controls, escapes or invisible characters, spaces tidied.

    Line breaks survive as `\\n` (at most one blank line in a row) only when `multiline`; otherwise
    they become spaces. Tabs and exotic spaces become one plain space.
    """
    text = _ESCAPES.sub("", unicodedata.normalize("NFC", value))
    kept: list[str] = []
    marks = 0
    for char in text.replace("\r\n", "\n"):
        if char in _NEWLINES:
            kept.append("\n" if multiline else " ")
            marks = MAX_MARKS  # a mark never sits on a line break
            continue
        category = unicodedata.category(char)
        if char == "\t" or category == "Zs":
            kept.append(" ")
            marks = MAX_MARKS
        elif category in _REMOVED_CATEGORIES or _invisible(ord(char)):
            continue
        elif category in _MARKS:
            if marks < MAX_MARKS:
                kept.append(char)
                marks += 1
        else:
            kept.append(char)
            marks = 0
    if not kept:
        return ""
    # A mark at the very start has no letter to sit on.
    while kept and unicodedata.category(kept[0]) in _MARKS:
        kept.pop(0)
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(kept).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _has_words(value: str) -> str:
    if value and not any(unicodedata.category(char)[0] in "LN" for char in value):
        raise PydanticCustomError("no_words", "Text must contain letters or digits")
    return value


@dataclass(frozen=True)
class CleanText:
    """Free text as a person meant it, as `Annotated[str, CleanText(max_length=300)]`.

    The text is cleaned by `clean_text` (line breaks kept when `multiline`); `min_length` counts what
    remains, so invisible padding never makes a text long enough. `max_length` holds for the text as
    sent too, as the API document says. Non-empty text must hold a letter or a digit, unless `words`
    is off (a phone number or an e-mail address has its own, finer check).
    """

    max_length: int
    min_length: int = 0
    multiline: bool = False
    words: bool = True

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        text = core_schema.str_schema(min_length=self.min_length or None, max_length=self.max_length)
        checked = core_schema.no_info_after_validator_function(_has_words, text) if self.words else text
        return core_schema.no_info_before_validator_function(self._clean, checked)

    def _clean(self, value: object) -> object:
        if not isinstance(value, str):
            return value  # the string schema refuses it
        if len(value) > self.max_length:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": self.max_length},
            )
        return clean_text(value, multiline=self.multiline)


def _phone(value: str) -> str:
    # The matcher, not bare parse(): parse() skips any punctuation, so `+((((5321112233` would pass;
    # the matcher knows how numbers are written, and the whole input must be that one valid number.
    found = phonenumbers.PhoneNumberMatcher(value, DEFAULT_REGION, leniency=phonenumbers.Leniency.VALID)
    match = next(iter(found), None)
    if match is None or (match.start, match.end) != (0, len(value)):
        raise PydanticCustomError(
            "phone_invalid", "Not a phone number (e.g. 0532 123 45 67 or +90 532 123 45 67)"
        )
    return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)


PhoneNumber = Annotated[
    str,
    CleanText(min_length=1, max_length=32, words=False),
    AfterValidator(_phone),
    Field(examples=["0532 123 45 67"]),
]
"""A phone number as people write it (Turkish when it has no country code), stored in E.164."""


def _email(value: str) -> str:
    try:
        # Syntax only: no DNS look-up on the request path (and none is possible offline).
        address = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        reason = {"reason": str(error)}
        raise PydanticCustomError("email_invalid", "Not an e-mail address: {reason}", reason) from error
    return address.normalized.lower()


Email = Annotated[
    str,
    CleanText(min_length=3, max_length=254, words=False),
    AfterValidator(_email),
    Field(json_schema_extra={"format": "email"}),
]
"""An e-mail address checked by `email-validator` (syntax, not deliverability), stored lower-case."""

Latitude = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-90, le=90, examples=[38.466])]
"""A JSON number (never `"41"` or `true`), in degrees north."""

Longitude = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-180, le=180, examples=[27.22])]
"""A JSON number (never `"27"` or `true`), in degrees east."""


def _timestamp(value: object) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            value = None
    if not isinstance(value, datetime):  # a number is no date here: pydantic would read it as epoch seconds
        raise PydanticCustomError(
            "datetime_invalid", "Not an ISO 8601 date-time (e.g. 2026-11-30T09:00:00+03:00)"
        )
    if value.tzinfo is None:
        raise PydanticCustomError("timezone_missing", "Give the time zone too (e.g. +03:00 or Z)")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01 at +14:00 is before the first day Python can hold in UTC
        raise PydanticCustomError("datetime_out_of_range", "The date-time is out of range") from None


Timestamp = Annotated[
    datetime, PlainValidator(_timestamp), WithJsonSchema({"type": "string", "format": "date-time"})
]
"""An ISO 8601 date-time with its time zone (RFC 3339, as the document says), read as UTC; never a
number (pydantic's lax mode reads `2.4e-266` as a Unix time) nor a time of no zone."""

CatalogueCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_-]*$")]
"""A category, neighbourhood or department code as `GET /catalog` lists them (`road_sidewalk`)."""


class Area(Protocol):
    """Where a point may be: the municipality profile's `Bounds`, or a finer shape."""

    def contains(self, lat: float, lon: float) -> bool: ...


def require_inside(area: Area, lat: float, lon: float, *, field: str) -> None:
    """Refuse a point outside the municipality (a 422 naming `field`): it cannot be one of its problems."""
    if not area.contains(lat, lon):
        raise InvalidInput({field: "The point is outside the municipality's area"}, reason="outside_area")
