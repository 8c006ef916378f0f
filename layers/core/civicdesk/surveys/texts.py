"""What the citizen reads about the survey and reopening, Turkish first, with English."""

from __future__ import annotations

from civicdesk.catalogue.model import Localized
from civicdesk.surveys.model import Solved

REOPENED_ENTRY = Localized(
    tr="Sorunun çözülmediğini bildirdiniz; talebiniz yeniden açıldı ve ilgili birime iletildi.",
    en="You told us the problem was not solved; your request was reopened and sent back to the department.",
)
FOLLOW_UP_DESCRIPTION = Localized(
    tr="{code} kodlu talebin devamı: {text}", en="Follow-up of request {code}: {text}"
)
SOLVED_LABELS: dict[Solved, Localized] = {
    Solved.YES: Localized(tr="Evet, çözüldü", en="Yes, solved"),
    Solved.PARTLY: Localized(tr="Kısmen", en="Partly"),
    Solved.NO: Localized(tr="Hayır, çözülmedi", en="No, not solved"),
}
ASK_SCORE = Localized(
    tr="Teşekkürler. Hizmetimizden ne kadar memnun kaldınız? 1 (hiç) ile 5 (çok) arasında seçin.",
    en="Thank you. How satisfied are you with our service? Pick from 1 (not at all) to 5 (very).",
)
SCORE_BUTTON = Localized(tr="Puan ver", en="Rate")
SCORE_LABELS = {
    1: Localized(tr="1 · Hiç memnun değilim", en="1 · Not at all satisfied"),
    2: Localized(tr="2 · Memnun değilim", en="2 · Dissatisfied"),
    3: Localized(tr="3 · Kararsızım", en="3 · Neutral"),
    4: Localized(tr="4 · Memnunum", en="4 · Satisfied"),
    5: Localized(tr="5 · Çok memnunum", en="5 · Very satisfied"),
}
THANKS = Localized(tr="Yanıtınız için teşekkür ederiz.", en="Thank you for your answer.")
REOPENED = Localized(
    tr="{code} kodlu talebiniz yeniden açıldı; en geç {due} tarihine kadar size dönüş yapacağız.",
    en="Your request {code} was reopened; we will answer by {due}.",
)
TOO_LATE = Localized(
    tr="{code} kodlu talebiniz {days} günden uzun süre önce sonuçlandığı için yeniden açılamıyor. "
    "Sorun sürüyorsa eski talebinize bağlı yeni bir başvuru yapabilirsiniz: {link}",
    en="Your request {code} was resolved more than {days} days ago, so it cannot be reopened. If the "
    "problem goes on, you can file a new request linked to it: {link}",
)
TOO_LATE_NO_LINK = Localized(
    tr="{code} kodlu talebiniz {days} günden uzun süre önce sonuçlandığı için yeniden açılamıyor. "
    "Sorun sürüyorsa bize yeniden yazın; yeni bir başvuru olarak alalım.",
    en="Your request {code} was resolved more than {days} days ago, so it cannot be reopened. If the "
    "problem goes on, write to us again and we will take it as a new request.",
)
NOT_RESOLVED = Localized(
    tr="{code} kodlu talebiniz henüz sonuçlanmadı; üzerinde çalışıyoruz.",
    en="Your request {code} is still open; we are working on it.",
)
ALREADY_ANSWERED = Localized(
    tr="Bu talep için anketi daha önce yanıtladınız, teşekkürler.",
    en="You have already answered the survey for this request, thank you.",
)
REOPEN_USAGE = Localized(
    tr="Yeniden açmak için takip kodunuzla birlikte yazın, örneğin: yeniden aç 7KR-M4Y-P2T",
    en="To reopen a request, write its tracking code, for example: reopen 7KR-M4Y-P2T",
)
