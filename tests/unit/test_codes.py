"""Tracking codes: unguessable, readable over the phone, forgiving of how people type them."""

from __future__ import annotations

import pytest

from civicdesk.requests import codes


def test_codes_carry_at_least_40_random_bits() -> None:
    assert codes.ENTROPY_BITS >= 40


def test_alphabet_has_no_lookalikes_and_no_letters_turkish_lacks() -> None:
    # Given the symbols people misread or cannot spell in Turkish
    confusing = set("01OILU") | set("QWX")
    # Then none of them is ever drawn
    assert not confusing & set(codes.ALPHABET)
    assert len(set(codes.ALPHABET)) == len(codes.ALPHABET)


def test_new_codes_are_canonical_and_distinct() -> None:
    drawn = {codes.new_code() for _ in range(5000)}
    assert len(drawn) == 5000
    assert all(codes.normalize(c) == c for c in drawn)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7KK-M4Y-P2T", "7KKM4YP2T"),
        ("7kk m4y p2t", "7KKM4YP2T"),
        ("  7KK.M4Y.P2T ", "7KKM4YP2T"),
        # a Turkish keyboard's dotless/dotted i upper-case outside the alphabet: never a code
        ("ızz-zzz-zzz", None),
        ("İZZ-ZZZ-ZZZ", None),
        ("7kk-m4y-p2ı", None),
    ],
)
def test_normalize_accepts_what_people_type(typed: str, expected: str | None) -> None:
    assert codes.normalize(typed) == expected


@pytest.mark.parametrize("bad", ["", "ABC", "7KKM4YP2T9", "7KK-M4Y-P2O", "../../etc", "7KKM4YP2U"])
def test_normalize_rejects_what_cannot_be_a_code(bad: str) -> None:
    assert codes.normalize(bad) is None


def test_display_groups_by_three() -> None:
    assert codes.display("7KKM4YP2T") == "7KK-M4Y-P2T"


def test_the_example_codes_shown_to_people_are_real_codes() -> None:
    # Given the example the page, the API documentation and the events use
    from civicdesk.requests.contracts import RequestAccepted

    example = RequestAccepted.model_fields["code"].examples[0]  # type: ignore[index]
    # Then it is a code the system could have issued, so typing it teaches the right alphabet
    assert codes.normalize(example) == example.replace("-", "")
