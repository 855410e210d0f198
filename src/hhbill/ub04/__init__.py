"""The UB-04 (Form CMS-1450) on paper: a built claim laid out by form locator, as HTML to print and as a PDF.

    ub04_pages(claim)  -> the value of every form locator, sheet by sheet (the layout is data: data/ub04_layout.json)
    ub04_html(claim)   -> a printable HTML page
    ub04_pdf(claim)    -> PDF bytes

See docs/UB04.md for the layout, what goes in each form locator and why the PDF is drawn with ReportLab.
"""

from ._html import ub04_css, ub04_html
from ._layout import Box, Layout, Page, layout, ub04_pages
from ._pdf import ub04_pdf

__all__ = ["Box", "Layout", "Page", "layout", "ub04_css", "ub04_html", "ub04_pages", "ub04_pdf"]
