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
from typing import TYPE_CHECKING, Any

from .._errors import HhbillError, X12Error
from ..claims import Claim, Finding, Patient, PeriodOfCare, build_claim, check_claim, load_claim_input
from ..claims._check import CheckContext
from ..x12 import X12Reader
from ._output import CLAIMS_SCHEMA, FINDINGS_SCHEMA, money, table_of
from ._snapshot import ReferenceSnapshot
from ._units import WorkUnit

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "ClaimOutcome",
    "FileOutcome",
    "FindingRow",
    "UnitResult",
    "UnitRows",
    "claim_row",
    "finding_row",
    "finding_rows",
    "scrub_unit",
    "severity_counts",
]

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
class UnitRows:
    """A unit's output rows, made into tables by the worker (ordinals within the unit) with what the summary
    counts, so the process writing the files only concatenates: used when no cross-claim edit needs the claims."""

    claims: pa.Table
    findings: pa.Table
    claim_count: int
    claims_with_errors: int
    findings_by_severity: dict[str, int]
    files_with_error_claims: set[str]


@dataclass(slots=True)
class UnitResult:
    index: int
    files: list[FileOutcome]
    claims: list[ClaimOutcome]
    rows: UnitRows | None = None  # instead of ``claims`` when the run keeps no claims


def severity_counts(findings: list[FindingRow]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for finding in findings:
        counts[finding[1]] += 1
    return counts


def claim_row(claim: ClaimOutcome, ordinal: int, counts: dict[str, int]) -> tuple[Any, ...]:
    """The claims.parquet row of a claim (its ordinal in its file)."""
    return (claim.file, ordinal, claim.claim_id, claim.patient_control_number, claim.type_of_bill, claim.from_date,
            claim.through_date, money(claim.total_charge), counts["error"], counts["warning"])  # fmt: skip


def finding_rows(claim: ClaimOutcome, ordinal: int, findings: list[FindingRow]) -> list[tuple[Any, ...]]:
    """The findings.parquet rows of a claim's findings."""
    return [(claim.file, ordinal, claim.claim_id, edit_id, severity, reason_code, line, message)
            for edit_id, severity, reason_code, line, message in findings]  # fmt: skip


def _unit_rows(claims: list[ClaimOutcome]) -> UnitRows:
    claim_rows, found_rows = [], []
    by_severity = {"error": 0, "warning": 0, "info": 0}
    with_errors: set[str] = set()
    claims_with_errors = 0
    for claim in claims:
        counts = severity_counts(claim.findings)
        claim_rows.append(claim_row(claim, claim.ordinal, counts))
        found_rows += finding_rows(claim, claim.ordinal, claim.findings)
        for severity, count in counts.items():
            by_severity[severity] += count
        if counts["error"]:
            claims_with_errors += 1
            with_errors.add(claim.file)
    return UnitRows(
        claims=table_of(CLAIMS_SCHEMA, claim_rows),
        findings=table_of(FINDINGS_SCHEMA, found_rows),
        claim_count=len(claims),
        claims_with_errors=claims_with_errors,
        findings_by_severity=by_severity,
        files_with_error_claims=with_errors,
    )


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
    if not keep_claims:
        result.rows, result.claims = _unit_rows(result.claims), []
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
