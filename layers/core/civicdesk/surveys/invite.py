"""Inviting the citizen to the survey, and the WhatsApp choices that answer it.

The invitation rides on the `resolved` message: its link (the survey page with a one-time token)
for every channel, and on WhatsApp three reply buttons that answer the first question at once
(`svy:<code>:<yes|partly|no>`); the dialogue then asks the score as a list (`svs:<code>:<solved>:<n>`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from civicdesk.catalogue.model import Localized
from civicdesk.profile.model import Profile
from civicdesk.requests.models import Language
from civicdesk.surveys import texts, tokens
from civicdesk.surveys.model import SCORES, Solved

SOLVED_CHOICE = "svy:"
SCORE_CHOICE = "svs:"
PAGE = "survey.html"


def link(public_url: str, key: str, code: str, resolved_at: datetime, profile: Profile) -> str:
    """The survey page with a token good until `link_days` after the resolution."""
    expires = resolved_at + timedelta(days=profile.surveys.link_days)
    return f"{public_url.rstrip('/')}/{PAGE}?t={tokens.issue(key, code, resolved_at, expires)}"


def sentence(profile: Profile, language: Language, url: str, *, sms: bool) -> str:
    text: Localized = profile.surveys.invite_sms if sms else profile.surveys.invite
    return (text.en if language is Language.EN else text.tr).format(link=url)


def solved_choices(code: str, language: Language) -> tuple[tuple[str, str], ...]:
    """(id, title) of the three reply buttons."""
    return tuple(
        (f"{SOLVED_CHOICE}{code}:{s.value}", _pick(texts.SOLVED_LABELS[s], language)) for s in Solved
    )


def score_choices(code: str, solved: Solved, language: Language) -> tuple[tuple[str, str], ...]:
    return tuple(
        (f"{SCORE_CHOICE}{code}:{solved.value}:{n}", _pick(texts.SCORE_LABELS[n], language)) for n in SCORES
    )


def parse_solved(choice: str) -> tuple[str, Solved] | None:
    """`svy:<code>:<solved>` -> (code, solved); None for anything else."""
    parts = choice.removeprefix(SOLVED_CHOICE).split(":") if choice.startswith(SOLVED_CHOICE) else []
    if len(parts) != 2 or parts[1] not in Solved.__members__.values():
        return None
    return parts[0], Solved(parts[1])


def parse_score(choice: str) -> tuple[str, Solved, int] | None:
    """`svs:<code>:<solved>:<n>` -> (code, solved, n); None for anything else."""
    parts = choice.removeprefix(SCORE_CHOICE).split(":") if choice.startswith(SCORE_CHOICE) else []
    if (
        len(parts) != 3
        or parts[1] not in Solved.__members__.values()
        or parts[2] not in {str(n) for n in SCORES}
    ):
        return None
    return parts[0], Solved(parts[1]), int(parts[2])


def _pick(text: Localized, language: Language) -> str:
    return text.en if language is Language.EN else text.tr
