"""The UB-04 on paper: the PDF is rendered to PNG with poppler's pdftoppm (kept under tests/artifacts/), and the
words poppler's pdftotext finds on the page must sit inside the form locator boxes of the layout."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from hhbill.claims import build_claim, parse_claim_input
from hhbill.claims._model import Claim
from hhbill.ub04 import layout, ub04_css, ub04_html, ub04_pages, ub04_pdf

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
EXAMPLE = Path(__file__).resolve().parent.parent / "src" / "hhbill" / "static" / "example_period.json"
CREATED = date(2026, 4, 1)

_POPPLER_MISSING = shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None
#: without poppler-utils the PDF tests skip locally and fail under CI (make test installs it)
needs_poppler = pytest.mark.skipif(
    _POPPLER_MISSING and os.environ.get("CI") != "true",
    reason="poppler-utils (pdftotext, pdftoppm) is not installed; `make test` installs it",
)

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def _example_claim() -> Claim:
    import json

    period = parse_claim_input(json.loads(EXAMPLE.read_text()))
    claim = build_claim(period)  # type: ignore[arg-type]
    claim.condition_codes = ["07", "AZ"]
    claim.remarks = "LATE NOA EXCEPTION REQUESTED SEE MEDICAL RECORD"
    return claim


def _words(pdf: Path, page: int = 1, *, labels: bool = False) -> list[tuple[float, float, float, float, str]]:
    """The words on a page with their boxes in points from the top left; the form's own 5-point labels only when
    asked (values are 10-point)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    words = [(float(a), float(b), float(c), float(d), html.unescape(w)) for a, b, c, d, w in _WORD.findall(out)]
    return [w for w in words if labels or w[3] - w[1] > 7]


def _boxes_holding(words: list[tuple[float, float, float, float, str]], text: str) -> list[str]:
    """The form locators whose box holds every occurrence of ``text`` on the page (by the word's centre)."""
    found = [w for w in words if w[4] == text]
    assert found, f"{text!r} is not on the page"
    holders = []
    for x0, y0, x1, y1, _ in found:
        holders.extend(_boxes_at((x0 + x1) / 2, (y0 + y1) / 2))
    return holders


def _boxes_at(x: float, y: float) -> list[str]:
    """The form locators whose box holds the point (points from the page's top left)."""
    out = []
    for box in layout().boxes:
        left, top, right, bottom = box.rect_pt()
        if left <= x <= right and top <= y <= bottom:
            out.append(box.id)
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Claim, Path]:
    claim = _example_claim()
    pdf = tmp_path_factory.mktemp("ub04") / "claim.pdf"
    pdf.write_bytes(ub04_pdf(claim, created=CREATED))
    return claim, pdf


@needs_poppler
def test_key_values_sit_in_their_form_locators(rendered: tuple[Claim, Path]) -> None:
    claim, pdf = rendered
    words = _words(pdf)
    expected = {
        claim.type_of_bill: "4",
        claim.patient_control_number: "3a",
        claim.billing_provider.tax_id: "5",
        claim.from_date.strftime("%m%d%y"): "6_from",  # type: ignore[union-attr]
        claim.through_date.strftime("%m%d%y"): "6_through",  # type: ignore[union-attr]
        claim.patient.birth_date.strftime("%m%d%Y"): "10",  # type: ignore[union-attr]
        claim.patient.mbi: "60",
        claim.billing_provider.npi: "56",
        claim.attending_npi: "76",
        claim.certifying_npi: "78",
        claim.diagnoses[0]: "67",
        claim.diagnoses[1]: "67",
        "AZ": "19",
        "MEDICARE": "50",
        "0023": "42",
        "1FC21": "44",
        f"{claim.computed_total():.2f}": "47",
        "EXCEPTION": "80",
    }
    repeated = {claim.from_date.strftime("%m%d%y")}  # type: ignore[union-attr]  # FL 12 and FL 45 too
    for text, form_locator in expected.items():
        holders = _boxes_holding(words, text)
        assert form_locator in holders if text in repeated else holders == [form_locator], (text, holders)
    # the occurrence code 50 (OASIS date) and the value codes 61/85 (CBSA, county) with their amounts
    assert "31" in _boxes_holding(words, "50")
    assert _boxes_holding(words, "61") == ["39"] and _boxes_holding(words, "35614.00") == ["39"]
    assert _boxes_holding(words, "85") == ["40"] and _boxes_holding(words, "36061.00") == ["40"]


@needs_poppler
def test_every_word_on_the_page_is_inside_exactly_one_box(rendered: tuple[Claim, Path]) -> None:
    _, pdf = rendered
    words = _words(pdf, labels=True)
    assert len(words) > 100
    for x0, y0, x1, y1, text in words:
        holders = _boxes_at((x0 + x1) / 2, (y0 + y1) / 2)
        assert len(holders) == 1, (text, holders)


@needs_poppler
def test_service_lines_keep_their_order_down_fl42_to_47(rendered: tuple[Claim, Path]) -> None:
    claim, pdf = rendered
    words = _words(pdf)
    hcpcs_rows = sorted((y0, text) for x0, y0, _, _, text in words if _boxes_holding(words, text) == ["44"])
    assert [text for _, text in hcpcs_rows] == [line.hcpcs + "".join(line.modifiers) for line in claim.lines]
    charges = [w for w in words if re.fullmatch(r"\d+\.\d\d", w[4]) and _boxes_holding(words, w[4]) == ["47"]]
    # each charge is on the same print line as its HCPCS code
    for (y_code, code), line in zip(hcpcs_rows, claim.lines, strict=True):
        on_line = [w[4] for w in charges if abs(w[1] - y_code) < 2]
        assert on_line == [f"{line.charge:.2f}"], code


@needs_poppler
def test_the_pdf_renders_to_a_png_that_is_kept(rendered: tuple[Claim, Path]) -> None:
    _, pdf = rendered
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "ub04_example"
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(target)], check=True)
    png = target.with_suffix(".png")
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert (width, height) == (850, 1100)  # 8.5 x 11 inches at 100 dpi


@needs_poppler
def test_a_long_claim_takes_a_second_sheet_with_totals_on_the_last(tmp_path: Path) -> None:
    claim = _example_claim()
    template = claim.lines[1]
    extra = [
        type(template)(template.revenue_code, template.hcpcs, (), date(2026, 3, 10 + i % 20), Decimal(1), Decimal(10))
        for i in range(20)
    ]
    claim.lines = claim.lines + extra
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(ub04_pdf(claim, created=CREATED))
    first, second = _words(pdf, 1), _words(pdf, 2)
    assert [w[4] for w in first if w[4] == "PAGE"] and "OF" in [w[4] for w in second]
    total = f"{claim.computed_total():.2f}"
    assert total not in [w[4] for w in first]
    assert _boxes_holding(second, total) == ["47"]
    pages = ub04_pages(claim)
    assert [p.number for p in pages] == [1, 2]
    assert sum(1 for p in pages for rev in p.values["42"][:22] if rev) == len(claim.lines)


def test_html_places_each_value_at_the_same_grid_position_as_the_pdf() -> None:
    claim = _example_claim()
    page = ub04_html(claim, created=CREATED, pdf_href="claim.pdf")
    assert "@media print" in page and "@page" in page
    assert 'href="claim.pdf"' in page
    css = ub04_css()
    box = layout().box("4")
    match = re.search(r'<div class="value fl-4 r(\d+)" data-fl="4">([^<]*)</div>', page)
    assert match is not None and match.group(2) == claim.type_of_bill
    left = re.search(r"\.fl-4\.value \{ left: ([\d.]+)in; \}", css)
    top = re.search(rf"\.fl-4\.value\.r{match.group(1)} \{{ top: ([\d.]+)in; \}}", css)
    assert left is not None and top is not None
    # FL 4's value sits inside FL 4's box, in inches (column 0.1in, line 1/6in), below the box's label
    assert (box.col - 1) * 0.1 <= float(left.group(1)) < (box.col - 1 + box.width) * 0.1
    assert box.line / 6 <= float(top.group(1)) < (box.line + box.height) / 6


def test_html_for_the_web_has_no_inline_style_or_script() -> None:
    """The web UI's content security policy allows styles and scripts from files only."""
    page = ub04_html(_example_claim(), stylesheet_href="/claims/ub04.css", script_href="/static/hhbill.js")
    assert "style=" not in page and "<style" not in page and "onclick" not in page
    assert '<link rel="stylesheet" href="/claims/ub04.css">' in page and "data-print" in page


def test_values_never_overflow_their_box() -> None:
    claim = _example_claim()
    claim.billing_provider.name = "A HOME HEALTH AGENCY WHOSE NAME IS FAR LONGER THAN THE BOX"
    claim.remarks = "word " * 60
    for page in ub04_pages(claim):
        for box_id, rows in page.values.items():
            box = layout().box(box_id)
            assert len(rows) <= box.value_rows, box_id
            assert all(len(row) <= box.value_width for row in rows), box_id


@needs_poppler
def test_several_claims_follow_one_another(tmp_path: Path) -> None:
    first, second = _example_claim(), _example_claim()
    second.patient_control_number = "PCN-0002"
    pdf = tmp_path / "two.pdf"
    pdf.write_bytes(ub04_pdf([first, second], created=CREATED))
    assert _boxes_holding(_words(pdf, 1), "PCN-0001") == ["3a"]
    assert _boxes_holding(_words(pdf, 2), "PCN-0002") == ["3a"]
