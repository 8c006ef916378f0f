"""The request classifier: Turkish first, typo and suffix tolerant, honest about how sure it is."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import civicdesk.routing
from civicdesk.catalogue.model import Catalogue, Keyword
from civicdesk.core.textnorm import lower_tr
from civicdesk.profile import model as profiles
from civicdesk.routing.classifier import Classification, Classifier, KeywordClassifier
from tests.support import SHIPPED

CASES = Path(civicdesk.routing.__file__).resolve().parent / "data" / "bornova" / "cases.jsonl"

# Floors on the labelled set, a little under what was measured (0.915 top-1, 0.994 auto-routed
# precision, 69% auto-routed); a change that drops below them needs a look, not a new floor.
ACCURACY_FLOOR = 0.88
AUTO_ROUTED_PRECISION_FLOOR = 0.97
AUTO_ROUTED_SHARE_FLOOR = 0.60
VARIANT_ACCURACY_FLOOR = {"ascii": 0.88, "misspelled": 0.88, "english": 0.85}
KEYWORD_THRESHOLD = 0.6  # the keyword classifier's scores are not calibrated: this is what it was tuned for


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return SHIPPED


@pytest.fixture(scope="module")
def classifier() -> KeywordClassifier:
    return KeywordClassifier()


@pytest.fixture(scope="module")
def cases() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_keyword_classifier_fills_the_classifier_seam(shipped: Catalogue) -> None:
    # Given the protocol a hosted model would also implement
    chosen: Classifier = KeywordClassifier()
    # When it classifies
    result = chosen.classify("Sokak lambası yanmıyor", shipped)
    # Then it answers with the shared, frozen model
    assert isinstance(result, Classification)
    with pytest.raises(ValidationError):
        result.category = "garbage"  # type: ignore[misc]


def test_classification_rejects_a_confidence_outside_zero_to_one() -> None:
    with pytest.raises(ValidationError):
        Classification(category="garbage", confidence=1.2, runner_up=None, runner_up_confidence=0)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Sokağımızda yaralı bir köpek var, yürüyemiyor.", "veterinary"),
        ("Caddedeki çukur yüzünden lastiğim patladı.", "road_sidewalk"),
        ("Kapının önüne eski koltuk ve kanepe bıraktık, alır mısınız?", "debris"),
        ("Çöpler üç gündür alınmadı, konteyner taştı.", "garbage"),
        ("Parktaki salıncak kırık, çocuklar düşüyor.", "parks_trees"),
        ("Üst kattaki komşunun müzik sesi gece yarısı bitmiyor, gürültüden uyuyamıyoruz.", "zabita"),
        ("Bodrumda fareler var, ilaçlama istiyoruz.", "pest_control"),
        ("Sokak lambası bir haftadır yanmıyor.", "lighting"),
        ("Rögar kapağı kırık, kanalizasyon kokusu geliyor.", "water_sewage"),
        ("Yaşlı annem yatağa bağımlı, evde bakım desteği istiyoruz.", "social_support"),
        ("Yan parsele kaçak kat çıkıyorlar, ruhsatları var mı?", "zoning_building"),
        ("Nikah salonu için randevu almak istiyorum.", "other"),
    ],
)
def test_a_plain_turkish_message_per_category(
    classifier: KeywordClassifier, shipped: Catalogue, text: str, category: str
) -> None:
    result = classifier.classify(text, shipped)
    assert result.category == category
    assert result.matched, "the keywords seen explain the decision"


@pytest.mark.parametrize(
    ("turkish", "typed"),
    [
        ("Köpek yaralı, yardım edin", "kopek yarali, yardim edin"),
        ("KALDIRIMDAKİ ÇUKURLAR", "kaldirimdaki cukurlar"),
        ("Ağaçların dalları kırıldı", "agaclarin dallari kirildi"),
    ],
)
def test_text_typed_without_turkish_letters_is_classified_the_same(
    classifier: KeywordClassifier, shipped: Catalogue, turkish: str, typed: str
) -> None:
    assert classifier.classify(turkish, shipped) == classifier.classify(typed, shipped)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("kaldirmdaki taşlar yerinden çıkmış", "road_sidewalk"),  # a dropped letter, then a suffix
        ("cukurr yüzünden düştüm", "road_sidewalk"),  # a doubled letter
        ("sivrisnek yüzünden uyuyamıyoruz", "pest_control"),
        ("kontenyır taşmış", "garbage"),  # two slips in a long word
        ("kanalizayon kokuyor", "water_sewage"),
    ],
)
def test_common_misspellings_still_match(
    classifier: KeywordClassifier, shipped: Catalogue, text: str, category: str
) -> None:
    assert classifier.classify(text, shipped).category == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Köpeğe araba çarptı", "veterinary"),  # köpek → köpeğe
        ("Sokağa çöpler yığılmış", "garbage"),
        ("Ağaçları budamanızı istiyoruz", "parks_trees"),
        ("Sokak köpekleri çocuklara saldırıyor", "veterinary"),  # a phrase over inflected words
    ],
)
def test_suffixes_and_softening_are_understood(
    classifier: KeywordClassifier, shipped: Catalogue, text: str, category: str
) -> None:
    assert classifier.classify(text, shipped).category == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("There is an injured dog near the school gate.", "veterinary"),
        ("The street light in front of our house is out.", "lighting"),
        ("Garbage has not been collected this week.", "garbage"),
        ("Rats everywhere near the market, please send pest control.", "pest_control"),
    ],
)
def test_english_messages(
    classifier: KeywordClassifier, shipped: Catalogue, text: str, category: str
) -> None:
    assert classifier.classify(text, shipped).category == category


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Atatürk Mahallesi'nde çöpler toplanmadı", "ataturk"),
        ("ataturk mah. cop toplanmadi", "ataturk"),
        ("Yunus Emre mh okul önü", "yunus_emre"),
        ("GAZİ OSMAN PAŞA MAHALLESİNDE su yok", "gazi_osman_pasa"),
        ("Kazım Dirik Mahallesi", "kazim_dirik"),  # written apart
        ("kazimdirik mah", "kazim_dirik"),  # written together
        ("Naldökn mahalesi", "naldoken"),  # a typo in both words
    ],
)
def test_the_neighbourhood_named_in_the_text_is_found(
    classifier: KeywordClassifier, shipped: Catalogue, text: str, code: str
) -> None:
    assert classifier.classify(text, shipped).neighbourhood == code


def test_a_bare_name_without_mahalle_is_not_taken_for_a_neighbourhood(
    classifier: KeywordClassifier, shipped: Catalogue
) -> None:
    # "Zafer", "Ümit" and "Merkez" are also people, streets and ordinary words
    assert classifier.classify("Zafer Bey'in dükkanının önünde çukur var", shipped).neighbourhood is None


def test_a_neighbourhood_name_does_not_count_as_a_keyword(
    classifier: KeywordClassifier, shipped: Catalogue
) -> None:
    # Given "Kazım Dirik" (a neighbourhood's name) which reads like "kazı" (road excavation) and "direk"
    result = classifier.classify("Kazım Dirik Mahallesi'nde sokak lambaları yanmıyor", shipped)
    # Then the name only names the place
    assert (result.neighbourhood, result.category) == ("kazim_dirik", "lighting")
    assert "kazı" not in result.matched


@pytest.mark.parametrize(
    ("text", "code", "category"),
    [
        ("Kazım Dirik'te sokak lambaları yanmıyor", "kazim_dirik", "lighting"),
        ("kazimdirikte direkteki lamba yanmıyor", "kazim_dirik", "lighting"),
        ("Evka 3'te çöpler toplanmadı", "evka_3", "garbage"),
    ],
)
def test_a_distinctive_neighbourhood_needs_no_marker_and_its_words_are_no_evidence(
    classifier: KeywordClassifier, shipped: Catalogue, text: str, code: str, category: str
) -> None:
    # Given a neighbourhood named without "mahallesi", with a suffix, joined or apart
    result = classifier.classify(text, shipped)
    # Then it is found, and "Kazım Dirik" reads neither as "kazı" (road works) nor as a pole
    assert (result.neighbourhood, result.category) == (code, category)
    assert "kazı" not in result.matched


def test_a_neighbourhood_named_by_an_everyday_word_keeps_the_word_as_evidence(
    classifier: KeywordClassifier, shipped: Catalogue
) -> None:
    # Given Işıklar ("lights") and Çınar ("plane tree"), Bornova neighbourhoods, used as words
    lights = classifier.classify("Köprünün üzerindeki ışıklar yanmıyor", shipped)
    tree = classifier.classify("Çınar ağacının dalı kırıldı, yola düştü", shipped)
    # Then no neighbourhood is read into them, and they count for their categories
    assert (lights.neighbourhood, lights.category) == (None, "lighting")
    assert (tree.neighbourhood, tree.category) == (None, "parks_trees")


def test_another_profiles_neighbourhoods_are_read_by_the_same_rules(classifier: KeywordClassifier) -> None:
    # Given the example profile, whose neighbourhoods are everyday words (castle, mosque, new, ...)
    other = profiles.load("ornek").catalogue()
    # Then a marked name is found, and the same word alone is only a word
    marked = classifier.classify("Kale mahallesinde çöpler alınmadı", other)
    alone = classifier.classify("Kalenin önünde çöpler alınmadı", other)
    assert (marked.neighbourhood, marked.category) == ("kale", "garbage")
    assert (alone.neighbourhood, alone.category) == (None, "garbage")


def test_a_phrase_takes_its_words_from_shorter_keywords(
    classifier: KeywordClassifier, shipped: Catalogue
) -> None:
    # Given "kaldırım işgali" (zabıta) which contains "kaldırım" (roads)
    result = classifier.classify("Dükkanlar kaldırım işgali yapıyor", shipped)
    # Then only the phrase counts
    assert result.category == "zabita"
    assert result.matched == ("kaldırım işgali",)


def test_a_decisive_phrase_is_sure_and_a_lone_weak_word_is_not(
    classifier: KeywordClassifier, shipped: Catalogue
) -> None:
    sure = classifier.classify("Sokak lambası yanmıyor", shipped)
    unsure = classifier.classify("Sokakta bir sorun var", shipped)
    assert sure.category == "lighting"
    assert sure.sure(KEYWORD_THRESHOLD)
    assert unsure.category == "road_sidewalk"
    assert not unsure.sure()
    assert unsure.confidence < 0.3


def test_two_categories_close_together_go_to_triage(
    classifier: KeywordClassifier, shipped: Catalogue
) -> None:
    # Given a message with equal evidence for garbage and roads
    result = classifier.classify("Kaldırımın üstünde çöp var", shipped)
    # Then neither is sure, and the other is named as runner-up
    assert {result.category, result.runner_up} == {"garbage", "road_sidewalk"}
    assert result.confidence < KEYWORD_THRESHOLD
    assert result.runner_up_confidence <= result.confidence


@pytest.mark.parametrize("text", ["", "   ", "?!?!", "asdfgh qwerty", "😡😡😡", "merhaba, iyi günler"])
def test_empty_or_meaningless_text_is_other_with_no_confidence(
    classifier: KeywordClassifier, shipped: Catalogue, text: str
) -> None:
    result = classifier.classify(text, shipped)
    assert (result.category, result.confidence, result.runner_up) == ("other", 0.0, None)


def test_common_words_that_look_like_keywords_do_not_count(
    classifier: KeywordClassifier, shipped: Catalogue
) -> None:
    # Given everyday words one letter or one suffix from a keyword: doğru (dog), yardımcı (yardım),
    # kaldırmadı (kaldırım), muhtar (muhtaç), hafta (hasta), lazım (lağım), çatladı (cat), ödeme (ot)
    text = "Doğru bilgi için yardımcı olur musunuz, muhtar kaldırmadı, bu hafta lazım, çatladı, ödeme"
    # Then none of them is read as a keyword
    assert classifier.classify(text, shipped).matched == ()


def test_the_index_follows_a_catalogue_edit(classifier: KeywordClassifier, shipped: Catalogue) -> None:
    # Given a word the shipped catalogue does not know
    text = "Kapının önüne eski piyanoyu bıraktık"
    assert classifier.classify(text, shipped).category == "other"
    # When a supervisor adds it to the debris keywords (a new catalogue object, as read from the table)
    debris = shipped.category("debris")
    edited = shipped.model_copy(
        update={
            "categories": tuple(
                c.model_copy(update={"keywords": (*c.keywords, Keyword(term="piyano", weight=2.5))})
                if c.code == debris.code
                else c
                for c in shipped.categories
            )
        }
    )
    # Then the next classification uses it, and the shipped one is unchanged
    assert classifier.classify(text, edited).category == "debris"
    assert classifier.classify(text, shipped).category == "other"
    # And a reload with the same content gives the same answers
    assert classifier.classify(text, edited.model_copy()) == classifier.classify(text, edited)


# The labelled set


def test_the_labelled_set_is_large_and_spread_over_every_category(
    cases: list[dict[str, Any]], shipped: Catalogue
) -> None:
    assert len(cases) >= 240
    per_category = Counter(c["category"] for c in cases)
    assert set(per_category) == {c.code for c in shipped.active_categories()}
    assert all(n >= 15 for code, n in per_category.items() if code != "other")
    assert per_category["other"] >= 10
    variants = Counter(c["variant"] for c in cases)
    assert set(variants) == {"plain", "ascii", "misspelled", "english"}
    assert min(variants["english"], variants["ascii"], variants["misspelled"]) >= 20


def test_most_cases_do_not_copy_a_catalogue_keyword_word_for_word(
    cases: list[dict[str, Any]], shipped: Catalogue
) -> None:
    # The set tests generalisation: inflected, unaccented, misspelled or other words, not the terms.
    def words(text: str) -> list[str]:
        return re.findall(r"[^\W_]+", lower_tr(text))

    terms = [words(k.term) for c in shipped.categories for k in c.keywords]

    def copies(text: str) -> bool:
        ws = words(text)
        return any(ws[i : i + len(t)] == t for t in terms for i in range(len(ws) - len(t) + 1))

    assert sum(not copies(c["text"]) for c in cases) >= len(cases) / 2


def test_accuracy_on_the_labelled_set(
    classifier: KeywordClassifier, shipped: Catalogue, cases: list[dict[str, Any]]
) -> None:
    # When every labelled message is classified
    results = [(c, classifier.classify(c["text"], shipped)) for c in cases]
    correct = [c["category"] == r.category for c, r in results]
    auto = [c["category"] == r.category for c, r in results if r.sure(KEYWORD_THRESHOLD)]
    # Then the top-1 accuracy, the auto-routed share and its precision stay above their floors
    assert sum(correct) / len(cases) >= ACCURACY_FLOOR
    assert len(auto) / len(cases) >= AUTO_ROUTED_SHARE_FLOOR
    assert sum(auto) / len(auto) >= AUTO_ROUTED_PRECISION_FLOOR
    for variant, floor in VARIANT_ACCURACY_FLOOR.items():
        of_variant = [ok for (c, _), ok in zip(results, correct, strict=True) if c["variant"] == variant]
        assert sum(of_variant) / len(of_variant) >= floor, variant


def test_classifying_a_message_takes_well_under_a_millisecond(
    classifier: KeywordClassifier, shipped: Catalogue, cases: list[dict[str, Any]]
) -> None:
    texts = [c["text"] for c in cases]
    for text in texts:  # warm: index built, words seen
        classifier.classify(text, shipped)
    started = time.perf_counter()
    for _ in range(3):
        for text in texts:
            classifier.classify(text, shipped)
    mean = (time.perf_counter() - started) / (3 * len(texts))
    assert mean < 0.001  # measured ~25 µs; the bound is loose so a slow CI machine does not flake


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_gives_a_valid_classification(text: str) -> None:
    shipped = SHIPPED
    codes = {c.code for c in shipped.categories}
    result = KeywordClassifier().classify(text, shipped)
    assert result.category in codes
    assert 0.0 <= result.confidence <= 1.0
    assert 0.0 <= result.runner_up_confidence <= 1.0
    assert result.runner_up is None or result.runner_up in codes
    assert result.neighbourhood is None or result.neighbourhood in {n.code for n in shipped.neighbourhoods}


def test_fillers_inside_a_phrase_do_not_break_it(classifier: KeywordClassifier, shipped: Catalogue) -> None:
    # Given the way people write: an article or intensifier between a phrase's words
    result = classifier.classify("Sokağımızda yaralı bir köpek yatıyor, arka ayağı kanıyor.", shipped)
    # Then the decisive phrase still counts, and the request is routed with confidence
    assert result.category == "veterinary"
    assert result.sure(KEYWORD_THRESHOLD)
