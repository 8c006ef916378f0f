"""The survey page in a real browser against the running local stack: the link from the resolution
SMS opens it, the citizen answers on a phone, "not solved" reopens the request; a bad link says so.
Set SHOTS_DIR to keep screenshots of the page at 390 and 1280 px."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from civicdesk.requests import codes

from .conftest import LocalStack
from .staff import ROADS, Staff
from .test_browser import DESKTOP, new_page
from .test_notifications import outbox, post

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def staff(local_stack: LocalStack) -> Staff:
    return Staff(local_stack)


@pytest.fixture
def phone390(chromium: Browser, local_stack: LocalStack) -> Iterator[Page]:
    yield from new_page(chromium, local_stack, PHONE_390)


@pytest.fixture
def desktop(chromium: Browser, local_stack: LocalStack) -> Iterator[Page]:
    yield from new_page(chromium, local_stack, DESKTOP)


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def resolved_link(stack: LocalStack, staff: Staff, description: str, phone: str) -> tuple[str, str]:
    """A web request with a phone, resolved by the roads department: (code, the survey page's path)."""
    shown = post(stack, "/requests", {"description": description, "contact": {"phone": phone}})["code"]
    code = codes.normalize(shown) or ""
    staff.wait_routed(shown)
    etag = staff.read(ROADS, shown).etag
    done = staff.call(
        ROADS,
        "POST",
        f"/staff/requests/{shown}/status",
        {"status": "resolved", "text": "Onarıldı."},
        {"If-Match": etag},
    )
    assert done.status == 200, done.body
    rows = outbox(stack, code, 3)
    found = re.search(r"/(survey\.html\?t=\S+)", rows[-1]["text"])
    assert found, rows[-1]["text"]
    return shown, "/" + found.group(1)


def test_a_citizen_answers_not_solved_on_a_phone_and_the_request_reopens(
    phone390: Page, desktop: Page, local_stack: LocalStack, staff: Staff
) -> None:
    # Given the link from the resolution SMS
    shown, path = resolved_link(
        local_stack, staff, "Caddede büyük bir çukur var, araçlar zarar görüyor", "0532 300 77 88"
    )
    desktop.goto(f"{local_stack.url}{path}")
    desktop.wait_for_selector("#survey-form:not([hidden])")
    shot(desktop, "survey-1280.png")
    # When the citizen opens it on a 390 px phone
    page = phone390
    page.goto(f"{local_stack.url}{path}")
    page.wait_for_selector("#survey-form:not([hidden])")
    # Then it shows the request's code, the two questions, and that "no" reopens it; nothing scrolls sideways
    assert page.text_content("#code") == shown
    assert "yeniden açılır" in (page.text_content("#reopen-note") or "")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "survey-390.png")
    # When they send without answering, the page asks for the answers first
    page.click("#send")
    assert page.is_visible("#solved-error")
    assert page.is_visible("#score-error")
    # When they answer no, 2, with a comment
    page.check("#solved-no")
    page.check("#score-2")
    page.fill("#comment", "Çukur hâlâ orada.")
    page.click("#send")
    page.wait_for_selector("#done:not([hidden])")
    # Then they are told it was reopened, and the staff see it reopened
    assert "yeniden açıldı" in (page.text_content("#done-text") or "")
    shot(page, "survey-390-reopened.png")
    assert staff.read(ROADS, shown).body["status"] == "reopened"
    # And opening the link again says it was answered (a link is good for one answer)
    page.reload()
    page.wait_for_selector("#done:not([hidden])")
    assert "daha önce yanıtladınız" in (page.text_content("#done-text") or "")


def test_a_broken_link_says_so_in_either_language(desktop: Page, local_stack: LocalStack) -> None:
    # When a link that we never sent is opened
    desktop.goto(f"{local_stack.url}/survey.html?t=7KRM4YP2T.1.2.forged-signature")
    desktop.wait_for_selector("#alert p")
    # Then the page says it is not valid, and in English when asked
    assert "geçerli değil" in (desktop.text_content("#alert") or "")
    desktop.click("#lang-switch")
    assert "not valid" in (desktop.text_content("#alert") or "")
    assert desktop.get_attribute("html", "lang") == "en"
    shot(desktop, "survey-1280-invalid-en.png")
