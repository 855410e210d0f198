"""The claim form in a real browser keeps the patient's identity in the browser: every request the page makes is
watched, and none but "record to the ledger" carries the MBI, name, birth date or account number, while the result,
the printed UB-04 and the PDF's fillable fields still come out complete (Playwright driving Debian's chromium, as
tests/test_browser.py; screenshots under tests/artifacts/)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from hhbill.ub04 import layout
from hhbill.ub04._layout import PATIENT_BOXES
from test_browser import _screenshot, _sign_in, browser, page, served  # noqa: F401 - fixtures used by name

pytestmark = pytest.mark.browser

#: a fictitious patient, typed into the form (the MBI follows the CMS format)
PATIENT = {
    "patient.mbi": "7AC9DE2FG34",
    "patient.last_name": "Quillfeather",
    "patient.first_name": "Zed",
    "patient.birth_date": "1938-11-23",
    "patient_control_number": "ACCT-7781",
}
#: how each value could appear in a request body
SECRETS = ("7AC9DE2FG34", "Quillfeather", "QUILLFEATHER", "1938-11-23", "11231938", "ACCT-7781")
FORM_ROUTES = ("/claims", "/claims/ub04", "/claims/ub04.pdf", "/claims/field")


def _field(tab: Any, key: str) -> Any:
    return tab.locator(f'#claim-header [data-key="{key}"]')


def _carried(body: bytes | None) -> list[str]:
    text = (body or b"").decode("utf-8", "replace")
    return [secret for secret in SECRETS if secret in text]


def test_check_build_print_and_pdf_never_send_the_patient(page, served, tmp_path: Path) -> None:  # noqa: F811
    sent: list[tuple[str, str, bytes | None]] = []
    page.context.on("request", lambda request: sent.append((request.method, request.url, request.post_data_buffer)))
    _sign_in(page, served[1], "/claims")
    page.get_by_role("button", name="Discard the draft").click()
    for key, value in PATIENT.items():
        _field(page, key).fill(value)
        _field(page, key).dispatch_event("change")
    expect(page.locator('output[id="check-patient.mbi"]')).to_have_text("")
    assert page.locator("#input_json").input_value().count("Quillfeather") == 1  # the draft has it

    # check: the server checks the claim without the patient; the result is completed here
    page.get_by_role("button", name="Build and check").click()
    verdict = page.locator("#result .verdict")
    verdict.wait_for()
    assert "No errors in the checks run without the patient's details" in verdict.inner_text()
    expect(page.locator("#result .finding", has_text="patient-details-withheld")).to_contain_text("mbi-format")
    result = page.locator("#result")
    expect(result.locator('[data-patient-field="patient.last_name patient.first_name"]')).to_have_text(
        "QUILLFEATHER, ZED"
    )
    expect(result.locator('[data-patient-field="patient.mbi"]')).to_have_text("*******FG34")
    expect(result.locator('[data-patient-field="patient.birth_date"]')).to_have_text("1938-11-23")
    expect(result.locator('[data-patient-field="patient_control_number"]')).to_have_text("ACCT-7781")
    expect(result.locator("#pdf-patient-note")).to_contain_text("fillable")
    _screenshot(page, "claim_check_patient_withheld")

    # build, then print: the UB-04 page fills the patient's boxes from the draft
    page.get_by_role("button", name="Build only").click()
    expect(result.locator(".verdict")).to_have_count(0)  # the build's result replaced the check's
    expect(result.locator("#withheld-note")).to_contain_text("Built without the patient's details")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Print the UB-04").click()
    sheet = opened.value
    sheet.wait_for_load_state()
    expected = {"8b": "QUILLFEATHER, ZED", "58": "QUILLFEATHER, ZED", "60": "7AC9DE2FG34", "10": "11231938",
                "3a": "ACCT-7781", "11": "F", "9a": "12 ELM ST"}  # fmt: skip
    for box_id, text in expected.items():
        value = sheet.locator(f'.value[data-fl="{box_id}"]')
        expect(value).to_have_text(text)
        # the filled value sits in its form locator's box as the browser lays it out (1px: letter spacing)
        box, at = sheet.locator(f'.box[data-fl="{box_id}"]').bounding_box(), value.bounding_box()
        assert box and at and box["x"] <= at["x"] and at["x"] + at["width"] <= box["x"] + box["width"] + 1
        assert box["y"] <= at["y"] and at["y"] + at["height"] <= box["y"] + box["height"], box_id
    _screenshot(sheet, "ub04_print_patient_filled")
    sheet.close()

    # the PDF: the patient's boxes are fillable fields, empty
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the UB-04 (PDF)").click()
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(str(target))
    from pypdf import PdfReader

    fields = PdfReader(io.BytesIO(target.read_bytes())).get_fields() or {}
    assert {f"FL{box.box}_sheet1" for box in PATIENT_BOXES} == set(fields)
    assert not _carried(target.read_bytes())
    assert {box.box for box in PATIENT_BOXES} <= {box.id for box in layout().boxes}

    # not one request so far carried the patient's identity (URLs included)
    watched = [(method, url, body) for method, url, body in sent if url.split("?")[0].endswith(FORM_ROUTES)]
    paths = {url.split("?")[0].removeprefix(served[0]) for _, url, _ in watched}
    assert {"/claims", "/claims/ub04", "/claims/ub04.pdf"} <= paths
    assert [url for _, url, body in sent if _carried(body) or _carried(url.encode())] == []
    assert all(b"withhold_patient" in (body or b"") for method, _, body in watched if method == "POST"
               and not _.endswith("/claims/field"))  # fmt: skip

    # record to the ledger: the one request that sends the whole claim
    sent.clear()
    page.locator("#record").select_option("checked")
    page.get_by_role("button", name="Check and record to the ledger").click()
    expect(page.locator("#result .notice")).to_contain_text("Recorded in the claim ledger")
    posts = [body for method, url, body in sent if method == "POST" and url.endswith("/claims")]
    assert len(posts) == 1 and set(_carried(posts[0])) >= {"7AC9DE2FG34", "Quillfeather", "1938-11-23", "ACCT-7781"}
    assert b"withhold_patient" not in (posts[0] or b"")
    _screenshot(page, "claim_recorded_whole")
    page.locator("#record").select_option("")
    page.get_by_role("button", name="Discard the draft").click()


def test_an_opened_json_file_is_read_in_the_browser(page, served, tmp_path: Path) -> None:  # noqa: F811
    import json

    data = json.loads((Path(__file__).resolve().parent.parent / "src/hhbill/static/example_period.json").read_text())
    data["patient"] = {"mbi": PATIENT["patient.mbi"], "last_name": "Quillfeather", "birth_date": "1938-11-23"}
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(data))
    sent: list[tuple[str, bytes | None]] = []
    page.context.on("request", lambda request: sent.append((request.url, request.post_data_buffer)))
    _sign_in(page, served[1], "/claims")
    page.get_by_text("Advanced: the claim as JSON").click()
    page.get_by_label("…or open a JSON file (read in this browser)").set_input_files(str(path))
    expect(_field(page, "patient.last_name")).to_have_value("Quillfeather")  # the form shows the file
    page.get_by_role("button", name="Build only").click()
    expect(page.locator('#result [data-patient-field="patient.last_name patient.first_name"]')).to_have_text(
        "QUILLFEATHER"
    )
    posts = [body for url, body in sent if url.endswith("/claims") and body]
    assert posts and not any(_carried(body) for body in posts)
    assert not any(b'name="input_file"' in body for body in posts if body)  # the file itself is not uploaded
    page.get_by_role("button", name="Discard the draft").click()
