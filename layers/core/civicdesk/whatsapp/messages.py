"""What we send on WhatsApp: message shapes within the Cloud API's limits, and their texts.

Texts are Turkish first, with English; each conversation speaks one of them. Limits (Meta's):
a list has at most 10 rows in all, row titles 24 and descriptions 72 characters, the list button
20; a reply-button message has at most 3 buttons of 20 characters; bodies 1024 (buttons) or 4096.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from civicdesk.catalogue.model import Localized
from civicdesk.core.clock import local
from civicdesk.requests.models import Language

MAX_LIST_ROWS = 10
ROW_TITLE = 24
ROW_DESCRIPTION = 72
BUTTON_TITLE = 20
BUTTONS_BODY = 1024
TEXT_BODY = 4096


def clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters, marking the cut with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    description: str | None = None

    def as_row(self) -> dict[str, str]:
        row = {"id": self.id, "title": clip(self.title, ROW_TITLE)}
        if self.description:
            row["description"] = clip(self.description, ROW_DESCRIPTION)
        return row


@dataclass(frozen=True)
class TextMessage:
    body: str


@dataclass(frozen=True)
class ButtonsMessage:
    body: str
    buttons: tuple[Row, ...]


@dataclass(frozen=True)
class ListMessage:
    body: str
    button: str
    rows: tuple[Row, ...]
    section: str = ""


OutboundMessage = TextMessage | ButtonsMessage | ListMessage


def payload(message: OutboundMessage, to: str) -> dict[str, Any]:
    """The Cloud API `messages` request body for one message to `to` (a WhatsApp id)."""
    base: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    if isinstance(message, TextMessage):
        return {**base, "type": "text", "text": {"preview_url": False, "body": clip_body(message.body)}}
    if isinstance(message, ButtonsMessage):
        buttons = [
            {"type": "reply", "reply": {"id": b.id, "title": clip(b.title, BUTTON_TITLE)}}
            for b in message.buttons[:3]
        ]
        interactive = {
            "type": "button",
            "body": {"text": clip_body(message.body, BUTTONS_BODY)},
            "action": {"buttons": buttons},
        }
        return {**base, "type": "interactive", "interactive": interactive}
    section: dict[str, Any] = {"rows": [r.as_row() for r in message.rows[:MAX_LIST_ROWS]]}
    if message.section:
        section["title"] = clip(message.section, ROW_TITLE)
    interactive = {
        "type": "list",
        "body": {"text": clip_body(message.body)},
        "action": {"button": clip(message.button, BUTTON_TITLE), "sections": [section]},
    }
    return {**base, "type": "interactive", "interactive": interactive}


def clip_body(text: str, limit: int = TEXT_BODY) -> str:
    """Bodies keep their line breaks; only the length is bounded."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain_text(message: OutboundMessage) -> str:
    """The message as one line of text: what a template carries when only a template may be sent."""
    return " ".join(message.body.split())


# --- texts ---------------------------------------------------------------------------------------


def pick(text: Localized, language: Language) -> str:
    return text.en if language is Language.EN else text.tr


GREETING = Localized(
    tr="Merhaba! {welcome} Talep, öneri ve şikâyetlerinizi buradan iletebilirsiniz.\n\n"
    "Kişisel verileriniz (telefon numaranız ve WhatsApp adınız) veri sorumlusu {controller} tarafından "
    "yalnızca başvurunuzu almak ve size dönüş yapmak için 6698 sayılı KVKK kapsamında işlenir ve "
    "{retention} saklanır. Aydınlatma metni: {url}\n\n"
    "For English, write “English”.",
    en="Hello! {welcome} You can send us requests, suggestions and complaints here.\n\n"
    "Your personal data (your phone number and WhatsApp name) is processed by the data controller, "
    "{controller}, only to take your request and answer you, under Turkish data protection law (KVKK "
    "no. 6698), and kept for {retention}. Full notice: {url}\n\n"
    "Türkçe için “Türkçe” yazın.",
)
ASK_PROBLEM = Localized(
    tr="Sorununuzu birkaç cümleyle yazın (isterseniz fotoğraf da gönderin) ya da listeden bir konu seçin.",
    en="Describe the problem in a few sentences (send a photo if you like) or pick a topic from the list.",
)
TOPICS_BUTTON = Localized(tr="Konular", en="Topics")
MORE_ROW = Localized(tr="Diğer konular…", en="More topics…")
NEXT_PAGE_ROW = Localized(tr="Sonraki sayfa…", en="Next page…")
PICK_CATEGORY = Localized(tr="Hangi konuda? Listeden seçin.", en="Which topic? Pick one from the list.")
CONFIRM_CATEGORY = Localized(
    tr="Konuyu şöyle anladık: *{name}*. Doğru mu?", en="We understood the topic as: *{name}*. Is that right?"
)
YES = Localized(tr="Evet", en="Yes")
PICK_FROM_LIST = Localized(tr="Listeden seç", en="Pick from the list")
ASK_DETAILS = Localized(
    tr="*{name}* seçildi. Şimdi sorunu kısaca yazın.",
    en="*{name}* selected. Now describe the problem briefly.",
)
ASK_NEIGHBOURHOOD = Localized(
    tr="Hangi mahallede? Listeden seçin, mahallenin adını yazın ya da konum gönderin (📎 › Konum).",
    en="Which neighbourhood? Pick one from the list, type its name or send a location (📎 › Location).",
)
NEIGHBOURHOODS_BUTTON = Localized(tr="Mahalleler", en="Neighbourhoods")
SKIP_ROW = Localized(tr="Atla", en="Skip")
SKIP_ROW_DESCRIPTION = Localized(tr="Mahalle belirtmeden devam et", en="Continue without a neighbourhood")
NEIGHBOURHOOD_NOT_FOUND = Localized(
    tr="“{text}” adında bir mahalle bulamadık.", en="We could not find a neighbourhood called “{text}”."
)
LOCATION_MATCHED = Localized(tr="Konumunuz *{name}* sınırları içinde.", en="Your location is in *{name}*.")
LOCATION_NEAR = Localized(
    tr="Konumunuz *{name}* mahallesine yakın görünüyor (tahmini; yanlışsa özette iptal edip yeniden "
    "başlayabilirsiniz).",
    en="Your location seems to be near *{name}* (an estimate; if it is wrong, cancel at the summary and "
    "start again).",
)
LOCATION_OUTSIDE = Localized(
    tr="Konumunuzu aldık, ancak hangi mahallede olduğunu çıkaramadık. Lütfen listeden seçin ya da adını "
    "yazın.",
    en="We got your location, but could not tell which neighbourhood it is in. Please pick it from the "
    "list or type its name.",
)
ASK_PHOTO = Localized(
    tr="Fotoğraf eklemek isterseniz şimdi gönderin.", en="If you want to add a photo, send it now."
)
NO_PHOTO = Localized(tr="Fotoğrafsız devam", en="Continue, no photo")
PHOTO_RECEIVED = Localized(tr="Fotoğraf alındı.", en="Photo received.")
PHOTO_FAILED = Localized(
    tr="Fotoğrafı alamadık; tekrar gönderebilir ya da fotoğrafsız devam edebilirsiniz.",
    en="We could not get the photo; send it again or continue without one.",
)
PHOTO_LIMIT = Localized(tr="En fazla {n} fotoğraf ekleyebilirsiniz.", en="You can add up to {n} photos.")
LOCATION_RECEIVED = Localized(tr="Konum alındı.", en="Location received.")
SUMMARY = Localized(
    tr="Göndermeden önce kontrol edin:\nKonu: {category}\nMahalle: {neighbourhood}\nAçıklama: {description}\n"
    "Fotoğraf: {photos}\n\nGönderelim mi?",
    en="Please check before we send it:\nTopic: {category}\nNeighbourhood: {neighbourhood}\n"
    "Description: {description}\nPhotos: {photos}\n\nShall we send it?",
)
NOT_GIVEN = Localized(tr="belirtilmedi", en="not given")
SEND = Localized(tr="Evet, gönder", en="Yes, send it")
CANCEL = Localized(tr="Hayır, iptal", en="No, cancel")
CANCELLED = Localized(
    tr="İptal edildi; hiçbir şey kaydedilmedi. Yeni bir başvuru için istediğiniz zaman yazabilirsiniz.",
    en="Cancelled; nothing was saved. Write to us any time to start a new request.",
)
EXPIRED = Localized(
    tr="Yarım kalan başvurunuz zaman aşımına uğradı; baştan başlayalım.",
    en="Your unfinished request timed out; let us start again.",
)
DEADLINE = Localized(
    tr="Son yanıt zamanı: {deadline}. Durumu sormak için “durum {code}” yazın.",
    en="Reply due by: {deadline}. To ask about it, write “status {code}”.",
)
STATUS = Localized(
    tr="{code} numaralı başvurunuz: *{status}* (son güncelleme {updated}).",
    en="Your request {code}: *{status}* (last update {updated}).",
)
STATUS_NOT_FOUND = Localized(
    tr="Bu numaradan gönderilmiş {code} kodlu bir başvuru bulamadık. Kodu kontrol eder misiniz?",
    en="We found no request {code} sent from this number. Could you check the code?",
)
STATUS_USAGE = Localized(
    tr="Durumu sormak için takip kodunuzla birlikte yazın, örneğin: durum 7KR-M4Y-P2T",
    en="To ask about a request, write its tracking code, for example: status 7KR-M4Y-P2T",
)
UNSUPPORTED = Localized(
    tr="Şu an yalnızca yazı, konum ve fotoğraf alabiliyoruz. Sorununuzu yazarak anlatabilir misiniz?",
    en="For now we can only take text, locations and photos. Could you describe the problem in writing?",
)
CHOOSE_FROM_LIST = Localized(tr="Lütfen listeden seçin.", en="Please choose from the list.")
ANSWER_YES_NO = Localized(tr="Lütfen düğmelerden birini seçin.", en="Please tap one of the buttons.")


def when(moment: datetime) -> str:
    """A moment as the municipality's clock shows it: `30.11.2026 14:05`."""
    return local(moment).strftime("%d.%m.%Y %H:%M")
