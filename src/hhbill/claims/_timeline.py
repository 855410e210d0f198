"""A patient's home health timeline from the claim ledger: admissions, NOAs, periods (early or late), transfers,
discharges, 034X claims, adjustments and cancels, each with its status and its findings, and the next dates to watch.

The ledger files claims under a keyed hash of the MBI, so the timeline is asked for by MBI and shows only its last
four characters. Periods are early or late by the 60-day gap rule: the first period of a sequence of adjacent
periods is early; a later one is early again only after more than 60 days without a period (Pub. 100-04 Ch.10
§10.1.9; timing comes from Medicare claims history, here the ledger, across agencies).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .._phi import mask_mbi
from ._data import rule_tables
from ._history import PERIOD_DAYS, Admission, admissions
from ._ledger import ClaimLedger, LedgerEntry

__all__ = ["NextDate", "Timeline", "TimelineItem", "timeline"]

#: days without a period after which the next period is early again
EARLY_GAP_DAYS = 60
NOA_DEADLINE_DAYS = 5
CERTIFICATION_DAYS = 60
#: the recertification assessment is done in the last 5 days of the certification period (42 CFR 484.55(d)(1))
RECERT_WINDOW_DAYS = 5

_KIND_LABELS = {
    "noa": "NOA",
    "noa_cancel": "NOA cancel",
    "period": "period",
    "replacement": "period (adjustment)",
    "void": "cancel",
    "therapy": "034X therapy",
    "therapy_replacement": "034X therapy (adjustment)",
    "therapy_void": "034X cancel",
}


@dataclass(slots=True)
class TimelineItem:
    """One thing on the timeline. ``kind``: admission, noa, noa_cancel, period, transfer, discharge, therapy,
    adjustment, cancel. ``status``: checked, submitted, paid or returned (from the ledger; derived items take their
    claim's)."""

    kind: str
    start: date
    end: date
    provider_npi: str
    status: str
    label: str
    entry_id: int | None = None
    type_of_bill: str = ""
    timing: str = ""  # early / late (periods)
    superseded: str = ""  # "replaced by ledger #7" / "cancelled by ledger #8"
    marks: list[dict[str, str]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "provider_npi": self.provider_npi,
            "status": self.status,
            "label": self.label,
            "entry_id": self.entry_id,
            "type_of_bill": self.type_of_bill,
            "timing": self.timing,
            "superseded": self.superseded,
            "marks": list(self.marks),
            "findings": list(self.findings),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class NextDate:
    """A date to watch: ``what`` (next_period_start, recertification, noa_deadline), the day and why."""

    what: str
    day: date
    why: str
    overdue: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "date": self.day.isoformat(), "why": self.why, "overdue": self.overdue}


@dataclass(slots=True)
class Timeline:
    patient: str  # the MBI's last four characters, masked
    today: date
    items: list[TimelineItem]
    next_dates: list[NextDate]

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient,
            "today": self.today.isoformat(),
            "items": [item.to_dict() for item in self.items],
            "next_dates": [d.to_dict() for d in self.next_dates],
        }

    def to_text(self) -> str:
        out = [f"Home health timeline for MBI {self.patient} (as of {self.today})"]
        if not self.items:
            out.append("  no claims recorded for this patient")
        for item in self.items:
            span = str(item.start) if item.start == item.end else f"{item.start} to {item.end}"
            extra = [x for x in (item.timing, item.superseded) if x]
            head = f"  {span:<26} {item.label:<28} NPI {item.provider_npi or '-':<10} {item.status}"
            out.append(head + (f" ({'; '.join(extra)})" if extra else ""))
            if item.marks:
                counts: dict[str, int] = {}
                for mark in item.marks:
                    counts[mark["discipline"]] = counts.get(mark["discipline"], 0) + 1
                out.append("      services: " + ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())))
            for note in item.notes:
                out.append(f"      note: {note}")
            for finding in item.findings:
                code = f" [{finding['reason_code']}]" if finding.get("reason_code") else ""
                out.append(f"      {finding['severity']} {finding['id']}{code}: {finding['message']}")
        if self.next_dates:
            out.append("Next dates:")
            for next_date in self.next_dates:
                flag = " OVERDUE" if next_date.overdue else ""
                out.append(f"  {next_date.day}  {next_date.what.replace('_', ' ')}{flag}: {next_date.why}")
        return "\n".join(out)


def _masked(mbi: str) -> str:
    return mask_mbi(mbi.strip().upper())


def _status(entry: LedgerEntry) -> str:
    return entry.status


def _superseded(entry: LedgerEntry) -> str:
    if entry.superseded_by is None:
        return ""
    return f"{entry.superseded_how or 'superseded'} by ledger #{entry.superseded_by}"


def _claim_item(entry: LedgerEntry) -> TimelineItem:
    tob = rule_tables().types_of_bill.get(entry.type_of_bill)
    kind = tob.kind if tob is not None else "unknown"
    item_kind = {
        "replacement": "adjustment",
        "therapy_replacement": "adjustment",
        "void": "cancel",
        "therapy_void": "cancel",
    }.get(kind, kind)
    label = f"{_KIND_LABELS.get(kind, kind)} {entry.type_of_bill}"
    item = TimelineItem(
        kind=item_kind,
        start=entry.from_date,
        end=entry.through_date,
        provider_npi=entry.provider_npi,
        status=_status(entry),
        label=label,
        entry_id=entry.id,
        type_of_bill=entry.type_of_bill,
        superseded=_superseded(entry),
        marks=list(entry.details.get("marks", [])),
        findings=list(entry.details.get("findings", [])),
    )
    if kind == "noa" and "47" in entry.condition_codes:
        item.notes.append("condition code 47: transfer from another HHA")
    return item


def _period_timing(items: list[TimelineItem]) -> None:
    """Early/late by the 60-day gap rule over the in-force period claims of every agency, in date order."""
    periods = sorted(
        (
            i
            for i in items
            if i.kind in {"period", "adjustment"} and i.type_of_bill.startswith("032") and not i.superseded
        ),
        key=lambda i: i.start,
    )
    previous_end: date | None = None
    for item in periods:
        gap = None if previous_end is None else (item.start - previous_end).days - 1
        if gap is None:
            item.timing = "early (first period on record)"
        elif gap > EARLY_GAP_DAYS:
            item.timing = f"early ({gap} days since the previous period, more than {EARLY_GAP_DAYS})"
        else:
            item.timing = "late (follows a period within 60 days)" if gap > 0 else "late (adjacent to the previous)"
        previous_end = item.end if previous_end is None else max(previous_end, item.end)


def _admission_items(history: list[Admission]) -> list[TimelineItem]:
    items = []
    for admission in history:
        source = admission.noa or (admission.periods[0] if admission.periods else None)
        status = source.status if source is not None else "checked"
        end = admission.end or max((p.through_date for p in admission.periods), default=admission.start)
        item = TimelineItem(
            kind="admission",
            start=admission.start,
            end=end,
            provider_npi=admission.provider_npi,
            status=status,
            label="admission" + (" (open)" if admission.end is None else ""),
        )
        if admission.noa is None:
            item.notes.append("no NOA recorded for this admission")
        items.append(item)
        if admission.transfer_in and admission.noa is not None:
            items.append(
                TimelineItem(
                    kind="transfer",
                    start=admission.start,
                    end=admission.start,
                    provider_npi=admission.provider_npi,
                    status=admission.noa.status,
                    label="transfer in (CC 47)",
                    entry_id=admission.noa.id,
                )
            )
        if admission.discharge is not None:
            items.append(
                TimelineItem(
                    kind="discharge",
                    start=admission.discharge,
                    end=admission.discharge,
                    provider_npi=admission.provider_npi,
                    status=status,
                    label=f"discharge (status {admission.discharge_status})",
                )
            )
        elif admission.closed_by_transfer is not None:
            day = admission.closed_by_transfer - timedelta(days=1)
            items.append(
                TimelineItem(
                    kind="discharge",
                    start=day,
                    end=day,
                    provider_npi=admission.provider_npi,
                    status=status,
                    label="transferred out",
                    notes=[f"another HHA admitted the patient on {admission.closed_by_transfer} with CC 47"],
                )
            )
    return items


def _next_dates(history: list[Admission], today: date) -> list[NextDate]:
    current = [a for a in history if a.end is None]
    if not current:
        return []
    admission = max(current, key=lambda a: a.start)
    found = []
    period_start, _ = admission.period_of(max(today, admission.start))
    next_start = period_start + timedelta(days=PERIOD_DAYS)
    found.append(
        NextDate(
            "next_period_start",
            next_start,
            f"the admission of {admission.start} is open: its periods start every {PERIOD_DAYS} days (day 1, 31, "
            "61 ...); bill the current period after it ends",
        )
    )
    elapsed = max(0, (today - admission.start).days)
    cert_start = admission.start + timedelta(days=CERTIFICATION_DAYS * (elapsed // CERTIFICATION_DAYS + 1))
    window = cert_start - timedelta(days=RECERT_WINDOW_DAYS)
    found.append(
        NextDate(
            "recertification",
            cert_start,
            f"the next 60-day certification period starts {cert_start}: recertify (and do the OASIS follow-up) "
            f"from {window} to {cert_start - timedelta(days=1)} (42 CFR 424.22(b); 42 CFR 484.55(d)(1))",
        )
    )
    deadline = admission.start + timedelta(days=NOA_DEADLINE_DAYS)
    if admission.noa is None:
        found.append(
            NextDate(
                "noa_deadline",
                deadline,
                f"no NOA is recorded for the admission of {admission.start}: it must reach the MAC within "
                f"{NOA_DEADLINE_DAYS} calendar days (42 CFR 484.205(j))",
                overdue=today > deadline,
            )
        )
    return found


def timeline(ledger: ClaimLedger, mbi: str, *, today: date | None = None, provider_npi: str | None = None) -> Timeline:
    """The patient's timeline from the ledger (all agencies; ``provider_npi`` keeps one agency's items and
    admissions, the others still decide early/late and transfers)."""
    today = today or date.today()
    entries = ledger.history(ledger.key_for_mbi(mbi))
    items = [_claim_item(e) for e in entries]
    _period_timing(items)
    history = admissions(entries, sent_only=False)
    items.extend(_admission_items(history))
    if provider_npi:
        items = [i for i in items if i.provider_npi == provider_npi]
        history = [a for a in history if a.provider_npi == provider_npi]
    order = {"admission": 0, "transfer": 1, "noa": 2, "noa_cancel": 3, "period": 4, "therapy": 5, "adjustment": 6}
    items.sort(key=lambda i: (i.start, order.get(i.kind, 7), i.entry_id or 0))
    return Timeline(_masked(mbi), today, items, _next_dates(history, today))
