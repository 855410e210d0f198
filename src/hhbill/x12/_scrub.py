"""Scrub an 837I file: read every claim, run the claim checker on it, report per claim and in total.

The checker is a parameter (``hhbill.claims.check_claim`` with a context, in the CLI), so this module depends
only on the claim model. Reports name claims by claim id, patient control number and segment number — never
by patient data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sized
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TextIO, TypeVar

from .._errors import ConfigError, X12Error
from ..claims._check import CheckResult
from ..claims._model import Claim
from ._reader import ParsedClaim, X12Reader
from ._tokenizer import X12Source
from ._writer import WriterSettings

__all__ = [
    "ClaimScrubResult",
    "FileScrubReport",
    "ScrubTotals",
    "iter_scrub",
    "load_writer_settings",
    "looks_like_x12",
    "scrub_file",
    "scrub_report_text",
    "scrub_summary_table",
    "write_scrub_report",
]

Checker = Callable[[Claim], CheckResult]


@dataclass(slots=True)
class ClaimScrubResult:
    """The checker's result for one claim of the file, with where the claim is."""

    ordinal: int
    claim_id: str
    patient_control_number: str
    segment_number: int
    type_of_bill: str
    result: CheckResult
    structure_issues: list[X12Error] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result.ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "ordinal": self.ordinal,
            "claim_id": self.claim_id,
            "patient_control_number": self.patient_control_number,
            "segment_number": self.segment_number,
            "type_of_bill": self.type_of_bill,
            "ok": self.ok,
            "counts": self.result.counts(),
            "findings": [f.to_dict() for f in self.result.findings],
            "structure_issues": [i.to_dict() for i in self.structure_issues],
        }


class _FileReport(Protocol):
    @property
    def claims(self) -> Sized: ...
    @property
    def error(self) -> X12Error | None: ...


_Report = TypeVar("_Report", bound=_FileReport)


def with_claims_or_error(report: _Report) -> _Report:
    """``report``; but a file whose reading stopped before its first claim is not an 837I anyone can look at:
    its error is raised (a file that breaks after some claims is still reported, with the error in it)."""
    if report.error is not None and not len(report.claims):
        raise report.error
    return report


@dataclass(slots=True)
class FileScrubReport:
    """Every claim's result; the file's structural issues (lenient mode); the error that stopped reading."""

    file: str | None
    claims: list[ClaimScrubResult]
    issues: list[X12Error]
    error: X12Error | None = None

    @property
    def ok(self) -> bool:
        """No structural error, no structural issue, and no claim with an error finding."""
        return self.error is None and not self.issues and all(c.ok for c in self.claims)

    def totals(self) -> ScrubTotals:
        """The report's totals, as a streamed report counts them."""
        totals = ScrubTotals(file=self.file, issues=list(self.issues), error=self.error)
        for claim in self.claims:
            totals.add(claim)
        return totals

    def summary(self) -> dict[str, Any]:
        return self.totals().summary()

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "structure_issues": [i.to_dict() for i in self.issues],
            "claims": [c.to_dict() for c in self.claims],
        }


def _scrubbed(parsed: ParsedClaim, checker: Checker) -> ClaimScrubResult:
    return ClaimScrubResult(
        ordinal=parsed.ordinal,
        claim_id=parsed.claim_id,
        patient_control_number=parsed.patient_control_number,
        segment_number=parsed.segment_number,
        type_of_bill=parsed.claim.type_of_bill,
        result=checker(parsed.claim),
        structure_issues=list(parsed.issues),
    )


def iter_scrub(reader: X12Reader, checker: Checker) -> Iterator[ClaimScrubResult]:
    """Check each claim as the reader yields it (streaming; raises the reader's X12Error)."""
    for parsed in reader:
        yield _scrubbed(parsed, checker)


def scrub_file(source: X12Source, checker: Checker, *, strict: bool = True, encoding: str = "utf-8") -> FileScrubReport:
    """Check every claim of an 837I file. A structural error does not raise: it ends the report (``error``),
    and the claims read before it keep their results."""
    claims: list[ClaimScrubResult] = []
    try:
        reader = X12Reader(source, strict=strict, encoding=encoding)
    except X12Error as exc:
        return FileScrubReport(getattr(exc, "location", {}).get("file"), [], [], exc)
    report = FileScrubReport(reader.file_name, claims, reader.issues)
    try:
        claims.extend(iter_scrub(reader, checker))
    except X12Error as exc:
        report.error = exc
    return report


def looks_like_x12(path: str | Path) -> bool:
    """True when the file starts (after a BOM and white space) with an ISA segment."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError:
        return False
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = head.decode(encoding, errors="ignore")
        except UnicodeError:  # pragma: no cover - errors="ignore" never raises
            continue
        if text.lstrip(" \t\r\n\ufeff").startswith("ISA"):
            return True
    return False


def load_writer_settings(path: str | Path | None) -> WriterSettings:
    """Writer settings from a JSON object whose keys are :class:`WriterSettings` fields (None: the defaults).

    ``practitioner_names`` maps an NPI to ``[last, first]``; ``created`` is an ISO date-time.
    """
    if path is None:
        return WriterSettings()
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read X12 writer settings {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"X12 writer settings {path}: a JSON object is expected")
    settings = WriterSettings()
    allowed = set(WriterSettings.__dataclass_fields__) - {"delimiters", "reuse_envelope"}
    for key, value in data.items():
        if key not in allowed:
            raise ConfigError(f"X12 writer settings {path}: unknown key {key!r} (known: {', '.join(sorted(allowed))})")
        setattr(settings, key, _setting_value(path, key, value, getattr(settings, key)))
    return settings


#: JSON value kinds as a user writes them, for the settings messages
_KIND = {str: "text", int: "a whole number", float: "a number", bool: "true/false", list: "a list", dict: "an object"}


def _setting_value(path: str | Path, key: str, value: Any, default: Any) -> Any:
    """``value`` converted to the type of the setting's default; ConfigError when it cannot be."""
    where = f"X12 writer settings {path}: {key}"
    if key == "practitioner_names":
        if not isinstance(value, dict) or not all(
            isinstance(names, list) and 1 <= len(names) <= 2 and all(isinstance(n, str) for n in names)
            for names in value.values()
        ):
            raise ConfigError(f'{where} must map an NPI to ["LAST", "FIRST"]')
        return {str(npi): (names[0], names[1] if len(names) > 1 else "") for npi, names in value.items()}
    if key == "created":
        if value is None:
            return None
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            raise ConfigError(f"{where} must be an ISO date-time like 2026-02-10T12:00:00") from None
    if isinstance(value, bool) or not isinstance(value, type(default)):  # the other settings are str or int
        raise ConfigError(f"{where} must be {_KIND.get(type(default), 'text')}, not {_KIND.get(type(value), 'that')}")
    return value


# ----------------------------------------------------------------------------------------------------------------
# renderings


def _status(claim: ClaimScrubResult) -> str:
    return "OK" if claim.ok else "ERRORS"


def scrub_summary_table(report: FileScrubReport) -> str:
    """One row per claim: ordinal, claim id, patient control number, TOB, counts, status; then the totals."""
    header = ("#", "claim id", "patient control no.", "TOB", "seg", "errors", "warnings", "notes", "status")
    rows = [header]
    for claim in report.claims:
        counts = claim.result.counts()
        rows.append(
            (
                str(claim.ordinal),
                claim.claim_id,
                claim.patient_control_number,
                claim.type_of_bill,
                str(claim.segment_number),
                str(counts.get("error", 0)),
                str(counts.get("warning", 0)),
                str(counts.get("info", 0)),
                _status(claim),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(_totals_line(report.totals()))
    return "\n".join(lines)


def scrub_report_text(report: FileScrubReport) -> str:
    """Structural issues first, then each claim with its findings, then the totals."""
    out: list[str] = [f"837I {report.file or '(stream)'}"]
    if report.error is not None:
        out.append(f"STRUCTURE ERROR  {report.error}")
    for issue in report.issues:
        out.append(f"STRUCTURE        {issue}")
    for claim in report.claims:
        counts = claim.result.counts()
        out.append("")
        out.append(
            f"claim {claim.ordinal}  id {claim.claim_id}  patient control no. {claim.patient_control_number}  "
            f"(segment {claim.segment_number})  TOB {claim.type_of_bill}: {_status(claim)} - "
            f"{counts.get('error', 0)} error(s), {counts.get('warning', 0)} warning(s), {counts.get('info', 0)} note(s)"
        )
        for finding in claim.result.findings:
            where = f" [line {finding.line + 1}]" if finding.line is not None else ""
            reason = f" (FISS {finding.reason_code})" if finding.reason_code else ""
            out.append(f"  {finding.severity.upper():<7} {finding.id}{where}{reason}: {finding.message}")
            out.append(f"          fix: {finding.fix}")
    out.append("")
    out.append(_totals_line(report.totals()))
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------------------------
# streaming report: what the CLI prints for a file of any size, holding one claim at a time


@dataclass(slots=True)
class ScrubTotals:
    """The totals of a streamed report (the claims themselves were written out and dropped)."""

    file: str | None = None
    claims: int = 0
    claims_ok: int = 0
    findings: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0, "info": 0})
    issues: list[X12Error] = field(default_factory=list)
    error: X12Error | None = None

    @property
    def claims_with_errors(self) -> int:
        return self.claims - self.claims_ok

    @property
    def ok(self) -> bool:
        return self.error is None and not self.issues and self.claims_with_errors == 0

    def summary(self) -> dict[str, Any]:
        """The same summary as :meth:`FileScrubReport.summary`."""
        return {
            "file": self.file,
            "claims": self.claims,
            "claims_ok": self.claims_ok,
            "claims_with_errors": self.claims_with_errors,
            "findings": dict(self.findings),
            "structure_issues": len(self.issues),
            "structure_error": self.error.to_dict() if self.error else None,
            "ok": self.ok,
        }

    def add(self, claim: ClaimScrubResult) -> None:
        self.claims += 1
        self.claims_ok += claim.ok
        for severity, count in claim.result.counts().items():
            self.findings[severity] = self.findings.get(severity, 0) + count


_TABLE_HEADER = ("#", "claim id", "patient control no.", "TOB", "seg", "errors", "warnings", "notes", "status")
#: fixed widths, so rows can be printed as claims are read (wider values just push the row out)
_TABLE_WIDTHS = (6, 20, 20, 4, 8, 6, 8, 5, 6)


def _table_row(cells: tuple[str, ...]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, _TABLE_WIDTHS, strict=True)).rstrip()


def _totals_line(totals: ScrubTotals) -> str:
    findings = totals.findings
    text = (
        f"{totals.claims} claim(s): {totals.claims_ok} OK, {totals.claims_with_errors} with errors; "
        f"{findings['error']} error(s), {findings['warning']} warning(s), {findings['info']} note(s)"
    )
    if totals.issues:
        text += f"; {len(totals.issues)} structural issue(s)"
    if totals.error is not None:
        text += f"; reading stopped: {totals.error}"
    return text


def _claim_text(claim: ClaimScrubResult) -> list[str]:
    counts = claim.result.counts()
    out = [
        "",
        f"claim {claim.ordinal}  id {claim.claim_id}  patient control no. {claim.patient_control_number}  "
        f"(segment {claim.segment_number})  TOB {claim.type_of_bill}: {_status(claim)} - "
        f"{counts.get('error', 0)} error(s), {counts.get('warning', 0)} warning(s), {counts.get('info', 0)} note(s)",
    ]
    for finding in claim.result.findings:
        where = f" [line {finding.line + 1}]" if finding.line is not None else ""
        reason = f" (FISS {finding.reason_code})" if finding.reason_code else ""
        out.append(f"  {finding.severity.upper():<7} {finding.id}{where}{reason}: {finding.message}")
        out.append(f"          fix: {finding.fix}")
    return out


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _json_line(value: Any) -> str:
    """One claim on one line: compact JSON goes through the C encoder, several times faster than indented."""
    return json.dumps(value, ensure_ascii=False, default=str, separators=(", ", ": "))


def write_scrub_report(
    source: X12Source,
    checker: Checker,
    out: TextIO,
    fmt: str = "text",
    *,
    strict: bool = True,
    encoding: str = "utf-8",
) -> ScrubTotals:
    """Check every claim of an 837I and write the report (``text``, ``json`` or ``table``) as claims are read:
    memory does not grow with the number of claims. JSON has the keys of :meth:`FileScrubReport.to_dict`, with
    ``claims`` first and ``summary`` last (it is known only at the end)."""
    totals = ScrubTotals()
    try:
        reader: X12Reader | None = X12Reader(source, strict=strict, encoding=encoding)
    except X12Error as exc:
        reader = None
        totals.file = getattr(exc, "location", {}).get("file")
        totals.error = exc
    if reader is not None:
        totals.file = reader.file_name
        totals.issues = reader.issues
    if fmt == "json":
        out.write('{\n  "claims": [')
    elif fmt == "table":
        out.write(_table_row(_TABLE_HEADER) + "\n" + "  ".join("-" * w for w in _TABLE_WIDTHS) + "\n")
    else:
        out.write(f"837I {totals.file or '(stream)'}\n")
    if reader is not None:
        try:
            for claim in iter_scrub(reader, checker):
                totals.add(claim)
                if fmt == "json":
                    out.write(("\n    " if totals.claims == 1 else ",\n    ") + _json_line(claim.to_dict()))
                elif fmt == "table":
                    counts = claim.result.counts()
                    cells = (str(claim.ordinal), claim.claim_id, claim.patient_control_number, claim.type_of_bill,
                             str(claim.segment_number), str(counts.get("error", 0)), str(counts.get("warning", 0)),
                             str(counts.get("info", 0)), _status(claim))  # fmt: skip
                    out.write(_table_row(cells) + "\n")
                else:
                    out.write("\n".join(_claim_text(claim)) + "\n")
        except X12Error as exc:
            totals.error = exc
    if fmt == "json":
        issues = _json([i.to_dict() for i in totals.issues]).replace("\n", "\n  ")
        out.write(("\n  " if totals.claims else "") + "],\n")
        out.write(f'  "structure_issues": {issues},\n')
        out.write('  "summary": ' + _json(totals.summary()).replace("\n", "\n  ") + "\n}\n")
    elif fmt == "table":
        out.write("\n" + _totals_line(totals) + "\n")
    else:
        tail = []
        if totals.error is not None:
            tail.append(f"STRUCTURE ERROR  {totals.error}")
        tail += [f"STRUCTURE        {issue}" for issue in totals.issues]
        out.write("\n".join(["", *tail, _totals_line(totals)]) + "\n")
    return totals
