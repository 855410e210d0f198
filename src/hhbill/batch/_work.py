"""The map step: scrub one unit of work with the reference snapshot, as ``claim check`` would each claim.

Runs in a worker process (or in-process for the local engine). It returns, per claim, the row values and the
findings of every edit that does not need the ledger, and — when the run does cross-claim edits — a copy of the
claim stripped of names, birth date and address, for the reduce step. Nothing here writes a file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .._errors import HhbillError, X12Error
from ..claims import Claim, Finding, Patient, PeriodOfCare, build_claim, check_claim, load_claim_input
from ..claims._check import CheckContext
from ..x12 import X12Reader
from ._snapshot import ReferenceSnapshot
from ._units import WorkUnit

__all__ = ["ClaimOutcome", "FileOutcome", "FindingRow", "UnitResult", "finding_row", "scrub_unit"]

#: what the output keeps of a finding: edit id, severity, FISS reason code, line index, message (small to ship
#: back from a worker: the fix and citation texts stay in the catalog)
FindingRow = tuple[str, str, str | None, int | None, str]


def finding_row(finding: Finding) -> FindingRow:
    return (finding.id, finding.severity, finding.reason_code, finding.line, finding.message)


@dataclass(slots=True)
class ClaimOutcome:
    """One claim's row values and findings (those of the map step; the reduce step may add cross-claim ones)."""

    file: str
    ordinal: int  # within the unit; the writer adds the claims of the file's earlier pieces
    claim_id: str
    patient_control_number: str
    type_of_bill: str
    from_date: date | None
    through_date: date | None
    total_charge: Decimal | None
    findings: list[FindingRow]
    claim: Claim | None = None  # for the reduce step only; never written


@dataclass(slots=True)
class FileOutcome:
    """How reading one file (or one piece of it) went. ``error``: why reading stopped, None when it did not."""

    file: str
    kind: str
    claims: int = 0
    error: str | None = None
    issues: list[str] = field(default_factory=list)


@dataclass(slots=True)
class UnitResult:
    index: int
    files: list[FileOutcome]
    claims: list[ClaimOutcome]


_INTERNAL_ERROR = "hhbill failed on this file (an internal error; please report it with the file's structure)"

_contexts: dict[int, tuple[ReferenceSnapshot, CheckContext]] = {}


def _context(snapshot: ReferenceSnapshot) -> CheckContext:
    """One check context per snapshot per process, so the HCPCS cache is shared by every unit a worker runs."""
    known = _contexts.get(id(snapshot))
    if known is None or known[0] is not snapshot:
        _contexts.clear()
        known = _contexts[id(snapshot)] = (snapshot, snapshot.context())
    return known[1]


def _without_phi(claim: Claim) -> Claim:
    """The claim with the patient reduced to the MBI (the ledger keys on its hash): no name, birth date, address."""
    claim.patient = Patient(mbi=claim.patient.mbi, sex=claim.patient.sex)
    return claim


def _outcome(file: str, ordinal: int, claim: Claim, claim_id: str, findings: list[Finding], keep: bool) -> ClaimOutcome:
    return ClaimOutcome(
        file=file,
        ordinal=ordinal,
        claim_id=claim_id,
        patient_control_number=claim.patient_control_number,
        type_of_bill=claim.type_of_bill,
        from_date=claim.from_date,
        through_date=claim.through_date,
        total_charge=claim.total_charge if claim.total_charge is not None else claim.computed_total(),
        findings=[finding_row(f) for f in findings],
        claim=_without_phi(claim) if keep else None,
    )


def scrub_unit(
    unit: WorkUnit, snapshot: ReferenceSnapshot, *, strict: bool = True, keep_claims: bool = False
) -> UnitResult:
    """Scrub every claim of the unit. A file that cannot be read is reported in its FileOutcome, never raised."""
    context = _context(snapshot)
    result = UnitResult(unit.index, [], [])
    if unit.kind == "x12":
        _scrub_x12(unit, context, result, strict=strict, keep=keep_claims)
    elif unit.kind == "json":
        for path in unit.paths:
            _scrub_json(path, context, result, keep=keep_claims)
    else:
        path = unit.paths[0]
        why = "no such file or folder" if unit.kind == "missing" else "not an 837I file (it does not start with ISA)"
        result.files.append(FileOutcome(path, unit.kind, error=why))
    return result


def _scrub_x12(unit: WorkUnit, context: CheckContext, result: UnitResult, *, strict: bool, keep: bool) -> None:
    path = unit.paths[0]
    outcome = FileOutcome(path, "x12")
    result.files.append(outcome)
    try:
        if unit.piece is None:
            source: Any = path
        else:
            with open(path, "rb") as handle:
                handle.seek(unit.piece.start)
                source = io.BytesIO(unit.piece.text(handle.read(unit.piece.end - unit.piece.start)))
        reader = X12Reader(source, strict=strict, file_name=path)
        for parsed in reader:
            findings = check_claim(parsed.claim, context).findings
            outcome.claims += 1
            result.claims.append(_outcome(path, parsed.ordinal, parsed.claim, parsed.claim_id, findings, keep))
        outcome.issues = [str(issue) for issue in reader.issues]
    except X12Error as exc:
        outcome.error = str(exc)
    except OSError as exc:
        outcome.error = f"cannot read the file: {exc.strerror}"
    except Exception:  # a bug must cost one file, not the run
        outcome.error = _INTERNAL_ERROR


def _scrub_json(path: str, context: CheckContext, result: UnitResult, *, keep: bool) -> None:
    outcome = FileOutcome(path, "json")
    result.files.append(outcome)
    try:
        parsed = load_claim_input(path)
        claim = build_claim(parsed) if isinstance(parsed, PeriodOfCare) else parsed
        findings = check_claim(claim, context).findings
    except HhbillError as exc:
        outcome.error = str(exc)
        return
    except Exception:  # a bug must cost one file, not the run
        outcome.error = _INTERNAL_ERROR
        return
    outcome.claims = 1
    result.claims.append(_outcome(path, 1, claim, claim.claim_id or claim.patient_control_number, findings, keep))
