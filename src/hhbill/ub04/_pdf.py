"""The UB-04 as a PDF, drawn with ReportLab on the form's print grid.

ReportLab was chosen over WeasyPrint by measurement (``bench/ub04_pdf.py``, numbers in ``bench/RESULTS.md`` and
the reasons in ``docs/UB04.md``): it draws the same layout many times faster, its files are a fraction of the size
(the standard Courier and Helvetica fonts need no embedding), and it needs no system libraries (WeasyPrint needs
Pango).

The form is drawn in drop-out red, the values in black Courier at 10 characters per inch, as OCR readers of paper
claims expect.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from reportlab.lib.colors import Color, black, white
from reportlab.pdfgen.canvas import Canvas

from ..claims._model import Claim
from ._layout import CHAR_WIDTH_PT, LINE_HEIGHT_PT, PATIENT_BOXES, Layout, Page, layout, ub04_pages

__all__ = ["VALUE_FONT", "VALUE_FONT_SIZE", "patient_field_name", "ub04_pdf"]

#: drop-out red: the colour of the printed form, which claim scanners ignore
FORM_RED = Color(0.84, 0.14, 0.17)
VALUE_FONT = "Courier"
VALUE_FONT_SIZE = 10.0
#: Courier is 0.6 em wide; the extra spacing brings it to the grid's 1/10 inch
VALUE_CHAR_SPACE = CHAR_WIDTH_PT - 0.6 * VALUE_FONT_SIZE
LABEL_FONT = "Helvetica"
LABEL_FONT_SIZE = 5.0
#: from the top of a grid line to the baseline of a value on it
VALUE_BASELINE_PT = 9.5


def _draw_form(canvas: Canvas, form: Layout, page_height: float) -> None:
    canvas.setStrokeColor(FORM_RED)
    canvas.setFillColor(FORM_RED)
    canvas.setLineWidth(0.5)
    canvas.setFont(LABEL_FONT, LABEL_FONT_SIZE)
    for box in form.boxes:
        left, top, right, bottom = box.rect_pt()
        canvas.rect(left, page_height - bottom, right - left, bottom - top, stroke=1, fill=0)
        canvas.drawString(left + 1.0, page_height - top - LABEL_FONT_SIZE, box.label)


def _draw_values(canvas: Canvas, form: Layout, page: Page, page_height: float) -> None:
    canvas.setFillColor(black)
    for box in form.boxes:
        rows = page.values.get(box.id)
        if not rows:
            continue
        left = (box.col + box.value_col - 2) * CHAR_WIDTH_PT
        for index, row in enumerate(rows[: box.value_rows]):
            if not row.strip():
                continue
            top = (box.first_value_line - 1 + index) * LINE_HEIGHT_PT
            text = canvas.beginText(left + 0.6, page_height - top - VALUE_BASELINE_PT)
            text.setFont(VALUE_FONT, VALUE_FONT_SIZE)
            text.setCharSpace(VALUE_CHAR_SPACE)
            text.textOut(row)
            canvas.drawText(text)


#: what a fillable patient box asks for (its tooltip in a PDF viewer)
_PATIENT_BOX_HINTS = {
    "name": "last name, first name",
    "mmddyyyy": "MMDDYYYY",
}


def patient_field_name(box_id: str, sheet: int) -> str:
    """The name of a fillable patient box's form field on a sheet (unique in the document)."""
    return f"FL{box_id}_sheet{sheet}"


def _draw_patient_fields(canvas: Canvas, form: Layout, sheet: int, page_height: float) -> None:
    """The patient boxes as empty form fields, one per box, over the box's value line: a PDF viewer fills them."""
    for patient_box in PATIENT_BOXES:
        box = form.box(patient_box.box)
        left = (box.col + box.value_col - 2) * CHAR_WIDTH_PT
        top = (box.first_value_line - 1) * LINE_HEIGHT_PT
        fields = ", ".join(patient_box.fields)
        hint = _PATIENT_BOX_HINTS.get(patient_box.form, "")
        canvas.acroForm.textfield(
            name=patient_field_name(box.id, sheet),
            tooltip=f"FL {box.id} ({fields}{'; ' + hint if hint else ''})",
            value="",
            x=left + 0.5,
            y=page_height - top - LINE_HEIGHT_PT + 0.5,
            width=box.value_width * CHAR_WIDTH_PT - 1.0,
            height=LINE_HEIGHT_PT - 1.0,
            borderWidth=0,
            fillColor=white,
            textColor=black,
            fontName=VALUE_FONT,
            fontSize=VALUE_FONT_SIZE,
            maxlen=box.value_width,
        )


def ub04_pdf(claim: Claim | Sequence[Claim], *, created: date | None = None, patient_withheld: bool = False) -> bytes:
    """The claim (or each claim in turn) printed on the UB-04 form, one sheet per 22 service lines.

    ``patient_withheld``: the patient boxes (``PATIENT_BOXES``) are empty fillable form fields instead, for the
    user to complete in any PDF viewer (the web claim form keeps the patient's identity in the browser)."""
    claims = [claim] if isinstance(claim, Claim) else list(claim)
    form = layout()
    width = form.columns * CHAR_WIDTH_PT
    height = form.lines * LINE_HEIGHT_PT
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height), pageCompression=1, invariant=1)
    first = claims[0] if claims else None
    title = f"UB-04 {first.type_of_bill} {first.patient_control_number or first.claim_id}" if first else "UB-04"
    canvas.setTitle(title.strip() if len(claims) <= 1 else f"UB-04 {len(claims)} claims")
    canvas.setCreator("hhbill")
    sheet = 0
    for each in claims:
        for page in ub04_pages(each, created=created):
            sheet += 1
            _draw_form(canvas, form, height)
            _draw_values(canvas, form, page, height)
            if patient_withheld:
                _draw_patient_fields(canvas, form, sheet, height)
            canvas.showPage()
    canvas.save()
    return out.getvalue()
