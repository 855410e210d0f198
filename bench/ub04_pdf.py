"""UB-04 PDF: which library draws the form. The same claim (the shipped example, then a 3-sheet claim) is turned
into a PDF by ReportLab (drawing the layout) and by WeasyPrint (printing the HTML form), best of 5; we record time
and file size. WeasyPrint is not a dependency: it is measured when installed (it also needs Pango)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from _common import REPO, best_of, write_section
from hhbill.claims import build_claim, parse_claim_input
from hhbill.claims._model import Claim
from hhbill.ub04 import ub04_html, ub04_pdf

CREATED = date(2026, 4, 1)


def _claims() -> dict[str, Claim]:
    period = parse_claim_input(json.loads((REPO / "src/hhbill/static/example_period.json").read_text()))
    small = build_claim(period)  # type: ignore[arg-type]
    large = build_claim(period)  # type: ignore[arg-type]
    visit = large.lines[1]
    large.lines = large.lines + [
        replace(visit, service_date=date(2026, 3, 2) + timedelta(days=i % 29), charge=Decimal(100)) for i in range(55)
    ]
    return {f"example ({len(small.lines)} lines, 1 sheet)": small, f"long ({len(large.lines)} lines, 3 sheets)": large}


def main() -> None:
    try:
        import weasyprint
    except (ImportError, OSError):
        weasyprint = None
    rows = []
    for name, claim in _claims().items():
        reportlab_pdf = ub04_pdf(claim, created=CREATED)
        reportlab_s = best_of(lambda c=claim: ub04_pdf(c, created=CREATED), 5)
        html = ub04_html(claim, created=CREATED)
        html_s = best_of(lambda c=claim: ub04_html(c, created=CREATED), 5)
        if weasyprint is not None:
            weasy_pdf = weasyprint.HTML(string=html).write_pdf()
            weasy_s = best_of(lambda h=html: weasyprint.HTML(string=h).write_pdf(), 5)
            weasy = f"{weasy_s * 1000:.0f} ms | {len(weasy_pdf) / 1024:.1f} KiB | {weasy_s / reportlab_s:.0f}×"
        else:
            weasy = "not installed | - | -"
        rows.append(
            f"| {name} | {reportlab_s * 1000:.1f} ms | {len(reportlab_pdf) / 1024:.1f} KiB | {html_s * 1000:.1f} ms "
            f"| {weasy} |"
        )
    body = "\n".join(
        [
            "## UB-04 PDF: ReportLab or WeasyPrint (`bench/ub04_pdf.py`)",
            "",
            "The same claim on the UB-04 layout, best of 5. ReportLab draws the layout; WeasyPrint prints the HTML",
            "form, made beforehand in the time of the 'HTML form' column (not included in its own time).",
            "",
            "| claim | ReportLab | size | HTML form | WeasyPrint | size | WeasyPrint / ReportLab |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "Chosen: ReportLab (faster by the ratio above, smaller files, no system libraries); see docs/UB04.md.",
        ]
    )
    print(body)
    write_section("ub04_pdf", body)


if __name__ == "__main__":
    main()
