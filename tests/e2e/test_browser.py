"""The citizen page in a real browser (Debian's Chromium, headless), against the whole local system.

Every page runs under the production Content-Security-Policy (the one CloudFront sends), so an
inline script or a request to another origin would fail here as it would in AWS.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, expect

from civicdesk.requests.models import Status
from civicdesk.requests.texts import STATUS_NAMES
from infra.capabilities.web import PERMISSIONS_POLICY, content_security_policy
from tests.support import PROFILE

from .conftest import LocalStack

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 640}
# The browser's own clock is elsewhere: dates on the page must still be Istanbul time.
BROWSER_TIME_ZONE = "America/New_York"
ISTANBUL = ZoneInfo("Europe/Istanbul")
TR_MONTHS = (
    "Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık".split()  # noqa: SIM905
)
CODE_SHAPE = re.compile(r"^[2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3}$")
# Right after filing, the router may already have moved the request on.
FRESH_STATUSES = {Status.RECEIVED, Status.ROUTED, Status.TRIAGE}
DESCRIPTION = "Cumhuriyet Caddesi 12 önündeki kaldırım taşları kırılmış; yaşlılar düşüyor."


class PageWatch:
    """What a page did that a citizen must never suffer: script errors, CSP violations, other origins."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.problems: list[str] = []
        self.foreign: list[str] = []

    def on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def on_request(self, url: str) -> None:
        if not url.startswith(self.origin):
            self.foreign.append(url)


def _with_production_csp(route: Route) -> None:
    """Serve every response of the page's origin with the headers CloudFront adds in AWS."""
    response = route.fetch()
    headers = {
        **response.headers,
        "content-security-policy": content_security_policy(),
        "permissions-policy": PERMISSIONS_POLICY,
    }
    route.fulfill(response=response, headers=headers)


def new_page(chromium: Browser, stack: LocalStack, viewport: dict[str, int] = DESKTOP) -> Iterator[Page]:
    context: BrowserContext = chromium.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        locale="tr-TR",
        timezone_id=BROWSER_TIME_ZONE,
        service_workers="block",
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.route(f"{stack.url}/**", _with_production_csp)
    page = context.new_page()
    watch = PageWatch(stack.url)
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: watch.problems.append(f"script error: {error}"))
    page.on("request", lambda request: watch.on_request(request.url))
    try:
        yield page
        # Then, whatever the test did: no script error, no CSP violation, nothing from elsewhere, no cookie
        assert watch.problems == []
        assert watch.foreign == []
        assert context.cookies() == []
    finally:
        # a fetch still in the CSP route (the favicon, say) must not fail the next test's context
        context.unroute_all(behavior="ignoreErrors")
        context.close()


@pytest.fixture
def page(chromium: Browser, local_stack: LocalStack) -> Iterator[Page]:
    yield from new_page(chromium, local_stack)


@pytest.fixture
def phone(chromium: Browser, local_stack: LocalStack) -> Iterator[Page]:
    yield from new_page(chromium, local_stack, PHONE)


def open_page(page: Page, stack: LocalStack, path: str = "/") -> Page:
    page.goto(f"{stack.url}{path}")
    # the page marks itself ready once the catalogue has filled the form
    page.wait_for_selector("html[data-ready=true]")
    return page


def active_id(page: Page) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def tab_to(page: Page, element_id: str, limit: int = 40) -> list[str]:
    """Press Tab until `element_id` has the focus; the ids passed on the way (a trap never gets there)."""
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        passed.append(active_id(page))
        if passed[-1] == element_id:
            return passed
    raise AssertionError(f"Tab never reached #{element_id}; focus went through {passed}")


def fill_the_form(page: Page, *, contact: bool = True, description: str = DESCRIPTION) -> None:
    page.get_by_role("radio", name="Şikâyet").check()
    page.get_by_label("Konu", exact=True).select_option("road_sidewalk")
    page.get_by_label("Mahalle").select_option(label="Erzene")
    page.get_by_label("Açıklama").fill(description)
    if contact:
        page.get_by_label("Ad soyad").fill("Ayşe Yılmaz")
        page.get_by_label("Cep telefonu").fill("0532 123 45 67")
        page.get_by_label("Kişisel verilerin işlenmesine ilişkin aydınlatma metnini okudum.").check()


def single_line(page: Page, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(selector) => { const range = document.createRange();
                range.selectNodeContents(document.querySelector(selector));
                return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size === 1; }""",
            selector,
        )
    )


# --- (a) file a request and follow it ---------------------------------------------------------------


def test_a_citizen_files_a_request_and_follows_it_with_the_code(page: Page, local_stack: LocalStack) -> None:
    # Given the page, in Turkish by default
    open_page(page, local_stack)
    assert page.evaluate("document.documentElement.lang") == "tr"
    # When a citizen fills the form as a person would and sends it
    fill_the_form(page)
    with page.expect_response(lambda r: r.url.endswith("/requests") and r.request.method == "POST") as sent:
        page.get_by_role("button", name="Başvuruyu gönder").click()
    accepted = sent.value.json()
    # Then the tracking code is shown big, with a copy button, and the focus is on the news
    code = page.locator("#success-code")
    expect(code).to_have_text(accepted["code"])
    assert CODE_SHAPE.match(accepted["code"])
    assert active_id(page) == "success-title"
    # And the copy button puts exactly the code on the clipboard
    page.get_by_role("button", name="Kodu kopyala").click()
    expect(page.locator("#copy-status")).to_have_text("Kod kopyalandı.")
    assert page.evaluate("navigator.clipboard.readText()") == accepted["code"]
    # And the deadline is shown on Istanbul's clock, although the browser's clock is in New York
    due = datetime.fromisoformat(accepted["due_at"].replace("Z", "+00:00")).astimezone(ISTANBUL)
    deadline = page.locator("#success-deadline")
    expect(deadline).to_contain_text(f"{due.day} {TR_MONTHS[due.month - 1]} {due.year} {due:%H:%M}")
    expect(deadline).to_contain_text("İstanbul saati")

    # When they go to the tracking view and type the code in lower case, without dashes
    page.get_by_role("link", name="Başvuru sorgula").click()
    page.get_by_label("Takip kodu").fill(accepted["code"].replace("-", "").lower())
    page.get_by_label("Takip kodu").press("Enter")
    # Then they see their request: its status, topic, neighbourhood and the public timeline
    result = page.locator("#track-result")
    expect(result).to_be_visible()
    expect(page.locator("#result-title")).to_have_text(f"Başvuru {accepted['code']}")
    status = page.locator("#result-facts .status-badge").text_content()
    assert status in {STATUS_NAMES[s].tr for s in FRESH_STATUSES}
    expect(result).to_contain_text("Yol ve Kaldırım")
    expect(result).to_contain_text("Erzene")
    expect(page.locator("#result-timeline li").first).to_contain_text("Talebiniz alındı")
    # And nothing they gave as contact details appears in the public answer
    assert "Ayşe" not in (result.text_content() or "")
    assert "0532" not in (result.text_content() or "")


def test_a_tracking_link_opens_the_status_and_an_unknown_code_says_so(
    page: Page, local_stack: LocalStack
) -> None:
    # Given a link with a well-formed code nobody was given (as an SMS would carry it)
    open_page(page, local_stack, "/?code=222-222-222")
    # When the page opens / Then it looks the code up and says there is no such request
    expect(page.locator("#track-status")).to_have_text(
        "Bu kodla bir başvuru bulunamadı. Kodu kontrol edip tekrar deneyin."
    )
    expect(page.locator("#track-result")).to_be_hidden()
    # When a malformed code is typed / Then the field says what a code looks like, and keeps the focus
    page.get_by_label("Takip kodu").fill("abc")
    page.get_by_role("button", name="Sorgula").click()
    expect(page.locator("#track-code-error")).to_contain_text("9 karakter")
    assert active_id(page) == "track-code"


def test_use_my_location_fills_the_point_that_is_sent(page: Page, local_stack: LocalStack) -> None:
    # Given a browser that may share its position, standing in Istanbul
    page.context.grant_permissions(["geolocation"], origin=local_stack.url)
    page.context.set_geolocation({"latitude": 38.4660, "longitude": 27.2200, "accuracy": 12})
    open_page(page, local_stack)
    fill_the_form(page, contact=False)
    # When "use my location" is pressed
    page.get_by_role("button", name="Konumumu kullan").click()
    # Then latitude and longitude are filled, and the person is told how precise the point is
    expect(page.get_by_label("Enlem")).to_have_value("38.466000")
    expect(page.get_by_label("Boylam")).to_have_value("27.220000")
    expect(page.locator("#locate-status")).to_have_text("Konumunuz eklendi (yaklaşık 12 m doğrulukla).")
    # And the point is what the request carries
    with page.expect_response(lambda r: r.url.endswith("/requests")) as sent:
        page.get_by_role("button", name="Başvuruyu gönder").click()
    assert sent.value.status == 201
    assert (sent.value.request.post_data_json or {})["location"] == {"lat": 38.466, "lon": 27.22}


# --- (b) keyboard only ---------------------------------------------------------------------------


def test_the_tab_order_follows_the_page(page: Page, local_stack: LocalStack) -> None:
    # Given the page with contact details typed (so the notice acknowledgement is asked)
    open_page(page, local_stack)
    page.get_by_label("Cep telefonu").fill("0532 123 45 67")
    # When we Tab from the first control of the page to the submit button
    page.locator("#skip-link").focus()
    passed = [active_id(page), *tab_to(page, "submit")]
    # Then the focus visits every control once, in reading order, with nothing skipped or trapped
    assert passed == [
        "skip-link", "brand-link", "lang-switch", "nav-file", "nav-track",
        "kind-request", "category", "neighbourhood", "description",
        "locate", "lat", "lon", "address", "photos",
        "contact-name", "contact-phone", "contact-email",
        "notice-more", "notice-ack", "submit",
    ]  # fmt: skip


def test_a_request_can_be_filed_with_the_keyboard_alone(page: Page, local_stack: LocalStack) -> None:
    # Given the page, and a person who uses no mouse
    open_page(page, local_stack)
    keyboard = page.keyboard
    # When they skip to the content (Tab, Enter on the skip link)
    keyboard.press("Tab")
    assert active_id(page) == "skip-link"
    expect(page.locator("#skip-link")).to_be_in_viewport()
    keyboard.press("Enter")
    assert active_id(page) == "main"
    # And choose the kind with the arrow keys, a topic and a neighbourhood with the arrow keys
    tab_to(page, "kind-request")
    keyboard.press("ArrowRight")
    tab_to(page, "category")
    keyboard.press("ArrowDown")
    tab_to(page, "neighbourhood")
    keyboard.press("ArrowDown")
    # And type the description and a phone number, and tick the notice with Space
    tab_to(page, "description")
    keyboard.type(DESCRIPTION)
    tab_to(page, "contact-phone")
    keyboard.type("0532 123 45 67")
    tab_to(page, "notice-ack")
    keyboard.press("Space")
    # And send it with Enter on the button
    tab_to(page, "submit")
    with page.expect_response(lambda r: r.url.endswith("/requests")) as sent:
        keyboard.press("Enter")
    # Then the request is filed with what they chose, and the focus lands on the result
    assert sent.value.status == 201
    body: dict[str, Any] = sent.value.request.post_data_json or {}
    assert body["kind"] == "complaint"
    options = page.evaluate(
        "['category', 'neighbourhood'].map(id => document.getElementById(id).options[1].value)"
    )
    assert [body["category"], body["neighbourhood"]] == options
    assert body["contact"] == {"phone": "0532 123 45 67"}
    expect(page.locator("#success-code")).to_have_text(sent.value.json()["code"])
    assert active_id(page) == "success-title"
    # When they follow the "see the status" link with Enter, and press Enter on the looked-up code
    tab_to(page, "success-track")
    keyboard.press("Enter")
    # Then the tracking view shows their request
    expect(page.locator("#track-result")).to_be_visible()
    expect(page.locator("#result-title")).to_contain_text(sent.value.json()["code"])


# --- (c) labels ----------------------------------------------------------------------------------


def test_every_control_has_a_label_and_every_description_exists(page: Page, local_stack: LocalStack) -> None:
    # Given the page with every optional part shown (contact given: the acknowledgement appears)
    open_page(page, local_stack)
    page.get_by_label("E-posta").fill("ayse@example.com")
    # When we ask each input, select and textarea for its labels, and resolve every aria-describedby
    controls = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')].map(el => ({
            id: el.id, labels: [...(el.labels || [])].map(l => l.textContent.trim()).filter(Boolean)}))"""
    )
    dangling = page.evaluate(
        """() => [...document.querySelectorAll('[aria-describedby]')].flatMap(el =>
            el.getAttribute('aria-describedby').split(/\\s+/).filter(id => !document.getElementById(id)))"""
    )
    # Then every control has a visible label and every description it points at exists
    assert len(controls) >= 15
    assert [c["id"] for c in controls if not c["labels"]] == []
    assert dangling == []
    # And the accessible names are what a screen reader user hears
    # (the asterisk of a required field is not read out: `required` says it)
    controls_by_role: tuple[tuple[Literal["combobox", "textbox", "checkbox"], str], ...] = (
        ("combobox", "Konu"),
        ("combobox", "Mahalle"),
        ("textbox", "Açıklama"),
        ("textbox", "Enlem"),
        ("textbox", "Adres veya yer tarifi"),
        ("textbox", "Cep telefonu"),
        ("checkbox", "Kişisel verilerin işlenmesine ilişkin aydınlatma metnini okudum."),
    )
    for role, name in controls_by_role:
        expect(page.get_by_role(role, name=name, exact=True)).to_have_count(1)


# --- (d) errors from the API ---------------------------------------------------------------------


def test_a_422_is_shown_next_to_the_field_and_focuses_it(page: Page, local_stack: LocalStack) -> None:
    # Given a description too short, with the page's own minlength check taken away
    open_page(page, local_stack)
    fill_the_form(page, contact=False, description="kısa")
    page.evaluate("document.getElementById('description').removeAttribute('minlength')")
    # When it is sent
    with page.expect_response(lambda r: r.url.endswith("/requests")) as sent:
        page.get_by_role("button", name="Başvuruyu gönder").click()
    # Then the API's 422 names the field, the page shows it there, linked and announced, and focuses it
    assert sent.value.status == 422
    assert [f["field"] for f in sent.value.json()["fields"]] == ["description"]
    description = page.get_by_label("Açıklama")
    expect(page.locator("#description-error")).to_have_text(
        "Açıklama en az 10 karakter olmalı; biraz daha ayrıntı yazın."
    )
    expect(description).to_have_attribute("aria-invalid", "true")
    expect(description).to_have_attribute("aria-describedby", re.compile(r"^description-error\b"))
    expect(page.locator("#form-alert[role=alert]")).to_contain_text("Başvuru gönderilmedi")
    assert active_id(page) == "description"
    # And what the person typed is still there
    expect(description).to_have_value("kısa")
    expect(page.get_by_label("Mahalle")).to_have_value("erzene")


def test_a_bad_phone_number_from_the_api_lands_on_the_phone_field(
    page: Page, local_stack: LocalStack
) -> None:
    # Given a complete form with a phone number only the API can judge
    open_page(page, local_stack)
    fill_the_form(page, contact=False)
    page.get_by_label("Cep telefonu").fill("12")
    page.get_by_label("Kişisel verilerin işlenmesine ilişkin aydınlatma metnini okudum.").check()
    # When it is sent
    with page.expect_response(lambda r: r.url.endswith("/requests")) as sent:
        page.get_by_role("button", name="Başvuruyu gönder").click()
    # Then `contact.phone` is shown at the phone field, which has the focus; nothing else is marked
    assert sent.value.status == 422
    expect(page.locator("#contact-phone-error")).to_contain_text("Geçerli bir telefon numarası")
    assert active_id(page) == "contact-phone"
    expect(page.locator("[aria-invalid=true]")).to_have_count(1)
    expect(page.get_by_label("Açıklama")).to_have_value(DESCRIPTION)


def test_the_page_checks_what_it_can_before_sending(page: Page, local_stack: LocalStack) -> None:
    # Given contact details without the notice acknowledged, and no neighbourhood
    open_page(page, local_stack)
    page.get_by_label("Açıklama").fill(DESCRIPTION)
    page.get_by_label("E-posta").fill("ayse@example.com")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    # When the person presses Enter in a text field
    page.get_by_label("E-posta").press("Enter")
    # Then nothing is sent: the neighbourhood (the first error) has the focus, the notice asks to be read
    expect(page.locator("#neighbourhood-error")).to_be_visible()
    expect(page.locator("#notice-ack-error")).to_contain_text("aydınlatma metnini")
    assert active_id(page) == "neighbourhood"
    assert posts == []


def test_a_network_failure_keeps_the_form(page: Page, local_stack: LocalStack) -> None:
    # Given a filled form, and a network that drops the request
    open_page(page, local_stack)
    fill_the_form(page)
    page.route("**/requests", lambda route: route.abort())
    # When it is sent / Then the person is told, and everything they typed is still there
    page.get_by_role("button", name="Başvuruyu gönder").click()
    expect(page.locator("#form-alert")).to_contain_text("Sunucuya ulaşılamadı")
    expect(page.get_by_label("Açıklama")).to_have_value(DESCRIPTION)
    expect(page.get_by_label("Cep telefonu")).to_have_value("0532 123 45 67")


def test_an_answer_lost_on_the_way_is_sent_again_with_the_same_key_and_files_once(
    page: Page, local_stack: LocalStack
) -> None:
    # Given a filled form, and a network that delivers the first send but loses its answer
    open_page(page, local_stack)
    fill_the_form(page, description=DESCRIPTION + " (bir kez)")
    keys: list[str | None] = []
    filed: list[dict[str, Any]] = []

    def lose_the_first_answer(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if filed:
            route.continue_()
            return
        filed.append(route.fetch().json())  # the request reached the API and was filed
        route.abort()

    page.route("**/requests", lose_the_first_answer)
    page.get_by_role("button", name="Başvuruyu gönder").click()
    expect(page.locator("#form-alert")).to_contain_text("Sunucuya ulaşılamadı")
    # When the citizen presses Send again
    page.get_by_role("button", name="Başvuruyu gönder").click()
    # Then both sends carried the same key, and the code shown is the one the first send filed
    expect(page.locator("#success-code")).to_have_text(filed[0]["code"])
    assert len(keys) == 2
    assert keys[0] is not None
    assert keys[0] == keys[1]
    # And the pool holds that one request
    items = local_stack.client("dynamodb").scan(
        TableName=local_stack.table,
        FilterExpression="sk = :req AND description = :text",
        ExpressionAttributeValues={":req": {"S": "REQ"}, ":text": {"S": DESCRIPTION + " (bir kez)"}},
    )["Items"]
    assert [i["code"]["S"] for i in items] == [filed[0]["code"].replace("-", "")]


def test_a_catalogue_that_fails_to_load_can_be_retried(page: Page, local_stack: LocalStack) -> None:
    # Given a network that drops the first catalogue request
    page.route("**/catalog", lambda route: route.abort())
    page.goto(local_stack.url)
    # When the page starts / Then it says so and offers to try again
    expect(page.locator("#catalog-status")).to_contain_text("yüklenemedi")
    page.unroute("**/catalog")
    # When the person tries again / Then the neighbourhoods are there to choose from
    page.get_by_role("button", name="Tekrar dene").click()
    expect(page.get_by_label("Mahalle").locator("option[value=erzene]")).to_have_count(1)
    expect(page.locator("#catalog-status")).to_be_empty()


# --- (e) English ---------------------------------------------------------------------------------


def test_the_english_switch_translates_the_page_and_is_remembered(
    page: Page, local_stack: LocalStack
) -> None:
    # Given the Turkish page with something typed
    open_page(page, local_stack)
    page.get_by_label("Açıklama").fill(DESCRIPTION)
    # When the person presses "English"
    page.get_by_role("button", name="English").click()
    # Then the page, its labels and the catalogue are in English, and what was typed is kept
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.get_by_label("Description")).to_have_value(DESCRIPTION)
    expect(page.get_by_label("Neighbourhood")).to_be_visible()
    expect(page.get_by_role("link", name="Track a request")).to_be_visible()
    expect(page.get_by_label("Topic").locator("option[value=road_sidewalk]")).not_to_contain_text("Yol")
    expect(page.get_by_role("button", name="Türkçe")).to_have_attribute("lang", "tr")
    # When the page is opened again / Then the choice is remembered
    open_page(page, local_stack)
    expect(page.get_by_role("button", name="Send my request")).to_be_visible()


def test_lang_en_in_the_address_opens_the_page_in_english(page: Page, local_stack: LocalStack) -> None:
    # Given a link with ?lang=en / When it is opened / Then the page is English from the start
    open_page(page, local_stack, "/?lang=en#/track")
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.get_by_role("heading", level=1)).to_have_text("The status of your request")
    expect(page.get_by_label("Tracking code")).to_be_visible()


# --- (f) a narrow phone --------------------------------------------------------------------------


def test_a_320px_phone_needs_no_horizontal_scroll(phone: Page, local_stack: LocalStack) -> None:
    # Given a 320 px wide screen
    open_page(phone, local_stack)
    # When the form is shown / Then nothing is wider than the screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # When the request is sent / Then the success view fits too, and the code sits on one line
    fill_the_form(phone)
    phone.get_by_role("button", name="Başvuruyu gönder").click()
    expect(phone.locator("#success-code")).to_have_text(CODE_SHAPE)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert single_line(phone, "#success-code")
    # When the request is looked up / Then the tracking view fits as well
    phone.get_by_role("link", name="Başvurumun durumunu gör").click()
    expect(phone.locator("#track-result")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# --- contrast ------------------------------------------------------------------------------------

# WCAG 2.x contrast of every visible text against the first opaque background behind it.
LOW_CONTRAST_TEXTS = """() => {
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const parse = (text) => {
    const parts = (text.match(/rgba?\\(([^)]+)\\)/) || [null, ""])[1].split(/[\\s,\\/]+/).filter(Boolean);
    if (parts.length < 3) return null;
    return { rgb: parts.slice(0, 3).map(Number), alpha: parts.length > 3 ? Number(parts[3]) : 1 };
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const colour = parse(getComputedStyle(e).backgroundColor);
      if (colour && colour.alpha > 0) return colour.rgb;
    }
    return [255, 255, 255];
  };
  const low = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    if (!el.checkVisibility() || el.closest(".visually-hidden")) continue;
    const style = getComputedStyle(el);
    const [a, b] = [luminance(parse(style.color).rgb), luminance(background(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
    const text = el.textContent.trim().slice(0, 30);
    if (ratio < (large ? 3 : 4.5)) low.push(`${el.tagName}#${el.id} "${text}" ${ratio.toFixed(2)}`);
  }
  return low;
}"""


def test_every_text_meets_aa_contrast(page: Page, local_stack: LocalStack) -> None:
    # Given the form with its error messages showing
    open_page(page, local_stack)
    page.get_by_role("button", name="Başvuruyu gönder").click()
    expect(page.locator("#form-alert .alert")).to_be_visible()
    # Then every visible text has at least 4.5:1 (3:1 when large) against its background
    assert page.evaluate(LOW_CONTRAST_TEXTS) == []
    # And so do the success view and the tracking view
    fill_the_form(page)
    page.get_by_role("button", name="Başvuruyu gönder").click()
    expect(page.locator("#success")).to_be_visible()
    assert page.evaluate(LOW_CONTRAST_TEXTS) == []
    page.get_by_role("link", name="Başvurumun durumunu gör").click()
    expect(page.locator("#track-result")).to_be_visible()
    assert page.evaluate(LOW_CONTRAST_TEXTS) == []


# --- the municipality, from its profile ----------------------------------------------------------


def test_the_page_names_the_municipality_and_its_neighbourhoods(page: Page, local_stack: LocalStack) -> None:
    # Given the local stack, which serves Bornova's profile
    open_page(page, local_stack)
    # Then the header names its contact center and the municipality, the title too
    expect(page.locator("#brand-link")).to_have_text("Beyaz Masa")
    expect(page.locator("#brand-municipality")).to_have_text("Bornova Belediyesi")
    assert "Bornova Belediyesi" in page.title()
    # And the footer gives the phone line to call
    expect(page.locator("#footer-contact")).to_have_text("Bornova Belediyesi · Beyaz Masa · Alo 153")
    expect(page.get_by_role("link", name="Alo 153 hattını arayın")).to_have_attribute("href", "tel:153")
    # And the neighbourhood list offers its 45 neighbourhoods by their bare names, in Turkish order
    names = page.locator("#neighbourhood option:not([value=''])").all_text_contents()
    assert len(names) == len(PROFILE.neighbourhoods) == 45
    assert "Erzene" in names
    assert [n for n in names if n.endswith("Mahallesi")] == []
    assert names.index("Çamkule") < names.index("Doğanlar") < names.index("Ergene")
    # When the person switches to English / Then the municipality's English names are shown
    page.get_by_role("button", name="English").click()
    expect(page.locator("#brand-link")).to_have_text("Civic Desk (Beyaz Masa)")
    expect(page.locator("#footer-contact")).to_contain_text("Bornova Municipality")


def test_the_privacy_notice_names_the_data_controller_and_the_retention_period(
    page: Page, local_stack: LocalStack
) -> None:
    # Given the page, where contact details are asked
    open_page(page, local_stack)
    kvkk = PROFILE.kvkk
    # Then the notice next to them names the data controller and how long the data is kept
    summary = page.locator("#notice-summary")
    expect(summary).to_contain_text(f"veri sorumlusu {kvkk.controller.tr} tarafından")
    expect(summary).to_contain_text(f"{kvkk.retention.tr} saklanır")
    # And so does the full notice, with where to apply
    page.get_by_text("Aydınlatma metninin tamamını okuyun").click()
    full = page.locator("#notice-full")
    expect(full).to_contain_text(f"sıfatıyla {kvkk.controller.tr} tarafından işlenir")
    expect(full).to_contain_text(f"İletişim bilgileriniz {kvkk.retention.tr} saklanır")
    expect(full).to_contain_text(kvkk.contact)
    # When the person switches to English / Then the English notice says the same
    page.get_by_role("button", name="English").click()
    expect(summary).to_contain_text(f"the data controller, {kvkk.controller.en},")
    expect(summary).to_contain_text(f"is kept for {kvkk.retention.en}")
    expect(full).to_contain_text(f"kept for {kvkk.retention.en} and then deleted")


def test_without_its_config_the_page_names_no_municipality(page: Page, local_stack: LocalStack) -> None:
    # Given a config.json that cannot be read
    page.route("**/config.json", lambda route: route.fulfill(status=404, body="not found"))
    # When the page opens
    open_page(page, local_stack)
    # Then it names no municipality, no phone line and no retention period it cannot know
    text = page.locator("body").inner_text()
    for fact in (PROFILE.name.tr, PROFILE.contact_center.tr, PROFILE.phone_line, PROFILE.kvkk.retention.tr):
        assert fact not in text
    expect(page.locator("#brand-link")).to_have_text("Talep, öneri ve şikâyet")
    expect(page.locator("#footer-contact")).to_be_hidden()
    expect(page.locator("#notice-summary")).to_contain_text("saklama ve imha politikasında belirtilen süre")
    # And a request can still be filed
    fill_the_form(page)
    page.get_by_role("button", name="Başvuruyu gönder").click()
    expect(page.locator("#success-code")).to_have_text(CODE_SHAPE)


# --- texts shared with the API -------------------------------------------------------------------


def test_the_pages_status_names_are_the_apis(page: Page, local_stack: LocalStack) -> None:
    # Given the page's own table of status names (used for timeline entries)
    open_page(page, local_stack)
    names = page.evaluate("async () => (await import('./i18n.js')).STATUS_NAMES")
    # Then it says exactly what the API says for every status, in both languages
    assert names == {
        "tr": {s.value: n.tr for s, n in STATUS_NAMES.items()},
        "en": {s.value: n.en for s, n in STATUS_NAMES.items()},
    }
