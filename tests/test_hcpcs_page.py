"""The decoded code page, built from real CMS January 2026 rows and checked against what CMS publishes."""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser

import pytest

from _cms_hcpcs_xlsx import JAN_2026_XLSX, cms_rows, record_from_row
from conftest import shared_path
from hhbill.hcpcs._embedded import embedded_release
from hhbill.hcpcs._exclusions import exclusions_in
from hhbill.hcpcs._page import build_code_page, page_rows, render_html, render_text
from hhbill.hcpcs._values import UNKNOWN_MEANING

RELEASE = {"label": "2026 January quarterly", "effective_date": "2026-01-01"}
PI_13 = "Price established by carriers (e.g., not otherwise classified, individual determination, carrier discretion)"
PI_00 = "Service not separately priced by Part B (e.g., services not covered, bundled, used by Part A only, etc.)"
MULT_9 = (
    "Not applicable as HCPCS not priced separately by Part B (pricing indicator is 00) "
    "or value is not established (pricing indicator is '99')"
)
REQUIRED_KEYS = {
    "code",
    "kind",
    "release",
    "long_description",
    "short_description",
    "pricing_indicators",
    "multiple_pricing_indicator",
    "coverage",
    "betos",
    "type_of_service",
    "lab_certifications",
    "asc",
    "opps",
    "cross_references",
    "statute",
    "cim_references",
    "mcm_references",
    "anesthesia_base_units",
    "added_date",
    "action_effective_date",
    "termination_date",
    "action",
    "processing_note",
    "exclusions",
    "status",
    "history",
    "other_meanings",
}


@pytest.fixture(scope="module")
def cms():
    return cms_rows(shared_path(JAN_2026_XLSX))


def page_of(cms, code: str, **kwargs):
    record = record_from_row(cms[code])
    note = embedded_release().note_text(record.processing_note)
    return build_code_page(record, release=RELEASE, note_text=note, **kwargs)


@pytest.mark.parametrize("code", ["G0320", "G0321", "G0322"])
def test_telehealth_codes_decode_as_cms_publishes(cms, code):
    page = page_of(cms, code)
    assert set(page) >= REQUIRED_KEYS
    assert page["code"] == code and page["kind"] == "procedure"
    assert page["release"] == {"label": "2026 January quarterly", "effective_date": "2026-01-01"}
    assert [(pi["code"], pi["meaning"]) for pi in page["pricing_indicators"]] == [("13", PI_13)]
    assert page["pricing_indicators"][0]["group"].startswith("Physician Fee Schedule")
    assert page["multiple_pricing_indicator"] == {
        "code": "A",
        "meaning": "Not applicable as HCPCS priced under one methodology",
    }
    assert page["coverage"] == {"code": "C", "meaning": "Carrier judgment"}
    assert page["betos"] == {"code": "Z2", "meaning": "Undefined codes"}
    assert page["type_of_service"] == [{"code": "1", "meaning": "Medical care"}]
    assert page["lab_certifications"] == [] and page["cross_references"] == []
    assert page["asc"] == {"group": None, "meaning": None, "effective_date": None}
    assert page["opps"] == {"group": None, "meaning": None, "policy_indicator": None, "effective_date": None}
    assert page["statute"] is None and page["cim_references"] == [] and page["mcm_references"] == []
    assert page["anesthesia_base_units"] == 0
    assert page["added_date"] == "2023-01-01"
    assert page["action_effective_date"] == "2023-01-01"
    assert page["termination_date"] is None
    assert page["action"] == {"code": "N", "meaning": "No maintenance for this code"}
    assert page["processing_note"] is None
    assert page["exclusions"] == []
    assert page["status"]["state"] == "active"


def test_g0321_long_and_short_description(cms):
    page = page_of(cms, "G0321")
    assert page["long_description"] == (
        "Home health services furnished using synchronous telemedicine rendered via telephone or other "
        "real-time interactive audio-only telecommunications system"
    )
    assert page["short_description"] == "Audio-only hhs"


def test_s9329_decodes_with_its_processing_note_and_exclusion(cms):
    page = page_of(cms, "S9329")
    assert page["pricing_indicators"] == [{"code": "00", "meaning": PI_00}]
    assert page["multiple_pricing_indicator"] == {"code": "9", "meaning": MULT_9}
    assert page["coverage"] == {"code": "I", "meaning": "Not payable by Medicare"}
    assert page["betos"] == {"code": "Z2", "meaning": "Undefined codes"}
    assert page["type_of_service"] == [{"code": "9", "meaning": "Other medical items or services"}]
    assert page["added_date"] == "2002-01-01"
    assert page["processing_note"]["number"] == "0088"
    assert "not valid nor payable by medicare" in page["processing_note"]["text"].lower()
    assert [item["codes"] for item in page["exclusions"]] == [["S9330", "S9331"]]


def test_g0151_visit_code(cms):
    page = page_of(cms, "G0151")
    assert page["long_description"].startswith("Services performed by a qualified physical therapist")
    assert page["pricing_indicators"] == [{"code": "00", "meaning": PI_00}]
    assert page["coverage"] == {"code": "C", "meaning": "Carrier judgment"}
    assert page["betos"] == {"code": "Y2", "meaning": "Other - Non-Medicare fee schedule"}
    assert page["added_date"] == "1999-07-01"
    assert page["action_effective_date"] == "2011-01-01"
    assert page["processing_note"] == {
        "number": "0082",
        "text": "G0151-G0156 may be billed only for home health care services provided under a plan of care. "
        "See CR#588.",
    }


#: label on the reference pages -> how to read the same fact from our page
REFERENCE_FIELDS = {
    "HCPCS Code": lambda p: p["code"],
    "Code Description": lambda p: p["long_description"],
    "Short Description": lambda p: p["short_description"],
    "Pricing Indicator Code #1": lambda p: p["pricing_indicators"][0]["code"],
    "Multiple Pricing Indicator Code": lambda p: p["multiple_pricing_indicator"]["code"],
    "Multiple Pricing Indicator Code Description": lambda p: p["multiple_pricing_indicator"]["meaning"],
    "Coverage Code": lambda p: p["coverage"]["code"],
    "Coverage Code Description": lambda p: p["coverage"]["meaning"],
    "Processing Note Number": lambda p: p["processing_note"]["number"],
    "Berenson-Eggers Type Of Service Code": lambda p: p["betos"]["code"],
    "Berenson-Eggers Type Of Service Code Description": lambda p: p["betos"]["meaning"],
    "Type Of Service Code #1": lambda p: p["type_of_service"][0]["code"],
    "Type Of Service Code #1 Description": lambda p: p["type_of_service"][0]["meaning"],
    "Anesthesia Base Unit Quantity": lambda p: str(p["anesthesia_base_units"]),
    "Code Added Date": lambda p: p["added_date"].replace("-", ""),
    "Action Effective Date": lambda p: p["action_effective_date"].replace("-", ""),
    "Action Code": lambda p: p["action"]["code"],
    "Action Code Description": lambda p: p["action"]["meaning"],
}


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.mark.parametrize(
    ("code", "reference"), [("G0321", "hcpcs-record-G0321.txt"), ("S9329", "hcpcs-record-S9329.txt")]
)
def test_page_carries_everything_the_reference_page_shows(cms, code, reference):
    text = shared_path(f"reference/{reference}").read_text(encoding="utf-8")
    shown = dict(re.findall(r"^<i>([^<]+)</i>\t([^\t\n]*)", text, flags=re.MULTILINE))
    page = page_of(cms, code)
    checked = 0
    for label, value in shown.items():
        if label == "Pricing Indicator Code #1 Description":
            # the reference appends the fee-schedule heading ("Linked To The Physician Fee Schedule.")
            assert _normal(value).startswith(_normal(page["pricing_indicators"][0]["meaning"]))
        elif label in REFERENCE_FIELDS:
            assert _normal(REFERENCE_FIELDS[label](page)) == _normal(value), label
        else:
            assert label in {"Status", "Last Update Date"}, f"reference field {label!r} not on our page"
            continue
        checked += 1
    assert checked >= 15


def test_unknown_values_are_shown_as_unknown_never_guessed(cms):
    record = dataclasses.replace(
        record_from_row(cms["G0321"]), coverage="Q", betos="ZZ9", types_of_service=("1", "X"), mog_group="999"
    )
    page = build_code_page(record, release=RELEASE)
    assert page["coverage"] == {"code": "Q", "meaning": None}
    assert page["betos"] == {"code": "ZZ9", "meaning": None}
    assert page["type_of_service"][1] == {"code": "X", "meaning": None}
    assert page["opps"]["group"] == "999" and page["opps"]["meaning"] is None
    text = render_text(page)
    assert re.search(rf"Coverage code:\s+Q - {re.escape(UNKNOWN_MEANING)}", text)
    assert re.search(rf"Type of service #2:\s+X - {re.escape(UNKNOWN_MEANING)}", text)
    html = render_html(page)
    assert html.count(UNKNOWN_MEANING) == 4
    assert html.count('class="code-field unknown"') == 4


class _Structure(HTMLParser):
    """Checks the fragment is well nested and collects <dt> labels."""

    VOID = {"br", "img", "meta", "hr", "input", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.labels: list[str] = []
        self._in_dt = False

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)
        self._in_dt = tag == "dt"

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()
        self._in_dt = False

    def handle_data(self, data):
        if self._in_dt:
            self.labels.append(data.strip())


@pytest.mark.parametrize("code", ["G0151", "G0320", "G0321", "G0322", "S9329", "GP"])
def test_text_and_html_carry_every_field(cms, code):
    page = page_of(
        cms,
        code,
        history=[{"release": "2023 January", "change": "added"}],
        other_meanings=[{"code_set": "CPT", "text": "not a CPT code"}],
    )
    rows = page_rows(page)
    assert len(rows) >= 25
    text, html = render_text(page), render_html(page)
    parser = _Structure()
    parser.feed(html)
    assert parser.stack == []
    assert parser.labels == [row["label"] for row in rows]
    for row in rows:
        assert row["label"] in text
        if row["value"]:
            assert row["value"] in text
        if row["meaning"]:
            assert row["meaning"] in text
    assert "<dl" in html and 'aria-labelledby="code-' in html
    assert "History:" in text and "2023 January" in text and "History</h3>" in html
    assert "Other meanings:" in text and "not a CPT code" in html


def test_modifier_page(cms):
    page = page_of(cms, "GP")
    assert page["kind"] == "modifier"
    assert page["pricing_indicators"] == [] and page["betos"] is None
    assert page["coverage"] == {"code": "C", "meaning": "Carrier judgment"}
    assert page["anesthesia_base_units"] is None
    text = render_text(page)
    assert re.search(r"Modifier:\s+GP", text)
    assert re.search(r"Pricing indicator:\s+\(blank\)", text)


def test_sections_appear_only_when_given(cms):
    page = page_of(cms, "G0321")
    text, html = render_text(page), render_html(page)
    assert "History" not in text and "Do not use with" not in text and "Other meanings" not in text
    assert "History" not in html and "Do not use with" not in html


def test_exclusions_section_and_explicit_override(cms):
    page = page_of(cms, "S9329")
    assert "Do not use with:" in render_text(page)
    assert "S9330, S9331" in render_html(page)
    overridden = page_of(cms, "S9329", exclusions=exclusions_in("(do not use with S9500)"))
    assert [item["codes"] for item in overridden["exclusions"]] == [["S9500"]]
    assert page_of(cms, "S9329", exclusions=[])["exclusions"] == []


def test_status_is_derived_from_the_termination_date_unless_given(cms):
    assert page_of(cms, "G0154")["status"]["state"] == "discontinued"
    assert "2016-02-29" in render_text(page_of(cms, "G0154"))
    given = {"state": "valid", "as_of": "2026-02-01", "reason": "date of service within add/term dates"}
    page = page_of(cms, "G0151", status=given)
    assert page["status"] == given
    assert "valid as of 2026-02-01" in render_text(page)


def test_html_escapes_descriptor_text(cms):
    record = dataclasses.replace(record_from_row(cms["G0321"]), short_description="<script>alert(1)</script>")
    html = render_html(build_code_page(record, release=RELEASE))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_page_is_the_json_rendering(cms):
    page = page_of(cms, "S9329", history=[{"release": "2002 January", "change": "added"}])
    assert json.loads(json.dumps(page)) == page


@pytest.mark.parametrize("code", ["G0151", "G0321", "Q5001", "S9329", "GP"])
def test_embedded_record_gives_the_same_page_as_the_cms_row(cms, code):
    embedded = embedded_release()
    theirs = page_of(cms, code)
    record = embedded.record(code)
    ours = build_code_page(record, release=RELEASE, note_text=embedded.note_text(record.processing_note))
    # the embedded data does not record CMS's sequence number; everything else must be identical
    assert {k: v for k, v in ours.items() if k != "sequence"} == {k: v for k, v in theirs.items() if k != "sequence"}
