"""The explained code pages in a real browser (Playwright driving Debian's chromium, as tests/test_browser.py):
each page shows its sections, and a full-page screenshot of each is kept under tests/artifacts/codepage/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import shared_path
from hhbill import hcpcs
from hhbill._store import Store
from hhbill.explain import explain_code
from hhbill.web import Settings, create_app
from test_browser import browser, serve_in_thread  # noqa: F401  (browser: a fixture used by name)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "codepage"
JAN26_ZIP = "data/hcpcs/2026_jan/january-2026-alpha-numeric-hcpcs-file.zip"
AS_OF = "2026-02-01"
HEADINGS = ("In plain language", "Physician fee schedule", "How it compares", "Billing", "Questions")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    store = Store(tmp_path_factory.mktemp("codepage-browser") / "hhbill.db")
    hcpcs.import_release(store, shared_path(JAN26_ZIP))
    with serve_in_thread(create_app(store, settings=Settings(rate_limit=0))) as url:
        yield url, store


@pytest.mark.parametrize("code", ["G0320", "S9329", "G0151", "E0630"])
def test_code_page_sections_in_the_browser(browser, served, code: str) -> None:  # noqa: F811
    base_url, store = served
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto(f"/codes/{code}?as_of={AS_OF}")
        for heading in HEADINGS:
            assert page.get_by_role("heading", name=heading, exact=True).is_visible(), heading
        expected = explain_code(store, code, __import__("datetime").date.fromisoformat(AS_OF))
        assert expected.plain_language is not None
        assert page.get_by_text(expected.plain_language.text, exact=False).first.is_visible()
        first_question = page.locator("details summary").first
        assert first_question.inner_text() == f"What is {code}?"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{code}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
    finally:
        context.close()
    assert not errors, f"browser console errors: {errors}"
