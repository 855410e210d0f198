"""Test helpers for the X12 tests: pyx12 as an independent validator, and home health scenario claims."""

from __future__ import annotations

import io
import json
import logging
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from hhbill.claims._model import Claim, ClaimLine, CodeAmount, CodeDate, Patient, Provider


def pyx12_errors(path: Path) -> list[str]:
    """Every error pyx12 (its 005010X223A2 map) reports for the file at ``path``."""
    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    report = io.StringIO()
    valid = pyx12.x12n_document.x12n_document(pyx12.params.params(), str(path), None, None, None, report)
    errors: list[str] = []

    def collect(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for error in node.get("errors", []):
                errors.append(f"{where}: {error.get('err_str')}")
            for key, value in node.items():
                if isinstance(value, list) and key != "errors":
                    label = node.get("seg_id") or where
                    for child in value:
                        collect(child, f"{label}#{node.get('seg_count', '')}" if node.get("seg_id") else where)

    collect(json.loads(report.getvalue() or "{}"), "file")
    if not valid and not errors:
        errors.append("pyx12 says invalid without a located error")
    return errors


PROVIDER = Provider(
    npi="1234567893",
    name="LAKESIDE HOME HEALTH",
    tax_id="123456789",
    address={"line1": "100 MAIN ST", "city": "CHICAGO", "state": "IL", "zip": "606011234"},
    taxonomy="251E00000X",
)


def patient(number: int) -> Patient:
    return Patient(
        mbi=f"1EG4TE5MK{number:02d}",
        last_name=f"TESTPATIENT{number}",
        first_name="ALEX",
        birth_date=date(1940, 1 + number % 12, 1 + number % 28),
        sex="F" if number % 2 else "M",
        address={"line1": f"{number} ELM ST", "city": "CHICAGO", "state": "IL", "zip": "606011234"},
    )


def visit(revenue: str, code: str, day: date, units: int, charge: str, *modifiers: str) -> ClaimLine:
    return ClaimLine(revenue, code, tuple(modifiers), day, Decimal(units), Decimal(charge))


def final_claim(number: int = 0) -> Claim:
    """A 0329 PDGM period claim: HIPPS line, SN/PT/aide visits, site-of-service line, OC 50, VC 61/85."""
    start = date(2026, 1, 5)
    return Claim(
        type_of_bill="0329",
        from_date=start,
        through_date=date(2026, 2, 3),
        admission_date=start,
        admission_source="1",
        patient_status="30",
        patient_control_number=f"PCN{number:07d}",
        diagnoses=["I5032", "E119", "Z9181"],
        occurrence_codes=[CodeDate("50", start), CodeDate("61", date(2025, 12, 30))],
        value_codes=[CodeAmount("61", Decimal("16974.00")), CodeAmount("85", Decimal("17031.00"))],
        lines=[
            visit("0023", "1FC21", start, 1, "0.00"),
            visit("0551", "G0299", start, 4, "160.00"),
            visit("0421", "G0151", date(2026, 1, 7), 3, "210.00"),
            visit("0571", "G0156", date(2026, 1, 9), 4, "90.00"),
            visit("0551", "G0320", date(2026, 1, 12), 1, "25.00"),
            visit("0551", "Q5001", start, 1, "0.01"),
        ],
        patient=patient(number),
        billing_provider=PROVIDER,
        attending_npi="1245319599",
        certifying_npi="1003000126",
        payer_name="MEDICARE",
    )


def therapy_claim() -> Claim:
    """A 0341 Part B therapy claim outside a plan of care: GP/KX modifiers, occurrence code 35."""
    day = date(2026, 3, 2)
    return Claim(
        type_of_bill="0341",
        from_date=day,
        through_date=date(2026, 3, 27),
        patient_status="01",
        patient_control_number="THER0001",
        claim_id="THER0001-A",
        diagnoses=["M6281"],
        occurrence_codes=[CodeDate("35", day)],
        lines=[
            visit("0420", "97161", day, 1, "150.00", "GP"),
            visit("0420", "97110", date(2026, 3, 9), 3, "120.00", "GP", "KX"),
        ],
        patient=patient(7),
        billing_provider=PROVIDER,
        attending_npi="1245319599",
        payer_name="MEDICARE",
        remarks="THERAPY THRESHOLD EXCEEDED, MEDICALLY NECESSARY",
    )


def replacement_claim() -> Claim:
    claim = final_claim(3)
    claim.type_of_bill = "0327"
    claim.condition_codes = ["D9"]
    claim.facts["payer_claim_control_number"] = "21500100100001TXA"
    claim.remarks = "CORRECTED VISIT UNITS"
    return claim


PRACTITIONERS = {"1245319599": ("SMITH", "JOHN"), "1003000126": ("JONES", "MARY")}
