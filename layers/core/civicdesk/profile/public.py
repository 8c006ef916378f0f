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


MAP_URL = "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"
"""Where the staff console links a request's point to (a link opened in a new tab: nothing loaded)."""


def console_config(region: str, user_pool_id: str, client_id: str, endpoint: str = "") -> dict[str, Any]:
    """The staff console's `staff/config.json`: where to sign in (`endpoint` empty: Cognito's own in
    `region`; the local emulator's URL on a laptop) and where a request's map link goes."""
    return {
        "region": region,
        "userPoolId": user_pool_id,
        "clientId": client_id,
        "endpoint": endpoint,
        "mapUrl": MAP_URL,
    }
