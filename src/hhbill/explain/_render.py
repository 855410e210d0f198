"""Text and HTML renderings of a :class:`~hhbill.explain.CodePage` (the JSON rendering is ``to_dict``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..hcpcs import _page
from ._model import CodePage

if TYPE_CHECKING:
    pass

__all__ = ["render_html", "render_sections_html", "render_text"]

_RELATION_TITLES = {
    "same_range": "Same range",
    "same_family": "Same family",
    "excludes": "Do not use with",
    "excluded_by": "Codes that say not to use them with this one",
    "cross_reference": "Cross-references",
    "cross_referenced_by": "Cross-referenced by",
    "predecessor": "Predecessors",
    "successor": "Successors",
    "billed_with": "Billed with it on a home health claim",
}


def _as_dict(page: CodePage | dict[str, Any]) -> dict[str, Any]:
    return page.to_dict() if isinstance(page, CodePage) else page


def related_groups(data: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    return _grouped_by_relation(data.get("related_codes") or [])


def _grouped_by_relation(related: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in related:
        groups.setdefault(item["relation"], []).append(item)
    return [(_RELATION_TITLES.get(relation, relation), items) for relation, items in groups.items()]


def _plain_language_lines(plain: dict[str, Any]) -> list[str]:
    return ["In plain language:", f"  {plain['text']}", f"  (source: {plain['source']})"]


def _descriptor_note_lines(note: str) -> list[str]:
    return [note]


def _also_known_as_lines(terms: list[dict[str, Any]]) -> list[str]:
    return ["Also known as:", *(f"  - {a['term']} ({a['relation']}; {a['source']})" for a in terms)]


def _rvu_lines(rvu: dict[str, Any]) -> list[str]:
    lines = ["Physician fee schedule:", f"  {rvu['summary']}"]
    if rvu.get("available"):
        status = rvu["status"] or {}
        payment = f"${rvu['national_payment']}" if rvu.get("national_payment") else "not priced"
        lines.append(f"  Status {status.get('code')}: {status.get('name')} - {status.get('meaning')}")
        lines.append(
            f"  RVUs: work {rvu['work_rvu']}, PE non-facility {rvu['pe_nonfacility_rvu']}, "
            f"PE facility {rvu['pe_facility_rvu']}, MP {rvu['mp_rvu']}; national payment {payment}"
        )
    if rvu.get("descriptor_note"):
        lines.append(f"  {rvu['descriptor_note']}")
    lines.append(f"  (source: {rvu['source']})")
    return lines


def _comparison_lines(comparisons: list[dict[str, Any]]) -> list[str]:
    return ["How it compares:", *(f"  - {c['statement']} ({c['source']})" for c in comparisons)]


def _related_code_lines(related: list[dict[str, Any]]) -> list[str]:
    lines = ["Related codes:"]
    for title, items in _grouped_by_relation(related):
        lines.append(f"  {title}:")
        lines += [f"    {i['code']:6} {i['description']} - {i['why']}" for i in items]
    return lines


def _billing_lines(notes: list[dict[str, Any]]) -> list[str]:
    return ["Billing:", *(f"  - {b['topic']}: {b['text']} ({b['citation']})" for b in notes)]


def _edit_line(edit: dict[str, Any]) -> str:
    reason = f", FISS {edit['reason_code']}" if edit.get("reason_code") else ""
    return f"  - {edit['id']} [{edit['severity']}{reason}]: {edit['why']}. {edit['meaning']} ({edit['citation']})"


def _edit_lines(edits: list[dict[str, Any]]) -> list[str]:
    return ["Scrubber edits that concern it:", *(_edit_line(e) for e in edits)]


def _faq_lines(faq: list[dict[str, Any]]) -> list[str]:
    lines = ["Questions:"]
    for item in faq:
        lines += [f"  Q: {item['question']}", f"  A: {item['answer']}", f"     ({'; '.join(item['sources'])})"]
    return lines


def _field_definition_lines(definitions: list[dict[str, Any]]) -> list[str]:
    return [
        "Field definitions (CMS record layout):",
        *(
            f"  - {d['label']} (field {d['cms_field_number']}, positions {d['positions']}): {d['definition']}"
            for d in definitions
        ),
    ]


#: the sections in page order: the page's key, and how its (non-empty) value reads as lines of text
_TEXT_SECTIONS: tuple[tuple[str, Callable[[Any], list[str]]], ...] = (
    ("plain_language", _plain_language_lines),
    ("descriptor_note", _descriptor_note_lines),
    ("also_known_as", _also_known_as_lines),
    ("rvu", _rvu_lines),
    ("comparisons", _comparison_lines),
    ("related_codes", _related_code_lines),
    ("billing", _billing_lines),
    ("edits", _edit_lines),
    ("faq", _faq_lines),
    ("field_definitions", _field_definition_lines),
)


def render_text(page: CodePage | dict[str, Any]) -> str:
    """The record page's text, then each section with its sources."""
    data = _as_dict(page)
    lines = [_page.render_text(data).rstrip("\n")]
    for key, section_lines in _TEXT_SECTIONS:
        if data.get(key):
            lines += ["", *section_lines(data[key])]
    return "\n".join(lines) + "\n"


def render_sections_html(page: CodePage | dict[str, Any]) -> str:
    """The explaining sections as an HTML fragment (the web page shows it under the record fields)."""
    data = _as_dict(page)
    return _page.template_environment().get_template("code_sections.html").render(page=data)


def render_html(page: CodePage | dict[str, Any]) -> str:
    """A standalone HTML fragment: the record fields with their CMS definitions, then the sections."""
    data = _as_dict(page)
    return _page.render_html(data) + render_sections_html(data)
