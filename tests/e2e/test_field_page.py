"""The field page on a phone (390 px) in a real browser, against the whole local system: a field member
fills the demo survey, the connection drops, the answer waits on the phone, the connection returns,
and the answer is sent and counted once. Under the console's production CSP, like every console page."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from local.staff_demo import DEMO_FIELD_SURVEY_ID
from tests.support import PROFILE

from .conftest import LocalStack
from .staff import ANALYST, FIELD, SUPERVISOR, Staff
from .test_browser import LOW_CONTRAST_TEXTS
from .test_console import DESK, PHONE, SIDEWAYS, UNLABELLED, Watch, _with_console_csp

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("FIELD_SHOTS")
"""A directory: the page is photographed there at 390 and 1280 px (for a person to look at)."""
DEMO_DEPARTMENT = "technical_works"  # the demo field member's department: their team


def shoot(page: Page, name: str, only: str | None = None) -> None:
    """The whole page, or only the element `only` selects."""
    if SHOTS:
        page.evaluate("window.scrollTo(0, 0)")  # the outbox line sticks to the top of the screen
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        path = str(Path(SHOTS) / f"{name}.png")
        if only:
            page.locator(only).screenshot(path=path)
        else:
            page.screenshot(path=path, full_page=True)


def results(stack: LocalStack) -> dict[str, Any]:
    token = Staff(stack).token(ANALYST)
    request = Request(f"{stack.url}/staff/field-surveys/{DEMO_FIELD_SURVEY_ID}/results")  # noqa: S310
    request.add_header("Authorization", f"Bearer {token}")
    with urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read())


@contextmanager
def _phone(chromium: Browser, stack: LocalStack) -> Iterator[tuple[Page, BrowserContext, Watch]]:
    """A phone at 390 px under the console's CSP; after use: no script error, CSP violation or cookie."""
    centre = next(n for n in PROFILE.catalogue().neighbourhoods if n.lat is not None)
    context = chromium.new_context(
        viewport=PHONE,  # type: ignore[arg-type]
        locale="tr-TR",
        timezone_id="Europe/Istanbul",
        service_workers="block",
        geolocation={"latitude": float(centre.lat or 0), "longitude": float(centre.lon or 0)},
        permissions=["local-network-access", "geolocation"],
    )
    context.route(f"{stack.url}/**", _with_console_csp(stack))
    page = context.new_page()
    watch = Watch(stack)
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: watch.problems.append(f"script error: {error}"))
    try:
        yield page, context, watch
        assert watch.problems == []
        assert context.cookies() == []
    finally:
        context.unroute_all(behavior="ignoreErrors")
        context.close()


@pytest.fixture
def phone(chromium: Browser, local_stack: LocalStack) -> Iterator[tuple[Page, BrowserContext, Watch]]:
    with _phone(chromium, local_stack) as used:
        yield used


def sign_in(page: Page, stack: LocalStack, user: str) -> None:
    page.goto(f"{stack.url}/staff/field.html")
    page.wait_for_selector("html[data-ready=true]")
    password = page.evaluate("fetch('config.json').then(r => r.json()).then(c => c.demo.password)")
    page.get_by_label("E-posta").fill(user)
    page.get_by_label("Parola").fill(password)
    page.get_by_label("Parola").press("Enter")


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


def legible(page: Page, screen: str) -> None:
    """Every visible control labelled, text at AA contrast, nothing wider than the screen."""
    assert page.evaluate(UNLABELLED) == [], screen
    assert page.evaluate(LOW_CONTRAST_TEXTS) == [], screen
    assert page.evaluate(SIDEWAYS) is False, screen


def test_a_supervisor_defines_a_survey_on_a_phone_edits_it_and_the_field_member_answers_the_new_version(
    chromium: Browser, phone: tuple[Page, BrowserContext, Watch], local_stack: LocalStack
) -> None:
    page, _, _ = phone
    title = f"Çocuk parkları {uuid.uuid4().hex[:6]}"
    places = [n.code for n in PROFILE.catalogue().neighbourhoods[:2]]
    # Given a supervisor on the field page on a phone
    sign_in(page, local_stack, SUPERVISOR)
    expect(page.locator("#view-define")).to_be_visible()
    legible(page, "define-list")
    # When they define a new survey with two questions
    page.get_by_role("button", name="Yeni anket").click()
    page.locator("#d-title-tr").fill(title)
    page.locator("#d-title-en").fill(f"{title} (en)")
    page.locator(f"#d-department-{DEMO_DEPARTMENT}").check()
    for code in places:
        page.locator(f"#d-place-{code}").check()
    first = page.locator('.question-edit[data-question="1"]')
    first.get_by_label("Metin (Türkçe)").fill("Oyun aletleri ne durumda?")
    first.get_by_label("Metin (İngilizce)").fill("What state is the playground in?")
    first.get_by_label("Yanıt zorunlu").check()
    for n, (tr, en) in enumerate([("İyi", "Good"), ("Kırık", "Broken")], start=1):
        row = first.locator(f'.choice-edit[data-choice="{n}"]')
        row.get_by_label("Türkçe").fill(tr)
        row.get_by_label("İngilizce").fill(en)
    page.get_by_role("button", name="Soru ekle").click()
    second = page.locator('.question-edit[data-question="2"]')
    second.get_by_label("Tür · Type").select_option("yes_no")
    second.get_by_label("Metin (Türkçe)").fill("Aydınlatma var mı?")
    second.get_by_label("Metin (İngilizce)").fill("Is there lighting?")
    # Then the form, at 390 px, is labelled, legible and fits
    legible(page, "define-form-390")
    shoot(page, "define-390", "#view-define")
    page.set_viewport_size(DESK)  # type: ignore[arg-type]
    legible(page, "define-form-1280")
    shoot(page, "define-1280", "#view-define")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    # When they save it
    page.get_by_role("button", name="Kaydet · Save").click()
    # Then it is version 1, in the list to fill in
    expect(page.locator("#define-status")).to_contain_text("(v1)")
    expect(page.locator("#survey option", has_text=title)).to_have_count(1)
    item = page.locator("#define-list li", has_text=title)
    expect(item).to_contain_text("v1")
    # When they edit it and add a question, a number
    item.get_by_role("button", name="Düzenle").click()
    expect(page.locator(".question-edit")).to_have_count(2)
    page.get_by_role("button", name="Soru ekle").click()
    third = page.locator('.question-edit[data-question="3"]')
    third.get_by_label("Tür · Type").select_option("number")
    third.get_by_label("Metin (Türkçe)").fill("Kaç bank var?")
    third.get_by_label("Metin (İngilizce)").fill("How many benches?")
    third.get_by_label("En az").fill("0")
    legible(page, "define-edit-390")
    page.get_by_role("button", name="Kaydet · Save").click()
    # Then it is version 2
    expect(page.locator("#define-status")).to_contain_text("(v2)")
    expect(item).to_contain_text("v2")
    survey_id = item.get_attribute("data-survey")
    # And a field member of the team sees version 2, with its three questions
    with _phone(chromium, local_stack) as (field_page, _, _):
        sign_in(field_page, local_stack, FIELD)
        expect(field_page.locator("#view-define")).to_be_hidden()
        field_page.locator("#survey").select_option(survey_id)
        expect(field_page.locator("#survey-period")).to_contain_text("v2")
        expect(field_page.locator("#questions .question")).to_have_count(3)
        expect(field_page.locator("#questions")).to_contain_text("Kaç bank var? · How many benches?")


def test_an_edit_someone_else_saved_first_is_refused_and_what_was_typed_is_kept(
    phone: tuple[Page, BrowserContext, Watch], local_stack: LocalStack
) -> None:
    page, _, _ = phone
    staff = Staff(local_stack)
    # Given a survey a supervisor opened to edit on the page
    defined = staff.call(SUPERVISOR, "POST", "/staff/field-surveys", _definition("Kaldırımlar"))
    assert defined.status == 201
    survey_id = defined.body["id"]
    sign_in(page, local_stack, SUPERVISOR)
    page.locator(f'#define-list li[data-survey="{survey_id}"]').get_by_role("button", name="Düzenle").click()
    page.locator("#d-title-tr").fill("Kaldırımlar ve rampalar")
    # When someone else saves an edit first, and then they save
    other = staff.call(
        SUPERVISOR, "PUT", f"/staff/field-surveys/{survey_id}", _definition("Başkası"), {"If-Match": '"1"'}
    )
    assert other.status == 200
    page.get_by_role("button", name="Kaydet · Save").click()
    # Then they are told to reload, and what they typed is still there
    expect(page.locator("#define-stale")).to_be_visible()
    expect(page.locator("#define-stale")).to_contain_text("başka biri değiştirdi")
    expect(page.locator("#d-title-tr")).to_have_value("Kaldırımlar ve rampalar")
    legible(page, "define-stale")
    # When they reload, the other's version is shown to edit
    page.get_by_role("button", name="Yeniden yükle").click()
    expect(page.locator("#d-title-tr")).to_have_value("Başkası")
    expect(page.locator("#define-form-title")).to_contain_text("(v2)")


def test_a_missing_text_is_said_beside_its_field_and_nothing_is_sent(
    phone: tuple[Page, BrowserContext, Watch], local_stack: LocalStack
) -> None:
    page, _, _ = phone
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if r.url.endswith("/staff/field-surveys") else None)
    # Given a supervisor starting a new survey who leaves the question's text and the places empty
    sign_in(page, local_stack, SUPERVISOR)
    page.get_by_role("button", name="Yeni anket").click()
    page.locator("#d-title-tr").fill("Eksik")
    page.locator("#d-title-en").fill("Missing")
    page.locator(f"#d-department-{DEMO_DEPARTMENT}").check()
    # When they save
    page.get_by_role("button", name="Kaydet · Save").click()
    # Then each problem is said next to its field, and nothing went to the API
    expect(page.locator('[data-for="neighbourhoods"]')).to_contain_text("En az bir mahalle")
    question = page.locator('.question-edit[data-question="1"]')
    shown = question.locator(".field-error:not([hidden])")
    expect(shown.first).to_contain_text("Türkçe ve İngilizce metin gerekli")
    expect(question.get_by_label("Metin (Türkçe)")).to_have_attribute("aria-invalid", "true")
    legible(page, "define-errors")
    assert "POST" not in sent


def _definition(title: str) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    return {
        "title": {"tr": title, "en": title},
        "starts": today.isoformat(),
        "ends": (today + timedelta(days=30)).isoformat(),
        "team": {"departments": [DEMO_DEPARTMENT]},
        "neighbourhoods": [PROFILE.catalogue().neighbourhoods[0].code],
        "questions": [{"id": "ok", "type": "yes_no", "text": {"tr": "Uygun mu?", "en": "Fine?"}}],
    }
