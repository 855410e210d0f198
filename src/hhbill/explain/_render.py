"""Text and HTML renderings of a :class:`~hhbill.explain.CodePage` (the JSON rendering is ``to_dict``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..hcpcs import _page
from ._model import CodePage

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = ["render_html", "render_sections_html", "render_text"]

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
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
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in data.get("related_codes") or []:
        groups.setdefault(item["relation"], []).append(item)
    return [(_RELATION_TITLES.get(relation, relation), items) for relation, items in groups.items()]


def render_text(page: CodePage | dict[str, Any]) -> str:
    """The record page's text, then each section with its sources."""
    data = _as_dict(page)
    lines = [_page.render_text(data).rstrip("\n")]
    plain = data.get("plain_language")
    if plain:
        lines += ["", "In plain language:", f"  {plain['text']}", f"  (source: {plain['source']})"]
    if data.get("descriptor_note"):
        lines += ["", data["descriptor_note"]]
    if data.get("also_known_as"):
        lines += ["", "Also known as:"]
        lines += [f"  - {a['term']} ({a['relation']}; {a['source']})" for a in data["also_known_as"]]
    rvu = data.get("rvu")
    if rvu:
        lines += ["", "Physician fee schedule:", f"  {rvu['summary']}"]
        if rvu.get("available"):
            status = rvu["status"] or {}
            lines.append(f"  Status {status.get('code')}: {status.get('name')} - {status.get('meaning')}")
            lines.append(
                f"  RVUs: work {rvu['work_rvu']}, PE non-facility {rvu['pe_nonfacility_rvu']}, "
                f"PE facility {rvu['pe_facility_rvu']}, MP {rvu['mp_rvu']}; national payment "
                f"{'$' + rvu['national_payment'] if rvu.get('national_payment') else 'not priced'}"
            )
        if rvu.get("descriptor_note"):
            lines.append(f"  {rvu['descriptor_note']}")
        lines.append(f"  (source: {rvu['source']})")
    if data.get("comparisons"):
        lines += ["", "How it compares:"]
        lines += [f"  - {c['statement']} ({c['source']})" for c in data["comparisons"]]
    if data.get("related_codes"):
        lines += ["", "Related codes:"]
        for title, items in related_groups(data):
            lines.append(f"  {title}:")
            lines += [f"    {i['code']:6} {i['description']} - {i['why']}" for i in items]
    if data.get("billing"):
        lines += ["", "Billing:"]
        lines += [f"  - {b['topic']}: {b['text']} ({b['citation']})" for b in data["billing"]]
    if data.get("edits"):
        lines += ["", "Scrubber edits that concern it:"]
        for e in data["edits"]:
            reason = f", FISS {e['reason_code']}" if e.get("reason_code") else ""
            lines.append(f"  - {e['id']} [{e['severity']}{reason}]: {e['why']}. {e['meaning']} ({e['citation']})")
    if data.get("faq"):
        lines += ["", "Questions:"]
        for item in data["faq"]:
            lines += [f"  Q: {item['question']}", f"  A: {item['answer']}", f"     ({'; '.join(item['sources'])})"]
    if data.get("field_definitions"):
        lines += ["", "Field definitions (CMS record layout):"]
        lines += [
            f"  - {d['label']} (field {d['cms_field_number']}, positions {d['positions']}): {d['definition']}"
            for d in data["field_definitions"]
        ]
    return "\n".join(lines) + "\n"


@cache
def _environment() -> Environment:
    # imported here: the text and JSON pages (the CLI's usual output) need no template engine
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_sections_html(page: CodePage | dict[str, Any]) -> str:
    """The explaining sections as an HTML fragment (the web page shows it under the record fields)."""
    data = _as_dict(page)
    return _environment().get_template("code_sections.html").render(page=data)


def render_html(page: CodePage | dict[str, Any]) -> str:
    """A standalone HTML fragment: the record fields with their CMS definitions, then the sections."""
    data = _as_dict(page)
    return _page.render_html(data) + render_sections_html(data)
