"""What the web pages learn about the municipality: its names, contact line and KVKK notice facts.

Written into the pages' `config.json` at deploy time (infra) and served by the local gateway, from
the same profile the functions read, so the page, WhatsApp and the catalogue always agree.
"""

from __future__ import annotations

from typing import Any

from civicdesk.profile.model import Profile


def web_config(profile: Profile, api_url: str = "") -> dict[str, Any]:
    """The pages' `config.json` (`apiUrl` empty: the API is on the page's own origin)."""
    return {
        "apiUrl": api_url,
        "municipality": {
            "code": profile.code,
            "name": profile.name.model_dump(),
            "contactCenter": profile.contact_center.model_dump(),
            "phoneLine": profile.phone_line,
            "timeZone": profile.time_zone,
            "kvkk": {
                "controller": profile.kvkk.controller.model_dump(),
                "retention": profile.kvkk.retention.model_dump(),
                "contact": profile.kvkk.contact,
            },
            "bounds": profile.bounds.model_dump(),
        },
    }
