"""The UB-04 as an HTML document with a print stylesheet: the same grid as the PDF, placed in inches.

Positions live in a stylesheet generated from the layout (``ub04_css``), one rule per form locator and value row,
so the page needs no inline styles (the web UI's content security policy forbids them). A standalone document
(``hhbill claim build --format html``) carries the stylesheet inside it.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..claims._model import Claim
from ._layout import PATIENT_BOXES, layout, ub04_pages

__all__ = ["ub04_css", "ub04_html"]

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: grid steps in inches (10 characters and 6 lines to the inch)
_COLUMN_IN = 0.1
_LINE_IN = 1 / 6
#: from the top of a grid line to the top of a 10-point value, centring it on the line
_VALUE_TOP_IN = 0.02
_VALUE_LEFT_IN = 0.01

_BASE_CSS = """\
@page { size: %(width)sin %(height)sin; margin: 0; }
body.ub04-page { margin: 0; font-family: Helvetica, Arial, sans-serif; background: #eee; }
.ub04-page .toolbar { padding: .5rem 1rem; background: #fff; border-bottom: 1px solid #ccc; }
.ub04-page .sheet { position: relative; width: %(width)sin; height: %(height)sin; margin: 1rem auto;
  background: #fff; box-shadow: 0 0 4px #999; page-break-after: always; overflow: hidden; }
.ub04-page .box { position: absolute; box-sizing: border-box; border: 0.5pt solid #d6232b; }
.ub04-page .label { position: absolute; left: 1pt; top: 0; font-size: 5pt; line-height: 5pt; color: #d6232b;
  white-space: nowrap; }
.ub04-page .value { position: absolute; font-family: "Courier New", Courier, monospace; font-size: 10pt;
  line-height: 1; letter-spacing: 1.2pt; white-space: pre; color: #000; }
@media print {
  body.ub04-page { background: #fff; }
  .ub04-page .toolbar { display: none; }
  .ub04-page .sheet { margin: 0; box-shadow: none; }
  .ub04-page .sheet:last-child { page-break-after: auto; }
}
"""


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=select_autoescape(["html"]))


def _inches(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


@cache
def ub04_css() -> str:
    """The form's stylesheet: page and box styles, then each box's place and each value row's line."""
    form = layout()
    rules = [_BASE_CSS % {"width": _inches(form.columns * _COLUMN_IN), "height": _inches(form.lines * _LINE_IN)}]
    for box in form.boxes:
        selector = f".ub04-page .fl-{box.id}"
        left, top = _inches((box.col - 1) * _COLUMN_IN), _inches((box.line - 1) * _LINE_IN)
        width, height = _inches(box.width * _COLUMN_IN), _inches(box.height * _LINE_IN)
        rules.append(f"{selector}.box {{ left: {left}in; top: {top}in; width: {width}in; height: {height}in; }}")
        rules.append(
            f"{selector}.value {{ left: {_inches((box.col + box.value_col - 2) * _COLUMN_IN + _VALUE_LEFT_IN)}in; }}"
        )
        for row in range(box.value_rows):
            row_top = (box.first_value_line - 1 + row) * _LINE_IN + _VALUE_TOP_IN
            rules.append(f"{selector}.value.r{row} {{ top: {_inches(row_top)}in; }}")
    return "\n".join(rules) + "\n"


def ub04_html(
    claim: Claim,
    *,
    created: date | None = None,
    pdf_href: str | None = None,
    stylesheet_href: str | None = None,
    script_href: str | None = None,
    patient_withheld: bool = False,
    patient_script_href: str | None = None,
) -> str:
    """The claim on the UB-04 form as a printable HTML page.

    ``pdf_href``: a link to the same claim as PDF; ``stylesheet_href``: where ``ub04_css()`` is served (None: the
    stylesheet goes inside the page); ``script_href``: a script that makes the Print button work.
    ``patient_withheld``: the patient boxes are left empty, marked with the claim input fields they show
    (``data-patient-field``), for ``patient_script_href`` to fill in the browser from the user's draft."""
    form = layout()
    withheld = {p.box: p for p in PATIENT_BOXES} if patient_withheld else {}
    pages: list[dict[str, Any]] = []
    for page in ub04_pages(claim, created=created):
        cells = []
        for box in form.boxes:
            if box.id in withheld:
                patient_box = withheld[box.id]
                cells.append({"box": box.id, "row": 0, "text": "", "fields": " ".join(patient_box.fields),
                              "form": patient_box.form, "width": box.value_width})  # fmt: skip
                continue
            for index, row in enumerate(page.values.get(box.id, [])[: box.value_rows]):
                if row.strip():
                    cells.append({"box": box.id, "row": index, "text": row})
        pages.append({"number": page.number, "of": page.of, "cells": cells})
    return (
        _environment()
        .get_template("ub04.html")
        .render(
            claim=claim,
            boxes=form.boxes,
            pages=pages,
            pdf_href=pdf_href,
            stylesheet_href=stylesheet_href,
            stylesheet=ub04_css() if stylesheet_href is None else "",
            script_href=script_href,
            patient_script_href=patient_script_href if patient_withheld else None,
        )
    )
