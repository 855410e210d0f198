"""Renderings of a built claim (JSON, text, UB-04 form locators) and of check results (text, JSON).

The text and UB-04 renderings mask the MBI to its last four characters: they end up in tickets and e-mails.
The JSON rendering carries the claim in full (it feeds the 837I writer).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from .._phi import mask_mbi
from ._check import CheckResult
from ._data import rule_tables
from ._model import Claim, ClaimLine, claim_facts

__all__ = ["check_result_text", "claim_text", "claim_to_dict", "claim_ub04"]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def _line_dict(line: ClaimLine) -> dict[str, Any]:
    return {
        "revenue_code": line.revenue_code,
        "hcpcs": line.hcpcs,
        "modifiers": list(line.modifiers),
        "date": _iso(line.service_date),
        "units": str(line.units),
        "charge": _money(line.charge),
        "non_covered_charge": _money(line.non_covered_charge),
        "because": line.because,
        "visit_index": line.visit_index,
    }


def claim_to_dict(claim: Claim) -> dict[str, Any]:
    """The claim as JSON-ready data (dates ISO, money as strings)."""
    total = claim.total_charge if claim.total_charge is not None else claim.computed_total()
    return {
        "type_of_bill": claim.type_of_bill,
        "from": _iso(claim.from_date),
        "through": _iso(claim.through_date),
        "admission_date": _iso(claim.admission_date),
        "admission_source": claim.admission_source,
        "patient_status": claim.patient_status,
        "patient_control_number": claim.patient_control_number,
        "claim_id": claim.claim_id,
        "diagnoses": list(claim.diagnoses),
        "occurrence_codes": [{"code": oc.code, "date": oc.date.isoformat()} for oc in claim.occurrence_codes],
        "occurrence_spans": [
            {"code": s.code, "from": s.start.isoformat(), "through": s.end.isoformat()} for s in claim.occurrence_spans
        ],
        "condition_codes": list(claim.condition_codes),
        "value_codes": [{"code": vc.code, "amount": _money(vc.amount)} for vc in claim.value_codes],
        "patient": {
            "mbi": claim.patient.mbi,
            "last_name": claim.patient.last_name,
            "first_name": claim.patient.first_name,
            "birth_date": _iso(claim.patient.birth_date),
            "sex": claim.patient.sex,
        },
        "provider": {"npi": claim.billing_provider.npi, "name": claim.billing_provider.name},
        "attending_npi": claim.attending_npi,
        "certifying_npi": claim.certifying_npi,
        "remarks": claim.remarks,
        "total_charge": _money(total),
        "lines": [_line_dict(line) for line in claim.lines],
        "facts": _json_value(claim_facts(claim).to_dict()),
    }


def _masked(mbi: str) -> str:
    return mask_mbi(mbi)


def revenue_line_description(line: ClaimLine, *, hipps_label: str = "HH PPS (HIPPS)") -> str:
    """FL 43: what a line's revenue code is, in the words of the rule tables (the UB-04 on paper, which has
    less room, labels the HIPPS line more briefly)."""
    tables = rule_tables()
    if line.revenue_code == "0023":
        return hipps_label
    if line.hcpcs in tables.site_code_set or line.hcpcs in tables.hospice_site_codes:
        return "SITE OF SERVICE"
    if line.hcpcs in tables.telehealth_code_set:
        return "TELECOMMUNICATION"
    discipline = tables.family_discipline.get(line.revenue_code[:3])
    return tables.disciplines[discipline].name.upper() if discipline else ""


def claim_text(claim: Claim) -> str:
    """A readable summary: header, lines with their reasons, derived codes."""
    out = [
        f"Claim {claim.type_of_bill}  {claim.from_date} to {claim.through_date}  admission {claim.admission_date}  "
        f"status {claim.patient_status or '-'}  MBI {_masked(claim.patient.mbi)}",
    ]
    if claim.occurrence_codes:
        out.append("Occurrence codes: " + ", ".join(f"{oc.code} {oc.date}" for oc in claim.occurrence_codes))
    if claim.condition_codes:
        out.append("Condition codes: " + ", ".join(claim.condition_codes))
    if claim.value_codes:
        out.append("Value codes: " + ", ".join(f"{vc.code} {vc.amount}" for vc in claim.value_codes))
    out.append("")
    for number, line in enumerate(claim.lines, start=1):
        mods = "".join(f"-{m}" for m in line.modifiers)
        out.append(
            f"{number:>2}. {line.revenue_code} {line.hcpcs}{mods:<6} {_iso(line.service_date) or '-':<10} "
            f"units {line.units:<3} ${_money(line.charge):>9}"
        )
        if line.because:
            out.append(f"    because: {line.because}")
    total = claim.total_charge if claim.total_charge is not None else claim.computed_total()
    out.append(f"    total charges ${_money(total)}")
    derivations = claim_facts(claim).derivations
    if derivations:
        out.append("")
        out.extend(f"- {d}" for d in derivations)
    return "\n".join(out)


def _slots(pairs: list[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    return pairs + [("", "")] * max(0, count - len(pairs))


def claim_ub04(claim: Claim) -> str:
    """The claim laid out by UB-04 form locator, for reading like the paper form."""
    return "\n".join([*_ub04_header(claim), *_ub04_codes(claim), *_ub04_lines(claim), *_ub04_footer(claim)])


def _ub04_header(claim: Claim) -> list[str]:
    return [
        f"FL 1   Provider: {claim.billing_provider.name or '-'}",
        f"FL 3a  Patient control no.: {claim.patient_control_number or '-'}",
        f"FL 4   Type of bill: {claim.type_of_bill}",
        f"FL 6   Statement covers period: from {claim.from_date}  through {claim.through_date}",
        f"FL 8   Patient name: {'(on file)' if claim.patient.last_name else '-'}",
        f"FL 12  Admission date: {claim.admission_date or '-'}    FL 15 Source: {claim.admission_source or '-'}"
        f"    FL 17 Status: {claim.patient_status or '-'}",
    ]


def _ub04_codes(claim: Claim) -> list[str]:
    out = []
    conditions = claim.condition_codes + [""] * max(0, 11 - len(claim.condition_codes))
    out.append("FL 18-28 Condition codes: " + " | ".join(c or "  " for c in conditions[:11]))
    occ = _slots([(oc.code, oc.date.isoformat()) for oc in claim.occurrence_codes], 8)
    out.append("FL 31-34 Occurrence codes (code date):")
    for row in range(2):
        cells = [occ[fl * 2 + row] for fl in range(4)]
        out.append("    " + " | ".join(f"{c:<2} {d:<10}" for c, d in cells))
    spans = [(s.code, f"{s.start} {s.end}") for s in claim.occurrence_spans]
    out.append("FL 35-36 Occurrence spans: " + (", ".join(f"{c} {d}" for c, d in spans) or "-"))
    values = _slots([(vc.code, f"{vc.amount:.2f}") for vc in claim.value_codes], 12)
    out.append("FL 39-41 Value codes (code amount):")
    for row in range(4):
        cells = [values[fl * 4 + row] for fl in range(3)]
        out.append("    " + " | ".join(f"{c:<2} {a:>10}" for c, a in cells))
    return out


def _ub04_lines(claim: Claim) -> list[str]:
    out = ["FL 42   FL 43 Description           FL 44 HCPCS/Mods   FL 45 Date  FL 46 Units  FL 47 Charges"]
    for line in claim.lines:
        mods = "".join(line.modifiers)
        out.append(
            f"{line.revenue_code:<7} {revenue_line_description(line)[:24]:<24} {line.hcpcs + mods:<18} "
            f"{_iso(line.service_date) or '':<11} {line.units!s:>11} {_money(line.charge):>14}"
        )
    total = claim.total_charge if claim.total_charge is not None else claim.computed_total()
    out.append(f"{'0001':<7} {'TOTAL':<24} {'':<18} {'':<11} {'':>11} {_money(total):>14}")
    return out


def _ub04_footer(claim: Claim) -> list[str]:
    out = [
        f"FL 56  Billing NPI: {claim.billing_provider.npi or '-'}",
        f"FL 60  Insured's ID (MBI): {_masked(claim.patient.mbi)}",
        "FL 67  Diagnoses: " + (", ".join(claim.diagnoses) or "-"),
        f"FL 76  Attending NPI: {claim.attending_npi or '-'}",
        f"FL 78  Certifying/referring NPI: {claim.certifying_npi or '-'}",
    ]
    if claim.remarks:
        out.append(f"FL 80  Remarks: {claim.remarks}")
    return out


def check_result_text(result: CheckResult, claim: Claim | None = None) -> str:
    """Findings for a biller: severity, id, message, fix, citation, reason code."""
    counts = result.counts()
    head = (
        f"{result.type_of_bill}: {'OK' if result.ok else 'WILL BE RETURNED/REJECTED'} - {counts['error']} error(s), "
        f"{counts['warning']} warning(s), {counts['info']} note(s); {result.edits_run} edits run"
    )
    out = [head]
    for finding in result.findings:
        where = f" [line {finding.line + 1}]" if finding.line is not None else ""
        reason = f" (FISS {finding.reason_code})" if finding.reason_code else ""
        out.append("")
        out.append(f"{finding.severity.upper():<7} {finding.id}{where}{reason}")
        out.append(f"  {finding.message}")
        out.append(f"  fix: {finding.fix}")
        out.append(f"  see: {finding.citation}")
    return "\n".join(out)
