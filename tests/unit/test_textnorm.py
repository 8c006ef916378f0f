"""Turkish folding and stem matching: both keyboards, no diacritics, suffixes and softening meet."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicdesk.core import textnorm

TURKISH_TO_ASCII = str.maketrans("çğıöşüâîûÇĞİÖŞÜÂÎÛI", "cgiosuaiuCGIOSUAIUI")


def test_dotted_and_dotless_i_fold_to_the_same_letter() -> None:
    # Given the four Turkish i's: İ (capital dotted), I (capital dotless, or an English capital i),
    # ı (dotless) and i
    # When folded
    # Then all four are the ASCII "i", with no stray combining dot
    assert textnorm.fold("İIıi") == "iiii"
    assert textnorm.fold("İSTANBUL") == "istanbul"


@pytest.mark.parametrize(
    ("turkish", "typed"),
    [
        ("köpek yaralı", "kopek yarali"),
        ("KÖPEK YARALI", "KOPEK YARALI"),  # English keyboard: I is a plain capital i
        ("Çöpler toplanmadı", "copler toplanmadi"),
        ("Şikâyet", "sikayet"),
        ("AĞAÇ DALI", "agac dali"),
        ("İSKİ'ye", "iski'ye"),
    ],
)
def test_turkish_text_and_its_ascii_typing_fold_alike(turkish: str, typed: str) -> None:
    assert textnorm.fold(turkish) == textnorm.fold(typed)
    assert textnorm.fold(turkish).isascii()


def test_decomposed_input_and_other_diacritics_fold_too() -> None:
    # Given text from a phone that sends combining marks, and a French loanword
    decomposed = unicodedata.normalize("NFD", "Çöp İğne")
    # Then it folds as if it had been typed precomposed
    assert textnorm.fold(decomposed) == "cop igne"
    assert textnorm.fold("Café") == "cafe"


def test_turkish_lower_case_for_display_keeps_dotless_i() -> None:
    assert textnorm.lower_tr("ISPARTA İZMİR") == "ısparta izmir"


def test_words_split_on_punctuation_and_join_an_apostrophe_suffix() -> None:
    assert textnorm.words("Atatürk'te, İSKİ’ye: çöpler!! 3 gündür") == [
        "ataturkte",
        "iskiye",
        "copler",
        "3",
        "gundur",
    ]
    assert textnorm.words("") == []


@pytest.mark.parametrize(
    ("stem", "word"),
    [
        ("kaldirim", "kaldirimdaki"),
        ("cop", "copler"),
        ("agac", "agaclari"),
        ("kopek", "kopege"),  # k → ğ before a vowel
        ("sokak", "sokaga"),
        ("kitap", "kitabi"),  # p → b
        ("gecit", "gecidi"),  # t → d
    ],
)
def test_a_stem_matches_its_inflections_and_softened_forms(stem: str, word: str) -> None:
    assert textnorm.stem_matches(stem, word, strict=len(stem) < 4)


@pytest.mark.parametrize(
    ("stem", "word"),
    [
        ("cim", "cimento"),  # çim (grass) is not çimento
        ("dog", "dogru"),  # dog is not doğru (right)
        ("kopek", "kopeg"),  # a softened stem needs a vowel after it
        ("sokak", "soka"),
    ],
)
def test_a_short_stem_needs_real_inflection_after_it(stem: str, word: str) -> None:
    assert not textnorm.stem_matches(stem, word, strict=True)


def test_short_stems_do_not_soften() -> None:
    # one-syllable words keep their consonant (kat → katı), so "kad" is not a form of "kat"
    assert textnorm.soften("kat") is None
    assert textnorm.soften("kopek") == "kopeg"


@pytest.mark.parametrize("rest", ["", "ler", "lerden", "yu", "sindaki", "lik", "s"])
def test_inflection_reads_as_a_suffix_chain(rest: str) -> None:
    assert textnorm.is_suffix_chain(rest)


@pytest.mark.parametrize("rest", ["ento", "ru", "x", "lerlerlerlerler"])
def test_other_endings_are_not_a_suffix_chain(rest: str) -> None:
    assert not textnorm.is_suffix_chain(rest)


@pytest.mark.parametrize(
    ("word", "compound", "expected"),
    [
        ("kopegi", True, "kopek"),  # sokak köpeği
        ("kutusu", True, "kutu"),  # çöp kutusu
        ("suyu", True, "su"),  # yağmur suyu
        ("tasi", True, "tas"),  # parke taşı
        ("sular", False, "su"),  # sular kesildi
        ("kedi", False, "kedi"),  # a lone word keeps its own final vowel
        ("kazi", False, "kazi"),
    ],
)
def test_lemma_removes_plural_and_compound_marker(word: str, compound: bool, expected: str) -> None:
    assert textnorm.lemma(word, compound=compound) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("kaldirm", "kaldirim", 1),  # a dropped letter
        ("sivrisnek", "sivrisinek", 1),
        ("konteynir", "konteyner", 1),  # a wrong letter
        ("ab", "ba", 1),  # a transposition counts once
        ("kontenyir", "konteyner", 2),
        ("abc", "abc", 0),
    ],
)
def test_damerau_levenshtein_distance(a: str, b: str, expected: int) -> None:
    assert textnorm.distance(a, b, limit=2) == expected


def test_distance_stops_early_above_the_limit() -> None:
    assert textnorm.distance("kopek", "belediye", limit=1) == 2


@given(st.text(alphabet="abcde", max_size=8), st.text(alphabet="abcde", max_size=12), st.integers(0, 2))
def test_prefix_distances_agree_with_the_distance_to_each_prefix(word: str, typed: str, limit: int) -> None:
    # Given one table for every prefix / Then each entry is the distance to that prefix, within the limit
    expected = {n: textnorm.distance(word, typed[:n], limit) for n in range(len(typed) + 1)}
    assert textnorm.prefix_distances(word, typed, limit) == {n: d for n, d in expected.items() if d <= limit}


def test_deletions_cover_every_single_and_double_deletion() -> None:
    assert textnorm.deletions("abc", 1) == {"abc", "bc", "ac", "ab"}
    assert {"a", "b", "c"} <= textnorm.deletions("abc", 2)


@given(st.text())
def test_folding_is_idempotent_for_any_text(text: str) -> None:
    once = textnorm.fold(text)
    assert textnorm.fold(once) == once


@given(st.text(alphabet="abcçdefgğhıijklmnoöprsştuüvyzâîûABCÇDEFGĞHIİJKLMNOÖPRSŞTUÜVYZ '.,!?"))
def test_any_turkish_text_folds_like_its_diacritic_free_typing(text: str) -> None:
    folded = textnorm.fold(text)
    assert folded.isascii()
    assert folded == textnorm.fold(text.translate(TURKISH_TO_ASCII))
