"""The guided conversation, step by step: what the citizen sees and what gets filed. Pure, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civicdesk.profile import geo
from civicdesk.requests.models import Channel, Language
from civicdesk.whatsapp import dialogue as d
from civicdesk.whatsapp import messages as m
from civicdesk.whatsapp import screens
from civicdesk.whatsapp.messages import ButtonsMessage, ListMessage, TextMessage, payload
from tests.support import PROFILE, SHIPPED

CODE = "7KRM4YP2T"
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
CTX = d.Context(
    catalogue=SHIPPED,
    boundaries=geo.for_profile(PROFILE),
    draw_code=lambda: CODE,
    privacy_url="https://talep.example-belediye.bel.tr/",
)
DOG = "Parkta yaralı bir köpek var, arka bacağı kanıyor"
LAKA_PIN = (38.4885, 27.1880)  # 70 m from Laka's known centre (Bornova ships no polygons)


def say(state: d.Conversation | None, text: str, at: datetime = T0) -> d.Outcome:
    return d.step(state, d.Inbound(d.Kind.TEXT, at, text=text), CTX)


def tap(state: d.Conversation, choice: str, title: str = "") -> d.Outcome:
    return d.step(state, d.Inbound(d.Kind.CHOICE, T0, text=title, choice=choice), CTX)


def pin(state: d.Conversation, lat: float, lon: float) -> d.Outcome:
    return d.step(state, d.Inbound(d.Kind.LOCATION, T0, lat=lat, lon=lon, address="Park"), CTX)


def photo(state: d.Conversation, key: str = "whatsapp/2026/11/a.jpg", caption: str = "") -> d.Outcome:
    return d.step(state, d.Inbound(d.Kind.IMAGE, T0, text=caption, photo=key), CTX)


def texts(outcome: d.Outcome) -> list[str]:
    return [r.body for r in outcome.replies]


def row_ids(message: object) -> list[str]:
    assert isinstance(message, ListMessage)
    return [r.id for r in message.rows]


def at_step(step: d.Step) -> d.Conversation:
    """A conversation brought to `step` through the dialogue itself."""
    state = say(None, "Merhaba").conversation
    if step is d.Step.IDLE:
        return state
    state = say(state, DOG).conversation
    if step is d.Step.CONFIRM_CATEGORY:
        return state
    if step is d.Step.CATEGORY:
        return tap(state, screens.CAT_LIST).conversation
    if step is d.Step.DETAILS:
        return tap(say(None, "Merhaba").conversation, "cat:lighting").conversation
    state = tap(state, screens.CAT_OK).conversation
    if step is d.Step.NEIGHBOURHOOD:
        return state
    state = tap(state, "nbh:erzene").conversation
    if step is d.Step.PHOTO:
        return state
    return tap(state, screens.PHOTO_SKIP).conversation


# --- first contact -------------------------------------------------------------------------------


def test_first_contact_greets_with_the_personal_data_notice_and_offers_the_topics() -> None:
    # Given a citizen writing for the first time / When they say hello
    outcome = say(None, "Merhaba")
    greeting, topics = outcome.replies
    # Then they get the greeting with the KVKK notice and its link, in Turkish, and the topic list
    assert isinstance(greeting, TextMessage)
    assert "KVKK" in greeting.body
    assert CTX.privacy_url in greeting.body
    assert "English" in greeting.body
    assert isinstance(topics, ListMessage)
    assert row_ids(topics)[0] == "cat:veterinary"
    assert outcome.conversation.step is d.Step.IDLE
    assert outcome.conversation.language is Language.TR


def test_a_first_message_that_describes_the_problem_is_not_asked_again() -> None:
    # Given a first message that already says what is wrong, and where
    outcome = say(None, "Erzene mahallesi parkında yaralı bir köpek var, kanıyor")
    # Then the greeting comes with the topic the classifier is sure of, to confirm
    greeting, question = outcome.replies
    assert "KVKK" in greeting.body
    assert isinstance(question, ButtonsMessage)
    assert "Veteriner" in question.body
    assert [b.id for b in question.buttons] == [screens.CAT_OK, screens.CAT_LIST]
    assert outcome.conversation.draft.neighbourhood == "erzene"
    assert outcome.conversation.step is d.Step.CONFIRM_CATEGORY


# --- the topic -----------------------------------------------------------------------------------


def test_an_unclear_description_gets_the_topic_list_instead() -> None:
    # Given a description the classifier cannot place
    outcome = say(at_step(d.Step.IDLE), "Bir sorunum var, yardımcı olur musunuz acaba")
    # Then the topic list is offered and the description is kept
    (topics,) = outcome.replies
    assert isinstance(topics, ListMessage)
    assert len(topics.rows) <= m.MAX_LIST_ROWS
    assert outcome.conversation.step is d.Step.CATEGORY
    assert outcome.conversation.draft.description == "Bir sorunum var, yardımcı olur musunuz acaba"


def test_every_active_topic_is_reachable_through_the_pages_and_other_comes_last() -> None:
    # Given the topic list's first page
    state = at_step(d.Step.CATEGORY)
    seen: list[str] = []
    topics = say(state, "?").replies[0]
    # When the citizen follows "more topics" to the end
    for _ in range(5):
        ids = row_ids(topics)
        assert len(ids) <= m.MAX_LIST_ROWS
        seen += [i for i in ids if i.startswith(screens.CAT)]
        more = [i for i in ids if i.startswith(screens.CAT_PAGE)]
        if not more:
            break
        topics = tap(state, more[0]).replies[0]
    # Then every active category was offered once, with "other" as the very last
    active = {f"cat:{c.code}" for c in CTX.catalogue.active_categories()}
    assert sorted(seen) == sorted(active)
    assert seen[-1] == "cat:other"


def test_picking_a_topic_first_asks_for_the_description_then_the_neighbourhood() -> None:
    # Given a citizen who picks "lighting" from the greeting's list
    state = tap(at_step(d.Step.IDLE), "cat:lighting", "Sokak Aydınlatması").conversation
    assert state.step is d.Step.DETAILS
    # When they describe the problem
    outcome = say(state, "Sokak lambası üç gündür yanmıyor")
    # Then the neighbourhood is asked, as a list with a skip row
    assert outcome.conversation.step is d.Step.NEIGHBOURHOOD
    assert outcome.conversation.draft.category == "lighting"
    assert row_ids(outcome.replies[-1])[-1] == screens.NBH_SKIP


@pytest.mark.parametrize(("answer", "choice"), [("", screens.CAT_OK), ("evet", None), ("Yes", None)])
def test_the_suggested_topic_is_confirmed_by_button_or_by_typing_yes(answer: str, choice: str | None) -> None:
    state = at_step(d.Step.CONFIRM_CATEGORY)
    outcome = tap(state, choice) if choice else say(state, answer)
    assert outcome.conversation.draft.category == "veterinary"
    assert outcome.conversation.step is d.Step.NEIGHBOURHOOD


def test_rejecting_the_suggested_topic_shows_the_list() -> None:
    outcome = say(at_step(d.Step.CONFIRM_CATEGORY), "hayır")
    assert outcome.conversation.step is d.Step.CATEGORY
    assert outcome.conversation.draft.category is None
    assert isinstance(outcome.replies[0], ListMessage)


# --- the neighbourhood ---------------------------------------------------------------------------


def test_the_neighbourhood_pages_offer_every_neighbourhood_within_ten_rows() -> None:
    state = at_step(d.Step.NEIGHBOURHOOD)
    seen: list[str] = []
    page = say(state, "?").replies[-1]
    for _ in range(10):
        ids = row_ids(page)
        assert len(ids) <= m.MAX_LIST_ROWS
        assert ids[-1] == screens.NBH_SKIP
        seen += [i for i in ids if i.startswith(screens.NBH)]
        more = [i for i in ids if i.startswith(screens.NBH_PAGE)]
        if not more:
            break
        page = tap(state, more[0]).replies[-1]
    assert sorted(seen) == sorted(f"nbh:{n.code}" for n in CTX.catalogue.neighbourhoods)


@pytest.mark.parametrize(
    ("typed", "code"),
    [("Erzene", "erzene"), ("erzene mah.", "erzene"), ("naldoken", "naldoken"), ("Naldökenn", "naldoken"),
     ("Kazım Dirik", "kazim_dirik"), ("gazi osman pasa mahallesi", "gazi_osman_pasa"),
     ("Kazım Dirik'teyim", "kazim_dirik"), ("evka3", "evka_3"), ("EVKA-4", "evka_4"),
     ("Zafer", "zafer"), ("ümit", "umit")],  # everyday names answer the question asked
)  # fmt: skip
def test_a_typed_neighbourhood_name_is_understood_despite_case_diacritics_and_a_typo(
    typed: str, code: str
) -> None:
    outcome = say(at_step(d.Step.NEIGHBOURHOOD), typed)
    assert outcome.conversation.draft.neighbourhood == code
    assert outcome.conversation.step is d.Step.PHOTO


def test_a_street_named_like_a_neighbourhood_is_not_taken_for_it() -> None:
    # Given the question "which neighbourhood?" answered with a street named after a national figure
    outcome = say(at_step(d.Step.NEIGHBOURHOOD), "Atatürk Caddesi")
    # Then the neighbourhood is asked again, not guessed
    assert outcome.conversation.draft.neighbourhood is None
    assert outcome.conversation.step is d.Step.NEIGHBOURHOOD


def test_a_description_naming_a_neighbourhood_without_mahalle_skips_the_question() -> None:
    # Given a first message naming Kazım Dirik with a suffix and no "mahallesi"
    state = say(None, "Kazım Dirik'te sokak lambası üç gündür yanmıyor").conversation
    # Then the place is kept, and after the topic is confirmed the photo is asked, not the neighbourhood
    assert state.draft.neighbourhood == "kazim_dirik"
    assert tap(state, screens.CAT_OK).conversation.step is d.Step.PHOTO


def test_an_everyday_word_in_a_description_is_not_taken_for_a_neighbourhood() -> None:
    # Given "Zafer" (a man's name, and a Bornova neighbourhood) in a description
    state = say(None, "Zafer Bey'in dükkanının önünde sokak lambası yanmıyor").conversation
    # Then the neighbourhood is still asked
    assert state.draft.neighbourhood is None
    assert tap(state, screens.CAT_OK).conversation.step is d.Step.NEIGHBOURHOOD


def test_an_unknown_neighbourhood_name_is_said_so_and_the_list_is_shown_again() -> None:
    outcome = say(at_step(d.Step.NEIGHBOURHOOD), "Kadıköy")
    assert "Kadıköy" in outcome.replies[0].body
    assert outcome.conversation.step is d.Step.NEIGHBOURHOOD
    assert outcome.conversation.draft.neighbourhood is None


def test_a_pin_near_a_known_centre_fills_the_neighbourhood_as_an_estimate_and_keeps_the_point() -> None:
    outcome = pin(at_step(d.Step.NEIGHBOURHOOD), *LAKA_PIN)
    draft = outcome.conversation.draft
    assert (draft.neighbourhood, draft.lat, draft.lon) == ("laka", *LAKA_PIN)
    assert outcome.replies[0].body == m.LOCATION_NEAR.tr.format(name="Laka")
    assert outcome.conversation.step is d.Step.PHOTO


def test_a_location_pin_outside_every_boundary_keeps_the_point_and_asks_again() -> None:
    outcome = pin(at_step(d.Step.NEIGHBOURHOOD), 39.92, 32.85)
    assert outcome.conversation.draft.lat == 39.92
    assert outcome.conversation.draft.neighbourhood is None
    assert outcome.replies[0].body == m.LOCATION_OUTSIDE.tr
    assert outcome.conversation.step is d.Step.NEIGHBOURHOOD


def test_the_neighbourhood_may_be_skipped() -> None:
    outcome = tap(at_step(d.Step.NEIGHBOURHOOD), screens.NBH_SKIP)
    assert outcome.conversation.step is d.Step.PHOTO
    assert outcome.conversation.draft.neighbourhood is None


# --- the photo and the confirmation --------------------------------------------------------------


def test_a_photo_at_the_photo_step_leads_to_the_summary() -> None:
    outcome = photo(at_step(d.Step.PHOTO))
    (summary,) = outcome.replies
    assert isinstance(summary, ButtonsMessage)
    assert "Erzene" in summary.body
    assert "Fotoğraf: 1" in summary.body
    assert outcome.conversation.step is d.Step.CONFIRM
    assert outcome.conversation.draft.code == CODE


def test_a_photo_that_could_not_be_fetched_is_said_so_and_the_question_stays() -> None:
    state = at_step(d.Step.PHOTO)
    outcome = d.step(state, d.Inbound(d.Kind.IMAGE, T0, photo_failed=True), CTX)
    assert outcome.replies[0].body == m.PHOTO_FAILED.tr
    assert outcome.conversation.step is d.Step.PHOTO
    assert outcome.conversation.draft.photos == ()


def test_yes_files_the_request_under_the_code_drawn_with_the_summary() -> None:
    # Given the summary shown after a pin and a photo
    state = pin(at_step(d.Step.NEIGHBOURHOOD), *LAKA_PIN).conversation
    state = photo(state, "whatsapp/2026/11/p.jpg").conversation
    # When the citizen taps "Evet, gönder"
    outcome = tap(state, screens.SEND)
    # Then exactly this request is to be filed, under the drawn code, and the draft is cleared
    assert outcome.filing is not None
    assert outcome.filing.code == CODE
    request = outcome.filing.request
    assert (request.channel, request.category, request.neighbourhood) == (
        Channel.WHATSAPP,
        "veterinary",
        "laka",
    )
    assert request.description == DOG
    assert request.photos == ("whatsapp/2026/11/p.jpg",)
    assert request.location is not None
    assert (request.location.lat, request.location.lon) == LAKA_PIN
    assert outcome.conversation.step is d.Step.IDLE
    assert outcome.conversation.draft == d.Draft()


def test_no_at_the_summary_cancels_without_filing() -> None:
    outcome = say(at_step(d.Step.CONFIRM), "Hayır")
    assert outcome.filing is None
    assert texts(outcome) == [m.CANCELLED.tr]


@pytest.mark.parametrize("step", [s for s in d.Step if s is not d.Step.NEW])
@pytest.mark.parametrize("word", ["iptal", "İPTAL", "vazgeç", "cancel"])
def test_iptal_cancels_at_any_step(step: d.Step, word: str) -> None:
    outcome = say(at_step(step), word)
    assert outcome.filing is None
    assert texts(outcome) == [m.CANCELLED.tr]
    assert outcome.conversation.step is d.Step.IDLE
    assert outcome.conversation.draft == d.Draft()


# --- status, language, the rest ------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["durum 7KR-M4Y-P2T", "Durum 7kr m4y p2t", "status 7KRM4YP2T"])
def test_durum_with_a_code_asks_for_that_status_and_keeps_the_draft(typed: str) -> None:
    state = at_step(d.Step.NEIGHBOURHOOD)
    outcome = say(state, typed)
    assert outcome.status_of == CODE
    assert outcome.conversation.draft == state.draft
    assert outcome.conversation.step is d.Step.NEIGHBOURHOOD


def test_durum_with_something_that_is_no_code_is_answered_as_not_found() -> None:
    outcome = say(at_step(d.Step.IDLE), "durum 12345")
    assert outcome.status_of is None
    assert outcome.status_unreadable == "12345"
    assert say(at_step(d.Step.IDLE), "durum").replies[0].body == m.STATUS_USAGE.tr


def test_a_citizen_writing_english_is_answered_in_english_throughout() -> None:
    # Given a first message in English
    outcome = say(None, "Hello, there is an injured dog in the park near my street")
    assert outcome.conversation.language is Language.EN
    assert outcome.replies[0].body.startswith("Hello! Welcome to Bornova Municipality")
    assert "Veterinary" in outcome.replies[1].body
    # When the dialogue goes on / Then every prompt is English, and the request is filed as English
    state = tap(outcome.conversation, screens.CAT_OK).conversation
    assert say(state, "?").replies[-1].body == m.ASK_NEIGHBOURHOOD.en
    state = tap(tap(state, screens.NBH_SKIP).conversation, screens.PHOTO_SKIP).conversation
    filed = tap(state, screens.SEND).filing
    assert filed is not None
    assert filed.request.language is Language.EN


def test_english_and_turkce_switch_the_language_and_repeat_the_question() -> None:
    state = at_step(d.Step.NEIGHBOURHOOD)
    english = say(state, "English")
    assert english.conversation.language is Language.EN
    assert english.replies[-1].body == m.ASK_NEIGHBOURHOOD.en
    back = say(english.conversation, "Türkçe")
    assert back.conversation.language is Language.TR
    assert back.replies[-1].body == m.ASK_NEIGHBOURHOOD.tr


@pytest.mark.parametrize("language", [Language.TR, Language.EN])
def test_an_unsupported_message_gets_a_polite_reply_in_the_citizens_language(language: Language) -> None:
    state = at_step(d.Step.NEIGHBOURHOOD).model_copy(update={"language": language})
    outcome = d.step(state, d.Inbound(d.Kind.UNSUPPORTED, T0), CTX)
    assert texts(outcome) == [m.pick(m.UNSUPPORTED, language)]
    assert outcome.conversation.draft == state.draft
    assert outcome.conversation.step is state.step


def test_a_draft_left_for_more_than_a_day_is_dropped() -> None:
    state = at_step(d.Step.NEIGHBOURHOOD)
    outcome = say(state, "Erzene", at=T0 + timedelta(hours=25))
    assert texts(outcome)[0] == m.EXPIRED.tr
    assert outcome.conversation.draft.category is None
    assert outcome.conversation.draft.description == "Erzene"


def test_a_photo_with_a_caption_at_the_start_describes_the_problem() -> None:
    outcome = photo(at_step(d.Step.IDLE), caption="Kaldırımda büyük bir çukur var, düşen oldu")
    draft = outcome.conversation.draft
    assert draft.photos == ("whatsapp/2026/11/a.jpg",)
    assert draft.description is not None
    assert outcome.conversation.step in (d.Step.CONFIRM_CATEGORY, d.Step.CATEGORY)


def test_every_message_of_a_dialogue_fits_the_cloud_api_limits() -> None:
    # Given every reply of a whole dialogue, in both languages
    replies = []
    for first in ("Merhaba", "Hello"):
        state = say(None, first).conversation
        for outcome in (say(state, DOG), say(state, "Bir sorunum var acaba")):
            replies += outcome.replies
        state = at_step(d.Step.NEIGHBOURHOOD)
        replies += (
            say(state, "?").replies + tap(state, "nbhpage:4").replies + photo(at_step(d.Step.PHOTO)).replies
        )
    # When rendered as Cloud API payloads / Then rows, buttons and bodies are within Meta's limits
    for reply in replies:
        body = payload(reply, "905321112233")
        interactive = body.get("interactive")
        if interactive is None:
            assert len(body["text"]["body"]) <= m.TEXT_BODY
            continue
        if interactive["type"] == "list":
            rows = [r for s in interactive["action"]["sections"] for r in s["rows"]]
            assert 1 <= len(rows) <= 10
            assert len(interactive["action"]["button"]) <= 20
            assert all(len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 for r in rows)
            assert len({r["id"] for r in rows}) == len(rows)
        else:
            assert 1 <= len(interactive["action"]["buttons"]) <= 3
            assert all(len(b["reply"]["title"]) <= 20 for b in interactive["action"]["buttons"])
            assert len(interactive["body"]["text"]) <= m.BUTTONS_BODY
