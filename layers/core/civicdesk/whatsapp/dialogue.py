"""The guided WhatsApp conversation as a pure state machine: (state, message) -> (state, replies, action).

No I/O: the service loads the state, stores photos, files the request and answers status questions;
this module only decides. Steps, in order, each skipped when already known:

    NEW (first contact: greeting and the personal-data notice)
    IDLE -> describe in free text (classified as the router does) or pick a topic from the list
         -> CONFIRM_CATEGORY (the classifier was sure) or CATEGORY (it was not)
         -> DETAILS (a topic was picked before any description)
         -> NEIGHBOURHOOD (list, typed name or location pin; may be skipped)
         -> PHOTO (optional)
         -> CONFIRM (summary; Evet files the request with the code drawn for it) -> IDLE

At any step `iptal` cancels, `durum <code>` / `status <code>` asks about a request, `yeniden aç
<code>` / `reopen <code>` reopens a resolved one, `English` / `Türkçe` switch the language; the
survey's buttons (sent with a resolution) are answered at any step without touching the draft. A
draft left alone for a day is dropped. What is shown lives in `screens`, the words listened for in
`words`, the state kept in `conversation`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from civicdesk.catalogue.model import Catalogue, Localized
from civicdesk.core import textnorm
from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.profile import model as profile_model
from civicdesk.profile import places
from civicdesk.profile.geo import Boundaries
from civicdesk.profile.model import Profile
from civicdesk.requests import codes
from civicdesk.requests.intake import NewRequest
from civicdesk.requests.models import Channel, Language, Location
from civicdesk.routing import live
from civicdesk.routing.classifier import OTHER, Classifier
from civicdesk.surveys import invite
from civicdesk.surveys import texts as survey_texts
from civicdesk.surveys.model import Answer, Solved
from civicdesk.whatsapp import messages as m
from civicdesk.whatsapp import screens, words
from civicdesk.whatsapp.conversation import Conversation, Draft, Inbound, Kind, Step
from civicdesk.whatsapp.messages import OutboundMessage, TextMessage
from civicdesk.whatsapp.screens import CAT, CAT_LIST, CAT_OK, CAT_PAGE, NBH, NBH_PAGE, NBH_SKIP, PHOTO_SKIP
from civicdesk.whatsapp.words import Command

__all__ = ["Context", "Conversation", "Draft", "Filing", "Inbound", "Kind", "Outcome", "Step", "step"]

DRAFT_TTL = timedelta(hours=24)
"""An unfinished request is dropped after a day of silence (WhatsApp's service window, too)."""
MAX_PHOTOS = 3
MAX_DESCRIPTION = 2000


@dataclass(frozen=True)
class Filing:
    """File this request under this code (drawn beforehand, so a repeated attempt cannot file twice)."""

    code: str
    request: NewRequest


@dataclass(frozen=True)
class Outcome:
    conversation: Conversation
    replies: tuple[OutboundMessage, ...] = ()
    filing: Filing | None = None
    status_of: str | None = None
    """A canonical tracking code the citizen asked about: the service answers if it is theirs."""
    status_unreadable: str | None = None
    """`durum` followed by something that cannot be a code (answered as not found)."""
    reopen_of: str | None = None
    """A canonical tracking code the citizen asked to reopen: the service does if it is theirs."""
    survey_solved: tuple[str, Solved] | None = None
    """The survey's first answer (code, solved): the service asks the score if the request is theirs."""
    survey_answer: tuple[str, Answer] | None = None
    """The survey's whole answer for a code: the service keeps it if the request is theirs."""


@dataclass(frozen=True)
class Context:
    catalogue: Catalogue
    boundaries: Boundaries
    classifier: Classifier | None = None
    """None: the profile's shipped model (keywords where it has none), as the router would read it."""
    draw_code: Callable[[], str] = codes.new_code
    privacy_url: str = ""
    profile: Profile = field(default_factory=lambda: profile_model.load(DEFAULT_PROFILE))


# --- entry point ---------------------------------------------------------------------------------


def step(conversation: Conversation | None, inbound: Inbound, ctx: Context) -> Outcome:
    """The next state and the replies for one inbound message."""
    state = conversation or Conversation()
    notes: list[OutboundMessage] = []
    last = state.last_inbound_at
    if state.step not in (Step.NEW, Step.IDLE) and last is not None and inbound.at - last > DRAFT_TTL:
        state = state.model_copy(update={"step": Step.IDLE, "draft": Draft()})
        notes.append(TextMessage(m.pick(m.EXPIRED, state.language)))
    state = state.model_copy(update={"last_inbound_at": inbound.at})
    if state.step is Step.NEW:
        outcome = _first_contact(state, inbound, ctx)
    else:
        outcome = _continue(state, inbound, ctx)
    return _prefixed(outcome, notes)


def _prefixed(outcome: Outcome, first: list[OutboundMessage]) -> Outcome:
    return replace(outcome, replies=(*first, *outcome.replies)) if first else outcome


def _first_contact(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    language = words.detect_language(inbound.text) if inbound.kind is Kind.TEXT else Language.TR
    state = state.model_copy(update={"step": Step.IDLE, "language": language})
    greeting = TextMessage(_greeting(ctx, language))
    just_hello = inbound.kind is Kind.TEXT and not words.substantive(inbound.text)
    if just_hello and words.command(inbound.text) is None:
        return Outcome(state, (greeting, screens.topics(ctx.catalogue, language, 0, m.ASK_PROBLEM)))
    return _prefixed(_continue(state, inbound, ctx), [greeting])


def _greeting(ctx: Context, language: Language) -> str:
    """The first reply: the municipality's welcome and its KVKK notice, in the profile's own words."""
    profile = ctx.profile
    return m.pick(m.GREETING, language).format(
        welcome=m.pick(profile.texts.welcome, language),
        controller=m.pick(profile.kvkk.controller, language),
        retention=m.pick(profile.kvkk.retention, language),
        url=ctx.privacy_url or "-",
    )


# --- the steps -----------------------------------------------------------------------------------


def _continue(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    survey = _survey(state, inbound.choice or "")
    if survey is not None:
        return survey
    if inbound.kind is Kind.TEXT:
        command = words.command(inbound.text)
        if command is not None:
            return _run(command, state, inbound, ctx)
    if inbound.kind is Kind.UNSUPPORTED:
        return Outcome(state, (TextMessage(m.pick(m.UNSUPPORTED, state.language)),))
    if inbound.kind is Kind.IMAGE:
        return _image(state, inbound, ctx)
    if inbound.kind is Kind.LOCATION:
        return _location(state, inbound, ctx)
    handler = {
        Step.IDLE: _idle,
        Step.CATEGORY: _category,
        Step.CONFIRM_CATEGORY: _confirm_category,
        Step.DETAILS: _details,
        Step.NEIGHBOURHOOD: _neighbourhood,
        Step.PHOTO: _photo,
        Step.CONFIRM: _confirm,
    }[state.step]
    return handler(state, inbound, ctx)


def _run(command: Command, state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    if command is Command.CANCEL:
        return _cancelled(state)
    if command in (Command.ENGLISH, Command.TURKISH):
        language = Language.EN if command is Command.ENGLISH else Language.TR
        return _prompt(state.model_copy(update={"language": language}), ctx)
    reopen = command is Command.REOPEN
    words_before = 1 if not reopen or textnorm.words(inbound.text)[0] == "reopen" else 2
    parts = inbound.text.split(None, words_before)
    typed = parts[words_before].strip() if len(parts) > words_before else ""
    if not typed:
        usage = survey_texts.REOPEN_USAGE if reopen else m.STATUS_USAGE
        return Outcome(state, (TextMessage(m.pick(usage, state.language)),))
    code = codes.normalize(typed)
    if code is None:
        return Outcome(state, status_unreadable=m.clip(typed, 24))
    return Outcome(state, reopen_of=code) if reopen else Outcome(state, status_of=code)


def _survey(state: Conversation, choice: str) -> Outcome | None:
    """A tap on the survey's buttons or score list (at any step; the draft is left as it is)."""
    solved = invite.parse_solved(choice)
    if solved is not None:
        return Outcome(state, survey_solved=solved)
    scored = invite.parse_score(choice)
    if scored is not None:
        code, answer, score = scored
        return Outcome(state, survey_answer=(code, Answer(solved=answer, score=score)))
    return None


def _cancelled(state: Conversation) -> Outcome:
    state = state.model_copy(update={"step": Step.IDLE, "draft": Draft()})
    return Outcome(state, (TextMessage(m.pick(m.CANCELLED, state.language)),))


def _idle(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    choice = inbound.choice or ""
    if choice.startswith(CAT) and screens.category_or_none(ctx.catalogue, choice[len(CAT) :]):
        return _advance(state.with_draft(category=choice[len(CAT) :]), ctx)
    if choice.startswith(CAT_PAGE):
        return _topics_page(state, ctx, choice)
    if inbound.kind is Kind.TEXT and inbound.text.strip():
        return _described(state, inbound.text, ctx)
    return _prompt(state, ctx)


def _described(state: Conversation, text: str, ctx: Context) -> Outcome:
    """A free-text description: classified like the router does; a sure topic is only confirmed."""
    description = m.clip_body(text.strip(), MAX_DESCRIPTION)
    if state.draft.description:
        description = m.clip_body(f"{state.draft.description}\n{description}", MAX_DESCRIPTION)
    classifier = ctx.classifier or live.shipped(ctx.profile.code)
    result = classifier.classify(text, ctx.catalogue)
    updates: dict[str, object] = {"description": description}
    if result.neighbourhood and not state.draft.neighbourhood:
        updates["neighbourhood"] = result.neighbourhood
    state = state.with_draft(**updates)
    if state.draft.category:
        return _advance(state, ctx)
    category = screens.category_or_none(ctx.catalogue, result.category)
    if result.sure() and category is not None and category.code != OTHER:
        state = state.with_draft(suggested=category.code).at(Step.CONFIRM_CATEGORY)
        return Outcome(state, (screens.confirm_category(category, state.language),))
    return _topics(state.at(Step.CATEGORY), ctx, m.PICK_CATEGORY)


def _category(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    choice = inbound.choice or ""
    if choice.startswith(CAT) and screens.category_or_none(ctx.catalogue, choice[len(CAT) :]):
        return _advance(state.with_draft(category=choice[len(CAT) :]), ctx)
    if choice.startswith(CAT_PAGE):
        return _topics_page(state, ctx, choice)
    if inbound.kind is Kind.TEXT:
        named = screens.category_named(ctx.catalogue, inbound.text)
        if named is not None:
            return _advance(state.with_draft(category=named), ctx)
    return _topics(state, ctx, m.CHOOSE_FROM_LIST)


def _confirm_category(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    choice = inbound.choice or ""
    suggested = state.draft.suggested
    if (choice == CAT_OK or (not choice and words.says(inbound.text, words.YES))) and suggested:
        return _advance(state.with_draft(category=suggested), ctx)
    if choice == CAT_LIST or (not choice and words.says(inbound.text, words.NO)):
        return _topics(state.at(Step.CATEGORY), ctx, m.PICK_CATEGORY)
    if choice.startswith(CAT) and screens.category_or_none(ctx.catalogue, choice[len(CAT) :]):
        return _advance(state.with_draft(category=choice[len(CAT) :]), ctx)
    if choice.startswith(CAT_PAGE):
        return _topics_page(state, ctx, choice)
    category = screens.category_or_none(ctx.catalogue, suggested or "")
    if category is None:
        return _topics(state.at(Step.CATEGORY), ctx, m.PICK_CATEGORY)
    return Outcome(state, (screens.confirm_category(category, state.language, m.ANSWER_YES_NO),))


def _details(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    choice = inbound.choice or ""
    if choice.startswith(CAT) and screens.category_or_none(ctx.catalogue, choice[len(CAT) :]):
        return _advance(state.with_draft(category=choice[len(CAT) :]), ctx)
    if inbound.kind is Kind.TEXT and inbound.text.strip():
        return _described(state, inbound.text, ctx)
    return _prompt(state, ctx)


def _neighbourhood(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    choice = inbound.choice or ""
    known = {n.code for n in ctx.catalogue.neighbourhoods}
    if choice.startswith(NBH) and choice[len(NBH) :] in known:
        return _advance(state.with_draft(neighbourhood=choice[len(NBH) :]), ctx)
    if choice.startswith(NBH_PAGE):
        return _neighbourhoods(state, ctx, screens.page_number(choice[len(NBH_PAGE) :]))
    if choice == NBH_SKIP or (not choice and words.says(inbound.text, words.SKIP)):
        return _advance(state.with_draft(neighbourhood_skipped=True), ctx)
    if inbound.kind is Kind.TEXT and inbound.text.strip():
        # the question was just asked, so `Zafer` or `merkez` answers it without `mahallesi`
        found = places.gazetteer(ctx.catalogue.neighbourhoods).find(inbound.text, asked=True)
        if found is not None:
            return _advance(state.with_draft(neighbourhood=found), ctx)
        missing = m.pick(m.NEIGHBOURHOOD_NOT_FOUND, state.language).format(text=m.clip(inbound.text, 40))
        return _prefixed(_neighbourhoods(state, ctx), [TextMessage(missing)])
    return _neighbourhoods(state, ctx)


def _photo(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    if inbound.choice == PHOTO_SKIP or (not inbound.choice and words.says(inbound.text, words.SKIP_PHOTO)):
        return _advance(state.with_draft(photo_skipped=True), ctx)
    return _prompt(state, ctx)


def _confirm(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    choice = inbound.choice or ""
    if choice == screens.SEND or (not choice and words.says(inbound.text, words.YES)):
        return _file(state, ctx)
    if choice == screens.CANCEL or (not choice and words.says(inbound.text, words.NO)):
        return _cancelled(state)
    return _prompt(state, ctx)


def _image(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    language = state.language
    if inbound.photo_failed or not inbound.photo:
        failed = TextMessage(m.pick(m.PHOTO_FAILED, language))
        return (
            _prefixed(_prompt(state, ctx), [failed])
            if state.step is Step.PHOTO
            else Outcome(state, (failed,))
        )
    draft = state.draft
    if inbound.photo in draft.photos:
        return _prompt(state, ctx)
    if len(draft.photos) >= MAX_PHOTOS:
        limit = TextMessage(m.pick(m.PHOTO_LIMIT, language).format(n=MAX_PHOTOS))
        return _prefixed(_prompt(state, ctx), [limit])
    state = state.with_draft(photos=(*draft.photos, inbound.photo))
    if inbound.text.strip() and state.step in (Step.IDLE, Step.DETAILS):
        return _described(state, inbound.text, ctx)  # the caption describes the problem
    if state.step is Step.PHOTO:
        return _advance(state, ctx)
    return _prefixed(_prompt(state, ctx), [TextMessage(m.pick(m.PHOTO_RECEIVED, language))])


def _location(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    if inbound.lat is None or inbound.lon is None:
        return _prompt(state, ctx)
    language = state.language
    address = m.clip(inbound.address, 300) if inbound.address else None
    located = ctx.boundaries.locate(inbound.lat, inbound.lon)
    found = located.code if located is not None else None
    if found is not None and found not in {n.code for n in ctx.catalogue.neighbourhoods}:
        found = None  # a boundary for a neighbourhood the catalogue no longer has
    updates: dict[str, object] = {"lat": inbound.lat, "lon": inbound.lon, "address": address}
    if found is not None and (state.step is Step.NEIGHBOURHOOD or not state.draft.neighbourhood):
        updates["neighbourhood"] = found
    state = state.with_draft(**updates)
    if found is not None:
        name = ctx.catalogue.neighbourhood(found).name
        said = m.LOCATION_MATCHED if located is not None and located.exact else m.LOCATION_NEAR
        note = TextMessage(m.pick(said, language).format(name=name))
    elif state.step is Step.NEIGHBOURHOOD:
        note = TextMessage(m.pick(m.LOCATION_OUTSIDE, language))
    else:
        note = TextMessage(m.pick(m.LOCATION_RECEIVED, language))
    if state.step is Step.NEIGHBOURHOOD and found is not None:
        return _prefixed(_advance(state, ctx), [note])
    return _prefixed(_prompt(state, ctx), [note])


# --- moving on -----------------------------------------------------------------------------------


def _advance(state: Conversation, ctx: Context) -> Outcome:
    """Ask for the first thing still missing; with everything known, show the summary."""
    draft = state.draft
    if draft.category is None:
        next_step = Step.CATEGORY
    elif not draft.description:
        next_step = Step.DETAILS
    elif draft.neighbourhood is None and not draft.neighbourhood_skipped:
        next_step = Step.NEIGHBOURHOOD
    elif not draft.photos and not draft.photo_skipped:
        next_step = Step.PHOTO
    else:
        next_step = Step.CONFIRM
        if draft.code is None:
            state = state.with_draft(code=ctx.draw_code())
    return _prompt(state.at(next_step), ctx)


def _prompt(state: Conversation, ctx: Context) -> Outcome:
    """The question of the current step (again)."""
    language, draft, catalogue = state.language, state.draft, ctx.catalogue
    if state.step in (Step.IDLE, Step.NEW):
        return _topics(state, ctx, m.ASK_PROBLEM)
    if state.step is Step.CATEGORY:
        return _topics(state, ctx, m.PICK_CATEGORY)
    if state.step is Step.CONFIRM_CATEGORY:
        category = screens.category_or_none(catalogue, draft.suggested or "")
        if category is not None:
            return Outcome(state, (screens.confirm_category(category, language),))
        return _prompt(state.at(Step.CATEGORY), ctx)
    if state.step is Step.DETAILS:
        category = screens.category_or_none(catalogue, draft.category or "")
        return Outcome(state, (screens.ask_details(category, language),))
    if state.step is Step.NEIGHBOURHOOD:
        return _neighbourhoods(state, ctx)
    if state.step is Step.PHOTO:
        return Outcome(state, (screens.ask_photo(language),))
    return Outcome(state, (screens.summary(draft, catalogue, language),))


def _topics(state: Conversation, ctx: Context, body: Localized, page: int = 0) -> Outcome:
    return Outcome(state, (screens.topics(ctx.catalogue, state.language, page, body),))


def _neighbourhoods(state: Conversation, ctx: Context, page: int = 0) -> Outcome:
    return Outcome(state, (screens.neighbourhoods(ctx.catalogue, state.language, page),))


def _topics_page(state: Conversation, ctx: Context, choice: str) -> Outcome:
    page = screens.page_number(choice[len(CAT_PAGE) :])
    return _topics(state.at(Step.CATEGORY), ctx, m.PICK_CATEGORY, page)


def _file(state: Conversation, ctx: Context) -> Outcome:
    draft = state.draft
    if draft.code is None or draft.category is None or not draft.description:
        return _advance(state, ctx)
    location = None
    if draft.lat is not None and draft.lon is not None:
        location = Location(lat=draft.lat, lon=draft.lon, address=draft.address)
    request = NewRequest(
        description=draft.description,
        channel=Channel.WHATSAPP,
        category=draft.category,
        neighbourhood=draft.neighbourhood,
        location=location,
        language=state.language,
        photos=draft.photos,
    )
    done = state.model_copy(update={"step": Step.IDLE, "draft": Draft()})
    return Outcome(done, filing=Filing(code=draft.code, request=request))
