"""Fixed vocabularies: request kinds and channels, with their citizen-facing names.

The domain enumerations (`civicdesk.requests.models.Kind`, `Channel`) are the codes; these are the
names forms and reports show. They are the same for every municipality.
"""

from __future__ import annotations

from civicdesk.catalogue.model import Localized, Named

KINDS = (
    Named(code="request", name=Localized(tr="Talep", en="Request")),
    Named(code="complaint", name=Localized(tr="Şikâyet", en="Complaint")),
    Named(code="suggestion", name=Localized(tr="Öneri", en="Suggestion")),
    Named(code="information", name=Localized(tr="Bilgi edinme", en="Information")),
    Named(code="thanks", name=Localized(tr="Teşekkür", en="Thanks")),
)
CHANNELS = (
    Named(code="web", name=Localized(tr="Web sitesi", en="Website")),
    Named(code="whatsapp", name=Localized(tr="WhatsApp", en="WhatsApp")),
    Named(code="call_center", name=Localized(tr="Çağrı merkezi", en="Call centre")),
    Named(code="walk_in", name=Localized(tr="Yüz yüze başvuru", en="Walk-in")),
    Named(code="field", name=Localized(tr="Saha", en="Field")),
    Named(code="social_media", name=Localized(tr="Sosyal medya", en="Social media")),
    Named(code="email", name=Localized(tr="E-posta", en="Email")),
    Named(code="open311", name=Localized(tr="Open311 uygulaması", en="Open311 app")),
)
