"""The survey's rules that need no table: its signed one-time links, the reopen window, the WhatsApp
choices and commands that answer it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civicdesk.core.errors import LinkExpired, LinkInvalid
from civicdesk.requests.models import Language
from civicdesk.surveys import invite, tokens
from civicdesk.surveys.model import Answer, Situation, Solved
from civicdesk.whatsapp import dialogue as d
from civicdesk.whatsapp import words
from tests.support import PROFILE
from tests.unit.test_whatsapp_dialogue import CTX, T0, say, tap

KEY = "k" * 48
CODE = "7KRM4YP2T"
RESOLVED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_a_link_names_its_request_and_holds_until_it_expires() -> None:
    # Given a link issued at a resolution, good for 30 days
    token = tokens.issue(KEY, CODE, RESOLVED, RESOLVED + timedelta(days=30))
    # When it is read a day before and a second after it expires
    claims = tokens.read(KEY, token, RESOLVED + timedelta(days=29))
    # Then it names the request and its resolution, and then it is over
    assert (claims.code, claims.resolved_at) == (CODE, RESOLVED)
    with pytest.raises(LinkExpired):
        tokens.read(KEY, token, RESOLVED + timedelta(days=30, seconds=1))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(CODE, "7KRM4YP2W"),  # another request
        lambda t: t.replace(".", ".9", 1),  # a later resolution
        lambda t: ".".join([*t.split(".")[:2], "9999999999", t.split(".")[3]]),  # a longer life
        lambda t: t[:-2],  # a cut signature
        lambda t: "garbage",
        lambda t: t + "x" * 200,
    ],
)
def test_a_link_we_did_not_sign_is_refused(tamper: object) -> None:
    # Given a genuine link, changed in one part
    token = tokens.issue(KEY, CODE, RESOLVED, RESOLVED + timedelta(days=30))
    # Then it is not valid (as a link signed with another key is not)
    with pytest.raises(LinkInvalid):
        tokens.read(KEY, tamper(token), RESOLVED)  # type: ignore[operator]
    with pytest.raises(LinkInvalid):
        tokens.read("another-key" * 4, token, RESOLVED)


def test_the_reopen_window_is_the_profiles_days_after_the_resolution() -> None:
    # Given a request resolved with a 7-day window (the profile's default)
    assert PROFILE.surveys.reopen_days == 7
    until = RESOLVED + timedelta(days=PROFILE.surveys.reopen_days)
    situation = Situation(code=CODE, resolved=True, resolved_at=RESOLVED, reopen_until=until, answered=None)
    # Then it may be reopened up to the window's end, not after, and never once it is no longer resolved
    assert situation.may_reopen(until)
    assert not situation.may_reopen(until + timedelta(seconds=1))
    assert not situation.model_copy(update={"resolved": False}).may_reopen(RESOLVED)


def test_the_invitation_links_to_the_survey_page_with_a_token_for_this_request() -> None:
    # Given the invitation's link for a resolution
    url = invite.link("https://talep.example.bel.tr/", KEY, CODE, RESOLVED, PROFILE)
    # Then it opens the survey page with a token that names the request until link_days after
    assert url.startswith("https://talep.example.bel.tr/survey.html?t=")
    claims = tokens.read(KEY, url.split("?t=", 1)[1], RESOLVED)
    assert claims.expires_at == RESOLVED + timedelta(days=PROFILE.surveys.link_days)
    # And its SMS sentence fits beside a resolution in one part's alphabet (no ı, ş, ğ, ç)
    sms = invite.sentence(PROFILE, Language.TR, url, sms=True)
    assert not set("ışğçİŞĞ") & set(sms)


def test_whatsapp_buttons_answer_the_first_question_and_the_list_the_score() -> None:
    # Given the three buttons sent with a resolution (WhatsApp allows three, of 20 characters)
    buttons = invite.solved_choices(CODE, Language.TR)
    assert [t for _, t in buttons] == ["Evet, çözüldü", "Kısmen", "Hayır, çözülmedi"]
    assert all(len(t) <= 20 for _, t in buttons)
    state = say(None, "Merhaba").conversation
    # When the citizen taps "no" and then 2 in the score list
    solved = tap(state, buttons[2][0])
    assert solved.survey_solved == (CODE, Solved.NO)
    scores = invite.score_choices(CODE, Solved.NO, Language.TR)
    answered = tap(solved.conversation, scores[1][0])
    # Then the dialogue hands over the whole answer, and leaves the conversation's step as it was
    assert answered.survey_answer == (CODE, Answer(solved=Solved.NO, score=2))
    assert answered.conversation.step is state.step


def test_a_survey_tap_in_the_middle_of_a_new_request_keeps_its_draft() -> None:
    # Given a citizen halfway through describing a new problem
    state = say(say(None, "Merhaba").conversation, "Parkta yaralı bir köpek var, arka bacağı kanıyor")
    draft = state.conversation.draft
    # When they tap a survey button of an older request
    outcome = tap(state.conversation, invite.solved_choices(CODE, Language.TR)[0][0])
    # Then the draft is untouched
    assert outcome.conversation.draft == draft
    assert outcome.survey_solved == (CODE, Solved.YES)


@pytest.mark.parametrize(
    ("text", "code"),
    [("yeniden aç 7KR-M4Y-P2T", CODE), ("Yeniden Aç 7krm4yp2t", CODE), ("reopen 7KR-M4Y-P2T", CODE)],
)
def test_reopen_is_a_command_with_the_tracking_code(text: str, code: str) -> None:
    # Given an idle conversation / When the citizen writes the reopen command
    outcome = say(say(None, "Merhaba").conversation, text)
    # Then the service is asked to reopen that code (if it is theirs)
    assert words.command(text) is words.Command.REOPEN
    assert outcome.reopen_of == code
    assert outcome.status_of is None


def test_reopen_without_a_code_explains_how() -> None:
    outcome = say(say(None, "Merhaba").conversation, "yeniden aç")
    assert outcome.reopen_of is None
    assert "yeniden aç 7KR-M4Y-P2T" in outcome.replies[0].body


def test_a_forged_survey_choice_is_not_an_answer() -> None:
    # Given a choice id that looks like the survey's but is not well-formed
    for choice in ("svy:7KRM4YP2T:maybe", "svs:7KRM4YP2T:no:9", "svs:7KRM4YP2T:no"):
        outcome = d.step(say(None, "Merhaba").conversation, d.Inbound(d.Kind.CHOICE, T0, choice=choice), CTX)
        # Then nothing is answered
        assert outcome.survey_answer is None
        assert outcome.survey_solved is None
