"""The UB-04 (Form CMS-1450) as data: where each form locator sits on the page, and what a claim puts in it.

The layout (``hhbill/data/ub04_layout.json``) is the form's print grid: 10 characters per inch across and 6 lines
per inch down, so a value padded to its columns lands in its box whatever renders it (HTML, PDF). What goes in
each form locator follows Pub. 100-04 Ch.25 §75 (FL 1-81); the home health specifics (0023 line, HIPPS in FL 44,
value codes 61/85) Pub. 100-04 Ch.10 §40.2.

The paper form carries the patient's name and Medicare number in full: it is the claim itself, to be printed or
mailed, and is only ever produced for the user who gave the claim.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from ..claims._model import Claim, ClaimLine
from ..claims._render import revenue_line_description

__all__ = [
    "CHAR_WIDTH_PT",
    "LINE_HEIGHT_PT",
    "PATIENT_BOXES",
    "Box",
    "Layout",
    "Page",
    "PatientBox",
    "layout",
    "patient_box_value",
    "ub04_pages",
]

#: one print column is 1/10 inch; one print line is 1/6 inch (72 points to the inch)
CHAR_WIDTH_PT = 7.2
LINE_HEIGHT_PT = 12.0


@dataclass(frozen=True, slots=True)
class Box:
    """One form locator's box on the grid. Tall boxes print their label on their first line and values below it;
    one-line boxes print the label at the left and the value from ``value_col`` on."""

    id: str
    label: str
    line: int
    col: int
    width: int
    height: int
    value_col: int = 1

    @property
    def value_rows(self) -> int:
        return 1 if self.height == 1 else self.height - 1

    @property
    def value_width(self) -> int:
        """Columns a value may fill (a one-line box's label takes its first ``value_col - 1`` columns)."""
        return self.width - self.value_col + 1

    @property
    def first_value_line(self) -> int:
        return self.line if self.height == 1 else self.line + 1

    def rect_pt(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) in points from the page's top-left corner."""
        left = (self.col - 1) * CHAR_WIDTH_PT
        top = (self.line - 1) * LINE_HEIGHT_PT
        return left, top, left + self.width * CHAR_WIDTH_PT, top + self.height * LINE_HEIGHT_PT


@dataclass(frozen=True, slots=True)
class Layout:
    source: str
    columns: int
    lines: int
    service_lines_per_page: int
    boxes: tuple[Box, ...]

    def box(self, box_id: str) -> Box:
        for box in self.boxes:
            if box.id == box_id:
                return box
        raise KeyError(box_id)


@cache
def layout() -> Layout:
    """The UB-04 layout from the package data."""
    text = resources.files("hhbill").joinpath("data").joinpath("ub04_layout.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    boxes = tuple(
        Box(b["id"], b["label"], b["line"], b["col"], b["width"], b["height"], b.get("value_col", 1))
        for b in data["boxes"]
    )
    return Layout(
        source=data["source"],
        columns=data["page"]["columns"],
        lines=data["page"]["lines"],
        service_lines_per_page=data["service_lines_per_page"],
        boxes=boxes,
    )


@dataclass(frozen=True, slots=True)
class Page:
    """One sheet of the form: each box's value rows (text already fitted to the box's columns)."""

    number: int
    of: int
    values: dict[str, list[str]]


def _mmddyy(day: date | None) -> str:
    return day.strftime("%m%d%y") if day is not None else ""


def _mmddyyyy(day: date | None) -> str:
    return day.strftime("%m%d%Y") if day is not None else ""


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _units(units: Decimal) -> str:
    return f"{units.normalize():f}" if units == units.to_integral_value() else f"{units:f}"


def _name(last: str, first: str) -> str:
    return f"{last.upper()}, {first.upper()}" if first else last.upper()


@dataclass(frozen=True, slots=True)
class PatientBox:
    """A form locator that shows the patient's identity: the claim input fields it is made of and how they are
    written there. The web claim form leaves these boxes for the browser to fill from the draft (the same
    ``form``s in static/patient_fields.js), and the PDF makes them fillable fields, when the identity is withheld.
    """

    box: str
    fields: tuple[str, ...]
    #: "text" as given, "upper" in capitals, "name" LAST, FIRST in capitals, "mmddyyyy" a date
    form: str


#: the patient boxes of the UB-04 (each field a claim input key, see hhbill.claims._withheld)
PATIENT_BOXES: tuple[PatientBox, ...] = (
    PatientBox("3a", ("patient_control_number",), "text"),
    PatientBox("8b", ("patient.last_name", "patient.first_name"), "name"),
    PatientBox("9a", ("patient.address.line1",), "upper"),
    PatientBox("9b", ("patient.address.city",), "upper"),
    PatientBox("9c", ("patient.address.state",), "upper"),
    PatientBox("9d", ("patient.address.zip",), "text"),
    PatientBox("9e", ("patient.address.country",), "upper"),
    PatientBox("10", ("patient.birth_date",), "mmddyyyy"),
    PatientBox("11", ("patient.sex",), "text"),
    PatientBox("58", ("patient.last_name", "patient.first_name"), "name"),
    PatientBox("60", ("patient.mbi",), "upper"),
)


def _claim_field(claim: Claim, key: str) -> str:
    patient = claim.patient
    if key.startswith("patient.address."):
        return patient.address.get(key.removeprefix("patient.address."), "")
    if key == "patient.birth_date":
        return patient.birth_date.isoformat() if patient.birth_date is not None else ""
    if key.startswith("patient."):
        return str(getattr(patient, key.removeprefix("patient.")))
    return str(getattr(claim, key))


def patient_box_value(patient_box: PatientBox, claim: Claim) -> str:
    """What a patient box shows for the claim (before fitting to the box)."""
    values = [_claim_field(claim, key) for key in patient_box.fields]
    if patient_box.form == "name":
        return _name(values[0], values[1])
    if patient_box.form == "mmddyyyy":
        return _mmddyyyy(date.fromisoformat(values[0])) if values[0] else ""
    return values[0].upper() if patient_box.form == "upper" else values[0]


def _right(text: str, width: int) -> str:
    return text[-width:].rjust(width)


def _fit(text: str, width: int) -> str:
    return text[:width]


def _wrap(text: str, width: int, rows: int) -> list[str]:
    out: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if len(candidate) <= width:
            line = candidate
            continue
        if line:
            out.append(line)
        line = word[:width]
    if line:
        out.append(line)
    return out[:rows]


def _across(items: list[str], box_ids: list[str], rows: int) -> dict[str, list[str]]:
    """Fill a row of boxes across first (31a, 32a, 33a, 34a, then 31b...), as the form is read."""
    values: dict[str, list[str]] = {box_id: [""] * rows for box_id in box_ids}
    for index, item in enumerate(items[: rows * len(box_ids)]):
        values[box_ids[index % len(box_ids)]][index // len(box_ids)] = item
    return values


def _header_values(claim: Claim, form: Layout) -> dict[str, list[str]]:
    """Every form locator outside the service lines (FL 42-49)."""
    provider = claim.billing_provider
    address = provider.address
    city_line = " ".join(p for p in (address.get("city", "") + ",", address.get("state", ""), address.get("zip", ""))
                         if p not in ("", ","))  # fmt: skip
    values: dict[str, list[str]] = {
        "1": [provider.name.upper(), address.get("line1", "").upper(), city_line.upper()],
        "4": [claim.type_of_bill],
        "5": [provider.tax_id],
        "6_from": [_mmddyy(claim.from_date)],
        "6_through": [_mmddyy(claim.through_date)],
        "12": [_mmddyy(claim.admission_date)],
        "14": [claim.admission_type],
        "15": [claim.admission_source],
        "17": [claim.patient_status],
        "50": [claim.payer_name.upper()],
        "52": ["Y"],
        "55": [],
        "56": [provider.npi],
        "59": ["18"],  # patient is the insured: the Medicare beneficiary
        "66": ["0"] if claim.diagnoses else [],  # 0 = ICD-10-CM
        "76": [claim.attending_npi],
        "78": [f"DN {claim.certifying_npi}" if claim.certifying_npi else ""],
        "80": _wrap(claim.remarks, form.box("80").width, form.box("80").value_rows),
        "81": [f"B3 {provider.taxonomy}"] if provider.taxonomy else [],
    }
    for patient_box in PATIENT_BOXES:
        values[patient_box.box] = [patient_box_value(patient_box, claim)]
    for index, code in enumerate(claim.condition_codes[:11]):
        values[str(18 + index)] = [code]
    occurrences = [f"{oc.code:<2} {_mmddyy(oc.date)}" for oc in claim.occurrence_codes]
    values.update(_across(occurrences, ["31", "32", "33", "34"], 2))
    spans = [f"{s.code:<2} {_mmddyy(s.start)} {_mmddyy(s.end)}" for s in claim.occurrence_spans]
    values.update(_across(spans, ["35", "36"], 2))
    for box_id, amounts in _across(
        [f"{vc.code:<2}{_right(f'{vc.amount:.2f}', 11)}" for vc in claim.value_codes], ["39", "40", "41"], 4
    ).items():
        values[box_id] = amounts
    slots = 9  # 67 principal + A-H on the first row, 67 I-Q on the second
    cell = form.box("67").width // slots
    diagnoses = [code.ljust(cell) for code in claim.diagnoses[:18]]
    values["67"] = ["".join(diagnoses[:slots]).rstrip(), "".join(diagnoses[slots:]).rstrip()]
    return {key: [_fit(row, form.box(key).value_width) for row in rows] for key, rows in values.items()}


def _service_values(
    lines: list[ClaimLine], form: Layout, *, page: int, pages: int, total: Decimal | None, created: date | None
) -> dict[str, list[str]]:
    width = {box_id: form.box(box_id).width for box_id in ("42", "43", "44", "45", "46", "47", "48")}
    columns: dict[str, list[str]] = {box_id: [] for box_id in width}
    for line in lines:
        columns["42"].append(line.revenue_code)
        columns["43"].append(_fit(revenue_line_description(line, hipps_label="HH PPS"), width["43"]))
        columns["44"].append(_fit(line.hcpcs + "".join(line.modifiers), width["44"]))
        columns["45"].append(_mmddyy(line.service_date))
        columns["46"].append(_right(_units(line.units), width["46"]))
        columns["47"].append(_right(_money(line.charge), width["47"]))
        columns["48"].append(_right(_money(line.non_covered_charge), width["48"]) if line.non_covered_charge else "")
    per_page = form.service_lines_per_page
    for rows in columns.values():
        rows.extend([""] * (per_page - len(rows)))
    # line 23: revenue code 0001, page x of y and the creation date on every page; the totals on the last page
    columns["42"].append("0001" if total is not None else "")
    columns["43"].append(f"PAGE {page} OF {pages}")
    columns["45"].append(_mmddyy(created))
    columns["47"].append(_right(_money(total), width["47"]) if total is not None else "")
    return columns


def ub04_pages(claim: Claim, *, created: date | None = None) -> list[Page]:
    """The claim on as many UB-04 sheets as its lines need (22 service lines to a sheet, totals on the last)."""
    form = layout()
    header = _header_values(claim, form)
    per_page = form.service_lines_per_page
    chunks = [claim.lines[i : i + per_page] for i in range(0, len(claim.lines), per_page)] or [[]]
    total = claim.total_charge if claim.total_charge is not None else claim.computed_total()
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        last = number == len(chunks)
        service = _service_values(
            chunk, form, page=number, pages=len(chunks), total=total if last else None, created=created
        )
        pages.append(Page(number, len(chunks), {**header, **service}))
    return pages
