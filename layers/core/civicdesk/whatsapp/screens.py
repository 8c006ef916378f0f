"""What the WhatsApp dialogue shows: topic and neighbourhood lists in pages, questions, the summary.

Each builder takes what it shows and the conversation's language and returns a message within the
Cloud API's limits (`messages`); the choice ids put on rows and buttons come back in
`interactive.*_reply.id`, and the dialogue reads them.
"""

from __future__ import annotations

import re

from civicdesk.catalogue.model import Catalogue, Category, Localized
from civicdesk.core import textnorm
from civicdesk.requests.models import Language
from civicdesk.routing.classifier import OTHER
from civicdesk.whatsapp import messages as m
from civicdesk.whatsapp.conversation import Draft
from civicdesk.whatsapp.messages import MAX_LIST_ROWS, ButtonsMessage, ListMessage, Row, TextMessage

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


def category_or_none(catalogue: Catalogue, code: str) -> Category | None:
    """The active category with this code (a stale list row may name a retired one)."""
    found = next((c for c in catalogue.categories if c.code == code), None)
    return found if found is not None and found.active else None


def category_named(catalogue: Catalogue, text: str) -> str | None:
    """The category whose name, in either language, is or begins with what was typed."""
    typed = " ".join(textnorm.words(text))
    if len(typed) < 3:
        return None
    for category in catalogue.active_categories():
        names = (" ".join(textnorm.words(category.name.tr)), " ".join(textnorm.words(category.name.en)))
        if any(name == typed or name.startswith(typed) for name in names):
            return category.code
    return None


def page_number(text: str) -> int:
    return int(text) if text.isdigit() and len(text) <= 3 else 0


def topics(catalogue: Catalogue, language: Language, page: int, body: Localized) -> ListMessage:
    """One page of topics in the form's order (busiest first, "other" last): 9 and a "more" row when
    they do not fit in WhatsApp's 10 rows."""
    categories = sorted(catalogue.active_categories(), key=lambda c: (c.code == OTHER, c.position, c.code))
    if len(categories) <= MAX_LIST_ROWS:
        shown, more = categories, False
    else:
        pages = (len(categories) + CATEGORY_PAGE - 1) // CATEGORY_PAGE
        page = page if 0 <= page < pages else 0
        shown = categories[page * CATEGORY_PAGE : (page + 1) * CATEGORY_PAGE]
        more = page + 1 < pages
        if not more:  # the last page holds the rest, whatever it is, within 10 rows
            shown = categories[page * CATEGORY_PAGE : page * CATEGORY_PAGE + MAX_LIST_ROWS]
    rows = [Row(f"{CAT}{c.code}", m.pick(c.name, language), m.pick(c.description, language)) for c in shown]
    if more:
        rows.append(Row(f"{CAT_PAGE}{page + 1}", m.pick(m.MORE_ROW, language)))
    return ListMessage(m.pick(body, language), m.pick(m.TOPICS_BUTTON, language), tuple(rows))


def neighbourhoods(catalogue: Catalogue, language: Language, page: int) -> ListMessage:
    """One page of neighbourhoods (8), "next page" while more remain, and "skip"."""
    places = list(catalogue.neighbourhoods)
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


def confirm_category(category: Category, language: Language, lead: Localized | None = None) -> ButtonsMessage:
    body = m.pick(m.CONFIRM_CATEGORY, language).format(name=m.pick(category.name, language))
    if lead is not None:
        body = f"{m.pick(lead, language)}\n{body}"
    buttons = (Row(CAT_OK, m.pick(m.YES, language)), Row(CAT_LIST, m.pick(m.PICK_FROM_LIST, language)))
    return ButtonsMessage(body, buttons)


def ask_details(category: Category | None, language: Language) -> TextMessage:
    name = m.pick(category.name, language) if category else "-"
    return TextMessage(m.pick(m.ASK_DETAILS, language).format(name=name))


def ask_photo(language: Language) -> ButtonsMessage:
    skip = Row(PHOTO_SKIP, m.pick(m.NO_PHOTO, language))
    return ButtonsMessage(m.pick(m.ASK_PHOTO, language), (skip,))


def summary(draft: Draft, catalogue: Catalogue, language: Language) -> ButtonsMessage:
    category = category_or_none(catalogue, draft.category or "")
    neighbourhood = next((n for n in catalogue.neighbourhoods if n.code == draft.neighbourhood), None)
    not_given = m.pick(m.NOT_GIVEN, language)
    body = m.pick(m.SUMMARY, language).format(
        category=m.pick(category.name, language) if category else not_given,
        neighbourhood=neighbourhood.name if neighbourhood else not_given,
        description=m.clip(draft.description or "", 300),
        photos=len(draft.photos),
    )
    buttons = (Row(SEND, m.pick(m.SEND, language)), Row(CANCEL, m.pick(m.CANCEL, language)))
    return ButtonsMessage(body, buttons)
