"""The 837I viewer: every claim with its decoded header and lines, findings on their lines, and JSON that is the
claim input format, so read -> edit -> write back works through the claim input parser and the 837I writer."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import shared_path
from hhbill.claims import CheckResult, Finding, build_claim, claim_from_dict, load_claim_input, parse_claim_input
from hhbill.claims._model import Claim
from hhbill.hipps import decode_hipps, hipps_meaning
from hhbill.x12 import claims_to_x12, load_writer_settings, read_claims
from hhbill.x12._view import claim_input_dict, view_x12, x12_view_text

STATIC = Path(__file__).resolve().parent.parent / "src" / "hhbill" / "static"
CREATED = datetime(2026, 4, 1, 12, 0)
HH_837I = "corpora/x12/837i/hh_synthetic_3claims.837"
AMOUNT = re.compile(r"\d+(\.\d+)?")


def _example_claim() -> Claim:
    parsed = load_claim_input(STATIC / "example_period.json")
    return build_claim(parsed)  # type: ignore[arg-type]


def _written(claims: list[Claim], settings: dict | None = None, *, path: Path | None = None) -> str:
    if settings is None:
        writer = load_writer_settings(path or STATIC / "example_x12_settings.json")
    else:
        target = Path(path) if path else None
        assert target is not None
        target.write_text(json.dumps(settings))
        writer = load_writer_settings(target)
    writer.created = CREATED
    return claims_to_x12(claims, writer)


def _comparable(claim: Claim) -> tuple:
    """A claim's header and lines, without the reader's bookkeeping facts."""
    return (
        claim.type_of_bill,
        claim.from_date,
        claim.through_date,
        claim.admission_date,
        claim.admission_source,
        claim.patient_status,
        claim.patient_control_number,
        claim.diagnoses,
        [(o.code, o.date) for o in claim.occurrence_codes],
        claim.condition_codes,
        [(v.code, v.amount) for v in claim.value_codes],
        repr(claim.patient),
        repr(claim.billing_provider),
        claim.attending_npi,
        claim.certifying_npi,
        claim.remarks,
        [(ln.revenue_code, ln.hcpcs, ln.modifiers, ln.service_date, ln.units, ln.charge) for ln in claim.lines],
        claim.computed_total(),
    )


def _elements(x12: str) -> list[list[object]]:
    """Each segment's elements, amounts as numbers (the writer prints an amount as the claim holds it: 0 or 0.00)."""
    segments = [s.strip() for s in x12.split("~") if s.strip()]
    return [[Decimal(e) if AMOUNT.fullmatch(e) else e for e in s.split("*")] for s in segments]


def test_read_edit_write_back_reproduces_the_file(tmp_path: Path) -> None:
    original = _written([_example_claim()])
    view = view_x12(io.StringIO(original))
    [viewed] = view.to_dict()["claims"]
    assert viewed["not_carried"] == []
    # the JSON is the claim input format: the input parser reads it back
    claim_input = json.loads(json.dumps(viewed["input"]))
    parsed = parse_claim_input(claim_input)
    assert isinstance(parsed, Claim)
    assert _comparable(parsed) == _comparable(view.claims[0].claim)
    # and the writer, with the settings the view derived from the file, writes the same 837I
    rewritten = _written([parsed], view.writer_settings(), path=tmp_path / "settings.json")
    assert _elements(rewritten) == _elements(original)
    # an edit survives the round trip
    claim_input["lines"][1]["charge"] = "199.00"
    edited = _written([claim_from_dict(claim_input)], view.writer_settings(), path=tmp_path / "settings.json")
    [reread] = list(read_claims(io.StringIO(edited)))
    assert str(reread.claim.lines[1].charge) == "199.00"
    assert reread.claim.computed_total() == view.claims[0].claim.computed_total() + 19


def test_each_finding_sits_on_its_line_and_claim_findings_on_the_header() -> None:
    original = _written([_example_claim()])

    def checker(claim: Claim) -> CheckResult:
        return CheckResult(
            [
                Finding("on-line-two", "error", "line two is wrong", "fix it", "Pub. 100-04 Ch.10 §40.2", None, 1),
                Finding("whole-claim", "warning", "the claim is odd", "look", "Pub. 100-04 Ch.10 §40.2", None, None),
            ],
            claim.type_of_bill,
        )

    view = view_x12(io.StringIO(original), checker)
    data = view.to_dict()["claims"][0]
    assert [f["id"] for f in data["findings"]] == ["whole-claim"]
    assert [[f["id"] for f in line["findings"]] for line in data["lines"]][:3] == [[], ["on-line-two"], []]
    text = x12_view_text(view)
    line_two = text.index("    2. 0421 G0151")
    assert text.index("on-line-two") > line_two
    assert text.index("on-line-two") < text.index("    3. 0551")
    assert text.index("whole-claim") < text.index("    1. 0023")


def test_text_decodes_the_header_and_masks_the_mbi() -> None:
    claim = _example_claim()
    text = x12_view_text(view_x12(io.StringIO(_written([claim]))))
    assert "0329  Final claim for an HH PPS period" in text
    assert f"HIPPS          1FC21  {hipps_meaning('1FC21')}" in text
    assert claim.patient.mbi not in text and claim.patient.mbi[-4:] in text
    assert claim.patient.last_name not in text


def test_hipps_decoding_by_position() -> None:
    parts = decode_hipps("2CB31")
    assert [(p.position, p.meaning) for p in parts] == [
        (1, "institutional admission, early period"),
        (2, "wounds"),
        (3, "medium"),
        (4, "high"),
        (5, "always 1 under PDGM"),
    ]
    assert hipps_meaning("5CB31") == ""  # position 1 runs 1-4
    assert decode_hipps("5CB31")[0].meaning is None
    assert hipps_meaning("1AA1") == ""


def test_what_the_input_format_cannot_carry_is_named() -> None:
    claim = _example_claim()
    from datetime import date

    from hhbill.claims import CodeSpan

    claim.occurrence_spans = [CodeSpan("74", date(2026, 3, 10), date(2026, 3, 12))]
    claim.facts["medical_record_number"] = "MR1"
    _, not_carried = claim_input_dict(claim)
    assert not_carried == ["occurrence span codes (FL 35-36)", "medical record number"]


def test_a_structural_error_keeps_the_claims_read_before_it() -> None:
    two = _written([_example_claim(), _example_claim()])
    cut = two[: two.rindex("CLM*")] + "CLM*X~SE*1*0001~"
    view = view_x12(io.StringIO(cut))
    assert len(view.claims) >= 1
    assert view.error is not None or view.issues


def test_the_shared_home_health_file_round_trips_through_the_input_format(tmp_path: Path) -> None:
    path = shared_path(HH_837I)
    view = view_x12(path)
    assert view.error is None and len(view.claims) == 3
    inputs = view.inputs()
    parsed = [claim_from_dict(json.loads(json.dumps(item))) for item in inputs]
    rewritten = _written(parsed, view.writer_settings(), path=tmp_path / "settings.json")
    again = [p.claim for p in read_claims(io.StringIO(rewritten))]
    assert [_comparable(c) for c in again] == [_comparable(v.claim) for v in view.claims]


@pytest.mark.parametrize("code", ["1FC21", "4LA31", "3HB21"])
def test_every_valid_hipps_reads_as_one_line(code: str) -> None:
    meaning = hipps_meaning(code)
    assert meaning.count(";") == 3 and "None" not in meaning
