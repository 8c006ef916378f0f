"""The web form's photos in a real browser, against the whole local system: the page refuses what is
not a photo, asks for a presigned POST and posts the file straight to the media bucket (the emulator
stands in for S3). The page runs under the production CSP, with the media bucket's origin in
`connect-src` as CloudFront sends it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from infra.capabilities.web import PERMISSIONS_POLICY, content_security_policy
from tests.unit.test_photos import jpeg_with_gps

from .conftest import LocalStack
from .test_browser import fill_the_form

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots-h14")  # noqa: S108 - screenshots for the report, when the folder exists


def _page(chromium: Browser, stack: LocalStack, width: int) -> Iterator[Page]:
    context = chromium.new_context(
        viewport={"width": width, "height": 900}, locale="tr-TR", service_workers="block"
    )

    def with_csp(route: Route) -> None:
        response = route.fetch()
        csp = content_security_policy(stack.emulator)  # the media bucket's origin, here the emulator
        route.fulfill(
            response=response,
            headers={
                **response.headers,
                "content-security-policy": csp,
                "permissions-policy": PERMISSIONS_POLICY,
            },
        )

    context.route(f"{stack.url}/**", with_csp)
    # the emulator is another loopback port, which Chromium's local network access checks refuse to a
    # page; S3 is a public origin in AWS. The browser's POST is passed on to the emulator as it is.
    context.route(f"{stack.emulator}/**", lambda route: route.fulfill(response=route.fetch()))
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        yield page
        assert problems == []
    finally:
        context.unroute_all(behavior="ignoreErrors")
        context.close()


@pytest.fixture(params=[390, 1280], ids=["phone", "desktop"])
def page(request: pytest.FixtureRequest, chromium: Browser, local_stack: LocalStack) -> Iterator[Page]:
    yield from _page(chromium, local_stack, request.param)


def test_a_citizen_adds_a_photo_that_goes_straight_to_the_bucket(
    page: Page, local_stack: LocalStack, tmp_path: Path
) -> None:
    # Given the page, and a phone photo with a GPS position, and a PDF named like a photo
    photo = tmp_path / "sokak.jpg"
    photo.write_bytes(jpeg_with_gps())
    pdf = tmp_path / "belge.pdf"
    pdf.write_bytes(b"%PDF-1.7 not a photo")
    page.goto(f"{local_stack.url}/")
    page.wait_for_selector("html[data-ready=true]")
    # When the citizen picks the PDF
    page.set_input_files("#photos", str(pdf))
    # Then the page says only photos are accepted, and uploads nothing
    expect(page.locator("#photos-error")).to_contain_text("JPEG, PNG, HEIC veya WebP")
    # When they pick the photo instead
    page.set_input_files("#photos", str(photo))
    # Then it is uploaded straight to the bucket, and listed as uploaded
    expect(page.locator("#photo-list li[data-status=uploaded]")).to_have_count(1)
    expect(page.locator("#photo-list")).to_contain_text("sokak.jpg")
    fill_the_form(
        page, contact=False, description="Kaldırımdaki parke taşları yerinden çıkmış, fotoğrafı ekledim"
    )
    if SHOTS.is_dir():
        page.screenshot(
            path=str(SHOTS / f"citizen-form-photos-{page.viewport_size['width']}.png"), full_page=True
        )
    # And the object is in the media bucket under the key the API issued (moto's server decodes a POSTed
    # file as text, so the bytes it keeps are not the photo's: filing with a real upload, the cleaning and
    # the refusals are tested in tests/integration/test_photos.py)
    s3 = local_stack.client("s3")
    bucket = next(
        b["Name"] for b in s3.list_buckets()["Buckets"] if re.search(r"whatsappmedia[0-9a-f]{8}$", b["Name"])
    )
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="uploads/").get("Contents", [])]
    assert keys
