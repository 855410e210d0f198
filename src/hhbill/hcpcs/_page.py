"""The decoded code page: one HCPCS record with every field's value and its CMS meaning.

One view, three renderings: :func:`build_code_page` makes the page object (which *is* the JSON rendering),
:func:`render_text` and :func:`render_html` print it. Both renderers walk the same :func:`page_rows`, so the text
and HTML pages always carry the same fields. Meanings come from our value tables only; a value not in them is
shown as :data:`~hhbill.hcpcs._values.UNKNOWN_MEANING`, never guessed. Descriptors are public HCPCS text; a
code page never holds patient data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hhbill.hcpcs._exclusions import Exclusion, exclusions_in
from hhbill.hcpcs._record import HcpcsRecord
from hhbill.hcpcs._values import UNKNOWN_MEANING, decode, decode_all

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = ["build_code_page", "page_rows", "render_html", "render_text"]

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_TEMPLATE = "code_page_fragment.html"


def _coded(table: str, value: str) -> dict[str, Any] | None:
    decoded = decode(table, value)
    if decoded is None:
        return None
    return {"code": decoded["code"], "meaning": decoded["meaning"]}


def _coded_list(table: str, values: tuple[str, ...], *, keep: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    items = []
    for decoded in decode_all(table, values):
        item = {"code": decoded["code"], "meaning": decoded["meaning"]}
        item.update({key: decoded[key] for key in keep if key in decoded})
        items.append(item)
    return items


def _exclusion_dict(item: Exclusion | Mapping[str, Any]) -> dict[str, Any]:
    return item.to_dict() if isinstance(item, Exclusion) else dict(item)


def _derived_status(record: HcpcsRecord, release_effective: str | None) -> dict[str, Any]:
    """Active/discontinued as of the release date (not a CMS field: derived from TERM_DT and action code D)."""
    ended = record.termination_date
    if ended and (release_effective is None or ended < release_effective):
        return {"state": "discontinued", "as_of": release_effective, "reason": f"termination date {ended}"}
    if ended:
        return {"state": "active", "as_of": release_effective, "reason": f"valid through {ended}"}
    if record.action == "D":
        return {"state": "discontinued", "as_of": release_effective, "reason": "action code D (discontinue)"}
    return {"state": "active", "as_of": release_effective, "reason": "no termination date"}


def build_code_page(
    record: HcpcsRecord,
    *,
    release: Mapping[str, Any],
    note_text: str | None = None,
    exclusions: Iterable[Exclusion | Mapping[str, Any]] | None = None,
    history: list[Any] | None = None,
    other_meanings: list[Any] | None = None,
    status: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The decoded page of ``record`` as it stands in ``release`` ({label, effective_date, ...}).

    ``exclusions`` defaults to the "do not use with" restrictions parsed from the long description;
    ``status`` defaults to active/discontinued derived from the termination date against the release date.
    ``history`` and ``other_meanings`` are passed through from the caller (release history, other code sets).
    """
    release_effective = release.get("effective_date")
    if exclusions is None:
        exclusions = exclusions_in(record.long_description)
    mog_group = _coded("mog_payment_group", record.mog_group)
    asc_group = _coded("asc_payment_group", record.asc_group)
    return {
        "code": record.code,
        "kind": record.kind,
        "release": {"label": release.get("label"), "effective_date": release_effective},
        "sequence": record.sequence or None,
        "long_description": record.long_description,
        "short_description": record.short_description,
        "pricing_indicators": _coded_list("pricing_indicator", record.pricing_indicators, keep=("group",)),
        "multiple_pricing_indicator": _coded("multiple_pricing_indicator", record.multiple_pricing_indicator),
        "coverage": _coded("coverage", record.coverage),
        "betos": _coded("betos", record.betos),
        "type_of_service": _coded_list("type_of_service", record.types_of_service),
        "lab_certifications": _coded_list("lab_certification", record.lab_certifications),
        "asc": {
            "group": asc_group["code"] if asc_group else None,
            "meaning": asc_group["meaning"] if asc_group else None,
            "effective_date": record.asc_effective_date,
        },
        "opps": {
            "group": mog_group["code"] if mog_group else None,
            "meaning": mog_group["meaning"] if mog_group else None,
            "policy_indicator": _coded("mog_payment_policy_indicator", record.mog_policy_indicator),
            "effective_date": record.mog_effective_date,
        },
        "cross_references": list(record.cross_references),
        "statute": record.statute or None,
        "cim_references": list(record.cim_references),
        "mcm_references": list(record.mcm_references),
        "anesthesia_base_units": record.anesthesia_base_units,
        "added_date": record.added_date,
        "action_effective_date": record.action_effective_date,
        "termination_date": record.termination_date,
        "action": _coded("action", record.action),
        "processing_note": ({"number": record.processing_note, "text": note_text} if record.processing_note else None),
        "exclusions": [_exclusion_dict(item) for item in exclusions],
        "status": dict(status) if status is not None else _derived_status(record, release_effective),
        "history": list(history) if history else [],
        "other_meanings": list(other_meanings) if other_meanings else [],
    }


def _row(label: str, value: Any, meaning: str | None = None, *, coded: bool = False) -> dict[str, Any]:
    """One displayed field. ``coded`` rows with a value but no meaning are shown as unknown, not left bare."""
    text = "" if value is None else str(value)
    unknown = coded and bool(text) and meaning is None
    return {"label": label, "value": text, "meaning": UNKNOWN_MEANING if unknown else meaning, "unknown": unknown}


#: displayed label (without a "#n" suffix) -> record field, to find each row's CMS definition
_ROW_FIELDS = {
    "HCPCS code": "code",
    "Modifier": "modifier",
    "Long description": "long_description",
    "Short description": "short_description",
    "Pricing indicator": "pricing_indicators",
    "Multiple pricing indicator": "multiple_pricing_indicator",
    "Coverage Issues Manual reference": "cim_references",
    "Medicare Carriers Manual reference": "mcm_references",
    "Statute number": "statute",
    "Lab certification": "lab_certifications",
    "Cross-reference codes": "cross_references",
    "Coverage code": "coverage",
    "ASC payment group": "asc_group",
    "ASC payment group effective date": "asc_effective_date",
    "MOG payment group": "mog_group",
    "MOG payment policy indicator": "mog_policy_indicator",
    "MOG effective date": "mog_effective_date",
    "Processing note": "processing_note",
    "Berenson-Eggers type of service (BETOS)": "betos",
    "Type of service": "types_of_service",
    "Anesthesia base units": "anesthesia_base_units",
    "Code added date": "added_date",
    "Action effective date": "action_effective_date",
    "Termination date": "termination_date",
    "Action code": "action",
}


def _with_definitions(rows: list[dict[str, Any]], page: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each row with ``definition``: the CMS record layout's definition of its field, when the page carries them
    (``field_definitions``, added by the explaining code page)."""
    definitions = {d["field"]: d["definition"] for d in page.get("field_definitions") or [] if isinstance(d, Mapping)}
    for row in rows:
        field = _ROW_FIELDS.get(row["label"].split(" #")[0])
        row["definition"] = definitions.get(field) if field else None
    return rows


def _coded_row(label: str, item: Mapping[str, Any] | None) -> dict[str, Any]:
    if item is None:
        return _row(label, None)
    return _row(label, item["code"], item.get("meaning"), coded=True)


def _repeated_rows(label: str, items: list[Mapping[str, Any]], *, group: bool = False) -> list[dict[str, Any]]:
    if not items:
        return [_row(label, None)]
    rows = []
    for number, item in enumerate(items, start=1):
        meaning = item.get("meaning")
        if group and meaning and item.get("group"):
            meaning = f"{meaning}. {item['group']}."
        rows.append(_row(f"{label} #{number}", item["code"], meaning, coded=True))
    return rows


def page_rows(page: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every field of the page as {label, value, meaning, unknown}, in CMS layout order (blank fields included)."""
    note = page.get("processing_note")
    asc, opps = page["asc"], page["opps"]
    if page.get("hcpcs_record") is False:
        # a CPT code's page (from the fee schedule): no HCPCS Level II record, so no record fields to show
        return [_row("HCPCS code" if page["kind"] == "procedure" else "Modifier", page["code"])]
    return _with_definitions(
        [
            _row("HCPCS code" if page["kind"] == "procedure" else "Modifier", page["code"]),
            _row("Kind", page["kind"]),
            _row("Long description", page["long_description"]),
            _row("Short description", page["short_description"]),
            *_repeated_rows("Pricing indicator", page["pricing_indicators"], group=True),
            _coded_row("Multiple pricing indicator", page["multiple_pricing_indicator"]),
            _row("Coverage Issues Manual reference", ", ".join(page["cim_references"])),
            _row("Medicare Carriers Manual reference", ", ".join(page["mcm_references"])),
            _row("Statute number", page["statute"]),
            *_repeated_rows("Lab certification", page["lab_certifications"]),
            _row("Cross-reference codes", ", ".join(page["cross_references"])),
            _coded_row("Coverage code", page["coverage"]),
            _row("ASC payment group", asc["group"], asc["meaning"], coded=True),
            _row("ASC payment group effective date", asc["effective_date"]),
            _row("MOG payment group", opps["group"], opps["meaning"], coded=True),
            _coded_row("MOG payment policy indicator", opps["policy_indicator"]),
            _row("MOG effective date", opps["effective_date"]),
            _row("Processing note", note["number"] if note else None, note["text"] if note else None),
            _coded_row("Berenson-Eggers type of service (BETOS)", page["betos"]),
            *_repeated_rows("Type of service", page["type_of_service"]),
            _row("Anesthesia base units", page["anesthesia_base_units"]),
            _row("Code added date", page["added_date"]),
            _row("Action effective date", page["action_effective_date"]),
            _row("Termination date", page["termination_date"]),
            _coded_row("Action code", page["action"]),
        ],
        page,
    )


def _describe_status(item: Mapping[str, Any]) -> str:
    """The status shape build_code_page derives: state, as of when, why, then any other facts."""
    rest = {key: value for key, value in item.items() if key not in ("state", "as_of", "reason")}
    text = str(item["state"]) + (f" as of {item['as_of']}" if item.get("as_of") else "")
    text += f" ({item['reason']})" if item.get("reason") else ""
    return "; ".join([text, *(f"{key}: {value}" for key, value in rest.items() if value not in (None, ""))])


def _describe_history_event(item: Mapping[str, Any]) -> str:
    """A history event from HcpcsReference.history: the release, the change, and the fields it changed."""
    release = item["release"]
    text = f"{release.get('effective_date')} {release.get('label')}: {str(item['change']).replace('_', ' ')}"
    changes = [f"{c['field']} {c['old']!r} -> {c['new']!r}" for c in item.get("fields") or []]
    return text + (f" ({'; '.join(changes)})" if changes else "")


def _describe_meaning(item: Mapping[str, Any]) -> str:
    """A meaning from HcpcsReference.meanings: the dates it held, and whether the code was reused."""
    first, last = item["first_release"], item["last_release"]
    reused = " [code reused for a different meaning]" if item.get("reused") else ""
    return f"{first.get('effective_date')} to {last.get('effective_date')}: {item['long_description']}{reused}"


def _describe_other(item: Mapping[str, Any]) -> str:
    return "; ".join(f"{key}: {value}" for key, value in item.items() if value not in (None, "", [], {}))


#: (does the entry have this shape?, how to describe it), tried in order; the last matches every mapping
_DESCRIBERS: tuple[tuple[Callable[[Mapping[str, Any]], bool], Callable[[Mapping[str, Any]], str]], ...] = (
    (lambda item: bool(item.get("state")), _describe_status),
    (lambda item: "change" in item and isinstance(item.get("release"), Mapping), _describe_history_event),
    (lambda item: "first_release" in item, _describe_meaning),
    (lambda item: True, _describe_other),
)


def _describe(item: Any) -> str:
    """One history/other-meaning/status entry as a line of text (entries come from other modules as dicts)."""
    if not isinstance(item, Mapping):
        return str(item)
    return next(describe(item) for matches, describe in _DESCRIBERS if matches(item))


def _exclusion_line(item: Mapping[str, Any]) -> str:
    parts = []
    if item.get("codes"):
        parts.append(", ".join(item["codes"]))
    if item.get("category_phrase") or item.get("category"):
        parts.append(str(item.get("category_phrase") or item.get("category")))
    target = " and ".join(parts) if parts else "(no codes named)"
    phrase = item.get("phrase")
    return target + (f' ("{phrase}")' if phrase else "")


def render_text(page: Mapping[str, Any]) -> str:
    """Plain-text page: a title, then label / value / meaning per line, then the optional sections."""
    release = page.get("release") or {}
    lines = [f"{page['code']}  {page['short_description']}"]
    if release.get("label") or release.get("effective_date"):
        lines.append(f"Release: {release.get('label') or ''} (effective {release.get('effective_date') or 'unknown'})")
    lines.append("")
    width = max(len(row["label"]) for row in page_rows(page))
    for row in page_rows(page):
        value = row["value"] if row["value"] else "(blank)"
        meaning = f" - {row['meaning']}" if row["meaning"] else ""
        lines.append(f"{row['label'] + ':':<{width + 1}} {value}{meaning}")
    status = page.get("status")
    if status:
        lines += ["", f"Status: {_describe(status)}"]
    sections = (
        ("Do not use with", [_exclusion_line(item) for item in page.get("exclusions") or []]),
        ("History", [_describe(item) for item in page.get("history") or []]),
        ("Other meanings", [_describe(item) for item in page.get("other_meanings") or []]),
    )
    for title, entries in sections:
        if entries:
            lines += ["", f"{title}:"] + [f"  - {entry}" for entry in entries]
    return "\n".join(lines) + "\n"


@cache
def template_environment() -> Environment:
    """The template engine over hhbill's templates, for the code page and its sections (made on first use: text
    and JSON pages, the CLI's usual output, need no template engine)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(page: Mapping[str, Any]) -> str:
    """A standalone, accessible HTML fragment (an <article> with a definition list of every field)."""
    template = template_environment().get_template(_TEMPLATE)
    return template.render(
        page=page,
        rows=page_rows(page),
        exclusions=[_exclusion_line(item) for item in page.get("exclusions") or []],
        status=_describe(page["status"]) if page.get("status") else None,
        history=[_describe(item) for item in page.get("history") or []],
        other_meanings=[_describe(item) for item in page.get("other_meanings") or []],
    )
