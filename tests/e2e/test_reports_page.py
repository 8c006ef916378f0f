"""The reports page in a real browser against the whole local system: requests filed through the API
reach the counters through the events, and the page draws each report as a chart with its table
underneath and a CSV download that says exactly what the table says."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from urllib.request import Request, urlopen

import pytest
from playwright.sync_api import Browser, Page

from .conftest import LocalStack
from .staff import ANALYST, Staff
from .test_browser import new_page

pytestmark = pytest.mark.browser
TEXTS = (
    "Sokakta yaralı bir köpek var, kanıyor, acil yardım lazım",
    "Kaldırımdaki parke taşları yerinden çıkmış, yaşlılar düşüyor",
)


def _file(stack: LocalStack, text: str) -> None:
    body = json.dumps({"description": text, "neighbourhood": "erzene"}).encode()
    request = Request(f"{stack.url}/requests", data=body, method="POST")  # noqa: S310 - loopback
    request.add_header("Content-Type", "application/json")
    with urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
        assert answer.status == 201


@pytest.fixture
def analyst_page(chromium: Browser, local_stack: LocalStack) -> Iterator[Page]:
    """A page whose session already holds an analyst's ID token (as the console's sign-in leaves it)."""
    token = Staff(local_stack).token(ANALYST)
    for page in new_page(chromium, local_stack):
        page.add_init_script(f"sessionStorage.setItem('civicdesk.staff.idToken', {json.dumps(token)})")
        yield page


def test_the_reports_page_draws_each_report_with_its_table_and_a_csv_that_matches_it(
    analyst_page: Page, local_stack: LocalStack
) -> None:
    # Given two requests filed from Erzene, counted from their events
    staff = Staff(local_stack)
    before = staff.call(ANALYST, "GET", "/staff/reports/summary").body["filed"]["current"]
    for text in TEXTS:
        _file(local_stack, text)
    deadline = time.monotonic() + 60
    while staff.call(ANALYST, "GET", "/staff/reports/summary").body["filed"]["current"] < before + 2:
        assert time.monotonic() < deadline, "the requests were not counted"
        time.sleep(0.5)
    # When an analyst opens the reports page
    page = analyst_page
    page.goto(f"{local_stack.url}/staff/reports.html")
    page.wait_for_selector("body[data-loaded=true]")
    # Then every report has its chart and its table
    for report in ("series", "categories", "neighbourhoods", "promise", "satisfaction", "backlog"):
        assert page.locator(f"svg[data-chart={report}]").count() == 1, report
        assert page.locator(f"table[data-table={report}] tbody tr").count() >= 1, report
    assert "Erzene" in page.locator("table[data-table=neighbourhoods]").inner_text()
    # And the neighbourhoods' CSV download is that table, row for row
    with page.expect_download() as download:
        page.locator("a[data-csv=neighbourhoods]").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.reader(io.StringIO(text)))
    table = page.locator("table[data-table=neighbourhoods]")
    header = table.locator("thead th").all_inner_texts()
    body = [row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()]
    assert rows == [header, *body]
