"""The UB-04 as an HTML document with a print stylesheet: the same grid as the PDF, placed in inches."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..claims._model import Claim
from ._layout import layout, ub04_pages

__all__ = ["ub04_html"]

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: grid steps in inches (10 characters and 6 lines to the inch)
_COLUMN_IN = 0.1
_LINE_IN = 1 / 6
#: from the top of a grid line to the top of a 10-point value, centring it on the line
_VALUE_TOP_IN = 0.03


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=select_autoescape(["html"]))


def _inches(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def ub04_html(claim: Claim, *, created: date | None = None, pdf_href: str | None = None) -> str:
    """The claim on the UB-04 form as a printable HTML page (``pdf_href``: a link to the same claim as PDF)."""
    form = layout()
    boxes = [
        {
            "id": box.id,
            "label": box.label,
            "left": _inches((box.col - 1) * _COLUMN_IN),
            "top": _inches((box.line - 1) * _LINE_IN),
            "width": _inches(box.width * _COLUMN_IN),
            "height": _inches(box.height * _LINE_IN),
        }
        for box in form.boxes
    ]
    pages: list[dict[str, Any]] = []
    for page in ub04_pages(claim, created=created):
        cells = []
        for box in form.boxes:
            for index, row in enumerate(page.values.get(box.id, [])[: box.value_rows]):
                if row.strip():
                    cells.append(
                        {
                            "box": box.id,
                            "text": row,
                            "left": _inches((box.col + box.value_col - 2) * _COLUMN_IN + 0.01),
                            "top": _inches((box.first_value_line - 1 + index) * _LINE_IN + _VALUE_TOP_IN),
                        }
                    )
        pages.append({"number": page.number, "of": page.of, "cells": cells})
    return (
        _environment()
        .get_template("ub04.html")
        .render(
            claim=claim,
            boxes=boxes,
            pages=pages,
            pdf_href=pdf_href,
            page_width_in=_inches(form.columns * _COLUMN_IN),
            page_height_in=_inches(form.lines * _LINE_IN),
        )
    )
