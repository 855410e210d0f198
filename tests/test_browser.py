"""The web UI in a real browser: Playwright driving Debian's chromium against the app served by uvicorn on
loopback. Each test saves a screenshot under tests/artifacts/ and checks it is not empty.

chromium comes from Debian (``make test`` installs it); ``playwright install`` is never used.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import shared_path
from hhbill import hcpcs
from hhbill._store import Store
from hhbill.web import Settings, create_api_key, create_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
JAN26_ZIP = "data/hcpcs/2026_jan/january-2026-alpha-numeric-hcpcs-file.zip"
HH_837I = "corpora/x12/837i/hh_synthetic_3claims.837"
TIMEOUT_MS = 15_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve an ASGI app on a free loopback port in a background thread; yields its base URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="hhbill-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The app on a free loopback port in a background thread: (base URL, API key)."""
    store = Store(tmp_path_factory.mktemp("web-browser") / "hhbill.db")
    hcpcs.import_release(store, shared_path(JAN26_ZIP))
    key = create_api_key(store, "browser tests")[1]
    with serve_in_thread(create_app(store, settings=Settings(rate_limit=0))) as url:
        yield url, key


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (make test installs Debian's chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=served[0])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert not errors, f"browser console errors (CSP violations show here): {errors}"


def _screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000, f"{path} is empty"
    return path


def _sign_in(page, key: str, next_path: str) -> None:
    page.goto(f"/login?next={next_path}")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}")


def test_search_as_you_type_then_open_the_code_page(page) -> None:
    page.goto("/")
    box = page.get_by_label("Code or words")
    box.press_sequentially("physical therapist home heal", delay=10)
    suggestion = page.locator("#suggestions a", has_text="G0151")
    suggestion.wait_for()
    _screenshot(page, "search")
    # keyboard: arrow down from the box reaches the first suggestion
    box.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('#suggestions') !== null")
    suggestion.click()
    page.wait_for_url("**/codes/G0151**")
    assert "Hhcp-serv of pt,ea 15 min" in page.locator("h2").first.inner_text()
    assert page.get_by_text("MAY BE BILLED ONLY FOR HOME HEALTH CARE").first.is_visible()
    _screenshot(page, "code_page")


def test_code_page_on_a_phone(browser, served) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=served[0], is_mobile=True)
    page = context.new_page()
    page.goto("/codes/G0299?as_of=2026-02-01")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    _screenshot(page, "code_page_phone")
    context.close()


def test_build_and_check_a_claim(page, served) -> None:
    _sign_in(page, served[1], "/claims")
    page.get_by_text("Advanced: the claim as JSON").click()  # the raw JSON is the advanced alternative to the form
    form = page.get_by_label("Claim or period of care (JSON)")
    text = form.input_value()
    assert "Riverbend Home Health" in text
    form.fill(text.replace('"certifying_npi": "1678901236"', '"certifying_npi": "1234567890"'))
    rows = page.locator("#visit-rows tr")
    before = rows.count()
    page.get_by_role("button", name="Add a visit row").click()
    # A locator wait polls from outside the page: the CSP (no 'unsafe-eval') forbids wait_for_function's eval.
    rows.nth(before).wait_for()
    page.get_by_role("button", name="Build and check").click()
    verdict = page.locator("#result .verdict")
    verdict.wait_for()
    assert "would be returned or rejected" in verdict.inner_text()
    assert page.locator("#result .finding", has_text="practitioner-npi").is_visible()
    assert page.locator("#result .ub04").get_by_text("FL 4 Type of bill").is_visible()
    assert page.url.endswith("/claims")  # htmx swapped the result in place
    _screenshot(page, "claim_check")


def test_upload_an_837i(page, served) -> None:
    _sign_in(page, served[1], "/x12")
    page.get_by_label("837I file").set_input_files(str(shared_path(HH_837I)))
    page.get_by_role("button", name="Check file").click()
    page.locator(".claims-report").wait_for()
    assert page.locator(".claims-report tbody tr").count() == 3
    assert page.get_by_text("PCN0000002").first.is_visible()
    _screenshot(page, "x12_upload")
