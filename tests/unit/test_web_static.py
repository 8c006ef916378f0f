"""The citizen page's own files name no municipality: its names come from config.json, the profile's.

Whatever the browser shows before (or without) config.json is neutral, so a page deployed for one
municipality never shows another's name, phone line, data controller or retention period.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from civicdesk.profile import model as profiles

WEB = Path(__file__).resolve().parents[2] / "web"


def _facts(code: str) -> list[str]:
    profile = profiles.load(code)
    kvkk = profile.kvkk
    localized = (profile.name, profile.contact_center, kvkk.controller, kvkk.retention, profile.texts.welcome)
    return [
        profile.district,
        profile.phone_line,
        kvkk.contact,
        *(t for text in localized for t in (text.tr, text.en)),
    ]


@pytest.mark.parametrize("code", profiles.available())
def test_no_file_of_the_page_names_a_municipality(code: str) -> None:
    # Given every file the page is made of
    files = {
        p.name: p.read_text(encoding="utf-8") for p in WEB.iterdir() if p.suffix in {".html", ".js", ".css"}
    }
    assert {"index.html", "app.js", "i18n.js"} <= set(files)
    # Then none of them carries what the profile says about its municipality
    named = [(name, fact) for name, text in files.items() for fact in _facts(code) if fact in text]
    assert named == []
