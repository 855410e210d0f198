"""Documentation that cannot drift: docs/EDITS.md is generated from the catalog; the JSON Schema matches the parser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claims_scenarios.support import NOA, PERIOD, SCENARIOS, THERAPY
from hhbill.claims import edit_catalog
from hhbill.claims._data import load_json
from hhbill.claims._input import _LINE_FORM_KEYS, _PERIOD_KEYS, VISIT_CSV_COLUMNS
from hhbill.claims.docs import edits_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_edits_md_is_current() -> None:
    committed = (DOCS / "EDITS.md").read_text(encoding="utf-8")
    assert committed == edits_markdown(), "docs/EDITS.md is stale: run `python -m hhbill.claims.docs > docs/EDITS.md`"


def test_edits_md_lists_every_edit_with_its_reason_code() -> None:
    text = edits_markdown()
    for spec in edit_catalog().edits:
        assert f"`{spec.id}`" in text
        if spec.reason_code:
            assert spec.reason_code in text


def test_every_rule_file_names_its_sources() -> None:
    for name in (
        "disciplines.json",
        "visit_units.json",
        "type_of_bill.json",
        "site_of_service.json",
        "telehealth.json",
        "therapy_codes.json",
        "late_noa_exceptions.json",
        "overlap_reason_codes.json",
        "claim_change_reasons.json",
    ):
        assert load_json(name)["sources"], name
    for year, row in load_json("kx_thresholds.json")["years"].items():
        assert row["source"], year


def _schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DOCS / "claim-input.schema.json").read_text(encoding="utf-8"))
    return data


def test_schema_fields_are_the_parser_fields() -> None:
    period, line_form = _schema()["oneOf"]
    assert set(period["properties"]) == set(_PERIOD_KEYS)
    assert set(line_form["properties"]) == set(_LINE_FORM_KEYS)
    assert set(period["properties"]["visits"]["items"]["properties"]) == set(VISIT_CSV_COLUMNS)


def test_examples_use_only_schema_fields() -> None:
    period = _schema()["oneOf"][0]["properties"]
    inputs = [PERIOD, NOA, THERAPY] + [
        json.loads(p.read_text(encoding="utf-8"))["input"] for p in SCENARIOS.glob("*.json")
    ]
    for data in inputs:
        assert set(data) <= set(period)
        for visit in data.get("visits", []):
            assert set(visit) <= set(period["visits"]["items"]["properties"])


def test_claims_cite_primary_sources_not_research_notes() -> None:
    """Citations name CMS manuals, rules and MAC articles, never the project's research notes file."""
    root = DOCS.parent
    files = [
        *sorted((root / "src/hhbill/data/claims").glob("*.json")),
        *sorted((root / "src/hhbill/claims").glob("*.py")),
        DOCS / "EDITS.md",
        DOCS / "CLAIMS.md",
    ]
    notes_name = "domain" + ".md"
    assert [str(p.relative_to(root)) for p in files if notes_name in p.read_text(encoding="utf-8")] == []
