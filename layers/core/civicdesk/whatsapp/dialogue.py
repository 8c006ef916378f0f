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

At any step `iptal` cancels, `durum <code>` / `status <code>` asks about a request, `English` /
`Türkçe` switch the language. A draft left alone for a day is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from civicdesk.catalogue.model import Catalogue, Category, Localized
from civicdesk.core import textnorm
from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.profile import model as profile_model
from civicdesk.profile.geo import Boundaries
from civicdesk.profile.model import Profile
from civicdesk.requests import codes
from civicdesk.requests.intake import NewRequest
from civicdesk.requests.models import Channel, Language, Location
from civicdesk.routing.classifier import OTHER, Classifier, KeywordClassifier
from civicdesk.whatsapp import messages as m
from civicdesk.whatsapp.messages import (
    MAX_LIST_ROWS,
    ButtonsMessage,
    ListMessage,
    OutboundMessage,
    Row,
    TextMessage,
)

DRAFT_TTL = timedelta(hours=24)
"""An unfinished request is dropped after a day of silence (WhatsApp's service window, too)."""
MAX_PHOTOS = 3
MAX_DESCRIPTION = 2000
CATEGORY_PAGE = 9  # + a "more topics" row: WhatsApp lists hold 10 rows in all
NEIGHBOURHOOD_PAGE = 8  # + "next page" and "skip"

# Choice ids we put on rows and buttons (they come back in `interactive.*_reply.id`).
CAT = "cat:"
CAT_PAGE = "catpage:"
CAT_OK = "catok"
CAT_LIST = "catlist"
NBH = "nbh:"
NBH_PAGE = "nbhpage:"
NBH_SKIP = "nbhskip"
PHOTO_SKIP = "photoskip"
SEND = "send"
CANCEL = "cancel"

_YES = frozenset({"evet", "e", "tamam", "dogru", "olur", "gonder", "yes", "y", "ok", "okay", "yep", "send"})
_NO = frozenset({"hayir", "h", "yok", "degil", "yanlis", "no", "n", "nope", "wrong"})
_SKIP = frozenset({"atla", "gec", "yok", "hayir", "fotografsiz", "skip", "no", "none", "pass"})
_CANCEL = frozenset({"iptal", "vazgec", "vazgectim", "cancel"})
_STATUS = frozenset({"durum", "status", "sorgu", "sorgula"})
_ENGLISH = frozenset({"english", "ingilizce", "en"})
_TURKISH = frozenset({"turkce", "turkish", "tr"})
_GREETINGS = frozenset({
    "merhaba", "merhabalar", "selam", "selamlar", "slm", "mrb", "iyi", "gunler", "aksamlar", "sabahlar",
    "gunaydin", "hi", "hello", "hey", "good", "morning", "evening", "afternoon", "sa", "selamunaleykum",
})  # fmt: skip
_EN_WORDS = frozenset({
    "the", "is", "are", "there", "a", "an", "my", "our", "street", "please", "hello", "hi", "help", "in",
    "on",
    "of", "and", "with", "near", "broken", "not", "it", "this", "i", "we", "you", "has", "have", "been",
    "dog", "cat", "garbage", "trash", "road", "light", "water", "since", "days", "for", "at", "to", "from",
})  # fmt: skip
_TR_WORDS = frozenset({
    "ve", "bir", "bu", "var", "yok", "icin", "mahallesi", "sokak", "lutfen", "merhaba", "selam", "cok",
    "da", "de", "ile", "gibi", "ama", "cunku", "sokakta", "gun", "gundur", "hala", "yine", "olan",
})  # fmt: skip
_TURKISH_LETTERS = re.compile("[çğıöşüÇĞİÖŞÜ]")


class Step(StrEnum):
    NEW = "new"
    IDLE = "idle"
    CATEGORY = "category"
    CONFIRM_CATEGORY = "confirm_category"
    DETAILS = "details"
    NEIGHBOURHOOD = "neighbourhood"
    PHOTO = "photo"
    CONFIRM = "confirm"


class Draft(BaseModel):
    """What the citizen has told us so far about the request being put together."""

    model_config = ConfigDict(frozen=True)

    description: str | None = None
    category: str | None = None
    suggested: str | None = None
    neighbourhood: str | None = None
    neighbourhood_skipped: bool = False
    photo_skipped: bool = False
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    photos: tuple[str, ...] = ()
    code: str | None = Field(
        default=None, description="drawn with the summary, so filing twice finds it taken"
    )


class Conversation(BaseModel):
    """The dialogue state kept per citizen (in the pool, under a keyed hash of the number, with a TTL)."""

    model_config = ConfigDict(frozen=True)

    step: Step = Step.NEW
    language: Language = Language.TR
    draft: Draft = Draft()
    last_inbound_at: datetime | None = None


class Kind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    LOCATION = "location"
    IMAGE = "image"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Inbound:
    """One citizen message, as the dialogue needs it (the service maps Meta's shapes onto it)."""

    kind: Kind
    at: datetime
    text: str = ""  # the text, an image's caption, or a tapped option's title
    choice: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    photo: str | None = None  # the stored photo's object key
    photo_failed: bool = False


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


@dataclass(frozen=True)
class Context:
    catalogue: Catalogue
    boundaries: Boundaries
    classifier: Classifier = field(default_factory=KeywordClassifier)
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
    if not first:
        return outcome
    return Outcome(
        conversation=outcome.conversation,
        replies=(*first, *outcome.replies),
        filing=outcome.filing,
        status_of=outcome.status_of,
        status_unreadable=outcome.status_unreadable,
    )


def _first_contact(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    language = detect_language(inbound.text) if inbound.kind is Kind.TEXT else Language.TR
    state = state.model_copy(update={"step": Step.IDLE, "language": language})
    greeting = TextMessage(_greeting(ctx, language))
    if inbound.kind is Kind.TEXT and _command(inbound.text) is None and not substantive(inbound.text):
        return Outcome(state, (greeting, _topics(state, ctx, 0, m.ASK_PROBLEM)))
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


# --- language and words --------------------------------------------------------------------------


def detect_language(text: str) -> Language:
    """English when the first message reads as English, else Turkish (the default)."""
    if _TURKISH_LETTERS.search(text):
        return Language.TR
    words = textnorm.words(text)
    english = sum(w in _EN_WORDS for w in words)
    turkish = sum(w in _TR_WORDS for w in words)
    return Language.EN if english > turkish else Language.TR


def substantive(text: str) -> bool:
    """More than a greeting: at least two words that are not one."""
    return sum(w not in _GREETINGS for w in textnorm.words(text)) >= 2


def _words(text: str) -> list[str]:
    return textnorm.words(text)


def _is(text: str, vocabulary: frozenset[str]) -> bool:
    words = _words(text)
    return bool(words) and len(words) <= 3 and words[0] in vocabulary


def _command(text: str) -> str | None:
    words = _words(text)
    if not words:
        return None
    if words[0] in _CANCEL and len(words) <= 3:
        return "cancel"
    if words[0] in _STATUS:
        return "status"
    if len(words) == 1 and words[0] in _ENGLISH:
        return "english"
    if len(words) == 1 and words[0] in _TURKISH:
        return "turkish"
    return None


# --- the steps -----------------------------------------------------------------------------------


def _continue(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    if inbound.kind is Kind.TEXT:
        command = _command(inbound.text)
        if command is not None:
            return _run_command(command, state, inbound, ctx)
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


def _run_command(command: str, state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    if command == "cancel":
        return _cancelled(state)
    if command in ("english", "turkish"):
        language = Language.EN if command == "english" else Language.TR
        return _prompt(state.model_copy(update={"language": language}), ctx)
    parts = inbound.text.split(None, 1)
    typed = parts[1].strip() if len(parts) > 1 else ""
    if not typed:
        return Outcome(state, (TextMessage(m.pick(m.STATUS_USAGE, state.language)),))
    code = codes.normalize(typed)
    if code is None:
        return Outcome(state, status_unreadable=m.clip(typed, 24))
    return Outcome(state, status_of=code)


def _cancelled(state: Conversation) -> Outcome:
    state = state.model_copy(update={"step": Step.IDLE, "draft": Draft()})
    return Outcome(state, (TextMessage(m.pick(m.CANCELLED, state.language)),))


def _idle(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    choice = inbound.choice or ""
    if choice.startswith(CAT) and _category_or_none(ctx.catalogue, choice[len(CAT) :]):
        return _advance(_with(state, category=choice[len(CAT) :]), ctx)
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
    result = ctx.classifier.classify(text, ctx.catalogue)
    updates: dict[str, object] = {"description": description}
    if result.neighbourhood and not state.draft.neighbourhood:
        updates["neighbourhood"] = result.neighbourhood
    state = _with(state, **updates)
    if state.draft.category:
        return _advance(state, ctx)
    category = _category_or_none(ctx.catalogue, result.category)
    if result.sure() and category is not None and category.code != OTHER:
        state = state.model_copy(
            update={
                "step": Step.CONFIRM_CATEGORY,
                "draft": state.draft.model_copy(update={"suggested": category.code}),
            }
        )
        return Outcome(state, (_confirm_category_question(state, category),))
    return Outcome(
        state.model_copy(update={"step": Step.CATEGORY}), (_topics(state, ctx, 0, m.PICK_CATEGORY),)
    )


def _category(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    choice = inbound.choice or ""
    if choice.startswith(CAT) and _category_or_none(ctx.catalogue, choice[len(CAT) :]):
        return _advance(_with(state, category=choice[len(CAT) :]), ctx)
    if choice.startswith(CAT_PAGE):
        return _topics_page(state, ctx, choice)
    if inbound.kind is Kind.TEXT:
        named = _category_named(ctx.catalogue, inbound.text)
        if named is not None:
            return _advance(_with(state, category=named), ctx)
    return Outcome(state, (_topics(state, ctx, 0, m.CHOOSE_FROM_LIST),))


def _confirm_category(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    choice = inbound.choice or ""
    suggested = state.draft.suggested
    if (choice == CAT_OK or (not choice and _is(inbound.text, _YES))) and suggested:
        return _advance(_with(state, category=suggested), ctx)
    if choice == CAT_LIST or (not choice and _is(inbound.text, _NO)):
        return Outcome(
            state.model_copy(update={"step": Step.CATEGORY}), (_topics(state, ctx, 0, m.PICK_CATEGORY),)
        )
    if choice.startswith(CAT) and _category_or_none(ctx.catalogue, choice[len(CAT) :]):
        return _advance(_with(state, category=choice[len(CAT) :]), ctx)
    if choice.startswith(CAT_PAGE):
        return _topics_page(state, ctx, choice)
    category = _category_or_none(ctx.catalogue, suggested or "")
    if category is None:
        return Outcome(
            state.model_copy(update={"step": Step.CATEGORY}), (_topics(state, ctx, 0, m.PICK_CATEGORY),)
        )
    return Outcome(state, (_confirm_category_question(state, category, m.ANSWER_YES_NO),))


def _details(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    choice = inbound.choice or ""
    if choice.startswith(CAT) and _category_or_none(ctx.catalogue, choice[len(CAT) :]):
        return _advance(_with(state, category=choice[len(CAT) :]), ctx)
    if inbound.kind is Kind.TEXT and inbound.text.strip():
        return _described(state, inbound.text, ctx)
    return _prompt(state, ctx)


def _neighbourhood(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    choice = inbound.choice or ""
    known = {n.code for n in ctx.catalogue.neighbourhoods}
    if choice.startswith(NBH) and choice[len(NBH) :] in known:
        return _advance(_with(state, neighbourhood=choice[len(NBH) :]), ctx)
    if choice.startswith(NBH_PAGE):
        page = _page_number(choice[len(NBH_PAGE) :])
        return Outcome(state, (_neighbourhoods(state, ctx, page),))
    if choice == NBH_SKIP or (not choice and _is(inbound.text, _SKIP)):
        return _advance(_with(state, neighbourhood_skipped=True), ctx)
    if inbound.kind is Kind.TEXT and inbound.text.strip():
        found = match_neighbourhood(inbound.text, ctx.catalogue, ctx.classifier)
        if found is not None:
            return _advance(_with(state, neighbourhood=found), ctx)
        missing = m.pick(m.NEIGHBOURHOOD_NOT_FOUND, state.language).format(text=m.clip(inbound.text, 40))
        return Outcome(state, (TextMessage(missing), _neighbourhoods(state, ctx, 0)))
    return Outcome(state, (_neighbourhoods(state, ctx, 0),))


def _photo(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    if inbound.choice == PHOTO_SKIP or (not inbound.choice and _is(inbound.text, _SKIP | _NO)):
        return _advance(_with(state, photo_skipped=True), ctx)
    return _prompt(state, ctx)


def _confirm(state: Conversation, inbound: Inbound, ctx: Context) -> Outcome:
    choice = inbound.choice or ""
    if choice == SEND or (not choice and _is(inbound.text, _YES)):
        return _file(state, ctx)
    if choice == CANCEL or (not choice and _is(inbound.text, _NO)):
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
    state = _with(state, photos=(*draft.photos, inbound.photo))
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
    state = _with(state, **updates)
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


def _with(state: Conversation, **updates: object) -> Conversation:
    return state.model_copy(update={"draft": state.draft.model_copy(update=updates)})


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
            state = _with(state, code=ctx.draw_code())
    return _prompt(state.model_copy(update={"step": next_step}), ctx)


def _prompt(state: Conversation, ctx: Context) -> Outcome:
    """The question of the current step (again)."""
    language = state.language
    draft = state.draft
    if state.step in (Step.IDLE, Step.NEW):
        return Outcome(state, (_topics(state, ctx, 0, m.ASK_PROBLEM),))
    if state.step is Step.CATEGORY:
        return Outcome(state, (_topics(state, ctx, 0, m.PICK_CATEGORY),))
    if state.step is Step.CONFIRM_CATEGORY:
        category = _category_or_none(ctx.catalogue, draft.suggested or "")
        if category is not None:
            return Outcome(state, (_confirm_category_question(state, category),))
        return _prompt(state.model_copy(update={"step": Step.CATEGORY}), ctx)
    if state.step is Step.DETAILS:
        category = _category_or_none(ctx.catalogue, draft.category or "")
        name = _name(category.name, language) if category else "-"
        return Outcome(state, (TextMessage(m.pick(m.ASK_DETAILS, language).format(name=name)),))
    if state.step is Step.NEIGHBOURHOOD:
        return Outcome(state, (_neighbourhoods(state, ctx, 0),))
    if state.step is Step.PHOTO:
        skip = Row(PHOTO_SKIP, m.pick(m.NO_PHOTO, language))
        return Outcome(state, (ButtonsMessage(m.pick(m.ASK_PHOTO, language), (skip,)),))
    return Outcome(state, (_summary(state, ctx),))


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


# --- lists and questions -------------------------------------------------------------------------


def _name(name: Localized, language: Language) -> str:
    return m.pick(name, language)


def _category_or_none(catalogue: Catalogue, code: str) -> Category | None:
    found = next((c for c in catalogue.categories if c.code == code), None)
    return found if found is not None and found.active else None


def _category_named(catalogue: Catalogue, text: str) -> str | None:
    typed = " ".join(_words(text))
    if len(typed) < 3:
        return None
    for category in catalogue.active_categories():
        names = (" ".join(_words(category.name.tr)), " ".join(_words(category.name.en)))
        if any(name == typed or name.startswith(typed) for name in names):
            return category.code
    return None


def _ordered_categories(catalogue: Catalogue) -> list[Category]:
    """The form's order (busiest first), with "other" always last."""
    active = sorted(catalogue.active_categories(), key=lambda c: (c.code == OTHER, c.position, c.code))
    return list(active)


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and len(text) <= 3 else 0


def _topics_page(state: Conversation, ctx: Context, choice: str) -> Outcome:
    page = _page_number(choice[len(CAT_PAGE) :])
    return Outcome(
        state.model_copy(update={"step": Step.CATEGORY}), (_topics(state, ctx, page, m.PICK_CATEGORY),)
    )


def _topics(state: Conversation, ctx: Context, page: int, body: Localized) -> ListMessage:
    """One page of topics: 9 and a "more" row when they do not fit in WhatsApp's 10 rows."""
    language = state.language
    categories = _ordered_categories(ctx.catalogue)
    if len(categories) <= MAX_LIST_ROWS:
        shown, more = categories, False
    else:
        pages = (len(categories) + CATEGORY_PAGE - 1) // CATEGORY_PAGE
        page = page if 0 <= page < pages else 0
        shown = categories[page * CATEGORY_PAGE : (page + 1) * CATEGORY_PAGE]
        more = page + 1 < pages
        if not more:  # the last page holds the rest, whatever it is, within 10 rows
            shown = categories[page * CATEGORY_PAGE : page * CATEGORY_PAGE + MAX_LIST_ROWS]
    rows = [Row(f"{CAT}{c.code}", _name(c.name, language), _name(c.description, language)) for c in shown]
    if more:
        rows.append(Row(f"{CAT_PAGE}{page + 1}", m.pick(m.MORE_ROW, language)))
    return ListMessage(m.pick(body, language), m.pick(m.TOPICS_BUTTON, language), tuple(rows))


def _neighbourhoods(state: Conversation, ctx: Context, page: int) -> ListMessage:
    """One page of neighbourhoods (8), "next page" while more remain, and "skip"."""
    language = state.language
    places = list(ctx.catalogue.neighbourhoods)
    pages = max(1, (len(places) + NEIGHBOURHOOD_PAGE - 1) // NEIGHBOURHOOD_PAGE)
    page = page if 0 <= page < pages else 0
    shown = places[page * NEIGHBOURHOOD_PAGE : (page + 1) * NEIGHBOURHOOD_PAGE]
    rows = [Row(f"{NBH}{n.code}", short_name(n.name)) for n in shown]
    if page + 1 < pages:
        rows.append(Row(f"{NBH_PAGE}{page + 1}", m.pick(m.NEXT_PAGE_ROW, language), f"{page + 2}/{pages}"))
    rows.append(Row(NBH_SKIP, m.pick(m.SKIP_ROW, language), m.pick(m.SKIP_ROW_DESCRIPTION, language)))
    body = m.pick(m.ASK_NEIGHBOURHOOD, language)
    return ListMessage(body, m.pick(m.NEIGHBOURHOODS_BUTTON, language), tuple(rows))


def short_name(name: str) -> str:
    """`Yıldırım Beyazıt Mahallesi` -> `Yıldırım Beyazıt`: fits a 24-character row title."""
    return re.sub(r"\s+(Mahallesi|Mah\.?)$", "", name).strip() or name


def _confirm_category_question(
    state: Conversation, category: Category, lead: Localized | None = None
) -> ButtonsMessage:
    language = state.language
    body = m.pick(m.CONFIRM_CATEGORY, language).format(name=_name(category.name, language))
    if lead is not None:
        body = f"{m.pick(lead, language)}\n{body}"
    buttons = (Row(CAT_OK, m.pick(m.YES, language)), Row(CAT_LIST, m.pick(m.PICK_FROM_LIST, language)))
    return ButtonsMessage(body, buttons)


def _summary(state: Conversation, ctx: Context) -> ButtonsMessage:
    language = state.language
    draft = state.draft
    category = _category_or_none(ctx.catalogue, draft.category or "")
    neighbourhood = next((n for n in ctx.catalogue.neighbourhoods if n.code == draft.neighbourhood), None)
    not_given = m.pick(m.NOT_GIVEN, language)
    body = m.pick(m.SUMMARY, language).format(
        category=_name(category.name, language) if category else not_given,
        neighbourhood=neighbourhood.name if neighbourhood else not_given,
        description=m.clip(draft.description or "", 300),
        photos=len(draft.photos),
    )
    buttons = (Row(SEND, m.pick(m.SEND, language)), Row(CANCEL, m.pick(m.CANCEL, language)))
    return ButtonsMessage(body, buttons)


# --- neighbourhood names as people type them -----------------------------------------------------


def _is_marker(word: str) -> bool:
    return word in ("mah", "mh") or word.startswith(("mahal", "mahhal"))


def match_neighbourhood(text: str, catalogue: Catalogue, classifier: Classifier) -> str | None:
    """The neighbourhood a typed name means: `Fatih`, `fatih mah.`, `yesilkoy`, `Mithat Paşa`, with a
    typo allowed in longer names; None when nothing (or more than one equally) fits."""
    found = classifier.classify(text, catalogue).neighbourhood
    if found is not None:
        return found
    typed = "".join(w for w in _words(text) if not _is_marker(w))
    if len(typed) < 3:
        return None
    best: list[tuple[int, str]] = []
    for place in catalogue.neighbourhoods:
        name = "".join(w for w in _words(place.name) if not _is_marker(w))
        limit = 0 if len(name) < 5 else 1 if len(name) < 9 else 2
        distance = textnorm.distance(typed, name, limit)
        if distance <= limit:
            best.append((distance, place.code))
    if not best:
        return None
    best.sort()
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None
    return best[0][1]
