"""The timeline page in a real browser (Debian chromium through Playwright): the form posts the MBI, the SVG draws
the period as a bar with its services as marks and flags the 034X claim's consolidated-billing error; no console
errors (the page's CSP refuses inline scripts and styles)."""

from __future__ import annotations

import httpx
import pytest

from claims_scenarios.support import MBI, NOA, PERIOD, THERAPY, fresh
from test_browser import _screenshot, _sign_in, browser, page, served  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_timeline_page_draws_bars_marks_and_findings(page, served) -> None:  # noqa: F811
    base, key = served
    with httpx.Client(base_url=base, headers={"X-API-Key": key}) as api:
        for body, record in ((fresh(NOA), "submitted"), (fresh(PERIOD), "submitted"), (fresh(THERAPY), "checked")):
            assert api.post("/api/v1/claims/check", json=body, params={"record": record}).status_code == 200
    _sign_in(page, key, "/claims/timeline")
    page.get_by_label("MBI").fill(MBI)
    page.get_by_label("As of").fill("2026-03-20")
    page.get_by_role("button", name="Show timeline").click()
    chart = page.locator("svg.timeline")
    chart.wait_for()
    assert page.locator("svg.timeline g.period rect.tl-bar").count() == 1
    assert page.locator("svg.timeline g.period line.mark").count() >= 4
    assert page.locator("svg.timeline g.therapy circle.flag.error").count() == 1
    assert page.locator(".timeline-items li.therapy .findings", has_text="consolidated-billing").is_visible()
    assert MBI not in page.content()
    _screenshot(page, "claim_timeline")
