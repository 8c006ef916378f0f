"""The staff console in a real browser (Debian's Chromium), signed in with the demo accounts, against
the whole local system.

Every page runs under the console's production Content-Security-Policy (the one CloudFront sends),
with the local Cognito emulator in the place of Cognito's endpoint: an inline script, a request to any
other origin or a cookie fails the test.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, expect

from civicdesk.requests import codes
from civicdesk.whatsapp.signature import sign
from infra.capabilities.web import PERMISSIONS_POLICY, content_security_policy
from local import whatsapp_fake as wa

from .conftest import LocalStack
from .staff import AGENT, ROADS, SUPERVISOR, VET, Staff
from .test_browser import LOW_CONTRAST_TEXTS, active_id, tab_to

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CODE_SHAPE = re.compile(r"^[2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3}$")
DOG = "Sokağımızda yaralı bir köpek var, arka ayağı kanıyor, acil yardım lazım"
VAGUE = "Merhaba, sizinle bir konuyu görüşmek istiyorum, dönüş yapabilir misiniz"
CALL = "Çınarlı Sokak 4 önünde yaralı bir köpek yatıyor, ayağı kanıyor"
SHOTS = os.environ.get("CONSOLE_SHOTS")
"""A directory: each screen is photographed there at 390 and 1280 px (for a person to look at)."""


class Watch:
    """Script errors, CSP violations, requests to anywhere but the console and its sign-in endpoint."""

    def __init__(self, stack: LocalStack) -> None:
        self.allowed = (stack.url, stack.emulator)
        self.problems: list[str] = []
        self.foreign: list[str] = []
        self.sign_in_calls: list[str] = []
        self.bytes: dict[str, int] = {}

    def on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def on_request(self, url: str, target: str | None) -> None:
        if url.startswith(self.allowed[1]):
            self.sign_in_calls.append(target or "")
        elif not url.startswith(self.allowed[0]):
            self.foreign.append(url)


def _with_console_csp(stack: LocalStack) -> Callable[[Route], None]:
    def serve(route: Route) -> None:
        response = route.fetch()
        headers = {
            **response.headers,
            "content-security-policy": content_security_policy(stack.emulator),
            "permissions-policy": PERMISSIONS_POLICY,
        }
        route.fulfill(response=response, headers=headers)

    return serve


def console(
    chromium: Browser, stack: LocalStack, viewport: dict[str, int] = DESK
) -> Iterator[tuple[Page, Watch]]:
    context: BrowserContext = chromium.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        locale="tr-TR",
        timezone_id="Europe/Istanbul",
        service_workers="block",
        # A response Playwright fulfils (to add the CSP) loses its loopback address space, so Chromium
        # asks before it lets the page reach the emulator on another loopback port: say yes.
        permissions=["local-network-access"],
    )
    context.route(f"{stack.url}/**", _with_console_csp(stack))
    page = context.new_page()
    watch = Watch(stack)
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: watch.problems.append(f"script error: {error}"))
    page.on("request", lambda r: watch.on_request(r.url, r.headers.get("x-amz-target")))
    try:
        yield page, watch
        # Then, whatever the test did: no script error, no CSP violation, nothing from elsewhere, no cookie
        assert watch.problems == []
        assert watch.foreign == []
        assert context.cookies() == []
    finally:
        # a fetch still in the CSP route (the favicon, say) must not fail the next test's context
        context.unroute_all(behavior="ignoreErrors")
        context.close()


@pytest.fixture
def desk(chromium: Browser, local_stack: LocalStack) -> Iterator[tuple[Page, Watch]]:
    yield from console(chromium, local_stack)


@pytest.fixture
def second_desk(chromium: Browser, local_stack: LocalStack) -> Iterator[tuple[Page, Watch]]:
    yield from console(chromium, local_stack)


@pytest.fixture(scope="module")
def staff(local_stack: LocalStack) -> Staff:
    return Staff(local_stack)


def open_console(page: Page, stack: LocalStack, path: str = "/staff/") -> Page:
    page.goto(f"{stack.url}{path}")
    page.wait_for_selector("html[data-ready=true]")
    return page


def sign_in(page: Page, stack: LocalStack, user: str, path: str = "/staff/") -> Page:
    """Types the demo account in as a person would (the password from the local config.json)."""
    open_console(page, stack, path)
    password = page.evaluate("fetch('config.json').then(r => r.json()).then(c => c.demo.password)")
    page.get_by_label("E-posta").fill(user)
    page.get_by_label("Parola", exact=True).fill(password)
    page.get_by_label("Parola", exact=True).press("Enter")
    expect(page.locator("#who-name")).to_have_text(user)
    return page


def whatsapp_request(stack: LocalStack, number: str, text: str) -> None:
    """A citizen files on WhatsApp (the webhook, as Meta calls it), to the end of the dialogue."""
    for message in (
        wa.text_message(number, text),
        wa.button_reply(number, "catok", "Evet"),
        wa.list_reply(number, "nbh:erzene", "Erzene"),
        wa.button_reply(number, "photoskip", "Fotoğrafsız devam"),
        wa.button_reply(number, "send", "Evet, gönder"),
    ):
        raw = json.dumps(wa.delivery([message])).encode()
        request = Request(f"{stack.url}/webhooks/whatsapp", data=raw, method="POST")  # noqa: S310
        request.add_header("Content-Type", "application/json")
        request.add_header("X-Hub-Signature-256", sign(raw, wa.LOCAL_CREDENTIALS["app_secret"]))
        with urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            assert answer.status == 200


class Keys:
    """The keyboard, counting what a person presses (a typed character is one key)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1


# --- the agent at the phone ----------------------------------------------------------------------


def test_an_agent_takes_a_call_sees_the_callers_whatsapp_request_and_files_with_the_keyboard(
    desk: tuple[Page, Watch], local_stack: LocalStack, staff: Staff, capsys: pytest.CaptureFixture[str]
) -> None:
    page, watch = desk
    # Given a citizen who wrote on WhatsApp about a street lamp, and now calls
    whatsapp_request(local_stack, "905327770022", "Sokak lambası üç gündür yanmıyor, gece çok karanlık")
    # And an agent signed in, on the new-call form, the phone field focused
    sign_in(page, local_stack, AGENT)
    expect(page.locator("#view-call")).to_be_visible()
    assert active_id(page) == "call-phone"
    assert "InitiateAuth" in " ".join(watch.sign_in_calls)
    # And the privacy notice to read out states the municipality's real retention period
    expect(page.locator("#call-notice-text")).to_contain_text("sonra silinir")
    expect(page.locator("#call-notice-text")).to_contain_text("2 yıl")
    # When the agent types the caller's number (keyboard only, from here on)
    keys = Keys(page)
    started = time.monotonic()
    keys.type("0532 777 00 22")
    # Then the caller's WhatsApp request appears at once, with its code
    earlier = page.locator("#caller-list .card")
    expect(earlier).to_have_count(1)
    expect(earlier.first).to_contain_text("WhatsApp")
    assert CODE_SHAPE.match(earlier.first.locator(".card-code").inner_text())
    # When they type what the caller says, and the classifier suggests the topic
    keys.press("Tab")
    keys.type(CALL)
    expect(page.locator("#call-suggestion")).to_contain_text("Veteriner")
    expect(page.locator("#call-category")).to_have_value("veterinary")
    # And choose the neighbourhood by typing its first letters, give the address, and press Enter
    keys.press("Tab")  # the suggested topic stays
    keys.press("Tab")  # past the caller's earlier request (a link to it)
    assert active_id(page) == ""
    keys.press("Tab")
    assert active_id(page) == "call-neighbourhood"
    keys.type("erz")
    keys.press("Tab")
    keys.type("Çınarlı Sk. 4")
    with page.expect_response(
        lambda r: r.url.endswith("/staff/requests") and r.request.method == "POST"
    ) as sent:
        keys.press("Enter")
    # Then the request is filed as the agent chose, and its code is shown big, with the deadline
    assert sent.value.status == 201
    body: dict[str, Any] = sent.value.request.post_data_json or {}
    assert (body["channel"], body["category"], body["neighbourhood"]) == (
        "call_center",
        "veterinary",
        "erzene",
    )
    assert body["contact"] == {"phone": "0532 777 00 22", "notify": True}
    assert body["location"] == {"address": "Çınarlı Sk. 4"}
    code = page.locator("#call-code")
    expect(code).to_have_text(sent.value.json()["code"])
    seconds = time.monotonic() - started
    assert CODE_SHAPE.match(code.inner_text())
    expect(page.locator("#call-deadline")).to_contain_text("İstanbul saati")
    assert active_id(page) == "call-done-title"
    font_size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('call-code')).fontSize)")
    assert font_size >= 32
    # And the filed request is the caller's too (found by the same number next time)
    again = staff.call(AGENT, "GET", "/staff/citizens/requests?phone=05327770022").body["requests"]
    assert {r["channel"] for r in again} == {"whatsapp", "call_center"}
    with capsys.disabled():
        print(f"\nconsole: a typical call took {keys.count} keystrokes and {seconds:.1f} s to file")
    # When the agent presses Enter on "new call"
    page.keyboard.press("Tab")
    assert active_id(page) == "call-next"
    page.keyboard.press("Enter")
    # Then an empty form waits, the phone field focused
    expect(page.locator("#call-phone")).to_have_value("")
    assert active_id(page) == "call-phone"


def test_the_call_forms_tab_order_follows_the_form(desk: tuple[Page, Watch], local_stack: LocalStack) -> None:
    # Given an agent on the new-call form
    page, _ = desk
    sign_in(page, local_stack, AGENT)
    # When they Tab from the phone field to the submit button
    passed = [active_id(page), *tab_to(page, "call-submit")]
    # Then the focus visits every field once, in the order a call goes
    assert passed == [
        "call-phone", "call-description", "call-category", "call-neighbourhood", "call-address",
        "call-kind", "call-channel", "call-name", "call-notify", "call-submit",
    ]  # fmt: skip


def test_a_bad_number_is_shown_next_to_the_phone_field(
    desk: tuple[Page, Watch], local_stack: LocalStack
) -> None:
    # Given an agent who mistypes the caller's number
    page, _ = desk
    sign_in(page, local_stack, AGENT)
    page.get_by_label("Arayanın telefonu").fill("12")
    page.get_by_label("Açıklama", exact=True).fill(CALL)
    # When they save / Then the API's answer is shown at the phone field, which gets the focus
    page.get_by_role("button", name="Kaydet ve kodu ver").click()
    expect(page.locator("#call-phone-error")).to_be_visible()
    expect(page.locator("#call-phone")).to_have_attribute("aria-invalid", "true")
    assert active_id(page) == "call-phone"


# --- the department --------------------------------------------------------------------------------


def test_a_vet_member_finds_the_request_replies_with_a_template_resolves_it_and_the_citizen_sees_it(
    desk: tuple[Page, Watch], second_desk: tuple[Page, Watch], local_stack: LocalStack, staff: Staff
) -> None:
    # Given an injured dog reported by phone, routed to Veterinary Affairs
    shown = staff.file(DOG, phone="0532 400 55 66")
    # When a Road Works member looks at their queue and opens the code directly
    roads, _ = second_desk
    sign_in(roads, local_stack, ROADS)
    expect(roads.locator("#view-queue")).to_be_visible()
    expect(roads.locator("#queue-status")).not_to_have_text("Yükleniyor…")
    # Then it is not in their queue, and the request does not exist for them
    expect(roads.locator("#queue-list .card-code", has_text=shown)).to_have_count(0)
    roads.goto(f"{local_stack.url}/staff/#/r/{shown}")
    expect(roads.locator("#request-alert")).to_contain_text("bulunamadı")
    # When a Veterinary Affairs member signs in
    page, _ = desk
    sign_in(page, local_stack, VET)
    # Then it is in their queue; they open it
    card = page.locator("#queue-list .card", has=page.locator(".card-code", has_text=shown))
    expect(card).to_have_count(1)
    card.locator(".card-code").click()
    expect(page.locator("#request-title")).to_contain_text(shown)
    expect(page.locator("#request-description")).to_have_text(DOG)
    # When they pick the "team on its way" answer and send it
    page.get_by_label("Hazır yanıt").first.select_option(label="Talebiniz alındı")
    reply = page.get_by_label("Yanıt metni")
    expect(reply).to_have_value(re.compile(shown))
    reply_text = reply.input_value()
    page.get_by_role("button", name="Yanıtı gönder").click()
    # Then it is on the timeline and the 48-hour clock has stopped
    expect(page.locator("#request-saved")).to_have_text("Kaydedildi.")
    expect(page.locator("#request-timeline")).to_contain_text(reply_text)
    expect(page.locator("#request-facts")).to_contain_text("süresinde")
    # When they resolve it with the "resolved" template
    page.get_by_label("Yeni durum").select_option("resolved")
    page.locator("#status-template").select_option(label="Çözüldü")
    resolution = page.get_by_label("Vatandaşa açıklama").input_value()
    assert shown in resolution
    page.get_by_role("button", name="Durumu değiştir").click()
    expect(page.locator("#request-facts .status-badge")).to_have_text("Çözüldü")
    # Then the citizen's public page shows the reply and the resolution
    page.goto(f"{local_stack.url}/#/track?code={shown}")
    timeline = page.locator("#result-timeline")
    expect(timeline).to_contain_text(reply_text)
    expect(timeline).to_contain_text(resolution)


def test_a_request_for_another_institution_is_referred_to_one_chosen_from_the_profiles_list(
    desk: tuple[Page, Watch], local_stack: LocalStack, staff: Staff
) -> None:
    # Given a request that is İZSU's (a burst water main), open in a supervisor's console
    shown = staff.file("Erzene'de ana su borusu patladı, cadde su altında", phone="0532 400 55 68")
    page, _ = desk
    sign_in(page, local_stack, SUPERVISOR, f"/staff/#/r/{shown}")
    expect(page.locator("#request-title")).to_contain_text(shown)
    # When they reject it as another institution's matter
    page.get_by_label("Yeni durum").select_option("rejected")
    page.get_by_label("Sonuçlandırılamama nedeni").select_option("not_ours")
    # Then the profile's institutions are offered, each saying how it is reached, and "Other" for the rest
    institution = page.get_by_label("Yönlendirilen kurum")
    expect(institution.locator("option")).to_have_text(
        ["Kurum seçin", "İZSU Genel Müdürlüğü (e-posta)", "Örnek Belediyesi (Open311)", "Diğer"]
    )
    expect(page.get_by_label("Kurumun adı")).to_be_hidden()
    institution.select_option("ornek")
    expect(page.get_by_label("Kurumun adı")).to_be_hidden()
    institution.select_option(label="Diğer")
    expect(page.get_by_label("Kurumun adı")).to_be_visible()
    # When they pick İZSU from the list after all and send it
    institution.select_option(label="İZSU Genel Müdürlüğü (e-posta)")
    expect(page.get_by_label("Kurumun adı")).to_be_hidden()
    page.get_by_role("button", name="Durumu değiştir").click()
    # Then the institution's code went to the API (so the request is mailed there), and the console and
    # the timeline name it
    expect(page.locator("#request-facts .status-badge")).to_have_text("Sonuçlandırılamadı")
    answer = staff.read(SUPERVISOR, shown).body
    assert (answer["status"], answer["rejection"], answer["referred_to"]) == ("rejected", "not_ours", "izsu")
    expect(page.locator("#request-facts")).to_contain_text("İZSU Genel Müdürlüğü")
    expect(page.locator("#request-timeline")).to_contain_text("İZSU Genel Müdürlüğü sorumluluğundadır")


def test_two_people_editing_one_request_the_second_sees_the_others_change(
    desk: tuple[Page, Watch], second_desk: tuple[Page, Watch], local_stack: LocalStack, staff: Staff
) -> None:
    # Given one request, open in two browsers (a vet member and a supervisor)
    shown = staff.file(DOG, phone="0532 400 55 77")
    first, _ = desk
    second, _ = second_desk
    sign_in(first, local_stack, VET, f"/staff/#/r/{shown}")
    sign_in(second, local_stack, SUPERVISOR, f"/staff/#/r/{shown}")
    for page in (first, second):
        expect(page.locator("#request-title")).to_contain_text(shown)
    # When the first adds a note, and the second then sends a reply on the version they read
    first.get_by_label("Not metni").fill("Ekip yarın sabah gidecek.")
    first.get_by_role("button", name="Notu ekle").click()
    expect(first.locator("#request-saved")).to_have_text("Kaydedildi.")
    second.get_by_label("Yanıt metni").fill("Ekibimiz bugün geliyor.")
    second.get_by_role("button", name="Yanıtı gönder").click()
    # Then the second sees that someone else changed it, and what they did; nothing was overwritten
    alert = second.locator("#request-alert")
    expect(alert).to_contain_text("başkası değiştirdi")
    expect(alert).to_contain_text("Ekip yarın sabah gidecek.")
    expect(second.get_by_label("Yanıt metni")).to_have_value("Ekibimiz bugün geliyor.")
    timeline = staff.read(SUPERVISOR, shown).body["timeline"]
    assert "Ekibimiz bugün geliyor." not in [e["text"] for e in timeline]
    # When they send it again, now on the current version / Then it is saved after the note
    second.get_by_role("button", name="Yanıtı gönder").click()
    expect(second.locator("#request-saved")).to_have_text("Kaydedildi.")
    expect(second.locator("#request-timeline")).to_contain_text("Ekibimiz bugün geliyor.")


def test_contact_details_are_shown_only_with_a_reason_and_the_read_is_audited(
    desk: tuple[Page, Watch], local_stack: LocalStack, staff: Staff
) -> None:
    # Given a supervisor on a request whose citizen left a phone number
    shown = staff.file(DOG, phone="0532 400 55 88")
    page, _ = desk
    sign_in(page, local_stack, SUPERVISOR, f"/staff/#/r/{shown}")
    expect(page.locator("#request-title")).to_contain_text(shown)
    expect(page.locator("#contact-details")).to_be_hidden()
    # When they ask without a reason / Then nothing is shown and the reason field says why
    page.get_by_role("button", name="İletişim bilgilerini göster").click()
    expect(page.locator("#contact-reason-error")).to_be_visible()
    expect(page.locator("#contact-details")).to_be_hidden()
    # When they give a reason / Then the number appears, and the read is in the audit trail with it
    page.get_by_label("Neden görmeniz gerekiyor?").fill("adres teyidi için geri arama")
    page.get_by_role("button", name="İletişim bilgilerini göster").click()
    expect(page.locator("#contact-details")).to_contain_text("+905324005588")
    audit = [
        i for i in local_stack.client("dynamodb").scan(TableName=local_stack.table)["Items"]
        if i.get("item_type", {}).get("S") == "audit" and i["action"]["S"] == "read_contact"
    ]  # fmt: skip
    assert any(
        a["reason"]["S"] == "adres teyidi için geri arama" and codes.normalize(shown) in json.dumps(a)
        for a in audit
    )


# --- the supervisor --------------------------------------------------------------------------------


def test_a_supervisor_routes_a_triage_request_with_two_keystrokes(
    desk: tuple[Page, Watch], local_stack: LocalStack, staff: Staff
) -> None:
    # Given a vague request the router sent to triage
    shown = staff.file(VAGUE, phone="0532 400 55 99")
    assert staff.read(SUPERVISOR, shown).body["status"] == "triage"
    # When a supervisor opens the triage queue
    page, _ = desk
    sign_in(page, local_stack, SUPERVISOR, "/staff/#/triage")
    card = page.locator("#triage-list .card", has=page.locator(".card-code", has_text=shown))
    expect(card).to_have_count(1)
    # Then each request shows the classifier's guess and why
    expect(card).to_contain_text("Tahmin:")
    # When they put the focus on its topic, and press two keys: V (Veteriner…) and Enter
    card.locator("select").focus()
    page.keyboard.press("v")
    with page.expect_response(lambda r: r.url.endswith(f"/{shown}/classify")) as routed:
        page.keyboard.press("Enter")
    # Then it is routed to Veterinary Affairs and leaves the triage queue
    assert routed.value.status == 200
    expect(page.locator("#triage-status")).to_contain_text(shown)
    expect(card).to_have_count(0)
    after = staff.read(SUPERVISOR, shown).body
    assert (after["status"], after["category"], after["department"]) == (
        "routed",
        "veterinary",
        "veterinary_affairs",
    )


def test_a_supervisor_sees_the_overdue_and_transfer_list(
    desk: tuple[Page, Watch], local_stack: LocalStack
) -> None:
    # Given a supervisor / When they open "overdue and transfers"
    page, _ = desk
    sign_in(page, local_stack, SUPERVISOR, "/staff/#/attention")
    # Then the queue is asked for missed deadlines only
    expect(page.locator("#queue-title")).to_have_text("Gecikenler ve aktarma istekleri")
    expect(page.locator("#f-overdue")).to_be_checked()
    expect(page.locator("#queue-status")).not_to_have_text("Yükleniyor…")


# --- sign-in, roles, language ----------------------------------------------------------------------


def test_sign_in_shows_who_and_what_role_and_sign_out_forgets_the_tokens(
    desk: tuple[Page, Watch], local_stack: LocalStack
) -> None:
    # Given a wrong password / Then the form says so and nothing is stored
    page, _ = desk
    open_console(page, local_stack)
    page.get_by_label("E-posta").fill(VET)
    page.get_by_label("Parola", exact=True).fill("Not-The-Password-1!")
    page.get_by_label("Parola", exact=True).press("Enter")
    expect(page.locator("#signin-alert")).to_contain_text("hatalı")
    # When the vet member signs in
    sign_in(page, local_stack, VET)
    # Then the header names them, their role and department, and offers only their work
    expect(page.locator("#who-roles")).to_contain_text("Birim personeli")
    expect(page.locator("#who-roles")).to_contain_text("Veteriner")
    expect(page.locator("#nav-queue")).to_be_visible()
    expect(page.locator("#nav-call")).to_be_hidden()
    expect(page.locator("#nav-triage")).to_be_hidden()
    # And the tokens are in this tab's session storage, never in a cookie or local storage
    stored = page.evaluate("Object.keys(sessionStorage)")
    assert stored == ["civicdesk.staff.session"]
    assert "Token" not in json.dumps(page.evaluate("Object.assign({}, localStorage)"))
    # And a reload keeps them signed in
    page.reload()
    expect(page.locator("#who-name")).to_have_text(VET)
    # When they sign out / Then the tokens are gone and the sign-in form is back
    page.get_by_role("button", name="Çıkış yap").click()
    expect(page.locator("#view-signin")).to_be_visible()
    assert page.evaluate("Object.keys(sessionStorage)") == []


NEWCOMER = "yeni.personel@civicdesk.local"
TEMPORARY = "Gecici-Parola-2026!"  # an emulator account made for this test
CHOSEN = "Kendi-Parolam-2026!"


def totp_code(secret: str, steps_ago: int = 0) -> str:
    """The code an authenticator app shows for `secret` now (or `steps_ago` 30-second steps back)."""
    now = time.time()
    if steps_ago == 0 and 30 - now % 30 < 3:  # too close to the next step for the form to reach the pool
        time.sleep(30 - now % 30 + 0.1)
        now = time.time()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    app = TOTP(key, 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303 - RFC 6238's, as the apps use
    return app.generate(int(now) - 30 * steps_ago).decode()


@pytest.fixture
def newcomer(local_stack: LocalStack) -> Iterator[str]:
    """An agent account an admin has just made (a temporary password), in a pool that requires a TOTP
    app as prod's does; the pool goes back to no MFA, and the account away, afterwards."""
    config = json.loads(urlopen(f"{local_stack.url}/staff/config.json", timeout=10).read())  # noqa: S310
    idp, pool = local_stack.client("cognito-idp"), config["userPoolId"]
    idp.set_user_pool_mfa_config(
        UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    idp.admin_create_user(
        UserPoolId=pool,
        Username=NEWCOMER,
        TemporaryPassword=TEMPORARY,
        UserAttributes=[{"Name": "email", "Value": NEWCOMER}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    idp.admin_add_user_to_group(UserPoolId=pool, Username=NEWCOMER, GroupName="agent")
    try:
        yield NEWCOMER
    finally:
        idp.admin_delete_user(UserPoolId=pool, Username=NEWCOMER)
        idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF")


def test_a_first_sign_in_sets_a_new_password_and_a_totp_app_then_asks_for_its_code(
    desk: tuple[Page, Watch], local_stack: LocalStack, newcomer: str
) -> None:
    # Given a new agent with the temporary password an admin gave them, in a pool that requires TOTP
    page, watch = desk
    open_console(page, local_stack)
    page.get_by_label("E-posta").fill(newcomer)
    page.get_by_label("Parola", exact=True).fill(TEMPORARY)
    # When they sign in with the keyboard
    page.get_by_label("Parola", exact=True).press("Enter")
    # Then the console asks for a new password, the cursor already in its field, every field labelled
    expect(page.locator("#challenge-title")).to_have_text("Yeni parola belirleyin")
    assert active_id(page) == "new-password"
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate(DANGLING) == []
    # When the two entries differ / Then it says so before asking the pool
    page.keyboard.type(CHOSEN)
    page.keyboard.press("Tab")
    page.keyboard.type(CHOSEN + "x")
    page.keyboard.press("Enter")
    expect(page.locator("#challenge-alert")).to_contain_text("aynı değil")
    # When the password is too weak for the pool's policy / Then the pool's refusal is explained
    page.get_by_label("Yeni parola", exact=True).fill("kisa")
    page.get_by_label("Yeni parola (tekrar)").fill("kisa")
    page.get_by_label("Yeni parola (tekrar)").press("Enter")
    expect(page.locator("#challenge-alert")).to_contain_text("En az 12 karakter")
    assert active_id(page) == "new-password"
    # When they choose a good one
    page.keyboard.type(CHOSEN)
    page.keyboard.press("Tab")
    page.keyboard.type(CHOSEN)
    page.keyboard.press("Enter")
    # Then they are asked to set up an authenticator app: the secret and its otpauth:// link, as text
    expect(page.locator("#challenge-title")).to_have_text("Doğrulama uygulamasını kurun")
    secret = page.get_by_label("Gizli anahtar").input_value()
    assert re.fullmatch(r"[A-Z2-7]{12,}", secret)
    uri = page.get_by_label("Kurulum bağlantısı (otpauth)").input_value()
    assert uri.startswith("otpauth://totp/Civic%20Desk:yeni.personel%40civicdesk.local?")
    assert f"secret={secret}&issuer=Civic%20Desk" in uri
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate(DANGLING) == []
    assert tab_to(page, "totp-code")[:2] == ["totp-uri", "totp-code"]
    # When a stale code is typed / Then it is refused and the field is ready for the right one
    page.keyboard.type(totp_code(secret, steps_ago=20))
    page.keyboard.press("Enter")
    expect(page.locator("#challenge-alert")).to_contain_text("Kod hatalı")
    assert active_id(page) == "totp-code"
    # When the app's current code is typed / Then they are signed in, as an agent
    page.keyboard.type(totp_code(secret))
    page.keyboard.press("Enter")
    expect(page.locator("#who-name")).to_have_text(newcomer)
    expect(page.locator("#view-call")).to_be_visible()
    expect(page.locator("#challenge-form")).to_be_hidden()
    assert page.evaluate("Object.keys(sessionStorage)") == ["civicdesk.staff.session"]
    assert CHOSEN not in page.evaluate("sessionStorage.getItem('civicdesk.staff.session')")
    # When they sign out and in again with the new password
    page.get_by_role("button", name="Çıkış yap").click()
    page.get_by_label("E-posta").fill(newcomer)
    page.get_by_label("Parola", exact=True).fill(CHOSEN)
    page.get_by_label("Parola", exact=True).press("Enter")
    # Then only the app's code is asked, and with it they are in
    expect(page.locator("#challenge-title")).to_have_text("Doğrulama kodu")
    assert active_id(page) == "totp-code"
    expect(page.locator("#totp-secret")).to_be_hidden()
    page.keyboard.type(totp_code(secret))
    page.keyboard.press("Enter")
    expect(page.locator("#who-name")).to_have_text(newcomer)
    expect(page.locator("#view-call")).to_be_visible()
    page.wait_for_load_state("networkidle")
    # And every step went to the pool's own endpoint
    assert {"AssociateSoftwareToken", "VerifySoftwareToken", "RespondToAuthChallenge"} <= {
        call.rsplit(".", 1)[-1] for call in watch.sign_in_calls
    }


COGNITO_ANSWERS = """async () => {
  const { nextStep } = await import('./auth.js');
  const kind = (answer) => {
    try { return nextStep(answer, 'ayse@belediye.example'); } catch (e) { return e.kind; }
  };
  return {
    tokens: kind({ AuthenticationResult: { IdToken: 'x' } }),
    password: kind({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 's1',
                     ChallengeParameters: { USER_ID_FOR_SRP: 'uuid-1', requiredAttributes: '[]' } }),
    setup: kind({ ChallengeName: 'MFA_SETUP', Session: 's2',
                  ChallengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' } }),
    smsOnly: kind({ ChallengeName: 'MFA_SETUP', Session: 's3',
                    ChallengeParameters: { MFAS_CAN_SETUP: '["SMS_MFA"]' } }),
    sms: kind({ ChallengeName: 'SMS_MFA', Session: 's4', ChallengeParameters: {} }),
  };
}"""


def test_cognitos_own_answer_shapes_lead_to_the_right_step(
    desk: tuple[Page, Watch], local_stack: LocalStack
) -> None:
    # Given the answers Cognito itself gives (the emulator's differ: a plain USERNAME, a Python-style list)
    page, _ = desk
    open_console(page, local_stack)
    # When the console's dispatch reads them
    steps = page.evaluate(COGNITO_ANSWERS)
    # Then tokens end the sign-in; the pool's own username (not the e-mail) answers each challenge
    assert steps["tokens"] is None
    assert steps["password"] == {
        "name": "NEW_PASSWORD_REQUIRED",
        "session": "s1",
        "username": "uuid-1",
        "account": "ayse@belediye.example",
    }
    assert steps["setup"]["name"] == "MFA_SETUP"
    # And a second factor the console does not offer (SMS) is refused with a clear message, not a hang
    assert steps["smsOnly"] == "challenge"
    assert steps["sms"] == "challenge"


def test_cancelling_a_challenge_returns_to_the_sign_in_form(
    desk: tuple[Page, Watch], local_stack: LocalStack, newcomer: str
) -> None:
    # Given the new-password step of a first sign-in
    page, _ = desk
    open_console(page, local_stack)
    page.get_by_label("E-posta").fill(newcomer)
    page.get_by_label("Parola", exact=True).fill(TEMPORARY)
    page.get_by_label("Parola", exact=True).press("Enter")
    expect(page.locator("#challenge-title")).to_have_text("Yeni parola belirleyin")
    # When they press Cancel with the keyboard
    tab_to(page, "challenge-cancel")
    page.keyboard.press("Enter")
    # Then the sign-in form is back, the cursor in its first field, and nobody is signed in
    expect(page.locator("#signin-form")).to_be_visible()
    expect(page.locator("#challenge-form")).to_be_hidden()
    assert active_id(page) == "signin-username"
    assert page.evaluate("Object.keys(sessionStorage)") == []


def test_a_token_about_to_expire_is_refreshed_before_a_call(
    desk: tuple[Page, Watch], local_stack: LocalStack
) -> None:
    # Given a signed-in agent whose ID token is (made to look) about to run out
    page, watch = desk
    sign_in(page, local_stack, AGENT)
    page.evaluate(
        """() => { const s = JSON.parse(sessionStorage.getItem('civicdesk.staff.session'));
                   s.expiresAt = Math.floor(Date.now() / 1000) + 60;
                   sessionStorage.setItem('civicdesk.staff.session', JSON.stringify(s)); }"""
    )
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    # Then the console refreshed it with the refresh token before calling the API, and works on
    expect(page.locator("#who-name")).to_have_text(AGENT)
    assert any("InitiateAuth" in call for call in watch.sign_in_calls[1:])
    refreshed = page.evaluate("JSON.parse(sessionStorage.getItem('civicdesk.staff.session')).expiresAt")
    assert refreshed > time.time() + 600


def test_the_english_switch_translates_the_console(desk: tuple[Page, Watch], local_stack: LocalStack) -> None:
    # Given an agent on the new-call form / When they switch to English
    page, _ = desk
    sign_in(page, local_stack, AGENT)
    page.get_by_role("button", name="English").click()
    # Then the console speaks English, the catalogue's names too
    expect(page.locator("#call-title")).to_have_text("New call")
    expect(page.get_by_label("Caller's phone")).to_be_visible()
    expect(page.locator("#call-category option[value=veterinary]")).to_have_text(re.compile("Veterinary"))
    assert page.evaluate("document.documentElement.lang") == "en"


# --- labels, contrast, screens ---------------------------------------------------------------------

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(el => !el.closest('[hidden]'))
    .filter(el => ![...(el.labels || [])].some(l => l.textContent.trim()))
    .map(el => el.id || el.name)"""
DANGLING = """() => [...document.querySelectorAll('[aria-describedby]')].flatMap(el =>
    el.getAttribute('aria-describedby').split(/\\s+/).filter(id => !document.getElementById(id)))"""
SIDEWAYS = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


def _screens(page: Page, stack: LocalStack, staff: Staff, code: str, original: str) -> Iterator[str]:
    """Walks the console's screens as a supervisor (who sees them all); yields each screen's name."""
    open_console(page, stack)
    yield "sign-in"
    sign_in(page, stack, SUPERVISOR)
    expect(page.locator("#view-call")).to_be_visible()
    yield "new-call"
    page.get_by_label("Arayanın telefonu").fill("0532 400 55 66")
    page.get_by_label("Açıklama", exact=True).fill(CALL)
    expect(page.locator("#caller-list .card").first).to_be_visible()
    expect(page.locator("#call-suggestion")).not_to_be_empty()
    yield "new-call-caller"
    page.get_by_role("button", name="Kaydet ve kodu ver").click()
    expect(page.locator("#call-code")).to_be_visible()
    yield "new-call-code"
    page.goto(f"{stack.url}/staff/#/queue")
    expect(page.locator("#queue-list .card").first).to_be_visible()
    yield "queue"
    page.goto(f"{stack.url}/staff/#/triage")
    expect(page.locator("#triage-list .card").first).to_be_visible()
    yield "triage"
    page.goto(f"{stack.url}/staff/#/attention")
    expect(page.locator("#queue-status")).not_to_have_text("Yükleniyor…")
    yield "attention"
    page.goto(f"{stack.url}/staff/#/r/{code}")
    expect(page.locator("#request-title")).to_contain_text(code)
    expect(page.locator("#request-likely-list")).to_contain_text(original)
    page.get_by_label("Neden görmeniz gerekiyor?").fill("geri arama")
    page.get_by_role("button", name="İletişim bilgilerini göster").click()
    expect(page.locator("#contact-details")).to_be_visible()
    yield "request"
    page.get_by_label("Yeni durum").select_option("rejected")
    page.get_by_label("Sonuçlandırılamama nedeni").select_option("not_ours")
    page.get_by_label("Yönlendirilen kurum").select_option(label="Diğer")
    expect(page.get_by_label("Kurumun adı")).to_be_visible()
    yield "request-referral"


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["390px", "1280px"])
def test_every_screen_is_labelled_legible_and_fits(
    chromium: Browser, local_stack: LocalStack, staff: Staff, viewport: dict[str, int]
) -> None:
    # Given a request to open (with a likely duplicate: the same injured dog in the same neighbourhood,
    # filed a moment before), one in triage, and the console on a phone-sized tablet and a desk screen
    original = staff.file(CALL, phone="0532 400 55 65", neighbourhood="erzene")
    code = staff.file(DOG, phone="0532 400 55 66", neighbourhood="erzene")
    staff.file(VAGUE, phone="0532 400 55 67")
    for page, _ in console(chromium, local_stack, viewport):
        # When each screen is shown
        for screen in _screens(page, local_stack, staff, code, original):
            # Then every visible control has a label, every description exists, text meets AA contrast,
            # and nothing needs a sideways scroll
            assert page.evaluate(UNLABELLED) == [], screen
            assert page.evaluate(DANGLING) == [], screen
            assert page.evaluate(LOW_CONTRAST_TEXTS) == [], screen
            assert page.evaluate(SIDEWAYS) is False, screen
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=f"{SHOTS}/{screen}-{viewport['width']}.png", full_page=True)


def test_first_load_is_small_and_same_origin(
    desk: tuple[Page, Watch], local_stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a fresh browser / When the console's sign-in page loads
    page, _ = desk
    sizes: dict[str, int] = {}
    page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body())))
    open_console(page, local_stack)
    page.wait_for_load_state("networkidle")
    # Then it is made of our own files only, and they are small (no framework)
    total = sum(sizes.values())
    assert all(url.startswith(local_stack.url) for url in sizes)
    assert total < 150_000
    with capsys.disabled():
        print(f"\nconsole: first load {total / 1024:.1f} KiB uncompressed in {len(sizes)} responses")
