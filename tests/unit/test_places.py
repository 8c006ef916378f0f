"""Neighbourhood names as citizens write them: suffixes, no diacritics, joined or apart, typos, and
names that are also everyday words counting only with `mahallesi` (or when the question was asked)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicdesk.core import textnorm
from civicdesk.profile import model as profiles
from civicdesk.profile import places
from tests.support import SHIPPED

BORNOVA = places.gazetteer(SHIPPED.neighbourhoods)
ORNEK = places.gazetteer(profiles.load("ornek").catalogue().neighbourhoods)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Kazım Dirik'te sokak lambası yanmıyor", "kazim_dirik"),  # apostrophe and locative
        ("kazimdirik", "kazim_dirik"),  # joined, no diacritics
        ("Kazımdirik mahallesinde", "kazim_dirik"),
        ("Kazm Dirikte", "kazim_dirik"),  # a typo in a long name
        ("Evka 3'te çöp alınmadı", "evka_3"),
        ("evka3", "evka_3"),
        ("EVKA-3", "evka_3"),
        ("Erzene'de", "erzene"),
        ("ERZENE'DEYİZ", "erzene"),  # a personal ending after the case
        ("lakadan geliyorum", "laka"),
        ("Kayadibi'nde", "kayadibi"),
        ("Naldökn mahalesi", "naldoken"),  # typos in the name and in the marker
    ],
)
def test_a_distinctive_name_is_read_however_it_is_written(text: str, code: str) -> None:
    assert BORNOVA.find(text) == code


def test_exact_spelling_beats_a_typo_between_names_one_letter_apart() -> None:
    # Given Erzene and Ergene, one letter apart
    # Then each marked name is itself, never the other through a typo
    assert BORNOVA.find("Erzene mahallesi") == "erzene"
    assert BORNOVA.find("Ergene mahallesi") == "ergene"
    # And Ergene (a river's name) alone is not read as Erzene with a typo: it needs its marker
    assert BORNOVA.find("Ergene'de") is None
    # And digits are never a typo: Evka 4 is not Evka 3, and Evka 5 is neither
    assert BORNOVA.find("evka 4 mah") == "evka_4"
    assert BORNOVA.find("Evka 5", asked=True) is None


@pytest.mark.parametrize(
    "text",
    [
        "Zafer Bey'in dükkanının önünde çukur var",  # a man
        "Ümit ederim bu hafta gelirsiniz",  # hope
        "birlikte gelelim",  # together
        "Köprünün üzerindeki ışıklar yanmıyor",  # lights
        "Merkezde çöp var",  # the centre
        "Çınar ağacı devrildi",  # a plane tree
        "Yunus Emre'de",  # a poet, and a school in every town
        "Gazi Osman Paşa",
        "Ergenler parkta toplanıyor",  # teenagers, one letter from Ergene
        "kaya dibi",  # Kayadibi written apart is an ordinary phrase
    ],
)
def test_a_name_that_is_also_an_everyday_word_does_not_count_alone(text: str) -> None:
    assert BORNOVA.find(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Zafer Mahallesi'nde", "zafer"),
        ("ümit mah.", "umit"),
        ("Birlik mahallesine", "birlik"),
        ("yunus emre mh", "yunus_emre"),
        ("kaya dibi mahallesi", "kayadibi"),
    ],
)
def test_the_same_names_count_with_a_marker(text: str, code: str) -> None:
    assert BORNOVA.find(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [("Zafer", "zafer"), ("merkez", "merkez"), ("İnönü", "inonu"), ("gaziosmanpaşa", "gazi_osman_pasa")],
)
def test_when_the_neighbourhood_was_asked_for_a_bare_everyday_name_answers_it(text: str, code: str) -> None:
    assert BORNOVA.find(text) is None
    assert BORNOVA.find(text, asked=True) == code


def test_a_marked_or_distinctive_name_beats_an_everyday_one_in_an_answer() -> None:
    assert BORNOVA.find("merkezde değil, Laka'da", asked=True) == "laka"


@pytest.mark.parametrize("text", ["Atatürk Caddesi'nde", "Kazım Dirik Caddesi", "Çınar Sokak", "İnönü st."])
def test_a_name_followed_by_a_street_word_is_a_street(text: str) -> None:
    # Given a street named like a neighbourhood / Then it names no neighbourhood, even when asked
    assert BORNOVA.find(text, asked=True) is None
    # And its words are still marked as a name, so they are not read as keywords
    assert 0 in BORNOVA.read(textnorm.words(text)).names


def test_the_words_of_a_name_and_its_marker_are_marked_as_names_and_nothing_else() -> None:
    tokens = textnorm.words("Kazım Dirik Mahallesi'nde sokak lambası yanmıyor")
    assert BORNOVA.read(tokens) == places.Reading("kazim_dirik", frozenset({0, 1, 2}))


def test_another_profile_is_read_by_the_same_rules() -> None:
    # Given the small example profile, whose names are all everyday words (mosque, castle, new, ...)
    # Then they count with a marker or as an answer, and never alone in a sentence
    assert ORNEK.find("Kale mahallesinde su yok") == "kale"
    assert ORNEK.find("Kale'nin önünde çöp var") is None
    assert ORNEK.find("bag evleri mh") == "bag_evleri"
    assert ORNEK.find("Bağevleri", asked=True) == "bag_evleri"
    assert ORNEK.find("Erzene mahallesi") is None  # Bornova's names are not its own


@given(st.text(max_size=200))
def test_any_text_reads_as_a_known_neighbourhood_or_none(text: str) -> None:
    reading = BORNOVA.read(textnorm.words(text), asked=True)
    assert reading.neighbourhood is None or reading.neighbourhood in {n.code for n in SHIPPED.neighbourhoods}
    assert all(0 <= i < len(textnorm.words(text)) for i in reading.names)
