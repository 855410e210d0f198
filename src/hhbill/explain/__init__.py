"""Code pages that explain a code: the decoded HCPCS record plus lay names, plain language, field definitions,
the fee schedule entry, comparisons over the release, related codes, billing notes, scrubber edits and a FAQ.

This is application-level composition: it reads the HCPCS reference (:mod:`hhbill.hcpcs`), the fee schedule
(:mod:`hhbill.rvu`), the search vocabulary (:mod:`hhbill.search`) and the claims rule data and edit catalog
(:mod:`hhbill.claims`), none of which import one another for it. Every statement names its source.

    page = explain_code(store, "G0320")        # CodePage
    page.to_dict(); render_text(page); render_html(page)
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .. import hcpcs, rvu
from .._errors import HhbillError, NotFoundError
from .._store import Store
from ..hcpcs import HcpcsRecord, HcpcsReference
from ..rvu._indicators import quarter_month
from ._facts import ReleaseFacts, pfs_release_for, release_facts
from ._model import (
    AlsoKnownAs,
    BillingNote,
    CodePage,
    Comparison,
    EditConcern,
    FaqItem,
    FieldDefinition,
    PlainLanguage,
    RelatedCode,
    Rewrite,
    RvuSection,
)
from ._render import render_html, render_text
from ._rules import claim_rules
from ._sections import (
    also_known_as,
    billing_notes,
    comparisons,
    edit_concerns,
    faq,
    field_definitions,
    plain_language,
    related_codes,
)

__all__ = [
    "SECTIONS",
    "AlsoKnownAs",
    "BillingNote",
    "CodePage",
    "Comparison",
    "EditConcern",
    "FaqItem",
    "FieldDefinition",
    "PlainLanguage",
    "RelatedCode",
    "Rewrite",
    "RvuSection",
    "explain_code",
    "render_html",
    "render_text",
    "warm_up",
]

#: the keys a code page adds to the decoded record page
SECTIONS = (
    "also_known_as",
    "plain_language",
    "field_definitions",
    "rvu",
    "comparisons",
    "related_codes",
    "billing",
    "edits",
    "faq",
)
_CPT_SHAPE = re.compile(r"^(?:\d{5}|\d{4}[A-Z])$")
IMPORT_HINT = "hhbill rvu-import PATH"
CPT_DESCRIPTOR_NOTE = (
    "CPT descriptors are AMA copyright and are not shipped with hhbill: the descriptor appears once the CMS "
    f"relative value file is imported (`{IMPORT_HINT}`)."
)


def _price(store: Store, code: str, year: int | None) -> rvu.PriceResult:
    """The national fee schedule entry of the page's year, or of the latest loaded year when that one is not."""
    try:
        return rvu.price(store, code, year=year)
    except NotFoundError as exc:
        if exc.location.get("kind") == "pprrvu" and exc.location.get("year") == year:
            return rvu.price(store, code)
        raise


def _rvu_section(store: Store, code: str, year: int | None, facts: ReleaseFacts | None = None) -> RvuSection:
    """The fee schedule entry: decoded status, RVUs and the national payment (present on a fresh install).
    ``facts`` (of the page's release) says without a query when the code has no row in the file."""
    try:
        if facts is not None and facts.pfs_release and code not in facts.pfs_codes:
            raise NotFoundError(f"{code} is not in the {facts.pfs_release} relative value file", code=code)
        result = _price(store, code, year)
    except HhbillError as exc:
        if facts is not None:
            label = facts.pfs_release
        else:
            release = pfs_release_for(store, year)
            label = release.label if release else None
        return RvuSection(
            available=False,
            release=label,
            status=None,
            work_rvu=None,
            pe_nonfacility_rvu=None,
            pe_facility_rvu=None,
            mp_rvu=None,
            national_payment=None,
            priced=False,
            not_priced_reason=None,
            descriptor_note=None,
            summary=f"No fee schedule entry: {exc.message}",
            source=f"CMS PFS relative value file {label}" if label else "CMS PFS relative value file",
        )
    source = f"CMS PFS relative value file {result.release} (national, conversion factor {result.conversion_factor})"
    if result.priced:
        summary = f"Work RVU {result.work_rvu}; national non-facility payment ${result.payment} ({result.release})."
    else:
        summary = (
            f"Work RVU {result.work_rvu}: not priced under the physician fee schedule "
            f"(status {result.status}, {result.status_name or 'status not in our table'})."
        )
    note = CPT_DESCRIPTOR_NOTE if not result.description and _CPT_SHAPE.match(code) else None
    return RvuSection(
        available=True,
        release=result.release,
        status={"code": result.status, "name": result.status_name, "meaning": result.status_meaning},
        work_rvu=str(result.work_rvu),
        pe_nonfacility_rvu=str(result.pe_nonfacility_rvu),
        pe_facility_rvu=str(result.pe_facility_rvu),
        mp_rvu=str(result.mp_rvu),
        national_payment=str(result.payment) if result.payment is not None else None,
        priced=result.priced,
        not_priced_reason=result.not_priced_reason,
        descriptor_note=note,
        summary=summary,
        source=source,
        fee_schedule=result.to_dict(),
    )


def explain_code(store: Store | HcpcsReference, code: str, as_of: date | None = None) -> CodePage:
    """The full code page of ``code`` as of a date (default today). Raises NotFoundError when the code did not
    exist on that date (a CPT code is answered from the fee schedule alone)."""
    reference = store if isinstance(store, HcpcsReference) else HcpcsReference(store)
    day = as_of or date.today()
    wanted = hcpcs.normalise_code(code)
    if _CPT_SHAPE.match(wanted):
        return _cpt_page(reference, wanted, day)
    record_page = hcpcs.code_page(reference, wanted, day)
    release = reference.release_on(day)  # the release code_page looked the code up in
    assert release is not None  # code_page raised otherwise
    facts = release_facts(reference, release, day.year)
    return _compose(reference.store, facts.records[record_page["code"]], record_page, facts, day)


def warm_up(store: Store | HcpcsReference, as_of: date | None = None) -> None:
    """Compute the facts of the release in force (and load the shipped fee schedule if nothing was imported), so
    the first code page a server shows is as quick as the next ones. Nothing happens without a release."""
    reference = store if isinstance(store, HcpcsReference) else HcpcsReference(store)
    day = as_of or date.today()
    release = reference.release_on(day)
    if release is not None:
        release_facts(reference, release, day.year)


def _compose(
    store: Store, record: HcpcsRecord, record_page: dict[str, Any], facts: ReleaseFacts, day: date
) -> CodePage:
    rules = claim_rules()
    history = [e for e in record_page.get("history") or [] if isinstance(e, dict)]
    meanings = [m for m in record_page.get("other_meanings") or [] if isinstance(m, dict)]
    rvu_section = _rvu_section(store, record.code, day.year, facts)
    plain = plain_language(record, facts, rules)
    note = record_page.get("processing_note")
    billing = billing_notes(record, facts, rules, rvu_section, note.get("text") if isinstance(note, dict) else None)
    definitions = field_definitions(record.kind)
    return CodePage(
        record=record_page,
        also_known_as=also_known_as(record),
        plain_language=plain,
        field_definitions=definitions,
        rvu=rvu_section,
        comparisons=comparisons(record, facts, history),
        related_codes=related_codes(record, facts, rules, meanings),
        billing=billing,
        edits=edit_concerns(record, facts, rules),
        faq=faq(record, plain, billing, rvu_section, rules),
    )


def _cpt_page(reference: HcpcsReference, code: str, day: date) -> CodePage:
    """A CPT (Level I) code: HCPCS Level II files do not hold it; the fee schedule does (numbers only)."""
    store = reference.store
    section = _rvu_section(store, code, day.year)
    if not section.available:
        raise NotFoundError(
            f"{code} is a CPT code: it is in no HCPCS Level II release and not in the loaded fee schedule "
            f"({section.summary})",
            code=code,
        )
    description = (section.fee_schedule or {}).get("description") or ""
    pfs = pfs_release_for(store, day.year)
    effective = f"{pfs.year}-{quarter_month(pfs.quarter):02d}-01" if pfs is not None else None
    record_page: dict[str, Any] = {
        "code": code,
        "kind": "procedure",
        "hcpcs_record": False,
        "release": {"label": section.release, "effective_date": effective},
        "sequence": None,
        "long_description": description,
        "short_description": description,
        "descriptor_note": None if description else CPT_DESCRIPTOR_NOTE,
        "pricing_indicators": [],
        "multiple_pricing_indicator": None,
        "coverage": None,
        "betos": None,
        "type_of_service": [],
        "lab_certifications": [],
        "asc": {"group": None, "meaning": None, "effective_date": None},
        "opps": {"group": None, "meaning": None, "policy_indicator": None, "effective_date": None},
        "cross_references": [],
        "statute": None,
        "cim_references": [],
        "mcm_references": [],
        "anesthesia_base_units": None,
        "added_date": None,
        "action_effective_date": None,
        "termination_date": None,
        "action": None,
        "processing_note": None,
        "exclusions": [],
        "status": {"state": "in the fee schedule", "as_of": day.isoformat(), "reason": section.release},
        "history": [],
        "other_meanings": [],
        "as_of": day.isoformat(),
    }
    kind = "a CPT (Level I) code, priced under the Medicare physician fee schedule"
    text = f"{description}: {kind}." if description else f"{code} is {kind}; its descriptor is not shipped."
    plain = PlainLanguage(text, [], section.source)
    rvu_note = BillingNote("physician fee schedule", section.summary, section.source)
    return CodePage(
        record=record_page,
        also_known_as=[],
        plain_language=plain,
        field_definitions=[],
        rvu=section,
        comparisons=[],
        related_codes=[],
        billing=[rvu_note],
        edits=[],
        faq=[
            FaqItem(f"What is {code}?", plain.text, [section.source]),
            FaqItem(f"Is {code} paid separately?", section.summary, [section.source]),
        ],
    )
