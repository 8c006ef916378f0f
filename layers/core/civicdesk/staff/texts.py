"""What the citizen reads when staff close a request without a text of their own: short and plain,
in the citizen's language (the request's), pointing to what happens next."""

from __future__ import annotations

from civicdesk.requests.codes import display
from civicdesk.requests.models import Language


def duplicate(other_code: str, language: Language) -> str:
    shown = display(other_code)
    if language is Language.EN:
        return f"The same problem was already reported as {shown}; please follow that code for updates."
    return f"Aynı sorun daha önce {shown} koduyla bildirilmiş; gelişmeleri bu koddan izleyebilirsiniz."


def referred(institution: str, language: Language) -> str:
    if language is Language.EN:
        return f"This is the responsibility of {institution}; we have passed your request on to them."
    return f"Bu konu {institution} sorumluluğundadır; başvurunuzu kendilerine ilettik."


def turn_to(institution: str, language: Language) -> str:
    """A referral to an institution we have no channel to: the citizen is told where to apply."""
    if language is Language.EN:
        return f"This is the responsibility of {institution}; please apply to them directly."
    return f"Bu konu {institution} sorumluluğundadır; lütfen doğrudan kendilerine başvurunuz."


def invalid(language: Language) -> str:
    if language is Language.EN:
        return "We could not act on this request. You are welcome to send a new one with more detail."
    return "Bu başvuru üzerine işlem yapamadık. Daha ayrıntılı yeni bir başvuru gönderebilirsiniz."
