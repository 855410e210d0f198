"""The claim form, the UB-04 download and print page, and the 837I viewer in a real browser (Playwright driving
Debian's chromium, as tests/test_browser.py). Screenshots are kept under tests/artifacts/."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from hhbill.claims import build_claim, load_claim_input
from hhbill.x12 import claims_to_x12, load_writer_settings
from test_browser import _screenshot, _sign_in, browser, page, served  # noqa: F401 - fixtures used by name

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parent.parent / "src" / "hhbill" / "static"


def _field(tab, key: str):  # type: ignore[no-untyped-def]
    return tab.locator(f'#claim-header [data-key="{key}"]')


def _check_text(tab, key: str) -> str:  # type: ignore[no-untyped-def]
    return str(tab.locator(f'output[id="check-{key}"]').inner_text())


def test_fill_the_claim_form_build_and_download_the_pdf(page, served, tmp_path: Path) -> None:  # noqa: F811
    _sign_in(page, served[1], "/claims")
    page.get_by_role("button", name="Discard the draft").click()
    # the form shows the example input, field by field, with what its codes mean
    assert _field(page, "hipps").input_value() == "1FC21"
    expect(page.locator('output[id="check-hipps"]')).to_contain_text("community admission, early period")
    expect(page.locator('output[id="check-type_of_bill"]')).to_contain_text("Final claim for an HH PPS period")
    assert _field(page, "patient.last_name").input_value() == "Testpatient"
    # the type of bill picker shows meanings, and the server's check says what the choice means
    options = page.locator("#f-type_of_bill option").all_inner_texts()
    assert "0329 – Final claim for an HH PPS period" in options
    _field(page, "type_of_bill").select_option("0327")
    expect(page.locator('output[id="check-type_of_bill"]')).to_contain_text("Replacement")
    _field(page, "type_of_bill").select_option("0329")
    # HIPPS with its decoding
    _field(page, "hipps").fill("2CB31")
    _field(page, "hipps").dispatch_event("change")
    expect(page.locator('output[id="check-hipps"]')).to_contain_text("wounds")
    assert "institutional admission, early period" in _check_text(page, "hipps")
    # a field the claim input parser refuses is flagged inline, with the parser's message
    _field(page, "cbsa").fill("123")
    _field(page, "cbsa").dispatch_event("change")
    expect(page.locator('output[id="check-cbsa"]')).to_contain_text("5-digit")
    assert _field(page, "cbsa").get_attribute("aria-invalid") == "true"
    _field(page, "cbsa").fill("35614")
    _field(page, "cbsa").dispatch_event("change")
    expect(_field(page, "cbsa")).to_have_attribute("aria-invalid", "false")
    # patient fields are checked in the browser
    _field(page, "patient.mbi").fill("1EG4-TE5-MK73")
    _field(page, "patient.mbi").dispatch_event("change")
    expect(page.locator('output[id="check-patient.mbi"]')).to_contain_text("no dashes")
    _field(page, "patient.mbi").fill("1EG4TE5MK73")
    _field(page, "patient.mbi").dispatch_event("change")
    assert _check_text(page, "patient.mbi") == ""
    # a condition code row, then the JSON under Advanced follows the form
    page.locator('fieldset[data-key="condition_codes"] input').first.fill("07")
    page.locator('fieldset[data-key="condition_codes"] input').first.dispatch_event("change")
    data = json.loads(page.locator("#input_json").input_value())
    assert data["hipps"] == "2CB31" and data["condition_codes"] == ["07"] and data["cbsa"] == "35614"
    assert data["provider"]["address"]["city"] == "Albany"  # keys the form does not show are kept
    _screenshot(page, "claim_form")
    # the draft survives a reload (kept in this browser)
    page.reload()
    assert _field(page, "hipps").input_value() == "2CB31"
    assert "draft" in page.locator("#draft-status").inner_text().lower()
    # build, then download the UB-04 as a PDF
    page.get_by_role("button", name="Build only").click()
    page.locator("#result #lines-title").wait_for()
    assert page.locator("#result tbody tr").first.inner_text().split()[1:3] == ["0023", "2CB31"]
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the UB-04 (PDF)").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    # the patient's account number stays in the browser: the file is named by type of bill and From date
    assert download.suggested_filename == "ub04-0329-2026-03-02.pdf"
    assert target.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    assert "2CB31" in text and "0329" in text
    _screenshot(page, "claim_built")
    page.get_by_role("button", name="Discard the draft").click()


def test_print_the_ub04_page(page, served) -> None:  # noqa: F811
    _sign_in(page, served[1], "/claims")
    page.get_by_role("button", name="Discard the draft").click()
    page.get_by_role("button", name="Build only").click()
    page.locator("#result #lines-title").wait_for()
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Print the UB-04").click()
    sheet = opened.value
    sheet.wait_for_load_state()
    value = sheet.locator('.value[data-fl="4"]')
    assert value.inner_text() == "0329"
    # the value sits inside FL 4's box on the page as the browser lays it out (1px: the letter spacing after the
    # last character)
    box = sheet.locator('.box[data-fl="4"]').bounding_box()
    at = value.bounding_box()
    assert box and at and box["x"] <= at["x"] and at["x"] + at["width"] <= box["x"] + box["width"] + 1
    assert box["y"] <= at["y"] and at["y"] + at["height"] <= box["y"] + box["height"]
    _screenshot(sheet, "ub04_print_page")
    sheet.close()


def test_view_an_uploaded_837i(page, served, tmp_path: Path) -> None:  # noqa: F811
    claim = build_claim(load_claim_input(STATIC / "example_period.json"))  # type: ignore[arg-type]
    path = tmp_path / "two-claims.837"
    path.write_text(claims_to_x12([claim, claim], load_writer_settings(STATIC / "example_x12_settings.json")))
    _sign_in(page, served[1], "/x12/view")
    page.get_by_label("837I file").set_input_files(str(path))
    page.get_by_role("button", name="View claims").click()
    page.locator(".viewed-claim").first.wait_for()
    assert page.locator(".viewed-claim").count() == 2
    first = page.locator(".viewed-claim").first
    assert "Final claim for an HH PPS period" in first.inner_text()
    assert first.locator("tbody tr").first.inner_text().split()[:3] == ["1", "0023", "1FC21"]
    first.get_by_text("As claim input (JSON)").click()
    assert json.loads(first.locator("pre.claim-input").inner_text())["hipps"] == "1FC21"
    _screenshot(page, "x12_viewer")
