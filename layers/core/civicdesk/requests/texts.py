"""Texts shown to citizens, Turkish first, with English. One place, so wording stays consistent."""

from __future__ import annotations

from civicdesk.catalogue.model import Localized
from civicdesk.requests.models import EntryType, Status

STATUS_NAMES: dict[Status, Localized] = {
    Status.RECEIVED: Localized(tr="Alındı", en="Received"),
    Status.ROUTED: Localized(tr="İlgili birime iletildi", en="Sent to the responsible department"),
    Status.IN_PROGRESS: Localized(tr="İşlemde", en="In progress"),
    Status.RESOLVED: Localized(tr="Çözüldü", en="Resolved"),
    Status.REJECTED: Localized(tr="Sonuçlandırıldı (yapılamadı)", en="Closed without action"),
    Status.TRIAGE: Localized(tr="Değerlendiriliyor", en="Being reviewed"),
    Status.CLOSED: Localized(tr="Kapatıldı", en="Closed"),
    Status.REOPENED: Localized(tr="Yeniden açıldı", en="Reopened"),
}

ENTRY_TITLES: dict[EntryType, Localized] = {
    EntryType.RECEIVED: Localized(tr="Talebiniz alındı", en="Your request was received"),
    EntryType.STATUS_CHANGED: Localized(tr="Durum güncellendi", en="Status updated"),
    EntryType.PUBLIC_REPLY: Localized(tr="Belediyeden yanıt", en="Reply from the municipality"),
    EntryType.INBOUND_MESSAGE: Localized(tr="Mesajınız eklendi", en="Your message was added"),
    EntryType.REFERRAL: Localized(tr="Yönlendirildiği kurumdan", en="From the institution it went to"),
}


def accepted_message(display_code: str, hours: float) -> Localized:
    whole = f"{hours:g}"
    return Localized(
        tr=f"Talebiniz alındı. Takip kodunuz: {display_code}. "
        f"En geç {whole} saat içinde size dönüş yapılacaktır.",
        en=f"Your request was received. Tracking code: {display_code}. "
        f"You will hear from us within {whole} hours.",
    )
