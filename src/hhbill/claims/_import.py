"""Loading past claims into the ledger, so a new user starts with their history: ``ledger_import(ledger, path)``.

Two forms, told apart by their first characters:

- an 837I file (``ISA*...``), read by the X12 reader that :mod:`hhbill.x12` registers in :data:`past_claim_readers`
  when it is imported (claims does not import x12: x12 builds on the claim model, so the arrow points one way);
- JSON: a list of claims, or ``{"claims": [...]}``. Each claim is a claim input as ``hhbill claim check`` takes it
  (a period to build or a claim given line by line), optionally wrapped as ``{"status": "paid", "claim": {...}}``.

Every claim is read first; a bad one stops the import before anything is recorded, with an error naming its place
(``claims[3].visits[0].date`` or the 837I segment). Recording is one transaction per claim and keyed by the 38200
duplicate key, so importing the same file again (or from two processes at once) adds nothing twice.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._errors import ClaimInputError
from ._build import BuildSettings, build_claim
from ._input import PeriodOfCare, parse_claim_input
from ._ledger import LEDGER_STATUSES, ClaimLedger, LedgerEntry
from ._model import Claim
from ._past_readers import past_claim_readers
from ._pricing import TherapyFeeSchedule

__all__ = ["LedgerImport", "ledger_import", "past_claim_readers", "read_past_claims"]


@dataclass(slots=True)
class LedgerImport:
    """What an import recorded: the ledger entries, by claim, and the form the file was in."""

    source: str
    form: str  # "837I" or "JSON"
    entries: list[LedgerEntry] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "form": self.form,
            "recorded": len(self.entries),
            "entries": [entry.to_dict() for entry in self.entries],
        }

    def to_text(self) -> str:
        return f"{len(self.entries)} claim(s) from {self.source} ({self.form}) recorded in the ledger"


def _json_claims(
    data: Any, default_status: str, settings: BuildSettings | None, fee_schedule: TherapyFeeSchedule | None
) -> list[tuple[Claim, str]]:
    items = data.get("claims") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ClaimInputError("expected a list of claims or an object with a 'claims' list", field="(file)")
    found = []
    for index, item in enumerate(items):
        where = f"claims[{index}]"
        status = default_status
        if isinstance(item, dict) and "claim" in item:
            unknown = set(item) - {"claim", "status"}
            if unknown:
                raise ClaimInputError(f"unknown field(s) {', '.join(sorted(unknown))}", field=where)
            status = item.get("status", default_status)
            if status not in LEDGER_STATUSES:
                raise ClaimInputError(
                    f"unknown status {status!r} (choose {', '.join(LEDGER_STATUSES)})", field=f"{where}.status"
                )
            item = item["claim"]
            where += ".claim"
        try:
            parsed = parse_claim_input(item)
            claim = (
                build_claim(parsed, settings, fee_schedule=fee_schedule) if isinstance(parsed, PeriodOfCare) else parsed
            )
        except ClaimInputError as exc:
            inner = exc.location.get("field")
            raise ClaimInputError(exc.message, field=f"{where}.{inner}" if inner else where) from None
        found.append((claim, status))
    return found


def read_past_claims(
    path: str | os.PathLike[str],
    *,
    status: str = "submitted",
    settings: BuildSettings | None = None,
    fee_schedule: TherapyFeeSchedule | None = None,
) -> tuple[str, list[tuple[Claim, str]]]:
    """The claims of a JSON or 837I file with the status each is recorded with, and the file's form."""
    if status not in LEDGER_STATUSES:
        raise ClaimInputError(f"unknown status {status!r} (choose {', '.join(LEDGER_STATUSES)})", field="status")
    try:
        head = Path(path).read_bytes()[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise ClaimInputError(f"cannot read {path}: {exc.strerror}", field="(file)") from None
    for magic, (form, reader) in past_claim_readers.items():
        if head.startswith(magic):
            return form, [(claim, status) for claim in reader(Path(path))]
    if head.startswith(b"ISA"):
        raise ClaimInputError("an 837I file needs the X12 reader: import hhbill.x12 first", field="(file)")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ClaimInputError(f"{path} is neither an 837I file nor UTF-8 JSON", field="(file)") from None
    except json.JSONDecodeError as exc:
        raise ClaimInputError(f"not valid JSON: {exc.msg}", field=f"(line {exc.lineno}, column {exc.colno})") from None
    except (RecursionError, ValueError):
        raise ClaimInputError("not usable JSON", field="(file)") from None
    return "JSON", _json_claims(data, status, settings, fee_schedule)


def ledger_import(
    ledger: ClaimLedger,
    path: str | os.PathLike[str],
    *,
    status: str = "submitted",
    settings: BuildSettings | None = None,
    fee_schedule: TherapyFeeSchedule | None = None,
) -> LedgerImport:
    """Record the past claims of a JSON or 837I file in the ledger (all read before any is recorded)."""
    form, claims = read_past_claims(path, status=status, settings=settings, fee_schedule=fee_schedule)
    result = LedgerImport(source=Path(path).name, form=form)
    for index, (claim, _) in enumerate(claims):
        if claim.from_date is None or claim.through_date is None:
            raise ClaimInputError("a claim without From and Through dates cannot be recorded", field=f"claims[{index}]")
    for claim, claim_status in claims:
        result.entries.append(ledger.record(claim, claim_status))
    return result
