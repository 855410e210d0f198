"""Look at an 837I: every claim of a file with its decoded header and its lines, each finding on its line.

``view_x12(source, checker)`` reads the file (leniently by default, so a structural slip still shows the claims) and
checks each claim with ``checker`` (``hhbill.claims.check_claim`` with a context, as ``claim check`` does).
Each viewed claim carries its claim **input**: the claim in hhbill's claim input format (docs/CLAIMS.md, the
line-by-line form), so a claim read from an 837I can be edited and written back (``hhbill x12 write``). What the
input format cannot hold is listed in ``not_carried``; the writer settings that reproduce the file's sender,
receiver, payer and practitioner names come from ``writer_settings_dict``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .._errors import X12Error
from .._phi import mask_mbi
from ..claims._check import CheckResult, Finding
from ..claims._data import rule_tables
from ..claims._model import Claim, ClaimLine, Patient
from ..hipps import hipps_meaning
from ._reader import Envelope, X12Reader
from ._tokenizer import X12Source

__all__ = [
    "ViewedClaim",
    "X12View",
    "claim_input_dict",
    "view_x12",
    "writer_settings_dict",
    "x12_view_text",
]

Checker = Callable[[Claim], CheckResult]

#: claim facts the 837I writer already writes this way when the claim says nothing (so nothing is lost)
_WRITER_DEFAULT_FACTS: dict[str, str] = {
    "provider_signature_on_file": "",
    "provider_accepts_assignment": "A",
    "benefits_assigned": "Y",
    "release_of_information": "Y",
    "payer_responsibility": "P",
    "subscriber_relationship": "18",
    "diagnosis_code_set": "ICD-10-CM",
}
#: claim facts the writer settings carry (practitioner names, payer id): see writer_settings_dict
_SETTINGS_FACTS = frozenset(
    {"payer_id", "attending_last_name", "attending_first_name", "certifying_last_name", "certifying_first_name"}
)
#: the builder's notes on how it made the claim: an explanation, not claim data
_NOTES_FACTS = frozenset({"derivations"})
#: claim facts the claim input format carries under the same name
_INPUT_FACTS = (
    "site_of_service",
    "noa_receipt_date",
    "discharge_date",
    "first_period",
    "transfer_from_other_hha",
    "telehealth_services",
    "remote_monitoring_days",
    "ytd_therapy_spend",
)


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _input_value(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _money(value)
    if isinstance(value, dict):
        return {str(k): _input_value(v) for k, v in value.items()}
    return value


def _line_input(line: ClaimLine) -> dict[str, Any]:
    out: dict[str, Any] = {"revenue_code": line.revenue_code}
    if line.hcpcs:
        out["hcpcs"] = line.hcpcs
    if line.modifiers:
        out["modifiers"] = list(line.modifiers)
    if line.service_date is not None:
        out["date"] = line.service_date.isoformat()
    out["units"] = f"{line.units.normalize():f}" if line.units == line.units.to_integral_value() else str(line.units)
    out["charge"] = _money(line.charge)
    if line.non_covered_charge:
        out["non_covered_charge"] = _money(line.non_covered_charge)
    return out


def _person_input(person: Patient) -> dict[str, Any]:
    out: dict[str, Any] = {
        "mbi": person.mbi,
        "last_name": person.last_name,
        "first_name": person.first_name,
    }
    if person.birth_date is not None:
        out["birth_date"] = person.birth_date.isoformat()
    if person.sex:
        out["sex"] = person.sex
    if person.address:
        out["address"] = dict(person.address)
    return out


def claim_input_dict(claim: Claim) -> tuple[dict[str, Any], list[str]]:
    """The claim in the claim input format (line by line), and what of the claim that format cannot carry.

    ``hhbill.claims.claim_from_dict`` reads the result back into the same claim (header, lines, patient,
    provider); the 837I writer, given ``writer_settings_dict``'s settings, writes it as it was read.
    """
    provider = claim.billing_provider
    data: dict[str, Any] = {
        "type_of_bill": claim.type_of_bill,
        "from": _iso(claim.from_date),
        "through": _iso(claim.through_date),
    }
    optional: dict[str, Any] = {
        "admission_date": _iso(claim.admission_date),
        "admission_source": claim.admission_source,
        "patient_status": claim.patient_status,
        "patient_control_number": claim.patient_control_number,
        "claim_id": claim.claim_id if claim.claim_id != claim.patient_control_number else "",
        "remarks": claim.remarks,
        "attending_npi": claim.attending_npi,
        "certifying_npi": claim.certifying_npi,
    }
    data.update({key: value for key, value in optional.items() if value})
    data.update(_codes_input(claim))
    data["patient"] = _person_input(claim.patient)
    data["provider"] = {
        key: value
        for key, value in (
            ("npi", provider.npi),
            ("name", provider.name),
            ("tax_id", provider.tax_id),
            ("address", dict(provider.address)),
            ("taxonomy", provider.taxonomy),
        )
        if value
    }
    for key in _INPUT_FACTS:
        value = claim.facts.get(key)
        if value not in (None, "", {}, False):
            data[key] = _input_value(value)
    if claim.total_charge is not None and claim.total_charge != claim.computed_total():
        data["total_charge"] = _money(claim.total_charge)
    data["lines"] = [_line_input(line) for line in claim.lines]
    return data, _not_carried(claim)


def _codes_input(claim: Claim) -> dict[str, Any]:
    """HIPPS, diagnoses and the occurrence, condition and value codes, as claim input (only those present)."""
    codes: dict[str, Any] = {
        "hipps": next((line.hcpcs for line in claim.lines if line.revenue_code == "0023" and line.hcpcs), ""),
        "diagnoses": list(claim.diagnoses),
        "occurrence_codes": [{"code": oc.code, "date": oc.date.isoformat()} for oc in claim.occurrence_codes],
        "condition_codes": list(claim.condition_codes),
        "value_codes": [{"code": vc.code, "amount": _money(vc.amount)} for vc in claim.value_codes],
    }
    return {key: value for key, value in codes.items() if value}


def _not_carried(claim: Claim) -> list[str]:
    """What the claim input format has no place for, in the user's words."""
    out = []
    if claim.occurrence_spans:
        out.append("occurrence span codes (FL 35-36)")
    if claim.admission_type:
        out.append("admission type (FL 14)")
    filing_default = "MB" if claim.tob_type == "34" else "MA"
    for key, value in claim.facts.items():
        if key in _SETTINGS_FACTS or key in _INPUT_FACTS or key in _NOTES_FACTS or value in (None, "", [], {}):
            continue
        if key == "claim_filing_indicator" and value == filing_default:
            continue
        if _WRITER_DEFAULT_FACTS.get(key) == value:
            continue
        out.append(key.replace("_", " "))
    return out


def writer_settings_dict(envelope: Envelope, claims: list[Claim]) -> dict[str, Any]:
    """837I writer settings (docs/X12.md, ``--settings``) that write the claims back with the file's sender,
    receiver, submitter, payer id and practitioner names."""

    def element(segment: list[str], position: int) -> str:
        return segment[position].strip() if len(segment) > position else ""

    isa, submitter, receiver = envelope.isa, envelope.submitter, envelope.receiver
    settings: dict[str, Any] = {
        "sender_qualifier": element(isa, 5),
        "sender_id": element(isa, 6),
        "receiver_qualifier": element(isa, 7),
        "receiver_id": element(isa, 8),
        "usage": element(isa, 15),
        "application_sender": element(envelope.gs, 2),
        "application_receiver": element(envelope.gs, 3),
        "submitter_name": element(submitter, 3),
        "submitter_id": element(submitter, 9),
        "receiver_name": element(receiver, 3),
        "receiver_entity_id": element(receiver, 9),
    }
    if envelope.submitter_contacts:
        contact = envelope.submitter_contacts[0]
        settings["contact_name"] = element(contact, 2)
        settings["contact_phone"] = element(contact, 4)
    settings = {key: value for key, value in settings.items() if value}
    payer_ids = {str(c.facts["payer_id"]) for c in claims if c.facts.get("payer_id")}
    if len(payer_ids) == 1:
        settings["payer_id"] = payer_ids.pop()
    names: dict[str, list[str]] = {}
    for claim in claims:
        for role, npi in (("attending", claim.attending_npi), ("certifying", claim.certifying_npi)):
            last = str(claim.facts.get(f"{role}_last_name", ""))
            if npi and last:
                names[npi] = [last, str(claim.facts.get(f"{role}_first_name", ""))]
    if names:
        settings["practitioner_names"] = names
    return settings


@dataclass(slots=True)
class ViewedClaim:
    """One claim of the file: where it is, its decoded header, its lines with their findings."""

    ordinal: int
    claim_id: str
    patient_control_number: str
    segment_number: int
    claim: Claim
    result: CheckResult | None
    structure_issues: list[X12Error] = field(default_factory=list)

    def findings_on_line(self, index: int) -> list[Finding]:
        return [f for f in self.result.findings if f.line == index] if self.result else []

    def claim_findings(self) -> list[Finding]:
        """Findings about the claim as a whole (no line)."""
        return [f for f in self.result.findings if f.line is None] if self.result else []

    def header(self) -> dict[str, Any]:
        """The header with each code's meaning where hhbill knows it."""
        claim = self.claim
        tob = rule_tables().types_of_bill.get(claim.type_of_bill)
        hipps = next((line.hcpcs for line in claim.lines if line.revenue_code == "0023"), "")
        total = claim.total_charge if claim.total_charge is not None else claim.computed_total()
        return {
            "type_of_bill": claim.type_of_bill,
            "type_of_bill_meaning": tob.meaning if tob else "",
            "from": _iso(claim.from_date),
            "through": _iso(claim.through_date),
            "admission_date": _iso(claim.admission_date),
            "admission_source": claim.admission_source,
            "patient_status": claim.patient_status,
            "hipps": hipps,
            "hipps_meaning": hipps_meaning(hipps) if hipps else "",
            "diagnoses": list(claim.diagnoses),
            "occurrence_codes": [{"code": oc.code, "date": oc.date.isoformat()} for oc in claim.occurrence_codes],
            "condition_codes": list(claim.condition_codes),
            "value_codes": [{"code": vc.code, "amount": _money(vc.amount)} for vc in claim.value_codes],
            "billing_npi": claim.billing_provider.npi,
            "provider_name": claim.billing_provider.name,
            "attending_npi": claim.attending_npi,
            "certifying_npi": claim.certifying_npi,
            "total_charge": _money(total),
        }

    def lines(self) -> list[dict[str, Any]]:
        out = []
        for index, line in enumerate(self.claim.lines):
            out.append(
                {
                    "number": index + 1,
                    "revenue_code": line.revenue_code,
                    "description": _line_description(line),
                    "hcpcs": line.hcpcs,
                    "modifiers": list(line.modifiers),
                    "date": _iso(line.service_date),
                    "units": str(line.units),
                    "charge": _money(line.charge),
                    "non_covered_charge": _money(line.non_covered_charge),
                    "findings": [f.to_dict() for f in self.findings_on_line(index)],
                }
            )
        return out

    @property
    def ok(self) -> bool:
        return self.result.ok if self.result is not None else True

    def to_dict(self) -> dict[str, Any]:
        claim_input, not_carried = claim_input_dict(self.claim)
        return {
            "ordinal": self.ordinal,
            "claim_id": self.claim_id,
            "patient_control_number": self.patient_control_number,
            "segment_number": self.segment_number,
            "ok": self.ok,
            "counts": self.result.counts() if self.result else None,
            "header": self.header(),
            "findings": [f.to_dict() for f in self.claim_findings()],
            "lines": self.lines(),
            "structure_issues": [i.to_dict() for i in self.structure_issues],
            "input": claim_input,
            "not_carried": not_carried,
        }


def _line_description(line: ClaimLine) -> str:
    tables = rule_tables()
    if line.revenue_code == "0023":
        return "HH PPS (HIPPS)"
    if line.hcpcs in tables.site_code_set or line.hcpcs in tables.hospice_site_codes:
        return "site of service"
    if line.hcpcs in tables.telehealth_code_set:
        return "telecommunication"
    discipline = tables.family_discipline.get(line.revenue_code[:3])
    return tables.disciplines[discipline].name.lower() if discipline else ""


@dataclass(slots=True)
class X12View:
    """Every claim of an 837I file; the file's structural issues; the error that stopped reading, if any."""

    file: str | None
    claims: list[ViewedClaim]
    issues: list[X12Error]
    error: X12Error | None = None
    envelope: Envelope | None = None

    def inputs(self) -> list[dict[str, Any]]:
        """Each claim in the claim input format (docs/CLAIMS.md)."""
        return [claim_input_dict(c.claim)[0] for c in self.claims]

    def text(self) -> str:
        """The view for a reader: see :func:`x12_view_text`."""
        return x12_view_text(self)

    def writer_settings(self) -> dict[str, Any]:
        return writer_settings_dict(self.envelope, [c.claim for c in self.claims]) if self.envelope else {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "claims": [c.to_dict() for c in self.claims],
            "structure_issues": [i.to_dict() for i in self.issues],
            "structure_error": self.error.to_dict() if self.error else None,
            "writer_settings": self.writer_settings(),
        }


def view_x12(
    source: X12Source,
    checker: Checker | None = None,
    *,
    strict: bool = False,
    encoding: str = "utf-8",
    file_name: str | None = None,
) -> X12View:
    """Read every claim of an 837I and check each with ``checker`` (None: no findings). A structural error ends
    the view (``error``) and keeps the claims read before it; it raises only when the file is no 837I at all."""
    reader = X12Reader(source, strict=strict, encoding=encoding, file_name=file_name)
    view = X12View(reader.file_name, [], reader.issues)
    try:
        for parsed in reader:
            view.envelope = view.envelope or parsed.envelope
            view.claims.append(
                ViewedClaim(
                    ordinal=parsed.ordinal,
                    claim_id=parsed.claim_id,
                    patient_control_number=parsed.patient_control_number,
                    segment_number=parsed.segment_number,
                    claim=parsed.claim,
                    result=checker(parsed.claim) if checker is not None else None,
                    structure_issues=list(parsed.issues),
                )
            )
    except X12Error as exc:
        view.error = exc
    return view


def _masked(mbi: str) -> str:
    return mask_mbi(mbi, blank="-")


def _finding_text(finding: Finding, indent: str) -> list[str]:
    reason = f" (FISS {finding.reason_code})" if finding.reason_code else ""
    return [
        f"{indent}{finding.severity.upper():<7} {finding.id}{reason}: {finding.message}",
        f"{indent}        fix: {finding.fix}",
    ]


def x12_view_text(view: X12View) -> str:
    """The file claim by claim: header with meanings, then each line with its findings under it. The MBI is
    masked to its last four characters and names are left out (text ends up in tickets and e-mails)."""
    out = [f"837I {view.file or '(upload)'}: {len(view.claims)} claim(s)"]
    if view.error is not None:
        out.append(f"STRUCTURE ERROR  {view.error}")
    out.extend(f"STRUCTURE        {issue}" for issue in view.issues)
    for viewed in view.claims:
        out.append("")
        out.extend(_header_text(viewed))
        out.extend(_lines_text(viewed))
    return "\n".join(out)


def _header_text(viewed: ViewedClaim) -> list[str]:
    header = viewed.header()
    claim = viewed.claim
    status = "" if viewed.result is None else ("  OK" if viewed.ok else "  ERRORS")
    out = [
        f"claim {viewed.ordinal}  id {viewed.claim_id}  patient control no. {viewed.patient_control_number}  "
        f"(segment {viewed.segment_number}){status}",
        f"  type of bill   {header['type_of_bill']}  {header['type_of_bill_meaning']}".rstrip(),
        f"  period         {header['from']} to {header['through']}",
        f"  admission      {header['admission_date'] or '-'}  source {header['admission_source'] or '-'}  "
        f"patient status {header['patient_status'] or '-'}",
    ]
    if header["hipps"]:
        out.append(f"  HIPPS          {header['hipps']}  {header['hipps_meaning'] or '(not a PDGM HIPPS code)'}")
    out.append(f"  patient        MBI {_masked(claim.patient.mbi)}")
    out.append(
        f"  provider       NPI {header['billing_npi'] or '-'}  attending {header['attending_npi'] or '-'}  "
        f"certifying {header['certifying_npi'] or '-'}"
    )
    out.append(f"  diagnoses      {', '.join(header['diagnoses']) or '-'}")
    codes = (
        ("occurrence", [f"{o['code']} {o['date']}" for o in header["occurrence_codes"]]),
        ("condition", list(claim.condition_codes)),
        ("value", [f"{v['code']} {v['amount']}" for v in header["value_codes"]]),
    )
    out.extend(f"  {name:<15}{', '.join(items)}" for name, items in codes if items)
    out.extend(f"  STRUCTURE {issue}" for issue in viewed.structure_issues)
    for finding in viewed.claim_findings():
        out.extend(_finding_text(finding, "  "))
    return out


def _lines_text(viewed: ViewedClaim) -> list[str]:
    out = ["  lines"]
    for index, line in enumerate(viewed.lines()):
        code = line["hcpcs"] + "".join(f"-{m}" for m in line["modifiers"])
        out.append(
            f"  {line['number']:>3}. {line['revenue_code']} {code:<14} {line['date'] or '-':<10} "
            f"units {line['units']:<4} ${line['charge']:>9}  {line['description']}".rstrip()
        )
        for finding in viewed.findings_on_line(index):
            out.extend(_finding_text(finding, "        "))
    out.append(f"       total ${viewed.header()['total_charge']}")
    return out
