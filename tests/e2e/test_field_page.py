"""The field page on a phone (390 px) in a real browser, against the whole local system: a field member
fills the demo survey, the connection drops, the answer waits on the phone, the connection returns,
and the answer is sent and counted once. Under the console's production CSP, like every console page."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from local.staff_demo import DEMO_FIELD_SURVEY_ID
from tests.support import PROFILE

from .conftest import LocalStack
from .staff import ANALYST, FIELD, Staff
from .test_console import DESK, PHONE, Watch, _with_console_csp

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("FIELD_SHOTS")
"""A directory: the page is photographed there at 390 and 1280 px (for a person to look at)."""


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        page.evaluate("window.scrollTo(0, 0)")  # the outbox line sticks to the top of the screen
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def results(stack: LocalStack) -> dict[str, Any]:
    token = Staff(stack).token(ANALYST)
    request = Request(f"{stack.url}/staff/field-surveys/{DEMO_FIELD_SURVEY_ID}/results")  # noqa: S310
    request.add_header("Authorization", f"Bearer {token}")
    with urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read())


@pytest.fixture
def phone(chromium: Browser, local_stack: LocalStack) -> Iterator[tuple[Page, BrowserContext, Watch]]:
    centre = next(n for n in PROFILE.catalogue().neighbourhoods if n.lat is not None)
    context = chromium.new_context(
        viewport=PHONE,  # type: ignore[arg-type]
        locale="tr-TR",
        timezone_id="Europe/Istanbul",
        service_workers="block",
        geolocation={"latitude": float(centre.lat or 0), "longitude": float(centre.lon or 0)},
        permissions=["local-network-access", "geolocation"],
    )
    context.route(f"{local_stack.url}/**", _with_console_csp(local_stack))
    page = context.new_page()
    watch = Watch(local_stack)
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: watch.problems.append(f"script error: {error}"))
    try:
        yield page, context, watch
        assert watch.problems == []
        assert context.cookies() == []
    finally:
        context.unroute_all(behavior="ignoreErrors")
        context.close()


def test_an_answer_given_offline_waits_on_the_phone_and_is_sent_once(
    phone: tuple[Page, BrowserContext, Watch], local_stack: LocalStack
) -> None:
    page, context, _ = phone
    before = results(local_stack)["total"]["answers"]
    posts: list[int] = []
    page.on(
        "response",
        lambda r: posts.append(r.status) if r.request.method == "POST" and "/answers" in r.url else None,
    )
    # Given the field member signed in on the field page
    page.goto(f"{local_stack.url}/staff/field.html")
    page.wait_for_selector("html[data-ready=true]")
    password = page.evaluate("fetch('config.json').then(r => r.json()).then(c => c.demo.password)")
    page.get_by_label("E-posta").fill(FIELD)
    page.get_by_label("Parola").fill(password)
    page.get_by_label("Parola").press("Enter")
    expect(page.locator("#survey option")).not_to_have_count(0)
    # When they use their position, the nearest known neighbourhood is picked
    page.get_by_role("button", name="Konumumu kullan").click()
    centre = next(n for n in PROFILE.catalogue().neighbourhoods if n.lat is not None)
    expect(page.locator("#place")).to_have_value(centre.code)
    # And they answer, with the connection gone
    page.get_by_label("Kırık").check()
    page.get_by_label("Park eden araç").check()
    page.locator('input[name="q-lamps_out"]').fill("3")
    page.get_by_label("Hayır").check()
    shoot(page, "field-390")
    context.set_offline(True)
    page.get_by_role("button", name="Kaydet ve gönder").click()
    # Then the answer is kept on the phone and said to be waiting
    expect(page.locator("#outbox")).to_have_attribute("data-waiting", "1")
    expect(page.locator("#outbox-text")).to_contain_text("1 gönderilmeyi bekliyor")
    kept = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('civicdesk.field.outbox.'))")
    assert any(json.loads(page.evaluate(f"localStorage.getItem('{k}')") or "[]") for k in kept)
    shoot(page, "field-390-offline")
    # When the connection returns (the page retries by itself; "send now" is pressed if still waiting)
    context.set_offline(False)
    if page.locator("#outbox-retry").is_visible():
        page.get_by_role("button", name="Şimdi gönder").click()
    expect(page.locator("#outbox")).to_have_attribute("data-waiting", "0")
    # Then it was sent and counted exactly once
    expect(page.locator("#saved")).to_contain_text("Yanıt gönderildi")
    assert posts.count(201) == 1
    assert results(local_stack)["total"]["answers"] == before + 1
    page.set_viewport_size(DESK)  # type: ignore[arg-type]
    shoot(page, "field-1280")


def test_an_analyst_reads_the_results_beside_the_requests_and_downloads_the_csv(
    phone: tuple[Page, BrowserContext, Watch], local_stack: LocalStack
) -> None:
    page, _, _ = phone
    page.set_viewport_size(DESK)  # type: ignore[arg-type]
    # Given an analyst on the field page (who answers nothing: no form, only results)
    page.goto(f"{local_stack.url}/staff/field.html")
    page.wait_for_selector("html[data-ready=true]")
    password = page.evaluate("fetch('config.json').then(r => r.json()).then(c => c.demo.password)")
    page.get_by_label("E-posta").fill(ANALYST)
    page.get_by_label("Parola").fill(password)
    page.get_by_label("Parola").press("Enter")
    expect(page.locator("#view-results")).to_be_visible()
    expect(page.locator("#view-fill")).to_be_hidden()
    # When they show the demo survey's results
    page.locator("#results-survey").select_option(DEMO_FIELD_SURVEY_ID)
    page.get_by_role("button", name="Göster").click()
    # Then every assigned neighbourhood has its table with the requests filed there beside it
    survey = results(local_stack)
    expect(page.locator(".place-results")).to_have_count(len(survey["neighbourhoods"]) + 1)
    expect(page.locator(".requests-beside").first).to_contain_text("Talepler · Requests")
    expect(page.locator("#results-csv")).to_be_visible()
    shoot(page, "field-results-1280")


def test_a_resend_of_the_same_answer_counts_once_over_http(local_stack: LocalStack) -> None:
    # Given an answer the phone sends, loses the reply for, and sends twice more
    token = Staff(local_stack).token(FIELD)
    place = results(local_stack)["neighbourhoods"][0]["code"]
    body = json.dumps(
        {"id": "e2e-resend-0001", "version": 1, "neighbourhood": place,
         "answered_at": datetime.now(UTC).isoformat(), "values": {"pavement": "good"}}
    ).encode()  # fmt: skip
    before = results(local_stack)["total"]["answers"]
    statuses = []
    for _ in range(3):
        path = f"/staff/field-surveys/{DEMO_FIELD_SURVEY_ID}/answers"
        request = Request(f"{local_stack.url}{path}", data=body, method="POST")  # noqa: S310 - loopback
        request.add_header("Authorization", f"Bearer {token}")
        request.add_header("Content-Type", "application/json")
        with urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            statuses.append(answer.status)
    # Then the first is recorded, the others answered as already there, and the count moved by one
    assert statuses == [201, 200, 200]
    assert results(local_stack)["total"]["answers"] == before + 1
