"""A beneficiary's home health history read from the ledger: admissions (NOA, periods, discharge, transfer) per agency.

An admission is opened by a Notice of Admission (032A) or, for claims recorded without one, by the admission date
of its period claims; it covers contiguous 30-day periods from its start until a period claim reports a discharge
(patient status other than 30) or another agency's NOA with condition code 47 takes the patient over (Pub. 100-04
Ch.10 §10.1.10; the transfer closes the first agency's admission as of the receiving agency's start). Adjusted and
cancelled claims are read as the ledger left them: a replaced claim gives way to its replacement, a cancelled one
is gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from ._data import rule_tables
from ._ledger import SENT_STATUSES, LedgerEntry

__all__ = ["PERIOD_DAYS", "Admission", "admissions", "open_periods"]

PERIOD_DAYS = 30
_ADMISSION_KINDS = frozenset({"noa", "period", "replacement"})


@dataclass(slots=True)
class Admission:
    """One agency's home health admission of the beneficiary."""

    provider_npi: str
    start: date
    noa: LedgerEntry | None = None
    periods: list[LedgerEntry] = field(default_factory=list)
    discharge: date | None = None
    discharge_status: str = ""
    transfer_in: bool = False
    #: another agency's transfer NOA (CC 47) start date: this admission ends the day before
    closed_by_transfer: date | None = None

    @property
    def end(self) -> date | None:
        """The last day under this admission (None: still open)."""
        if self.closed_by_transfer is not None:
            last = self.closed_by_transfer - timedelta(days=1)
            return min(last, self.discharge) if self.discharge is not None else last
        return self.discharge

    def open_on(self, day: date) -> bool:
        end = self.end
        return self.start <= day and (end is None or day <= end)

    def period_of(self, day: date) -> tuple[date, date]:
        """The 30-day period of this admission that contains ``day`` (day 1, 31, 61 ... from the start)."""
        index = max(0, (day - self.start).days // PERIOD_DAYS)
        start = self.start + timedelta(days=PERIOD_DAYS * index)
        return start, start + timedelta(days=PERIOD_DAYS - 1)


def _in_force(entries: Iterable[LedgerEntry], sent_only: bool) -> list[LedgerEntry]:
    """Entries that still stand: not superseded, not NOAs cancelled by a later 032D of the same admission."""
    kept = [e for e in entries if e.in_force and (not sent_only or e.status in SENT_STATUSES)]
    cancelled_noas = {(e.provider_npi, e.admission_date or e.from_date) for e in kept if e.type_of_bill == "032D"}
    return [
        e
        for e in kept
        if not (e.type_of_bill == "032A" and (e.provider_npi, e.admission_date or e.from_date) in cancelled_noas)
    ]


def admissions(entries: Iterable[LedgerEntry], *, sent_only: bool = True) -> list[Admission]:
    """The admissions in a beneficiary's ledger entries, by start date. ``sent_only``: only claims in the MAC's
    history (submitted, paid); False also reads checked drafts and returned claims (the timeline shows them)."""
    kinds = rule_tables().types_of_bill
    found: dict[tuple[str, date], Admission] = {}
    for entry in sorted(_in_force(entries, sent_only), key=lambda e: (e.from_date, e.id)):
        tob = kinds.get(entry.type_of_bill)
        if tob is None or tob.kind not in _ADMISSION_KINDS:
            continue
        start = entry.admission_date or entry.from_date
        admission = found.setdefault((entry.provider_npi, start), Admission(entry.provider_npi, start))
        if tob.kind == "noa":
            admission.noa = entry
            admission.transfer_in = "47" in entry.condition_codes
        else:
            admission.periods.append(entry)
            discharges = entry.patient_status not in ("", "30")
            if discharges and (admission.discharge is None or entry.through_date > admission.discharge):
                admission.discharge, admission.discharge_status = entry.through_date, entry.patient_status
    ordered = sorted(found.values(), key=lambda a: (a.start, a.provider_npi))
    for receiving in ordered:
        if not receiving.transfer_in:
            continue
        for other in ordered:
            if (
                other.provider_npi != receiving.provider_npi
                and other.start < receiving.start
                and other.closed_by_transfer is None
                and other.open_on(receiving.start - timedelta(days=1))
            ):
                other.closed_by_transfer = receiving.start
    return ordered


def open_periods(history: list[Admission]) -> list[tuple[Admission, date, date, LedgerEntry | None]]:
    """The 032X periods the beneficiary is (or was) under: each period claim in force, and for an admission not
    discharged, the 30-day period after its last period claim (the first period when none is billed yet)."""
    found: list[tuple[Admission, date, date, LedgerEntry | None]] = []
    for admission in history:
        for entry in admission.periods:
            found.append((admission, entry.from_date, entry.through_date, entry))
        if admission.discharge is None:
            last = max((e.from_date for e in admission.periods), default=None)
            start = admission.start if last is None else last + timedelta(days=PERIOD_DAYS)
            end = start + timedelta(days=PERIOD_DAYS - 1)
            if admission.closed_by_transfer is not None:
                end = min(end, admission.closed_by_transfer - timedelta(days=1))
            if start <= end:
                found.append((admission, start, end, None))
    return found
